//! Scenario files: parsing, and running them against any backend.
//!
//! A scenario is a JSON or YAML object with a `world` and a list of `steps`; see
//! `docs/scenario-format.md`. Parsing reads the text into a [`Scenario`] of read steps, every
//! one checked before any runs, so that bad input is reported with its place and nothing has
//! run. Before the first step, [`Scenario::needs`] says what the scenario needs of a backend
//! beyond the requester API; a backend that lacks some of it skips the scenario.

mod args;
mod exec;
mod needs;
mod step;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use vss_model::backend::Capabilities;
use vss_model::position::Position;

use crate::input::{self, Places};
use crate::world_file::{self, WorldFile};

pub use crate::input::{InputError, Problem, read_file};
pub use exec::{
    Observer, REFERENCE_BACKEND, Report, RunEnd, Runner, StepDone, run_scenario,
    run_scenario_observed,
};
pub use needs::{Need, capability_names, unmet};

use args::{ArgError, Bindings, Bound};
use step::{Action, TypedStep};

/// The world a scenario runs in, as the scenario names it.
#[derive(Debug, Clone, PartialEq)]
pub enum WorldSource {
    /// The embedded default world.
    Default,
    /// A world file, its path resolved against the scenario's folder.
    File(PathBuf),
    /// A world written inside the scenario.
    Inline(Box<WorldFile>),
}

/// A scenario, read: its world and its steps, every one of them checked before any runs.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The file it came from, for messages.
    pub file: String,
    /// Its world, as the scenario names it.
    pub world: WorldSource,
    /// The capabilities its `requires` names, besides those its steps show it needs.
    pub requires: Capabilities,
    /// Its steps, in order.
    pub steps: Vec<ScenarioStep>,
    world_file: WorldFile,
}

/// One step of a scenario, read and checked.
#[derive(Debug, Clone)]
pub struct ScenarioStep {
    /// Where it starts in its file, when known.
    pub position: Option<Position>,
    /// The step as written.
    pub source: Map<String, Value>,
    read: ReadStep,
}

/// A step as the runner takes it.
#[derive(Debug, Clone)]
enum ReadStep {
    /// Nothing in it waits for the run: it runs as read.
    Ready(Box<TypedStep>),
    /// It names values earlier steps bind (`$name`): checked against what those steps bind,
    /// and read again with the values when it runs.
    Bound,
}

