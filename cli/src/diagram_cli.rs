//! `vss-sim diagram`: the lifecycle of a requester object, or a scenario's or DiskShadow
//! script's run step by step, as Mermaid, DOT or SVG on standard output.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vss_diskshadow::{self as diskshadow, Done, Failure, ScriptEnd, Session};
use vss_model::backend::Backend;
use vss_sim::Simulator;
use vss_sim::runner::RunEnd;
use vss_sim::state::StateFile;
use vss_sim::world_state::WorldState;
use vss_sim_cli::diagram::{self, Format, Timeline};

use vss_sim::world_file;

use crate::diskshadow_cli::{machine_named, read_script, stopped_at_syntax};
use crate::exit::{bad_input, say_part};

/// The arguments of `vss-sim diagram`.
#[derive(clap::Args)]
pub struct DiagramArgs {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// The states of an IVssBackupComponents object and the calls that move it between
    /// them, with the codes a call gets in a state it is not drawn from.
    Lifecycle {
        /// `mermaid`, `dot` or `svg`.
        #[arg(long, default_value = "mermaid")]
        format: Format,
    },
    /// A scenario run on the simulator: its steps in order, and after each the array's
    /// LUNs (which machine sees each, read-only or masked, shadow copy or broken) and each
    /// machine's shadow copies. Exit 0 when every expectation held, 1 when one did not
    /// (the diagram shows the run as it went), 2 on bad input.
    Run {
        /// The scenario file (JSON or YAML).
        scenario: PathBuf,
        /// `mermaid`, `dot` or `svg`.
        #[arg(long, default_value = "mermaid")]
        format: Format,
    },
    /// A DiskShadow script run on the simulator, as `vss-sim diskshadow -s` runs it: its
    /// commands in order, and after each the array's LUNs and each machine's shadow copies.
    /// A state file is read, not changed. Exit 0 when the script ran to its end, 1 when a
    /// command failed (the diagram shows the run up to it), 2 on bad input.
    Diskshadow {
        /// The script, as `vss-sim diskshadow` takes it (`/s` works too); without it, the
        /// first of the arguments that follow names it.
        #[arg(short = 's', long = "script", value_name = "SCRIPT")]
        script: Option<PathBuf>,
        /// The script (unless `-s` named it), then its parameters, `%DISKSH_PARAM_1%`
        /// onwards.
        #[arg(value_name = "[SCRIPT] PARAM", required_unless_present = "script")]
        args: Vec<OsString>,
        /// The machine DiskShadow runs on [default: the world's first].
        #[arg(long = "on", value_name = "MACHINE")]
        on: Option<String>,
        /// The world to run in [default: the embedded default world].
        #[arg(long, value_name = "FILE", conflicts_with = "state")]
        world: Option<PathBuf>,
        /// Start from the world this state file holds (the file is not changed).
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// `mermaid`, `dot` or `svg`.
        #[arg(long, default_value = "mermaid")]
        format: Format,
    },
}

/// Prints the diagram asked for.
pub fn run(args: DiagramArgs) -> ExitCode {
    match args.what {
        What::Lifecycle { format } => {
            say_part!("{}", diagram::lifecycle(format));
            ExitCode::SUCCESS
        }
        What::Run { scenario, format } => match diagram::timeline_of_file(&scenario) {
            Ok((timeline, outcome)) => {
                say_part!("{}", timeline.render(format));
                match outcome {
                    RunEnd::Failed(n) => {
                        let s = if n == 1 { "" } else { "s" };
                        eprintln!(
                            "{}: {n} expectation{s} did not hold; the diagram shows the run as it went",
                            scenario.display()
                        );
                        ExitCode::FAILURE
                    }
                    _ => ExitCode::SUCCESS,
                }
            }
            Err(e) => bad_input(e),
        },
        What::Diskshadow {
            script,
            args,
            on,
            world,
            state,
            format,
        } => {
            let mut args = args.into_iter();
            let script = script.or_else(|| args.next().map(PathBuf::from));
            // Parameters are text a script expands; a script's path may be any file name.
            let params: Result<Vec<String>, OsString> = args.map(OsString::into_string).collect();
            match (script, params) {
                (Some(script), Ok(params)) => {
                    diskshadow_diagram(&script, params, on.as_deref(), world, state, format)
                }
                (None, _) => bad_input("no script given"),
                (_, Err(param)) => bad_input(format!(
                    "the parameter {} is not UTF-8 text",
                    param.display()
                )),
            }
        }
    }
}

/// Prints the diagram of a DiskShadow script's run, giving the script's exit code.
fn diskshadow_diagram(
    script: &Path,
    params: Vec<String>,
    on: Option<&str>,
    world: Option<PathBuf>,
    state: Option<PathBuf>,
    format: Format,
) -> ExitCode {
    match diskshadow_timeline(script, params, on, world, state) {
        Ok((timeline, end)) => {
            say_part!("{}", timeline.render(format));
            if let Some(stopped) = stopped_at_syntax(script, &end) {
                eprintln!("{stopped}; the diagram shows the run up to it");
            } else if let ScriptEnd::Failed { line, .. } = &end {
                eprintln!(
                    "{}: the script stopped at line {line}; the diagram shows the run up to it",
                    script.display()
                );
            }
            ExitCode::from(end.exit_code())
        }
        Err(message) => bad_input(message),
    }
}

/// Runs a DiskShadow script on the simulator, capturing the world after each command and
/// after the session's end (which releases its objects, so volatile copies go).
fn diskshadow_timeline(
    script: &Path,
    params: Vec<String>,
    on: Option<&str>,
    world: Option<PathBuf>,
    state: Option<PathBuf>,
) -> Result<(Timeline, ScriptEnd), String> {
    let sim = match (state, world) {
        (Some(path), _) => StateFile::load(&path)
            .and_then(|mut state| state.simulator())
            .map_err(|e| e.to_string())?,
        (None, Some(path)) => {
            let world = world_file::read(&path).map_err(|e| e.to_string())?;
            Simulator::new(&world).map_err(|e| format!("the world: {e}"))?
        }
        (None, None) => Simulator::default_world(),
    };
    let machine = machine_named(&sim, on)?;
    let text = read_script(script, None)?;
    let title = format!("diskshadow -s {} on {machine}", script.display());
    let mut timeline = Timeline::new(title, sim.machines(), WorldState::capture(&sim));
    let mut session = Session::new(&sim, &machine, params, Path::new(""));
    session.clock(Box::new(|| sim.clock()));
    let end = diskshadow::run_script_observed(&mut session, &text, |_, _, command, done| {
        // A failed command is drawn with what failed it, as `diagram run` draws results.
        let step = match done {
            Done::Ok | Done::Exit => command.to_string(),
            Done::Failed(Failure::Vss(hr) | Failure::ComCall { hr, .. }) => {
                let code = hr.name().map_or_else(|| hr.to_string(), str::to_string);
                format!("{command} -> {code}")
            }
            Done::Failed(Failure::Syntax(_)) => format!("{command} -> syntax error"),
            Done::Failed(Failure::Refused(_)) => format!("{command} -> refused by DiskShadow"),
        };
        timeline.push(machine.as_str(), &step, WorldState::capture(&sim));
    });
    session.end();
    timeline.push(
        machine.as_str(),
        "(DiskShadow exits: its requester objects are released)",
        WorldState::capture(&sim),
    );
    Ok((timeline, end))
}
