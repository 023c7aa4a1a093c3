//! The Wine suite: Microsoft's vshadow, built unmodified, run under Wine against
//! `vssapi.dll` built from the simulator, each command line's output and the simulator's
//! trace compared with a golden, and each process's calls replayed on `vss-sim run`.
//!
//! `.ci/wine` builds what this needs and runs it (`cargo test -p vss-sim-vssapi --test
//! wine`); `cargo test` alone does not, as it needs Wine and a Windows build. Run by hand
//! without what `.ci/wine` prepares, it fails and says so. It names its setup in:
//! - `VSSAPI_WINE_BIN`: the folder holding `vshadow.exe`, `vssapi.dll` and the replacement
//!   DLLs Wine lacks;
//! - `WINEPREFIX`: a prefix whose drives C:, E:, F:, G: exist;
//! - `VSS_SIM_CLI`: the native `vss-sim` command, for the replays;
//! - `WINE` (optional): the Wine loader [default: /usr/lib/wine/wine64].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the suite runs with, from its environment.
struct Setup {
    bin: PathBuf,
    prefix: PathBuf,
    cli: PathBuf,
    wine: PathBuf,
    /// Where each case gets a folder of its own.
    work: PathBuf,
}

impl Setup {
    fn from_env() -> Result<Setup, String> {
        let var = |name: &str| {
            std::env::var_os(name).map(PathBuf::from).ok_or_else(|| {
                format!("{name} is not set: the Wine suite is run by .ci/wine, which sets it")
            })
        };
        let setup = Setup {
            bin: var("VSSAPI_WINE_BIN")?,
            prefix: var("WINEPREFIX")?,
            cli: var("VSS_SIM_CLI")?,
            wine: std::env::var_os("WINE")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("/usr/lib/wine/wine64")),
            work: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wine-suite"),
        };
        for needed in [
            setup.bin.join("vshadow.exe"),
            setup.bin.join("vssapi.dll"),
            setup.cli.clone(),
            setup.wine.clone(),
        ] {
            if !needed.exists() {
                return Err(format!(
                    "{} does not exist: run .ci/wine, which builds it",
                    needed.display()
                ));
            }
        }
        Ok(setup)
    }
}

/// One process of a case.
struct Step {
    /// The program the step runs.
    program: Program,
    /// The machine of the world the process plays.
    machine: &'static str,
    /// vshadow's arguments; `{snap:N}` and `{set:N}` stand for the N-th shadow copy and set
    /// id (from 1) that earlier output of the case printed.
    args: &'static [&'static str],
    /// What is typed at vshadow's prompts, or DiskShadow's script.
    input: &'static str,
}

/// What a step runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Program {
    /// vshadow under Wine, against vssapi.dll.
    Vshadow,
    /// The simulator's own DiskShadow (`vss-sim diskshadow --state`), natively, on the same
    /// state file: one world, whichever program changes it.
    Diskshadow,
}

/// One case: its processes in order, sharing one state file.
struct Case {
    name: &'static str,
    steps: Vec<Step>,
    /// Done to the case's folder before its last step (a damaged state file, or a world
    /// file of the case's own, `world.yaml`, which a first step then uses).
    before_last: Option<fn(&Path)>,
}

const fn on(machine: &'static str, args: &'static [&'static str]) -> Step {
    Step {
        program: Program::Vshadow,
        machine,
        args,
        input: "",
    }
}

const fn answering(
    machine: &'static str,
    args: &'static [&'static str],
    input: &'static str,
) -> Step {
    Step {
        program: Program::Vshadow,
        machine,
        args,
        input,
    }
}

const fn diskshadow(machine: &'static str, script: &'static str) -> Step {
    Step {
        program: Program::Diskshadow,
        machine,
        args: &[],
        input: script,
    }
}

fn case(name: &'static str, steps: Vec<Step>) -> Case {
    Case {
        name,
        steps,
        before_last: None,
    }
}

/// A transportable set of E: made on HOSTA and imported on HOSTB, then `last` on HOSTB.
fn transported(name: &'static str, last: Step) -> Case {
    case(
        name,
        vec![
            on("HOSTA", &["-nw", "-p", "-t=set.xml", "E:"]),
            on("HOSTB", &["-i=set.xml"]),
            last,
        ],
    )
}

