//! Recordings of the suite's runs: `VSS_RECORD`.
//!
//! The [`Recorder`] itself, a backend that writes what was called through it as a scenario
//! the simulator replays, is [`vss_sim::recorder`]. The suite records a run when the
//! environment variable [`VSS_RECORD`] names a folder:
//!
//! ```sh
//! VSS_BACKEND=windows VSS_RECORD=recordings cargo test -p vss-conformance -- --test-threads=1
//! ```
//!
//! Each scenario file the suite runs (`backends::run_file`) then goes through a
//! [`Recorder`], and its recording is written to the folder under the name [`recording_path`]
//! gives (a relative folder is taken from the directory the test
//! runs in, `tests/` under `cargo test`). Checked in, the recordings are replayed on the
//! simulator with `vss-sim run recordings/*.json`: each step expects what the real machine
//! answered, so a step that fails there is a place where the simulator and Windows differ.

use std::path::{Path, PathBuf};

use vss_model::backend::Backend;
use vss_sim::recorder::Recorder;
use vss_sim::runner::{Report, RunEnd, Scenario};

use crate::scenario_name;

/// The environment variable that names the folder the suite writes recordings to.
pub const VSS_RECORD: &str = "VSS_RECORD";

/// Writes what `recorder` recorded of a run of the scenario file `path` to `out`
/// (creating its folder), with the scenario's world. Only a scenario that ran to its end,
/// passed or failed, is written; a bad input or skipped one leaves no file.
pub fn write_recording<B: Backend>(
    recorder: &Recorder<B>,
    report: &Report,
    scenario: &Scenario,
    path: &Path,
    out: &Path,
) -> std::io::Result<()> {
    if !matches!(report.outcome, RunEnd::Passed | RunEnd::Failed(_)) {
        return Ok(());
    }
    let text = recorder.scenario_text(
        scenario.world_file(),
        scenario.requires,
        &scenario_name(path),
    );
    if let Some(folder) = out.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(out, text)
}

/// Where the recording of a scenario file made on a backend goes in the folder `dir`: the
/// file's folder and stem and the backend's name,
/// `DIR/scenarios-s01-start-snapshot-set-in-progress.windows.json`, so that the files of
/// `examples/` and `tests/scenarios/` and the recordings of several backends do not collide.
pub fn recording_path(dir: &Path, scenario: &Path, backend: &str) -> PathBuf {
    let stem = scenario
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let name = match scenario.parent().and_then(Path::file_name) {
        Some(folder) => format!("{}-{stem}", folder.to_string_lossy()),
        None => stem,
    };
    dir.join(format!("{name}.{backend}.json"))
}
