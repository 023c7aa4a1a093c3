//! `VSS_SNAPSHOT_PROP`, `VSS_PROVIDER_PROP`, `VSS_OBJECT_PROP` and the writer status a
//! requester reads after `GatherWriterStatus`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::attributes::SnapshotAttributes;
use crate::enums::{ProviderType, SnapshotState, WriterState};
use crate::guid::VssId;
use crate::hresult::HResult;

/// `VSS_TIMESTAMP`: 100-nanosecond intervals since 1601-01-01 UTC, as a `FILETIME`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VssTimestamp(pub i64);

impl VssTimestamp {
    /// Ticks per second.
    pub const TICKS_PER_SECOND: i64 = 10_000_000;

    /// The time of a UTC calendar date and time of day.
    pub fn from_utc(year: i64, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Self {
        let days = days_from_civil(year, month, day) - days_from_civil(1601, 1, 1);
        let secs =
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
        VssTimestamp(secs * Self::TICKS_PER_SECOND)
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

impl fmt::Display for VssTimestamp {
    /// `YYYY-MM-DD hh:mm:ss` in UTC.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(Self::TICKS_PER_SECOND);
        let days = secs.div_euclid(86_400) + days_from_civil(1601, 1, 1);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl fmt::Debug for VssTimestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// `VSS_SNAPSHOT_PROP`: everything VSS reports about one shadow copy, field for field.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct SnapshotProp {
    /// `m_SnapshotId`: the id `AddToSnapshotSet` returned.
    pub snapshot_id: VssId,
    /// `m_SnapshotSetId`: the set it belongs to.
    pub snapshot_set_id: VssId,
    /// `m_lSnapshotsCount`: how many volumes the set had when it was created.
    pub snapshots_count: i32,
    /// `m_pwszSnapshotDeviceObject`: the device of the shadow volume, without a trailing `\`.
    pub snapshot_device_object: String,
    /// `m_pwszOriginalVolumeName`: the volume that was shadow copied.
    pub original_volume_name: String,
    /// `m_pwszOriginatingMachine`: the machine that holds the original volume.
    pub originating_machine: String,
    /// `m_pwszServiceMachine`: the machine whose VSS service manages the copy.
    pub service_machine: String,
    /// `m_pwszExposedName`: drive letter, mount folder or share name, when exposed.
    pub exposed_name: Option<String>,
    /// `m_pwszExposedPath`: the shared sub-path, when exposed as a share.
    pub exposed_path: Option<String>,
    /// `m_ProviderId`: the provider that made it.
    pub provider_id: VssId,
    /// `m_lSnapshotAttributes`.
    pub snapshot_attributes: SnapshotAttributes,
    /// `m_tsCreationTimestamp`.
    pub creation_timestamp: VssTimestamp,
    /// `m_eStatus`.
    pub status: SnapshotState,
}

/// `VSS_PROVIDER_PROP`: what VSS knows of a registered provider.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ProviderProp {
    /// `m_ProviderId`.
    pub provider_id: VssId,
    /// `m_pwszProviderName`.
    pub provider_name: String,
    /// `m_eProviderType`.
    pub provider_type: ProviderType,
    /// `m_pwszProviderVersion`.
    pub provider_version: String,
    /// `m_ProviderVersionId`.
    pub provider_version_id: VssId,
    /// `m_ClassId`: the provider's CLSID.
    pub class_id: VssId,
}

/// `VSS_OBJECT_PROP`: one element of a `Query` enumeration.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ObjectProp {
    /// `VSS_OBJECT_SNAPSHOT` with its `VSS_SNAPSHOT_PROP`.
    #[serde(rename = "VSS_OBJECT_SNAPSHOT")]
    Snapshot(SnapshotProp),
    /// `VSS_OBJECT_PROVIDER` with its `VSS_PROVIDER_PROP`.
    #[serde(rename = "VSS_OBJECT_PROVIDER")]
    Provider(ProviderProp),
}

/// One writer's status as `IVssBackupComponents::GetWriterStatus` reports it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct WriterStatus {
    /// The writer instance id.
    pub instance_id: VssId,
    /// The writer class id.
    pub writer_id: VssId,
    /// The writer's name, e.g. `System Writer`.
    pub writer_name: String,
    /// Its state.
    pub state: WriterState,
    /// The failure it reported, `S_OK` if none.
    pub failure: HResult,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_filetimes() {
        // 1970-01-01 is 11644473600 seconds after 1601-01-01.
        let unix_epoch = VssTimestamp::from_utc(1970, 1, 1, 0, 0, 0);
        assert_eq!(
            unix_epoch.0,
            11_644_473_600 * VssTimestamp::TICKS_PER_SECOND
        );
        let t = VssTimestamp::from_utc(2026, 2, 28, 23, 59, 58);
        assert_eq!(t.to_string(), "2026-02-28 23:59:58");
        assert_eq!(
            VssTimestamp(t.0 + 2 * VssTimestamp::TICKS_PER_SECOND).to_string(),
            "2026-03-01 00:00:00"
        );
        assert_eq!(VssTimestamp(0).to_string(), "1601-01-01 00:00:00");
    }
}
