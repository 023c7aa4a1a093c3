//! DiskShadow's listings: the per-shadow-copy block of `create` and `list shadows`, the
//! provider and writer listings, and (for `--trace`) the LUN changes a command caused.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use vss_model::backend::LunState;
use vss_model::{ProviderProp, SnapshotAttributes as A, SnapshotProp, VssTimestamp, WriterStatus};

use super::script::WriterView;

/// The block DiskShadow prints for one shadow copy. `mount` is the drive or folder of the
/// original volume, when known; `aliases` maps a lowercase id text to its alias, which is
/// shown after the id as `%ALIAS%`.
pub fn copy(p: &SnapshotProp, mount: Option<&str>, aliases: &BTreeMap<String, String>) -> String {
    // The tag stands in a column of its own: two tabs after the shorter first line.
    let alias = |id: String, tabs: &str| {
        aliases
            .get(&id.to_ascii_lowercase())
            .map(|a| format!("{tabs}%{a}%"))
            .unwrap_or_default()
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\t* Shadow copy ID = {}{}",
        p.snapshot_id,
        alias(p.snapshot_id.to_string(), "\t\t")
    );
    let _ = writeln!(
        s,
        "\t\t- Shadow copy set: {}{}",
        p.snapshot_set_id,
        alias(p.snapshot_set_id.to_string(), "\t")
    );
    let _ = writeln!(
        s,
        "\t\t- Original count of shadow copies = {}",
        p.snapshots_count
    );
    let shown = mount.map_or_else(
        || "[volume not on this machine]".to_string(),
        |m| format!("[{m}]"),
    );
    let _ = writeln!(
        s,
        "\t\t- Original volume name: {} {shown}",
        p.original_volume_name
    );
    let _ = writeln!(s, "\t\t- Creation time: {}", time(p.creation_timestamp));
    let _ = writeln!(
        s,
        "\t\t- Shadow copy device name: {}",
        p.snapshot_device_object
    );
    let _ = writeln!(s, "\t\t- Originating machine: {}", p.originating_machine);
    let _ = writeln!(s, "\t\t- Service machine: {}", p.service_machine);
    match &p.exposed_name {
        Some(name) => {
            let _ = writeln!(s, "\t\t- Exposed name: {name}");
            if let Some(path) = &p.exposed_path {
                let _ = writeln!(s, "\t\t- Exposed path: {path}");
            }
        }
        None => s.push_str("\t\t- Not exposed\n"),
    }
    let _ = writeln!(s, "\t\t- Provider ID: {}", p.provider_id);
    let _ = writeln!(
        s,
        "\t\t- Attributes:  {}\n",
        attributes(p.snapshot_attributes)
    );
    s
}

/// The attribute words DiskShadow prints. It has none for `CLIENT_ACCESSIBLE`: a
/// client-accessible copy lists as `No_Auto_Release Persistent Differential`.
pub fn attributes(a: A) -> String {
    let mut words = vec![if a.contains(A::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE) {
        "No_Auto_Release"
    } else {
        "Auto_Release"
    }];
    for (bit, word) in [
        (A::VSS_VOLSNAP_ATTR_PERSISTENT, "Persistent"),
        (A::VSS_VOLSNAP_ATTR_NO_WRITERS, "No_Writers"),
        (A::VSS_VOLSNAP_ATTR_TRANSPORTABLE, "Transportable"),
        (A::VSS_VOLSNAP_ATTR_NOT_SURFACED, "Not_Surfaced"),
        (A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED, "Hardware"),
        (A::VSS_VOLSNAP_ATTR_DIFFERENTIAL, "Differential"),
        (A::VSS_VOLSNAP_ATTR_PLEX, "Plex"),
        (A::VSS_VOLSNAP_ATTR_IMPORTED, "Imported"),
        (A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY, "Exposed_locally"),
        (A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY, "Exposed_remotely"),
        (A::VSS_VOLSNAP_ATTR_FILE_SHARE, "FileShare"),
    ] {
        if a.contains(bit) {
            words.push(word);
        }
    }
    words.join(" ")
}

/// A creation time as an English-language Windows shows it: `1/1/2026 12:00:05 AM` (UTC).
pub fn time(t: VssTimestamp) -> String {
    let secs = t.0.div_euclid(VssTimestamp::TICKS_PER_SECOND);
    let text = VssTimestamp(secs * VssTimestamp::TICKS_PER_SECOND).to_string();
    // `YYYY-MM-DD hh:mm:ss`
    let number =
        |range: std::ops::Range<usize>| text.get(range).and_then(|s| s.parse::<u32>().ok());
    match (
        number(0..4),
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
    ) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) => {
            let (hour, half) = match h {
                0 => (12, "AM"),
                1..=11 => (h, "AM"),
                12 => (12, "PM"),
                _ => (h - 12, "PM"),
            };
            format!("{mo}/{d}/{y} {hour}:{mi:02}:{s:02} {half}")
        }
        _ => text,
    }
}

