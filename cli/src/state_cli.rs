//! `vss-sim run --state FILE [--world WORLD] SCENARIO...`: scenarios run one after the other
//! in a world kept in a state file ([`vss_sim::state`]), so that a later process finds the
//! shadow copies, LUNs and data an earlier one left.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vss_sim::runner::{Outcome, Scenario};
use vss_sim::state::{State, StateLock};
use vss_sim::world_file::WorldFile;

/// Exit code for bad input, as `run` without a state gives it.
const BAD_INPUT: u8 = 2;

/// Runs the scenario files in the state at `state`, saving it after each one that ran to its
/// end (passed or failed: either changed the world). Exits 0, 1 or 2 as `run` does; a state
/// file that cannot be read, replayed or saved, and a `world` that cannot be used, are bad
/// input too.
pub fn run(state: &Path, world: Option<&Path>, files: &[PathBuf], trace: bool) -> ExitCode {
    let world = match world.map(read_world).transpose() {
        Ok(world) => world,
        Err(message) => return bad_input(&message),
    };
    // Held from before the load to after the last save, so that no other run saves over it.
    let _lock = match StateLock::take(state) {
        Ok(lock) => lock,
        Err(e) => return bad_input(&e.to_string()),
    };
    let mut kept = match State::load_or_new(state, world) {
        Ok(kept) => kept,
        Err(e) => return bad_input(&e.to_string()),
    };
    let mut sim = match kept.simulator() {
        Ok(sim) => sim,
        Err(e) => return bad_input(&e.to_string()),
    };
    let mut worst = 0;
    for path in files {
        println!("== {}", path.display());
        let shown = path.display().to_string();
        let scenario = std::fs::read_to_string(path)
            .map_err(|e| format!("{shown}: cannot read it: {e}"))
            .and_then(|text| Scenario::parse(&text, &shown).map_err(|e| e.to_string()));
        let scenario = match scenario {
            Ok(scenario) => scenario,
            Err(message) => {
                eprintln!("error: {message}");
                worst = worst.max(BAD_INPUT);
                continue;
            }
        };
        let report = kept.run_scenario(&sim, &scenario, &shown, trace);
        print!("{}", report.output);
        match &report.outcome {
            Outcome::Passed | Outcome::Failed(_) => {
                if let Err(e) = kept.save(state) {
                    return bad_input(&e.to_string());
                }
            }
            outcome => {
                if let Outcome::BadInput(e) = outcome {
                    eprintln!("error: {e}");
                }
                // The steps before the bad one may have changed the simulator, and the
                // state did not keep them: the next scenario starts from the state.
                sim = match kept.simulator() {
                    Ok(sim) => sim,
                    Err(e) => return bad_input(&e.to_string()),
                };
            }
        }
        worst = worst.max(report.outcome.exit_code() as u8);
    }
    ExitCode::from(worst)
}

/// The world file `--world` names, checked to build.
fn read_world(path: &Path) -> Result<WorldFile, String> {
    let shown = path.display().to_string();
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    let world = vss_sim::parse_world(&text, &shown).map_err(|e| format!("{shown}: {e}"))?;
    vss_sim::Simulator::new(&world).map_err(|e| format!("{shown}: the world: {e}"))?;
    Ok(world)
}

/// Reports bad input and gives its exit code.
fn bad_input(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(BAD_INPUT)
}
