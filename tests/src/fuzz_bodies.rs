//! The bodies of the fuzz targets in `fuzz/`: what each target does with one input.
//!
//! They live in this ordinary library so that two callers share them: the cargo-fuzz targets
//! (nightly, long runs, see `fuzz/README.md`) and the test `tests/tests/suite/fuzz_seeds.rs`, which runs
//! every body over its target's checked-in seed corpus `fuzz/seeds/<target>/` on every
//! `cargo test`. Each body takes any bytes at all; a panic means a bug was found, either a
//! panic in the code under test or a property below that does not hold.

use std::sync::OnceLock;

use crate::model_check;

use arbitrary::{Result as ArbitraryResult, Unstructured};
use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
use vss_model::document::{
    BackupComponentsDocument, BackupState, DiskExtent, LunMapping, LunPair, SelectedComponent,
    SnapshotDescription, SnapshotSetDescription, WriterComponents, WriterMetadata,
};
use vss_model::lun::{
    BusType, IdentifierCodeSet, IdentifierType, Interconnect, InterconnectAddressType,
    StorageIdentifier, VdsLunInformation,
};
use vss_model::writer_metadata::ComponentType;
use vss_model::{BackupType, Context, HResult, SnapshotAttributes, VssId, VssTimestamp};
use vss_sim::Simulator;
use vss_sim::runner::{InputError, RunEnd, Scenario, WorldSource, run_text};
use vss_sim::world_file::WorldFile;

/// The longest scenario text [`scenario_file`] runs, in bytes. Every scenario of the project
/// is well under it; the cap keeps one run short, so that a fuzzer spends its time on new
/// inputs rather than on one huge world or step list.
pub const MAX_SCENARIO_BYTES: usize = 16 * 1024;

/// The most steps a scenario [`scenario_file`] runs may have (the largest of the project has
/// about 130). A step's cost is bounded by the size of its world, which the length cap
/// bounds, so this bounds a run's cost.
pub const MAX_SCENARIO_STEPS: usize = 256;

/// The file name a scenario input is given when its first byte is `j`: read as JSON.
const JSON_NAME: &str = "fuzz.json";

/// The file name a scenario input is given otherwise: read as YAML.
const YAML_NAME: &str = "fuzz.yaml";

/// The machine of the default world on which [`backup_document`] loads documents.
const LOADING_MACHINE: &str = "HOSTB";

/// What [`scenario_file`] did with one input.
#[derive(Debug, Clone, PartialEq)]
pub enum ScenarioVerdict {
    /// Over [`MAX_SCENARIO_BYTES`] or [`MAX_SCENARIO_STEPS`]: not run.
    OverLimit,
    /// The scenario names a world file, which the body does not read: what such a path
    /// names is outside the input (and `/dev/zero` would never finish).
    WorldFile,
    /// Refused as bad input before any step ran.
    Refused(InputError),
    /// Run on a fresh simulator of its world; how it ended.
    Ran(RunEnd),
}

/// The `call_sequence` target: bytes decoded, step by step, into a sequence of requester
/// calls and environment steps over two machines and several requester objects
/// ([`model_check::run_fuzzed`]), run on a simulator and on the reference model side by side.
///
/// Properties: the simulator gives every answer the model predicts, and every invariant of
/// [`model_check`] holds after every step; a disagreement panics with the run written as a
/// scenario. Returns how many steps ran.
pub fn call_sequence(data: &[u8]) -> usize {
    match model_check::run_fuzzed(data) {
        Ok(steps) => steps,
        Err(disagreement) => panic!("{disagreement}"),
    }
}

