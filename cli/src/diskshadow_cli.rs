//! `vss-sim diskshadow`: DiskShadow's prompt and script mode on the simulator.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use vss_diskshadow::{self as diskshadow, Done, Failure, ScriptEnd, Session};
use vss_model::HResult;
use vss_model::backend::{Backend, Environment as _};
use vss_model::document::BackupComponentsDocument;
use vss_model::position::located;
use vss_sim::Simulator;
use vss_sim::recorder::Recorder;
use vss_sim::state::{KeptRun, StateFile, StateLock};
use vss_sim::world_file;

use crate::exit::bad_input;
use crate::prompt::{Input, Lines};

/// The arguments of `vss-sim diskshadow`.
#[derive(clap::Args)]
pub struct DiskshadowArgs {
    /// Run this script (`/s` works too) instead of the `DISKSHADOW>` prompt.
    #[arg(short = 's', long = "script", value_name = "SCRIPT")]
    script: Option<PathBuf>,
    /// The script's parameters, `%DISKSH_PARAM_1%` onwards.
    #[arg(requires = "script", value_name = "PARAM")]
    params: Vec<String>,
    /// Also write everything printed to this file (`/l` works too).
    #[arg(short = 'l', long = "log", value_name = "LOG")]
    log: Option<PathBuf>,
    /// The world to run in [default: the embedded default world].
    #[arg(long, value_name = "FILE")]
    world: Option<PathBuf>,
    /// The machine DiskShadow runs on [default: the world's first].
    #[arg(long = "on", value_name = "MACHINE")]
    on: Option<String>,
    /// After each command, show the requester calls made, the provider calls and writer
    /// events VSS made, and the LUNs whose state changed.
    #[arg(long)]
    trace: bool,
    /// Keep the simulated machines, array and shadow copies in this file between runs: the
    /// run starts from what the file holds (or from the world, when it does not exist yet)
    /// and is added to it.
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Wait up to this many seconds for another run holding the state file to let go of it
    /// (only with `--state`).
    #[arg(long, value_name = "SECONDS", requires = "state")]
    wait: Option<f64>,
    /// The ANSI code page a script without a byte-order mark was saved in, when it is not
    /// UTF-8 (`windows-1250`, `shift_jis`, `utf-8` for UTF-8 only, …)
    /// [default: windows-1252].
    #[arg(long, value_name = "NAME", requires = "script")]
    encoding: Option<String>,
    /// The exit code every file `exec` runs is taken to return; the simulator runs
    /// nothing, and a code other than 0 fails the script as a failed copy step would.
    #[arg(long, value_name = "CODE", default_value_t = 0)]
    exec_exit: u32,
}

/// What `vss-sim diskshadow /?` (or `-?`) prints: the banner, as DiskShadow prints it on
/// the default world's first machine, and DiskShadow's command line.
pub fn usage() -> String {
    let sim = Simulator::default_world();
    let machine = sim.machine_named(None).unwrap_or_default();
    diskshadow::banner(&machine, sim.clock()) + diskshadow::USAGE
}

/// Whether the command line is `vss-sim diskshadow /?` (or `-?`), DiskShadow's request for
/// its usage: the switch right after the subcommand, as DiskShadow takes it.
pub fn asks_for_usage(args: &[OsString]) -> bool {
    match args.iter().position(|a| a.to_str() == Some("diskshadow")) {
        Some(at) => args
            .get(at + 1)
            .and_then(|a| a.to_str())
            .is_some_and(|a| a == "/?" || a == "-?"),
        None => false,
    }
}

