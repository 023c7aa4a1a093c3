//! Scenario files: parsing, and running them against any backend.
//!
//! A scenario is a JSON or YAML object with a `world` and a list of `steps`; see
//! `docs/scenario-format.md`. Parsing turns the text into a [`Scenario`] of untyped steps;
//! running reads each step's arguments as it reaches it, so an error names the step. Before
//! the first step, [`Scenario::needs`] says what the scenario needs of a backend beyond the
//! requester API; a backend that lacks some of it skips the scenario.

mod args;
mod exec;
mod needs;
mod step;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use vss_model::backend::Capabilities;

use crate::world_file::{DEFAULT_WORLD, WorldFile};

pub use exec::{
    Observer, Outcome, REFERENCE_BACKEND, Report, Runner, StepDone, run_scenario,
    run_scenario_observed,
};
pub use needs::{Need, capability_names, unmet};

/// Bad input: a file that cannot be read, parsed or understood. The runner exits with 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub file: String,
    /// The step (1-based), when the problem is in one.
    pub step: Option<usize>,
    /// Line and column, for a syntax error.
    pub position: Option<(u64, u64)>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if let Some(step) = self.step {
            write!(f, ": step {step}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// A syntax error in a JSON or YAML text, with its position when the parser gives one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// Line and column (1-based).
    pub position: Option<(u64, u64)>,
    /// The parser's message.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((l, c)) => write!(f, "line {l}, column {c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Parses JSON (when `name` ends in `.json`) or YAML into `T`.
pub fn parse_document<T: DeserializeOwned>(text: &str, name: &str) -> Result<T, SyntaxError> {
    if name.to_ascii_lowercase().ends_with(".json") {
        serde_json::from_str(text).map_err(|e| SyntaxError {
            position: (e.line() > 0).then(|| (e.line() as u64, e.column() as u64)),
            // The position is printed by the caller; serde_json appends it to its message.
            message: match e.to_string().rsplit_once(" at line ") {
                Some((message, _)) => message.to_string(),
                None => e.to_string(),
            },
        })
    } else {
        serde_saphyr::from_str(text).map_err(|e| SyntaxError {
            position: e.location().map(|l| (l.line(), l.column())),
            message: yaml_message(&e.to_string()),
        })
    }
}

/// The first line of a YAML parser message, without the position it repeats (the caller
/// prints the position itself).
fn yaml_message(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, message)) if position.contains("column") => message.to_string(),
        _ => first.to_string(),
    }
}

/// The world a scenario runs in.
#[derive(Debug, Clone, PartialEq)]
pub enum WorldSource {
    /// The embedded default world.
    Default,
    /// A world file, its path resolved against the scenario's folder.
    File(PathBuf),
    /// A world written inside the scenario.
    Inline(Box<WorldFile>),
}

/// A parsed scenario: its world and its steps, each still a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The file it came from, for messages.
    pub file: String,
    /// Its world.
    pub world: WorldSource,
    /// The capabilities its `requires` names, besides those its steps show it needs.
    pub requires: Capabilities,
    /// Its steps.
    pub steps: Vec<Map<String, Value>>,
}

impl Scenario {
    /// Parses a scenario text; `file` names it in messages and decides JSON or YAML.
    pub fn parse(text: &str, file: &str) -> Result<Scenario, InputError> {
        let error = |position, message: String| InputError {
            file: file.to_string(),
            step: None,
            position,
            message,
        };
        let value: Value = parse_document(text, file).map_err(|e| error(e.position, e.message))?;
        let Value::Object(mut top) = value else {
            return Err(error(
                None,
                "a scenario is an object with `world` and `steps`".into(),
            ));
        };
        let steps = match top.remove("steps") {
            Some(Value::Array(steps)) => steps,
            Some(_) => return Err(error(None, "`steps` must be a list".into())),
            None => return Err(error(None, "the scenario has no `steps`".into())),
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
                    .map_err(|e| error(None, format!("the inline world: {e}")))?,
            )),
            Some(_) => {
                return Err(error(
                    None,
                    "`world` must be \"default\", a path or an object".into(),
                ));
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
                            error(
                                None,
                                format!(
                                    "`requires`: {shown} is not a capability (known: {})",
                                    capability_names(Capabilities::all())
                                ),
                            )
                        })
                })?
            }
            Some(_) => {
                return Err(error(
                    None,
                    "`requires` must be a list of capability names, as [LUN_MANAGEMENT]".into(),
                ));
            }
        };
        top.remove("description");
        if let Some(key) = top.keys().next() {
            return Err(error(
                None,
                format!(
                    "unknown key `{key}` (a scenario has `world`, `description`, `requires` and `steps`)"
                ),
            ));
        }
        let steps = steps
            .into_iter()
            .enumerate()
            .map(|(i, s)| match s {
                Value::Object(map) => Ok(map),
                _ => Err(InputError {
                    step: Some(i + 1),
                    ..error(None, "a step must be an object".into())
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(Scenario {
            file: file.to_string(),
            world,
            requires,
            steps,
        })
    }

    /// The world file the scenario names.
    pub fn world_file(&self) -> Result<WorldFile, InputError> {
        let error = |position, message: String| InputError {
            file: self.file.clone(),
            step: None,
            position,
            message,
        };
        match &self.world {
            WorldSource::Default => Ok(parse_document(DEFAULT_WORLD, "default_world.yaml")
                .expect("the embedded world parses")),
            WorldSource::Inline(file) => Ok((**file).clone()),
            WorldSource::File(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(path)
                    .map_err(|e| error(None, format!("cannot read the world file {shown}: {e}")))?;
                parse_document(&text, &shown).map_err(|e| InputError {
                    file: shown.clone(),
                    step: None,
                    position: e.position,
                    message: e.message,
                })
            }
        }
    }
}

/// The text of the file at `path` and the name messages give it, or an [`InputError`]
/// saying it cannot be read.
pub fn read_file(path: &Path) -> Result<(String, String), InputError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| InputError {
        file: shown.clone(),
        step: None,
        position: None,
        message: format!("cannot read it: {e}"),
    })?;
    Ok((text, shown))
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
    let world = scenario.world_file()?;
    let sim = crate::Simulator::new(&world).map_err(|e| InputError {
        file: file.to_string(),
        step: None,
        position: None,
        message: format!("the world: {e}"),
    })?;
    let source = sim.clone();
    let tracer: Option<Box<dyn Fn() -> Vec<String>>> = if trace {
        Some(Box::new(move || source.take_trace_lines()))
    } else {
        None
    };
    Ok(run_scenario(&scenario, &sim, tracer))
}
