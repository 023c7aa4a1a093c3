//! The data form of requester calls and their outcomes.
//!
//! A [`Call`] is one `IVssBackupComponents` (or `Ex2`) method with its arguments; its serde
//! form is the call step of a scenario file (`{"call": "AddToSnapshotSet", "volume": "E:\\"}`),
//! so property tests and recorders can write what they did as scenarios that the runner
//! replays. [`invoke`] makes the call on any backend; [`CallOutcome`] is what came back.

use serde::{Deserialize, Serialize};

use crate::attributes::{HardwareOptions, SnapshotAttributes};
use crate::backend::{BackupComponents, BackupStateArgs, ComponentRef};
use crate::context::Context;
use crate::document::WriterComponents;
use crate::enums::{BackupType, ObjectType};
use crate::guid::VssId;
use crate::hresult::HResult;
use crate::methods::Method;
use crate::props::{ObjectProp, SnapshotProp, WriterStatus};
use crate::writer_metadata::{ComponentType, WriterMetadataDocument};

fn is_false(b: &bool) -> bool {
    !*b
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn full() -> BackupType {
    BackupType::VSS_BT_FULL
}

fn is_full(t: &BackupType) -> bool {
    *t == BackupType::VSS_BT_FULL
}

fn object_none() -> ObjectType {
    ObjectType::VSS_OBJECT_NONE
}

fn is_object_none(t: &ObjectType) -> bool {
    *t == ObjectType::VSS_OBJECT_NONE
}

fn object_snapshot() -> ObjectType {
    ObjectType::VSS_OBJECT_SNAPSHOT
}

fn is_object_snapshot(t: &ObjectType) -> bool {
    *t == ObjectType::VSS_OBJECT_SNAPSHOT
}

fn exposed_locally() -> SnapshotAttributes {
    SnapshotAttributes::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY
}

/// One requester method and its arguments, named as in the SDK (snake case, without the
/// type prefix). Absent optional arguments take the values a requester usually passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "call", deny_unknown_fields)]
pub enum Call {
    /// `InitializeForBackup(bstrXML)`.
    InitializeForBackup {
        /// A saved backup components document, or none for a new backup.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        xml: Option<String>,
    },
    /// `SetContext(lContext)`.
    SetContext {
        /// The context.
        context: Context,
    },
    /// `SetBackupState(bSelectComponents, bBackupBootableSystemState, backupType, bPartialFileSupport)`.
    SetBackupState {
        /// Component mode.
        #[serde(default, skip_serializing_if = "is_false")]
        select_components: bool,
        /// Bootable system state.
        #[serde(default, skip_serializing_if = "is_false")]
        bootable_system_state: bool,
        /// The backup type (`VSS_BT_FULL` when absent).
        #[serde(default = "full", skip_serializing_if = "is_full")]
        backup_type: BackupType,
        /// Partial file support.
        #[serde(default, skip_serializing_if = "is_false")]
        partial_file_support: bool,
    },
    /// `GatherWriterMetadata(&pAsync)`.
    GatherWriterMetadata,
    /// `GatherWriterStatus(&pAsync)`.
    GatherWriterStatus,
    /// `GetWriterStatusCount` and `GetWriterStatus` for each writer.
    GetWriterStatus,
    /// `GetWriterMetadataCount` and `GetWriterMetadata` for each writer.
    GetWriterMetadata,
    /// `FreeWriterMetadata()`.
    FreeWriterMetadata,
    /// `AddComponent(instanceId, writerId, ct, wszLogicalPath, wszComponentName)`.
    AddComponent {
        /// The writer instance.
        instance: VssId,
        /// The writer class.
        writer: VssId,
        /// `VSS_CT_FILEGROUP` or `VSS_CT_DATABASE`.
        #[serde(rename = "type")]
        component_type: ComponentType,
        /// The logical path; `NULL` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logical_path: Option<String>,
        /// The component's name.
        component: String,
    },
    /// `SetBackupSucceeded(instanceId, writerId, ct, wszLogicalPath, wszComponentName,
    /// bSucceded)`.
    SetBackupSucceeded {
        /// The writer instance.
        instance: VssId,
        /// The writer class.
        writer: VssId,
        /// The component's type.
        #[serde(rename = "type")]
        component_type: ComponentType,
        /// The logical path; `NULL` when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        logical_path: Option<String>,
        /// The component's name.
        component: String,
        /// Whether it was backed up (`true` when absent).
        #[serde(default = "yes", skip_serializing_if = "is_true")]
        succeeded: bool,
    },
    /// `GetWriterComponentsCount` and `GetWriterComponents` for each writer.
    GetWriterComponents,
    /// `StartSnapshotSet(&SnapshotSetId)`.
    StartSnapshotSet,
    /// `AddToSnapshotSet(pwszVolumeName, ProviderId, &pidSnapshot)`.
    AddToSnapshotSet {
        /// The volume, with its trailing backslash.
        volume: String,
        /// The provider; `GUID_NULL` (absent) lets VSS choose.
        #[serde(default, skip_serializing_if = "VssId::is_null")]
        provider: VssId,
    },
    /// `PrepareForBackup(&pAsync)`.
    PrepareForBackup,
    /// `DoSnapshotSet(&pAsync)`.
    DoSnapshotSet,
    /// `BackupComplete(&pAsync)`.
    BackupComplete,
    /// `AbortBackup()`.
    AbortBackup,
    /// `GetSnapshotProperties(SnapshotId, &Prop)`.
    GetSnapshotProperties {
        /// The shadow copy.
        snapshot: VssId,
    },
    /// `Query(QueriedObjectId, eQueriedObjectType, eReturnedObjectsType, &ppEnum)`.
    Query {
        /// Must be `GUID_NULL`.
        #[serde(default, skip_serializing_if = "VssId::is_null")]
        queried_object: VssId,
        /// Must be `VSS_OBJECT_NONE`.
        #[serde(default = "object_none", skip_serializing_if = "is_object_none")]
        queried_type: ObjectType,
        /// What to list: `VSS_OBJECT_SNAPSHOT` (when absent) or `VSS_OBJECT_PROVIDER`.
        #[serde(
            rename = "type",
            default = "object_snapshot",
            skip_serializing_if = "is_object_snapshot"
        )]
        returned_type: ObjectType,
    },
    /// `DeleteSnapshots(SourceObjectId, eSourceObjectType, bForceDelete, ...)`.
    DeleteSnapshots {
        /// The shadow copy or set.
        id: VssId,
        /// `VSS_OBJECT_SNAPSHOT` (when absent) or `VSS_OBJECT_SNAPSHOT_SET`.
        #[serde(
            rename = "type",
            default = "object_snapshot",
            skip_serializing_if = "is_object_snapshot"
        )]
        source_type: ObjectType,
        /// `bForceDelete`.
        #[serde(default, skip_serializing_if = "is_false")]
        force: bool,
    },
    /// `SaveAsXML(&pbstrXML)`.
    #[serde(rename = "SaveAsXML")]
    SaveAsXml,
    /// `ImportSnapshots(&pAsync)`.
    ImportSnapshots,
    /// `BreakSnapshotSet(SnapshotSetId)`.
    BreakSnapshotSet {
        /// The set.
        set: VssId,
    },
    /// `BreakSnapshotSetEx(SnapshotSetId, dwBreakFlags, &pAsync)`.
    BreakSnapshotSetEx {
        /// The set.
        set: VssId,
        /// The `VSS_BREAKEX_FLAG_*` flags (none when absent).
        #[serde(default, skip_serializing_if = "HardwareOptions::is_empty")]
        flags: HardwareOptions,
    },
    /// `ExposeSnapshot(SnapshotId, wszPathFromRoot, lAttributes, wszExpose, &pwszExposed)`.
    ExposeSnapshot {
        /// The shadow copy.
        snapshot: VssId,
        /// The shared sub-path (remote exposure only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path_from_root: Option<String>,
        /// `EXPOSED_LOCALLY` (when absent) or `EXPOSED_REMOTELY`.
        #[serde(default = "exposed_locally")]
        attributes: SnapshotAttributes,
        /// The drive letter, mount folder or share name.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expose: Option<String>,
    },
    /// `UnexposeSnapshot(snapshotId)`.
    UnexposeSnapshot {
        /// The shadow copy.
        snapshot: VssId,
    },
    /// `IsVolumeSupported(ProviderId, pwszVolumeName, &bSupported)`.
    IsVolumeSupported {
        /// The provider; `GUID_NULL` (absent) asks about any.
        #[serde(default, skip_serializing_if = "VssId::is_null")]
        provider: VssId,
        /// The volume.
        volume: String,
    },
    /// `RevertToSnapshot(SnapshotId, bForceDismount)`.
    RevertToSnapshot {
        /// The shadow copy to revert its volume to.
        snapshot: VssId,
        /// `bForceDismount`: dismount the volume even while it is in use.
        #[serde(default, skip_serializing_if = "is_false")]
        force_dismount: bool,
    },
    /// `QueryRevertStatus(pwszVolume, &ppAsync)`.
    QueryRevertStatus {
        /// The volume, with its trailing backslash.
        volume: String,
    },
}

