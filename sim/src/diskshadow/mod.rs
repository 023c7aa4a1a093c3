//! DiskShadow, the Windows Server command-line requester, on any backend.
//!
//! A [`Session`] keeps what DiskShadow keeps between commands (context and options, the
//! volumes added, the aliases, loaded metadata, the backup in progress, its requester
//! objects) and carries out each command as the requester calls DiskShadow makes, printing
//! what DiskShadow prints. [`run_script`] runs a script as `diskshadow /s` does: each line
//! echoed, stopping at the first command that fails. The commands, their calls and the
//! choices made where DiskShadow's behaviour is not documented are listed in
//! `docs/assumptions.md`.

pub mod metadata;
pub mod script;
mod session;
mod show;

pub use session::{Done, Failure, Session};

use vss_model::backend::Backend;

/// How a script run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScriptEnd {
    /// Every line ran (or `exit` ended it).
    Completed,
    /// The command on `line` failed, and the script stopped there.
    Failed {
        /// The line's number, from 1.
        line: usize,
        /// Why.
        failure: Failure,
    },
}

impl ScriptEnd {
    /// The exit code DiskShadow's front end gives: 0 when the script ran to its end, 1 when a
    /// command failed, 2 when a line is not a command DiskShadow accepts.
    pub fn exit_code(&self) -> u8 {
        match self {
            ScriptEnd::Completed => 0,
            ScriptEnd::Failed {
                failure: Failure::Syntax(_),
                ..
            } => 2,
            ScriptEnd::Failed { .. } => 1,
        }
    }
}

/// The lines DiskShadow prints when it starts.
pub fn banner(machine: &str) -> String {
    format!("Microsoft DiskShadow version 1.0 (simulated by vss-sim)\nOn computer:  {machine}\n\n")
}

/// Runs `script` in `session`, line by line (CRLF or LF), echoing each command; stops at the
/// first command that fails. The session is not ended: the caller ends it, which releases
/// its requester objects as DiskShadow's exit does.
pub fn run_script<B: Backend>(session: &mut Session<'_, B>, script: &str) -> ScriptEnd {
    run_script_observed(session, script, |_, _| {})
}

/// [`run_script`], calling `after` with the number and text of each command line once it
/// has run (a failing one included: it may have changed the world before it failed).
pub fn run_script_observed<B: Backend>(
    session: &mut Session<'_, B>,
    script: &str,
    mut after: impl FnMut(usize, &str),
) -> ScriptEnd {
    session.echo_commands(true);
    for (index, line) in script.lines().enumerate() {
        let command = line.trim();
        let done = session.execute(line, index + 1);
        if !command.is_empty() && !command.starts_with('#') {
            after(index + 1, command);
        }
        match done {
            Done::Ok => {}
            Done::Exit => break,
            Done::Failed(failure) => {
                return ScriptEnd::Failed {
                    line: index + 1,
                    failure,
                };
            }
        }
    }
    ScriptEnd::Completed
}
