//! A persistent world: the state file of `vss-sim run --state FILE`.
//!
//! Real machines keep their shadow copies, LUNs and masking from one program to the next, and
//! a program on one machine sees what another left on the SAN. A state file gives separate
//! processes of the simulator that memory. It holds the world file the simulator was built
//! from and every run made on it since, each as the scenario steps a [`Recorder`] wrote while
//! it ran. The simulator is deterministic (the same world and the same calls give the same
//! GUIDs, LUN names, clock and data), so building the world again and replaying the runs in
//! order gives back exactly the simulator the last process left. Each replayed step's
//! `expect` is checked on the way: a history that no longer replays as it was recorded (a
//! file edited by hand, or a simulator whose behaviour has changed since) is refused rather
//! than turned silently into another world.
//!
//! A run ends as a process ends: its requester objects still alive are released, and the
//! recording holds those releases (`env: release`), so the auto-release shadow copies they
//! owned are gone from the next run on, while persistent ones stay.
//!
//! The file is JSON: `format` ([`FORMAT`]), `version` ([`VERSION`]), `world`, `runs` (each
//! a `label` and its `steps`) and `digest`, an FNV-1a 64 of the rest that catches a file
//! damaged or changed after it was written. `docs/recordings-and-state-files.md` §2
//! describes it.
//! [`StateFile::save`] replaces the file atomically, so a crash while saving leaves the previous
//! state whole, and a [`StateLock`] held from the load to the save keeps a second run from
//! saving over the first.

#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::error::Category;
use serde_json::{Map, Value};
use vss_model::backend::{Backend, Capabilities};
use vss_model::position::{Position, located};

use crate::Simulator;
use crate::input::{self, Places};
use crate::recorder::Recorder;
use crate::runner::{InputError, Problem, Report, RunEnd, Scenario, WorldSource, run_scenario};
use crate::world::WorldError;
use crate::world_file::{self, WorldFile};

/// The `format` of a state file.
pub const FORMAT: &str = "vss-sim-state";

/// The version of the state file format this build writes, and the newest it reads.
pub const VERSION: u64 = 1;

/// What the `digest` of a state file starts with: the function that made it.
const DIGEST_PREFIX: &str = "fnv1a64:";

/// A world and the runs made on it; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct StateFile {
    /// The state file it was loaded from or is meant for, named in messages.
    file: PathBuf,
    world: WorldFile,
    runs: Vec<Run>,
}

/// One run kept in a state: what it was (a scenario file's path, a script's name) and the
/// steps a [`Recorder`] wrote of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Run {
    /// What was run, for people reading the file and for messages.
    pub label: String,
    /// The steps, each an object of a scenario's `steps` list.
    pub steps: Vec<Map<String, Value>>,
}

/// A state file as read. `format`, `version` and `digest` are checked on the untyped value
/// first (a newer version may not read as this one), so this pass only lets them through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    #[serde(rename = "format")]
    _format: IgnoredAny,
    #[serde(rename = "version")]
    _version: IgnoredAny,
    world: WorldFile,
    runs: Vec<Run>,
    #[serde(rename = "digest")]
    _digest: IgnoredAny,
}