/// The `scenario_file` target: a scenario file's bytes, parsed and run.
///
/// The first byte names the format: `j` makes the rest a JSON file, anything else a YAML
/// file (so a seed is `j` or `y` followed by a file's text). Bytes that are not UTF-8 are
/// replaced, as the fuzzer would otherwise spend most inputs on text no file holds.
///
/// Properties: parsing and running never panic; bad input comes back as an error naming the
/// file and, when it gives a line, a line of the text (or the one just past its end); and a scenario run twice prints the same bytes, as a
/// deterministic simulator must.
pub fn scenario_file(data: &[u8]) -> ScenarioVerdict {
    let (name, text) = match data.split_first() {
        Some((b'j', rest)) => (JSON_NAME, rest),
        Some((_, rest)) => (YAML_NAME, rest),
        None => (YAML_NAME, data),
    };
    if text.len() > MAX_SCENARIO_BYTES {
        return ScenarioVerdict::OverLimit;
    }
    let text = String::from_utf8_lossy(text);
    let scenario = match Scenario::parse(&text, name) {
        Ok(scenario) => scenario,
        Err(error) => {
            check_input_error(&error, &text, name);
            return ScenarioVerdict::Refused(error);
        }
    };
    if scenario.steps.len() > MAX_SCENARIO_STEPS {
        return ScenarioVerdict::OverLimit;
    }
    if matches!(scenario.world, WorldSource::File(_)) {
        return ScenarioVerdict::WorldFile;
    }
    let first = run_text(&text, name, true);
    let second = run_text(&text, name, true);
    match (first, second) {
        (Ok(first), Ok(second)) => {
            assert_eq!(
                first.output, second.output,
                "two runs of one scenario printed different bytes"
            );
            assert_eq!(first.outcome, second.outcome);
            if let RunEnd::BadInput(error) = &first.outcome {
                check_input_error(error, &text, name);
            }
            ScenarioVerdict::Ran(first.outcome)
        }
        (Err(first), Err(second)) => {
            assert_eq!(
                first, second,
                "two runs of one scenario refused it differently"
            );
            check_input_error(&first, &text, name);
            ScenarioVerdict::Refused(first)
        }
        (first, second) => {
            panic!("two runs of one scenario ended differently: {first:?} and {second:?}")
        }
    }
}

/// An error names the input's file, and a line within it. YAML ends a line at a carriage
/// return too (alone or before a line feed); JSON only at a line feed.
fn check_input_error(error: &InputError, text: &str, name: &str) {
    assert_eq!(error.file, name, "the error names another file: {error}");
    if let Some(line) = error.position.map(|p| p.line) {
        let breaks = if name == JSON_NAME {
            text.matches('\n').count()
        } else {
            text.replace("\r\n", "\n").matches(['\n', '\r']).count()
        };
        let lines = breaks as u64 + 1;
        assert!(
            (1..=lines + 1).contains(&line),
            "the error is at line {line} of a text of {lines} lines: {error}"
        );
    }
}

/// The `backup_document` target: the backup components document reader and writer, alone
/// and through `InitializeForBackup(bstrXML)` of a simulated requester object.
///
/// The input is used twice. As text (bytes that are not UTF-8 replaced), it is read by
/// [`BackupComponentsDocument::from_xml`] and given to `InitializeForBackup` on a fresh
/// simulator, followed by `ImportSnapshots` when accepted. Its bytes also build a document
/// field by field, which is saved and read back: the integrity value every document carries
/// means that hardly any mutated text is accepted, so reading back built documents is how
/// the fuzzer reaches the writer and the escaping of arbitrary strings.
///
/// Properties: nothing panics; a document that reads and is saved again reads back to the
/// same value, and saving that gives the same bytes; `InitializeForBackup` refuses what
/// `from_xml` refuses, with `VSS_E_INVALID_XML_DOCUMENT`, and accepts every document
/// `to_xml` writes that reads back.
///
/// Returns whether the input, as text, is a document `from_xml` reads.
pub fn backup_document(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let parsed = BackupComponentsDocument::from_xml(&text);
    if let Ok(document) = &parsed {
        check_round_trip(document);
    }
    let initialized = load_and_import(&text);
    if parsed.is_err() {
        assert_eq!(
            initialized,
            Err(HResult::VSS_E_INVALID_XML_DOCUMENT),
            "InitializeForBackup took a text from_xml refuses"
        );
    }

    // Building only fails on a malformed choice, which these lists cannot make; an input
    // that did would just build nothing.
    let Ok(built) = build_document(&mut Unstructured::new(data)) else {
        return parsed.is_ok();
    };
    let readable = extents_name_their_pairs(&built);
    let saved = built.to_xml();
    match BackupComponentsDocument::from_xml(&saved) {
        Ok(read) => {
            assert!(
                readable,
                "a document with an extent past its pairs was read"
            );
            assert_eq!(read, built, "a saved document reads back as another");
            check_round_trip(&read);
            assert_eq!(
                load_and_import(&saved),
                Ok(()),
                "InitializeForBackup refused a saved document"
            );
        }
        Err(error) => assert!(
            !readable,
            "a saved document does not read back: {error}\n{saved}"
        ),
    }
    parsed.is_ok()
}

/// Saving a document that was read, and reading that, gives the same document; saving it
/// again gives the same bytes.
fn check_round_trip(document: &BackupComponentsDocument) {
    let saved = document.to_xml();
    let read = BackupComponentsDocument::from_xml(&saved)
        .unwrap_or_else(|e| panic!("a saved document does not read back: {e}\n{saved}"));
    assert_eq!(&read, document, "a saved document reads back as another");
    assert_eq!(read.to_xml(), saved, "saving one document twice differs");
}

