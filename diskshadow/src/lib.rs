//! DiskShadow, the Windows Server command-line requester, on any backend.
//!
//! A [`Session`] keeps what DiskShadow keeps between commands (context and options, the
//! volumes added, the aliases, loaded metadata, the backup in progress, its requester
//! objects) and carries out each command as the requester calls DiskShadow makes, printing
//! what DiskShadow prints. [`run_script`] runs a script as `diskshadow /s` does: each line
//! echoed, stopping at the first command that fails. The commands, their calls and the
//! choices made where DiskShadow's behaviour is not documented are listed in
//! `docs/tool-assumptions.md`.
//!
//! # Example
//!
//! Run a two-line script on HOSTA of the simulator's default world: it makes a shadow copy
//! of `C:\` and writes its metadata cabinet in the session's folder, as `diskshadow /s` does.
//!
//! ```
//! use vss_diskshadow::{ScriptEnd, Session, run_script};
//! use vss_sim::Simulator;
//!
//! let sim = Simulator::default_world();
//! let dir = std::env::temp_dir().join(format!("vss-diskshadow-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//!
//! let mut session = Session::new(&sim, "HOSTA", Vec::new(), &dir);
//! let end = run_script(&mut session, "add volume C: alias System\ncreate\n");
//! let output = session.end();
//! assert_eq!(end, ScriptEnd::Completed);
//! assert_eq!(end.exit_code(), 0);
//! assert!(output.starts_with("-> add volume C: alias System\n-> create\n"));
//! let device = r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1";
//! assert!(output.contains(&format!("Shadow copy device name: {device}")));
//! assert!(dir.join("2026-01-01_00-00-01_HOSTA.cab").is_file());
//! std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod help;
pub mod metadata;
pub mod script;
mod session;
mod show;

pub use session::{Done, Failure, Session};

use std::fmt;

use vss_model::VssTimestamp;
use vss_model::backend::Backend;
use vss_model::position::Position;

use script::SyntaxError;

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

    /// The syntax error that stopped the script, and where it is: its line, and the column
    /// of the word that is wrong (1 when the reader could not tell). `None` when the script
    /// ran to its end or a command failed.
    pub fn syntax_error(&self) -> Option<(Position, &SyntaxError)> {
        match self {
            ScriptEnd::Failed {
                line,
                failure: Failure::Syntax(e),
            } => {
                let line = Position::new(*line as u64, 1);
                Some((e.position().unwrap_or(line), e))
            }
            _ => None,
        }
    }
}

/// The prompt DiskShadow shows when it reads commands typed at the console.
pub const PROMPT: &str = "DISKSHADOW> ";

/// What `DISKSHADOW /?` prints after the banner: DiskShadow's command line, its switches
/// in DiskShadow's notation.
pub const USAGE: &str = "\
DISKSHADOW.EXE  [/s <scriptfile> [param1] [param2] [param3] ...] [/l <logfile>]
                          - Runs the commands of a script

DISKSHADOW.EXE  [/l <logfile>]
                          - Runs the DISKSHADOW> prompt

    /s <scriptfile> [param1] [param2] [param3] ... [paramX]
                          - The script to run; it reads its parameters as
                            %DISKSH_PARAM_1%, %DISKSH_PARAM_2%, %DISKSH_PARAM_3%, ..., %DISKSH_PARAM_X%
                            in the order given.
    /l <logfile>          - Also writes everything printed to this file

vss-sim's own options (--world, --on, --state, --wait, --trace, --encoding, --exec-exit)
are described by `vss-sim diskshadow --help`.
";

/// The lines DiskShadow prints when it starts, on `machine` at `now` (the simulated clock,
/// so that a run prints the same bytes every time).
pub fn banner(machine: &str, now: VssTimestamp) -> String {
    format!(
        "Microsoft DiskShadow version 1.0 (simulated by vss-sim)\nOn computer:  {machine},  {}\n\n",
        show::time(now)
    )
}

