//! The command's exit codes and how it reports bad input, the same for every subcommand:
//! 0 when everything held, 1 when an expectation or a command failed, 2 on bad input; and
//! 3 when `explore` stopped at its bound of states before visiting every state.

use std::fmt::Display;
use std::process::ExitCode;

/// The exit code for bad input: a file that cannot be read or understood, an unknown name,
/// an argument that cannot be used.
pub const BAD_INPUT: u8 = 2;

/// The exit code of an exploration cut short: it reached its bound of states
/// (`--max-states`) before visiting every state, so its properties are neither proven nor
/// refuted (a broken `always` property still exits 1: its counterexample is real).
pub const CUT_SHORT: u8 = 3;

/// Prints a line on the standard output. A reader that went away (`vss-sim … | head -1`)
/// is not an error of the command: what it no longer reads is dropped, and the command goes
/// on to its end (a state file is still saved).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

/// [`say!`] without the line end.
macro_rules! say_part {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}

pub(crate) use {say, say_part};

/// Reports bad input on the standard error, `error: ` and the message, and gives its exit
/// code.
pub fn bad_input(message: impl Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(BAD_INPUT)
}
