//! The conformance material of the simulator: the scenario corpus under `tests/scenarios`,
//! the runnable examples under `examples/`, and what the tests share: the backend
//! `VSS_BACKEND` selects ([`backends`]), scenarios written in Rust for any backend
//! ([`scenarios`]), and the ledger of known divergences ([`divergences`]).

use std::path::{Path, PathBuf};

pub mod backends;
pub mod divergences;
pub mod fuzz_bodies;
pub mod model_check;
pub mod recorder;
pub mod scenarios;

/// The README's library example, compiled and run as a doctest. It lives in this crate,
/// which is never published, because the README is the repository's, not a crate's.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives one folder below the root")
        .to_path_buf()
}

/// Every scenario file (`.json`, `.yaml`, `.yml`) directly in a folder of the repository,
/// sorted by name.
pub fn scenario_files(folder: &str) -> Vec<PathBuf> {
    let dir = repo_root().join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"))
        })
        .collect();
    files.sort();
    files
}

/// A scenario's name in test output and in the ledger of known divergences: its path from the
/// repository root, with forward slashes (`tests/scenarios/s01-start-snapshot-set-in-progress.yaml`).
pub fn scenario_name(path: &Path) -> String {
    let relative = path.strip_prefix(repo_root()).unwrap_or(path);
    relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
