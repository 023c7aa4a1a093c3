//! A persistent world: the state file of `vss-sim run --state FILE`.
//!
//! Real machines keep their shadow copies, LUNs and masking from one program to the next, and
//! a program on one machine sees what another left on the SAN. A state file gives separate
//! processes of the simulator that memory. It holds the world file the simulator was built
//! from and a checkpoint of the world as the last run left it ([`WorldCheckpoint`]): a
//! process builds its simulator from the checkpoint, whatever number of runs came before.
//! Every run is also kept, as the scenario steps a [`Recorder`] wrote while it ran, in an
//! audit log beside the state file (`STATE.log`) that only grows: a save writes the
//! checkpoint and appends the new run, so neither loading nor saving costs more as runs
//! pile up. The simulator is deterministic (the same world and the same calls give the same
//! GUIDs, LUN names, clock and data), so replaying the log from the world file gives back the
//! checkpoint exactly; [`StateFile::verify`] checks that it does.
//!
//! A run ends as a process ends: its requester objects still alive are released, and the
//! recording holds those releases (`env: release`), so the auto-release shadow copies they
//! owned are gone from the next run on, while persistent ones stay. A checkpoint is taken
//! then, with no requester object alive.
//!
//! The state file is JSON: `format` ([`FORMAT`]), `version` ([`VERSION`]), `world`,
//! `checkpoint`, `log` (the audit log's name, runs, length and digest) and `digest`, an
//! FNV-1a 64 of the rest that catches a file damaged or changed after it was written. A
//! file of version 1 (the world and every run, replayed at every load) is still read: it is
//! replayed once, and the next save writes it as version 2.
//! `docs/recordings-and-state-files.md` §2 describes the files.
//! [`StateFile::save`] replaces the state file atomically, so a crash while saving leaves the
//! previous state whole, and a [`StateLock`] held from the load to the save keeps a second
//! run from saving over the first.

mod lock;
#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::error::Category;
use serde_json::{Map, Value};
use vss_model::backend::Capabilities;
use vss_model::digest::{fnv1a64, fnv1a64_more};
use vss_model::position::{Position, located};

pub use lock::StateLock;

use crate::Simulator;
use crate::checkpoint::WorldCheckpoint;
use crate::input::{self, Places};
use crate::recorder::Recorder;
use crate::runner::{InputError, Problem, Report, RunEnd, Scenario, WorldSource, run_scenario};
use crate::world::WorldError;
use crate::world_file::{self, WorldFile};

/// The `format` of a state file.
pub const FORMAT: &str = "vss-sim-state";

/// The version of the state file format this build writes, and the newest it reads.
pub const VERSION: u64 = 2;

/// The `format` of the first line of an audit log.
const LOG_FORMAT: &str = "vss-sim-state-log";

/// The `format` of the file of an unfinished run.
const RUN_FORMAT: &str = "vss-sim-state-run";

/// What the `digest` of a state file starts with: the function that made it.
const DIGEST_PREFIX: &str = "fnv1a64:";

/// The requester calls that change nothing a later run sees (only the object they are made
/// on, which dies with the process): a run kept as it goes is not saved after them alone.
const READ_ONLY_CALLS: [&str; 6] = [
    "InitializeForBackup",
    "SetContext",
    "Query",
    "GetSnapshotProperties",
    "IsVolumeSupported",
    "IsVolumeSnapshotted",
];

/// A world, its checkpoint and the runs made on it; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct StateFile {
    /// The state file as it was named, for messages.
    file: PathBuf,
    /// Where it is, symbolic links followed: what is read and written.
    target: PathBuf,
    world: WorldFile,
    /// The world as the runs kept so far left it; `None` for the world file's own.
    checkpoint: Option<WorldCheckpoint>,
    /// The world the runs not yet in the audit log start from: a new log starts from it.
    start: Option<WorldCheckpoint>,
    /// The audit log as the state file records it, when there is one.
    log: Option<LogPlace>,
    /// Where the audit log's runs end, past what the state file records when a process
    /// appended runs and died before saving the state file: its length and digest there,
    /// and how many runs it holds.
    log_end: Option<LogPlace>,
    /// Runs to replay on the checkpoint to build the simulator: those of a version 1 file,
    /// those of the audit log past what the state file records, and an unfinished run.
    replay: Vec<Run>,
    /// The runs kept and not yet in the audit log, oldest first.
    unwritten: Vec<Run>,
    /// What is wrong with the audit log, when something is: a run is then refused.
    log_problem: Option<String>,
}

/// The audit log as a state file records it: its file (beside the state file), how many
/// runs it holds, and its length and digest at the end of the last of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogPlace {
    file: String,
    runs: u64,
    bytes: u64,
    digest: String,
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

/// A state file of version 1 as read: the world and every run.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredV1 {
    #[serde(rename = "format")]
    _format: IgnoredAny,
    #[serde(rename = "version")]
    _version: IgnoredAny,
    world: WorldFile,
    runs: Vec<Run>,
    #[serde(rename = "digest")]
    _digest: IgnoredAny,
}

