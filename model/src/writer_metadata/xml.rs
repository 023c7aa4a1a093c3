//! The Writer Metadata Document as XML, as `IVssExamineWriterMetadata::SaveAsXML` gives it.
//!
//! Microsoft documents what a writer's metadata holds, not the schema of its XML, so the
//! schema is this project's own, in the look of real writer metadata: upper-case element
//! names (`WRITER_METADATA`, `IDENTIFICATION`, `RESTORE_METHOD`, `EXCLUDE_FILES`,
//! `FILE_GROUP` and `DATABASE` with their `FILE_LIST`, `DATABASE_FILES`, `DATABASE_LOGFILES`
//! and `DEPENDENCY`), camel-case attributes, enumerations by their SDK names, booleans as
//! `yes` / `no`, and the file backup type mask as a decimal number. Only written, never read
//! back: the simulator answers `LoadFromXML` with `E_NOTIMPL`.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use super::{ComponentInfo, ComponentType, FileDescriptor, WriterMetadataDocument};
use crate::xml_text::{push_attr, yes_no};

/// The namespace the document declares, after the one real writer metadata declares.
pub const NAMESPACE: &str = "x-schema:#VssWriterMetadataInfo";

impl WriterMetadataDocument {
    /// Writes the metadata as XML. The same metadata always gives the same bytes: an XML
    /// declaration, two-space indentation and a final line feed.
    pub fn to_xml(&self) -> String {
        let mut events = vec![Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))];
        let mut root = BytesStart::new("WRITER_METADATA");
        push_attr(&mut root, "xmlns", NAMESPACE);
        push_attr(&mut root, "version", "1.0");
        events.push(Event::Start(root));

        let mut identity = BytesStart::new("IDENTIFICATION");
        push_attr(&mut identity, "writerId", &self.writer_id.to_string());
        push_attr(&mut identity, "instanceId", &self.instance_id.to_string());
        push_attr(&mut identity, "friendlyName", &self.writer_name);
        push_attr(&mut identity, "usage", self.usage.name());
        push_attr(&mut identity, "dataSource", self.source.name());
        events.push(Event::Empty(identity));

        let restore = &self.restore_method;
        let mut method = BytesStart::new("RESTORE_METHOD");
        push_attr(&mut method, "method", restore.method.name());
        push_attr(&mut method, "service", &restore.service);
        push_attr(&mut method, "userProcedure", &restore.user_procedure);
        push_attr(&mut method, "writerRestore", restore.writer_restore.name());
        push_attr(
            &mut method,
            "rebootRequired",
            yes_no(restore.reboot_required),
        );
        events.push(Event::Empty(method));

        for files in &self.exclude_files {
            events.push(Event::Empty(files_element("EXCLUDE_FILES", files)));
        }
        for component in &self.components {
            push_component(component, &mut events);
        }
        events.push(Event::End(BytesEnd::new("WRITER_METADATA")));

        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        for event in events {
            writer
                .write_event(event)
                .expect("writing to a buffer cannot fail");
        }
        let mut text =
            String::from_utf8(writer.into_inner()).expect("the writer only copies UTF-8 text");
        text.push('\n');
        text
    }
}

