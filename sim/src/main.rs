//! `vss-sim`: run scenario files against the simulated VSS, and explain VSS codes and methods.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vss_model::HResult;
use vss_model::methods;
use vss_sim::Simulator;
use vss_sim::runner::{Outcome, Scenario, run_scenario};

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
    },
    /// Explain an HRESULT (by name or 0x value) or a VSS method (by name).
    Explain {
        /// `VSS_E_OBJECT_NOT_FOUND`, `0x80042308`, or `DoSnapshotSet`.
        name: String,
    },
}

/// Exit code for bad input.
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run { files, trace } => run(&files, trace),
        Command::Explain { name } => explain(&name),
    }
}

fn run(files: &[PathBuf], trace: bool) -> ExitCode {
    let mut worst = 0;
    for path in files {
        let shown = path.display().to_string();
        let code = match run_file(path, &shown, trace) {
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

fn run_file(path: &PathBuf, shown: &str, trace: bool) -> Result<Outcome, String> {
    let text =
        std::fs::read_to_string(path).map_err(|e| format!("{shown}: cannot read it: {e}"))?;
    let scenario = Scenario::parse(&text, shown).map_err(|e| e.to_string())?;
    let world = scenario.world_file().map_err(|e| e.to_string())?;
    let sim = Simulator::new(&world).map_err(|e| format!("{shown}: the world: {e}"))?;
    println!("== {shown}");
    let source = sim.clone();
    let tracer: Option<Box<dyn Fn() -> Vec<String>>> = if trace {
        Some(Box::new(move || {
            source
                .take_trace()
                .iter()
                .map(ToString::to_string)
                .collect()
        }))
    } else {
        None
    };
    let (output, outcome) = run_scenario(&scenario, &sim, tracer);
    print!("{output}");
    if let Outcome::BadInput(e) = &outcome {
        eprintln!("error: {e}");
    }
    Ok(outcome)
}

fn explain(name: &str) -> ExitCode {
    if let Ok(hr) = name.parse::<HResult>() {
        match hr.info() {
            Some(info) => {
                println!("{} = 0x{:08X}", info.name, info.value.code());
                println!("{}", info.meaning);
                let severity = if hr.is_success() {
                    "success"
                } else {
                    "failure"
                };
                println!("severity: {severity}");
                let methods: Vec<String> = methods::METHODS
                    .iter()
                    .filter(|m| m.documents(hr))
                    .map(|m| m.qualified_name())
                    .collect();
                if !methods.is_empty() {
                    println!("documented by: {}", methods.join(", "));
                }
            }
            None => println!("0x{:08X} is not a VSS or common COM code", hr.code()),
        }
        return ExitCode::SUCCESS;
    }
    if let Some(method) = methods::method(name) {
        println!("{}", method.qualified_name());
        println!("{}", method.summary);
        if method.asynchronous {
            println!("asynchronous: returns an IVssAsync");
        }
        println!("documented return codes:");
        for c in method.codes {
            println!(
                "  {:<45} 0x{:08X}  {}",
                c.code.name().unwrap_or("?"),
                c.code.code(),
                c.when
            );
        }
        return ExitCode::SUCCESS;
    }
    eprintln!("error: `{name}` is neither an HRESULT name or value nor a VSS method name");
    ExitCode::from(BAD_INPUT)
}