fn cases() -> Vec<Case> {
    vec![
        case("create_no_writers", vec![on("HOSTA", &["-nw", "-p", "C:"])]),
        // With writers: their metadata, components added, status, backup completed.
        case("create_with_writers", vec![on("HOSTA", &["-p", "C:"])]),
        case(
            "create_system_and_hardware",
            vec![on("HOSTA", &["-nw", "-p", "C:", "E:", "F:"])],
        ),
        case(
            "query_all",
            vec![on("HOSTA", &["-nw", "-p", "C:"]), on("HOSTA", &["-q"])],
        ),
        case(
            "query_one",
            vec![
                on("HOSTA", &["-nw", "-p", "C:", "E:"]),
                on("HOSTA", &["-s={snap:2}"]),
            ],
        ),
        case(
            "expose_locally",
            vec![
                on("HOSTA", &["-nw", "-p", "E:"]),
                on("HOSTA", &["-el={snap:1},X:"]),
                on("HOSTA", &["-q"]),
            ],
        ),
        transported("transport_and_import", on("HOSTB", &["-q"])),
        transported("break_readonly", on("HOSTB", &["-b={set:1}"])),
        transported("break_ex_mask", on("HOSTB", &["-mask", "-bex={set:1}"])),
        transported("break_ex_read_write", on("HOSTB", &["-rw", "-bex={set:1}"])),
        transported(
            "break_ex_force_revert",
            on("HOSTB", &["-forcerevert", "-bex={set:1}"]),
        ),
        // Imported where the original LUN is visible, the shadow LUN cannot take back the
        // original's identity: VSS_E_BREAK_REVERT_ID_FAILED, and nothing changes.
        case(
            "break_ex_force_revert_refused",
            vec![
                on("HOSTA", &["-nw", "-p", "-t=set.xml", "E:"]),
                on("HOSTA", &["-i=set.xml"]),
                on("HOSTA", &["-forcerevert", "-bex={set:1}"]),
                on("HOSTA", &["-q"]),
            ],
        ),
        transported(
            "break_ex_no_revert",
            on("HOSTB", &["-norevert", "-bex={set:1}"]),
        ),
        case(
            "delete_one",
            vec![
                on("HOSTA", &["-nw", "-p", "C:", "E:"]),
                on("HOSTA", &["-ds={snap:1}"]),
                on("HOSTA", &["-q"]),
            ],
        ),
        case(
            "delete_set",
            vec![
                on("HOSTA", &["-nw", "-p", "C:", "E:"]),
                on("HOSTA", &["-dx={set:1}"]),
                on("HOSTA", &["-q"]),
            ],
        ),
        case(
            "delete_all",
            vec![
                on("HOSTA", &["-nw", "-p", "C:"]),
                on("HOSTA", &["-nw", "-p", "E:"]),
                answering("HOSTA", &["-da"], "y\n"),
                on("HOSTA", &["-q"]),
            ],
        ),
        case(
            "volume_not_in_world",
            vec![on("HOSTB", &["-nw", "-p", "E:"])],
        ),
        case(
            "revert",
            vec![
                on("HOSTA", &["-nw", "-p", "C:"]),
                on("HOSTA", &["-revert={snap:1}"]),
                on("HOSTA", &["-q"]),
            ],
        ),
        case(
            "revert_hardware_copy_refused",
            vec![
                on("HOSTA", &["-nw", "-p", "E:"]),
                on("HOSTA", &["-revert={snap:1}"]),
            ],
        ),
        // vshadow and DiskShadow on one state file: each sees what the other did.
        case(
            "vshadow_and_diskshadow_share_a_world",
            vec![
                on("HOSTA", &["-nw", "-p", "E:"]),
                diskshadow("HOSTA", "list shadows all\ndelete shadows all\n"),
                on("HOSTA", &["-q"]),
            ],
        ),
        case("unknown_machine", vec![on("HOSTZ", &["-q"])]),
        case(
            "unknown_id",
            vec![on("HOSTA", &["-s={00000000-0000-0000-0000-00000000abcd}"])],
        ),
        Case {
            name: "malformed_world_file",
            steps: vec![on("HOSTA", &["-q"])],
            before_last: Some(|folder| {
                std::fs::write(
                    folder.join("world.yaml"),
                    "machines: [ { name: HOSTA, volumes: 7 } ]\n",
                )
                .expect("the case folder is writable");
            }),
        },
        Case {
            name: "damaged_state_file",
            steps: vec![on("HOSTA", &["-nw", "-p", "C:"]), on("HOSTA", &["-q"])],
            before_last: Some(|folder| {
                std::fs::write(folder.join("state.json"), "{ \"format\": \"vss-sim-st")
                    .expect("the case folder is writable");
            }),
        },
    ]
}