impl Call {
    /// The method the call makes.
    pub fn method(&self) -> Method {
        match self {
            Call::InitializeForBackup { .. } => Method::InitializeForBackup,
            Call::SetContext { .. } => Method::SetContext,
            Call::SetBackupState { .. } => Method::SetBackupState,
            Call::GatherWriterMetadata => Method::GatherWriterMetadata,
            Call::GatherWriterStatus => Method::GatherWriterStatus,
            Call::GetWriterStatus => Method::GetWriterStatus,
            Call::GetWriterMetadata => Method::GetWriterMetadata,
            Call::FreeWriterMetadata => Method::FreeWriterMetadata,
            Call::AddComponent { .. } => Method::AddComponent,
            Call::SetBackupSucceeded { .. } => Method::SetBackupSucceeded,
            Call::GetWriterComponents => Method::GetWriterComponents,
            Call::StartSnapshotSet => Method::StartSnapshotSet,
            Call::AddToSnapshotSet { .. } => Method::AddToSnapshotSet,
            Call::PrepareForBackup => Method::PrepareForBackup,
            Call::DoSnapshotSet => Method::DoSnapshotSet,
            Call::BackupComplete => Method::BackupComplete,
            Call::AbortBackup => Method::AbortBackup,
            Call::GetSnapshotProperties { .. } => Method::GetSnapshotProperties,
            Call::Query { .. } => Method::Query,
            Call::DeleteSnapshots { .. } => Method::DeleteSnapshots,
            Call::SaveAsXml => Method::SaveAsXml,
            Call::ImportSnapshots => Method::ImportSnapshots,
            Call::BreakSnapshotSet { .. } => Method::BreakSnapshotSet,
            Call::BreakSnapshotSetEx { .. } => Method::BreakSnapshotSetEx,
            Call::ExposeSnapshot { .. } => Method::ExposeSnapshot,
            Call::UnexposeSnapshot { .. } => Method::UnexposeSnapshot,
            Call::IsVolumeSupported { .. } => Method::IsVolumeSupported,
            Call::RevertToSnapshot { .. } => Method::RevertToSnapshot,
            Call::QueryRevertStatus { .. } => Method::QueryRevertStatus,
        }
    }

