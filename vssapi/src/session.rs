//! The simulated world of one process: built at the first call of the factory, kept in its
//! state file as the calls go, and let go of when the program holds nothing served.
//!
//! A real `vssapi.dll` talks to one VSS service on one machine. Here the process plays one
//! machine of a simulated world. With a state file, a *run* lasts from the factory call
//! that finds no served object alive to the release of the last one: the state file's lock
//! is held for that long, the run is kept (in the file of the unfinished run) after every
//! call that changed something a later process sees, and at its end the run is added to the
//! state file and the lock let go, so that the next program (a DiskShadow run on another
//! machine, say) finds what this one left. Without a state file the world lives as long as
//! the process.
//!
//! The served objects belong to the thread that made them, as an apartment's objects do, and
//! the world is kept in that thread's storage: each thread that calls the factory has a
//! world of its own, built from the same settings. Threads share a world only through a
//! state file, one run at a time (a thread whose run finds the file held waits up to
//! `VSS_SIM_WAIT`, or is refused). A program that makes all its calls on one thread, as
//! backup programs and vshadow do, sees one world.

use std::cell::RefCell;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::Arc;

use vss_model::backend::{Backend, Capabilities};
use vss_model::methods::Method;
use vss_sim::Simulator;
use vss_sim::recorder::Recorder;
use vss_sim::state::{KeptRun, StateFile, StateLock};
use vss_sim::world_file::{self, WorldFile};
use vss_sim_com::{Census, Hooks};
use vss_windows::ComMemory;
use vss_windows::interfaces::IVssBackupComponents;

use crate::config::Config;
use crate::refusal::Refusal;

thread_local! {
    /// The world of the objects served on this thread.
    static HOST: RefCell<Option<Host>> = const { RefCell::new(None) };
}

/// What the process keeps between calls.
struct Host {
    config: Config,
    memory: Arc<dyn ComMemory>,
    census: Census,
    /// The world being served, while a run is open (always, once built, without a state
    /// file).
    run: Option<Run>,
    /// Whether a failure to keep the run was told already: it is said once, not per call.
    warned: bool,
}

/// One run on the world: the simulator, its recording, and its state file when it has one.
struct Run {
    sim: Simulator,
    recorder: Recorder<Simulator>,
    world: WorldFile,
    machine: String,
    kept: Option<Kept>,
    trace: Option<File>,
    /// How many recorded steps the trace shows already.
    traced_steps: usize,
}

/// A run kept in a state file, whose lock is held while the run is open.
struct Kept {
    state: StateFile,
    run: KeptRun,
    _lock: StateLock,
}

/// `CreateVssBackupComponents` on the process's world: a new requester object on the
/// machine the process plays, served through COM with `memory`.
pub(crate) fn create_backup_components(
    memory: impl FnOnce() -> Arc<dyn ComMemory>,
) -> Result<IVssBackupComponents, Refusal> {
    // The host is let go of before the object is served: serving may drop an object, and a
    // drop tells the host.
    let (components, memory, census) = HOST.with(|host| {
        let mut host = host.try_borrow_mut().map_err(|_| Refusal::reentered())?;
        if host.is_none() {
            let config = Config::from_env().map_err(Refusal::configuration)?;
            *host = Some(Host {
                config,
                memory: memory(),
                census: Census::with_hooks(Hooks {
                    after_call,
                    idle: released_all,
                }),
                run: None,
                warned: false,
            });
        }
        let host = host.as_mut().expect("set above");
        if host.run.is_none() {
            host.run = Some(Run::open(&host.config)?);
        }
        let run = host.run.as_mut().expect("set above");
        let components = run
            .recorder
            .create_backup_components(&run.machine)
            .map_err(|hr| Refusal::from_call(hr, "the simulator refused the object"))?;
        Ok::<_, Refusal>((components, host.memory.clone(), host.census.clone()))
    })?;
    let served = vss_sim_com::serve(components, memory, &census)
        .map_err(|hr| Refusal::from_call(hr, "the object could not be served"));
    after_call();
    served
}