/// Why a state file cannot be read, replayed or written. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file exists but cannot be read.
    #[error("cannot read the state file {file}: {source}")]
    Read {
        /// The state file.
        file: String,
        /// What the system said.
        source: io::Error,
    },
    /// The file is not JSON.
    #[error("{file}:{line}:{column}: the state file is not valid JSON: {message}")]
    Corrupt {
        /// The state file.
        file: String,
        /// The line of the error (1-based).
        line: usize,
        /// The column of the error (1-based).
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// The file ends before its JSON does: it was cut short.
    #[error("{file}:{line}:{column}: the state file ends too early (is it truncated?): {message}")]
    Truncated {
        /// The state file.
        file: String,
        /// The line where it ends.
        line: usize,
        /// The column where it ends.
        column: usize,
        /// The JSON parser's message.
        message: String,
    },
    /// The file is JSON, but not a state file of this simulator.
    #[error("{file} is not a vss-sim state file: {found}")]
    UnknownFormat {
        /// The state file.
        file: String,
        /// What it has instead of `"format": "vss-sim-state"`.
        found: String,
    },
    /// The file was written by a newer version of the format than this build reads.
    #[error(
        "{file} was written by a newer vss-sim (version {version}); this one reads version {VERSION}"
    )]
    Newer {
        /// The state file.
        file: String,
        /// The version it was written in.
        version: u64,
    },
    /// The content does not match its digest: it was changed or damaged after it was written.
    #[error(
        "{file}: the content does not match its digest (recorded {recorded}, computed {computed}): the file was changed or damaged after it was written"
    )]
    DigestMismatch {
        /// The state file.
        file: String,
        /// The digest the file holds.
        recorded: String,
        /// The digest of its content.
        computed: String,
    },
    /// The file has the right format and digest but not the right fields.
    #[error("{}: {message}", located(.file, *.position))]
    Malformed {
        /// The state file.
        file: String,
        /// Line and column, where the parser gives them.
        position: Option<Position>,
        /// What is wrong.
        message: String,
    },
    /// A run of the state holds a step that cannot be read: the file is refused before any
    /// run is replayed.
    #[error("{}: run {run}{}: {}", located(&.error.file, .error.position), step_of(.error), .error.problem)]
    BadStep {
        /// The run, counted from 1.
        run: usize,
        /// What is wrong with the step, placed in the state file.
        error: InputError,
    },
    /// The state's world file describes a world the simulator cannot build.
    #[error("{file}: the world does not build: {source}")]
    World {
        /// The state file.
        file: String,
        /// Why the world cannot be built.
        source: WorldError,
    },
    /// A world was given for a state file that exists and has its own.
    #[error(
        "{file} exists and its own world is used: a world cannot be given for it (leave out the world, or name a new state file)"
    )]
    WorldGiven {
        /// The state file.
        file: String,
    },
    /// A run of the state does not give, replayed, what it gave when it was recorded.
    #[error("run {run} of {file} does not replay: {reason}")]
    Replay {
        /// The state file.
        file: String,
        /// The run, counted from 1.
        run: usize,
        /// Where the replay differs.
        reason: String,
    },
    /// A recording holds less than its run did (`Recorder::gaps`), so it cannot be replayed
    /// into the same world.
    #[error("{file}: the run `{label}` cannot be kept: {gaps}")]
    Incomplete {
        /// The state file.
        file: String,
        /// The run's label.
        label: String,
        /// What the recording misses.
        gaps: String,
    },
    /// Another run holds the state file: it holds the lock on its lock file.
    #[error("the state file {file} is in use by another run (which holds {lock})")]
    InUse {
        /// The state file.
        file: String,
        /// Its lock file.
        lock: String,
    },
    /// The state file, or the folder it is to be saved in, cannot be written, so a run could
    /// not be kept: nothing is run.
    #[error("the state file {file} cannot be written: {reason}")]
    NotWritable {
        /// The state file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The file cannot be written; the previous one is still there, whole.
    #[error("cannot save the state file {file}: {source}")]
    Save {
        /// The state file.
        file: String,
        /// What the system said.
        source: io::Error,
    },
}

/// Holds a state file for one run, from before it is loaded to after it is saved, so that two
/// runs cannot both load it and each save over what the other kept: the second is refused.
///
/// The lock is the system's (`flock` on Unix, `LockFileEx` on Windows) on a file beside the
/// state file, `STATE.lock`. The system lets go of it when the process ends, however it
/// ends, so a run that was killed never leaves the state file locked. The file itself stays:
/// removing it while another run may be opening it would let two runs each lock a file of
/// that name.
#[derive(Debug)]
pub struct StateLock {
    _held: File,
}

impl StateLock {
    /// Takes the lock of the state file at `path`. Refused when another run holds it, when
    /// the state file is read-only, or when its folder cannot be written (so that a run is
    /// never made that could not be kept).
    pub fn take(path: &Path) -> Result<StateLock, StateError> {
        let file = path.display().to_string();
        let not_writable = |reason: String| StateError::NotWritable {
            file: file.clone(),
            reason,
        };
        if fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
            return Err(not_writable("it is read-only".into()));
        }
        let mut name = path.as_os_str().to_owned();
        name.push(".lock");
        let lock = PathBuf::from(name);
        // A lock file another user left may be read-only to this one; a lock is taken on a
        // file open for reading as well.
        let held = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
            .or_else(|e| match File::open(&lock) {
                Ok(file) => Ok(file),
                Err(_) => Err(e),
            })
            .map_err(|e| not_writable(format!("its folder cannot be written ({e})")))?;
        match held.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(StateError::InUse {
                    file,
                    lock: lock.display().to_string(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(not_writable(format!(
                    "its lock file {} cannot be locked ({e})",
                    lock.display()
                )));
            }
        }
        // The lock file may be an earlier run's, so opening it proves nothing about the
        // folder: the file a save writes first is tried.
        let probe = temporary_path(path)
            .and_then(|probe| File::create(&probe).and_then(|_| fs::remove_file(&probe)));
        probe.map_err(|e| not_writable(format!("its folder cannot be written ({e})")))?;
        Ok(StateLock { _held: held })
    }
}

