//! Where a timeline's steps come from when they come from a scenario file: the file is run
//! on a simulator of its world, as `vss-sim run` runs it, and the world is captured after
//! each step.

use std::path::Path;

use vss_sim::world_state::WorldState;

use super::timeline::Timeline;
use vss_sim::Simulator;
use vss_sim::runner::{
    InputError, Observer, Problem, RunEnd, Scenario, StepDone, run_scenario_observed,
};

/// Reads a scenario file and runs it on a fresh simulator of its world, capturing the
/// LUNs and shadow copies after each step. Returns the timeline and how the run ended
/// ([`RunEnd::Passed`], or [`RunEnd::Failed`] when some expectation did not hold: the
/// timeline then shows the run as it went); a file that cannot be read or run is an
/// [`InputError`] naming it.
pub fn timeline_of_file(path: &Path) -> Result<(Timeline, RunEnd), InputError> {
    let (text, shown) = vss_sim::runner::read_file(path)?;
    timeline_of_text(&text, &shown)
}

/// [`timeline_of_file`] for a scenario given as text; `file` names it (and decides JSON or
/// YAML, and where a world file it names is looked for).
pub fn timeline_of_text(text: &str, file: &str) -> Result<(Timeline, RunEnd), InputError> {
    let scenario = Scenario::parse(text, file)?;
    let sim = Simulator::new(scenario.world_file())
        .map_err(|e| InputError::new(file, None, Problem::World(e)))?;
    let machines = sim.with_world(|w| w.machine_names());
    let mut timeline = Timeline::new(file, machines, WorldState::capture(&sim));
    let mut steps = Vec::new();
    let observer: Observer<'_> = Box::new(|step: &StepDone<'_>| {
        steps.push((
            step.machine.to_string(),
            label(step),
            WorldState::capture(&sim),
        ));
    });
    let report = run_scenario_observed(&scenario, &sim, None, Some(observer));
    if let RunEnd::BadInput(e) = report.outcome {
        return Err(e);
    }
    for (machine, label, state) in steps {
        timeline.push(machine, label, state);
    }
    Ok((timeline, report.outcome))
}

/// A step as the timeline labels it, as the trace shows a call: `9 backup DoSnapshotSet ->
/// S_OK` (the step's number, the requester object, the step, what came of it).
fn label(step: &StepDone<'_>) -> String {
    match step.object {
        Some(object) => format!("{} {object} {} -> {}", step.number, step.label, step.result),
        None => format!("{} {} -> {}", step.number, step.label, step.result),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use vss_sim::runner::run_scenario;

    fn examples() -> Vec<PathBuf> {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
        let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
            .expect("examples/")
            .map(|e| e.expect("an entry").path())
            .filter(|p| {
                p.extension()
                    .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            })
            .collect();
        files.sort();
        files
    }

    /// Runs a scenario file with its trace, watched by a capturing observer or not.
    fn report(path: &Path, watched: bool) -> vss_sim::runner::Report {
        let text = std::fs::read_to_string(path).expect("readable");
        let scenario = Scenario::parse(&text, &path.display().to_string()).expect("parses");
        let sim = Simulator::new(scenario.world_file()).expect("valid");
        let source = sim.clone();
        let trace: Box<dyn Fn() -> Vec<String>> = Box::new(move || source.take_trace_lines());
        if !watched {
            return run_scenario(&scenario, &sim, Some(trace));
        }
        let mut seen = 0;
        let observer: Observer<'_> = Box::new(|_: &StepDone<'_>| {
            WorldState::capture(&sim);
            seen += 1;
        });
        let report = run_scenario_observed(&scenario, &sim, Some(trace), Some(observer));
        assert_eq!(seen, scenario.steps.len(), "{}", path.display());
        report
    }

    #[test]
    fn watching_a_run_changes_nothing_of_it() {
        let files = examples();
        assert!(files.len() >= 10, "{files:?}");
        for path in files {
            let (plain, watched) = (report(&path, false), report(&path, true));
            assert_eq!(plain.output, watched.output, "{}", path.display());
            assert_eq!(plain.outcome, watched.outcome, "{}", path.display());
            assert_eq!(plain.calls, watched.calls, "{}", path.display());
        }
    }

    #[test]
    fn every_step_of_a_run_is_on_its_timeline_a_skipped_one_too() {
        let text = r"
steps:
  - { call: InitializeForBackup }
  - { call: StartSnapshotSet }
  - { call: AddToSnapshotSet, volume: 'Z:\', bind: z }
  - { call: GetSnapshotProperties, snapshot: $z }
  - { env: release }
";
        let (timeline, outcome) = timeline_of_text(text, "skip.yaml").unwrap();
        assert_eq!(outcome, RunEnd::Failed(1));
        let labels: Vec<&str> = timeline.steps.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "1 r1 InitializeForBackup -> S_OK",
                "2 r1 StartSnapshotSet -> S_OK",
                r"3 r1 AddToSnapshotSet Z:\ -> VSS_E_OBJECT_NOT_FOUND",
                "4 GetSnapshotProperties -> skipped: `$z` was not bound, because step 3 failed",
                "5 env release -> released",
            ]
        );
        assert_eq!(timeline.machines, ["HOSTA", "HOSTB"]);
        assert!(timeline.steps.iter().all(|s| s.machine == "HOSTA"));
    }

    #[test]
    fn bad_input_names_the_file_and_the_step() {
        let missing = timeline_of_file(Path::new("no/such/scenario.yaml")).unwrap_err();
        assert_eq!(missing.file, "no/such/scenario.yaml");
        assert!(
            missing.problem.to_string().starts_with("cannot read it: "),
            "{missing}"
        );

        let syntax = timeline_of_text("steps: [ {", "broken.yaml").unwrap_err();
        assert_eq!(syntax.file, "broken.yaml");
        assert!(syntax.position.is_some(), "{syntax}");

        let step =
            timeline_of_text("steps:\n  - { call: DoSnapshot }\n", "method.yaml").unwrap_err();
        assert_eq!((step.file.as_str(), step.step), ("method.yaml", Some(1)));
        assert!(step.problem.to_string().contains("`DoSnapshot`"), "{step}");
    }
}