/// The banner as the prompt shows it: one more blank line before the first `DISKSHADOW>`.
pub fn prompt_banner(machine: &str, now: VssTimestamp) -> String {
    banner(machine, now) + "\n"
}

/// Why a script file's bytes are not a script's text: where the first thing that is not
/// text is, and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotText {
    /// The place, counted in the text read up to it: lines end as [`script_lines`] ends
    /// them, columns count characters from 1 (a byte-order mark is not counted).
    pub position: Position,
    /// What is there.
    pub problem: NotTextProblem,
}

/// What [`NotText`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTextProblem {
    /// A byte that is not UTF-8 (and there is no UTF-16 byte-order mark).
    NotUtf8,
    /// Bytes that are not text in the code page named (as `--encoding` names it).
    NotInEncoding(&'static str),
    /// A NUL character, which a script saved as UTF-16 without its byte-order mark has
    /// beside every letter.
    Nul,
    /// UTF-16 text that ends half way through a character.
    Utf16Cut,
    /// UTF-16 text with a half of a surrogate pair alone.
    Utf16Invalid,
}

/// What is wrong, said of the place [`NotText::position`] names, with how to fix it.
impl fmt::Display for NotTextProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotTextProblem::NotUtf8 => {
                "the line is not UTF-8 text (save the script as UTF-8 or UTF-16)"
            }
            NotTextProblem::NotInEncoding(name) => {
                return write!(
                    f,
                    "the line is not {name} text (name the script's code page with --encoding)"
                );
            }
            NotTextProblem::Nul => {
                "the line holds a NUL character: UTF-16 without a byte-order mark? (save the script as UTF-8, or as UTF-16 with its byte-order mark)"
            }
            NotTextProblem::Utf16Cut => "the UTF-16 text ends half way through a character",
            NotTextProblem::Utf16Invalid => "the UTF-16 text is not valid",
        })
    }
}

/// `LINE:COLUMN: problem`, the form that follows the script's name.
impl fmt::Display for NotText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.position, self.problem)
    }
}

impl std::error::Error for NotText {}

/// A script file's text, as DiskShadow reads it on a machine whose ANSI code page is
/// Windows-1252 (Western European): [`decode_script_in`] with that code page.
pub fn decode_script(bytes: &[u8]) -> Result<String, NotText> {
    decode_script_in(bytes, encoding_rs::WINDOWS_1252)
}

/// A script file's text: UTF-16 with its byte-order mark (as Windows PowerShell writes
/// files), UTF-8 with or without one, and otherwise the ANSI code page `ansi`, as DiskShadow
/// reads a script saved by Notepad in ANSI. Text that is UTF-8 is read as UTF-8 whatever
/// `ansi` says: a UTF-8 file is all but never also sensible text in a code page, and Notepad
/// saves UTF-8 without a mark. With `ansi` UTF-8, nothing else is read. What cannot be read
/// is refused, placing the first thing that is not text.
pub fn decode_script_in(
    bytes: &[u8],
    ansi: &'static encoding_rs::Encoding,
) -> Result<String, NotText> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return decode_script_in(rest, encoding_rs::UTF_8);
    }
    let refused = |before: &str, problem| NotText {
        position: position_after(before),
        problem,
    };
    let utf16 = |rest: &[u8], unit: fn([u8; 2]) -> u16| {
        let mut text = String::new();
        for c in char::decode_utf16(rest.chunks_exact(2).map(|c| unit([c[0], c[1]]))) {
            match c {
                Ok(c) => text.push(c),
                Err(_) => return Err(refused(&text, NotTextProblem::Utf16Invalid)),
            }
        }
        if !rest.len().is_multiple_of(2) {
            return Err(refused(&text, NotTextProblem::Utf16Cut));
        }
        Ok(text)
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        // UTF-16 without a byte-order mark reads as UTF-8 with a NUL beside every letter.
        _ if bytes.contains(&0) => {
            let before = bytes.iter().take_while(|b| **b != 0).count();
            Err(refused(
                &String::from_utf8_lossy(&bytes[..before]),
                NotTextProblem::Nul,
            ))
        }
        _ => match (std::str::from_utf8(bytes), ansi == encoding_rs::UTF_8) {
            (Ok(text), _) => Ok(text.to_string()),
            (Err(e), true) => {
                let valid = &bytes[..e.valid_up_to()];
                Err(refused(
                    &String::from_utf8_lossy(valid),
                    NotTextProblem::NotUtf8,
                ))
            }
            (Err(_), false) => {
                let (text, malformed) = ansi.decode_without_bom_handling(bytes);
                if !malformed {
                    return Ok(text.into_owned());
                }
                // The place of the first byte the code page has no character for.
                let before = text.split('\u{FFFD}').next().unwrap_or_default();
                Err(refused(before, NotTextProblem::NotInEncoding(ansi.name())))
            }
        },
    }
}