/// A run kept in its state while it goes on, saved after each part of it that called
/// something: a process killed half way then leaves the state holding what it did, its
/// requester objects released as a dead process's are (a replay releases them at its end).
#[derive(Debug)]
pub struct KeptRun {
    label: String,
    /// How many runs the state held before this one.
    runs_before: usize,
    /// How many steps of this run the state file holds.
    saved_steps: usize,
}

impl KeptRun {
    /// A run labelled `label`, to be added to `state`.
    pub fn new(state: &StateFile, label: impl Into<String>) -> KeptRun {
        KeptRun {
            label: label.into(),
            runs_before: state.runs.len(),
            saved_steps: 0,
        }
    }

    /// Saves the run as `recorder` has recorded it so far in `state` and its file, unless
    /// nothing was called since the last save. After a failed save the next call tries
    /// again. A recording that cannot hold the run whole
    /// ([`StateError::Incomplete`]) is not kept at all: what an earlier call saved of it is
    /// taken out of the file again.
    pub fn keep<B: Backend>(
        &mut self,
        state: &mut StateFile,
        recorder: &Recorder<B>,
    ) -> Result<(), StateError> {
        let steps = recorder.steps().len();
        if steps == self.saved_steps {
            return Ok(());
        }
        state.runs.truncate(self.runs_before);
        let file = state.file.clone();
        if let Err(e) = state.push_recording(self.label.clone(), recorder) {
            if self.saved_steps > 0 && state.save(&file).is_ok() {
                self.saved_steps = 0;
            }
            return Err(e);
        }
        state.save(&file)?;
        self.saved_steps = steps;
        Ok(())
    }
}

impl StateFile {
    /// A state with no runs yet, of `world`, to be saved at `file`. Refused when the
    /// simulator cannot build the world.
    pub fn new(file: &Path, world: WorldFile) -> Result<StateFile, StateError> {
        let state = StateFile {
            file: file.to_path_buf(),
            world,
            runs: Vec::new(),
        };
        state.build()?;
        Ok(state)
    }

    /// Reads the state file at `path`. It is refused, and left as it is, when it cannot be
    /// read, is not JSON or is cut short, is not a state file, was written by a newer
    /// version, does not match its digest, or has a world the simulator cannot build. The
    /// runs are replayed only by [`simulator`](Self::simulator).
    pub fn load(path: &Path) -> Result<StateFile, StateError> {
        let bytes = fs::read(path).map_err(|source| StateError::Read {
            file: path.display().to_string(),
            source,
        })?;
        StateFile::from_bytes(path, &bytes)
    }

    /// The state at `path` when that file exists (then `world` must be `None`: the state
    /// has its own), else a new state of `world`, or of the embedded default world when
    /// `world` is `None`. Nothing is written until [`save`](Self::save).
    pub fn load_or_new(path: &Path, world: Option<WorldFile>) -> Result<StateFile, StateError> {
        let file = path.display().to_string();
        match fs::read(path) {
            Ok(_) if world.is_some() => Err(StateError::WorldGiven { file }),
            Ok(bytes) => StateFile::from_bytes(path, &bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let world = match world {
                    Some(world) => world,
                    None => world_file::default_world().clone(),
                };
                StateFile::new(path, world)
            }
            Err(source) => Err(StateError::Read { file, source }),
        }
    }

    /// The state file this state was loaded from or is meant for.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The world file the state's simulator is built from.
    pub fn world(&self) -> &WorldFile {
        &self.world
    }

    /// The runs kept, oldest first.
    pub fn runs(&self) -> &[Run] {
        &self.runs
    }

