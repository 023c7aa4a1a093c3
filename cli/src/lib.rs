//! The library half of the `vss-sim` command: the diagrams it draws for learners.
//!
//! `vss-sim diagram` prints these; they are a library too so that tests, and anyone who
//! embeds the simulator, can draw a requester object's lifecycle or a run's timeline without
//! going through the command line.
//!
//! # Example
//!
//! Draw the lifecycle of a requester object, as `vss-sim diagram lifecycle` prints it:
//!
//! ```
//! use vss_sim_cli::diagram::{Format, lifecycle};
//!
//! let mermaid = lifecycle(Format::Mermaid);
//! assert!(mermaid.starts_with("stateDiagram-v2\n"));
//! assert!(mermaid.contains("Created --> Initialized: InitializeForBackup(NULL)"));
//! assert!(lifecycle(Format::Dot).starts_with("digraph lifecycle {"));
//! ```

pub mod diagram;
