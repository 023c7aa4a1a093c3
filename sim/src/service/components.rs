//! Components: a requester picks the writers' components for its backup (`AddComponent`),
//! tells each writer how the backup of each went (`SetBackupSucceeded`), and reads back what
//! its backup components document holds (`GetWriterComponents`).
//!
//! A component is named by its writer instance and class, its type, its logical path
//! (`NULL` and the empty path are one) and its name. `AddComponent` takes one the gathered
//! metadata lists, once, in a writer context, until `PrepareForBackup` hands the document to
//! the writers; `SetBackupSucceeded` marks one the document holds, after `DoSnapshotSet`
//! made the set and before the backup ends.

use vss_model::HResult;
use vss_model::backend::{ComponentRef, VssResult};
use vss_model::document::{SelectedComponent, WriterComponents};
use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;
use vss_model::writer_metadata::{ComponentType, component_path};

use crate::handles::RequesterId;
use crate::world::World;

/// The component's logical path, `NULL` as the empty one.
fn logical_path<'a>(c: &ComponentRef<'a>) -> &'a str {
    c.logical_path.unwrap_or_default()
}

/// `E_INVALIDARG` for what no component can be: an empty name, or a type that is neither a
/// database nor a file group.
fn check(c: &ComponentRef<'_>) -> VssResult {
    let typed = matches!(
        c.component_type,
        ComponentType::VSS_CT_DATABASE | ComponentType::VSS_CT_FILEGROUP
    );
    if c.component_name.is_empty() || !typed {
        return Err(HResult::E_INVALIDARG);
    }
    Ok(())
}

/// `\logical path\name`, for the trace.
fn shown(c: &ComponentRef<'_>) -> String {
    component_path(logical_path(c), c.component_name)
}

impl World {
    /// `AddComponent(instanceId, writerId, ct, wszLogicalPath, wszComponentName)`.
    pub(crate) fn add_component(&mut self, req: RequesterId, c: &ComponentRef<'_>) -> VssResult {
        let m = self.begin_call(req, Method::AddComponent)?;
        let r = self.requester(req);
        // The document goes to the writers at PrepareForBackup: a component must be in it
        // by then, and a loaded document describes a backup already made.
        let open = matches!(
            r.phase,
            RequesterPhase::Initialized | RequesterPhase::SetOpen(_)
        ) && !r.prepared_for_backup
            && r.context.has_writers()
            && r.loaded.is_none();
        let Some(gathered) = self.gathered(req).filter(|_| open) else {
            return Err(HResult::VSS_E_BAD_STATE);
        };
        check(c)?;
        let reported = gathered
            .iter()
            .find(|w| w.instance_id == c.instance_id && w.writer_id == c.writer_id)
            .and_then(|w| w.component(logical_path(c), c.component_name))
            .map(|component| component.component_type);
        let Some(reported) = reported else {
            let shown = shown(c);
            self.note(
                m,
                format!(
                    "writer instance {} of class {} reported no component `{shown}`",
                    c.instance_id, c.writer_id
                ),
            );
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        };
        if reported != c.component_type {
            return Err(HResult::E_INVALIDARG);
        }
        let r = self.requester_mut(req);
        let position = r
            .components
            .iter()
            .position(|w| w.instance_id == c.instance_id && w.writer_id == c.writer_id);
        let writer = match position {
            Some(at) => &mut r.components[at],
            None => {
                r.components.push(WriterComponents {
                    instance_id: c.instance_id,
                    writer_id: c.writer_id,
                    components: Vec::new(),
                });
                r.components.last_mut().expect("just pushed")
            }
        };
        let twice = writer
            .components
            .iter()
            .any(|s| s.logical_path == logical_path(c) && s.component_name == c.component_name);
        if twice {
            return Err(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        writer.components.push(SelectedComponent {
            component_type: c.component_type,
            logical_path: logical_path(c).to_string(),
            component_name: c.component_name.to_string(),
            backup_succeeded: false,
        });
        Ok(())
    }

    /// `SetBackupSucceeded(instanceId, writerId, ct, wszLogicalPath, wszComponentName,
    /// bSucceded)`.
    pub(crate) fn set_backup_succeeded(
        &mut self,
        req: RequesterId,
        c: &ComponentRef<'_>,
        succeeded: bool,
    ) -> VssResult {
        self.begin_call(req, Method::SetBackupSucceeded)?;
        let r = self.requester(req);
        // Only a backup whose set was made, and before BackupComplete (or AbortBackup)
        // ended it, or while a BackupComplete is held.
        let underway = matches!(r.phase, RequesterPhase::Created(_))
            && r.ended.is_none()
            && r.pending.is_empty();
        if !underway {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        check(c)?;
        let found = self
            .requester_mut(req)
            .components
            .iter_mut()
            .filter(|w| w.instance_id == c.instance_id && w.writer_id == c.writer_id)
            .flat_map(|w| w.components.iter_mut())
            .find(|s| s.logical_path == logical_path(c) && s.component_name == c.component_name);
        match found {
            None => Err(HResult::VSS_E_OBJECT_NOT_FOUND),
            Some(s) if s.component_type != c.component_type => Err(HResult::E_INVALIDARG),
            Some(s) => {
                s.backup_succeeded = succeeded;
                Ok(())
            }
        }
    }

    /// `GetWriterComponentsCount` + `GetWriterComponents`.
    pub(crate) fn writer_components(
        &mut self,
        req: RequesterId,
    ) -> VssResult<Vec<WriterComponents>> {
        self.begin_call(req, Method::GetWriterComponents)?;
        let r = self.requester(req);
        if !r.phase.is_initialized() {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        Ok(r.components.clone())
    }
}
