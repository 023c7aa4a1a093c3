//! Exhaustive exploration of the reference model: every state a small world reaches within a
//! number of steps, checked with stateright.
//!
//! The model-based tests draw random sequences; here every state within the bound is
//! visited, so a rule whose breach needs a rare combination (a provider fault armed just
//! before the import of a set of two shadow copies) cannot be missed. The steps are those a
//! backup application takes ([`ReferenceModel::natural_steps`]) and one step of an adversary per run:
//! a storage administrator masking or unmasking an original LUN, a machine restarting, or a
//! provider method failing once.
//!
//! HOSTA makes shadow copies and HOSTB imports them: HOSTB's requester object starts from a
//! document HOSTA saved. Sets made on HOSTB as well would multiply the states by every
//! interleaving of two independent backups and show nothing HOSTA's do not.
//!
//! Each `always` property must hold in every state. Each `sometimes` property names a state
//! worth reaching, and an exploration that never reaches it proves nothing about the
//! behaviour it names, so a `sometimes` property without an example is a failure too. In
//! the world without an array the adversary writes instead, until a diff area is full.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::ToSocketAddrs;
use std::num::NonZeroUsize;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::{
    FaultMethod, Id, LunSpec, MachineSpec, Prediction, ProviderChoice, Ref, ReferenceModel,
    RequesterCall, Step, Value, VolumeSpec, WorldSpec,
};
use stateright::{Checker, Model as _, Property};
use vss_model::HResult;
use vss_model::methods::Method;

/// A world to explore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SmallWorld {
    /// HOSTA with a local `C:\`, `E:\` on LUN0 and `F:\` on LUN1; HOSTB with no volume of
    /// its own. Two volumes on the array let a set hold two hardware shadow copies, which a
    /// partial import needs.
    Small,
    /// HOSTA with a local `C:\` and `G:\` on LUN0 and LUN1; HOSTB with no volume of its own:
    /// a shadow copy with two shadow LUNs, and a volume that masking one LUN takes away.
    TwoLuns,
    /// HOSTA with a local `C:\` whose diff area holds one block, and no array: the adversary
    /// writes blocks of `C:\` instead, so that a write finds the diff area full.
    DiffArea,
}