/// The place just after `before`, the text that precedes it.
fn position_after(before: &str) -> Position {
    let lines = script_lines(before);
    // A text that ends with a line end leaves the place at the start of the next line.
    let ended = before.ends_with(['\n', '\r']);
    let line = lines.len() + usize::from(ended || lines.is_empty());
    let column = match lines.last() {
        Some(last) if !ended => last.chars().count() + 1,
        _ => 1,
    };
    Position::new(line as u64, column as u64)
}

/// [`decode_script`], its refusal said in one sentence that names the line when it can:
/// `line 3 is not UTF-8 text (save the script as UTF-8 or UTF-16)`.
pub fn script_text(bytes: &[u8]) -> Result<String, String> {
    decode_script(bytes).map_err(|e| {
        let line = e.position.line;
        match e.problem {
            NotTextProblem::NotUtf8 => {
                format!("line {line} is not UTF-8 text (save the script as UTF-8 or UTF-16)")
            }
            NotTextProblem::NotInEncoding(name) => format!(
                "line {line} is not {name} text (name the script's code page with --encoding)"
            ),
            NotTextProblem::Nul => format!(
                "line {line} holds a NUL character: UTF-16 without a byte-order mark? (save the script as UTF-8, or as UTF-16 with its byte-order mark)"
            ),
            NotTextProblem::Utf16Cut | NotTextProblem::Utf16Invalid => e.problem.to_string(),
        }
    })
}

/// The lines of a script, each ended by CRLF, LF or a lone CR (a script saved with old Mac
/// line ends).
pub fn script_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// Runs `script` in `session`, line by line, echoing each command; stops at the first
/// command that fails. The output stays in the session; the session is not ended: the caller
/// ends it, which releases its requester objects as DiskShadow's exit does.
pub fn run_script<B: Backend>(session: &mut Session<'_, B>, script: &str) -> ScriptEnd {
    run_script_observed(session, script, |_, _, _, _| {})
}