    /// The call step of `AddComponent` on `component`, or of `SetBackupSucceeded` on it when
    /// `succeeded` is given.
    pub fn on_component(component: &ComponentRef<'_>, succeeded: Option<bool>) -> Call {
        let instance = component.instance_id;
        let writer = component.writer_id;
        let component_type = component.component_type;
        let logical_path = component.logical_path.map(str::to_string);
        let name = component.component_name.to_string();
        match succeeded {
            None => Call::AddComponent {
                instance,
                writer,
                component_type,
                logical_path,
                component: name,
            },
            Some(succeeded) => Call::SetBackupSucceeded {
                instance,
                writer,
                component_type,
                logical_path,
                component: name,
                succeeded,
            },
        }
    }

    /// Whether the method returns an `IVssAsync`.
    pub fn is_async(&self) -> bool {
        self.method().is_asynchronous()
    }

    /// Whether something the call starts can be held pending until waited on: the
    /// operation of an asynchronous method, or the revert `RevertToSnapshot` starts, which
    /// then stays in progress until its `QueryRevertStatus` operation is waited on.
    pub fn can_hold(&self) -> bool {
        self.is_async() || matches!(self, Call::RevertToSnapshot { .. })
    }
}

/// What a call gave back besides its HRESULT.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Returned {
    /// Nothing (or the call failed).
    #[default]
    Nothing,
    /// A set id (`StartSnapshotSet`) or a shadow copy id (`AddToSnapshotSet`).
    Id(VssId),
    /// `GetSnapshotProperties`.
    Properties(Box<SnapshotProp>),
    /// `Query`.
    Objects(Vec<ObjectProp>),
    /// `DeleteSnapshots`, failed or not.
    Deleted {
        /// `plDeletedSnapshots`.
        deleted: i32,
        /// `pNondeletedSnapshotID`.
        nondeleted: VssId,
    },
    /// `SaveAsXML`'s document or `ExposeSnapshot`'s exposed name.
    Text(String),
    /// `IsVolumeSupported`.
    Supported(bool),
    /// `GetWriterStatus`.
    Writers(Vec<WriterStatus>),
    /// `GetWriterMetadata`.
    Metadata(Vec<WriterMetadataDocument>),
    /// `GetWriterComponents`.
    Components(Vec<WriterComponents>),
}