/// The ids printed so far in a case, in the order first printed.
#[derive(Default)]
struct Ids {
    snapshots: Vec<String>,
    sets: Vec<String>,
}

impl Ids {
    fn learn(&mut self, output: &str) {
        const FOUND: [(&str, bool); 3] = [
            ("* SNAPSHOT ID = ", false),
            ("- Shadow copy Set: ", true),
            ("Creating shadow set ", true),
        ];
        for line in output.lines() {
            let line = line.trim();
            for (prefix, set) in FOUND {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let id = rest.split_whitespace().next().unwrap_or("").to_string();
                    let list = if set {
                        &mut self.sets
                    } else {
                        &mut self.snapshots
                    };
                    if !list.contains(&id) {
                        list.push(id);
                    }
                }
            }
        }
    }

    fn fill(&self, arg: &str) -> Result<String, String> {
        let mut out = arg.to_string();
        for (kind, list) in [("snap", &self.snapshots), ("set", &self.sets)] {
            for (i, id) in list.iter().enumerate() {
                out = out.replace(&format!("{{{kind}:{}}}", i + 1), id);
            }
        }
        if out.contains("{snap:") || out.contains("{set:") {
            return Err(format!("`{arg}` names an id no earlier step printed"));
        }
        Ok(out)
    }
}

/// What one step gave: vshadow's exit code and output, the trace, and whether its recording
/// replayed.
struct Ran {
    command: String,
    code: Option<i32>,
    output: String,
    trace: String,
}

