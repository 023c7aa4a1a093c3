//! `HRESULT`: every VSS return code of vsserror.h and the generic COM codes VSS uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A COM `HRESULT`, stored as Windows stores it (a signed 32-bit value).
///
/// Success codes (`S_OK`, the `VSS_S_*` codes) have the severity bit clear. The text form is the
/// Windows name when the code is known, so that outputs read like the SDK documentation.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HResult(pub i32);

/// A known HRESULT: its SDK name, its value and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HResultInfo {
    /// The name in the Windows headers, e.g. `VSS_E_OBJECT_NOT_FOUND`.
    pub name: &'static str,
    /// The value.
    pub value: HResult,
    /// One line on what the code means.
    pub meaning: &'static str,
}

/// Why a piece of text does not name an HRESULT.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is neither a known HRESULT name nor a 0x-prefixed 32-bit value")]
pub struct HResultParseError {
    /// The text that was refused.
    pub text: String,
}

macro_rules! hresults {
    ($($name:ident = $value:literal, $meaning:literal;)*) => {
        #[allow(missing_docs)]
        impl HResult {
            $(
                #[doc = $meaning]
                pub const $name: HResult = HResult($value as u32 as i32);
            )*
        }

        /// Every HRESULT this crate knows by name, in ascending order of value within each
        /// group (generic COM codes first, then the VSS codes).
        pub const KNOWN_HRESULTS: &[HResultInfo] = &[
            $(HResultInfo { name: stringify!($name), value: HResult::$name, meaning: $meaning },)*
        ];
    };
}

