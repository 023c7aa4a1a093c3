//! What the simulator's work costs as a world ages, and what a fresh cycle costs.
//!
//! - `cycle/*`: one cycle of each kind, measured after 100 and after 10,000 earlier cycles
//!   of the same kind in the same simulator, its trace turned off
//!   (`Simulator::set_tracing(false)`), as a program that runs one for ever and never reads
//!   the trace would. A world that runs forever must cost the same at cycle 10,000 as at
//!   cycle 100. `cycle_traced/*`: the same with the trace on, as a simulator is made, which
//!   keeps the last events. The cycles: a persistent software shadow copy of C:
//!   created and deleted; a non-transportable hardware shadow copy of E: created and broken;
//!   a transportable set of E: created on HOSTA, saved, imported on HOSTB and broken
//!   read-write with `BreakSnapshotSetEx`.
//! - `scenario/*`: a scenario of N hardware create+break cycles and N software
//!   create+delete cycles, run whole from a fresh default world, for N and 4N: linear
//!   costs give 4×.
//! - `create/*`: `AddToSnapshotSet` and `DoSnapshotSet` of one copy of a volume that already
//!   has 1 or 511 shadow copies, with the system provider and with the hardware provider.
//! - `create_volumes/*`: a set of 1, 8 or 32 volumes created.
//! - `default_world`: a simulator of the embedded default world.
//!
//! Run with `cargo bench -p vss-sim --bench cycles`; `docs/performance.md` gives the figures.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, SamplingMode, criterion_group, criterion_main};
use serde_json::json;
use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
use vss_model::{Context, HResult, HardwareOptions, ObjectType, SnapshotAttributes, VssId};
use vss_sim::runner::{RunEnd, Scenario, run_scenario};
use vss_sim::{SimComponents, Simulator, world_file};

/// A requester object of `machine`, initialized for a backup in `context`.
fn requester(sim: &Simulator, machine: &str, context: Context) -> SimComponents {
    let mut r = sim.create_backup_components(machine).unwrap();
    r.initialize_for_backup(None).unwrap();
    r.set_context(context).unwrap();
    r
}

/// Creates a set of `volumes` with `r` and returns the set's id.
fn create(r: &mut SimComponents, volumes: &[&str]) -> VssId {
    let set = r.start_snapshot_set().unwrap();
    for volume in volumes {
        r.add_to_snapshot_set(volume, VssId::NULL).unwrap();
    }
    let mut op = r.do_snapshot_set().unwrap();
    assert_eq!(op.wait(INFINITE), HResult::S_OK);
    set
}

fn transportable() -> Context {
    Context(
        Context::VSS_CTX_NAS_ROLLBACK.0
            | SnapshotAttributes::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32,
    )
}

/// A persistent software shadow copy of HOSTA's C: created and deleted.
fn software_cycle(sim: &Simulator) {
    let mut r = requester(sim, "HOSTA", Context::VSS_CTX_NAS_ROLLBACK);
    let set = create(&mut r, &["C:\\"]);
    let deleted = r
        .delete_snapshots(set, ObjectType::VSS_OBJECT_SNAPSHOT_SET, true)
        .unwrap();
    black_box(deleted);
}

/// A persistent, non-transportable hardware shadow copy of HOSTA's E: created and broken.
fn hardware_cycle(sim: &Simulator) {
    let mut r = requester(sim, "HOSTA", Context::VSS_CTX_NAS_ROLLBACK);
    let set = create(&mut r, &["E:\\"]);
    r.break_snapshot_set(set).unwrap();
}

/// A transportable set of HOSTA's E: created, saved, imported on HOSTB and broken there
/// read-write.
fn transportable_cycle(sim: &Simulator) {
    let mut a = requester(sim, "HOSTA", transportable());
    let set = create(&mut a, &["E:\\"]);
    let xml = a.save_as_xml().unwrap();
    drop(a);
    let mut b = sim.create_backup_components("HOSTB").unwrap();
    b.initialize_for_backup(Some(&xml)).unwrap();
    let mut import = b.import_snapshots().unwrap();
    assert_eq!(import.wait(INFINITE), HResult::S_OK);
    let mut op = b
        .break_snapshot_set_ex(set, HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE)
        .unwrap();
    assert_eq!(op.wait(INFINITE), HResult::S_OK);
}