/// `list providers`.
pub fn providers(providers: &[ProviderProp]) -> String {
    let mut s = String::new();
    for p in providers {
        let _ = writeln!(s, "\t* ProviderID: {}", p.provider_id);
        let _ = writeln!(
            s,
            "\t\tType: [{}] {}",
            p.provider_type.value(),
            p.provider_type
        );
        let _ = writeln!(s, "\t\tName: {}", p.provider_name);
        let _ = writeln!(s, "\t\tVersion: {}", p.provider_version);
        let _ = writeln!(s, "\t\tCLSID: {}", p.class_id);
    }
    let n = providers.len();
    // The blocks follow one another; the count stands apart.
    let _ = writeln!(
        s,
        "\n{n} provider{} registered.",
        if n == 1 { "" } else { "s" }
    );
    s
}

/// `list writers`, in the view asked for.
pub fn writers(writers: &[WriterStatus], view: WriterView) -> String {
    let mut s = String::new();
    let heading = match view {
        WriterView::Status => "Listing writer status ...",
        WriterView::Metadata | WriterView::Detailed => "Listing writer metadata ...",
    };
    let _ = writeln!(s, "{heading}\n");
    for w in writers {
        let _ = writeln!(s, "\t* WRITER \"{}\"", w.writer_name);
        match view {
            WriterView::Status => {
                let _ = writeln!(s, "\t\t- Status: {} ({})", w.state.value(), w.state);
                let _ = writeln!(
                    s,
                    "\t\t- Writer Failure code: 0x{:08x} ({})",
                    w.failure.code(),
                    w.failure.name().unwrap_or("a code VSS does not document")
                );
                let _ = writeln!(s, "\t\t- Writer ID: {}", w.writer_id);
                let _ = writeln!(s, "\t\t- Instance ID: {}\n", w.instance_id);
            }
            WriterView::Metadata | WriterView::Detailed => {
                let _ = writeln!(s, "\t\t- WriterId = {}", w.writer_id);
                let _ = writeln!(s, "\t\t- InstanceId = {}", w.instance_id);
                if view == WriterView::Detailed {
                    s.push_str("\t\t- Components: not modelled by the simulator\n");
                }
                s.push('\n');
            }
        }
    }
    let n = writers.len();
    let _ = writeln!(s, "{n} writer{} listed.", if n == 1 { "" } else { "s" });
    s
}

/// One LUN's state in words.
fn describe(l: &LunState) -> String {
    if l.deleted {
        return "deleted from the array".into();
    }
    let mut parts = Vec::new();
    if let (Some(source), Some(kind)) = (&l.clone_of, l.clone_kind) {
        parts.push(format!("{kind} clone of {source}"));
    }
    parts.push(if l.visible_to.is_empty() {
        "masked from every machine".to_string()
    } else {
        format!("visible to {}", l.visible_to.join(", "))
    });
    parts.push(
        if l.read_only {
            "read-only"
        } else {
            "read-write"
        }
        .to_string(),
    );
    if l.hidden {
        parts.push("hidden".into());
    }
    parts.push(l.identity.clone());
    parts.join(", ")
}

/// What changed between two listings of the array's LUNs, one line per LUN.
pub fn lun_changes(before: &[LunState], after: &[LunState]) -> Vec<String> {
    let old: BTreeMap<&str, &LunState> = before.iter().map(|l| (l.name.as_str(), l)).collect();
    let mut changes = Vec::new();
    for l in after {
        match old.get(l.name.as_str()) {
            None => changes.push(format!("{} appeared: {}", l.name, describe(l))),
            Some(o) if *o != l => {
                changes.push(format!("{}: {} -> {}", l.name, describe(o), describe(l)));
            }
            Some(_) => {}
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_an_english_windows_shows_them() {
        assert_eq!(
            time(VssTimestamp::from_utc(2026, 1, 1, 0, 0, 5)),
            "1/1/2026 12:00:05 AM"
        );
        assert_eq!(
            time(VssTimestamp::from_utc(2026, 11, 26, 13, 7, 0)),
            "11/26/2026 1:07:00 PM"
        );
        assert_eq!(
            time(VssTimestamp::from_utc(2026, 3, 9, 12, 30, 9)),
            "3/9/2026 12:30:09 PM"
        );
    }

    #[test]
    fn attribute_words_follow_the_bits() {
        let a = A::VSS_VOLSNAP_ATTR_PERSISTENT
            | A::VSS_VOLSNAP_ATTR_NO_AUTO_RELEASE
            | A::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED
            | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE;
        assert_eq!(
            attributes(a),
            "No_Auto_Release Persistent Transportable Hardware"
        );
        assert_eq!(attributes(A::empty()), "Auto_Release");
    }
}