/// Answers a question about the world with `f`, given the simulator and the machine the
/// process plays: on the open run's world, or, when none is open, on the world as the
/// configuration gives it now (its state file locked only while `f` runs).
pub(crate) fn with_world<R>(
    f: impl FnOnce(&Simulator, &str) -> Result<R, Refusal>,
) -> Result<R, Refusal> {
    HOST.with(|host| {
        let host = host.try_borrow().map_err(|_| Refusal::reentered())?;
        match host.as_ref() {
            Some(Host { run: Some(run), .. }) => f(&run.sim, &run.machine),
            Some(Host { config, .. }) => {
                let run = Run::open(config)?;
                f(&run.sim, &run.machine)
            }
            None => {
                let run = Run::open(&Config::from_env().map_err(Refusal::configuration)?)?;
                f(&run.sim, &run.machine)
            }
        }
    })
}

impl Run {
    /// Builds the world the configuration names, taking and loading its state file.
    fn open(config: &Config) -> Result<Run, Refusal> {
        let trace = match &config.trace {
            None => None,
            Some(path) => Some(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        Refusal::configuration(format!(
                            "VSS_SIM_TRACE: cannot write {}: {e}",
                            path.display()
                        ))
                    })?,
            ),
        };
        let given = match &config.world {
            None => None,
            Some(path) => Some(
                world_file::read(path)
                    .map_err(|e| Refusal::configuration(format!("VSS_SIM_WORLD: {e}")))?,
            ),
        };
        let (sim, world, kept) = match &config.state {
            None => {
                let world = given.unwrap_or_else(|| world_file::default_world().clone());
                let sim = Simulator::new(&world)
                    .map_err(|e| Refusal::configuration(format!("the world: {e}")))?;
                (sim, world, None)
            }
            Some(path) => {
                let lock = StateLock::take_waiting(path, config.wait).map_err(Refusal::state)?;
                let mut state = StateFile::load_or_new(path, given).map_err(Refusal::state)?;
                let sim = state.simulator().map_err(Refusal::state)?;
                let run = KeptRun::new(&mut state, label()).map_err(Refusal::state)?;
                let world = state.world().clone();
                let kept = Kept {
                    state,
                    run,
                    _lock: lock,
                };
                (sim, world, Some(kept))
            }
        };
        let machine = machine_named(&sim, config.machine.as_deref())?;
        sim.set_tracing(trace.is_some());
        Ok(Run {
            recorder: Recorder::new(sim.clone()),
            sim,
            world,
            machine,
            kept,
            trace,
            traced_steps: 0,
        })
    }

    /// Keeps the run so far and writes the trace of the call that ended. A failure to keep
    /// it is said once; the calls go on, as a program cannot be told.
    fn after_call(&mut self, warned: &mut bool) {
        self.write_trace(false);
        if let Some(kept) = &mut self.kept
            && let Err(e) = kept.run.keep(&mut kept.state, &self.recorder)
            && !std::mem::replace(warned, true)
        {
            self.say(&format!("warning: the run so far is not kept: {e}"));
        }
    }

    /// Ends the run: every object served was released, so the recording holds the whole
    /// run. It is added to the state file, written as a scenario when asked, and the lock
    /// let go (by dropping the run).
    fn finish(mut self, config: &Config) {
        self.write_trace(true);
        self.write_recording(config);
        if let Some(kept) = self.kept.take() {
            let Kept { mut state, run, .. } = kept;
            if let Err(e) = run.finish(&mut state, &self.recorder) {
                self.say(&format!("the run is not kept: {e}"));
            }
        }
    }

    /// Writes the calls made so far as a scenario, when the configuration asks for it.
    fn write_recording(&mut self, config: &Config) {
        if let Some(path) = &config.record {
            let text =
                self.recorder
                    .scenario_text(&self.world, Capabilities::empty(), "vssapi.dll");
            if let Err(e) = std::fs::write(path, text) {
                self.say(&format!(
                    "VSS_SIM_RECORD: cannot write {}: {e}",
                    path.display()
                ));
            }
        }
    }

    /// Appends to the trace the requester calls made since it was last written, each as
    /// the step the recording holds, then what VSS and the providers did underneath.
    ///
    /// An asynchronous call is written once its outcome is known (the program waited and
    /// asked its status), with what happened underneath it; until then, and for the calls
    /// after it, nothing is written, unless `whole` (the run ends).
    fn write_trace(&mut self, whole: bool) {
        if let Some(trace) = &mut self.trace {
            let steps = self.recorder.steps_from(self.traced_steps);
            if !whole && steps.last().is_some_and(awaiting_outcome) {
                return;
            }
            let mut text = String::new();
            for step in steps {
                text.push_str(&step_line(&self.machine, &step));
                text.push('\n');
                self.traced_steps += 1;
            }
            for line in self.sim.take_trace_lines() {
                text.push_str(&line);
                text.push('\n');
            }
            let _ = trace.write_all(text.as_bytes());
        }
    }

    /// Tells the user something went wrong: on standard error and in the trace.
    fn say(&mut self, message: &str) {
        eprintln!("vssapi.dll (vss-sim): {message}");
        if let Some(trace) = &mut self.trace {
            let _ = writeln!(trace, "vssapi.dll: {message}");
        }
    }
}