hresults! {
S_OK = 0x00000000, "The operation succeeded";
S_FALSE = 0x00000001, "The operation succeeded and reports a negative answer";
E_NOTIMPL = 0x80004001, "The method is not implemented (SetContext on Windows XP)";
E_NOINTERFACE = 0x80004002, "The object does not support the requested interface";
E_POINTER = 0x80004003, "A pointer argument is not valid";
E_ABORT = 0x80004004, "The operation was aborted";
E_FAIL = 0x80004005, "Unspecified failure";
E_UNEXPECTED = 0x8000FFFF, "Catastrophic failure (VSS_E_UNEXPECTED before Windows 7 and Server 2008 R2)";
RPC_E_DISCONNECTED = 0x80010108, "The object has disconnected from its clients: its process or machine went away";
E_ACCESSDENIED = 0x80070005, "The caller is not an administrator or a backup operator";
E_OUTOFMEMORY = 0x8007000E, "Out of memory or other system resources";
E_INVALIDARG = 0x80070057, "One of the parameter values is not valid";
VSS_E_BAD_STATE = 0x80042301, "Call made while the object was in the wrong state for it";
VSS_E_UNEXPECTED = 0x80042302, "Unexpected VSS error; see the event log (WS2008 R2 / Win7 and later; earlier E_UNEXPECTED)";
VSS_E_PROVIDER_ALREADY_REGISTERED = 0x80042303, "Provider already registered";
VSS_E_PROVIDER_NOT_REGISTERED = 0x80042304, "Provider not registered";
VSS_E_PROVIDER_VETO = 0x80042306, "Provider had an error (see logs); also \"software provider set cannot be broken\"";
VSS_E_PROVIDER_IN_USE = 0x80042307, "Provider in use, cannot unregister";
VSS_E_OBJECT_NOT_FOUND = 0x80042308, "Object not found";
VSS_S_ASYNC_PENDING = 0x00042309, "Async operation pending";
VSS_S_ASYNC_FINISHED = 0x0004230A, "Async operation completed";
VSS_S_ASYNC_CANCELLED = 0x0004230B, "Async operation cancelled";
VSS_E_VOLUME_NOT_SUPPORTED = 0x8004230C, "Shadow copying the volume not supported (by any provider)";
VSS_E_OBJECT_ALREADY_EXISTS = 0x8004230D, "Object already exists";
VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER = 0x8004230E, "The given provider does not support the volume";
VSS_E_UNEXPECTED_PROVIDER_ERROR = 0x8004230F, "Provider returned an unexpected error";
VSS_E_CORRUPT_XML_DOCUMENT = 0x80042310, "Invalid XML (deprecated)";
VSS_E_INVALID_XML_DOCUMENT = 0x80042311, "Invalid XML (malformed or schema mismatch)";
VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED = 0x80042312, "Maximum number of volumes for the operation reached";
VSS_E_FLUSH_WRITES_TIMEOUT = 0x80042313, "Timed out flushing writes";
VSS_E_HOLD_WRITES_TIMEOUT = 0x80042314, "Timed out holding writes";
VSS_E_UNEXPECTED_WRITER_ERROR = 0x80042315, "Problems sending events to writers";
VSS_E_SNAPSHOT_SET_IN_PROGRESS = 0x80042316, "Another shadow copy creation is in progress";
VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED = 0x80042317, "Volume at its maximum number of shadow copies";
VSS_E_WRITER_INFRASTRUCTURE = 0x80042318, "Problem contacting writers (Event System / VSS service)";
VSS_E_WRITER_NOT_RESPONDING = 0x80042319, "Writer did not respond to GatherWriterStatus";
VSS_E_WRITER_ALREADY_SUBSCRIBED = 0x8004231A, "Writer called Subscribe twice";
VSS_E_UNSUPPORTED_CONTEXT = 0x8004231B, "Provider does not support the shadow copy type (context)";
VSS_E_VOLUME_IN_USE = 0x8004231D, "Storage association in use, cannot delete";
VSS_E_MAXIMUM_DIFFAREA_ASSOCIATIONS_REACHED = 0x8004231E, "Max storage associations reached";
VSS_E_INSUFFICIENT_STORAGE = 0x8004231F, "Not enough storage for the diff area or other shadow data";
VSS_E_NO_SNAPSHOTS_IMPORTED = 0x80042320, "No shadow copies imported";
VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED = 0x00042321, "Some shadow copies not imported (success severity)";
VSS_E_SOME_SNAPSHOTS_NOT_IMPORTED = 0x80042321, "Same message, error severity";
VSS_E_MAXIMUM_NUMBER_OF_REMOTE_MACHINES_REACHED = 0x80042322, "Max remote machines reached";
VSS_E_REMOTE_SERVER_UNAVAILABLE = 0x80042323, "Remote server unavailable";
VSS_E_REMOTE_SERVER_UNSUPPORTED = 0x80042324, "Remote VSS does not support remote creation";
VSS_E_REVERT_IN_PROGRESS = 0x80042325, "Revert already in progress on the volume";
VSS_E_REVERT_VOLUME_LOST = 0x80042326, "Volume lost during revert";
VSS_E_REBOOT_REQUIRED = 0x80042327, "Reboot required";
VSS_E_TRANSACTION_FREEZE_TIMEOUT = 0x80042328, "Timeout freezing a transaction manager";
VSS_E_TRANSACTION_THAW_TIMEOUT = 0x80042329, "Too long between freezing and thawing a transaction manager";
VSS_E_UNSELECTED_VOLUME = 0x8004232A, "Operation would overwrite a volume not explicitly selected";
VSS_E_SNAPSHOT_NOT_IN_SET = 0x8004232B, "Shadow copy ID not in the BCD for the set";
VSS_E_NESTED_VOLUME_LIMIT = 0x8004232C, "Volume nested too deeply (e.g. VHD in VHD)";
VSS_E_VOLUME_NOT_LOCAL = 0x8004232D, "Volume not mounted on the local host";
VSS_E_CLUSTER_TIMEOUT = 0x8004232E, "Timeout preparing a CSV for backup";
VSS_E_NOT_SUPPORTED = 0x8004232F, "Operation not supported";
VSS_E_WRITERERROR_PARTIAL_FAILURE = 0x80042336, "Writer partial failure";
VSS_E_WRITERERROR_INCONSISTENTSNAPSHOT = 0x800423F0, "Set contains only a subset of the volumes the writer needs";
VSS_E_WRITERERROR_OUTOFRESOURCES = 0x800423F1, "Writer resource allocation failed";
VSS_E_WRITERERROR_TIMEOUT = 0x800423F2, "Writer timeout between Freeze and Thaw";
VSS_E_WRITERERROR_RETRYABLE = 0x800423F3, "Transient writer error";
VSS_E_WRITERERROR_NONRETRYABLE = 0x800423F4, "Non-transient writer error";
VSS_E_WRITERERROR_RECOVERY_FAILED = 0x800423F5, "Writer failed to recover the shadow volume";
VSS_E_BREAK_REVERT_ID_FAILED = 0x800423F6, "Break failed: disk or partition identities could not be reverted (target identity present; mask it first)";
VSS_E_LEGACY_PROVIDER = 0x800423F7, "This hardware provider version does not support the operation";
VSS_E_MISSING_DISK = 0x800423F8, "Expected disk did not arrive";
VSS_E_MISSING_HIDDEN_VOLUME = 0x800423F9, "Expected hidden volume did not arrive";
VSS_E_MISSING_VOLUME = 0x800423FA, "Expected volume did not arrive";
VSS_E_AUTORECOVERY_FAILED = 0x800423FB, "Auto-recovery failed";
VSS_E_DYNAMIC_DISK_ERROR = 0x800423FC, "Error processing dynamic disks";
VSS_E_NONTRANSPORTABLE_BCD = 0x800423FD, "BCD is for a non-transportable copy; operation requires transportable";
VSS_E_CANNOT_REVERT_DISKID = 0x800423FE, "MBR signature or GPT ID could not be set";
VSS_E_RESYNC_IN_PROGRESS = 0x800423FF, "Another LUN resync in progress";
VSS_E_CLUSTER_ERROR = 0x80042400, "Clustered disks could not be enumerated or put into maintenance";
VSS_E_ASRERROR_DISK_ASSIGNMENT_FAILED = 0x80042401, "ASR: too few or too small disks";
VSS_E_ASRERROR_DISK_RECREATION_FAILED = 0x80042402, "ASR: cannot create a needed disk";
VSS_E_ASRERROR_NO_ARCPATH = 0x80042403, "ASR: restart needed to prepare a disk";
VSS_E_ASRERROR_MISSING_DYNDISK = 0x80042404, "ASR: missing disk for a dynamic volume";
VSS_E_ASRERROR_SHARED_CRIDISK = 0x80042405, "ASR: critical volume on a cluster shared disk";
VSS_E_ASRERROR_DATADISK_RDISK0 = 0x80042406, "ASR: data disk is the BIOS active disk";
VSS_E_ASRERROR_RDISK0_TOOSMALL = 0x80042407, "ASR: BIOS active disk too small";
VSS_E_ASRERROR_CRITICAL_DISKS_TOO_SMALL = 0x80042408, "ASR: not enough suitable disks";
VSS_E_WRITER_STATUS_NOT_AVAILABLE = 0x80042409, "Writer status not available";
VSS_E_ASRERROR_DYNAMIC_VHD_NOT_SUPPORTED = 0x8004240A, "ASR: critical dynamic disk is a VHD";
VSS_E_CRITICAL_VOLUME_ON_INVALID_DISK = 0x80042411, "Critical volume on a disk ASR cannot back up";
VSS_E_ASRERROR_RDISK_FOR_SYSTEM_DISK_NOT_FOUND = 0x80042412, "ASR: no disk usable for the system disk";
VSS_E_ASRERROR_NO_PHYSICAL_DISK_AVAILABLE = 0x80042413, "ASR: no fixed disk available";
VSS_E_ASRERROR_FIXED_PHYSICAL_DISK_AVAILABLE_AFTER_DISK_EXCLUSION = 0x80042414, "ASR: no usable disk after exclusions";
VSS_E_ASRERROR_CRITICAL_DISK_CANNOT_BE_EXCLUDED = 0x80042415, "ASR: critical disk excluded";
VSS_E_ASRERROR_SYSTEM_PARTITION_HIDDEN = 0x80042416, "ASR: system partition hidden or unrecognized FS";
VSS_E_FSS_TIMEOUT = 0x80042417, "Timeout preparing a file-share shadow copy";}

