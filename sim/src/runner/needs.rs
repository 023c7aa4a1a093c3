//! What a scenario needs of a backend beyond the requester API.
//!
//! Every backend makes requester calls; the rest ([`Capabilities`]) only some can do: several
//! machines, a hardware provider, block I/O, restarts, faults, rights, held operations, LUN
//! management. A scenario's needs come from its world (a registered hardware provider), its
//! `requires` list, and its steps (each environment step's kind, `hold: true`, a step on a
//! machine other than the first). A backend lacking one of them skips the scenario instead of
//! failing it.

use std::fmt;

use serde_json::Value;
use vss_model::backend::Capabilities;

use super::Scenario;
use super::step::ENV_STEPS;
use crate::world_file::WorldFile;

/// One capability a scenario needs, and the first thing in it that needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    /// The capability: one flag of [`Capabilities`].
    pub capability: Capabilities,
    /// The step (1-based) that needs it, when a step does.
    pub step: Option<usize>,
    /// What needs it: `` `env: mask` ``, `` `hold: true` ``, `runs on HOSTB`, the scenario's
    /// `requires`, or the world's hardware provider.
    pub what: String,
}

impl fmt::Display for Need {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "needs {}: ", capability_names(self.capability))?;
        if let Some(step) = self.step {
            write!(f, "step {step} ")?;
        }
        f.write_str(&self.what)
    }
}

/// The names of the capabilities in a set as the code spells them, joined by `, `
/// (`HARDWARE_PROVIDER, MULTIPLE_MACHINES`); `none` for the empty set.
pub fn capability_names(capabilities: Capabilities) -> String {
    let names: Vec<&str> = capabilities.iter_names().map(|(name, _)| name).collect();
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

/// The needs a backend with `has` does not meet, in the order given.
pub fn unmet(needs: &[Need], has: Capabilities) -> Vec<&Need> {
    needs
        .iter()
        .filter(|n| !has.contains(n.capability))
        .collect()
}

impl Scenario {
    /// What the scenario needs of a backend, each capability once with the first reason
    /// found: the world's hardware providers, then the scenario's `requires`, then the steps
    /// in order. `world` is the scenario's world ([`Scenario::world_file`]).
    ///
    /// Steps are looked at, not read: a malformed step needs nothing here, and the run
    /// reports it when it reaches it.
    pub fn needs(&self, world: &WorldFile) -> Vec<Need> {
        let mut needs: Vec<Need> = Vec::new();
        let mut add = |capability: Capabilities, step: Option<usize>, what: String| {
            if !needs.iter().any(|n| n.capability == capability) {
                needs.push(Need {
                    capability,
                    step,
                    what,
                });
            }
        };
        let hardware = world.machines.iter().find(|m| {
            m.providers.iter().any(|kind| {
                kind.eq_ignore_ascii_case("hardware")
                    || kind.eq_ignore_ascii_case("legacy_hardware")
            })
        });
        if let Some(machine) = hardware {
            add(
                Capabilities::HARDWARE_PROVIDER,
                None,
                format!(
                    "the world registers a hardware provider on {}",
                    machine.name
                ),
            );
        }
        for capability in self.requires.iter() {
            add(capability, None, "the scenario's `requires`".to_string());
        }
        let first = world.machines.first().map(|m| m.name.as_str());
        for (i, step) in self.steps.iter().enumerate() {
            let n = Some(i + 1);
            if let Some(Value::String(on)) = step.get("on") {
                // A machine the world lacks is the run's to report, as bad input.
                let other = world
                    .machines
                    .iter()
                    .any(|m| m.name.eq_ignore_ascii_case(on))
                    && !first.is_some_and(|f| f.eq_ignore_ascii_case(on));
                if other {
                    add(Capabilities::MULTIPLE_MACHINES, n, format!("runs on {on}"));
                }
            }
            if let Some(Value::String(kind)) = step.get("env") {
                let capability = ENV_STEPS
                    .iter()
                    .find(|(name, _)| name == kind)
                    .and_then(|(_, capability)| *capability);
                if let Some(capability) = capability {
                    add(capability, n, format!("`env: {kind}`"));
                }
            }
            if step.get("hold") == Some(&Value::Bool(true)) {
                add(Capabilities::HOLD_ASYNC, n, "`hold: true`".to_string());
            }
        }
        needs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(text: &str) -> Vec<String> {
        let scenario = Scenario::parse(text, "t.yaml").expect("valid");
        let world = scenario.world_file().expect("valid");
        scenario.needs(&world).iter().map(Need::to_string).collect()
    }

    #[test]
    fn the_default_world_needs_a_hardware_provider_and_nothing_else() {
        assert_eq!(
            needs("steps: [ { call: InitializeForBackup } ]"),
            ["needs HARDWARE_PROVIDER: the world registers a hardware provider on HOSTA"]
        );
    }

    #[test]
    fn steps_need_what_they_do_each_capability_once() {
        let text = r"
world:
  machines:
    - { name: M1, volumes: [ { mount: 'C:\', size: 1 GiB } ] }
    - { name: M2, volumes: [ { mount: 'C:\', size: 1 GiB } ] }
requires: [REBOOT]
steps:
  - { on: m1, call: InitializeForBackup }
  - { env: write, volume: 'C:\', block: 0, data: x }
  - { call: GatherWriterMetadata, hold: true }
  - { on: M2, call: InitializeForBackup }
  - { env: release }
  - { env: reboot }
  - { env: mask, lun: L }
  - { env: read, volume: 'C:\' }
  - { env: fail_writer, writer: W, event: OnFreeze, hresult: E_FAIL }
  - { env: privileges, privileges: user }
  - { on: NOWHERE, call: InitializeForBackup }
";
        assert_eq!(
            needs(text),
            [
                "needs REBOOT: the scenario's `requires`",
                "needs BLOCK_IO: step 2 `env: write`",
                "needs HOLD_ASYNC: step 3 `hold: true`",
                "needs MULTIPLE_MACHINES: step 4 runs on M2",
                "needs LUN_MANAGEMENT: step 7 `env: mask`",
                "needs FAULT_INJECTION: step 9 `env: fail_writer`",
                "needs PRIVILEGES: step 10 `env: privileges`",
            ]
        );
    }

    #[test]
    fn unmet_needs_are_those_the_backend_lacks() {
        let scenario =
            Scenario::parse("requires: [BLOCK_IO, REBOOT]\nsteps: []", "t.yaml").expect("valid");
        let world = scenario.world_file().expect("valid");
        let all = scenario.needs(&world);
        let missing: Vec<String> =
            unmet(&all, Capabilities::REBOOT | Capabilities::HARDWARE_PROVIDER)
                .iter()
                .map(|n| n.to_string())
                .collect();
        assert_eq!(missing, ["needs BLOCK_IO: the scenario's `requires`"]);
        assert!(unmet(&all, Capabilities::all()).is_empty());
    }

    #[test]
    fn capabilities_are_named_as_in_the_code() {
        assert_eq!(capability_names(Capabilities::empty()), "none");
        assert_eq!(
            capability_names(Capabilities::LUN_MANAGEMENT | Capabilities::MULTIPLE_MACHINES),
            "MULTIPLE_MACHINES, LUN_MANAGEMENT"
        );
    }
}
