//! What a write to an original volume costs with 0, 1, 64 and 512 shadow copies of it: on
//! a local volume with the system provider's copies, and on an array LUN with the hardware
//! provider's differential clones.
//!
//! Each write goes to a block not written since the last shadow copy, so the old content is
//! preserved every time: the copy-on-write path. The cost should not grow with the number
//! of copies. Run with `cargo bench -p vss-sim`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use vss_model::backend::{Backend, BackupComponents, Environment, INFINITE, VssAsync};
use vss_model::{Context, VssId};
use vss_sim::world_file;
use vss_sim::{SimComponents, Simulator};

const WORLD: &str = "
machines:
  - name: HOSTA
    volumes:
      - { mount: 'E:\\', size: 64 TiB, diff_area: { min: 0 } }
";

const ARRAY_WORLD: &str = "
san:
  luns: [ { name: LUN-E, size: 64 TiB, visible_to: [HOSTA] } ]
machines:
  - name: HOSTA
    providers: [system, hardware]
    volumes:
      - { mount: 'C:\\', size: 1 GiB }
      - { mount: 'E:\\', luns: [LUN-E] }
";

/// A simulator of `world` whose E: has `copies` persistent shadow copies, and the objects
/// that made them.
fn world_with_copies(world: &str, copies: usize) -> (Simulator, Vec<SimComponents>) {
    let sim = Simulator::new(&world_file::parse(world, "bench.yaml").unwrap()).unwrap();
    let mut creators = Vec::new();
    for _ in 0..copies {
        let mut r = sim.create_backup_components("HOSTA").unwrap();
        r.initialize_for_backup(None).unwrap();
        r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
        r.start_snapshot_set().unwrap();
        r.add_to_snapshot_set("E:\\", VssId::NULL).unwrap();
        r.do_snapshot_set().unwrap().wait(INFINITE);
        creators.push(r);
    }
    (sim, creators)
}

fn write_cost(c: &mut Criterion) {
    for (name, world) in [("write_block", WORLD), ("write_block_array", ARRAY_WORLD)] {
        write_cost_in(c, name, world);
    }
}

fn write_cost_in(c: &mut Criterion, name: &str, world: &str) {
    let mut group = c.benchmark_group(name);
    for copies in [0, 1, 64, 512] {
        let (sim, _creators) = world_with_copies(world, copies);
        let mut block = 0u64;
        group.bench_with_input(BenchmarkId::from_parameter(copies), &copies, |b, _| {
            b.iter(|| {
                block += 1;
                sim.write_block("HOSTA", "E:\\", black_box(block), b"new content")
                    .unwrap();
            })
        });
    }
    group.finish();
}

criterion_group!(benches, write_cost);
criterion_main!(benches);