    /// A simulator of the state: the world built anew, with every run replayed on it in
    /// order. Refused when a run does not replay as recorded (`run 3 of FILE does not
    /// replay: …`).
    pub fn simulator(&self) -> Result<Simulator, StateError> {
        let sim = self.build()?;
        for i in 0..self.runs.len() {
            let scenario = self.scenario_of(i, &Places::default())?;
            let report = run_scenario(&scenario, &sim, None);
            // What the replay did underneath is history, not part of the next run's trace.
            sim.take_trace();
            let reason = match report.outcome {
                RunEnd::Passed => continue,
                RunEnd::Failed(_) => first_failure(&report.output),
                RunEnd::BadInput(e) => match e.step {
                    Some(step) => format!("step {step}: {}", e.problem),
                    None => e.problem.to_string(),
                },
                RunEnd::Skipped(reason) => reason,
            };
            return Err(StateError::Replay {
                file: self.file.display().to_string(),
                run: i + 1,
                reason,
            });
        }
        Ok(sim)
    }

    /// Keeps a run: its label and the steps a [`Recorder`] wrote of it
    /// ([`Recorder::steps`]), taken once the run's requester objects were dropped.
    pub fn push_run(&mut self, label: impl Into<String>, steps: Vec<Map<String, Value>>) {
        self.runs.push(Run {
            label: label.into(),
            steps,
        });
    }

    /// Keeps the run `recorder` recorded, as [`push_run`](Self::push_run) does, unless the
    /// recording misses part of the run ([`Recorder::gaps`]): a replay of it would not
    /// rebuild the same world. Called once the run's requester objects were dropped, it
    /// keeps the whole run; called while some are alive, it keeps the run as it would be if
    /// the process died there (a replay releases them at its end).
    pub fn push_recording<B: Backend>(
        &mut self,
        label: impl Into<String>,
        recorder: &Recorder<B>,
    ) -> Result<(), StateError> {
        let label = label.into();
        let gaps = recorder.gaps();
        if !gaps.is_empty() {
            return Err(StateError::Incomplete {
                file: self.file.display().to_string(),
                label,
                gaps: gaps.join(" "),
            });
        }
        self.push_run(label, recorder.steps());
        Ok(())
    }

    /// Reads a scenario to run in the state ([`Scenario::parse_in`] its world): one that
    /// names no world runs in the state's, and one that names a world must name that one.
    pub fn parse_scenario(&self, text: &str, file: &str) -> Result<Scenario, InputError> {
        Scenario::parse_in(text, file, &self.world)
    }

    /// Runs a scenario read by [`parse_scenario`](Self::parse_scenario) on `sim`, the
    /// state's simulator ([`simulator`](Self::simulator)), through a [`Recorder`], and keeps
    /// it as a run labelled `label` when it ran to its end (the report's outcome is then
    /// `Passed` or `Failed`: failed expectations change the world as much as passed ones). A
    /// scenario runs in the state's world: one that names another world is bad input, as is
    /// a run the recording cannot hold whole. With `trace`, the report shows what happened
    /// underneath each step.
    ///
    /// After bad input, steps before the bad one may have changed `sim` without being kept:
    /// build the simulator again before the next run.
    pub fn run_scenario(
        &mut self,
        sim: &Simulator,
        scenario: &Scenario,
        label: &str,
        trace: bool,
    ) -> Report {
        let bad_input = |problem: Problem| Report {
            output: String::new(),
            outcome: RunEnd::BadInput(InputError::new(&scenario.file, None, problem)),
            calls: Vec::new(),
        };
        if scenario.world_file() != &self.world {
            return bad_input(Problem::Invalid(format!(
                "the scenario names a world of its own, but it runs in the world of the state {}: leave out `world`",
                self.file.display()
            )));
        }
        // Nothing before this run belongs to its trace.
        sim.take_trace();
        let recorder = Recorder::new(sim.clone());
        let tracer: Option<Box<dyn Fn() -> Vec<String>>> = if trace {
            let source = sim.clone();
            Some(Box::new(move || source.take_trace_lines()))
        } else {
            None
        };
        // `run_scenario` releases the run's objects before it returns, so their releases
        // are in the recording.
        let mut report = run_scenario(scenario, &recorder, tracer);
        if matches!(report.outcome, RunEnd::Passed | RunEnd::Failed(_))
            && let Err(e) = self.push_recording(label, &recorder)
        {
            let problem = Problem::Invalid(e.to_string());
            report.outcome = RunEnd::BadInput(InputError::new(&scenario.file, None, problem));
        }
        report
    }