/// DiskShadow's own switches, `/s SCRIPT` and `/l LOG`, as the `-s` and `-l` clap reads.
///
/// Only switches are rewritten: the value after an option that takes one (a script or log
/// file, a world, a machine, a state file) is left as it is, whatever it looks like.
pub fn windows_switches(args: Vec<OsString>) -> Vec<OsString> {
    const TAKES_A_VALUE: [&str; 10] = [
        "-s",
        "--script",
        "-l",
        "--log",
        "--world",
        "--on",
        "--state",
        "--wait",
        "--encoding",
        "--exec-exit",
    ];
    let mut seen_subcommand = false;
    let mut value_next = false;
    args.into_iter()
        .map(|arg| {
            if !seen_subcommand {
                seen_subcommand = arg.to_str().is_some_and(|a| a == "diskshadow");
                return arg;
            }
            if std::mem::take(&mut value_next) {
                return arg;
            }
            let arg = match arg.to_str().map(str::to_ascii_lowercase).as_deref() {
                Some("/s") => "-s".into(),
                Some("/l") => "-l".into(),
                _ => arg,
            };
            value_next = arg.to_str().is_some_and(|a| TAKES_A_VALUE.contains(&a));
            arg
        })
        .collect()
}

/// Where the output goes: standard output, and the log file when one was asked for.
///
/// A reader that goes away (`| head`) must not stop the run half way, which would also lose
/// the state file's record of it: output to a closed standard output is dropped.
struct Output {
    log: Option<std::fs::File>,
    stdout_open: bool,
}

impl Output {
    fn print(&mut self, text: &str) {
        if self.stdout_open {
            let mut stdout = std::io::stdout().lock();
            self.stdout_open = stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .is_ok();
        }
        self.log(text);
    }

    /// Writes to the log only: what the terminal already shows (the line typed at the
    /// prompt), or what goes to standard error.
    fn log(&mut self, text: &str) {
        if let Some(log) = &mut self.log {
            let _ = log.write_all(text.as_bytes());
        }
    }
}

/// Runs `vss-sim diskshadow`.
pub fn run(args: DiskshadowArgs) -> ExitCode {
    let world = match args.world.as_deref().map(world_file::read).transpose() {
        Ok(world) => world,
        Err(e) => return bad_input(e),
    };
    let Some(path) = args.state.clone() else {
        let built = match &world {
            None => Ok(Simulator::default_world()),
            Some(file) => Simulator::new(file),
        };
        return match built {
            Ok(sim) => {
                session(&args, &sim, &sim, &[], &mut || {}).map_or_else(bad_input, ExitCode::from)
            }
            Err(e) => bad_input(format!("the world: {e}")),
        };
    };
    // With a state file, the run starts from the world the earlier runs left, and is kept
    // in the file as the calls it made, whatever its outcome: what ran changed the world.
    // The lock is held from before the load to after the save.
    let wait = match crate::state_cli::wait_time(args.wait) {
        Ok(wait) => wait,
        Err(e) => return bad_input(e),
    };
    let _lock = match StateLock::take_waiting(&path, wait) {
        Ok(lock) => lock,
        Err(e) => return bad_input(e),
    };
    let mut state = match StateFile::load_or_new(&path, world) {
        Ok(state) => state,
        Err(e) => return bad_input(e),
    };
    let sim = match state.simulator() {
        Ok(sim) => sim,
        Err(e) => return bad_input(e),
    };
    let recorder = Recorder::new(sim.clone());
    let label = match &args.script {
        Some(script) => format!("diskshadow -s {}", script.display()),
        None => "diskshadow".to_string(),
    };
    // The run is kept after every command that changed something a later run sees, not
    // only at its end: a session killed half way (Ctrl+C at the prompt) then leaves the
    // state holding what it did. A run that called nothing is not kept: the world is as it
    // was.
    let mut kept = match KeptRun::new(&mut state, label) {
        Ok(kept) => kept,
        Err(e) => return bad_input(e),
    };
    let mut warned = false;
    let own_files = state.own_files();
    let code = match session(&args, &recorder, &sim, &own_files, &mut || {
        if let Err(e) = kept.keep(&mut state, &recorder)
            && !std::mem::replace(&mut warned, true)
        {
            eprintln!("warning: the run so far is not kept: {e}");
        }
    }) {
        Ok(code) => code,
        Err(message) => return bad_input(message),
    };
    match kept.finish(&mut state, &recorder) {
        Ok(()) => ExitCode::from(code),
        Err(e) => bad_input(e),
    }
}