/// The outcome of a finished call: its HRESULT (for an asynchronous method, the operation's
/// final status, `S_OK` when it succeeded) and what it returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallOutcome {
    /// The result.
    pub hr: HResult,
    /// What came back with it.
    #[serde(default)]
    pub returned: Returned,
}

impl CallOutcome {
    fn of<T>(result: Result<T, HResult>, returned: impl FnOnce(T) -> Returned) -> CallOutcome {
        match result {
            Ok(value) => CallOutcome {
                hr: HResult::S_OK,
                returned: returned(value),
            },
            Err(hr) => CallOutcome {
                hr,
                returned: Returned::Nothing,
            },
        }
    }
}

/// A call as made: finished, or an asynchronous operation started.
pub enum Invoked<A> {
    /// The call finished (or an asynchronous method failed before starting).
    Finished(CallOutcome),
    /// An asynchronous operation started; wait on it for its outcome.
    Started(A),
}

/// Makes a call on a requester object.
pub fn invoke<C: BackupComponents>(c: &mut C, call: &Call) -> Invoked<C::Async> {
    let started = |r: Result<C::Async, HResult>| match r {
        Ok(op) => Invoked::Started(op),
        Err(hr) => Invoked::Finished(CallOutcome {
            hr,
            returned: Returned::Nothing,
        }),
    };
    let done = Invoked::Finished;
    let nothing = |_| Returned::Nothing;
    match call {
        Call::InitializeForBackup { xml } => done(CallOutcome::of(
            c.initialize_for_backup(xml.as_deref()),
            nothing,
        )),
        Call::SetContext { context } => done(CallOutcome::of(c.set_context(*context), nothing)),
        Call::SetBackupState {
            select_components,
            bootable_system_state,
            backup_type,
            partial_file_support,
        } => {
            let args = BackupStateArgs {
                select_components: *select_components,
                bootable_system_state: *bootable_system_state,
                backup_type: *backup_type,
                partial_file_support: *partial_file_support,
            };
            done(CallOutcome::of(c.set_backup_state(args), nothing))
        }
        Call::GatherWriterMetadata => started(c.gather_writer_metadata()),
        Call::GatherWriterStatus => started(c.gather_writer_status()),
        Call::GetWriterStatus => done(CallOutcome::of(c.writer_status(), Returned::Writers)),
        Call::GetWriterMetadata => done(CallOutcome::of(c.writer_metadata(), Returned::Metadata)),
        Call::FreeWriterMetadata => done(CallOutcome::of(c.free_writer_metadata(), nothing)),
        Call::AddComponent {
            instance,
            writer,
            component_type,
            logical_path,
            component,
        }
        | Call::SetBackupSucceeded {
            instance,
            writer,
            component_type,
            logical_path,
            component,
            ..
        } => {
            let named = ComponentRef {
                instance_id: *instance,
                writer_id: *writer,
                component_type: *component_type,
                logical_path: logical_path.as_deref(),
                component_name: component,
            };
            let result = match call {
                Call::SetBackupSucceeded { succeeded, .. } => {
                    c.set_backup_succeeded(&named, *succeeded)
                }
                _ => c.add_component(&named),
            };
            done(CallOutcome::of(result, nothing))
        }
        Call::GetWriterComponents => {
            done(CallOutcome::of(c.writer_components(), Returned::Components))
        }
        Call::StartSnapshotSet => done(CallOutcome::of(c.start_snapshot_set(), Returned::Id)),
        Call::AddToSnapshotSet { volume, provider } => done(CallOutcome::of(
            c.add_to_snapshot_set(volume, *provider),
            Returned::Id,
        )),
        Call::PrepareForBackup => started(c.prepare_for_backup()),
        Call::DoSnapshotSet => started(c.do_snapshot_set()),
        Call::BackupComplete => started(c.backup_complete()),
        Call::AbortBackup => done(CallOutcome::of(c.abort_backup(), nothing)),
        Call::GetSnapshotProperties { snapshot } => {
            done(CallOutcome::of(c.get_snapshot_properties(*snapshot), |p| {
                Returned::Properties(Box::new(p))
            }))
        }
        Call::Query {
            queried_object,
            queried_type,
            returned_type,
        } => done(CallOutcome::of(
            c.query(*queried_object, *queried_type, *returned_type),
            Returned::Objects,
        )),
        Call::DeleteSnapshots {
            id,
            source_type,
            force,
        } => done(match c.delete_snapshots(*id, *source_type, *force) {
            Ok(d) => CallOutcome {
                hr: HResult::S_OK,
                returned: Returned::Deleted {
                    deleted: d.deleted,
                    nondeleted: d.nondeleted,
                },
            },
            Err(f) => CallOutcome {
                hr: f.hr,
                returned: Returned::Deleted {
                    deleted: f.deleted,
                    nondeleted: f.nondeleted,
                },
            },
        }),
        Call::SaveAsXml => done(CallOutcome::of(c.save_as_xml(), Returned::Text)),
        Call::ImportSnapshots => started(c.import_snapshots()),
        Call::BreakSnapshotSet { set } => {
            done(CallOutcome::of(c.break_snapshot_set(*set), nothing))
        }
        Call::BreakSnapshotSetEx { set, flags } => started(c.break_snapshot_set_ex(*set, *flags)),
        Call::ExposeSnapshot {
            snapshot,
            path_from_root,
            attributes,
            expose,
        } => done(CallOutcome::of(
            c.expose_snapshot(
                *snapshot,
                path_from_root.as_deref(),
                *attributes,
                expose.as_deref(),
            ),
            Returned::Text,
        )),
        Call::UnexposeSnapshot { snapshot } => {
            done(CallOutcome::of(c.unexpose_snapshot(*snapshot), nothing))
        }
        Call::IsVolumeSupported { provider, volume } => done(CallOutcome::of(
            c.is_volume_supported(*provider, volume),
            Returned::Supported,
        )),
        Call::RevertToSnapshot {
            snapshot,
            force_dismount,
        } => done(CallOutcome::of(
            c.revert_to_snapshot(*snapshot, *force_dismount),
            nothing,
        )),
        Call::QueryRevertStatus { volume } => started(c.query_revert_status(volume)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_async_methods() {
        assert_eq!(Call::SaveAsXml.method().name(), "SaveAsXML");
        assert!(Call::DoSnapshotSet.is_async());
        assert!(!Call::StartSnapshotSet.is_async());
        let ex = Call::BreakSnapshotSetEx {
            set: VssId::NULL,
            flags: HardwareOptions::empty(),
        };
        assert!(ex.is_async());
        let revert = Call::RevertToSnapshot {
            snapshot: VssId::NULL,
            force_dismount: false,
        };
        assert!(!revert.is_async() && revert.can_hold());
        let status = Call::QueryRevertStatus {
            volume: r"E:\".into(),
        };
        assert!(status.is_async() && status.can_hold());
        assert!(!Call::StartSnapshotSet.can_hold());
    }
}