/// One cycle of work on a simulator.
type Cycle = fn(&Simulator);

/// A simulator that has run `history` cycles, kept while the measured cycles add no more
/// than a tenth to its age, then built again: each measured cycle runs at an age between
/// `history` and `history * 1.1`.
struct Aged {
    cycle: Cycle,
    traced: bool,
    history: u64,
    sim: Option<Simulator>,
    since_built: u64,
}

impl Aged {
    fn new(cycle: Cycle, traced: bool, history: u64) -> Aged {
        Aged {
            cycle,
            traced,
            history,
            sim: None,
            since_built: 0,
        }
    }

    fn measure(&mut self, iters: u64) -> Duration {
        let window = (self.history / 10).max(10);
        let mut spent = Duration::ZERO;
        for _ in 0..iters {
            if self.sim.is_none() || self.since_built >= window {
                let sim = Simulator::default_world();
                sim.set_tracing(self.traced);
                for _ in 0..self.history {
                    (self.cycle)(&sim);
                }
                self.sim = Some(sim);
                self.since_built = 0;
            }
            let sim = self.sim.as_ref().expect("built above");
            let start = Instant::now();
            (self.cycle)(sim);
            spent += start.elapsed();
            self.since_built += 1;
        }
        spent
    }
}

fn cycles(c: &mut Criterion) {
    let kinds: [(&str, Cycle); 3] = [
        ("software_create_delete", software_cycle),
        ("hardware_create_break", hardware_cycle),
        ("transportable_create_import_break", transportable_cycle),
    ];
    for ((name, cycle), traced) in kinds
        .iter()
        .flat_map(|kind| [(*kind, false), (*kind, true)])
    {
        let prefix = if traced { "cycle_traced" } else { "cycle" };
        let mut group = c.benchmark_group(format!("{prefix}/{name}"));
        group
            .sampling_mode(SamplingMode::Flat)
            .sample_size(10)
            .warm_up_time(Duration::from_millis(10))
            .measurement_time(Duration::from_millis(20));
        for history in [100, 10_000] {
            let mut aged = Aged::new(cycle, traced, history);
            group.bench_function(BenchmarkId::from_parameter(history), |b| {
                b.iter_custom(|iters| aged.measure(iters))
            });
        }
        group.finish();
    }
}

/// A scenario of `n` hardware create+break cycles of E: and `n` software create+delete
/// cycles of C:, each with an object of its own, released at its end. JSON, since a YAML
/// text this long is beyond what the scenario reader takes.
fn scenario_text(n: usize) -> String {
    let mut steps = Vec::new();
    for i in 0..n {
        for (kind, volume) in [("h", "E:\\"), ("s", "C:\\")] {
            let r = format!("{kind}{i}");
            let set = format!("set_{r}");
            steps.extend([
                json!({ "as": r, "call": "InitializeForBackup", "expect": "S_OK" }),
                json!({ "as": r, "call": "SetContext", "context": "VSS_CTX_NAS_ROLLBACK", "expect": "S_OK" }),
                json!({ "as": r, "call": "StartSnapshotSet", "bind": set, "expect": "S_OK" }),
                json!({ "as": r, "call": "AddToSnapshotSet", "volume": volume, "expect": "S_OK" }),
                json!({ "as": r, "call": "DoSnapshotSet", "expect": "S_OK" }),
            ]);
            steps.push(match kind {
                "h" => json!({ "as": r, "call": "BreakSnapshotSet", "set": format!("${set}"), "expect": "S_OK" }),
                _ => json!({ "as": r, "call": "DeleteSnapshots", "set": format!("${set}"), "expect": "S_OK", "expect_deleted": 1 }),
            });
            steps.push(json!({ "env": "release", "as": r }));
        }
    }
    json!({ "steps": steps }).to_string()
}

