//! What `--state` adds to a DiskShadow script: 2,000 lines of `list shadows all`, run by
//! the `vss-sim` binary without a state file and with a new one. Listing changes nothing, so
//! the run is saved once, at its end. Run with `cargo bench -p vss-sim-cli`.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

/// A folder holding the script, for one bench process.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vss-sim-bench-diskshadow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a folder");
    std::fs::write(dir.join("list.dsh"), "list shadows all\n".repeat(2_000)).expect("written");
    dir
}

/// Runs `vss-sim diskshadow` with `args` in `dir`; it must succeed.
fn diskshadow(dir: &PathBuf, args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .arg("diskshadow")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn list_script(c: &mut Criterion) {
    let dir = scratch();
    let mut group = c.benchmark_group("diskshadow_2000_lists");
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
    group.bench_function("without --state", |b| {
        b.iter(|| diskshadow(&dir, &["-s", "list.dsh"]));
    });
    group.bench_function("with --state", |b| {
        b.iter_batched(
            || {
                for name in ["s.json", "s.json.log", "s.json.lock"] {
                    let _ = std::fs::remove_file(dir.join(name));
                }
            },
            |()| diskshadow(&dir, &["--state", "s.json", "-s", "list.dsh"]),
            BatchSize::PerIteration,
        );
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, list_script);
criterion_main!(benches);
