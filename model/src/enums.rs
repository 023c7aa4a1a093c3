//! The small C enumerations of vss.h, each with its SDK names and values.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a name or number does not belong to an enumeration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a {enumeration} name or value")]
pub struct EnumParseError {
    /// The enumeration asked for, e.g. `VSS_OBJECT_TYPE`.
    pub enumeration: &'static str,
    /// The text that was refused.
    pub text: String,
}

/// Declares a C enumeration with its SDK names and values.
macro_rules! sdk_enum {
    (
        $(#[$meta:meta])*
        $sdk:literal => enum $ty:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)* }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[allow(non_camel_case_types)]
        pub enum $ty {
            $($(#[$vmeta])* $variant = $value,)*
        }

        impl $ty {
            /// Every value, in SDK order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant,)*];
            /// The C name of the enumeration.
            pub const SDK_NAME: &'static str = $sdk;

            /// The SDK name of this value.
            pub fn name(self) -> &'static str {
                match self { $($ty::$variant => stringify!($variant),)* }
            }

            /// The numeric value.
            pub fn value(self) -> i32 {
                self as i32
            }

            /// The enumerator with this numeric value.
            pub fn from_value(v: i32) -> Option<$ty> {
                Self::ALL.iter().copied().find(|e| e.value() == v)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $crate::enums::EnumParseError;
            /// Accepts the SDK name (any case) or the numeric value.
            fn from_str(text: &str) -> Result<$ty, $crate::enums::EnumParseError> {
                let found = Self::ALL
                    .iter()
                    .copied()
                    .find(|e| e.name().eq_ignore_ascii_case(text.trim()))
                    .or_else(|| text.trim().parse().ok().and_then(Self::from_value));
                found.ok_or_else(|| $crate::enums::EnumParseError { enumeration: $sdk, text: text.to_string() })
            }
        }

        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = <String as ::serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    };
}

sdk_enum! {
    /// `VSS_PROVIDER_TYPE`.
    "VSS_PROVIDER_TYPE" => enum ProviderType {
        /// Unknown: an error, or no provider available.
        VSS_PROV_UNKNOWN = 0,
        /// The provider that ships with Windows.
        VSS_PROV_SYSTEM = 1,
        /// A software provider.
        VSS_PROV_SOFTWARE = 2,
        /// A hardware provider (Windows Server only).
        VSS_PROV_HARDWARE = 3,
        /// A file-share provider (Windows 8 and Server 2012 on).
        VSS_PROV_FILESHARE = 4,
    }
}

sdk_enum! {
    /// `VSS_OBJECT_TYPE`: what a `Query` or `DeleteSnapshots` is about.
    "VSS_OBJECT_TYPE" => enum ObjectType {
        /// Unknown.
        VSS_OBJECT_UNKNOWN = 0,
        /// No particular object: the value `Query` requires for the queried object.
        VSS_OBJECT_NONE = 1,
        /// A shadow copy set.
        VSS_OBJECT_SNAPSHOT_SET = 2,
        /// A shadow copy.
        VSS_OBJECT_SNAPSHOT = 3,
        /// A provider.
        VSS_OBJECT_PROVIDER = 4,
        /// Reserved.
        VSS_OBJECT_TYPE_COUNT = 5,
    }
}

sdk_enum! {
    /// `VSS_SNAPSHOT_STATE`. Requesters only ever see `VSS_SS_CREATED`; the others are the
    /// provider's own bookkeeping.
    "VSS_SNAPSHOT_STATE" => enum SnapshotState {
        /// Unknown.
        VSS_SS_UNKNOWN = 0,
        /// Being prepared.
        VSS_SS_PREPARING = 1,
        /// Preparation in progress.
        VSS_SS_PROCESSING_PREPARE = 2,
        /// Prepared.
        VSS_SS_PREPARED = 3,
        /// Pre-commit in progress.
        VSS_SS_PROCESSING_PRECOMMIT = 4,
        /// Pre-committed.
        VSS_SS_PRECOMMITTED = 5,
        /// Commit in progress.
        VSS_SS_PROCESSING_COMMIT = 6,
        /// Committed.
        VSS_SS_COMMITTED = 7,
        /// Post-commit in progress.
        VSS_SS_PROCESSING_POSTCOMMIT = 8,
        /// Pre-final-commit in progress.
        VSS_SS_PROCESSING_PREFINALCOMMIT = 9,
        /// Pre-final-committed.
        VSS_SS_PREFINALCOMMITTED = 10,
        /// Post-final-commit in progress.
        VSS_SS_PROCESSING_POSTFINALCOMMIT = 11,
        /// Created: the only state a requester observes.
        VSS_SS_CREATED = 12,
        /// Aborted.
        VSS_SS_ABORTED = 13,
        /// Deleted.
        VSS_SS_DELETED = 14,
        /// Post-committed.
        VSS_SS_POSTCOMMITTED = 15,
        /// Reserved.
        VSS_SS_COUNT = 16,
    }
}

sdk_enum! {
    /// `VSS_BACKUP_TYPE`, given to `SetBackupState`.
    "VSS_BACKUP_TYPE" => enum BackupType {
        /// Not defined.
        VSS_BT_UNDEFINED = 0,
        /// Full backup; backup history updated.
        VSS_BT_FULL = 1,
        /// Files changed since the last full or incremental backup.
        VSS_BT_INCREMENTAL = 2,
        /// Files changed since the last full backup.
        VSS_BT_DIFFERENTIAL = 3,
        /// Changes recorded in application logs.
        VSS_BT_LOG = 4,
        /// Full copy that does not touch the backup history.
        VSS_BT_COPY = 5,
        /// Some other kind of backup.
        VSS_BT_OTHER = 6,
    }
}

sdk_enum! {
    /// `VSS_WRITER_STATE`: where a writer is in the backup, or the event it failed.
    "VSS_WRITER_STATE" => enum WriterState {
        /// Unknown.
        VSS_WS_UNKNOWN = 0,
        /// Ready for the next event.
        VSS_WS_STABLE = 1,
        /// Waiting for Freeze.
        VSS_WS_WAITING_FOR_FREEZE = 2,
        /// Frozen, waiting for Thaw.
        VSS_WS_WAITING_FOR_THAW = 3,
        /// Waiting for PostSnapshot.
        VSS_WS_WAITING_FOR_POST_SNAPSHOT = 4,
        /// Waiting for BackupComplete.
        VSS_WS_WAITING_FOR_BACKUP_COMPLETE = 5,
        /// Failed the Identify event.
        VSS_WS_FAILED_AT_IDENTIFY = 6,
        /// Failed the PrepareForBackup event.
        VSS_WS_FAILED_AT_PREPARE_BACKUP = 7,
        /// Failed the PrepareForSnapshot event.
        VSS_WS_FAILED_AT_PREPARE_SNAPSHOT = 8,
        /// Failed the Freeze event.
        VSS_WS_FAILED_AT_FREEZE = 9,
        /// Failed the Thaw event.
        VSS_WS_FAILED_AT_THAW = 10,
        /// Failed the PostSnapshot event.
        VSS_WS_FAILED_AT_POST_SNAPSHOT = 11,
        /// Failed the BackupComplete event.
        VSS_WS_FAILED_AT_BACKUP_COMPLETE = 12,
        /// Failed the PreRestore event.
        VSS_WS_FAILED_AT_PRE_RESTORE = 13,
        /// Failed the PostRestore event.
        VSS_WS_FAILED_AT_POST_RESTORE = 14,
        /// Failed the BackupShutdown event.
        VSS_WS_FAILED_AT_BACKUPSHUTDOWN = 15,
        /// Reserved.
        VSS_WS_COUNT = 16,
    }
}

sdk_enum! {
    /// `VSS_SNAPSHOT_PROPERTY_ID`: which field `SetSnapshotProperty` changes.
    "VSS_SNAPSHOT_PROPERTY_ID" => enum SnapshotPropertyId {
        /// Unknown.
        VSS_SPROPID_UNKNOWN = 0,
        /// `m_SnapshotId`.
        VSS_SPROPID_SNAPSHOT_ID = 1,
        /// `m_SnapshotSetId`.
        VSS_SPROPID_SNAPSHOT_SET_ID = 2,
        /// `m_lSnapshotsCount`.
        VSS_SPROPID_SNAPSHOTS_COUNT = 3,
        /// `m_pwszSnapshotDeviceObject`.
        VSS_SPROPID_SNAPSHOT_DEVICE = 4,
        /// `m_pwszOriginalVolumeName`.
        VSS_SPROPID_ORIGINAL_VOLUME = 5,
        /// `m_pwszOriginatingMachine`.
        VSS_SPROPID_ORIGINATING_MACHINE = 6,
        /// `m_pwszServiceMachine`.
        VSS_SPROPID_SERVICE_MACHINE = 7,
        /// `m_pwszExposedName`.
        VSS_SPROPID_EXPOSED_NAME = 8,
        /// `m_pwszExposedPath`.
        VSS_SPROPID_EXPOSED_PATH = 9,
        /// `m_ProviderId`.
        VSS_SPROPID_PROVIDER_ID = 10,
        /// `m_lSnapshotAttributes`.
        VSS_SPROPID_SNAPSHOT_ATTRIBUTES = 11,
        /// `m_tsCreationTimestamp`.
        VSS_SPROPID_CREATION_TIMESTAMP = 12,
        /// `m_eStatus`.
        VSS_SPROPID_STATUS = 13,
    }
}

/// The writer events of a backup, as named in the writer interface (`CVssWriter::On…`).
///
/// Not an SDK enumeration: it names the event a simulated writer can be told to fail.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Serialize, Deserialize)]
pub enum WriterEvent {
    /// `OnIdentify`, sent by `GatherWriterMetadata`.
    OnIdentify,
    /// `OnPrepareBackup`, sent by `PrepareForBackup`.
    OnPrepareBackup,
    /// `OnPrepareSnapshot`, sent by `DoSnapshotSet`.
    OnPrepareSnapshot,
    /// `OnFreeze`, sent by `DoSnapshotSet`.
    OnFreeze,
    /// `OnThaw`, sent by `DoSnapshotSet`.
    OnThaw,
    /// `OnPostSnapshot`, sent by `DoSnapshotSet`.
    OnPostSnapshot,
    /// `OnBackupComplete`, sent by `BackupComplete`.
    OnBackupComplete,
    /// `OnBackupShutdown`, sent when the requester object is released.
    OnBackupShutdown,
    /// `OnAbort`, sent by `AbortBackup` or a failed creation.
    OnAbort,
}

impl WriterEvent {
    /// Every event, in the order a backup sends them.
    pub const ALL: [WriterEvent; 9] = [
        WriterEvent::OnIdentify,
        WriterEvent::OnPrepareBackup,
        WriterEvent::OnPrepareSnapshot,
        WriterEvent::OnFreeze,
        WriterEvent::OnThaw,
        WriterEvent::OnPostSnapshot,
        WriterEvent::OnBackupComplete,
        WriterEvent::OnBackupShutdown,
        WriterEvent::OnAbort,
    ];

    /// The state a writer reports after failing this event; `None` for `OnAbort`, which a
    /// writer cannot fail in a way VSS records.
    pub fn failed_state(self) -> Option<WriterState> {
        Some(match self {
            WriterEvent::OnIdentify => WriterState::VSS_WS_FAILED_AT_IDENTIFY,
            WriterEvent::OnPrepareBackup => WriterState::VSS_WS_FAILED_AT_PREPARE_BACKUP,
            WriterEvent::OnPrepareSnapshot => WriterState::VSS_WS_FAILED_AT_PREPARE_SNAPSHOT,
            WriterEvent::OnFreeze => WriterState::VSS_WS_FAILED_AT_FREEZE,
            WriterEvent::OnThaw => WriterState::VSS_WS_FAILED_AT_THAW,
            WriterEvent::OnPostSnapshot => WriterState::VSS_WS_FAILED_AT_POST_SNAPSHOT,
            WriterEvent::OnBackupComplete => WriterState::VSS_WS_FAILED_AT_BACKUP_COMPLETE,
            WriterEvent::OnBackupShutdown => WriterState::VSS_WS_FAILED_AT_BACKUPSHUTDOWN,
            WriterEvent::OnAbort => return None,
        })
    }

    /// Looks an event up by name, with or without the `On` prefix, in any case.
    pub fn from_name(name: &str) -> Option<WriterEvent> {
        let wanted = name.trim();
        let wanted = wanted
            .strip_prefix("On")
            .or_else(|| wanted.strip_prefix("on"))
            .unwrap_or(wanted);
        WriterEvent::ALL
            .into_iter()
            .find(|e| format!("{e:?}")[2..].eq_ignore_ascii_case(wanted))
    }
}

impl fmt::Display for WriterEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_and_names() {
        assert_eq!(SnapshotState::VSS_SS_CREATED.value(), 12);
        assert_eq!(ObjectType::VSS_OBJECT_SNAPSHOT.value(), 3);
        assert_eq!(
            "VSS_PROV_HARDWARE".parse::<ProviderType>(),
            Ok(ProviderType::VSS_PROV_HARDWARE)
        );
        assert_eq!(
            "3".parse::<ObjectType>(),
            Ok(ObjectType::VSS_OBJECT_SNAPSHOT)
        );
        assert!("VSS_OBJECT_NOTHING".parse::<ObjectType>().is_err());
        assert_eq!(WriterState::VSS_WS_FAILED_AT_BACKUPSHUTDOWN.value(), 15);
        assert_eq!(SnapshotPropertyId::VSS_SPROPID_STATUS.value(), 0xD);
        assert_eq!(BackupType::VSS_BT_COPY.value(), 5);
    }

    #[test]
    fn writer_events() {
        assert_eq!(
            WriterEvent::from_name("Freeze"),
            Some(WriterEvent::OnFreeze)
        );
        assert_eq!(
            WriterEvent::from_name("OnBackupComplete"),
            Some(WriterEvent::OnBackupComplete)
        );
        assert_eq!(
            WriterEvent::from_name("onidentify"),
            Some(WriterEvent::OnIdentify)
        );
        assert_eq!(WriterEvent::from_name("Dance"), None);
        assert_eq!(
            WriterEvent::OnFreeze.failed_state(),
            Some(WriterState::VSS_WS_FAILED_AT_FREEZE)
        );
    }
}