/// Whether `step` is an asynchronous call whose outcome the recording does not hold yet.
fn awaiting_outcome(step: &serde_json::Map<String, serde_json::Value>) -> bool {
    let asynchronous = step
        .get("call")
        .and_then(serde_json::Value::as_str)
        .and_then(Method::from_name)
        .is_some_and(Method::is_asynchronous);
    asynchronous && !step.contains_key("expect")
}

/// One recorded step as a trace line: `MACHINE: OBJECT Method(argument: value, …) -> HRESULT`
/// for a call (an asynchronous call's outcome is what its wait and status gave),
/// `MACHINE: OBJECT env STEP` for what the environment did (a release).
fn step_line(machine: &str, step: &serde_json::Map<String, serde_json::Value>) -> String {
    let text = |key: &str| {
        step.get(key).map(|value| match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    };
    let on = text("on").unwrap_or_else(|| machine.to_string());
    let object = text("as").map(|o| format!("{o} ")).unwrap_or_default();
    // The step's own keys and its checks are not arguments of the call.
    const NOT_ARGUMENTS: [&str; 6] = ["on", "as", "call", "env", "bind", "comment"];
    let arguments: Vec<String> = step
        .keys()
        .filter(|key| !NOT_ARGUMENTS.contains(&key.as_str()) && !key.starts_with("expect"))
        .map(|key| format!("{key}: {}", text(key).unwrap_or_default()))
        .collect();
    match text("call") {
        Some(call) => {
            let outcome = text("expect")
                .map(|hr| format!(" -> {hr}"))
                .unwrap_or_default();
            format!("{on}: {object}{call}({}){outcome}", arguments.join(", "))
        }
        None => format!(
            "{on}: {object}env {} {}",
            text("env").unwrap_or_default(),
            arguments.join(", ")
        )
        .trim_end()
        .to_string(),
    }
}

/// The machine `wanted` names (any case), or the world's first.
fn machine_named(sim: &Simulator, wanted: Option<&str>) -> Result<String, Refusal> {
    sim.machine_named(wanted).ok_or_else(|| {
        Refusal::unknown_machine(format!(
            "VSS_SIM_MACHINE: the world has no machine `{}`; it has {}",
            wanted.unwrap_or_default(),
            sim.machines().join(", ")
        ))
    })
}

/// How a run is labelled in the state file: the program and its arguments.
fn label() -> String {
    let args: Vec<String> = std::env::args().collect();
    let program = args.first().map_or("a program", |p| {
        p.rsplit(['/', '\\']).next().unwrap_or(p.as_str())
    });
    let mut label = format!("vssapi.dll: {program}");
    for arg in args.iter().skip(1) {
        label.push(' ');
        label.push_str(arg);
    }
    label
}

/// The census's hook after each call on a served object.
fn after_call() {
    HOST.with(|host| {
        // A call made while the host is busy (the factory serving) is kept by the factory.
        if let Ok(mut host) = host.try_borrow_mut()
            && let Some(host) = host.as_mut()
            && let Some(run) = host.run.as_mut()
        {
            run.after_call(&mut host.warned);
        }
    });
}

/// The census's hook when the program released everything served: with a state file the
/// run ends; without one the world stays for the rest of the process, and only the
/// recording is written.
fn released_all() {
    HOST.with(|host| {
        let Ok(mut host) = host.try_borrow_mut() else {
            return;
        };
        let Some(host) = host.as_mut() else {
            return;
        };
        if host.config.state.is_some() {
            if let Some(run) = host.run.take() {
                run.finish(&host.config);
            }
        } else if let Some(run) = host.run.as_mut() {
            run.write_trace(true);
            run.write_recording(&host.config);
        }
    });
}

/// Tells the user why the factory failed, on standard error and in the trace file when one
/// is configured and can be written.
pub(crate) fn report(refusal: &Refusal) {
    eprintln!("vssapi.dll (vss-sim): {}", refusal.message);
    if let Ok(Some(path)) = Config::from_env().map(|c| c.trace)
        && let Ok(mut trace) = OpenOptions::new().create(true).append(true).open(path)
    {
        let _ = writeln!(trace, "vssapi.dll: {}", refusal.message);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::refusal::{BAD_CONFIGURATION, FILE_CORRUPT, INVALID_COMPUTERNAME, LOCK_VIOLATION};

    /// A fresh folder for one test's files.
    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("vssapi-session-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn refused(config: &Config) -> Refusal {
        match Run::open(config) {
            Ok(_) => panic!("{config:?} was served"),
            Err(refusal) => refusal,
        }
    }

    #[test]
    fn the_default_world_is_served_on_its_first_machine() {
        let run = Run::open(&Config::default()).unwrap();
        assert_eq!(run.machine, "HOSTA");
        assert!(run.kept.is_none());
    }

    #[test]
    fn a_machine_is_named_in_any_case() {
        let config = Config {
            machine: Some("hostb".into()),
            ..Config::default()
        };
        assert_eq!(Run::open(&config).unwrap().machine, "HOSTB");
    }

    #[test]
    fn an_unknown_machine_is_refused_naming_the_machines() {
        let refusal = refused(&Config {
            machine: Some("HOSTZ".into()),
            ..Config::default()
        });
        assert_eq!(refusal.hr, INVALID_COMPUTERNAME);
        assert!(refusal.message.contains("`HOSTZ`") && refusal.message.contains("HOSTA"));
    }

    #[test]
    fn an_unreadable_world_is_a_bad_configuration() {
        let dir = scratch("world");
        let refusal = refused(&Config {
            world: Some(dir.join("missing.yaml")),
            ..Config::default()
        });
        assert_eq!(refusal.hr, BAD_CONFIGURATION);
        assert!(
            refusal.message.starts_with("VSS_SIM_WORLD: "),
            "{}",
            refusal.message
        );
    }

    #[test]
    fn a_damaged_state_file_is_refused_and_left_as_it_is() {
        let dir = scratch("damaged");
        let state = dir.join("world.json");
        std::fs::write(&state, "{ \"format\": ").unwrap();
        let refusal = refused(&Config {
            state: Some(state.clone()),
            ..Config::default()
        });
        assert_eq!(refusal.hr, FILE_CORRUPT);
        assert!(
            refusal.message.starts_with("VSS_SIM_STATE: "),
            "{}",
            refusal.message
        );
        assert_eq!(std::fs::read_to_string(&state).unwrap(), "{ \"format\": ");
    }

    #[test]
    fn a_state_file_held_by_another_run_is_refused() {
        let dir = scratch("held");
        let config = Config {
            state: Some(dir.join("world.json")),
            ..Config::default()
        };
        let held = Run::open(&config).unwrap();
        assert_eq!(refused(&config).hr, LOCK_VIOLATION);
        drop(held);
        Run::open(&config).unwrap();
    }
}