/// A state file of version 2 as read. `format`, `version` and `digest` are checked on the
/// untyped value first (a newer version may not read as this one), so this pass only lets
/// them through.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Stored {
    #[serde(rename = "format")]
    _format: IgnoredAny,
    #[serde(rename = "version")]
    _version: IgnoredAny,
    world: WorldFile,
    checkpoint: Option<WorldCheckpoint>,
    log: Option<LogPlace>,
    /// Taken out before the rest is read.
    #[serde(rename = "digest", default)]
    _digest: IgnoredAny,
}

/// The first line of an audit log: the world its runs start from, `null` for the world file's.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LogHeader {
    format: String,
    version: u64,
    base: Option<WorldCheckpoint>,
}

/// The file of a run kept as it goes (`STATE.run`): the run so far, and where in the audit
/// log it goes, so that a file an earlier process left after its run was logged is not
/// taken for a new one.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct UnfinishedRun {
    format: String,
    version: u64,
    /// The audit log as the state file recorded it when the run began.
    after: Option<LogPlace>,
    run: Run,
}

/// What [`StateFile::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Replaying the audit log gives the checkpoint, after this many runs.
    Matches {
        /// The runs replayed.
        runs: u64,
    },
    /// Replaying the audit log gives another world than the checkpoint.
    Differs {
        /// The runs replayed.
        runs: u64,
        /// Where the two first differ, as a path into the checkpoint (`san.array.luns`).
        at: String,
    },
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
    #[error(
        "the state file {file} is in use by another run (which holds {lock}): {holder}{waited}"
    )]
    InUse {
        /// The state file.
        file: String,
        /// Its lock file.
        lock: String,
        /// Who holds it, as the holder wrote in the lock file: process id, command and
        /// since when.
        holder: String,
        /// How long this run waited for it, when it did.
        waited: String,
    },
    /// The checkpoint of the state file does not build a world, or the world cannot be
    /// checkpointed (a run left a requester object alive).
    #[error("{file}: the checkpoint {problem}")]
    Checkpoint {
        /// The state file.
        file: String,
        /// What is wrong.
        problem: String,
    },
    /// The audit log beside the state file is missing, shorter than the state file records,
    /// or does not match its digest.
    #[error("{file}: the audit log {log} {problem}")]
    Log {
        /// The state file.
        file: String,
        /// The audit log.
        log: String,
        /// What is wrong with it.
        problem: String,
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

/// A run kept in its state while it goes on: after each part of it that changed something
/// a later run sees, the run so far is saved in a file beside the state file (`STATE.run`),
/// so that a process killed half way leaves the state holding what it did, its requester
/// objects released as a dead process's are (the next process replays the run, which
/// releases them at its end). Parts that only read (listing copies, reading properties)
/// are saved with the next part that changes something, or at the end. At its end,
/// [`finish`](Self::finish) keeps the run as [`StateFile::run_scenario`] keeps one.
#[derive(Debug)]
pub struct KeptRun {
    label: String,
    /// How many steps were recorded when the last part was looked at.
    seen_steps: usize,
    /// Whether a step that changes something was recorded since the last save.
    changed: bool,
}

impl KeptRun {
    /// A run labelled `label`, to be added to `state`. What the state holds and its files
    /// do not yet (runs replayed from an earlier process's unfinished run, a version 1 file)
    /// is saved first, so that the run's file follows a saved state.
    pub fn new(state: &mut StateFile, label: impl Into<String>) -> Result<KeptRun, StateError> {
        if state.needs_saving() {
            state.save()?;
        }
        Ok(KeptRun {
            label: label.into(),
            seen_steps: 0,
            changed: false,
        })
    }

    /// Saves the run as `recorder` has recorded it so far, in the file of the unfinished
    /// run, when a step recorded since the last call changes something a later run sees.
    /// After a failed save the next call tries again. A recording that cannot hold the run
    /// whole ([`StateError::Incomplete`]) is not kept at all: the file of what an earlier
    /// call saved of it is removed.
    pub fn keep(
        &mut self,
        state: &mut StateFile,
        recorder: &Recorder<Simulator>,
    ) -> Result<(), StateError> {
        let steps = recorder.step_count();
        self.changed |= recorder
            .steps_from(self.seen_steps)
            .iter()
            .any(|step| !reads_only(step));
        self.seen_steps = steps;
        if !self.changed {
            return Ok(());
        }
        let gaps = recorder.gaps();
        if !gaps.is_empty() {
            let _ = fs::remove_file(state.unfinished_path());
            return Err(StateError::Incomplete {
                file: state.file.display().to_string(),
                label: self.label.clone(),
                gaps: gaps.join(" "),
            });
        }
        if !state.target.exists() {
            // A new state: its file is written first, so that the next process finds the
            // world the unfinished run was made in.
            state.save()?;
        }
        let unfinished = UnfinishedRun {
            format: RUN_FORMAT.into(),
            version: VERSION,
            after: state.log.clone(),
            run: Run {
                label: self.label.clone(),
                steps: recorder.steps(),
            },
        };
        let text = with_digest_line(&unfinished).map_err(|source| state.save_error(source))?;
        write_atomically(&state.unfinished_path(), text.as_bytes(), |file, text| {
            file.write_all(text)
        })
        .map_err(|source| state.save_error(source))?;
        self.changed = false;
        Ok(())
    }

    /// Keeps the run, ended, in `state` and saves it, unless it called nothing: a run that
    /// called nothing is not kept and writes nothing. Called once the run's requester
    /// objects were dropped, so that their releases are in the recording.
    pub fn finish(
        self,
        state: &mut StateFile,
        recorder: &Recorder<Simulator>,
    ) -> Result<(), StateError> {
        if recorder.step_count() == 0 {
            return Ok(());
        }
        let kept = state.push_recording(self.label, recorder);
        if kept.is_err() {
            let _ = fs::remove_file(state.unfinished_path());
        }
        kept?;
        state.save()
    }
}

/// Whether a recorded step changes nothing a later run sees.
fn reads_only(step: &Map<String, Value>) -> bool {
    step.get("call")
        .and_then(Value::as_str)
        .is_some_and(|call| READ_ONLY_CALLS.contains(&call))
}

impl StateFile {
    /// A state with no runs yet, of `world`, to be saved at `file`. Refused when the
    /// simulator cannot build the world.
    pub fn new(file: &Path, world: WorldFile) -> Result<StateFile, StateError> {
        let target = resolved(file)?;
        let state = StateFile {
            file: file.to_path_buf(),
            target,
            world,
            checkpoint: None,
            start: None,
            log: None,
            log_end: None,
            replay: Vec::new(),
            unwritten: Vec::new(),
            log_problem: None,
        };
        state.build()?;
        Ok(state)
    }

    /// Reads the state file at `path` (where its symbolic links lead). It is refused, and
    /// left as it is, when it cannot be read, is not JSON or is cut short, is not a state
    /// file, was written by a newer version, does not match its digest, has a world the
    /// simulator cannot build, or when its audit log is missing or shorter than it records.
    /// Runs are replayed only by [`simulator`](Self::simulator), and only those the
    /// checkpoint does not hold yet.
    pub fn load(path: &Path) -> Result<StateFile, StateError> {
        let state = StateFile::open(path)?;
        match &state.log_problem {
            Some(problem) => Err(state.log_error(problem.clone())),
            None => Ok(state),
        }
    }

    /// [`load`](Self::load), but a state whose audit log is missing or damaged is read too
    /// (its checkpoint is whole), for the commands that look at it, drop the log or start
    /// afresh. [`log_problem`](Self::log_problem) says what is wrong with the log.
    pub fn open(path: &Path) -> Result<StateFile, StateError> {
        let target = resolved(path)?;
        let bytes = fs::read(&target).map_err(|source| StateError::Read {
            file: path.display().to_string(),
            source,
        })?;
        StateFile::from_bytes(path, target, &bytes)
    }

    /// The state at `path` when that file exists (then `world` must be `None`: the state
    /// has its own), else a new state of `world`, or of the embedded default world when
    /// `world` is `None`. Nothing is written until [`save`](Self::save).
    pub fn load_or_new(path: &Path, world: Option<WorldFile>) -> Result<StateFile, StateError> {
        let file = path.display().to_string();
        let target = resolved(path)?;
        match fs::read(&target) {
            Ok(_) if world.is_some() => Err(StateError::WorldGiven { file }),
            Ok(_) => StateFile::load(path),
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

    /// The state file this state was loaded from or is meant for, as it was named.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The world file the state's simulator is built from.
    pub fn world(&self) -> &WorldFile {
        &self.world
    }

    /// The checkpoint: the world the runs kept so far left, `None` before any.
    pub fn checkpoint(&self) -> Option<&WorldCheckpoint> {
        self.checkpoint.as_ref()
    }

    /// How many runs the state holds: those of its audit log and those kept since.
    pub fn run_count(&self) -> u64 {
        let logged = self
            .log_end
            .as_ref()
            .or(self.log.as_ref())
            .map_or(0, |l| l.runs);
        logged + self.unwritten.len() as u64
    }

    /// The audit log beside the state file (`STATE.log`), where its runs are kept.
    pub fn log_path(&self) -> PathBuf {
        let name = match &self.log {
            Some(log) => log.file.clone(),
            None => format!("{}.log", file_name(&self.target)),
        };
        beside(&self.target, &name)
    }

    /// Every file a run on this state reads or writes: the state file by its name and where
    /// it really is, its audit log, its unfinished run and its lock. Nothing a run makes
    /// (a DiskShadow metadata file, say) may be written over one of them.
    pub fn own_files(&self) -> Vec<PathBuf> {
        vec![
            self.file.clone(),
            self.target.clone(),
            self.log_path(),
            self.unfinished_path(),
            lock::lock_path(&self.target),
        ]
    }

    /// What is wrong with the audit log, when the state was read by [`open`](Self::open)
    /// with a log missing or shorter than the state file records.
    pub fn log_problem(&self) -> Option<&str> {
        self.log_problem.as_deref()
    }

    /// Every run the state holds, oldest first: those of the audit log (read whole, so
    /// this costs as much as the history is long) and those kept since.
    pub fn runs(&self) -> Result<Vec<Run>, StateError> {
        let mut runs = match &self.log_end.clone().or_else(|| self.log.clone()) {
            Some(place) => self.read_log(place)?.1,
            None => Vec::new(),
        };
        runs.extend(self.unwritten.iter().cloned());
        Ok(runs)
    }

    /// The simulator of the state: built from the checkpoint, with the runs it does not hold
    /// yet replayed on it (those of a version 1 file, of an audit log past what the state
    /// file records, of an unfinished run); after those, the checkpoint is the world they
    /// left. Refused when a checkpoint does not build or a run does not replay as recorded
    /// (`run 3 of FILE does not replay: …`).
    pub fn simulator(&mut self) -> Result<Simulator, StateError> {
        let sim = match &self.checkpoint {
            Some(checkpoint) => Simulator::from_checkpoint(&self.world, checkpoint)
                .map_err(|e| self.checkpoint_error(format!("does not build: {e}")))?,
            None => self.build()?,
        };
        if self.replay.is_empty() {
            return Ok(sim);
        }
        // They are the state's last runs.
        let first = self.run_count() + 1 - self.replay.len() as u64;
        for (i, run) in self.replay.iter().enumerate() {
            replay_run(&sim, &self.world, run, &self.file).map_err(|reason| {
                StateError::Replay {
                    file: self.file.display().to_string(),
                    run: (first + i as u64) as usize,
                    reason,
                }
            })?;
        }
        self.checkpoint = Some(
            sim.checkpoint()
                .map_err(|e| self.checkpoint_error(format!("cannot be taken: {e}")))?,
        );
        self.replay.clear();
        Ok(sim)
    }

    /// Keeps a run: its label and the steps a [`Recorder`] wrote of it
    /// ([`Recorder::steps`]), taken once the run's requester objects were dropped, with the
    /// world `sim` holds after it as the new checkpoint. Refused when a requester object of
    /// `sim` is alive.
    pub fn push_run(
        &mut self,
        label: impl Into<String>,
        steps: Vec<Map<String, Value>>,
        sim: &Simulator,
    ) -> Result<(), StateError> {
        sim.end_kept_run();
        let checkpoint = sim
            .checkpoint()
            .map_err(|e| self.checkpoint_error(format!("cannot be taken: {e}")))?;
        self.checkpoint = Some(checkpoint);
        self.unwritten.push(Run {
            label: label.into(),
            steps,
        });
        Ok(())
    }

    /// Keeps the run `recorder` recorded, as [`push_run`](Self::push_run) does, unless the
    /// recording misses part of the run ([`Recorder::gaps`]): a replay of it would not
    /// rebuild the same world. Called once the run's requester objects were dropped.
    pub fn push_recording(
        &mut self,
        label: impl Into<String>,
        recorder: &Recorder<Simulator>,
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
        self.push_run(label, recorder.steps(), recorder.backend())
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

    /// Whether the state holds something its files do not: runs kept or replayed since it
    /// was loaded, a version 1 file to write as version 2.
    pub fn needs_saving(&self) -> bool {
        !self.unwritten.is_empty() || self.log_end.is_some() || !self.replay.is_empty()
    }

    /// Drops the audit log: the checkpoint stays, and the next run starts a new log from
    /// it. Call after [`simulator`](Self::simulator), so that the checkpoint holds every
    /// run; [`save`](Self::save) writes it.
    pub fn compact(&mut self) {
        self.start = self.checkpoint.clone();
        self.log = None;
        self.log_end = None;
        self.unwritten.clear();
        self.replay.clear();
        self.log_problem = None;
    }

    /// Starts afresh from the world file: no checkpoint, no run, no audit log.
    /// [`save`](Self::save) writes it.
    pub fn reset(&mut self) {
        self.checkpoint = None;
        self.compact();
    }

    /// Writes the state to its file. The runs kept since the last save are appended to the
    /// audit log first (flushed to the disk), or a new log is written whole beside the
    /// state file when it has none; then the state file is replaced atomically: the text
    /// goes to a temporary file in the same folder, is flushed to the disk, and is renamed
    /// over the old file, so that a crash at any point leaves either the old state or the
    /// new one, whole. Runs appended to the log by a save that did not get to replace the
    /// state file are found, and replayed, by the next load. The file of an unfinished run
    /// and a log the state no longer has are removed last.
    pub fn save(&mut self) -> Result<(), StateError> {
        self.save_with(|file, text| file.write_all(text))
    }

    /// [`save`](Self::save) with the writing of the state file's text into its temporary
    /// file done by `write`, so that a test can make it fail half way as a full disk or a
    /// crash would.
    fn save_with(
        &mut self,
        write: impl FnOnce(&mut File, &[u8]) -> io::Result<()>,
    ) -> Result<(), StateError> {
        if !self.replay.is_empty() {
            // The checkpoint does not hold them yet.
            self.simulator()?;
        }
        // A log that is missing or damaged is not written to; a state with no run to add
        // to it is still saved.
        if let Some(problem) = self
            .log_problem
            .as_ref()
            .filter(|_| !self.unwritten.is_empty())
        {
            return Err(self.log_error(problem.clone()));
        }
        let log = self.write_log()?;
        let text = self
            .text(log.as_ref())
            .map_err(|source| self.save_error(source))?;
        write_atomically(&self.target, text.as_bytes(), write)
            .map_err(|source| self.save_error(source))?;
        if log.is_none() {
            let _ = fs::remove_file(self.log_path());
        }
        self.log = log;
        self.log_end = None;
        self.unwritten.clear();
        self.start = self.checkpoint.clone();
        let _ = fs::remove_file(self.unfinished_path());
        Ok(())
    }

    /// Writes the runs kept since the last save to the audit log, and gives the log as the
    /// state file is to record it (`None` when there is no run to log).
    fn write_log(&self) -> Result<Option<LogPlace>, StateError> {
        let current = self.log_end.clone().or_else(|| self.log.clone());
        let mut lines = String::new();
        for run in &self.unwritten {
            lines.push_str(
                &serde_json::to_string(run).map_err(|e| self.save_error(io::Error::other(e)))?,
            );
            lines.push('\n');
        }
        match current {
            None if self.unwritten.is_empty() => Ok(None),
            None => {
                let header = LogHeader {
                    format: LOG_FORMAT.into(),
                    version: VERSION,
                    base: self.start.clone(),
                };
                let mut text = serde_json::to_string(&header)
                    .map_err(|e| self.save_error(io::Error::other(e)))?;
                text.push('\n');
                text.push_str(&lines);
                let name = format!("{}.log", file_name(&self.target));
                let path = beside(&self.target, &name);
                // No state file names this log yet (a file of that name is a save's that did
                // not get to the state file), so it is written in place: the state file,
                // replaced after, is what makes it part of the state.
                File::create(&path)
                    .and_then(|mut file| {
                        file.write_all(text.as_bytes())?;
                        file.sync_data()
                    })
                    .map_err(|source| self.save_error(source))?;
                Ok(Some(LogPlace {
                    file: name,
                    runs: self.unwritten.len() as u64,
                    bytes: text.len() as u64,
                    digest: hash_text(fnv1a64(text.as_bytes())),
                }))
            }
            Some(place) if self.unwritten.is_empty() => Ok(Some(place)),
            Some(place) => {
                let path = beside(&self.target, &place.file);
                let appended = (|| {
                    let mut file = fs::OpenOptions::new().write(true).open(&path)?;
                    // What a save cut short appended past the end is dropped.
                    if file.metadata()?.len() != place.bytes {
                        file.set_len(place.bytes)?;
                    }
                    file.seek(SeekFrom::Start(place.bytes))?;
                    file.write_all(lines.as_bytes())?;
                    file.sync_data()
                })();
                appended
                    .map_err(|source| self.log_error(format!("cannot be written: {source}")))?;
                let digest = parse_hash(&place.digest).unwrap_or_default();
                Ok(Some(LogPlace {
                    file: place.file,
                    runs: place.runs + self.unwritten.len() as u64,
                    bytes: place.bytes + lines.len() as u64,
                    digest: hash_text(fnv1a64_more(digest, lines.as_bytes())),
                }))
            }
        }
    }

    /// Checks the state file against its audit log: the log matches the length and digest
    /// the state file records, and replaying its runs from the world they start from gives
    /// the checkpoint. Call before [`simulator`](Self::simulator), which may move the
    /// checkpoint on past the log. A log that is damaged, or has a run that does not replay
    /// as recorded, is an error; a replay that ends in another world is
    /// [`Verdict::Differs`].
    pub fn verify(&self) -> Result<Verdict, StateError> {
        if let Some(problem) = &self.log_problem {
            return Err(self.log_error(problem.clone()));
        }
        let Some(place) = &self.log else {
            if self.checkpoint.is_none() && !self.replay.is_empty() {
                // A version 1 file: no checkpoint yet, its runs must replay.
                self.clone().simulator()?;
                let runs = self.replay.len() as u64;
                return Ok(Verdict::Matches { runs });
            }
            // No run since the checkpoint was made (or no checkpoint at all).
            return Ok(Verdict::Matches { runs: 0 });
        };
        let (base, runs) = self.read_log(place)?;
        let sim = match &base {
            Some(base) => Simulator::from_checkpoint(&self.world, base).map_err(|e| {
                self.log_error(format!("starts from a checkpoint that does not build: {e}"))
            })?,
            None => self.build()?,
        };
        for (i, run) in runs.iter().enumerate() {
            replay_run(&sim, &self.world, run, &self.log_path()).map_err(|reason| {
                StateError::Replay {
                    file: self.log_path().display().to_string(),
                    run: i + 1,
                    reason,
                }
            })?;
        }
        let replayed = sim
            .checkpoint()
            .map_err(|e| self.checkpoint_error(format!("cannot be taken: {e}")))?;
        let runs = runs.len() as u64;
        let value = |c: &Option<WorldCheckpoint>| serde_json::to_value(c).unwrap_or(Value::Null);
        match first_difference(&value(&Some(replayed)), &value(&self.checkpoint), "") {
            None => Ok(Verdict::Matches { runs }),
            Some(at) => Ok(Verdict::Differs { runs, at }),
        }
    }

    /// The audit log up to `place`: the world its runs start from and the runs. Refused when
    /// the log is shorter or does not match the digest recorded.
    fn read_log(
        &self,
        place: &LogPlace,
    ) -> Result<(Option<WorldCheckpoint>, Vec<Run>), StateError> {
        let path = beside(&self.target, &place.file);
        let bytes = fs::read(&path).map_err(|e| self.log_error(format!("cannot be read: {e}")))?;
        let len = usize::try_from(place.bytes).unwrap_or(usize::MAX);
        if bytes.len() < len {
            return Err(self.log_error(format!(
                "holds {} bytes, fewer than the {} the state file records",
                bytes.len(),
                place.bytes
            )));
        }
        let computed = hash_text(fnv1a64(&bytes[..len]));
        if computed != place.digest {
            return Err(self.log_error(format!(
                "does not match its digest (recorded {}, computed {computed}): it was changed or damaged after it was written",
                place.digest
            )));
        }
        let text = String::from_utf8_lossy(&bytes[..len]);
        let mut lines = text.lines();
        let header: LogHeader = lines
            .next()
            .ok_or_else(|| self.log_error("is empty".into()))
            .and_then(|line| {
                serde_json::from_str(line)
                    .map_err(|e| self.log_error(format!("line 1: {}", position_free(&e))))
            })?;
        if header.format != LOG_FORMAT || header.version != VERSION {
            return Err(self.log_error(format!(
                "line 1: it is not an audit log of version {VERSION} (`format` \"{LOG_FORMAT}\")"
            )));
        }
        let runs = lines
            .enumerate()
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .map_err(|e| self.log_error(format!("line {}: {}", i + 2, position_free(&e))))
            })
            .collect::<Result<Vec<Run>, _>>()?;
        Ok((header.base, runs))
    }

    /// The state file's text: the content, laid out to be read and compared (the world
    /// indented, the checkpoint on one line), with its digest.
    fn text(&self, log: Option<&LogPlace>) -> io::Result<String> {
        let world = serde_json::to_value(&self.world).map_err(io::Error::other)?;
        // Each part's compact text is made once: the file holds it, and the digest is the
        // hash of the parts as one compact object, keys in order (what `digest` computes of
        // the content read back).
        let compact = |value: &Value| value.to_string();
        let checkpoint = serde_json::to_value(&self.checkpoint)
            .map(|v| compact(&v))
            .map_err(io::Error::other)?;
        let log = serde_json::to_value(log)
            .map(|v| compact(&v))
            .map_err(io::Error::other)?;
        let format = compact(&Value::String(FORMAT.into()));
        let hashed = format!(
            "{{\"checkpoint\":{checkpoint},\"format\":{format},\"log\":{log},\"version\":{VERSION},\"world\":{}}}",
            compact(&world)
        );
        Ok(format!(
            "{{\n  \"format\": {format},\n  \"version\": {VERSION},\n  \"world\": {},\n  \"checkpoint\": {checkpoint},\n  \"log\": {log},\n  \"digest\": {}\n}}\n",
            format!("{world:#}").replace('\n', "\n  "),
            Value::String(hash_text(fnv1a64(hashed.as_bytes()))),
        ))
    }

    /// Reads a state file's bytes; see [`load`](Self::load).
    fn from_bytes(path: &Path, target: PathBuf, bytes: &[u8]) -> Result<StateFile, StateError> {
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
        let top = Value::Object(top);
        let computed = digest(&top);
        if recorded != computed {
            return Err(StateError::DigestMismatch {
                file,
                recorded,
                computed,
            });
        }
        let placed = |e: serde_json::Error| StateError::Malformed {
            file: file.clone(),
            position: Some(Position::new(e.line() as u64, e.column() as u64)),
            message: position_free(&e),
        };
        if version == 1 {
            return StateFile::from_version_1(path, target, bytes, placed);
        }
        // The value read already is turned into the state's parts; only when it does not
        // fit is the text read again, for the place of what is wrong.
        let stored: Stored = match serde_json::from_value(top) {
            Ok(stored) => stored,
            Err(_) => serde_json::from_slice(bytes).map_err(placed)?,
        };
        let mut state = StateFile::new(path, stored.world)?;
        state.target = target;
        state.start = stored.checkpoint.clone();
        state.checkpoint = stored.checkpoint;
        state.log = stored.log;
        state.read_tail();
        state.read_unfinished()?;
        Ok(state)
    }

    /// A state file of version 1: the world and every run. They are replayed once, by
    /// [`simulator`](Self::simulator), and written to a new audit log by the next save.
    fn from_version_1(
        path: &Path,
        target: PathBuf,
        bytes: &[u8],
        placed: impl Fn(serde_json::Error) -> StateError,
    ) -> Result<StateFile, StateError> {
        let stored: StoredV1 = serde_json::from_slice(bytes).map_err(placed)?;
        let mut state = StateFile::new(path, stored.world)?;
        state.target = target;
        // Every step of every run is read now, so that a file with a bad one is refused
        // whole, before any history is replayed.
        let text = String::from_utf8_lossy(bytes);
        let places = input::places(&text, "runs");
        for (i, run) in stored.runs.iter().enumerate() {
            state
                .scenario_of(run, &places.within(i, "steps"))
                .map_err(|error| StateError::BadStep { run: i + 1, error })?;
        }
        state.replay = stored.runs.clone();
        state.unwritten = stored.runs;
        Ok(state)
    }

    /// Reads the runs a save appended to the audit log past what the state file records
    /// (the process died before it replaced the state file), to be replayed. A line cut
    /// short, or one that is not a run, ends them: the next save drops it. A log missing or
    /// shorter than the state file records is noted in `log_problem`.
    fn read_tail(&mut self) {
        let Some(place) = self.log.clone() else {
            return;
        };
        let path = beside(&self.target, &place.file);
        let mut tail = Vec::new();
        let read = File::open(&path).and_then(|mut file| {
            let len = file.metadata()?.len();
            if len < place.bytes {
                return Err(io::Error::other(format!(
                    "holds {len} bytes, fewer than the {} the state file records",
                    place.bytes
                )));
            }
            file.seek(SeekFrom::Start(place.bytes))?;
            file.read_to_end(&mut tail)
        });
        if let Err(e) = read {
            self.log_problem = Some(match e.kind() {
                io::ErrorKind::NotFound => "is missing".to_string(),
                _ => e.to_string(),
            });
            return;
        }
        let mut end = place.clone();
        let mut digest = parse_hash(&place.digest).unwrap_or_default();
        let mut rest = &tail[..];
        while let Some(n) = rest.iter().position(|b| *b == b'\n') {
            let line = &rest[..=n];
            let Ok(run) = serde_json::from_slice::<Run>(line) else {
                break;
            };
            if self.scenario_of(&run, &Places::default()).is_err() {
                break;
            }
            digest = fnv1a64_more(digest, line);
            end.runs += 1;
            end.bytes += line.len() as u64;
            end.digest = hash_text(digest);
            self.replay.push(run);
            rest = &rest[n + 1..];
        }
        if end != place || !rest.is_empty() {
            self.log_end = Some(end);
        }
    }

    /// Reads the file of a run an earlier process kept as it went and did not finish
    /// (killed, or its machine went down), to be replayed and kept. A file from before the
    /// last save (its run was logged since) is left for the next save to remove.
    fn read_unfinished(&mut self) -> Result<(), StateError> {
        let path = self.unfinished_path();
        let Ok(bytes) = fs::read(&path) else {
            return Ok(());
        };
        let shown = path.display().to_string();
        let unfinished: UnfinishedRun =
            read_with_digest_line(&bytes).map_err(|message| StateError::Malformed {
                file: shown.clone(),
                position: None,
                message,
            })?;
        if unfinished.format != RUN_FORMAT || unfinished.version != VERSION {
            return Err(StateError::Malformed {
                file: shown,
                position: None,
                message: format!(
                    "it is not an unfinished run of version {VERSION} (`format` \"{RUN_FORMAT}\")"
                ),
            });
        }
        if unfinished.after != self.log || !self.replay.is_empty() {
            return Ok(());
        }
        self.scenario_of(&unfinished.run, &Places::default())
            .map_err(|error| StateError::BadStep {
                run: self.run_count() as usize + 1,
                error,
            })?;
        self.replay.push(unfinished.run.clone());
        self.unwritten.push(unfinished.run);
        Ok(())
    }

    /// A run as a scenario in the state's world, its steps read and checked; `places` says
    /// where they are in the state file, when known.
    fn scenario_of(&self, run: &Run, places: &Places) -> Result<Scenario, InputError> {
        Scenario::from_placed_steps(
            &self.file.display().to_string(),
            WorldSource::Inline(Box::new(self.world.clone())),
            Capabilities::empty(),
            run.steps.clone(),
            places,
        )
    }

    /// A simulator of the state's world, before any run.
    fn build(&self) -> Result<Simulator, StateError> {
        Simulator::new(&self.world).map_err(|source| StateError::World {
            file: self.file.display().to_string(),
            source,
        })
    }

    /// The file of the unfinished run (`STATE.run`).
    fn unfinished_path(&self) -> PathBuf {
        beside(&self.target, &format!("{}.run", file_name(&self.target)))
    }

    fn save_error(&self, source: io::Error) -> StateError {
        StateError::Save {
            file: self.file.display().to_string(),
            source,
        }
    }

    fn log_error(&self, problem: String) -> StateError {
        StateError::Log {
            file: self.file.display().to_string(),
            log: self.log_path().display().to_string(),
            problem,
        }
    }

    fn checkpoint_error(&self, problem: String) -> StateError {
        StateError::Checkpoint {
            file: self.file.display().to_string(),
            problem,
        }
    }
}

/// Replays a run on `sim`, every expectation checked; the reason when it does not replay
/// as recorded.
fn replay_run(sim: &Simulator, world: &WorldFile, run: &Run, file: &Path) -> Result<(), String> {
    let scenario = Scenario::from_steps(
        &file.display().to_string(),
        WorldSource::Inline(Box::new(world.clone())),
        Capabilities::empty(),
        run.steps.clone(),
    )
    .map_err(|e| e.to_string())?;
    let report = run_scenario(&scenario, sim, None);
    sim.end_kept_run();
    // What the replay did underneath is history, not part of the next run's trace.
    sim.take_trace();
    match report.outcome {
        RunEnd::Passed => Ok(()),
        RunEnd::Failed(_) => Err(first_failure(&report.output)),
        RunEnd::BadInput(e) => Err(match e.step {
            Some(step) => format!("step {step}: {}", e.problem),
            None => e.problem.to_string(),
        }),
        RunEnd::Skipped(reason) => Err(reason),
    }
}

/// Where a state file is, its symbolic links followed.
fn resolved(path: &Path) -> Result<PathBuf, StateError> {
    lock::resolve(path).map_err(|source| StateError::Read {
        file: path.display().to_string(),
        source,
    })
}

/// The name of a file, without its folder.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// A file named `name` in the folder of `path`.
fn beside(path: &Path, name: &str) -> PathBuf {
    match path.parent() {
        Some(folder) => folder.join(name),
        None => PathBuf::from(name),
    }
}

/// A hash as the files write it: `fnv1a64:` and 16 hexadecimal digits.
fn hash_text(hash: u64) -> String {
    format!("{DIGEST_PREFIX}{hash:016x}")
}

/// The hash a digest text holds.
fn parse_hash(text: &str) -> Option<u64> {
    u64::from_str_radix(text.strip_prefix(DIGEST_PREFIX)?, 16).ok()
}

/// `value` as one line of JSON with its digest: the object's fields and `digest`.
fn with_digest_line<T: Serialize>(value: &T) -> io::Result<String> {
    let Value::Object(mut content) = serde_json::to_value(value).map_err(io::Error::other)? else {
        return Err(io::Error::other("not an object"));
    };
    let digest = digest(&Value::Object(content.clone()));
    content.insert("digest".into(), Value::String(digest));
    Ok(format!("{}\n", Value::Object(content)))
}

/// Reads what [`with_digest_line`] wrote, its digest checked.
fn read_with_digest_line<T: for<'de> Deserialize<'de>>(bytes: &[u8]) -> Result<T, String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    let Value::Object(mut content) = value else {
        return Err("it is not a JSON object".into());
    };
    let recorded = content.remove("digest");
    let computed = digest(&Value::Object(content.clone()));
    if recorded.as_ref().and_then(Value::as_str) != Some(computed.as_str()) {
        return Err(
            "the content does not match its digest: it was changed or damaged after it was written"
                .into(),
        );
    }
    serde_json::from_value(Value::Object(content)).map_err(|e| e.to_string())
}

/// The first place where two JSON values differ, as a dotted path (`san.array.luns`).
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    let here = || {
        if at.is_empty() {
            "(the whole)".to_string()
        } else {
            at.to_string()
        }
    };
    let join = |key: &str| {
        if at.is_empty() {
            key.to_string()
        } else {
            format!("{at}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            keys.into_iter()
                .find_map(|key| match (x.get(key), y.get(key)) {
                    (Some(p), Some(q)) => first_difference(p, q, &join(key)),
                    _ => Some(join(key)),
                })
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x
            .iter()
            .zip(y)
            .enumerate()
            .find_map(|(i, (p, q))| first_difference(p, q, &join(&i.to_string()))),
        _ if a == b => None,
        _ => Some(here()),
    }
}

/// `, step N` when an error is about one step.
fn step_of(error: &InputError) -> String {
    error
        .step
        .map_or_else(String::new, |n| format!(", step {n}"))
}

/// The digest of a state file's content: FNV-1a 64 of its compact JSON text. Object keys are
/// kept sorted (`serde_json` without `preserve_order`), so the text, and the digest, depend
/// only on the content and not on how the file was laid out.
fn digest(content: &Value) -> String {
    hash_text(fnv1a64(content.to_string().as_bytes()))
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

/// The temporary file a save of the file at `path` writes before renaming it over.
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

/// Replaces the file at `path` with `bytes`, atomically: written by `write` to a temporary
/// file beside it, flushed to the disk, then renamed over it; on Unix the folder is flushed
/// too, so that the rename itself survives a power cut. On any failure the temporary file is
/// removed and the file at `path` is as it was.
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
