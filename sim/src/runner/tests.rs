//! The runner on a backend other than the reference: soft codes and skipped scenarios.

use vss_model::backend::{Backend, Capabilities, EnvError, Environment, VssResult};

use super::{Report, RunEnd, Scenario, run_scenario};
use crate::{SimComponents, Simulator};

/// The simulator under another name, with the capabilities a test gives it: what the runner
/// sees of a backend that is not the reference.
struct Other {
    sim: Simulator,
    capabilities: Capabilities,
}

impl Backend for Other {
    type Components = SimComponents;

    fn name(&self) -> &str {
        "other"
    }

    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }

    fn machines(&self) -> Vec<String> {
        self.sim.machines()
    }

    fn create_backup_components(&self, machine: &str) -> VssResult<SimComponents> {
        self.sim.create_backup_components(machine)
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.sim.volume_name_for_mount_point(machine, mount_point)
    }

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        self.sim
            .volume_path_names_for_volume_name(machine, volume_name)
    }

    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        self.sim.should_block_revert(machine, volume_name)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = SimComponents>> {
        self.sim.environment()
    }
}

fn run(text: &str, capabilities: Option<Capabilities>) -> Report {
    let scenario = Scenario::parse(text, "t.yaml").expect("valid");
    let sim = Simulator::new(scenario.world_file()).expect("valid");
    match capabilities {
        None => run_scenario(&scenario, &sim, None),
        Some(capabilities) => run_scenario(&scenario, &Other { sim, capabilities }, None),
    }
}

/// The simulator answers `VSS_E_BAD_STATE` (its `start_under_context_all` policy); the step
/// expects `E_INVALIDARG` and accepts the simulator's code as an alternative.
const CONTEXT_ALL: &str = "
steps:
  - { call: InitializeForBackup }
  - { call: SetContext, context: VSS_CTX_ALL }
  - { call: StartSnapshotSet, expect: E_INVALIDARG, basis: UNCONFIRMED, accept: [VSS_E_BAD_STATE] }
";

#[test]
fn another_backend_may_return_an_accepted_alternative() {
    let report = run(CONTEXT_ALL, Some(Capabilities::all()));
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    assert!(
        report
            .output
            .contains("[soft: accepted alternative VSS_E_BAD_STATE (UNCONFIRMED)]"),
        "{}",
        report.output
    );
}

#[test]
fn the_reference_must_return_exactly_what_is_expected() {
    let report = run(CONTEXT_ALL, None);
    assert_eq!(report.outcome, RunEnd::Failed(1), "{}", report.output);
    assert!(
        report
            .output
            .contains("[EXPECTED E_INVALIDARG (0x80070057)]"),
        "{}",
        report.output
    );
}

#[test]
fn a_code_neither_expected_nor_accepted_fails_on_any_backend() {
    let text = CONTEXT_ALL.replace("accept: [VSS_E_BAD_STATE]", "accept: [VSS_E_UNEXPECTED]");
    let report = run(&text, Some(Capabilities::all()));
    assert_eq!(report.outcome, RunEnd::Failed(1), "{}", report.output);
    assert!(
        report.output.contains(
            "[EXPECTED E_INVALIDARG (0x80070057), or an accepted UNCONFIRMED alternative: VSS_E_UNEXPECTED]"
        ),
        "{}",
        report.output
    );
}

const MASKS: &str = "
steps:
  - { call: InitializeForBackup }
  - { env: mask, lun: LUN-E }
  - { on: HOSTB, call: InitializeForBackup }
";

#[test]
fn a_backend_lacking_a_capability_skips_the_scenario_with_the_reason() {
    let report = run(MASKS, Some(Capabilities::HARDWARE_PROVIDER));
    let reason =
        "needs LUN_MANAGEMENT: step 2 `env: mask`; needs MULTIPLE_MACHINES: step 3 runs on HOSTB";
    assert_eq!(report.outcome, RunEnd::Skipped(reason.to_string()));
    assert_eq!(report.output, format!("skipped: {reason}\n"));
    assert!(report.calls.is_empty());
    assert_eq!(report.outcome.exit_code(), 0);
}

#[test]
fn a_backend_with_every_capability_needed_runs_the_scenario() {
    let all = Capabilities::HARDWARE_PROVIDER
        | Capabilities::LUN_MANAGEMENT
        | Capabilities::MULTIPLE_MACHINES;
    let report = run(MASKS, Some(all));
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
}

#[test]
fn the_reference_cannot_skip_a_scenario_its_world_cannot_run() {
    let text = "
world:
  machines: [ { name: M1, volumes: [ { mount: 'C:\\', size: 1 GiB } ] } ]
steps:
  - { call: InitializeForBackup }
  - { env: unmask, lun: LUN-E }
";
    let RunEnd::BadInput(error) = run(text, None).outcome else {
        panic!("the reference skipped or ran it");
    };
    assert_eq!(
        error.to_string(),
        "t.yaml:6:5: step 2: the scenario needs LUN_MANAGEMENT (`env: unmask`), which the simulator of its world lacks"
    );
}

/// The default world has a hardware provider; a backend without one still runs what only
/// touches the local volume, and skips what touches the array.
#[test]
fn a_backend_without_a_hardware_provider_runs_local_scenarios_of_the_default_world() {
    let text = r"
steps:
  - { call: InitializeForBackup }
  - { call: SetContext, context: VSS_CTX_FILE_SHARE_BACKUP }
  - { call: StartSnapshotSet }
  - { call: AddToSnapshotSet, volume: 'C:\' }
  - { call: DoSnapshotSet, expect: S_OK }
  - { call: IsVolumeSupported, volume: 'E:\' }
";
    let local = text.replace(r"'E:\'", r"'C:\', expect_supported: true");
    let report = run(&local, Some(Capabilities::empty()));
    assert_eq!(report.outcome, RunEnd::Passed, "{}", report.output);
    let reason =
        r"needs HARDWARE_PROVIDER: step 6 `IsVolumeSupported E:\` (a volume on array LUNs)";
    let report = run(text, Some(Capabilities::empty()));
    assert_eq!(report.outcome, RunEnd::Skipped(reason.to_string()));
}

#[test]
fn the_reference_refuses_a_required_hardware_provider_its_world_lacks() {
    let text = "
world:
  machines: [ { name: M1, volumes: [ { mount: 'C:\\', size: 1 GiB } ] } ]
requires: [HARDWARE_PROVIDER]
steps:
  - { call: InitializeForBackup }
";
    let RunEnd::BadInput(error) = run(text, None).outcome else {
        panic!("the reference skipped or ran it");
    };
    assert_eq!(
        error.to_string(),
        "t.yaml: the scenario needs HARDWARE_PROVIDER (the scenario's `requires`), which the simulator of its world lacks"
    );
}

/// A step skipped for want of a value binds nothing either: a later step that names what it
/// would have bound is skipped in turn, rather than taken for bad input half way.
#[test]
fn a_skipped_step_leaves_its_name_unbound_for_later_steps() {
    let text = "
steps:
  - { call: InitializeForBackup }
  - { call: GetSnapshotProperties, snapshot: '{11111111-1111-1111-1111-111111111111}', bind: a }
  - { call: GetSnapshotProperties, snapshot: $a.snapshot_id, bind: b }
  - { call: GetSnapshotProperties, snapshot: $b.snapshot_id }
";
    let report = run(text, None);
    assert_eq!(report.outcome, RunEnd::Failed(2), "{}", report.output);
    assert!(
        report
            .output
            .contains("4  skipped: `$b` was not bound, because step 3 failed"),
        "{}",
        report.output
    );
}
