//! Every fuzz target's body (`vss_conformance::fuzz_bodies`) over every file of the target's
//! checked-in seed corpus, `fuzz/seeds/<target>/`: what the fuzzer starts from runs on every
//! `cargo test`, on stable, without cargo-fuzz.
//!
//! Seed names say where a seed came from, and so what it must do: `example-*` and
//! `scenario-*` are copies of `examples/` and `tests/scenarios/` and must pass, `bad-input-*`
//! are copies of `tests/bad-input/` and must be refused, `saved-*` are documents the
//! simulator saves and must read; `random-*` are byte strings that decode into call
//! sequences; `crash-*` are inputs a fuzzer once crashed on, and need only
//! not crash again.

use std::path::PathBuf;

use vss_conformance::fuzz_bodies::{
    ScenarioVerdict, backup_document, call_sequence, scenario_file,
};
use vss_conformance::repo_root;
use vss_model::backend::{Backend, BackupComponents, BackupStateArgs, INFINITE, VssAsync};
use vss_model::{Context, HResult, SnapshotAttributes, VssId};
use vss_sim::Simulator;
use vss_sim::runner::RunEnd;
use vss_sim::world_file;

/// The seed folder of a target.
fn seed_dir(target: &str) -> PathBuf {
    repo_root().join("fuzz/seeds").join(target)
}

/// Every seed of a target, with its file name, sorted by name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = seed_dir(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a readable folder entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .expect("seed names are UTF-8")
                .to_string();
            let data = std::fs::read(&path).expect("a readable seed");
            (name, data)
        })
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "{} holds no seed", dir.display());
    seeds
}

#[test]
fn scenario_file_seeds() {
    for (name, data) in seeds("scenario_file") {
        let verdict = scenario_file(&data);
        match &verdict {
            ScenarioVerdict::OverLimit => {
                panic!("{name} is over the body's limits, so it tests nothing")
            }
            ScenarioVerdict::WorldFile => {
                panic!("{name} names a world file, which the body does not read: inline the world")
            }
            _ if name.starts_with("example-") || name.starts_with("scenario-") => assert_eq!(
                verdict,
                ScenarioVerdict::Ran(RunEnd::Passed),
                "{name} no longer passes"
            ),
            ScenarioVerdict::Refused(_) | ScenarioVerdict::Ran(RunEnd::BadInput(_))
                if name.starts_with("bad-input-") => {}
            _ if name.starts_with("bad-input-") => {
                panic!("{name} is no longer bad input: {verdict:?}")
            }
            _ => {}
        }
    }
}

#[test]
fn call_sequence_seeds() {
    for (name, data) in seeds("call_sequence") {
        // A seed of a handful of steps would test next to nothing.
        let steps = call_sequence(&data);
        assert!(steps >= 20, "{name} runs only {steps} steps");
    }
}

#[test]
fn backup_document_seeds() {
    for (name, data) in seeds("backup_document") {
        let parsed = backup_document(&data);
        if name.starts_with("saved-") {
            assert!(parsed, "{name} is no longer a document");
        }
    }
}

/// The seeds `saved-*` of `backup_document` are what `SaveAsXML` writes at the points of a
/// backup that give its document different parts. When the document's form changes, this
/// test fails; `FUZZ_SEEDS_UPDATE=1 cargo test -p vss-conformance --test suite fuzz_seeds::` writes
/// them anew.
#[test]
fn document_seeds_are_what_the_simulator_saves() {
    let update = std::env::var_os("FUZZ_SEEDS_UPDATE").is_some();
    let dir = seed_dir("backup_document");
    for (name, xml) in saved_documents() {
        let path = dir.join(format!("saved-{name}.xml"));
        if update {
            std::fs::write(&path, &xml).expect("the seed folder is writable");
        } else {
            let seed = std::fs::read_to_string(&path).unwrap_or_default();
            assert!(
                seed == xml,
                "{} is not what the simulator saves; FUZZ_SEEDS_UPDATE=1 writes it anew",
                path.display()
            );
        }
    }
}

/// The documents the seeds hold, by name.
fn saved_documents() -> Vec<(&'static str, String)> {
    let transportable = |base: Context| {
        Context(base.0 | SnapshotAttributes::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32)
    };
    vec![
        (
            "initialized",
            save(&Simulator::default_world(), None, &[], false),
        ),
        (
            "writers-and-state",
            save_before_set(&Simulator::default_world(), Context::VSS_CTX_BACKUP),
        ),
        (
            "set-not-created",
            save(
                &Simulator::default_world(),
                Some(Context::VSS_CTX_BACKUP),
                &["C:\\", "E:\\"],
                false,
            ),
        ),
        (
            "software-set",
            save(
                &Simulator::default_world(),
                Some(Context::VSS_CTX_BACKUP),
                &["C:\\"],
                true,
            ),
        ),
        (
            "transportable-one-lun",
            save(
                &Simulator::default_world(),
                Some(transportable(Context::VSS_CTX_NAS_ROLLBACK)),
                &["E:\\"],
                true,
            ),
        ),
        (
            "transportable-three-luns",
            save(
                &Simulator::default_world(),
                Some(transportable(Context::VSS_CTX_APP_ROLLBACK)),
                &["E:\\", "G:\\"],
                true,
            ),
        ),
        (
            "odd-writer-names",
            save_before_set(&odd_writer_world(), Context::VSS_CTX_BACKUP),
        ),
    ]
}