    /// Writes the state to `path`, replacing the file there atomically: the text goes to a
    /// temporary file in the same folder, is flushed to the disk, and is renamed over the
    /// old file, so that a crash at any point leaves either the old state or the new one,
    /// whole.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        self.save_with(path, |file, text| file.write_all(text))
    }

    /// [`save`](Self::save) with the writing of the text into the temporary file done by
    /// `write`, so that a test can make it fail half way as a full disk or a crash would.
    fn save_with(
        &self,
        path: &Path,
        write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
    ) -> Result<(), StateError> {
        let error = |source| StateError::Save {
            file: path.display().to_string(),
            source,
        };
        let text = self.text().map_err(error)?;
        write_atomically(path, text.as_bytes(), write).map_err(error)
    }

    /// The state file's text: the content, laid out to be read and compared (one step a
    /// line), with its digest.
    fn text(&self) -> io::Result<String> {
        let world = serde_json::to_value(&self.world).map_err(io::Error::other)?;
        let runs = serde_json::to_value(&self.runs).map_err(io::Error::other)?;
        let content = content(world, runs);
        Ok(format!(
            "{{\n  \"format\": {},\n  \"version\": {},\n  \"world\": {},\n  \"runs\": {},\n  \"digest\": {}\n}}\n",
            content["format"],
            content["version"],
            format!("{:#}", content["world"]).replace('\n', "\n  "),
            runs_text(&content["runs"]),
            Value::String(digest(&content)),
        ))
    }

    /// Reads a state file's bytes; see [`load`](Self::load).
    fn from_bytes(path: &Path, bytes: &[u8]) -> Result<StateFile, StateError> {
        let file = path.display().to_string();
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            let (line, column, message) = (e.line(), e.column(), position_free(&e));
            match e.classify() {
                Category::Eof => StateError::Truncated {
                    file: file.clone(),
                    line,
                    column,
                    message,
                },
                _ => StateError::Corrupt {
                    file: file.clone(),
                    line,
                    column,
                    message,
                },
            }
        })?;
        let malformed = |message: &str| StateError::Malformed {
            file: file.clone(),
            position: None,
            message: message.to_string(),
        };
        let Value::Object(mut top) = value else {
            return Err(StateError::UnknownFormat {
                file,
                found: "it is not a JSON object".into(),
            });
        };
        match top.get("format") {
            Some(Value::String(format)) if format == FORMAT => {}
            Some(other) => {
                return Err(StateError::UnknownFormat {
                    file,
                    found: format!("its `format` is {other}, not \"{FORMAT}\""),
                });
            }
            None => {
                return Err(StateError::UnknownFormat {
                    file,
                    found: format!("it has no `format` (\"{FORMAT}\")"),
                });
            }
        }
        let version = match top.get("version") {
            Some(v) => v
                .as_u64()
                .filter(|v| *v >= 1)
                .ok_or_else(|| malformed("`version` must be a whole number from 1 up"))?,
            None => return Err(malformed("it has no `version`")),
        };
        if version > VERSION {
            return Err(StateError::Newer { file, version });
        }
        let recorded = match top.remove("digest") {
            Some(Value::String(digest)) => digest,
            Some(_) => return Err(malformed("`digest` must be text")),
            None => return Err(malformed("it has no `digest`")),
        };
        let computed = digest(&Value::Object(top));
        if recorded != computed {
            return Err(StateError::DigestMismatch {
                file,
                recorded,
                computed,
            });
        }
        let stored: Stored = serde_json::from_slice(bytes).map_err(|e| StateError::Malformed {
            file: file.clone(),
            position: Some(Position::new(e.line() as u64, e.column() as u64)),
            message: position_free(&e),
        })?;
        let state = StateFile::new(path, stored.world).map(|state| StateFile {
            runs: stored.runs,
            ..state
        })?;
        // Every step of every run is read now, so that a file with a bad one is refused
        // whole, before any history is replayed.
        let text = String::from_utf8_lossy(bytes);
        let runs = input::places(&text, "runs");
        for i in 0..state.runs.len() {
            state.scenario_of(i, &runs.within(i, "steps"))?;
        }
        Ok(state)
    }

    /// Run `i` (from 0) as a scenario in the state's world, its steps read and checked;
    /// `places` says where they are in the state file, when known.
    fn scenario_of(&self, i: usize, places: &Places) -> Result<Scenario, StateError> {
        Scenario::from_placed_steps(
            &self.file.display().to_string(),
            WorldSource::Inline(Box::new(self.world.clone())),
            Capabilities::empty(),
            self.runs[i].steps.clone(),
            places,
        )
        .map_err(|error| StateError::BadStep { run: i + 1, error })
    }

    /// A simulator of the state's world, before any run.
    fn build(&self) -> Result<Simulator, StateError> {
        Simulator::new(&self.world).map_err(|source| StateError::World {
            file: self.file.display().to_string(),
            source,
        })
    }
}

