//! `vss-sim`: run scenario files against the simulated VSS, explain VSS codes and methods,
//! and explore the reference model's states.

use std::io::{IsTerminal, Write};
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

mod diagram_cli;
mod diskshadow_cli;
mod exit;
mod prompt;
mod state_cli;

use clap::{Parser, Subcommand};
use vss_model::HResult;
use vss_model::methods;
use vss_reference::explore::{DEFAULT_MAX_STATES, Exploration, SmallWorld};
use vss_sim::runner::RunEnd;

use exit::{BAD_INPUT, CUT_SHORT, bad_input, say, say_part};

#[derive(Parser)]
#[command(
    name = "vss-sim",
    version,
    about = "A simulator of the Windows Volume Shadow Copy Service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run scenario files (JSON or YAML); exit 0 if every expectation holds, 1 if one does
    /// not, 2 on bad input.
    Run {
        /// The scenario files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also print every provider call, writer event and shadow copy created or deleted.
        #[arg(long)]
        trace: bool,
        /// Keep the world in this state file: start from it (when it does not exist yet, from
        /// `--world` or the default world), run every scenario in it, and save it after each
        /// scenario that ran.
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
        /// The world file a new state file starts from (only with `--state`).
        #[arg(long, value_name = "WORLD", requires = "state")]
        world: Option<PathBuf>,
        /// Wait up to this many seconds for another run holding the state file to let go of
        /// it, instead of giving up at once (only with `--state`).
        #[arg(long, value_name = "SECONDS", requires = "state")]
        wait: Option<f64>,
    },
    /// Look at a state file, check it against its audit log, drop the log, or start afresh.
    State(state_cli::StateArgs),
    /// Explain an HRESULT (by name or value) or a VSS method (by name).
    ///
    /// A value is read as `0x80042306`, as eight hexadecimal digits without `0x` (`80042306`,
    /// as DiskShadow and the event log print it), or in decimal (`-2147212538`).
    ///
    /// Exit codes: 0 when it was explained; 2 when it names no HRESULT or method vss-sim
    /// knows.
    Explain {
        /// `VSS_E_OBJECT_NOT_FOUND`, `0x80042308`, `80042308`, `-2147212536`, or
        /// `DoSnapshotSet`.
        #[arg(allow_negative_numbers = true)]
        name: String,
    },
    /// DiskShadow on the simulator: the `DISKSHADOW>` prompt, or a script with `-s` (`/s`);
    /// a script exits 0 when it ran to its end, 1 when a command failed, 2 on bad input.
    Diskshadow(diskshadow_cli::DiskshadowArgs),
    /// Draw a diagram for learners: the lifecycle of a requester object, or a scenario's run
    /// step by step with the array's LUNs and the shadow copies after each step.
    Diagram(diagram_cli::DiagramArgs),
    /// Explore every state of a small world the reference model reaches within a number of
    /// steps, checking its properties; exit 0 when every `always` property holds and every
    /// `sometimes` property is reached, 1 otherwise, 2 on bad arguments, 3 when the run
    /// reached its bound of states (`--max-states`) before visiting every state.
    Explore {
        /// The world: `small`, `two-luns` or `diff-area`.
        #[arg(long, default_value = "small")]
        world: SmallWorld,
        /// How many steps deep [default: the world's own, which reaches every `sometimes`
        /// property].
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        depth: Option<u32>,
        /// Stop once this many states are generated, and exit 3: each state is kept until
        /// the search is done with it, about 0.7 GB for the default bound in the small world.
        /// A state reached twice counts twice.
        #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_STATES)]
        max_states: NonZeroUsize,
        /// Serve stateright's web explorer of the world on this address (`localhost:3000`)
        /// instead, to walk its states by hand.
        #[arg(long, value_name = "ADDR")]
        serve: Option<String>,
    },
}

fn main() -> ExitCode {
    let args: Vec<_> = std::env::args_os().collect();
    if diskshadow_cli::asks_for_usage(&args) {
        say_part!("{}", diskshadow_cli::usage());
        return ExitCode::SUCCESS;
    }
    let cli = Cli::parse_from(diskshadow_cli::windows_switches(args));
    match cli.command {
        Command::Run {
            files,
            trace,
            state: None,
            ..
        } => run(&files, trace),
        Command::Run {
            files,
            trace,
            state: Some(state),
            world,
            wait,
        } => match state_cli::wait_time(wait) {
            Ok(wait) => state_cli::run(&state, world.as_deref(), &files, trace, wait),
            Err(e) => bad_input(e),
        },
        Command::State(args) => state_cli::state(args),
        Command::Explain { name } => explain(&name),
        Command::Diskshadow(args) => diskshadow_cli::run(args),
        Command::Diagram(args) => diagram_cli::run(args),
        Command::Explore {
            world,
            depth,
            max_states,
            serve,
        } => {
            let depth = depth.map_or_else(|| world.default_depth(), |d| d as usize);
            let exploration = Exploration::new(world, depth).max_states(max_states);
            match serve {
                Some(address) => serve_explorer(exploration, &address),
                None => explore(exploration),
            }
        }
    }
}