/// `InitializeForBackup(text)` on a fresh requester object of a fresh default world, then,
/// when it is accepted, `ImportSnapshots` waited on to the end. Returns what
/// `InitializeForBackup` returned.
fn load_and_import(text: &str) -> Result<(), HResult> {
    let sim = Simulator::new(default_world()).expect("the default world builds");
    let mut requester = sim
        .create_backup_components(LOADING_MACHINE)
        .expect("the default world has the machine, and its caller is an administrator");
    requester.initialize_for_backup(Some(text))?;
    // The import's result depends on the document; only that it ends matters here.
    if let Ok(mut operation) = requester.import_snapshots() {
        operation.wait(INFINITE);
        let _ = operation.query_status();
    }
    Ok(())
}

/// The default world's file, read once: reading it for every input would take most of the
/// fuzzer's time, and none of it depends on the input.
fn default_world() -> &'static WorldFile {
    static WORLD: OnceLock<WorldFile> = OnceLock::new();
    WORLD.get_or_init(|| vss_sim::world_file::default_world().clone())
}

/// Whether every extent of every LUN mapping names one of its mapping's pairs, which a
/// document must for `from_xml` to read it.
fn extents_name_their_pairs(document: &BackupComponentsDocument) -> bool {
    document
        .snapshot_set
        .iter()
        .flat_map(|set| &set.snapshots)
        .filter_map(|snapshot| snapshot.lun_mapping.as_ref())
        .all(|mapping| {
            mapping
                .extents
                .iter()
                .all(|extent| (extent.lun as usize) < mapping.luns.len())
        })
}

/// A document built field by field from fuzz bytes. Lists are short (a few entries) so that
/// the bytes go into values rather than counts.
fn build_document(u: &mut Unstructured<'_>) -> ArbitraryResult<BackupComponentsDocument> {
    let backup_state = if u.arbitrary()? {
        Some(BackupState {
            select_components: u.arbitrary()?,
            bootable_system_state: u.arbitrary()?,
            backup_type: *u.choose(BackupType::ALL)?,
            partial_file_support: u.arbitrary()?,
        })
    } else {
        None
    };
    let writers = list(u, 3, |u| {
        Ok(WriterMetadata {
            writer_id: guid(u)?,
            instance_id: guid(u)?,
            writer_name: u.arbitrary()?,
        })
    })?;
    let snapshot_set = if u.arbitrary()? {
        Some(SnapshotSetDescription {
            snapshot_set_id: guid(u)?,
            context: Context(u.arbitrary()?),
            created: u.arbitrary()?,
            snapshots: list(u, 3, build_snapshot)?,
        })
    } else {
        None
    };
    let context = Context(u.arbitrary()?);
    // Drawn last, so that the bytes of the older seeds still build the rest as before.
    let components = list(u, 2, |u| {
        Ok(WriterComponents {
            instance_id: guid(u)?,
            writer_id: guid(u)?,
            components: list(u, 2, |u| {
                Ok(SelectedComponent {
                    component_type: *u.choose(ComponentType::ALL)?,
                    logical_path: u.arbitrary()?,
                    component_name: u.arbitrary()?,
                    backup_succeeded: u.arbitrary()?,
                })
            })?,
        })
    })?;
    Ok(BackupComponentsDocument {
        context,
        backup_state,
        writers,
        components,
        snapshot_set,
    })
}

/// One shadow copy of a built document.
fn build_snapshot(u: &mut Unstructured<'_>) -> ArbitraryResult<SnapshotDescription> {
    Ok(SnapshotDescription {
        snapshot_id: guid(u)?,
        provider_id: guid(u)?,
        original_volume_name: u.arbitrary()?,
        originating_machine: u.arbitrary()?,
        service_machine: u.arbitrary()?,
        snapshot_device_object: u.arbitrary()?,
        snapshot_attributes: SnapshotAttributes::from_bits_retain(u.arbitrary()?),
        creation_timestamp: VssTimestamp(u.arbitrary()?),
        lun_mapping: if u.arbitrary()? {
            let luns = list(u, 2, |u| {
                Ok(LunPair {
                    original: build_lun(u)?,
                    shadow: build_lun(u)?,
                })
            })?;
            // One past the last pair is allowed, to check that such a document is refused.
            let pairs = luns.len() as u32;
            let extents = list(u, 2, |u| {
                Ok(DiskExtent {
                    lun: u.int_in_range(0..=pairs)?,
                    offset: u.arbitrary()?,
                    length: u.arbitrary()?,
                })
            })?;
            Some(LunMapping { luns, extents })
        } else {
            None
        },
    })
}