/// `, step N` when an error is about one step.
fn step_of(error: &InputError) -> String {
    error
        .step
        .map_or_else(String::new, |n| format!(", step {n}"))
}

/// What the digest covers: everything in the file but the digest.
fn content(world: Value, runs: Value) -> Value {
    let mut content = Map::new();
    content.insert("format".into(), Value::String(FORMAT.into()));
    content.insert("version".into(), Value::from(VERSION));
    content.insert("world".into(), world);
    content.insert("runs".into(), runs);
    Value::Object(content)
}

/// The digest of a state file's content: FNV-1a 64 of its compact JSON text. Object keys are
/// kept sorted (`serde_json` without `preserve_order`), so the text, and the digest, depend
/// only on the content and not on how the file was laid out.
fn digest(content: &Value) -> String {
    format!(
        "{DIGEST_PREFIX}{:016x}",
        vss_model::digest::fnv1a64(content.to_string().as_bytes())
    )
}

/// The runs as the state file lays them out: each step on a line of its own.
fn runs_text(runs: &Value) -> String {
    let runs = runs.as_array().map(Vec::as_slice).unwrap_or_default();
    if runs.is_empty() {
        return "[]".into();
    }
    let runs: Vec<String> = runs
        .iter()
        .map(|run| {
            let steps = run["steps"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let steps = if steps.is_empty() {
                "[]".to_string()
            } else {
                let lines: Vec<String> = steps.iter().map(|s| format!("        {s}")).collect();
                format!("[\n{}\n      ]", lines.join(",\n"))
            };
            format!(
                "    {{\n      \"label\": {},\n      \"steps\": {steps}\n    }}",
                run["label"]
            )
        })
        .collect();
    format!("[\n{}\n  ]", runs.join(",\n"))
}

/// A JSON error's message without the position serde_json appends to it; the caller names
/// the position its own way.
fn position_free(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    }
}

/// The first line of a replay's output that shows an expectation not holding or a step
/// skipped, with its spacing evened out.
fn first_failure(output: &str) -> String {
    output
        .lines()
        .find(|line| line.contains("EXPECTED") || line.contains("skipped:"))
        .map_or_else(
            || "an expectation did not hold".to_string(),
            |line| {
                let line = line.split_whitespace().collect::<Vec<_>>().join(" ");
                match line.split_once(' ') {
                    Some((n, rest)) if n.parse::<usize>().is_ok() => format!("step {n}: {rest}"),
                    _ => line,
                }
            },
        )
}

/// Replaces the file at `path` with `bytes`, atomically: written by `write` to a temporary
/// file beside it, flushed to the disk, then renamed over it; on Unix the folder is flushed
/// too, so that the rename itself survives a power cut. On any failure the temporary file is
/// removed and the file at `path` is as it was.
/// The temporary file a save of the state file at `path` writes before renaming it over.
fn temporary_path(path: &Path) -> io::Result<PathBuf> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    // The process id keeps two processes saving at once from writing into one file.
    Ok(folder.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    )))
}

fn write_atomically(
    path: &Path,
    bytes: &[u8],
    write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let temporary = temporary_path(path)?;
    let written = File::create(&temporary).and_then(|mut file| {
        write(&mut file, bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temporary, path)) {
        let _ = fs::remove_file(&temporary);
        return Err(e);
    }
    sync_folder(temporary.parent().unwrap_or(Path::new(".")))
}

/// Flushes a folder's entries to the disk, so that a rename in it is durable.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> io::Result<()> {
    File::open(folder)?.sync_all()
}

/// Windows makes a rename durable with the file itself and cannot open a folder as a file.
#[cfg(not(unix))]
fn sync_folder(_folder: &Path) -> io::Result<()> {
    Ok(())
}