/// [`run_script`], calling `after` with the session, the number and the text of each command
/// line and what it led to, once it has run (a failing one included: it may have changed the
/// world before it failed), so that a caller can print the output as it comes or look at the
/// world.
pub fn run_script_observed<'b, B: Backend>(
    session: &mut Session<'b, B>,
    script: &str,
    mut after: impl FnMut(&mut Session<'b, B>, usize, &str, &Done),
) -> ScriptEnd {
    session.echo_commands(true);
    let mut lines = script_lines(script);
    // DiskShadow reads one more, empty, line after the last line ending.
    if script.ends_with(['\n', '\r']) {
        lines.push("");
    }
    for (index, line) in lines.into_iter().enumerate() {
        let command = line.trim();
        let done = session.execute(line, index + 1);
        if !command.is_empty() && !command.starts_with('#') {
            after(session, index + 1, command, &done);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_are_read_in_the_encodings_windows_writes() {
        assert_eq!(
            script_text(b"\xEF\xBB\xBFset verbose on"),
            Ok("set verbose on".into())
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("add volume C:".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(script_text(&utf16), Ok("add volume C:".into()));
        // Saved by Notepad "in ANSI": Windows-1252, é in a comment.
        assert_eq!(
            script_text(b"# r\xe9sum\xe9\ncreate\n"),
            Ok("# résumé\ncreate\n".into())
        );
        // UTF-8 without a mark stays UTF-8.
        assert_eq!(
            script_text("# résumé\n".as_bytes()),
            Ok("# résumé\n".into())
        );
        assert!(script_text(&[0xFF, 0xFE, 0x41]).is_err());
        let no_mark: Vec<u8> = "reset\ncreate"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(
            script_text(&no_mark),
            Err("line 1 holds a NUL character: UTF-16 without a byte-order mark? (save the script as UTF-8, or as UTF-16 with its byte-order mark)".into())
        );
    }

    #[test]
    fn other_code_pages_are_read_when_named() {
        // Shift_JIS "テスト" in a comment.
        let script = b"# \x83\x65\x83\x58\x83\x67\nlist shadows all\n";
        assert_eq!(
            decode_script_in(script, encoding_rs::SHIFT_JIS),
            Ok("# テスト\nlist shadows all\n".into())
        );
        // A lead byte without its trail byte is not Shift_JIS.
        let e = decode_script_in(b"reset\n# \x83\n", encoding_rs::SHIFT_JIS).unwrap_err();
        assert_eq!(e.position, Position::new(2, 3));
        assert_eq!(
            e.to_string(),
            "2:3: the line is not Shift_JIS text (name the script's code page with --encoding)"
        );
    }

    #[test]
    fn text_that_is_not_a_script_is_placed_at_its_first_bad_character() {
        // With UTF-8 named, nothing but UTF-8 is read.
        let at = |bytes: &[u8]| decode_script_in(bytes, encoding_rs::UTF_8).unwrap_err();
        let e = at(b"create\nadd alias x \xff\n");
        assert_eq!(e.position, Position::new(2, 13));
        assert_eq!(e.problem, NotTextProblem::NotUtf8);
        assert_eq!(
            e.to_string(),
            "2:13: the line is not UTF-8 text (save the script as UTF-8 or UTF-16)"
        );
        // Lines end as the script's lines do, a lone CR included; columns count characters.
        assert_eq!(at(b"reset\rcreate\r\xff").position, Position::new(3, 1));
        assert_eq!(
            at(&["é—x".as_bytes(), b"\xFF"].concat()).position,
            Position::new(1, 4)
        );
        assert_eq!(at("add é\0".as_bytes()).position, Position::new(1, 6));
        // A byte-order mark is not a column.
        assert_eq!(at(b"\xEF\xBB\xBF\xff").position, Position::new(1, 1));
        let utf16 = |text: &str, extra: &[u16]| -> Vec<u8> {
            [0xFF, 0xFE]
                .into_iter()
                .chain(
                    text.encode_utf16()
                        .chain(extra.iter().copied())
                        .flat_map(u16::to_le_bytes),
                )
                .collect()
        };
        let mut cut = utf16("ab\nc", &[]);
        cut.push(0x41);
        let e = at(&cut);
        assert_eq!(
            (e.position, e.problem),
            (Position::new(2, 2), NotTextProblem::Utf16Cut)
        );
        let e = at(&utf16("ab\ncd", &[0xD800, 0x41]));
        assert_eq!(
            (e.position, e.problem),
            (Position::new(2, 3), NotTextProblem::Utf16Invalid)
        );
    }

    #[test]
    fn lines_end_with_crlf_lf_or_a_lone_cr() {
        assert_eq!(script_lines("a\r\nb\nc\rd"), ["a", "b", "c", "d"]);
        assert_eq!(script_lines("a\r\n\r\nb\n"), ["a", "", "b"]);
        assert!(script_lines("").is_empty());
    }
}