/// One `VDS_LUN_INFORMATION` of a built document.
fn build_lun(u: &mut Unstructured<'_>) -> ArbitraryResult<VdsLunInformation> {
    Ok(VdsLunInformation {
        version: u.arbitrary()?,
        device_type: u.arbitrary()?,
        device_type_modifier: u.arbitrary()?,
        command_queueing: u.arbitrary()?,
        bus_type: *u.choose(BusType::ALL)?,
        vendor_id: u.arbitrary()?,
        product_id: u.arbitrary()?,
        product_revision: u.arbitrary()?,
        serial_number: u.arbitrary()?,
        disk_signature: guid(u)?,
        identifiers: list(u, 2, |u| {
            Ok(StorageIdentifier {
                code_set: *u.choose(IdentifierCodeSet::ALL)?,
                id_type: *u.choose(IdentifierType::ALL)?,
                identifier: u.arbitrary()?,
            })
        })?,
        interconnects: list(u, 2, |u| {
            Ok(Interconnect {
                address_type: *u.choose(InterconnectAddressType::ALL)?,
                port: u.arbitrary()?,
                address: u.arbitrary()?,
            })
        })?,
    })
}

/// Any GUID.
fn guid(u: &mut Unstructured<'_>) -> ArbitraryResult<VssId> {
    Ok(VssId::from_u128(u.arbitrary()?))
}

/// Up to `most` items.
fn list<T>(
    u: &mut Unstructured<'_>,
    most: usize,
    mut item: impl FnMut(&mut Unstructured<'_>) -> ArbitraryResult<T>,
) -> ArbitraryResult<Vec<T>> {
    let count = u.int_in_range(0..=most)?;
    (0..count).map(|_| item(u)).collect()
}

/// The longest DiskShadow script [`diskshadow_script`] runs, in bytes: the corpus's longest
/// is under 1 KiB, and a line's cost is bounded by the world's size.
pub const MAX_SCRIPT_BYTES: usize = 8 * 1024;

/// What [`diskshadow_script`] did with one input.
#[derive(Debug, Clone, PartialEq)]
pub enum DiskShadowVerdict {
    /// Over [`MAX_SCRIPT_BYTES`]: not run.
    OverLimit,
    /// A script that names a metadata file: not run, since `set metadata` and `load
    /// metadata` take any path, and a fuzzer must not write or read files outside its folder.
    NamesAFile,
    /// Not a script's text (neither UTF-8 nor UTF-16 with its byte-order mark).
    NotText(String),
    /// Run on a fresh simulator of the default world; how it ended.
    Ran(vss_diskshadow::ScriptEnd),
    /// A metadata cabinet (the input starts with `MSCF`), read: whether it was DiskShadow
    /// metadata.
    Metadata(bool),
}

/// The `diskshadow_script` target: a DiskShadow script run on HOSTA of the default world, or,
/// when the input starts with `MSCF` (a cabinet's signature), a metadata file read as `load
/// metadata` reads it.
///
/// Properties: nothing panics; a script that is not text is refused with a message naming a
/// line; the same script run twice on fresh simulators prints the same bytes and ends the
/// same way.
pub fn diskshadow_script(data: &[u8]) -> DiskShadowVerdict {
    use vss_diskshadow::{self as diskshadow, Session, metadata};

    let scratch = |run: &str| {
        let dir =
            std::env::temp_dir().join(format!("vss-fuzz-diskshadow-{}-{run}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    };
    if data.starts_with(b"MSCF") {
        let dir = scratch("cab");
        let file = dir.join("input.cab");
        std::fs::write(&file, data).expect("the input written");
        let read = metadata::read(&file);
        let _ = std::fs::remove_dir_all(&dir);
        return DiskShadowVerdict::Metadata(read.is_ok());
    }
    if data.len() > MAX_SCRIPT_BYTES {
        return DiskShadowVerdict::OverLimit;
    }
    let text = match diskshadow::script_text(data) {
        Ok(text) => text,
        Err(message) => {
            assert!(
                message.starts_with("line ") || message.starts_with("the UTF-16"),
                "a refusal that names no line: {message}"
            );
            return DiskShadowVerdict::NotText(message);
        }
    };
    if text.to_ascii_lowercase().contains("metadata") {
        return DiskShadowVerdict::NamesAFile;
    }
    let run = |name: &str| {
        let dir = scratch(name);
        let sim = Simulator::default_world();
        let mut session = Session::new(&sim, "HOSTA", vec!["E:".into(), "x".into()], &dir);
        let end = diskshadow::run_script(&mut session, &text);
        let out = session.end();
        let _ = std::fs::remove_dir_all(&dir);
        (out, end)
    };
    let (first, end) = run("first");
    let (second, again) = run("second");
    assert_eq!(first, second, "the same script printed other bytes");
    assert_eq!(end, again, "the same script ended another way");
    DiskShadowVerdict::Ran(end)
}
