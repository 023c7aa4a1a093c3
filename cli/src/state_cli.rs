//! `vss-sim run --state FILE [--world WORLD] SCENARIO...`: scenarios run one after the other
//! in a world kept in a state file ([`vss_sim::state`]), so that a later process finds the
//! shadow copies, LUNs and data an earlier one left; and `vss-sim state show|verify|compact|
//! reset FILE`, which look at a state file, check it against its audit log, drop the log, or
//! start afresh.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use vss_model::backend::{Backend, BackupComponents, Environment, VssResult};
use vss_model::{Context, ObjectProp, ObjectType, VssId};
use vss_sim::Simulator;
use vss_sim::runner::{RunEnd, read_file};
use vss_sim::state::{StateFile, StateLock, Verdict};
use vss_sim::world_file;

use crate::exit::{BAD_INPUT, bad_input, say, say_part};

/// The exit code of `state verify` when the audit log replays into another world than the
/// checkpoint: distinct from bad input (a file that cannot be read) and from success.
pub const DIFFERS: u8 = 3;

/// The arguments of `vss-sim state`.
#[derive(clap::Args)]
pub struct StateArgs {
    /// What to do with the state file.
    #[command(subcommand)]
    action: StateAction,
}

/// What `vss-sim state` does.
#[derive(clap::Subcommand)]
enum StateAction {
    /// Print what the world of the state file holds: its machines and their shadow copies,
    /// and the array's LUNs.
    Show(StateFileArgs),
    /// Replay the audit log from the world it starts from and compare the world it gives
    /// with the checkpoint; exit 0 when they are the same, 3 when they differ, 2 when the
    /// files cannot be read or a run does not replay.
    Verify(StateFileArgs),
    /// Drop the audit log: the checkpoint stays, and later runs start a new log from it.
    Compact(StateFileArgs),
    /// Start afresh from the world file: the world stays, the checkpoint and the audit log
    /// go.
    Reset(StateFileArgs),
}

/// The state file a `state` subcommand acts on.
#[derive(clap::Args)]
struct StateFileArgs {
    /// The state file.
    file: PathBuf,
    /// Wait up to this many seconds for another run holding the state file to let go of it.
    #[arg(long, value_name = "SECONDS")]
    wait: Option<f64>,
}

/// How long `--wait SECONDS` waits: nothing when it is not given. Refused when the number
/// of seconds is negative or not a number.
pub fn wait_time(seconds: Option<f64>) -> Result<Duration, String> {
    match seconds {
        None => Ok(Duration::ZERO),
        Some(s) => Duration::try_from_secs_f64(s)
            .map_err(|_| format!("--wait {s}: give a number of seconds from 0 up")),
    }
}

/// Runs the scenario files in the state at `state`, saving it after each one that ran to its
/// end (passed or failed: either changed the world). Exits 0, 1 or 2 as `run` does; a state
/// file that cannot be read, replayed or saved, and a `world` that cannot be used, are bad
/// input too. Another run holding the state file is waited for up to `wait`.
pub fn run(
    state: &Path,
    world: Option<&Path>,
    files: &[PathBuf],
    trace: bool,
    wait: Duration,
) -> ExitCode {
    let world = match world.map(world_file::read).transpose() {
        Ok(world) => world,
        Err(e) => return bad_input(e),
    };
    // Held from before the load to after the last save, so that no other run saves over it.
    let _lock = match StateLock::take_waiting(state, wait) {
        Ok(lock) => lock,
        Err(e) => return bad_input(e),
    };
    let mut kept = match StateFile::load_or_new(state, world) {
        Ok(kept) => kept,
        Err(e) => return bad_input(e),
    };
    let mut sim = match kept.simulator() {
        Ok(sim) => sim,
        Err(e) => return bad_input(e),
    };
    let mut worst = 0;
    for path in files {
        say!("== {}", path.display());
        let shown = path.display().to_string();
        let scenario = read_file(path).and_then(|(text, shown)| kept.parse_scenario(&text, &shown));
        let scenario = match scenario {
            Ok(scenario) => scenario,
            Err(e) => {
                eprintln!("error: {e}");
                worst = worst.max(BAD_INPUT);
                continue;
            }
        };
        let report = kept.run_scenario(&sim, &scenario, &shown, trace);
        say_part!("{}", report.output);
        match &report.outcome {
            RunEnd::Passed | RunEnd::Failed(_) => {
                if let Err(e) = kept.save() {
                    return bad_input(e);
                }
            }
            outcome => {
                if let RunEnd::BadInput(e) = outcome {
                    eprintln!("error: {e}");
                }
                // The steps before the bad one may have changed the simulator, and the
                // state did not keep them: the next scenario starts from the state.
                sim = match kept.simulator() {
                    Ok(sim) => sim,
                    Err(e) => return bad_input(e),
                };
            }
        }
        worst = worst.max(report.outcome.exit_code() as u8);
    }
    ExitCode::from(worst)
}

