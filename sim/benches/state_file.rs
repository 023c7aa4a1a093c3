//! What a run costs on a state file as its history grows: the same run (a persistent shadow
//! copy of `E:\` made and deleted) as the first on a new state file, and as the 300th on a
//! state file that holds 299 runs already, next to the second, the first to load a
//! checkpoint. Each is what `vss-sim run --state` does: take the
//! lock, load the state, build its simulator, run the scenario and save. Loading builds the
//! world from the checkpoint and saving appends the one run to the audit log, so the two
//! should cost the same. Run with `cargo bench -p vss-sim --bench state_file`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use vss_sim::runner::RunEnd;
use vss_sim::state::{StateFile, StateLock};

/// The run: a write, a persistent copy of `E:\` (a LUN: the hardware provider), a write
/// after it, and the copy deleted.
const CREATE_AND_DELETE: &str = r"
steps:
  - { env: write, volume: 'E:\', block: 1, data: monday }
  - { call: InitializeForBackup }
  - { call: SetContext, context: VSS_CTX_APP_ROLLBACK, expect: S_OK }
  - { call: GatherWriterMetadata, expect: S_OK }
  - { call: StartSnapshotSet, bind: set, expect: S_OK }
  - { call: AddToSnapshotSet, volume: 'E:\', expect: S_OK }
  - { call: SetBackupState, expect: S_OK }
  - { call: PrepareForBackup, expect: S_OK }
  - { call: DoSnapshotSet, expect: S_OK }
  - { env: write, volume: 'E:\', block: 1, data: tuesday }
  - { call: DeleteSnapshots, set: $set, expect: S_OK, expect_deleted: 1 }
";

/// One run on the state file at `path`, as `vss-sim run --state` makes it.
fn one_run(path: &Path) {
    let _lock = StateLock::take(path).expect("locked");
    let mut state = StateFile::load_or_new(path, None).expect("loads");
    let sim = state.simulator().expect("builds");
    let scenario = state
        .parse_scenario(CREATE_AND_DELETE, "create-and-delete.yaml")
        .expect("parses");
    let report = state.run_scenario(&sim, &scenario, "create-and-delete.yaml", false);
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    state.save().expect("saved");
}

/// A fresh folder under the bench's scratch folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir()
        .join(format!("vss-sim-bench-state-{}", std::process::id()))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    dir
}

/// Copies the files of folder `from` into a new folder `to`, flushed to the disk, so that
/// the run measured after flushes only what it writes itself.
fn copy_folder(from: &Path, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("listed") {
        let entry = entry.expect("an entry");
        let copy = to.join(entry.file_name());
        std::fs::copy(entry.path(), &copy).expect("copied");
        std::fs::File::open(&copy)
            .and_then(|file| file.sync_all())
            .expect("flushed");
    }
    std::fs::File::open(to)
        .and_then(|folder| folder.sync_all())
        .expect("flushed");
}

fn run_cost_by_history(c: &mut Criterion) {
    // Run 2 is the first to load a checkpoint (run 1 builds its world from the world file):
    // the one to compare run 300 with for what history adds.
    let one = scratch("one");
    one_run(&one.join("s.json"));
    let history = scratch("history");
    for _ in 0..299 {
        one_run(&history.join("s.json"));
    }
    let mut group = c.benchmark_group("state_file_run");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    let fresh = scratch("fresh");
    group.bench_function("run 1", |b| {
        b.iter_batched(
            || copy_folder(&scratch("empty"), &fresh),
            |()| one_run(&fresh.join("s.json")),
            BatchSize::PerIteration,
        );
    });
    let second = scratch("second");
    group.bench_function("run 2", |b| {
        b.iter_batched(
            || copy_folder(&one, &second),
            |()| one_run(&second.join("s.json")),
            BatchSize::PerIteration,
        );
    });
    let later = scratch("later");
    group.bench_function("run 300", |b| {
        b.iter_batched(
            || copy_folder(&history, &later),
            |()| one_run(&later.join("s.json")),
            BatchSize::PerIteration,
        );
    });
    group.finish();
    let _ = std::fs::remove_dir_all(history.parent().expect("the scratch folder"));
}

criterion_group!(benches, run_cost_by_history);
criterion_main!(benches);
