//! Writing: the document as the XML `SaveAsXML` gives, element by element.

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};

use super::{
    BackupComponentsDocument, COMPONENT, EXTENT, IDENTIFIER, INTEGRITY, INTERCONNECT, LunMapping,
    MAPPING, NAMESPACE, ORIGINAL_LUN, PAIR, ROOT, SCHEMA_VERSION, SET, SHADOW_LUN, SNAPSHOT,
    SnapshotDescription, WRITER, WRITER_COMPONENTS, WriterComponents,
};
use crate::digest::fnv1a64;
use crate::lun::VdsLunInformation;
use crate::xml_text::{push_attr, yes_no};

impl BackupComponentsDocument {
    /// Writes the document without the integrity attribute, in its canonical form, to
    /// `out`: a buffer, or a hash that needs no text kept.
    pub(super) fn render_into<W: std::io::Write>(&self, out: W) -> W {
        let mut writer = Writer::new_with_indent(out, b' ', 2);
        let mut root = BytesStart::new(ROOT);
        push_attr(&mut root, "xmlns", NAMESPACE);
        push_attr(&mut root, "version", SCHEMA_VERSION);
        push_attr(&mut root, "context", &hex32(self.context.0 as u32));
        if let Some(state) = &self.backup_state {
            push_attr(
                &mut root,
                "selectComponents",
                yes_no(state.select_components),
            );
            push_attr(
                &mut root,
                "bootableSystemStateBackup",
                yes_no(state.bootable_system_state),
            );
            push_attr(&mut root, "backupType", state.backup_type.name());
            push_attr(
                &mut root,
                "partialFileSupport",
                yes_no(state.partial_file_support),
            );
        }

        let mut events = vec![Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))];
        if self.writers.is_empty() && self.components.is_empty() && self.snapshot_set.is_none() {
            events.push(Event::Empty(root));
        } else {
            events.push(Event::Start(root));
            for w in &self.writers {
                let mut e = BytesStart::new(WRITER);
                push_attr(&mut e, "writerId", &w.writer_id.to_string());
                push_attr(&mut e, "instanceId", &w.instance_id.to_string());
                push_attr(&mut e, "friendlyName", &w.writer_name);
                events.push(Event::Empty(e));
            }
            for w in &self.components {
                push_writer_components(w, &mut events);
            }
            if let Some(set) = &self.snapshot_set {
                let mut e = BytesStart::new(SET);
                push_attr(&mut e, "snapshotSetId", &set.snapshot_set_id.to_string());
                push_attr(&mut e, "context", &hex32(set.context.0 as u32));
                push_attr(&mut e, "created", yes_no(set.created));
                if set.snapshots.is_empty() {
                    events.push(Event::Empty(e));
                } else {
                    events.push(Event::Start(e));
                    for s in &set.snapshots {
                        push_snapshot(s, &mut events);
                    }
                    events.push(Event::End(BytesEnd::new(SET)));
                }
            }
            events.push(Event::End(BytesEnd::new(ROOT)));
        }
        for event in events {
            writer
                .write_event(event)
                .expect("writing to a buffer or a hash cannot fail");
        }
        let mut out = writer.into_inner();
        out.write_all(b"\n")
            .expect("writing to a buffer or a hash cannot fail");
        out
    }

    /// The canonical form with its integrity attribute as the root's last
    /// attribute: the form written without it, with the attribute put in place.
    pub(super) fn render_with_integrity(&self) -> String {
        let mut text = String::from_utf8(self.render_into(Vec::new()))
            .expect("the writer only copies UTF-8 text");
        let hash = fnv1a64(text.as_bytes());
        let root = text.find(&format!("<{ROOT}")).expect("the root element");
        let mut end = root + text[root..].find('>').expect("the root's start tag ends");
        if text[..end].ends_with('/') {
            end -= 1;
        }
        text.insert_str(end, &format!(" {INTEGRITY}=\"{hash:016x}\""));
        text
    }
}

/// The `WRITER_COMPONENTS` element of one writer instance, a `COMPONENT` for each of its
/// components.
fn push_writer_components(w: &WriterComponents, events: &mut Vec<Event<'static>>) {
    let mut e = BytesStart::new(WRITER_COMPONENTS);
    push_attr(&mut e, "instanceId", &w.instance_id.to_string());
    push_attr(&mut e, "writerId", &w.writer_id.to_string());
    if w.components.is_empty() {
        events.push(Event::Empty(e));
        return;
    }
    events.push(Event::Start(e));
    for c in &w.components {
        let mut e = BytesStart::new(COMPONENT);
        push_attr(&mut e, "logicalPath", &c.logical_path);
        push_attr(&mut e, "componentName", &c.component_name);
        push_attr(&mut e, "componentType", c.component_type.name());
        push_attr(&mut e, "backupSucceeded", yes_no(c.backup_succeeded));
        events.push(Event::Empty(e));
    }
    events.push(Event::End(BytesEnd::new(WRITER_COMPONENTS)));
}

