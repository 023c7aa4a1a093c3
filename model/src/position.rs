//! Where something is in a text file, as editors count: line and column, both from 1.
//!
//! Every kind of input the project reads (scenario files, world files, state files,
//! DiskShadow scripts) names a place in it the same way, `FILE:LINE:COLUMN`, so that an
//! editor or a terminal can jump there.

use std::fmt;

/// A place in a text: line and column, both counted from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    /// The line, from 1.
    pub line: u64,
    /// The column, from 1, in characters.
    pub column: u64,
}

impl Position {
    /// The place at `line` and `column`, both from 1.
    pub fn new(line: u64, column: u64) -> Position {
        Position { line, column }
    }
}

/// `LINE:COLUMN`, the form that follows a file name.
impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// `FILE:LINE:COLUMN`, or `FILE` alone when the place is not known: how every message about
/// bad input starts.
pub fn located(file: &str, position: Option<Position>) -> String {
    match position {
        Some(p) => format!("{file}:{p}"),
        None => file.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_as_editors_take_it() {
        assert_eq!(located("a.yaml", Some(Position::new(4, 32))), "a.yaml:4:32");
        assert_eq!(located("a.yaml", None), "a.yaml");
    }
}