impl Scenario {
    /// Parses a scenario text; `file` names it in messages and decides JSON or YAML. Its
    /// world is read, and every step checked, before anything runs: a malformed step, an
    /// unknown key, a name no earlier step binds, a machine the world lacks or an object
    /// released before it exists is reported with its place.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, InputError> {
        Scenario::parse_in(text, file, world_file::default_world())
    }

    /// Parses a scenario text as [`parse`](Self::parse) does, for a place where a scenario
    /// that names no world runs in `world` (a state file's) rather than in the default one.
    pub fn parse_in(text: &str, file: &str, world: &WorldFile) -> Result<Scenario, InputError> {
        let default = world;
        let error = |problem| InputError::new(file, None, problem);
        let value: Value = input::parse(text, file)?;
        let Value::Object(mut top) = value else {
            return Err(error(Problem::Invalid(
                "a scenario is an object with `world` and `steps`".into(),
            )));
        };
        let steps = match top.remove("steps") {
            Some(Value::Array(steps)) => steps,
            Some(_) => return Err(error(Problem::Invalid("`steps` must be a list".into()))),
            None => {
                return Err(error(Problem::Invalid(
                    "the scenario has no `steps`".into(),
                )));
            }
        };
        let world = match top.remove("world") {
            None => WorldSource::Default,
            Some(Value::String(s)) if s == "default" => WorldSource::Default,
            Some(Value::String(path)) => {
                let base = Path::new(file).parent().unwrap_or(Path::new(""));
                WorldSource::File(base.join(path))
            }
            Some(inline @ Value::Object(_)) => WorldSource::Inline(Box::new(
                serde_json::from_value(inline)
                    .map_err(|e| error(Problem::Invalid(format!("the inline world: {e}"))))?,
            )),
            Some(_) => {
                return Err(error(Problem::Invalid(
                    "`world` must be \"default\", a path or an object".into(),
                )));
            }
        };
        let requires = match top.remove("requires") {
            None | Some(Value::Null) => Capabilities::empty(),
            Some(Value::Array(names)) => {
                names.iter().try_fold(Capabilities::empty(), |all, name| {
                    name.as_str()
                        .and_then(Capabilities::from_name)
                        .map(|one| all | one)
                        .ok_or_else(|| {
                            let shown = match name {
                                Value::String(text) => format!("`{text}`"),
                                other => other.to_string(),
                            };
                            error(Problem::Invalid(format!(
                                "`requires`: {shown} is not a capability (known: {})",
                                capability_names(Capabilities::all())
                            )))
                        })
                })?
            }
            Some(_) => {
                return Err(error(Problem::Invalid(
                    "`requires` must be a list of capability names, as [LUN_MANAGEMENT]".into(),
                )));
            }
        };
        top.remove("description");
        if let Some(key) = top.keys().next() {
            return Err(error(Problem::UnknownKey {
                key: key.clone(),
                expected: "a scenario has `world`, `description`, `requires` and `steps`".into(),
            }));
        }
        let places = input::places(text, "steps");
        let mut maps = Vec::with_capacity(steps.len());
        for (i, step) in steps.into_iter().enumerate() {
            match step {
                Value::Object(map) => maps.push(map),
                _ => {
                    return Err(error(Problem::Invalid("a step must be an object".into()))
                        .in_step(i + 1, places.of(i, None)));
                }
            }
        }
        Scenario::read(file, world, default, requires, maps, &places)
    }

    /// A scenario of steps given as data (a recording, a state file's run), read and
    /// checked as [`parse`](Self::parse) reads a file's; `file` names it in messages.
    pub fn from_steps(
        file: &str,
        world: WorldSource,
        requires: Capabilities,
        steps: Vec<Map<String, Value>>,
    ) -> Result<Scenario, InputError> {
        Scenario::from_placed_steps(file, world, requires, steps, &Places::default())
    }

    /// [`from_steps`](Self::from_steps) with where each step stands in `file`, for messages.
    pub(crate) fn from_placed_steps(
        file: &str,
        world: WorldSource,
        requires: Capabilities,
        steps: Vec<Map<String, Value>>,
        places: &Places,
    ) -> Result<Scenario, InputError> {
        let default = world_file::default_world();
        Scenario::read(file, world, default, requires, steps, places)
    }

    fn read(
        file: &str,
        world: WorldSource,
        default: &WorldFile,
        requires: Capabilities,
        maps: Vec<Map<String, Value>>,
        places: &Places,
    ) -> Result<Scenario, InputError> {
        let world_file = resolve_world(&world, default, file)?;
        let mut check = StepCheck::new(&world_file);
        let mut steps = Vec::with_capacity(maps.len());
        for (i, source) in maps.into_iter().enumerate() {
            let read = check.step(&source).map_err(|(key, e)| {
                let at = places.of(i, key.as_deref());
                let problem = match e {
                    ArgError::UnknownKey { key, expected } => Problem::UnknownKey { key, expected },
                    // Names are checked against what earlier steps bind, which never failed.
                    e @ (ArgError::Input(_) | ArgError::Unbound { .. }) => {
                        Problem::Invalid(e.to_string())
                    }
                };
                InputError::new(file, None, problem).in_step(i + 1, at)
            })?;
            steps.push(ScenarioStep {
                position: places.of(i, None),
                source,
                read,
            });
        }
        Ok(Scenario {
            file: file.to_string(),
            world,
            requires,
            steps,
            world_file,
        })
    }

    /// The world file the scenario runs in.
    pub fn world_file(&self) -> &WorldFile {
        &self.world_file
    }
}

/// The world file `world` names, `default` when it names none; `file` is the scenario naming
/// it, for messages.
fn resolve_world(
    world: &WorldSource,
    default: &WorldFile,
    file: &str,
) -> Result<WorldFile, InputError> {
    match world {
        WorldSource::Default => Ok(default.clone()),
        WorldSource::Inline(inline) => Ok((**inline).clone()),
        WorldSource::File(path) => world_file::read(path).map_err(|e| match e.problem {
            Problem::Unreadable(why) => {
                let problem = Problem::Invalid(format!(
                    "cannot read the world file {}: {why}",
                    path.display()
                ));
                InputError::new(file, None, problem)
            }
            _ => e,
        }),
    }
}

/// What the steps before the one being checked leave behind, as far as reading a step
/// depends on it: what each bound name holds, and the requester objects alive.
struct StepCheck<'w> {
    world: &'w WorldFile,
    /// Each bound name with a value of the kind its step binds; never read for its value.
    bindings: Bindings,
    /// The requester objects alive, by upper-case machine and name.
    objects: BTreeSet<(String, String)>,
}