/// The `SNAPSHOT_DESCRIPTION` element of one shadow copy, with its LUN mapping if it has one.
fn push_snapshot(s: &SnapshotDescription, events: &mut Vec<Event<'static>>) {
    let e = snapshot_element(s);
    match &s.lun_mapping {
        None => events.push(Event::Empty(e)),
        Some(mapping) => {
            events.push(Event::Start(e));
            push_mapping(mapping, events);
            events.push(Event::End(BytesEnd::new(SNAPSHOT)));
        }
    }
}

/// The `LUN_MAPPING` element: a `LUN_PAIR` for each LUN, then a `DISK_EXTENT` for each
/// extent.
fn push_mapping(mapping: &LunMapping, events: &mut Vec<Event<'static>>) {
    let e = BytesStart::new(MAPPING);
    if mapping.luns.is_empty() && mapping.extents.is_empty() {
        events.push(Event::Empty(e));
        return;
    }
    events.push(Event::Start(e));
    for pair in &mapping.luns {
        events.push(Event::Start(BytesStart::new(PAIR)));
        push_lun(ORIGINAL_LUN, &pair.original, events);
        push_lun(SHADOW_LUN, &pair.shadow, events);
        events.push(Event::End(BytesEnd::new(PAIR)));
    }
    for extent in &mapping.extents {
        let mut e = BytesStart::new(EXTENT);
        push_attr(&mut e, "lun", &extent.lun.to_string());
        push_attr(&mut e, "offset", &extent.offset.to_string());
        push_attr(&mut e, "length", &extent.length.to_string());
        events.push(Event::Empty(e));
    }
    events.push(Event::End(BytesEnd::new(MAPPING)));
}

/// An `ORIGINAL_LUN` or `SHADOW_LUN` element: the `VDS_LUN_INFORMATION` fields as attributes
/// (a string field that is `None` has no attribute), then a `STORAGE_IDENTIFIER` for each
/// page-83 identifier and an `INTERCONNECT` for each interconnect.
fn push_lun(name: &'static str, lun: &VdsLunInformation, events: &mut Vec<Event<'static>>) {
    let mut e = BytesStart::new(name);
    push_attr(&mut e, "version", &lun.version.to_string());
    push_attr(&mut e, "deviceType", &lun.device_type.to_string());
    push_attr(
        &mut e,
        "deviceTypeModifier",
        &lun.device_type_modifier.to_string(),
    );
    push_attr(&mut e, "commandQueueing", yes_no(lun.command_queueing));
    push_attr(&mut e, "busType", lun.bus_type.name());
    for (key, value) in [
        ("vendorId", &lun.vendor_id),
        ("productId", &lun.product_id),
        ("productRevision", &lun.product_revision),
        ("serialNumber", &lun.serial_number),
    ] {
        if let Some(value) = value {
            push_attr(&mut e, key, value);
        }
    }
    push_attr(&mut e, "diskSignature", &lun.disk_signature.to_string());
    if lun.identifiers.is_empty() && lun.interconnects.is_empty() {
        events.push(Event::Empty(e));
        return;
    }
    events.push(Event::Start(e));
    for id in &lun.identifiers {
        let mut e = BytesStart::new(IDENTIFIER);
        push_attr(&mut e, "codeSet", id.code_set.name());
        push_attr(&mut e, "type", id.id_type.name());
        push_attr(&mut e, "identifier", &crate::hex::encode(&id.identifier));
        events.push(Event::Empty(e));
    }
    for ic in &lun.interconnects {
        let mut e = BytesStart::new(INTERCONNECT);
        push_attr(&mut e, "addressType", ic.address_type.name());
        push_attr(&mut e, "port", &crate::hex::encode(&ic.port));
        push_attr(&mut e, "address", &crate::hex::encode(&ic.address));
        events.push(Event::Empty(e));
    }
    events.push(Event::End(BytesEnd::new(name)));
}

/// The `SNAPSHOT_DESCRIPTION` start tag of one shadow copy.
fn snapshot_element(s: &SnapshotDescription) -> BytesStart<'static> {
    let mut e = BytesStart::new(SNAPSHOT);
    push_attr(&mut e, "snapshotId", &s.snapshot_id.to_string());
    push_attr(&mut e, "providerId", &s.provider_id.to_string());
    push_attr(
        &mut e,
        "snapshotAttributes",
        &hex32(s.snapshot_attributes.bits()),
    );
    push_attr(&mut e, "originalVolumeName", &s.original_volume_name);
    push_attr(&mut e, "originatingMachine", &s.originating_machine);
    push_attr(&mut e, "serviceMachine", &s.service_machine);
    push_attr(&mut e, "snapshotDeviceObject", &s.snapshot_device_object);
    push_attr(
        &mut e,
        "creationTimestamp",
        &s.creation_timestamp.0.to_string(),
    );
    e
}

fn hex32(v: u32) -> String {
    format!("0x{v:08X}")
}
