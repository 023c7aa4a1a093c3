//! The `DISKSHADOW>` prompt's input: lines typed at a terminal, with line editing and
//! history, or lines read from a pipe.
//!
//! At a terminal the line editor gives what the Windows console gives DiskShadow: the arrow
//! keys move in the line and step through the lines typed before, and Ctrl-C drops the line
//! being typed without ending the session. History lasts as long as the session, as a
//! console's does; nothing is written to disk. From a pipe or a file, lines are read as they
//! come, so that a transcript of piped input shows every prompt.

use std::io::{BufRead, IsTerminal};

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

/// What the prompt's next read gave.
pub enum Input {
    /// A line, without its line ending.
    Line(String),
    /// Bytes that are not UTF-8 text.
    NotText,
    /// The line being typed was dropped (Ctrl-C); the session goes on.
    Cancelled,
    /// The input ended (Ctrl-D at a terminal, or the end of a pipe).
    End,
}

/// Where the prompt's lines come from.
pub enum Lines {
    /// A terminal, read through the line editor, which prints the prompt itself.
    Terminal(Box<Editor<(), DefaultHistory>>),
    /// Anything else; the caller prints the prompt.
    Piped,
}

impl Lines {
    /// The line editor when standard input and output are both a terminal, else plain reads.
    pub fn open() -> Lines {
        if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
            return Lines::Piped;
        }
        let config = Config::builder().auto_add_history(true).build();
        match Editor::with_config(config) {
            Ok(editor) => Lines::Terminal(Box::new(editor)),
            // A terminal the editor cannot drive still gives lines the plain way.
            Err(_) => Lines::Piped,
        }
    }

    /// Whether the prompt must be printed by the caller.
    pub fn needs_prompt(&self) -> bool {
        matches!(self, Lines::Piped)
    }

    /// Reads the next line, showing `prompt` when the line editor reads it.
    pub fn next(&mut self, prompt: &str) -> Input {
        match self {
            Lines::Terminal(editor) => match editor.readline(prompt) {
                Ok(line) => Input::Line(line),
                Err(ReadlineError::Interrupted) => Input::Cancelled,
                Err(ReadlineError::Eof) => Input::End,
                // A terminal that can no longer be read ends the session, saying why.
                Err(e) => {
                    eprintln!("the terminal cannot be read: {e}");
                    Input::End
                }
            },
            Lines::Piped => {
                let mut bytes = Vec::new();
                match std::io::stdin().lock().read_until(b'\n', &mut bytes) {
                    Ok(0) | Err(_) => Input::End,
                    Ok(_) => match String::from_utf8(bytes) {
                        Ok(mut line) => {
                            let ending = line.trim_end_matches(['\r', '\n']).len();
                            line.truncate(ending);
                            Input::Line(line)
                        }
                        Err(_) => Input::NotText,
                    },
                }
            }
        }
    }
}
