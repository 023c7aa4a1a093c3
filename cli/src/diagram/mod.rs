//! Diagrams for learners: what a requester object goes through, and what a run does to the
//! storage array, step by step.
//!
//! - [`lifecycle`](mod@lifecycle) draws the life of one `IVssBackupComponents` object as a
//!   state diagram. The states and the calls between them are a table
//!   ([`lifecycle::TRANSITIONS`]) that the module's tests check against the simulator: every
//!   drawn call succeeds in its state, and every other call is refused there with the code
//!   the diagram gives.
//! - [`timeline`] draws a run as a timeline: after each step, which LUNs the array has,
//!   which machine sees each, its flags, what it is to VSS (an original, a shadow copy's
//!   LUN, a broken-off disk), and the shadow copies of each machine. A [`Timeline`] is a
//!   list of labelled states, whatever made them; [`scenario`] fills one from a scenario
//!   file run on the simulator.
//!
//! Each diagram is written as Mermaid, Graphviz DOT or SVG ([`Format`]). The output is
//! the same bytes for the same input: everything is in table, step or name order.

pub mod lifecycle;
pub mod scenario;
mod svg;
mod text;
pub mod timeline;

use std::fmt;
use std::str::FromStr;

pub use lifecycle::lifecycle;
pub use scenario::timeline_of_file;
pub use timeline::{Timeline, TimelineStep};

/// The language a diagram is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    /// Mermaid, which Markdown viewers such as GitHub's draw in place.
    Mermaid,
    /// Graphviz DOT, for `dot -Tsvg` and the like.
    Dot,
    /// SVG, to open in a browser: a table, drawn without any layout engine.
    Svg,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 3] = [Format::Mermaid, Format::Dot, Format::Svg];

    /// The format's name on the command line.
    pub const fn name(self) -> &'static str {
        match self {
            Format::Mermaid => "mermaid",
            Format::Dot => "dot",
            Format::Svg => "svg",
        }
    }
}

impl FromStr for Format {
    type Err = String;

    /// Reads a format's name: `mermaid`, `dot` or `svg`.
    fn from_str(name: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "no diagram format is named `{name}`; the formats are {}",
                    names.join(", ")
                )
            })
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
