//! A machine's writers from the world file: each writer's identity, and the metadata it
//! gives at Identify, checked so that every component can be told apart and holds the files
//! its type calls for.

use std::collections::{BTreeMap, BTreeSet};

use vss_model::writer_metadata::{
    ComponentDependency, ComponentInfo, ComponentType, DEFAULT_BACKUP_TYPE_MASK, FileDescriptor,
    RestoreMethodInfo, component_path,
};
use vss_model::{HResult, VssId, WriterState};

use crate::world::{WorldError, Writer};
use crate::world_file::{ComponentFile, FilesFile, WriterFile};

/// The machine's writers, in world-file order; `new_id` draws the instance id of a writer
/// whose file gives none.
pub(super) fn writers(
    machine: &str,
    files: &[WriterFile],
    mut new_id: impl FnMut() -> VssId,
) -> Result<Vec<Writer>, WorldError> {
    let mut instances = BTreeSet::new();
    let mut writers = Vec::with_capacity(files.len());
    for w in files {
        let place = format!("machine `{machine}`: writer `{}`", w.name);
        let instance = w.instance.unwrap_or_else(&mut new_id);
        if !instances.insert(instance) {
            return Err(WorldError(format!(
                "{place}: another writer of the machine has the instance id {instance}"
            )));
        }
        let mut components = Vec::with_capacity(w.components.len());
        for c in &w.components {
            let component = component(&place, c)?;
            if components.iter().any(|other: &ComponentInfo| {
                other.logical_path == component.logical_path
                    && other.component_name == component.component_name
            }) {
                return Err(WorldError(format!(
                    "{place} has the component `{}` twice",
                    component.full_path()
                )));
            }
            components.push(component);
        }
        let restore = &w.restore_method;
        writers.push(Writer {
            name: w.name.clone(),
            id: w.id,
            instance,
            state: WriterState::VSS_WS_STABLE,
            failure: HResult::S_OK,
            faults: BTreeMap::new(),
            usage: w.usage,
            source: w.source,
            restore_method: RestoreMethodInfo {
                method: restore.method,
                service: restore.service.clone(),
                user_procedure: restore.user_procedure.clone(),
                writer_restore: restore.writer_restore,
                reboot_required: restore.reboot_required,
            },
            exclude_files: file_sets(&place, &w.exclude_files)?,
            components,
        });
    }
    Ok(writers)
}

/// One component, with the file sets its type allows.
fn component(place: &str, c: &ComponentFile) -> Result<ComponentInfo, WorldError> {
    if c.name.is_empty() {
        return Err(WorldError(format!("{place}: a component has no name")));
    }
    let shown = component_path(&c.logical_path, &c.name);
    let misplaced = match c.component_type {
        ComponentType::VSS_CT_FILEGROUP => (!c.database_files.is_empty()
            || !c.log_files.is_empty())
        .then_some("is a file group: it lists `files`, not `database_files` or `log_files`"),
        ComponentType::VSS_CT_DATABASE => (!c.files.is_empty())
            .then_some("is a database: it lists `database_files` and `log_files`, not `files`"),
        ComponentType::VSS_CT_UNDEFINED => Some(
            "has the type VSS_CT_UNDEFINED; a component is VSS_CT_FILEGROUP or VSS_CT_DATABASE",
        ),
    };
    if let Some(problem) = misplaced {
        return Err(WorldError(format!(
            "{place}: component `{shown}` {problem}"
        )));
    }
    let place = format!("{place}: component `{shown}`");
    Ok(ComponentInfo {
        component_type: c.component_type,
        logical_path: c.logical_path.clone(),
        component_name: c.name.clone(),
        caption: c.caption.clone(),
        restore_metadata: c.restore_metadata,
        notify_on_backup_complete: c.notify_on_backup_complete,
        selectable: c.selectable,
        selectable_for_restore: c.selectable_for_restore,
        component_flags: c.flags,
        files: file_sets(&place, &c.files)?,
        database_files: file_sets(&place, &c.database_files)?,
        database_log_files: file_sets(&place, &c.log_files)?,
        dependencies: c
            .dependencies
            .iter()
            .map(|d| ComponentDependency {
                writer_id: d.writer,
                logical_path: d.logical_path.clone(),
                component_name: d.name.clone(),
            })
            .collect(),
    })
}

/// File sets, each with a path and a file specification.
fn file_sets(place: &str, files: &[FilesFile]) -> Result<Vec<FileDescriptor>, WorldError> {
    files
        .iter()
        .map(|f| {
            if f.path.is_empty() || f.filespec.is_empty() {
                return Err(WorldError(format!(
                    "{place}: a file set needs a `path` and a `filespec`"
                )));
            }
            Ok(FileDescriptor {
                path: f.path.clone(),
                filespec: f.filespec.clone(),
                recursive: f.recursive,
                alternate_location: f.alternate_location.clone(),
                backup_type_mask: DEFAULT_BACKUP_TYPE_MASK,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::world_file::parse;

    /// The message a world with one machine `M` and these writers is refused with.
    fn refused(writers: &str) -> String {
        let text = format!(
            "machines:\n  - name: M\n    volumes: [ {{ mount: 'C:\\', size: 1 GiB }} ]\n    writers:\n{writers}"
        );
        let file = parse(&text, "w.yaml").expect("it reads");
        match crate::World::new(&file) {
            Ok(_) => panic!("built:\n{text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_component_that_cannot_be_told_apart_or_holds_the_wrong_files_is_refused() {
        let writer = "      - name: W\n        id: '{00000000-0000-4000-8000-000000000001}'\n";
        assert_eq!(
            refused(&format!(
                "{writer}        components: [ {{ name: A }}, {{ name: A, type: VSS_CT_DATABASE }} ]\n"
            )),
            "machine `M`: writer `W` has the component `\\A` twice"
        );
        assert_eq!(
            refused(&format!(
                "{writer}        components: [ {{ name: D, logical_path: L, type: VSS_CT_DATABASE, files: [ {{ path: 'C:\\', filespec: '*' }} ] }} ]\n"
            )),
            "machine `M`: writer `W`: component `\\L\\D` is a database: it lists `database_files` and `log_files`, not `files`"
        );
        assert_eq!(
            refused(&format!("{writer}        components: [ {{ name: '' }} ]\n")),
            "machine `M`: writer `W`: a component has no name"
        );
        assert_eq!(
            refused(&format!(
                "{writer}        exclude_files: [ {{ path: '', filespec: '*' }} ]\n"
            )),
            "machine `M`: writer `W`: a file set needs a `path` and a `filespec`"
        );
        let same = "        instance: '{00000000-0000-4000-8000-000000000009}'\n";
        assert_eq!(
            refused(&format!(
                "{writer}{same}{}{same}",
                writer.replace("W\n", "V\n")
            )),
            "machine `M`: writer `V`: another writer of the machine has the instance id {00000000-0000-4000-8000-000000000009}"
        );
    }
}