/// A `FILE_GROUP` or `DATABASE` element with its file sets and dependencies.
fn push_component(component: &ComponentInfo, events: &mut Vec<Event<'static>>) {
    let name = match component.component_type {
        ComponentType::VSS_CT_DATABASE => "DATABASE",
        _ => "FILE_GROUP",
    };
    let mut e = BytesStart::new(name);
    push_attr(&mut e, "logicalPath", &component.logical_path);
    push_attr(&mut e, "componentName", &component.component_name);
    push_attr(&mut e, "caption", &component.caption);
    push_attr(
        &mut e,
        "restoreMetadata",
        yes_no(component.restore_metadata),
    );
    push_attr(
        &mut e,
        "notifyOnBackupComplete",
        yes_no(component.notify_on_backup_complete),
    );
    push_attr(&mut e, "selectable", yes_no(component.selectable));
    push_attr(
        &mut e,
        "selectableForRestore",
        yes_no(component.selectable_for_restore),
    );
    push_attr(
        &mut e,
        "componentFlags",
        &component.component_flags.to_string(),
    );
    let mut inner = Vec::new();
    for (element, list) in [
        ("FILE_LIST", &component.files),
        ("DATABASE_FILES", &component.database_files),
        ("DATABASE_LOGFILES", &component.database_log_files),
    ] {
        inner.extend(list.iter().map(|f| Event::Empty(files_element(element, f))));
    }
    for dependency in &component.dependencies {
        let mut d = BytesStart::new("DEPENDENCY");
        push_attr(&mut d, "onWriterId", &dependency.writer_id.to_string());
        push_attr(&mut d, "onLogicalPath", &dependency.logical_path);
        push_attr(&mut d, "onComponentName", &dependency.component_name);
        inner.push(Event::Empty(d));
    }
    if inner.is_empty() {
        events.push(Event::Empty(e));
    } else {
        events.push(Event::Start(e));
        events.extend(inner);
        events.push(Event::End(BytesEnd::new(name)));
    }
}

/// An element for one file set.
fn files_element(name: &'static str, files: &FileDescriptor) -> BytesStart<'static> {
    let mut e = BytesStart::new(name);
    push_attr(&mut e, "path", &files.path);
    push_attr(&mut e, "filespec", &files.filespec);
    push_attr(&mut e, "recursive", yes_no(files.recursive));
    if !files.alternate_location.is_empty() {
        push_attr(&mut e, "alternatePath", &files.alternate_location);
    }
    push_attr(
        &mut e,
        "filespecBackupType",
        &files.backup_type_mask.to_string(),
    );
    e
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use crate::guid::VssId;

    #[test]
    fn the_metadata_is_written_whole_and_escaped() {
        let files = |path: &str| FileDescriptor {
            path: path.into(),
            filespec: "*".into(),
            recursive: true,
            alternate_location: String::new(),
            backup_type_mask: DEFAULT_BACKUP_TYPE_MASK,
        };
        let metadata = WriterMetadataDocument {
            instance_id: VssId::from_u128(1),
            writer_id: VssId::from_u128(2),
            writer_name: "A & B".into(),
            usage: UsageType::VSS_UT_USERDATA,
            source: SourceType::VSS_ST_TRANSACTEDDB,
            restore_method: RestoreMethodInfo {
                method: RestoreMethod::VSS_RME_RESTORE_IF_NOT_THERE,
                service: String::new(),
                user_procedure: String::new(),
                writer_restore: WriterRestore::VSS_WRE_NEVER,
                reboot_required: false,
            },
            exclude_files: vec![files(r"C:\tmp")],
            components: vec![ComponentInfo {
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path: "db".into(),
                component_name: "<main>".into(),
                caption: String::new(),
                restore_metadata: false,
                notify_on_backup_complete: true,
                selectable: true,
                selectable_for_restore: false,
                component_flags: 0,
                files: Vec::new(),
                database_files: vec![files(r"D:\db")],
                database_log_files: vec![files(r"D:\log")],
                dependencies: vec![ComponentDependency {
                    writer_id: VssId::from_u128(3),
                    logical_path: String::new(),
                    component_name: "Registry".into(),
                }],
            }],
        };
        let xml = metadata.to_xml();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<WRITER_METADATA"));
        for part in [
            r#"friendlyName="A &amp; B" usage="VSS_UT_USERDATA" dataSource="VSS_ST_TRANSACTEDDB""#,
            r#"<EXCLUDE_FILES path="C:\tmp" filespec="*" recursive="yes" filespecBackupType="3855"/>"#,
            r#"<DATABASE logicalPath="db" componentName="&lt;main&gt;""#,
            r#"<DATABASE_LOGFILES path="D:\log""#,
            r#"<DEPENDENCY onWriterId="{00000000-0000-0000-0000-000000000003}" onLogicalPath="" onComponentName="Registry"/>"#,
        ] {
            assert!(xml.contains(part), "{part} not in\n{xml}");
        }
        assert!(xml.ends_with("</WRITER_METADATA>\n"));
    }
}