/// Says, on standard error, what a user who met this failure likely missed: an `import`
/// whose set's LUNs are none of them on this world's array, because the set was made in
/// another world (another run without `--state`, or another state file).
fn hint<B: Backend>(
    args: &DiskshadowArgs,
    sim: &Simulator,
    session: &Session<'_, B>,
    line: &str,
    done: &Done,
) {
    let import = line
        .split_whitespace()
        .next()
        .is_some_and(|command| command.eq_ignore_ascii_case("import"));
    let none_imported = *done == Done::Failed(Failure::Vss(HResult::VSS_E_NO_SNAPSHOTS_IMPORTED));
    if !(import && none_imported) {
        return;
    }
    let Some(document) = session
        .loaded_document()
        .and_then(|text| BackupComponentsDocument::from_xml(text).ok())
    else {
        return;
    };
    let wanted: Vec<String> = document
        .snapshot_set
        .iter()
        .flat_map(|set| &set.snapshots)
        .filter_map(|copy| copy.lun_mapping.as_ref())
        .flat_map(|mapping| &mapping.luns)
        .filter_map(|pair| pair.shadow.serial_number.clone())
        .collect();
    let on_array: Vec<String> = sim.luns().into_iter().map(|lun| lun.serial).collect();
    if wanted.is_empty() || wanted.iter().any(|serial| on_array.contains(serial)) {
        return;
    }
    match &args.state {
        None => eprintln!(
            "hint: the set was made in another run. Without --state every run starts from a fresh \
             world, whose array holds none of the set's LUNs: run the create and the import with \
             the same --state FILE (the import with --on for the other machine)."
        ),
        Some(state) => eprintln!(
            "hint: the array of {} holds none of the set's LUNs: the set was made in another \
             world, or its shadow copies were deleted since. Import it with the --state FILE of \
             the run that created it.",
            state.display()
        ),
    }
}

/// A script file's text, read as [`diskshadow::decode_script_in`] reads it with the ANSI
/// code page `encoding` names (Windows-1252 when `None`); the refusal of one that is not
/// text is placed `SCRIPT:LINE:COLUMN`, as all bad input is.
pub fn read_script(path: &Path, encoding: Option<&str>) -> Result<String, String> {
    let ansi = match encoding {
        None => encoding_rs::WINDOWS_1252,
        Some(name) => {
            encoding_rs::Encoding::for_label(name.trim().as_bytes()).ok_or_else(|| {
                format!(
                    "--encoding {name}: not a code page name (for example windows-1252, \
                     windows-1250, shift_jis, gbk, utf-8)"
                )
            })?
        }
    };
    let shown = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| format!("{}: cannot read it: {e}", located(&shown, None)))?;
    diskshadow::decode_script_in(&bytes, ansi)
        .map_err(|e| format!("{}: {}", located(&shown, Some(e.position)), e.problem))
}

/// What standard error says when a syntax error stopped `script`, which is bad input: the
/// place of the word that is wrong, `SCRIPT:LINE:COLUMN`, and what is wrong with it. `None`
/// when the script did not stop at a syntax error.
pub fn stopped_at_syntax(script: &Path, end: &ScriptEnd) -> Option<String> {
    let (position, e) = end.syntax_error()?;
    Some(format!(
        "error: {}: the script stopped at a syntax error: {}",
        located(&script.display().to_string(), Some(position)),
        e.message
    ))
}

/// The machine `--on` names (any case), or the world's first.
pub fn machine_named<B: Backend>(backend: &B, on: Option<&str>) -> Result<String, String> {
    backend.machine_named(on).ok_or_else(|| {
        format!(
            "--on {}: the world has no such machine; it has {}",
            on.unwrap_or_default(),
            backend.machines().join(", ")
        )
    })
}