/// Output with Windows line ends and trailing blanks made plain, so that goldens read as
/// text.
fn plain(text: &str) -> String {
    let mut out = String::new();
    for line in text.replace("\r\n", "\n").lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// What a process printed: its standard output, then its standard error when it wrote any.
fn printed(done: &std::process::Output) -> String {
    let mut output = plain(&String::from_utf8_lossy(&done.stdout));
    let stderr = plain(&String::from_utf8_lossy(&done.stderr));
    if !stderr.is_empty() {
        output.push_str("--- stderr\n");
        output.push_str(&stderr);
    }
    output
}

fn run_vshadow(setup: &Setup, folder: &Path, n: usize, args: &[String], step: &Step) -> Ran {
    let trace = folder.join(format!("trace-{n}.txt"));
    let record = folder.join(format!("calls-{n}.json"));
    let state = folder.join("state.json");
    // The replay starts from the state as the step found it: the state file and the files
    // beside it, copied whole, so that replaying changes nothing the case goes on with.
    let before = folder.join(format!("before-{n}"));
    std::fs::create_dir_all(&before).expect("the case folder is writable");
    for name in ["state.json", "state.json.log", "state.json.run"] {
        if folder.join(name).exists() {
            std::fs::copy(folder.join(name), before.join(name))
                .expect("the case folder is writable");
        }
    }
    let mut command = Command::new(&setup.wine);
    command
        .arg(setup.bin.join("vshadow.exe"))
        .args(args)
        .current_dir(folder)
        .env("WINEPREFIX", &setup.prefix)
        .env("WINEDEBUG", "-all")
        .env("WINEDLLOVERRIDES", "vssapi,resutils,bcryptprimitives=n")
        .env("TZ", "UTC")
        .env("VSS_SIM_STATE", "state.json")
        .env("VSS_SIM_MACHINE", step.machine)
        .env("VSS_SIM_TRACE", trace.file_name().expect("named above"))
        .env("VSS_SIM_RECORD", record.file_name().expect("named above"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !state.exists() {
        // A case may bring a world of its own, in its folder.
        let own = folder.join("world.yaml");
        let world = if own.exists() {
            "world.yaml".to_string()
        } else {
            world_path()
        };
        command.env("VSS_SIM_WORLD", world);
    }
    let mut child = command.spawn().expect("wine starts");
    let mut stdin = child.stdin.take().expect("piped");
    let _ = stdin.write_all(step.input.as_bytes());
    drop(stdin);
    let done = child.wait_with_output().expect("wine runs");
    let output = printed(&done);
    Ran {
        command: format!("vshadow {} on {}", args.join(" "), step.machine),
        code: done.status.code(),
        output,
        trace: std::fs::read_to_string(&trace).unwrap_or_default(),
    }
}

/// Runs the simulator's DiskShadow on the case's state file, with its trace.
fn run_diskshadow(setup: &Setup, folder: &Path, n: usize, step: &Step) -> Ran {
    let script = format!("script-{n}.dsh");
    std::fs::write(folder.join(&script), step.input).expect("the case folder is writable");
    let done = Command::new(&setup.cli)
        .args([
            "diskshadow",
            "--state",
            "state.json",
            "--on",
            step.machine,
            "--trace",
            "-s",
        ])
        .arg(&script)
        .current_dir(folder)
        .output()
        .expect("vss-sim runs");
    let output = printed(&done);
    Ran {
        command: format!(
            "(vss-sim diskshadow) {} on {}",
            step.input.trim_end().replace('\n', "; "),
            step.machine
        ),
        code: done.status.code(),
        output,
        // DiskShadow's --trace shows it among the commands' output.
        trace: String::new(),
    }
}

/// The Wine world, as a Windows path the DLL can open (Wine's Z: is the root).
fn world_path() -> String {
    let unix = Path::new(env!("CARGO_MANIFEST_DIR")).join("wine/world.yaml");
    format!("Z:{}", unix.display()).replace('/', "\\")
}

/// Replays the calls step `n` recorded on `vss-sim run`, from the state the step found.
fn replay(setup: &Setup, folder: &Path, n: usize) -> Result<(), String> {
    let record = folder.join(format!("calls-{n}.json"));
    if !record.exists() {
        // A process the DLL refused made no calls.
        return Ok(());
    }
    let before = folder.join(format!("before-{n}/state.json"));
    let mut command = Command::new(&setup.cli);
    command.arg("run").arg(&record);
    if before.exists() {
        command.arg("--state").arg(&before);
    }
    let done = command.output().map_err(|e| format!("vss-sim: {e}"))?;
    if done.status.success() {
        Ok(())
    } else {
        Err(format!(
            "the calls of step {n} do not replay on vss-sim run:\n{}{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        ))
    }
}

/// Runs a case and gives its golden text, or why it could not be run.
fn run_case(setup: &Setup, case: &Case) -> Result<String, String> {
    let folder = setup.work.join(case.name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let mut ids = Ids::default();
    let mut golden = String::new();
    for (i, step) in case.steps.iter().enumerate() {
        let n = i + 1;
        if n == case.steps.len()
            && let Some(prepare) = case.before_last
        {
            prepare(&folder);
        }
        let args: Vec<String> = step
            .args
            .iter()
            .map(|arg| ids.fill(arg))
            .collect::<Result<_, _>>()?;
        let ran = match step.program {
            Program::Vshadow => run_vshadow(setup, &folder, n, &args, step),
            Program::Diskshadow => run_diskshadow(setup, &folder, n, step),
        };
        ids.learn(&ran.output);
        let code = ran.code.map_or("killed".to_string(), |c| c.to_string());
        let _ = writeln!(golden, "=== step {n}: {} (exit {code})", ran.command);
        golden.push_str(&ran.output);
        let _ = writeln!(golden, "--- trace");
        golden.push_str(&ran.trace);
        replay(setup, &folder, n)?;
    }
    Ok(golden)
}

fn main() {
    let setup = match Setup::from_env() {
        Ok(setup) => setup,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let only: Option<String> = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let mut failed = BTreeMap::new();
    let mut passed = 0;
    for case in cases() {
        if only
            .as_ref()
            .is_some_and(|o| !case.name.contains(o.as_str()))
        {
            continue;
        }
        let outcome = run_case(&setup, &case).and_then(|golden| {
            std::panic::catch_unwind(|| {
                insta::with_settings!({
                    snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/wine/goldens"),
                    prepend_module_to_snapshot => false,
                    omit_expression => true,
                }, {
                    insta::assert_snapshot!(case.name, golden);
                });
            })
            .map_err(|_| "the output differs from its golden".to_string())
        });
        match outcome {
            Ok(()) => {
                println!("ok     {}", case.name);
                passed += 1;
            }
            Err(e) => {
                println!("FAILED {}: {e}", case.name);
                failed.insert(case.name, e);
            }
        }
    }
    println!("{passed} passed, {} failed", failed.len());
    if !failed.is_empty() {
        std::process::exit(1);
    }
}
