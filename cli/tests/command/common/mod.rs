//! What the tests of the `vss-sim` binary share: where the repository is, and running the
//! binary.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root, where the examples and the scenario corpus are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the crate lives one folder below the root")
        .to_path_buf()
}

/// Runs the binary in `dir` (where a DiskShadow script writes its metadata files, and
/// relative paths start): exit code, standard output, standard error. The binary never
/// panics, whatever it is given.
pub fn vss_sim_in(dir: &Path, args: &[impl AsRef<OsStr>]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    (out.status.code().expect("an exit code"), stdout, stderr)
}