/// One DiskShadow session on `backend`, whose simulator underneath is `sim`: the prompt, or
/// the script, calling `after_each` after each command. `state_files` are the files of the
/// state the run is kept in, which no metadata file may replace. Gives the exit code, or
/// bad input before anything ran.
fn session<B: Backend>(
    args: &DiskshadowArgs,
    backend: &B,
    sim: &Simulator,
    state_files: &[PathBuf],
    after_each: &mut dyn FnMut(),
) -> Result<u8, String> {
    let machine = machine_named(backend, args.on.as_deref())?;
    let script = args
        .script
        .as_deref()
        .map(|path| read_script(path, args.encoding.as_deref()))
        .transpose()?;
    let log = match &args.log {
        None => None,
        Some(path) => Some(
            std::fs::File::create(path)
                .map_err(|e| format!("cannot write the log {}: {e}", path.display()))?,
        ),
    };
    let mut out = Output {
        log,
        stdout_open: true,
    };
    // Relative metadata paths are taken from the working directory, as DiskShadow's are.
    let mut session = Session::new(backend, &machine, args.params.clone(), Path::new(""));
    session.clock(Box::new(|| sim.clock()));
    session.exec_exit_code(args.exec_exit);
    for own in [&args.script, &args.log].into_iter().flatten() {
        session.keep_off(own);
    }
    for own in state_files {
        session.keep_off(own);
    }
    if args.trace {
        sim.take_trace();
        session.trace(Box::new(|| sim.take_trace_lines()));
    }
    let code = match script.zip(args.script.as_deref()) {
        Some((text, path)) => {
            out.print(&diskshadow::banner(&machine, sim.clock()));
            let end =
                diskshadow::run_script_observed(&mut session, &text, |session, _, line, done| {
                    out.print(&session.take_output());
                    after_each();
                    hint(args, sim, session, line, done);
                });
            out.print(&session.take_output());
            let stopped = match &end {
                ScriptEnd::Completed => None,
                ScriptEnd::Failed { line, .. } => Some(
                    stopped_at_syntax(path, &end)
                        .unwrap_or_else(|| format!("the script stopped at line {line}")),
                ),
            };
            if let Some(stopped) = stopped {
                eprintln!("{stopped}");
                out.log(&format!("{stopped}\n"));
            }
            end.exit_code()
        }
        None => {
            out.print(&diskshadow::prompt_banner(&machine, sim.clock()));
            let mut lines = Lines::open();
            let mut number = 0;
            loop {
                if lines.needs_prompt() {
                    out.print(diskshadow::PROMPT);
                } else {
                    out.log(diskshadow::PROMPT);
                }
                let line = match lines.next(diskshadow::PROMPT) {
                    Input::Line(line) => line,
                    Input::NotText => {
                        number += 1;
                        out.print("Syntax error: the line is not UTF-8 text\n\n");
                        continue;
                    }
                    Input::Cancelled => {
                        out.log("^C\n");
                        continue;
                    }
                    Input::End => {
                        out.print("\n");
                        break;
                    }
                };
                number += 1;
                out.log(&format!("{line}\n"));
                let done = session.type_line(&line, number);
                out.print(&session.take_output());
                after_each();
                hint(args, sim, &session, &line, &done);
                if done == Done::Exit {
                    break;
                }
            }
            0
        }
    };
    out.print(&session.end());
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::windows_switches;

    #[test]
    fn switches_are_rewritten_and_option_values_kept() {
        let args = [
            "vss-sim",
            "diskshadow",
            "--state",
            "/l",
            "/S",
            "x.dsh",
            "E:",
            "/L",
            "/s",
        ];
        let got = windows_switches(args.iter().map(Into::into).collect());
        let want = [
            "vss-sim",
            "diskshadow",
            "--state",
            "/l",
            "-s",
            "x.dsh",
            "E:",
            "-l",
            "/s",
        ];
        assert_eq!(got, want.map(std::ffi::OsString::from));
    }
}
