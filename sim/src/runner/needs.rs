//! What a scenario needs of a backend beyond the requester API.
//!
//! Every backend makes requester calls; the rest ([`Capabilities`]) only some can do: several
//! machines, a hardware provider, block I/O, restarts, faults, rights, held operations, LUN
//! management. A scenario's needs come from its `requires` list and its steps: each
//! environment step's kind, `hold: true`, a step on a machine other than the first, and a step
//! that behaves as written only with the array's hardware provider present ([`ArrayUse`]).
//! A backend lacking one of them skips the scenario instead of failing it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::{Map, Value};
use vss_model::backend::Capabilities;
use vss_model::methods::{Interface, METHODS, Method};
use vss_model::{ObjectType, VssId};
use vss_sim_hw::{HARDWARE_PROVIDER_ID, LEGACY_HARDWARE_PROVIDER_ID};

use super::Scenario;
use super::args::hresult;
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
    /// `requires`, or a step that touches the array, with why
    /// (`` `AddToSnapshotSet E:\` (a volume on array LUNs) ``).
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
    /// found: the scenario's `requires`, then the steps in order. `world` is the scenario's
    /// world ([`Scenario::world_file`]).
    ///
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
        for capability in self.requires.iter() {
            add(capability, None, "the scenario's `requires`".to_string());
        }
        let first = world.machines.first().map(|m| m.name.as_str());
        let mut array = ArrayUse::of(world);
        for (i, step) in self.steps.iter().enumerate() {
            let step = &step.source;
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
            // Every step is followed, even once the need is known, for what it binds and names.
            if let Some(why) = array.as_mut().and_then(|a| a.step(step, i + 1)) {
                add(Capabilities::HARDWARE_PROVIDER, n, why);
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

/// Why a name or a value may lead to the array (`None`: it leads to local storage only).
type Lead = Option<String>;

/// Follows a scenario's steps to find those that behave as written only with the array's
/// hardware provider present, in a world that registers one (a world without one never
/// needs it). Such a step names a volume on array LUNs, or something made from one (a shadow
/// copy, its properties, its device, the name it was exposed or assigned as), or a hardware
/// provider's id; lists the providers; shows, masks or unmasks the array's LUNs; arms a fault
/// in a method only hardware providers have; breaks a set or imports one expecting success;
/// or imports from a document the scenario wrote out.
///
/// A break or an import expected to fail needs nothing more: a hardware shadow copy exists
/// only once a step has named an array volume (or imported, or named a hardware provider),
/// which needs the provider already; before that, a break is vetoed and an import finds no
/// hardware copy, with or without one.
///
/// Where it cannot tell, it says the step needs the provider: a volume name the world and
/// the earlier steps do not give a local volume (a device that appeared when LUNs were
/// unmasked, say) counts as the array's. A literal shadow copy or set id other than a
/// provider's names nothing the scenario made (the service makes up the ids; a scenario
/// refers to them through `bind`), and so needs nothing.
struct ArrayUse {
    /// The ids of the hardware providers the world registers.
    providers: Vec<VssId>,
    /// The world's machines, the first being where a step without `on` runs.
    machines: Vec<String>,
    /// Where each volume name leads, by machine and name (both through [`key`]): the
    /// world's mount points and volume GUID names, then the names steps expose or assign.
    names: BTreeMap<(String, String), Lead>,
    /// What each bound name leads to: the step that bound it, when that step needs the
    /// hardware provider, since what a step binds comes from what it names (a shadow copy
    /// from its volume, properties and an exposed name from their copy).
    bound: BTreeMap<String, Option<usize>>,
    /// The requester objects, by machine and name (through [`key`]), given a document the
    /// scenario wrote out, or one such an object saved: it may list hardware shadow copies.
    written: BTreeSet<(String, String)>,
    /// The bound names holding a document such an object saved.
    written_names: BTreeSet<String>,
}

impl ArrayUse {
    /// The follower of a world's scenarios; `None` when the world registers no hardware
    /// provider.
    fn of(world: &WorldFile) -> Option<ArrayUse> {
        let providers: Vec<VssId> = world
            .machines
            .iter()
            .flat_map(|m| &m.providers)
            .filter_map(|kind| hardware_provider_id(kind))
            .collect();
        if providers.is_empty() {
            return None;
        }
        let mut names = BTreeMap::new();
        for machine in &world.machines {
            for volume in &machine.volumes {
                let lead = (!volume.luns.is_empty()).then(|| "a volume on array LUNs".to_string());
                let guid_name = volume.guid.map(|g| format!(r"\\?\Volume{g}\"));
                for name in std::iter::once(&volume.mount).chain(&guid_name) {
                    names.insert((key(&machine.name), key(name)), lead.clone());
                }
            }
        }
        Some(ArrayUse {
            providers,
            machines: world.machines.iter().map(|m| m.name.clone()).collect(),
            names,
            bound: BTreeMap::new(),
            written: BTreeSet::new(),
            written_names: BTreeSet::new(),
        })
    }

    /// Follows step `n`; when it needs the hardware provider, says what it is and why, as in
    /// `` `AddToSnapshotSet E:\` (a volume on array LUNs) ``.
    fn step(&mut self, step: &Map<String, Value>, n: usize) -> Option<String> {
        let machine = match step.get("on") {
            None => self.machines.first(),
            Some(Value::String(on)) => self.machines.iter().find(|m| m.eq_ignore_ascii_case(on)),
            Some(_) => None,
        };
        // A step on no machine of the world is the run's to report, as bad input.
        let machine = machine?.clone();
        let object = match step.get("as") {
            Some(Value::String(name)) => (key(&machine), key(name)),
            _ => (key(&machine), "r1".to_string()),
        };
        let method = step
            .get("call")
            .and_then(Value::as_str)
            .and_then(Method::requester);
        let why = match (method, step.get("env")) {
            (Some(method), None) => self.call(method, step, &machine, &object),
            (None, Some(Value::String(kind))) => self.env(kind, step, &machine),
            _ => None,
        };
        let why = why.or_else(|| {
            step.iter()
                .filter(|(k, _)| *k != "comment")
                .find_map(|(_, v)| self.value(v))
        });
        // What the step exposes or assigns is reached later by the name it gives.
        let given = match (method, step.get("env").and_then(Value::as_str)) {
            (Some(Method::ExposeSnapshot), _) => Some(("expose", "exposed")),
            (_, Some("assign")) => Some(("mount", "assigned")),
            _ => None,
        };
        if let Some((arg, done)) = given
            && let Some(Value::String(name)) = step.get(arg)
        {
            let lead = why
                .as_ref()
                .map(|_| format!("`{name}` is what step {n} {done}, which needs it"));
            let known = self.names.entry((key(&machine), key(name))).or_default();
            // A name that once led to the array may still: it stays the array's.
            if known.is_none() {
                *known = lead;
            }
        }
        if method == Some(Method::InitializeForBackup) {
            let written = match step.get("xml") {
                Some(Value::String(xml)) => match xml.strip_prefix('$') {
                    Some(name) => self.written_names.contains(name),
                    None => true,
                },
                _ => false,
            };
            if written {
                self.written.insert(object.clone());
            }
        }
        if let Some(Value::String(name)) = step.get("bind") {
            self.bound.insert(name.clone(), why.as_ref().map(|_| n));
            if method == Some(Method::SaveAsXml) && self.written.contains(&object) {
                self.written_names.insert(name.clone());
            } else {
                self.written_names.remove(name);
            }
        }
        why.map(|why| format!("`{}` ({why})", label(step)))
    }

    /// Why a call step of `object` needs the hardware provider, from its method and volume.
    fn call(
        &self,
        method: Method,
        step: &Map<String, Value>,
        machine: &str,
        object: &(String, String),
    ) -> Lead {
        match method {
            Method::BreakSnapshotSet | Method::BreakSnapshotSetEx if !expects_failure(step) => {
                return Some("only a set of hardware shadow copies breaks".to_string());
            }
            Method::ImportSnapshots if !expects_failure(step) => {
                return Some("only hardware shadow copies import".to_string());
            }
            Method::ImportSnapshots if self.written.contains(object) => {
                return Some(
                    "its document, written out in the scenario, may list hardware shadow copies"
                        .to_string(),
                );
            }
            Method::Query => {
                let lists_providers = ["type", "queried_type"].iter().any(|k| {
                    step.get(*k).is_some_and(|v| {
                        serde_json::from_value::<ObjectType>(v.clone())
                            .is_ok_and(|t| t == ObjectType::VSS_OBJECT_PROVIDER)
                    })
                });
                if lists_providers {
                    return Some(
                        "the hardware provider is among the providers it lists".to_string(),
                    );
                }
            }
            _ => {}
        }
        self.volume_argument(step, &["volume"], machine)
    }

    /// Why an environment step needs the hardware provider, from its kind and target.
    fn env(&self, kind: &str, step: &Map<String, Value>, machine: &str) -> Lead {
        const TARGETS: [&str; 3] = ["volume", "device", "target"];
        match kind {
            "write" | "read" | "make_read_write" | "make_read_only" | "assign" => {
                self.volume_argument(step, &TARGETS, machine)
            }
            "luns"
                if step.contains_key("lun")
                    || !TARGETS
                        .iter()
                        .chain(&["snapshot"])
                        .any(|k| step.contains_key(*k)) =>
            {
                Some("the array's LUNs".to_string())
            }
            "luns" => self.volume_argument(step, &TARGETS, machine),
            // Masking is the array's, whatever the LUN.
            "mask" | "unmask" => Some("the array's LUNs".to_string()),
            "fail_provider" if !step.contains_key("provider") => {
                let written = step.get("method").and_then(Value::as_str)?;
                hardware_only(Method::provider(written)?)
                    .then(|| format!("{written} is a method of hardware providers only"))
            }
            _ => None,
        }
    }

    /// Where the first of `keys` the step gives as literal text leads, as a volume name on
    /// `machine`; a reference is left to [`ArrayUse::value`].
    fn volume_argument(&self, step: &Map<String, Value>, keys: &[&str], machine: &str) -> Lead {
        let name = keys
            .iter()
            .find_map(|k| step.get(*k).and_then(Value::as_str))
            .filter(|name| !name.starts_with('$'))?;
        match self.names.get(&(key(machine), key(name))) {
            Some(lead) => lead.clone(),
            None => Some(format!("`{name}` is no local volume of {machine}")),
        }
    }

    /// Why a value (a list, an object, text) leads to the array: a reference to what a step
    /// that needs the hardware provider bound, or a hardware provider's id.
    fn value(&self, value: &Value) -> Lead {
        match value {
            Value::String(text) => {
                if let Some(reference) = text.strip_prefix('$') {
                    let name = reference.split_once('.').map_or(reference, |(n, _)| n);
                    let step = (*self.bound.get(name)?)?;
                    Some(format!("`{text}` comes from step {step}, which needs it"))
                } else {
                    let id = text.parse::<VssId>().ok()?;
                    self.providers
                        .contains(&id)
                        .then(|| "the id of a hardware provider".to_string())
                }
            }
            Value::Array(items) => items.iter().find_map(|v| self.value(v)),
            Value::Object(map) => map.values().find_map(|v| self.value(v)),
            _ => None,
        }
    }
}

/// The id of the provider a world registers as `kind`, when it is a hardware provider.
fn hardware_provider_id(kind: &str) -> Option<VssId> {
    if kind.eq_ignore_ascii_case("hardware") {
        Some(HARDWARE_PROVIDER_ID)
    } else if kind.eq_ignore_ascii_case("legacy_hardware") {
        Some(LEGACY_HARDWARE_PROVIDER_ID)
    } else {
        None
    }
}

/// A name as volume names compare: in any case, with or without its trailing backslash
/// (`X:` and `x:\` are one).
fn key(name: &str) -> String {
    name.trim_end_matches('\\').to_ascii_lowercase()
}

/// Whether every code a step lets a backend return (`expect` and its `accept`ed
/// alternatives) is a failure. A step without `expect` checks nothing: any code may come
/// back, so it expects no failure.
fn expects_failure(step: &Map<String, Value>) -> bool {
    let failure = |v: &Value| hresult(v.clone(), "expect").is_ok_and(|hr| hr.is_failure());
    let accepted = match step.get("accept") {
        None | Some(Value::Null) => &[][..],
        Some(Value::Array(items)) => items.as_slice(),
        Some(one) => std::slice::from_ref(one),
    };
    step.get("expect").is_some_and(failure) && accepted.iter().all(failure)
}

/// Whether a fault armed for any provider in `method` can only fire in a hardware provider:
/// no other provider interface has the method.
fn hardware_only(method: Method) -> bool {
    METHODS
        .iter()
        .filter(|m| !m.interface.is_requester() && m.name == method.name())
        .all(|m| {
            matches!(
                m.interface,
                Interface::IVssHardwareSnapshotProvider | Interface::IVssHardwareSnapshotProviderEx
            )
        })
}

/// What a need message shows of a step: its method or environment step, and the first thing
/// it names (`AddToSnapshotSet E:\`, `env: read $p.snapshot_device_object`).
fn label(step: &Map<String, Value>) -> String {
    let head = match (step.get("call"), step.get("env")) {
        (Some(Value::String(method)), _) => method.clone(),
        (_, Some(Value::String(kind))) => format!("env: {kind}"),
        _ => String::new(),
    };
    let subject = [
        "volume", "device", "snapshot", "target", "set", "lun", "method", "type",
    ]
    .iter()
    .find_map(|k| step.get(*k).and_then(Value::as_str));
    match subject {
        Some(subject) => format!("{head} {subject}"),
        None => head,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(text: &str) -> Vec<String> {
        let scenario = Scenario::parse(text, "t.yaml").expect("valid");
        scenario
            .needs(scenario.world_file())
            .iter()
            .map(Need::to_string)
            .collect()
    }

    /// Each step that needs the hardware provider, with why: every one, not only the first.
    fn array_steps(text: &str) -> Vec<String> {
        let scenario = Scenario::parse(text, "t.yaml").expect("valid");
        let mut array =
            ArrayUse::of(scenario.world_file()).expect("a world with a hardware provider");
        (1..)
            .zip(&scenario.steps)
            .filter_map(|(n, step)| array.step(&step.source, n).map(|why| format!("{n} {why}")))
            .collect()
    }

    /// Whether a scenario needs the hardware provider.
    fn needs_hardware(text: &str) -> bool {
        needs(text)
            .iter()
            .any(|n| n.starts_with("needs HARDWARE_PROVIDER"))
    }

    #[test]
    fn the_default_world_alone_needs_nothing() {
        assert!(needs("steps: [ { call: InitializeForBackup } ]").is_empty());
    }

    /// The default world has a hardware provider and volumes on array LUNs; a scenario that
    /// only touches its local volume, and what it makes of it, must not need the provider.
    #[test]
    fn local_volumes_in_a_world_with_a_hardware_provider_do_not_need_it() {
        let text = r"
steps:
  - { env: write, volume: 'C:\', block: 1, data: old }
  - { call: InitializeForBackup }
  - { call: SetContext, context: VSS_CTX_NAS_ROLLBACK }
  - { call: IsVolumeSupported, volume: 'c:', expect_supported: true }
  - { call: IsVolumeSupported, volume: 'C:\', provider: '{b5946137-7b9f-4925-af80-51abd60b20d5}' }
  - { call: StartSnapshotSet, bind: set }
  - { call: AddToSnapshotSet, volume: 'C:\', bind: c }
  - { call: DoSnapshotSet, expect: S_OK }
  - { call: GetSnapshotProperties, snapshot: $c, bind: p }
  - { env: read, device: $p.snapshot_device_object, block: 1, expect: old }
  - { env: read, snapshot: $c, block: 1, expect: old }
  - { call: ExposeSnapshot, snapshot: $c, attributes: VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY, expose: 'X:', bind: x }
  - { env: read, target: 'X:\', block: 1, expect: old }
  - { env: read, target: $x, block: 1, expect: old }
  - { env: make_read_only, volume: 'C:\' }
  - { env: luns, volume: 'C:\' }
  - { call: Query, expect_count: 1 }
  - { call: SaveAsXML, bind: doc }
  - { call: BreakSnapshotSet, set: $set, expect: VSS_E_PROVIDER_VETO }
  - { call: BreakSnapshotSetEx, set: '{12345678-1234-1234-1234-123456789abc}', expect: VSS_E_OBJECT_NOT_FOUND }
  - { as: i, call: InitializeForBackup, xml: $doc }
  - { as: i, call: ImportSnapshots, expect: VSS_E_NONTRANSPORTABLE_BCD, basis: INFERRED, accept: [VSS_E_BAD_STATE] }
  - { env: fail_provider, method: CommitSnapshots, hresult: E_FAIL }
  - { env: fail_provider, method: BeginPrepareSnapshot, hresult: E_FAIL }
  - { on: HOSTB, as: b, call: InitializeForBackup }
  - { on: HOSTB, as: b, call: AddToSnapshotSet, volume: 'C:\', comment: '{7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a01}' }
";
        assert!(array_steps(text).is_empty(), "{:?}", array_steps(text));
        assert!(!needs_hardware(text), "{:?}", needs(text));
    }

    #[test]
    fn a_step_naming_a_volume_on_array_luns_needs_it() {
        for (step, label) in [
            (
                r"{ call: AddToSnapshotSet, volume: 'E:\' }",
                r"AddToSnapshotSet E:\",
            ),
            (
                r"{ call: IsVolumeSupported, volume: 'g:' }",
                "IsVolumeSupported g:",
            ),
            (r"{ env: write, volume: 'F:\', data: x }", r"env: write F:\"),
            (r"{ env: read, volume: 'E:\' }", r"env: read E:\"),
            (
                r"{ env: make_read_write, volume: 'E:\' }",
                r"env: make_read_write E:\",
            ),
            (
                r"{ env: make_read_only, volume: 'E:\' }",
                r"env: make_read_only E:\",
            ),
            (
                r"{ env: assign, volume: 'E:\', mount: 'R:\' }",
                r"env: assign E:\",
            ),
            (r"{ env: luns, volume: 'E:\' }", r"env: luns E:\"),
        ] {
            let text = format!("steps:\n  - {{ call: InitializeForBackup }}\n  - {step}\n");
            assert_eq!(
                needs(&text).first().map(String::as_str),
                Some(
                    format!("needs HARDWARE_PROVIDER: step 2 `{label}` (a volume on array LUNs)")
                        .as_str()
                ),
                "{step}"
            );
        }
    }

    /// A shadow copy of an array volume, its properties and device, and the names it is
    /// exposed or assigned as, lead to the array too.
    #[test]
    fn what_is_made_from_an_array_volume_needs_it() {
        let text = r"
steps:
  - { call: AddToSnapshotSet, volume: 'E:\', bind: e }
  - { call: GetSnapshotProperties, snapshot: $e, bind: p }
  - { env: read, device: $p.snapshot_device_object }
  - { call: ExposeSnapshot, snapshot: $e, expose: 'X:', bind: x }
  - { env: read, target: 'x:\' }
  - { env: read, target: $x }
  - { on: HOSTB, env: assign, device: '\\?\GLOBALROOT\Device\HarddiskVolume2', mount: 'R:\' }
  - { on: HOSTB, call: AddToSnapshotSet, volume: 'R:\' }
  - { call: AddToSnapshotSet, volume: 'R:\', expect: VSS_E_OBJECT_NOT_FOUND }
";
        assert_eq!(
            array_steps(text),
            [
                r"1 `AddToSnapshotSet E:\` (a volume on array LUNs)",
                "2 `GetSnapshotProperties $e` (`$e` comes from step 1, which needs it)",
                "3 `env: read $p.snapshot_device_object` (`$p.snapshot_device_object` comes from step 2, which needs it)",
                "4 `ExposeSnapshot $e` (`$e` comes from step 1, which needs it)",
                r"5 `env: read x:\` (`X:` is what step 4 exposed, which needs it)",
                "6 `env: read $x` (`$x` comes from step 4, which needs it)",
                r"7 `env: assign \\?\GLOBALROOT\Device\HarddiskVolume2` (`\\?\GLOBALROOT\Device\HarddiskVolume2` is no local volume of HOSTB)",
                r"8 `AddToSnapshotSet R:\` (`R:\` is what step 7 assigned, which needs it)",
                r"9 `AddToSnapshotSet R:\` (`R:\` is no local volume of HOSTA)",
            ]
        );
    }

    #[test]
    fn a_hardware_provider_id_needs_it_when_the_world_registers_that_provider() {
        let step = |id: &str| {
            format!("steps: [ {{ call: AddToSnapshotSet, volume: 'C:\\', provider: '{id}' }} ]")
        };
        assert_eq!(
            needs(&step("{7CD2F3A9-1C45-4E8B-9F6A-3D2B8E9C1A01}")),
            [
                r"needs HARDWARE_PROVIDER: step 1 `AddToSnapshotSet C:\` (the id of a hardware provider)"
            ]
        );
        // The default world registers no legacy provider: naming it needs nothing of the array.
        assert!(needs(&step("7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a02")).is_empty());
        assert!(needs(&step("{b5946137-7b9f-4925-af80-51abd60b20d5}")).is_empty());
        let text = "
steps:
  - { call: Query, type: VSS_OBJECT_SNAPSHOT, expect_includes: ['{7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a01}'] }
  - { env: fail_provider, provider: '{7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a01}', method: CommitSnapshots, hresult: E_FAIL }
  - { call: GetSnapshotProperties, snapshot: GUID_NULL, expect_props: { provider_id: '{7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a01}' } }
";
        assert_eq!(
            array_steps(text),
            [
                "1 `Query VSS_OBJECT_SNAPSHOT` (the id of a hardware provider)",
                "2 `env: fail_provider CommitSnapshots` (the id of a hardware provider)",
                "3 `GetSnapshotProperties GUID_NULL` (the id of a hardware provider)",
            ]
        );
    }

    #[test]
    fn listing_providers_needs_it() {
        assert_eq!(
            needs("steps: [ { call: Query, type: vss_object_provider, expect_count: 2 } ]"),
            [
                "needs HARDWARE_PROVIDER: step 1 `Query vss_object_provider` (the hardware provider is among the providers it lists)"
            ]
        );
    }

    #[test]
    fn a_fault_armed_in_a_method_only_hardware_providers_have_needs_it() {
        let fault = |method: &str| {
            format!("steps: [ {{ env: fail_provider, method: {method}, hresult: E_FAIL }} ]")
        };
        for method in ["LocateLuns", "getTargetLuns", "OnLunStateChange"] {
            assert_eq!(
                needs(&fault(method))[0],
                format!(
                    "needs HARDWARE_PROVIDER: step 1 `env: fail_provider {method}` ({method} is a method of hardware providers only)"
                )
            );
        }
        // Shared with the system provider: a fault there fires in whichever the set uses.
        for method in [
            "CommitSnapshots",
            "BeginPrepareSnapshot",
            "SetSnapshotProperty",
        ] {
            assert!(!needs_hardware(&fault(method)), "{method}");
        }
    }

    #[test]
    fn breaks_and_imports_need_it_unless_they_expect_a_failure() {
        let text = r"
steps:
  - { call: BreakSnapshotSet, set: GUID_NULL, expect: S_OK }
  - { call: BreakSnapshotSetEx, set: GUID_NULL }
  - { call: BreakSnapshotSetEx, set: GUID_NULL, expect: VSS_E_PROVIDER_VETO }
  - { call: BreakSnapshotSet, set: GUID_NULL, expect: E_INVALIDARG, basis: INFERRED, accept: [S_OK] }
  - { call: ImportSnapshots, expect: VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED }
  - { call: ImportSnapshots, expect: VSS_E_BAD_STATE }
  - { as: w, call: InitializeForBackup, xml: '<BACKUP_COMPONENTS/>' }
  - { as: w, call: ImportSnapshots, expect: VSS_E_BAD_STATE }
  - { as: w, call: SaveAsXML, bind: doc }
  - { as: v, call: InitializeForBackup, xml: $doc }
  - { as: v, call: ImportSnapshots, expect: VSS_E_BAD_STATE }
";
        let written = "its document, written out in the scenario, may list hardware shadow copies";
        assert_eq!(
            array_steps(text),
            [
                "1 `BreakSnapshotSet GUID_NULL` (only a set of hardware shadow copies breaks)"
                    .to_string(),
                "2 `BreakSnapshotSetEx GUID_NULL` (only a set of hardware shadow copies breaks)"
                    .to_string(),
                "4 `BreakSnapshotSet GUID_NULL` (only a set of hardware shadow copies breaks)"
                    .to_string(),
                "5 `ImportSnapshots` (only hardware shadow copies import)".to_string(),
                format!("8 `ImportSnapshots` ({written})"),
                format!("11 `ImportSnapshots` ({written})"),
            ]
        );
    }

    #[test]
    fn lun_steps_need_it_besides_lun_management() {
        assert_eq!(
            needs("steps: [ { env: mask, lun: LUN-E } ]"),
            [
                "needs HARDWARE_PROVIDER: step 1 `env: mask LUN-E` (the array's LUNs)",
                "needs LUN_MANAGEMENT: step 1 `env: mask`",
            ]
        );
        assert!(needs_hardware("steps: [ { env: unmask, lun: LUN-E } ]"));
        assert!(needs_hardware("steps: [ { env: luns } ]"));
        assert!(needs_hardware("steps: [ { env: luns, lun: LUN-E } ]"));
        assert_eq!(
            needs(r"steps: [ { env: luns, volume: 'C:\' } ]"),
            ["needs LUN_MANAGEMENT: step 1 `env: luns`"]
        );
    }

    #[test]
    fn requires_forces_it_and_a_world_without_a_hardware_provider_never_needs_it() {
        let local = "requires: [HARDWARE_PROVIDER]\nsteps: [ { call: InitializeForBackup } ]";
        assert_eq!(
            needs(local),
            ["needs HARDWARE_PROVIDER: the scenario's `requires`"]
        );
        let text = r"
world:
  san: { luns: [ { name: LUN-E, size: 1 GiB, visible_to: [M1] } ] }
  machines:
    - { name: M1, volumes: [ { mount: 'E:\', luns: [LUN-E] } ] }
steps:
  - { call: AddToSnapshotSet, volume: 'E:\' }
  - { call: Query, type: VSS_OBJECT_PROVIDER }
  - { call: ImportSnapshots, expect: S_OK }
  - { call: BreakSnapshotSet, set: GUID_NULL, expect: S_OK }
  - { call: AddToSnapshotSet, volume: 'E:\', provider: '{7cd2f3a9-1c45-4e8b-9f6a-3d2b8e9c1a01}' }
  - { env: mask, lun: LUN-E }
";
        assert_eq!(needs(text), ["needs LUN_MANAGEMENT: step 6 `env: mask`"]);
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
        let all = scenario.needs(scenario.world_file());
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