/// A world whose writers' names hold what the document must escape: markup, quotes,
/// control characters, U+0000 and text beyond ASCII.
fn odd_writer_world() -> Simulator {
    let world = world_file::parse(
        r#"
machines:
  - name: HOSTA
    volumes: [{ mount: 'C:\', size: 1 GiB }]
    writers:
      - { name: "A & B <\"quoted\"> 'single'", id: "{11111111-1111-1111-1111-111111111111}" }
      - { name: "tab\tline\nreturn\r nul\0 bell\a del\x7F c1\x85", id: "{22222222-2222-2222-2222-222222222222}" }
      - { name: "Écrivain 書き手 \u2028 \uFFFD", id: "{33333333-3333-3333-3333-333333333333}" }
      - { name: "", id: "{44444444-4444-4444-4444-444444444444}" }
"#,
        "odd-writers.yaml",
    )
    .expect("the world parses");
    Simulator::new(&world).expect("the world builds")
}

/// Waits for an operation and checks that it succeeded.
fn finish(operation: Result<impl VssAsync, HResult>) {
    let mut operation = operation.expect("the call starts");
    assert_eq!(operation.wait(INFINITE), HResult::S_OK);
    assert_eq!(
        operation.query_status(),
        Ok(HResult::VSS_S_ASYNC_FINISHED),
        "the operation succeeds"
    );
}

/// The document after the writers' metadata and the backup state, before any set.
fn save_before_set(sim: &Simulator, context: Context) -> String {
    let machine = &sim.machines()[0];
    let mut r = sim.create_backup_components(machine).expect("an object");
    r.initialize_for_backup(None).expect("initialized");
    r.set_context(context).expect("context set");
    finish(r.gather_writer_metadata());
    r.set_backup_state(BackupStateArgs::default())
        .expect("backup state set");
    r.save_as_xml().expect("saved")
}

/// The document of a set of `volumes` on the first machine, created or not; with no
/// context, the document of an object that was only initialized.
fn save(sim: &Simulator, context: Option<Context>, volumes: &[&str], create: bool) -> String {
    let machine = &sim.machines()[0];
    let mut r = sim.create_backup_components(machine).expect("an object");
    r.initialize_for_backup(None).expect("initialized");
    if let Some(context) = context {
        r.set_context(context).expect("context set");
        finish(r.gather_writer_metadata());
        r.start_snapshot_set().expect("set started");
        for volume in volumes {
            r.add_to_snapshot_set(volume, VssId::NULL)
                .expect("volume added");
        }
        r.set_backup_state(BackupStateArgs::default())
            .expect("backup state set");
        // Writer-less contexts skip PrepareForBackup, as VSS refuses it there.
        if create && context.has_writers() {
            finish(r.prepare_for_backup());
        }
        if create {
            finish(r.do_snapshot_set());
        }
    }
    r.save_as_xml().expect("saved")
}

#[test]
fn diskshadow_script_seeds() {
    use vss_conformance::fuzz_bodies::{DiskShadowVerdict, diskshadow_script};
    use vss_diskshadow::ScriptEnd;

    let mut verdicts = Vec::new();
    for (name, data) in seeds("diskshadow_script") {
        let verdict = diskshadow_script(&data);
        match name.as_str() {
            "metadata-transport" => assert_eq!(verdict, DiskShadowVerdict::Metadata(true)),
            "metadata-truncated" => assert_eq!(verdict, DiskShadowVerdict::Metadata(false)),
            // Windows-1252 (`ÿ` in an alias): read, and the script runs until `create`
            // finds no volume.
            "ansi-code-page" => assert!(
                matches!(
                    verdict,
                    DiskShadowVerdict::Ran(ScriptEnd::Failed { line: 2, .. })
                ),
                "{verdict:?}"
            ),
            "utf16-without-bom" => assert!(
                matches!(verdict, DiskShadowVerdict::NotText(_)),
                "{verdict:?}"
            ),
            "utf16-with-bom" | "cr-only" | "corpus-break-writable" => {
                assert_eq!(
                    verdict,
                    DiskShadowVerdict::Ran(ScriptEnd::Completed),
                    "{name}"
                )
            }
            _ => {}
        }
        verdicts.push(verdict);
    }
    assert!(verdicts.contains(&DiskShadowVerdict::NamesAFile));
}