fn explore(exploration: Exploration) -> ExitCode {
    let start = Instant::now();
    let mut stderr = std::io::stderr();
    // Redrawing a line in place only makes sense on a terminal; a log gets the summary.
    let live = stderr.is_terminal();
    let report = exploration.check_with_progress(|p| {
        // The first counts come at once, too early for a rate to mean anything.
        let elapsed = start.elapsed().as_secs_f64();
        if live && elapsed >= 0.1 {
            let rate = p.states as f64 / elapsed;
            let _ = write!(
                stderr,
                "\r\x1b[Kexplored {} states, {} unique, depth {}, {rate:.0} states/s",
                p.states, p.unique_states, p.depth
            );
        }
    });
    if live {
        let _ = write!(stderr, "\r\x1b[K");
    }
    eprintln!(
        "explored {} states ({} unique) in {:.1} s",
        report.counts.states,
        report.counts.unique_states,
        start.elapsed().as_secs_f64()
    );
    say_part!("{report}");
    if let Some(bound) = report.cut_short {
        eprintln!(
            "error: the exploration stopped at its bound of {bound} states (--max-states), \
             and states past it may not have been visited; raise the bound with \
             --max-states N, or explore fewer steps with --depth"
        );
    }
    match (report.passed(), report.broken(), report.cut_short) {
        (true, _, _) => ExitCode::SUCCESS,
        (false, false, Some(_)) => ExitCode::from(CUT_SHORT),
        (false, _, _) => ExitCode::FAILURE,
    }
}

/// Serves the explorer until the process is stopped. The address is checked first: the
/// explorer's server panics on one it cannot listen on.
fn serve_explorer(exploration: Exploration, address: &str) -> ExitCode {
    let addresses: Vec<SocketAddr> = match address.to_socket_addrs() {
        Ok(addresses) => addresses.collect(),
        Err(e) => {
            return bad_input(format!(
                "--serve `{address}` is not an address to listen on: {e}"
            ));
        }
    };
    if let Err(e) = TcpListener::bind(addresses.as_slice()) {
        return bad_input(format!("cannot listen on `{address}`: {e}"));
    }
    eprintln!(
        "serving the explorer of world {}, {} steps deep, on http://{address}/ (Ctrl-C stops it)",
        exploration.world(),
        exploration.depth()
    );
    exploration.serve(addresses.as_slice());
    ExitCode::SUCCESS
}

fn run(files: &[PathBuf], trace: bool) -> ExitCode {
    let mut worst = 0;
    for path in files {
        let code = match run_file(path, trace) {
            Ok(outcome) => outcome.exit_code(),
            Err(message) => {
                eprintln!("error: {message}");
                BAD_INPUT.into()
            }
        };
        worst = worst.max(code);
    }
    ExitCode::from(worst as u8)
}

fn run_file(path: &Path, trace: bool) -> Result<RunEnd, String> {
    say!("== {}", path.display());
    let report = vss_sim::runner::run_file(path, trace).map_err(|e| e.to_string())?;
    say_part!("{}", report.output);
    if let RunEnd::BadInput(e) = &report.outcome {
        eprintln!("error: {e}");
    }
    Ok(report.outcome)
}

/// The HRESULT `text` writes: a name, `0x` and hexadecimal digits, exactly eight
/// hexadecimal digits (DiskShadow's and the event log's form, which would otherwise read as
/// a decimal number), or a decimal number.
fn written_hresult(text: &str) -> Option<HResult> {
    let t = text.trim();
    if t.len() == 8 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(t, 16).ok().map(|v| HResult(v as i32));
    }
    t.parse().ok()
}

fn explain(name: &str) -> ExitCode {
    if let Some(hr) = written_hresult(name) {
        match hr.info() {
            Some(info) => {
                say!("{} = 0x{:08X}", info.name, info.value.code());
                say!("{}", info.meaning);
                let severity = if hr.is_success() {
                    "success"
                } else {
                    "failure"
                };
                say!("severity: {severity}");
                let methods: Vec<String> = methods::METHODS
                    .iter()
                    .filter(|m| m.documents(hr))
                    .map(|m| m.qualified_name())
                    .collect();
                if !methods.is_empty() {
                    say!("documented by: {}", methods.join(", "));
                }
            }
            None => {
                let value = format!("0x{:08X}", hr.code());
                let written = if name.trim().eq_ignore_ascii_case(&value) {
                    value
                } else {
                    format!("`{name}` ({value})")
                };
                return bad_input(format!(
                    "{written} is not a VSS or common COM code vss-sim knows"
                ));
            }
        }
        return ExitCode::SUCCESS;
    }
    if let Some(method) = methods::method(name) {
        say!("{}", method.qualified_name());
        say!("{}", method.summary);
        if method.asynchronous {
            say!("asynchronous: returns an IVssAsync");
        }
        say!("documented return codes (and how the simulator reaches them):");
        for c in method.codes {
            say!(
                "  {:<45} 0x{:08X}  [{}] {}",
                c.code.name().unwrap_or("?"),
                c.code.code(),
                c.reach,
                c.when
            );
        }
        return ExitCode::SUCCESS;
    }
    bad_input(format!(
        "`{name}` is not an HRESULT (a name or a value) nor a VSS method name"
    ))
}