fn scenario(c: &mut Criterion) {
    let mut group = c.benchmark_group("scenario");
    group.sample_size(10);
    for n in [800, 3_200] {
        // Set up inside the closure, which runs only when the benchmark is selected.
        group.bench_function(BenchmarkId::from_parameter(n), |b| {
            let scenario = Scenario::parse(&scenario_text(n), "cycles.json").unwrap();
            b.iter(|| {
                let sim = Simulator::default_world();
                let report = run_scenario(&scenario, &sim, None);
                assert!(
                    matches!(report.outcome, RunEnd::Passed),
                    "{}",
                    report.output
                );
            })
        });
    }
    group.finish();
}

/// A world with one machine whose 32 local volumes `V01:`… and one array volume `E:` are
/// shadowed by the system provider and the hardware provider.
const MANY_VOLUMES: &str = "
san:
  luns: [ { name: LUN-E, size: 64 TiB, visible_to: [HOSTA] } ]
machines:
  - name: HOSTA
    providers: [system, hardware]
    max_shadow_copies: 512
    volumes:
      - { mount: 'E:\\', luns: [LUN-E] }
";

fn many_volumes_world() -> Simulator {
    let mut text = MANY_VOLUMES.to_string();
    for v in 0..32 {
        text += &format!(
            "      - {{ mount: 'C:\\mnt\\v{v:02}\\', size: 1 TiB, diff_area: {{ min: 0 }} }}\n"
        );
    }
    Simulator::new(&world_file::parse(&text, "bench.yaml").unwrap()).unwrap()
}

/// The time `iters` creations of a set of `volumes` take; each set is deleted after, out of
/// the time, so that every creation finds the volumes as the first did. The trace is taken
/// before each, as a front end takes it after each step.
fn time_creations(sim: &Simulator, volumes: &[&str], iters: u64) -> Duration {
    let mut spent = Duration::ZERO;
    for _ in 0..iters {
        sim.take_trace();
        let mut r = requester(sim, "HOSTA", Context::VSS_CTX_NAS_ROLLBACK);
        let start = Instant::now();
        r.start_snapshot_set().unwrap();
        let copies: Vec<VssId> = (volumes.iter())
            .map(|volume| r.add_to_snapshot_set(volume, VssId::NULL).unwrap())
            .collect();
        let mut op = r.do_snapshot_set().unwrap();
        assert_eq!(op.wait(INFINITE), HResult::S_OK);
        spent += start.elapsed();
        // Each copy by its id, which finds it without listing the volume's others.
        for copy in copies {
            r.delete_snapshots(copy, ObjectType::VSS_OBJECT_SNAPSHOT, true)
                .unwrap();
        }
    }
    spent
}

/// Creating one more shadow copy of a volume that has 1 or 511 already.
fn create_with_existing(c: &mut Criterion) {
    for (name, volume) in [
        ("create/system", "C:\\mnt\\v00\\"),
        ("create/hardware", "E:\\"),
    ] {
        let mut group = c.benchmark_group(name);
        group.sample_size(20);
        for existing in [1usize, 511] {
            group.bench_function(BenchmarkId::from_parameter(existing), |b| {
                let sim = many_volumes_world();
                let mut keep = Vec::new();
                for _ in 0..existing {
                    let mut r = requester(&sim, "HOSTA", Context::VSS_CTX_NAS_ROLLBACK);
                    create(&mut r, &[volume]);
                    keep.push(r);
                }
                b.iter_custom(|iters| time_creations(&sim, &[volume], iters))
            });
        }
        group.finish();
    }
}

/// Creating a set of 1, 8 or 32 local volumes.
fn create_volumes(c: &mut Criterion) {
    let mut group = c.benchmark_group("create_volumes");
    group.sample_size(20);
    let sim = many_volumes_world();
    let names: Vec<String> = (0..32).map(|v| format!("C:\\mnt\\v{v:02}\\")).collect();
    for count in [1usize, 8, 32] {
        let volumes: Vec<&str> = names[..count].iter().map(String::as_str).collect();
        group.bench_function(BenchmarkId::from_parameter(count), |b| {
            b.iter_custom(|iters| time_creations(&sim, &volumes, iters))
        });
    }
    group.finish();
}

fn default_world(c: &mut Criterion) {
    c.bench_function("default_world", |b| b.iter(Simulator::default_world));
}

criterion_group!(
    benches,
    default_world,
    cycles,
    create_with_existing,
    create_volumes,
    scenario
);
criterion_main!(benches);
