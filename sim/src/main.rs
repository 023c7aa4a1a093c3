//! `vss-sim`: run scenario files against the simulated VSS, and explain VSS codes and methods.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vss_model::HResult;
use vss_model::methods;
use vss_sim::runner::Outcome;

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

fn run_file(path: &Path, trace: bool) -> Result<Outcome, String> {
    println!("== {}", path.display());
    let report = vss_sim::runner::run_file(path, trace).map_err(|e| e.to_string())?;
    print!("{}", report.output);
    if let Outcome::BadInput(e) = &report.outcome {
        eprintln!("error: {e}");
    }
    Ok(report.outcome)
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
        println!("documented return codes (and how the simulator reaches them):");
        for c in method.codes {
            println!(
                "  {:<45} 0x{:08X}  [{}] {}",
                c.code.name().unwrap_or("?"),
                c.code.code(),
                c.reach,
                c.when
            );
        }
        return ExitCode::SUCCESS;
    }
    eprintln!("error: `{name}` is neither an HRESULT name or value nor a VSS method name");
    ExitCode::from(BAD_INPUT)
}