impl HResult {
    /// Whether the code is a success code (`SUCCEEDED(hr)`).
    pub const fn is_success(self) -> bool {
        self.0 >= 0
    }

    /// Whether the code is a failure code (`FAILED(hr)`).
    pub const fn is_failure(self) -> bool {
        self.0 < 0
    }

    /// The value as an unsigned 32-bit number, as the SDK pages print it.
    pub const fn code(self) -> u32 {
        self.0 as u32
    }

    /// What is known of this code, if anything.
    pub fn info(self) -> Option<&'static HResultInfo> {
        KNOWN_HRESULTS.iter().find(|i| i.value == self)
    }

    /// The SDK name, if the code is known.
    pub fn name(self) -> Option<&'static str> {
        self.info().map(|i| i.name)
    }

    /// Looks a code up by its SDK name (exact, case-insensitive).
    pub fn from_name(name: &str) -> Option<HResult> {
        KNOWN_HRESULTS
            .iter()
            .find(|i| i.name.eq_ignore_ascii_case(name))
            .map(|i| i.value)
    }
}

impl fmt::Display for HResult {
    /// `NAME (0xXXXXXXXX)`, or only the value for an unknown code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} (0x{:08X})", self.code()),
            None => write!(f, "0x{:08X}", self.code()),
        }
    }
}