/// `vss-sim state ACTION FILE`.
pub fn state(args: StateArgs) -> ExitCode {
    let (StateAction::Show(file)
    | StateAction::Verify(file)
    | StateAction::Compact(file)
    | StateAction::Reset(file)) = &args.action;
    let wait = match wait_time(file.wait) {
        Ok(wait) => wait,
        Err(e) => return bad_input(e),
    };
    let path = &file.file;
    // Held while the files are read, so that no run saves meanwhile, and while they are
    // written.
    let _lock = match StateLock::take_waiting(path, wait) {
        Ok(lock) => lock,
        Err(e) => return bad_input(e),
    };
    let mut state = match StateFile::open(path) {
        Ok(state) => state,
        Err(e) => return bad_input(e),
    };
    match args.action {
        StateAction::Show(_) => match state.simulator() {
            Ok(sim) => {
                say_part!("{}", show(&state, &sim));
                ExitCode::SUCCESS
            }
            Err(e) => bad_input(e),
        },
        StateAction::Verify(_) => match state.verify() {
            Ok(Verdict::Matches { runs }) => {
                say!(
                    "{}: the checkpoint is the world the {runs} runs of the audit log give",
                    path.display()
                );
                ExitCode::SUCCESS
            }
            Ok(Verdict::Differs { runs, at }) => {
                eprintln!(
                    "error: {}: the {runs} runs of the audit log give another world than the checkpoint: they first differ at `{at}`",
                    path.display()
                );
                ExitCode::from(DIFFERS)
            }
            Err(e) => bad_input(e),
        },
        StateAction::Compact(_) => {
            // The runs the checkpoint does not hold yet are replayed into it first.
            if let Err(e) = state.simulator() {
                return bad_input(e);
            }
            state.compact();
            match state.save() {
                Ok(()) => {
                    say!(
                        "{}: the audit log is dropped; the checkpoint holds the world",
                        path.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => bad_input(e),
            }
        }
        StateAction::Reset(_) => {
            state.reset();
            match state.save() {
                Ok(()) => {
                    say!("{}: started afresh from its world file", path.display());
                    ExitCode::SUCCESS
                }
                Err(e) => bad_input(e),
            }
        }
    }
}

/// What a state's world holds, as text: the runs kept, each machine with its shadow
/// copies (in every context), and every LUN of the array. The same state gives the same
/// text.
fn show(state: &StateFile, sim: &Simulator) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "state file {}", state.file().display());
    let _ = writeln!(out, "runs kept: {}", state.run_count());
    for machine in sim.machines() {
        let _ = writeln!(out, "machine {machine}");
        let copies = shadow_copies(sim, &machine);
        match copies {
            Ok(copies) if copies.is_empty() => {
                let _ = writeln!(out, "  no shadow copies");
            }
            Ok(copies) => {
                for copy in copies {
                    let _ = writeln!(out, "  shadow copy {}", copy.snapshot_id);
                    let _ = writeln!(out, "    set         {}", copy.snapshot_set_id);
                    let _ = writeln!(out, "    original    {}", copy.original_volume_name);
                    let _ = writeln!(out, "    device      {}", copy.snapshot_device_object);
                    if let Some(exposed) = &copy.exposed_name {
                        let _ = writeln!(out, "    exposed as  {exposed}");
                    }
                    let _ = writeln!(out, "    attributes  {}", copy.snapshot_attributes);
                    let _ = writeln!(out, "    created     {}", copy.creation_timestamp);
                }
            }
            Err(e) => {
                let _ = writeln!(out, "  shadow copies cannot be listed: {e}");
            }
        }
    }
    let luns = sim.luns();
    if luns.is_empty() {
        let _ = writeln!(out, "array: no LUNs");
    }
    for lun in luns {
        if lun.deleted {
            let _ = writeln!(out, "LUN {}: deleted", lun.name);
            continue;
        }
        let clone = match (&lun.clone_of, lun.clone_kind) {
            (Some(source), Some(kind)) => format!(", a {kind} clone of {source}"),
            _ => String::new(),
        };
        let visible = if lun.visible_to.is_empty() {
            "no machine".to_string()
        } else {
            lun.visible_to.join(", ")
        };
        let _ = writeln!(
            out,
            "LUN {}: {}{clone}, visible to {visible}{}{}",
            lun.name,
            lun.identity,
            if lun.read_only { ", read-only" } else { "" },
            if lun.hidden { ", hidden" } else { "" },
        );
    }
    out
}

/// The shadow copies a machine lists under `VSS_CTX_ALL`, through a requester object of
/// the simulator being shown (it is thrown away after).
fn shadow_copies(sim: &Simulator, machine: &str) -> VssResult<Vec<vss_model::SnapshotProp>> {
    let mut admin = sim.create_backup_components(machine)?;
    admin.initialize_for_backup(None)?;
    admin.set_context(Context::VSS_CTX_ALL)?;
    let listed = admin.query(
        VssId::NULL,
        ObjectType::VSS_OBJECT_NONE,
        ObjectType::VSS_OBJECT_SNAPSHOT,
    );
    // A machine without copies answers `VSS_S_NO_SNAPSHOTS` or an empty list, as the
    // world's policy says.
    let listed = listed.unwrap_or_default();
    Ok(listed
        .into_iter()
        .filter_map(|o| match o {
            ObjectProp::Snapshot(s) => Some(s),
            ObjectProp::Provider(_) => None,
        })
        .collect())
}
