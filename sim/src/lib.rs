//! A simulated Volume Shadow Copy Service.
//!
//! A [`World`] holds machines with volumes, registered providers and writers, and a VSS
//! service per machine. [`Simulator`] exposes it through the requester API of
//! [`vss_model::backend`], so a backup application's code and the project's conformance
//! tests run against it as they would against real VSS. The [`runner`] runs scenario files;
//! the [`recorder`] writes what is done through any backend as a scenario the runner replays;
//! a [`state`] file keeps a world, and the runs made in it, from one process to the next.

mod backend;
mod build;
mod io;
pub mod recorder;
pub mod runner;
mod service;
pub mod size;
pub mod state;
pub mod trace;
mod volumes;
mod world;
pub mod world_file;
pub mod world_state;

pub use backend::{SimAsync, SimComponents, Simulator};
#[cfg(feature = "mutations")]
pub use world::BrokenRule;
pub use world::{HardwareProvider, SoftwareProvider, World, WorldError};

use world_file::WorldFile;

/// Parses a world file; JSON when `name` ends in `.json`, YAML otherwise.
pub fn parse_world(text: &str, name: &str) -> Result<WorldFile, WorldError> {
    runner::parse_document(text, name).map_err(|e| WorldError::Parse(e.to_string()))
}
