//! `vss-sim diagram`: the lifecycle of a requester object, or a scenario's run step by step,
//! as Mermaid, DOT or SVG on standard output.

use std::path::PathBuf;
use std::process::ExitCode;

use vss_sim::diagram::{self, Format};
use vss_sim::runner::Outcome;

/// The arguments of `vss-sim diagram`.
#[derive(clap::Args)]
pub struct Args {
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
}

/// Exit code for bad input.
const BAD_INPUT: u8 = 2;

/// Prints the diagram asked for.
pub fn run(args: Args) -> ExitCode {
    match args.what {
        What::Lifecycle { format } => {
            print!("{}", diagram::lifecycle(format));
            ExitCode::SUCCESS
        }
        What::Run { scenario, format } => match diagram::timeline_of_file(&scenario) {
            Ok((timeline, outcome)) => {
                print!("{}", timeline.render(format));
                match outcome {
                    Outcome::Failed(n) => {
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
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(BAD_INPUT)
            }
        },
    }
}