impl SmallWorld {
    /// Every world, in the order the command lists them.
    pub const ALL: [SmallWorld; 3] = [SmallWorld::Small, SmallWorld::TwoLuns, SmallWorld::DiffArea];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            SmallWorld::Small => "small",
            SmallWorld::TwoLuns => "two-luns",
            SmallWorld::DiffArea => "diff-area",
        }
    }

    /// How many steps an exploration of it takes by default: the fewest that reach every
    /// `sometimes` property (a partial import takes ten steps, an import that a provider
    /// fault makes fail nine, a full diff area seven).
    pub fn default_depth(self) -> usize {
        match self {
            SmallWorld::Small => 10,
            SmallWorld::TwoLuns => 9,
            SmallWorld::DiffArea => 7,
        }
    }

    /// How many steps of the adversary a run may take: one where it masks, restarts or
    /// fails, two where it writes (a one-block diff area is full after one write).
    fn adversary_steps(self) -> u8 {
        match self {
            SmallWorld::DiffArea => 2,
            _ => 1,
        }
    }

    /// The world as the reference model describes it.
    pub fn spec(self) -> WorldSpec {
        let volume = |mount: &str, luns: Vec<usize>| VolumeSpec {
            mount: mount.to_string(),
            luns,
            diff_area_blocks: None,
        };
        if self == SmallWorld::DiffArea {
            let c = VolumeSpec {
                diff_area_blocks: Some(1),
                ..volume(r"C:\", vec![])
            };
            return WorldSpec {
                machines: vec![MachineSpec {
                    name: "HOSTA".to_string(),
                    volumes: vec![c],
                    hardware_provider: false,
                }],
                luns: Vec::new(),
                differential: true,
                plex: false,
                transportable: true,
                max_client_accessible: 64,
            };
        }
        let hosta = match self {
            SmallWorld::Small => vec![
                volume(r"C:\", vec![]),
                volume(r"E:\", vec![0]),
                volume(r"F:\", vec![1]),
            ],
            SmallWorld::TwoLuns => vec![volume(r"C:\", vec![]), volume(r"G:\", vec![0, 1])],
            SmallWorld::DiffArea => unreachable!("built above"),
        };
        WorldSpec {
            machines: vec![
                MachineSpec {
                    name: "HOSTA".to_string(),
                    volumes: hosta,
                    hardware_provider: true,
                },
                MachineSpec {
                    name: "HOSTB".to_string(),
                    volumes: Vec::new(),
                    hardware_provider: true,
                },
            ],
            luns: ["LUN0", "LUN1"]
                .into_iter()
                .map(|name| LunSpec {
                    name: name.to_string(),
                    visible_to: vec![HOSTA],
                })
                .collect(),
            differential: true,
            plex: false,
            transportable: true,
            max_client_accessible: 64,
        }
    }
}

impl FromStr for SmallWorld {
    type Err = String;

    /// Reads a world's name: `small`, `two-luns` or `diff-area`.
    fn from_str(name: &str) -> Result<SmallWorld, String> {
        SmallWorld::ALL
            .into_iter()
            .find(|w| w.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = SmallWorld::ALL.iter().map(|w| w.name()).collect();
                format!(
                    "no world is named `{name}`; the worlds are {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for SmallWorld {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The machine that makes shadow copies; every other one imports them.
const HOSTA: usize = 0;

/// Requester objects per machine. One suffices for every property; each more multiplies the
/// states by the interleavings of their calls.
const OBJECTS: u8 = 1;

/// The last call made: what the `sometimes` properties look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LastCall {
    /// The machine it was made on.
    pub machine: usize,
    /// The method, or `None` for `Release`.
    pub method: Option<Method>,
    /// What it returned (for an asynchronous method, the operation's final status).
    pub hr: HResult,
}

/// A state of the exploration: the reference model, the call the last step made (none at
/// the start or after a step of the adversary), how many steps led here and how many of
/// them were the adversary's.
///
/// Two states that differ only in the number of steps that led to them are the same
/// state: the checker goes breadth first, so it meets each state first by a shortest path,
/// and the bound on steps is exact without counting a state once per path length.
#[derive(Debug, Clone)]
pub struct State {
    /// The reference model.
    pub model: ReferenceModel,
    /// The call the last step made.
    pub last: Option<LastCall>,
    /// The steps taken so far.
    pub steps: usize,
    /// The adversary's steps among them.
    pub adversary_steps: u8,
    /// The last step was a write that found its diff area full, and shadow copies were
    /// deleted to make room.
    pub diff_area_full: bool,
}

impl PartialEq for State {
    fn eq(&self, other: &State) -> bool {
        self.model == other.model
            && self.last == other.last
            && self.adversary_steps == other.adversary_steps
            && self.diff_area_full == other.diff_area_full
    }
}

impl Eq for State {}

impl Hash for State {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.model.hash(state);
        self.last.hash(state);
        self.adversary_steps.hash(state);
        self.diff_area_full.hash(state);
    }
}

impl State {
    fn last_is(&self, method: Method, hr: HResult) -> bool {
        self.last
            .is_some_and(|l| l.method == Some(method) && l.hr == hr)
    }
}

/// The exploration of one world to a number of steps: a stateright model over the
/// reference model.
#[derive(Debug, Clone)]
pub struct Exploration {
    world: SmallWorld,
    /// The world's description, shared by every state's model.
    spec: Arc<WorldSpec>,
    depth: usize,
    max_states: NonZeroUsize,
}

/// How many states an exploration generates at most unless told otherwise
/// ([`Exploration::max_states`]): every state is kept until the search is done with it, so a
/// deep exploration of a world grows without end. Three million states of the small world
/// (thirteen steps) take about 0.7 GB; every default exploration and the deep runs of the
/// tests stay far below the bound.
pub const DEFAULT_MAX_STATES: NonZeroUsize = NonZeroUsize::new(3_000_000).expect("not zero");

impl Exploration {
    /// An exploration of a world, `depth` steps deep, bounded by [`DEFAULT_MAX_STATES`].
    pub fn new(world: SmallWorld, depth: usize) -> Exploration {
        Exploration {
            world,
            spec: Arc::new(world.spec()),
            depth,
            max_states: DEFAULT_MAX_STATES,
        }
    }

    /// The same exploration, stopping once it has generated `max` states (a state reached
    /// twice counted twice, as [`Progress::states`] counts them). The checker looks at the
    /// bound after each block of 1,500 states it visits, so a run may pass the bound by a
    /// block's worth. A run that reaches the bound is cut short: its findings say so and
    /// never pass.
    pub fn max_states(self, max: NonZeroUsize) -> Exploration {
        Exploration {
            max_states: max,
            ..self
        }
    }

    /// The world explored.
    pub fn world(&self) -> SmallWorld {
        self.world
    }

    /// The number of steps explored.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// What the adversary can do: mask HOSTA's LUN0 (or unmask it again), restart a machine,
    /// make a provider method fail once on a machine that calls it; in the world without an
    /// array, write one of two blocks of `C:\`.
    fn adversary(&self, model: &ReferenceModel) -> Vec<Step> {
        if self.world == SmallWorld::DiffArea {
            return (0..2)
                .map(|block| Step::Write {
                    machine: HOSTA,
                    volume: 0,
                    block,
                    value: 1,
                })
                .collect();
        }
        let visible = model.luns()[0].visible_to.contains(&HOSTA);
        let mut steps = vec![Step::SetLunVisible {
            lun: 0,
            machine: HOSTA,
            visible: !visible,
        }];
        for machine in 0..self.spec.machines.len() {
            steps.push(Step::Reboot { machine });
        }
        for machine in 0..self.spec.machines.len() {
            // Only HOSTA commits sets; the hardware provider surfaces and breaks them on
            // both machines.
            let commits = (machine == HOSTA).then_some(FaultMethod::CommitSnapshots);
            for method in commits.into_iter().chain([
                FaultMethod::LocateLuns,
                FaultMethod::FillInLunInfo,
                FaultMethod::OnLunStateChange,
            ]) {
                steps.push(Step::Fault { machine, method });
            }
        }
        steps
    }

    /// Whether the world can reach what a `sometimes` property names.
    fn reaches(&self, reach: Reach) -> bool {
        let volumes = &self.spec.machines[HOSTA].volumes;
        match reach {
            Reach::Any => true,
            Reach::Array => !self.spec.luns.is_empty(),
            // A set can hold two hardware shadow copies, and an import can be partial.
            Reach::SetsOfTwo => volumes.iter().filter(|v| !v.luns.is_empty()).count() >= 2,
            Reach::DiffArea => volumes.iter().any(|v| v.diff_area_blocks.is_some()),
        }
    }

    /// The properties this world is checked against: every `always` one, and the
    /// `sometimes` ones it can reach.
    fn chosen(&self) -> impl Iterator<Item = (&'static str, Kind, Condition)> + '_ {
        let always = ALWAYS
            .iter()
            .zip(ALWAYS_CONDITIONS)
            .map(|((name, _), condition)| (*name, Kind::Always, condition));
        let sometimes = SOMETIMES
            .iter()
            .zip(SOMETIMES_CONDITIONS)
            .filter(|((_, _, reach), _)| self.reaches(*reach))
            .map(|((name, _, _), condition)| (*name, Kind::Sometimes, condition));
        always.chain(sometimes)
    }
}

impl stateright::Model for Exploration {
    type State = State;
    type Action = Step;

    fn init_states(&self) -> Vec<State> {
        vec![State {
            model: ReferenceModel::new(self.spec.clone()),
            last: None,
            steps: 0,
            adversary_steps: 0,
            diff_area_full: false,
        }]
    }

    fn actions(&self, state: &State, actions: &mut Vec<Step>) {
        if state.steps >= self.depth {
            return;
        }
        // HOSTB's object starts from a document HOSTA saved (see the module comment).
        let importing = |step: &Step| match step {
            Step::Call { machine, call, .. } if *machine != HOSTA => {
                *call != RequesterCall::InitializeForBackup { document: None }
            }
            _ => true,
        };
        let adversary = match state.adversary_steps < self.world.adversary_steps() {
            true => self.adversary(&state.model),
            false => Vec::new(),
        };
        let natural = state.model.natural_steps(OBJECTS).into_iter();
        for step in natural.filter(importing).chain(adversary) {
            // Two shadow copies of one set offer the same break and delete steps.
            if !actions.contains(&step) {
                actions.push(step);
            }
        }
    }

    fn next_state(&self, state: &State, step: Step) -> Option<State> {
        let mut model = state.model.clone();
        let outcome = model.step(&step);
        let (last, adversary_steps) = match &step {
            Step::Call { machine, call, .. } => {
                let last = LastCall {
                    machine: *machine,
                    method: call.method(),
                    hr: outcome.hr,
                };
                (Some(last), state.adversary_steps)
            }
            // The adversary wastes no step on what changes nothing, such as a restart of a
            // machine with nothing on it.
            _ if model == state.model => return None,
            _ => (None, state.adversary_steps + 1),
        };
        Some(State {
            model,
            last,
            steps: state.steps + 1,
            adversary_steps,
            diff_area_full: matches!(step, Step::Write { .. })
                && matches!(outcome.value, crate::Value::Deleted(_)),
        })
    }

    fn format_action(&self, step: &Step) -> String {
        describe(&self.spec, None, step)
    }

    fn format_step(&self, state: &State, step: Step) -> Option<String> {
        let mut model = state.model.clone();
        let outcome = model.step(&step);
        Some(outcome_text(&step, &outcome))
    }

    fn properties(&self) -> Vec<Property<Self>> {
        self.chosen()
            .map(|(name, kind, condition)| match kind {
                Kind::Always => Property::always(name, condition),
                Kind::Sometimes => Property::sometimes(name, condition),
            })
            .collect()
    }
}

/// What stateright calls to test a property in a state.
type Condition = fn(&Exploration, &State) -> bool;

/// A property that must hold in every state, and what breaks it in a state.
type Always = (&'static str, fn(&State) -> Result<(), String>);

/// The `always` properties.
const ALWAYS: [Always; 4] = [
    ("the model's invariants hold", |s| {
        s.model.check_invariants()
    }),
    (
        "no machine lists a shadow copy of a broken set",
        no_broken_copy_listed,
    ),
    (
        "VSS leaves the original LUNs as they were",
        originals_untouched,
    ),
    (
        "a shadow copy is listed on one machine at most, and not while transported",
        one_place_per_copy,
    ),
];

/// Stateright takes plain functions as conditions: one per entry of [`ALWAYS`].
const ALWAYS_CONDITIONS: [Condition; 4] = [holds::<0>, holds::<1>, holds::<2>, holds::<3>];

fn holds<const I: usize>(_: &Exploration, state: &State) -> bool {
    (ALWAYS[I].1)(state).is_ok()
}

/// What a world needs to reach the state a `sometimes` property names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reach {
    /// Nothing special.
    Any,
    /// An array and its hardware provider.
    Array,
    /// Two volumes on the array, so that a set holds two hardware shadow copies.
    SetsOfTwo,
    /// A diff area of bounded size.
    DiffArea,
}

/// A state worth reaching, and what a world needs to reach it.
type Sometimes = (&'static str, fn(&State) -> bool, Reach);

/// The `sometimes` properties. A provider method made to fail reaches the requester as
/// `VSS_E_UNEXPECTED_PROVIDER_ERROR` where the method documents it (`DoSnapshotSet`), and
/// as `VSS_E_UNEXPECTED` where it does not (`ImportSnapshots`, `BreakSnapshotSetEx`).
const SOMETIMES: [Sometimes; 9] = [
    (
        "a set was broken",
        |s| {
            s.last_is(Method::BreakSnapshotSet, HResult::S_OK)
                || s.last_is(Method::BreakSnapshotSetEx, HResult::VSS_S_ASYNC_FINISHED)
        },
        Reach::Array,
    ),
    (
        "a revert of the disk identities was refused (VSS_E_BREAK_REVERT_ID_FAILED)",
        |s| breaking(s, HResult::VSS_E_BREAK_REVERT_ID_FAILED),
        Reach::Array,
    ),
    (
        "a provider vetoed a break (VSS_E_PROVIDER_VETO)",
        |s| breaking(s, HResult::VSS_E_PROVIDER_VETO),
        Reach::Any,
    ),
    (
        "a set creation failed under a provider fault",
        creation_failed_under_fault,
        Reach::Array,
    ),
    (
        "a break failed under a provider fault",
        |s| s.last_is(Method::BreakSnapshotSetEx, HResult::VSS_E_UNEXPECTED),
        Reach::Array,
    ),
    (
        "an import succeeded",
        |s| s.last_is(Method::ImportSnapshots, HResult::VSS_S_ASYNC_FINISHED),
        Reach::Array,
    ),
    (
        "an import failed under a provider fault",
        |s| s.last_is(Method::ImportSnapshots, HResult::VSS_E_UNEXPECTED),
        Reach::Array,
    ),
    (
        "an import was partial (VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED)",
        |s| {
            s.last_is(
                Method::ImportSnapshots,
                HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED,
            )
        },
        Reach::SetsOfTwo,
    ),
    (
        "a write found its diff area full, and the oldest shadow copy was deleted",
        |s| s.diff_area_full,
        Reach::DiffArea,
    ),
];

/// Stateright takes plain functions as conditions: one per entry of [`SOMETIMES`].
const SOMETIMES_CONDITIONS: [Condition; 9] = [
    found::<0>, found::<1>, found::<2>, found::<3>, found::<4>, found::<5>, found::<6>, found::<7>,
    found::<8>,
];

fn found<const I: usize>(_: &Exploration, state: &State) -> bool {
    (SOMETIMES[I].1)(state)
}

/// A break, by either method, returned `hr`.
fn breaking(state: &State, hr: HResult) -> bool {
    state.last_is(Method::BreakSnapshotSet, hr) || state.last_is(Method::BreakSnapshotSetEx, hr)
}

/// `DoSnapshotSet` failed with `VSS_E_UNEXPECTED_PROVIDER_ERROR` on a machine that reaches
/// every volume of its own: a fault was the cause, not a volume masked since it was added.
fn creation_failed_under_fault(state: &State) -> bool {
    let Some(last) = state.last else {
        return false;
    };
    let model = &state.model;
    let reaches_all = model.world().machines[last.machine]
        .volumes
        .iter()
        .flat_map(|v| &v.luns)
        .all(|l| model.luns()[*l].visible_to.contains(&last.machine));
    state.last_is(
        Method::DoSnapshotSet,
        HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
    ) && reaches_all
}

fn no_broken_copy_listed(state: &State) -> Result<(), String> {
    let model = &state.model;
    for (m, machine) in model.world().machines.iter().enumerate() {
        if let Some((id, set)) = model
            .listed(m)
            .find(|(_, set)| model.broken_sets().contains(set))
        {
            return Err(format!(
                "{} lists shadow copy {id} of broken set {set}",
                machine.name
            ));
        }
    }
    Ok(())
}

/// Only the adversary masks and unmasks an original; nothing else about one ever changes.
fn originals_untouched(state: &State) -> Result<(), String> {
    let model = &state.model;
    for (spec, lun) in model.world().luns.iter().zip(model.luns()) {
        let intact = lun.clone_of.is_none()
            && !lun.deleted
            && !lun.hidden
            && !lun.read_only
            && lun.source_identity;
        if !intact {
            return Err(format!("original {} is now {lun:?}", spec.name));
        }
    }
    Ok(())
}

fn one_place_per_copy(state: &State) -> Result<(), String> {
    let model = &state.model;
    let mut seen: Vec<Id> = model.transported().into_iter().map(|(id, _)| id).collect();
    for (m, machine) in model.world().machines.iter().enumerate() {
        for (id, _) in model.listed(m) {
            if seen.contains(&id) {
                return Err(format!(
                    "{} lists shadow copy {id}, which is also transported or listed elsewhere",
                    machine.name
                ));
            }
            seen.push(id);
        }
    }
    Ok(())
}

/// Whether a property must hold everywhere or be reached somewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Must hold in every state.
    Always,
    /// Must hold in some state.
    Sometimes,
}

/// What the exploration found of one property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyResult {
    /// The property.
    pub name: &'static str,
    /// `always` or `sometimes`.
    pub kind: Kind,
    /// The steps to a state that breaks an `always` property or satisfies a `sometimes`
    /// one, each a line with what it returned; `None` when no state does.
    pub path: Option<Vec<String>>,
    /// What is wrong in the state that breaks an `always` property.
    pub violation: Option<String>,
}

impl PropertyResult {
    /// Whether the exploration found what the property asks: no counterexample of an
    /// `always` property, an example of a `sometimes` one.
    pub fn passed(&self) -> bool {
        match self.kind {
            Kind::Always => self.path.is_none(),
            Kind::Sometimes => self.path.is_some(),
        }
    }
}

/// Counts of an exploration, while it runs or once it is done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The states generated, a state reached twice counted twice.
    pub states: usize,
    /// The distinct states.
    pub unique_states: usize,
    /// The number of steps to the deepest state visited so far.
    pub depth: usize,
}

/// What an exploration found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Findings {
    /// The world explored.
    pub world: SmallWorld,
    /// The number of steps explored.
    pub depth: usize,
    /// The counts.
    pub counts: Progress,
    /// The bound of states, when the run reached it and stopped there: states past it may
    /// not have been visited. `None` when the run visited every state within the depth.
    pub cut_short: Option<usize>,
    /// Each property, `always` ones first.
    pub properties: Vec<PropertyResult>,
}

impl Findings {
    /// Whether every state was visited, every `always` property holds and every
    /// `sometimes` property was reached. A run cut short never passes: a state it may not
    /// have visited may break a property.
    pub fn passed(&self) -> bool {
        self.cut_short.is_none() && self.properties.iter().all(PropertyResult::passed)
    }

    /// Whether some state breaks an `always` property: the run failed, whether it was cut
    /// short or not, for the counterexample is a path the exploration took.
    pub fn broken(&self) -> bool {
        self.properties
            .iter()
            .any(|p| p.kind == Kind::Always && !p.passed())
    }
}

impl fmt::Display for Findings {
    /// The report `vss-sim explore` prints: the counts, then each property with its result
    /// and the steps that show it. It holds no timing, so an exploration prints the same
    /// text every time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "world {}, {} steps: {} states, {} unique",
            self.world, self.depth, self.counts.states, self.counts.unique_states
        )?;
        match self.cut_short {
            Some(bound) => writeln!(
                f,
                "; cut short at the bound of {bound} states: states past it may not have been visited"
            )?,
            None => writeln!(f)?,
        }
        // What was not seen in a run cut short may be in a state it did not visit.
        let (holds, not_found) = match self.cut_short {
            Some(_) => (
                "holds in the states visited",
                "NOT FOUND in the states visited",
            ),
            None => ("holds", "NOT FOUND"),
        };
        for p in &self.properties {
            let (kind, verdict) = match (p.kind, p.passed()) {
                (Kind::Always, true) => ("always", holds),
                (Kind::Always, false) => ("always", "BROKEN, counterexample:"),
                (Kind::Sometimes, true) => ("sometimes", "found, example:"),
                (Kind::Sometimes, false) => ("sometimes", not_found),
            };
            writeln!(f, "{kind} {}: {verdict}", p.name)?;
            for (n, line) in p.path.iter().flatten().enumerate() {
                writeln!(f, "  {:>2}. {line}", n + 1)?;
            }
            if let Some(violation) = &p.violation {
                writeln!(f, "  broken: {violation}")?;
            }
        }
        let verdict = match (self.passed(), self.broken(), self.cut_short) {
            (true, _, _) => "passed",
            (false, false, Some(_)) => "CUT SHORT",
            (false, _, _) => "FAILED",
        };
        writeln!(f, "{verdict}")
    }
}

/// The counts of a checker as it stands.
fn counts(checker: &impl Checker<Exploration>) -> Progress {
    Progress {
        states: checker.state_count(),
        unique_states: checker.unique_state_count(),
        // The checker counts the first state as depth 1.
        depth: checker.max_depth().saturating_sub(1),
    }
}

/// How often [`Exploration::check_with_progress`] reports.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// Waits for the checker's threads, passing on a panic of one.
fn join(handles: Vec<JoinHandle<()>>) {
    for handle in handles {
        if let Err(panic) = handle.join() {
            std::panic::resume_unwind(panic);
        }
    }
}

/// Calls `report` every [`PROGRESS_EVERY`] until the checker's threads end, and returns as
/// soon as they do: another thread waits for them and hangs up a channel, which ends the
/// wait between two reports at once.
fn report_until_done(handles: Vec<JoinHandle<()>>, mut report: impl FnMut()) {
    let (done, ended) = mpsc::channel::<()>();
    let waiter = std::thread::spawn(move || {
        // Dropped when the threads have ended, or when one of them panicked.
        let _done = done;
        join(handles);
    });
    while ended.recv_timeout(PROGRESS_EVERY) == Err(RecvTimeoutError::Timeout) {
        report();
    }
    if let Err(panic) = waiter.join() {
        std::panic::resume_unwind(panic);
    }
}

impl Exploration {
    /// Explores every state breadth first and reports. One thread, so that the counts and
    /// the paths are the same on every run.
    pub fn check(self) -> Findings {
        self.run(None)
    }

    /// As [`Exploration::check`], calling `progress` with the counts a few times a second
    /// while it runs.
    pub fn check_with_progress(self, mut progress: impl FnMut(Progress)) -> Findings {
        self.run(Some(&mut progress))
    }

    fn run(self, progress: Option<&mut dyn FnMut(Progress)>) -> Findings {
        let mut checker = self
            .clone()
            .checker()
            .threads(1)
            .target_state_count(self.max_states.get())
            .spawn_bfs();
        let handles = checker.handles();
        match progress {
            Some(progress) => report_until_done(handles, || progress(counts(&checker))),
            None => join(handles),
        }
        // The checker looks at the bound between blocks of states and leaves no trace of why
        // it stopped: a run that reached the bound may have had states left to visit.
        let bound = self.max_states.get();
        let cut_short = (checker.state_count() >= bound).then_some(bound);
        let properties = self
            .chosen()
            .map(|(name, kind, condition)| {
                let path = checker
                    .discovery(name)
                    .map(|path| self.shortest(path.into_actions(), kind, condition));
                let violation = path.as_ref().and_then(|steps| {
                    let (_, why) = ALWAYS.iter().find(|(n, _)| *n == name)?;
                    why(&self.replay(steps)?.0).err()
                });
                PropertyResult {
                    name,
                    kind,
                    path: path.map(|steps| self.lines(&steps)),
                    violation,
                }
            })
            .collect();
        Findings {
            world: self.world,
            depth: self.depth,
            counts: counts(&checker),
            cut_short,
            properties,
        }
    }

    /// Serves stateright's web explorer of this exploration on an address, to walk its
    /// states one step at a time; returns only if the server stops.
    pub fn serve(self, addresses: impl ToSocketAddrs) {
        self.checker().serve(addresses);
    }

    /// Replays a sequence of steps: the state it leads to, and the steps as this
    /// exploration takes them, or `None` if it would not take one of them. A step it does not
    /// offer is taken as an offered one that leads to the same state: once earlier steps are
    /// gone, the step that breaks the first set names it by another number.
    fn replay(&self, steps: &[Step]) -> Option<(State, Vec<Step>)> {
        let mut state = self.init_states().pop()?;
        let mut taken = Vec::new();
        for step in steps {
            let mut offered = Vec::new();
            self.actions(&state, &mut offered);
            let next = self.next_state(&state, step.clone())?;
            let step = match offered.contains(step) {
                true => step.clone(),
                false => offered
                    .into_iter()
                    .find(|o| self.next_state(&state, o.clone()).as_ref() == Some(&next))?,
            };
            taken.push(step);
            state = next;
        }
        Some((state, taken))
    }

    /// Shortens a discovery's steps as long as they still lead to a state that shows the
    /// same: the checker keeps the last discovery it makes, which a breadth-first search
    /// makes at the greatest depth, with steps that play no part. A step often plays no
    /// part only with its neighbours (a restart and the initialization that follows it), so
    /// runs of steps are dropped, the longest first.
    fn shortest(&self, mut steps: Vec<Step>, kind: Kind, condition: Condition) -> Vec<Step> {
        let shorter = |steps: &[Step]| {
            let (state, taken) = self.replay(steps)?;
            let holds = condition(self, &state);
            let shows = match kind {
                Kind::Always => !holds,
                Kind::Sometimes => holds,
            };
            shows.then_some(taken)
        };
        'shorter: loop {
            for run in (1..steps.len()).rev() {
                for start in 0..=steps.len() - run {
                    let mut without = steps.clone();
                    without.drain(start..start + run);
                    if let Some(taken) = shorter(&without) {
                        steps = taken;
                        continue 'shorter;
                    }
                }
            }
            return steps;
        }
    }

    /// Each step of a sequence as a line, with what it returned.
    fn lines(&self, steps: &[Step]) -> Vec<String> {
        let mut model = ReferenceModel::new(self.spec.clone());
        steps
            .iter()
            .map(|step| {
                let text = describe(&self.spec, Some(&model), step);
                let outcome = model.step(step);
                format!("{text} -> {}", outcome_text(step, &outcome))
            })
            .collect()
    }
}

/// A step as a line of text: the machine, and the method with its arguments or what the
/// adversary does. Ids are shown as the model numbers them when the state is known.
fn describe(world: &WorldSpec, model: Option<&ReferenceModel>, step: &Step) -> String {
    let machine = |m: usize| world.machines[m].name.as_str();
    match step {
        Step::Write {
            machine: m,
            volume,
            block,
            value,
        } => format!(
            "{}: write {value} to block {block} of {}",
            machine(*m),
            volume_name(world, *m, *volume)
        ),
        Step::Reboot { machine: m } => format!("{}: restart", machine(*m)),
        Step::SetLunVisible {
            lun,
            machine: m,
            visible,
        } => {
            let verb = if *visible { "unmask" } else { "mask" };
            format!("{}: {verb} {}", machine(*m), world.luns[*lun].name)
        }
        Step::Fault { machine: m, method } => {
            format!(
                "{}: {} will fail once with E_FAIL",
                machine(*m),
                method.name()
            )
        }
        Step::Call {
            machine: m,
            object,
            call,
        } => {
            let set = |r: &Ref| reference("set", model.map(ReferenceModel::set_ids), *r);
            let snapshot =
                |r: &Ref| reference("snapshot", model.map(ReferenceModel::snapshot_ids), *r);
            let arguments = match call {
                RequesterCall::InitializeForBackup { document: Some(d) } => {
                    format!("(document {d})")
                }
                RequesterCall::SetContext(context) => format!("({context})"),
                RequesterCall::AddToSnapshotSet { volume, provider } => {
                    let provider = match provider {
                        ProviderChoice::Any => "",
                        ProviderChoice::System => ", the system provider",
                        ProviderChoice::Hardware => ", the hardware provider",
                        ProviderChoice::Unregistered => ", an unregistered provider",
                    };
                    format!("({}{provider})", volume_name(world, *m, *volume))
                }
                RequesterCall::GetSnapshotProperties(r)
                | RequesterCall::ExposeSnapshot(r)
                | RequesterCall::UnexposeSnapshot(r) => format!("({})", snapshot(r)),
                RequesterCall::DeleteSnapshots { target, set: true } => {
                    format!("({}, VSS_OBJECT_SNAPSHOT_SET)", set(target))
                }
                RequesterCall::DeleteSnapshots { target, set: false } => {
                    format!("({}, VSS_OBJECT_SNAPSHOT)", snapshot(target))
                }
                RequesterCall::BreakSnapshotSet { set: s, flags } => match flags {
                    Some(flags) if !flags.is_empty() => format!("({}, {flags})", set(s)),
                    Some(_) => format!("({}, 0)", set(s)),
                    None => format!("({})", set(s)),
                },
                _ => String::new(),
            };
            format!(
                "{} object {object}: {}{arguments}",
                machine(*m),
                call.name()
            )
        }
    }
}

fn volume_name(world: &WorldSpec, machine: usize, volume: u8) -> String {
    world.machines[machine]
        .volumes
        .get(volume as usize)
        .map_or_else(|| r"Z:\".to_string(), |v| v.mount.clone())
}

/// An id argument: the id it resolves to when the state is known, else which one it is.
fn reference(what: &str, ids: Option<&[Id]>, r: Ref) -> String {
    let known = ids.and_then(|ids| r.index(ids.len()).map(|i| ids[i]));
    match (known, r) {
        (Some(id), _) => id.to_string(),
        (None, Ref::Issued(0)) => format!("the latest {what}"),
        (None, Ref::Issued(n)) => format!("the {what} {n} before the latest"),
        (None, Ref::Unknown) => format!("an unknown {what} id"),
    }
}

/// What a step returned: the HRESULT and any value of a call; for the adversary's steps,
/// nothing to report.
fn outcome_text(step: &Step, outcome: &Prediction) -> String {
    match step {
        Step::Call { .. } => match &outcome.value {
            Value::Id(id) => format!("{}, {id}", outcome.hr),
            Value::Document(d) => format!("{}, document {d}", outcome.hr),
            Value::Deleted(n) => format!("{}, {n} deleted", outcome.hr),
            Value::Exposed(name) => format!("{}, exposed as {name}", outcome.hr),
            _ => outcome.hr.to_string(),
        },
        _ if outcome.value == Value::Refused => "refused".to_string(),
        _ => match outcome.value {
            Value::Deleted(1) => "done; the diff area was full: 1 shadow copy deleted".to_string(),
            Value::Deleted(n) => format!("done; the diff area was full: {n} shadow copies deleted"),
            _ => "done".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use vss_model::HardwareOptions as H;

    use super::*;

    fn call(machine: usize, call: RequesterCall) -> Step {
        Step::Call {
            machine,
            object: 0,
            call,
        }
    }

    /// A break of a set made after a restart threw the first one away: the restart and the
    /// steps around it play no part.
    fn roundabout_break() -> Vec<Step> {
        vec![
            call(HOSTA, RequesterCall::InitializeForBackup { document: None }),
            call(HOSTA, RequesterCall::StartSnapshotSet),
            Step::Reboot { machine: HOSTA },
            call(HOSTA, RequesterCall::InitializeForBackup { document: None }),
            call(HOSTA, RequesterCall::StartSnapshotSet),
            call(
                HOSTA,
                RequesterCall::AddToSnapshotSet {
                    volume: 1,
                    provider: ProviderChoice::Any,
                },
            ),
            call(HOSTA, RequesterCall::GatherWriterMetadata),
            call(HOSTA, RequesterCall::DoSnapshotSet),
            call(
                HOSTA,
                RequesterCall::BreakSnapshotSet {
                    set: Ref::Issued(1),
                    flags: Some(H::VSS_BREAKEX_FLAG_MASK_LUNS),
                },
            ),
        ]
    }

    fn never_broken(e: &Exploration, s: &State) -> bool {
        !found::<0>(e, s)
    }

    #[test]
    fn a_discovery_loses_the_steps_that_play_no_part() {
        let exploration = Exploration::new(SmallWorld::Small, 10);
        let steps = roundabout_break();
        let example = exploration.shortest(steps.clone(), Kind::Sometimes, found::<0>);
        let counterexample = exploration.shortest(steps, Kind::Always, never_broken);
        assert_eq!(example, counterexample);
        let lines = exploration.lines(&example);
        assert_eq!(lines.len(), 6, "{lines:#?}");
        // The set is the first one now, and the break names it so.
        assert_eq!(
            lines[5],
            "HOSTA object 0: BreakSnapshotSetEx(#0, VSS_BREAKEX_FLAG_MASK_LUNS) -> \
             VSS_S_ASYNC_FINISHED (0x0004230A)"
        );
    }

    #[test]
    fn a_sequence_with_a_step_the_exploration_does_not_take_is_not_replayed() {
        let exploration = Exploration::new(SmallWorld::Small, 10);
        let mut steps = roundabout_break();
        steps.insert(0, call(HOSTA, RequesterCall::Query));
        assert!(exploration.replay(&steps).is_none());
        // Nor beyond the depth explored.
        assert!(
            Exploration::new(SmallWorld::Small, 8)
                .replay(&roundabout_break())
                .is_none()
        );
    }

    #[test]
    fn worlds_are_read_by_name() {
        for world in SmallWorld::ALL {
            assert_eq!(world.name().parse::<SmallWorld>(), Ok(world));
        }
        assert_eq!(
            "big".parse::<SmallWorld>(),
            Err("no world is named `big`; the worlds are small, two-luns, diff-area".to_string())
        );
    }
}