impl<'w> StepCheck<'w> {
    fn new(world: &'w WorldFile) -> StepCheck<'w> {
        StepCheck {
            world,
            bindings: Bindings::new(),
            objects: BTreeSet::new(),
        }
    }

    /// Reads and checks one step, and notes what it leaves for the next. The error comes
    /// with the key it is about, when it is about one.
    fn step(
        &mut self,
        source: &Map<String, Value>,
    ) -> Result<ReadStep, (Option<String>, ArgError)> {
        let default_machine = self.world.machines.first().map_or("", |m| m.name.as_str());
        let step = step::read_step(source, &self.bindings, default_machine).map_err(|e| {
            let key = match &e {
                ArgError::UnknownKey { key, .. } => Some(key.clone()),
                _ => None,
            };
            // Names bound by earlier steps were read as stand-ins of their kind: say what
            // each stands for, so that a message about its value makes sense.
            let e = match e {
                ArgError::Input(message)
                    if args::has_reference(source) && !message.contains('$') =>
                {
                    ArgError::Input(format!("{message} (read with {})", self.stands_for(source)))
                }
                e => e,
            };
            (key, e)
        })?;
        let machine = self
            .world
            .machines
            .iter()
            .find(|m| m.name.eq_ignore_ascii_case(&step.machine))
            .ok_or_else(|| {
                (
                    Some("on".to_string()),
                    ArgError::Input(format!("no machine named `{}` in the world", step.machine)),
                )
            })?;
        let machine = machine.name.to_ascii_uppercase();
        let object = (machine.clone(), step.object.clone());
        match &step.action {
            Action::Release => {
                let alive = self.objects.remove(&object);
                if !alive {
                    return Err((
                        Some("as".to_string()),
                        ArgError::Input(format!(
                            "there is no requester object `{}` on {} to release",
                            step.object, step.machine
                        )),
                    ));
                }
            }
            Action::Reboot => self.objects.retain(|(m, _)| *m != machine),
            // The first call on an object creates it (`CreateVssBackupComponents`).
            Action::Call(..) | Action::Privileges(_) => {
                self.objects.insert(object);
            }
            _ => {}
        }
        if let (Some(name), Some(kind)) = (&step.bind, step.binds()) {
            // A text stands for itself, so that a message about it shows the name.
            let kind = match kind {
                Bound::Text(_) => Bound::Text(format!("${name}")),
                Bound::Document(_) => Bound::Document(format!("${name}")),
                kind => kind,
            };
            self.bindings.insert(name.clone(), kind);
        }
        Ok(if args::has_reference(source) {
            ReadStep::Bound
        } else {
            ReadStep::Ready(Box::new(step))
        })
    }
}

impl StepCheck<'_> {
    /// What each name a step uses stands for: `$set` standing for a GUID, ….
    fn stands_for(&self, source: &Map<String, Value>) -> String {
        let mut names = BTreeSet::new();
        let mut texts: Vec<&Value> = source.values().collect();
        while let Some(value) = texts.pop() {
            match value {
                Value::String(s) if s.starts_with('$') => {
                    let name = s[1..].split('.').next().unwrap_or_default();
                    names.insert(name.to_string());
                }
                Value::Array(items) => texts.extend(items),
                Value::Object(map) => texts.extend(map.values()),
                _ => {}
            }
        }
        let said: Vec<String> = names
            .iter()
            .filter_map(|name| {
                let what = match self.bindings.get(name)? {
                    Bound::Id(_) => "a GUID",
                    Bound::Text(_) => "a name",
                    Bound::Document(_) => "a backup components document",
                    Bound::Props(_) => "the properties of a shadow copy",
                    Bound::Writers(_) => "the writers' metadata",
                    Bound::Async(_) => "an asynchronous operation",
                    Bound::Failed(_) => return None,
                };
                Some(format!("`${name}` standing for {what}"))
            })
            .collect();
        said.join(", ")
    }
}

/// Reads a scenario file and runs it on a fresh simulator of its world; with `trace`, the
/// report also shows what happened underneath each step.
pub fn run_file(path: &Path, trace: bool) -> Result<Report, InputError> {
    let (text, shown) = read_file(path)?;
    run_text(&text, &shown, trace)
}

/// Runs a scenario given as text; `file` names it (and decides JSON or YAML).
pub fn run_text(text: &str, file: &str, trace: bool) -> Result<Report, InputError> {
    let scenario = Scenario::parse(text, file)?;
    let sim = crate::Simulator::new(scenario.world_file())
        .map_err(|e| InputError::new(file, None, Problem::World(e)))?;
    let source = sim.clone();
    let tracer: Option<Box<dyn Fn() -> Vec<String>>> = if trace {
        Some(Box::new(move || source.take_trace_lines()))
    } else {
        None
    };
    Ok(run_scenario(&scenario, &sim, tracer))
}
