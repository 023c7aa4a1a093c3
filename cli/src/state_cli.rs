//! `vss-sim run --state FILE [--world WORLD] SCENARIO...`: scenarios run one after the other
//! in a world kept in a state file ([`vss_sim::state`]), so that a later process finds the
//! shadow copies, LUNs and data an earlier one left.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vss_sim::runner::{RunEnd, read_file};
use vss_sim::state::{StateFile, StateLock};
use vss_sim::world_file;

use crate::exit::{BAD_INPUT, bad_input, say, say_part};

/// Runs the scenario files in the state at `state`, saving it after each one that ran to its
/// end (passed or failed: either changed the world). Exits 0, 1 or 2 as `run` does; a state
/// file that cannot be read, replayed or saved, and a `world` that cannot be used, are bad
/// input too.
pub fn run(state: &Path, world: Option<&Path>, files: &[PathBuf], trace: bool) -> ExitCode {
    let world = match world.map(world_file::read).transpose() {
        Ok(world) => world,
        Err(e) => return bad_input(e),
    };
    // Held from before the load to after the last save, so that no other run saves over it.
    let _lock = match StateLock::take(state) {
        Ok(lock) => lock,
        Err(e) => return bad_input(e),
    };
    let mut kept = match StateFile::load_or_new(state, world) {
        Ok(kept) => kept,
        Err(e) => return bad_input(e),
    };
    let mut sim = match kept.simulator() {
        Ok(sim) => sim,
        Err(e) => return bad_input(e),
    };
    let mut worst = 0;
    for path in files {
        say!("== {}", path.display());
        let shown = path.display().to_string();
        let scenario = read_file(path).and_then(|(text, shown)| kept.parse_scenario(&text, &shown));
        let scenario = match scenario {
            Ok(scenario) => scenario,
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(BAD_INPUT);
                continue;
            }
        };
        let report = kept.run_scenario(&sim, &scenario, &shown, trace);
        say_part!("{}", report.output);
        match &report.outcome {
            RunEnd::Passed | RunEnd::Failed(_) => {
                if let Err(e) = kept.save(state) {
                    return bad_input(e);
                }
            }
            outcome => {
                if let RunEnd::BadInput(e) = outcome {
                    eprintln!("error: {e}");
                }
                // The steps before the bad one may have changed the simulator, and the
                // state did not keep them: the next scenario starts from the state.
                sim = match kept.simulator() {
                    Ok(sim) => sim,
                    Err(e) => return bad_input(e),
                };
            }
        }
        worst = worst.max(report.outcome.exit_code() as u8);
    }
    ExitCode::from(worst)
}