impl fmt::Debug for HResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for HResult {
    type Err = HResultParseError;

    /// Accepts an SDK name or a value written `0x8004230F` (hexadecimal) or in decimal.
    fn from_str(text: &str) -> Result<HResult, HResultParseError> {
        let err = || HResultParseError {
            text: text.to_string(),
        };
        let t = text.trim();
        if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            return u32::from_str_radix(hex, 16)
                .map(|v| HResult(v as i32))
                .map_err(|_| err());
        }
        if let Ok(v) = t.parse::<i64>() {
            return match i32::try_from(v).or_else(|_| u32::try_from(v).map(|u| u as i32)) {
                Ok(v) => Ok(HResult(v)),
                Err(_) => Err(err()),
            };
        }
        HResult::from_name(t).ok_or_else(err)
    }
}

impl Serialize for HResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.name() {
            Some(name) => s.serialize_str(name),
            None => s.collect_str(&format_args!("0x{:08X}", self.code())),
        }
    }
}

impl<'de> Deserialize<'de> for HResult {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<HResult, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_values_agree_both_ways() {
        for info in KNOWN_HRESULTS {
            assert_eq!(
                HResult::from_name(info.name),
                Some(info.value),
                "{}",
                info.name
            );
        }
        // Names are unique; values are unique too.
        let mut names: Vec<_> = KNOWN_HRESULTS.iter().map(|i| i.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), KNOWN_HRESULTS.len());
        let mut values: Vec<_> = KNOWN_HRESULTS.iter().map(|i| i.value).collect();
        values.sort();
        values.dedup();
        assert_eq!(values.len(), KNOWN_HRESULTS.len());
    }

    #[test]
    fn values_match_the_sdk() {
        assert_eq!(HResult::VSS_E_BAD_STATE.code(), 0x80042301);
        assert_eq!(HResult::VSS_E_OBJECT_NOT_FOUND.code(), 0x80042308);
        assert_eq!(
            HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED.code(),
            0x00042321
        );
        assert_eq!(
            HResult::VSS_E_SOME_SNAPSHOTS_NOT_IMPORTED.code(),
            0x80042321
        );
        assert_eq!(HResult::VSS_E_BREAK_REVERT_ID_FAILED.code(), 0x800423F6);
        assert_eq!(HResult::VSS_E_LEGACY_PROVIDER.code(), 0x800423F7);
        assert_eq!(HResult::VSS_E_NONTRANSPORTABLE_BCD.code(), 0x800423FD);
        assert_eq!(HResult::E_INVALIDARG.code(), 0x80070057);
        assert!(HResult::VSS_S_ASYNC_FINISHED.is_success());
        assert!(HResult::VSS_E_UNEXPECTED.is_failure());
        assert!(HResult::from_name("VSS_E_NONTRANSPORTABLE_BREAK").is_none());
    }

    #[test]
    fn text_forms() {
        assert_eq!(
            HResult::VSS_E_PROVIDER_VETO.to_string(),
            "VSS_E_PROVIDER_VETO (0x80042306)"
        );
        assert_eq!(
            "0x80042306".parse::<HResult>(),
            Ok(HResult::VSS_E_PROVIDER_VETO)
        );
        assert_eq!(
            "vss_e_provider_veto".parse::<HResult>(),
            Ok(HResult::VSS_E_PROVIDER_VETO)
        );
        assert_eq!(
            "2147754758".parse::<HResult>(),
            Ok(HResult::VSS_E_PROVIDER_VETO)
        );
        assert_eq!(HResult(0x1234).to_string(), "0x00001234");
        assert!("VSS_E_NO_SUCH_THING".parse::<HResult>().is_err());
        assert!("0xZZ".parse::<HResult>().is_err());
    }
}
