//! A simulated Volume Shadow Copy Service.
//!
//! A [`World`] holds machines with volumes, registered providers and writers, and a VSS
//! service per machine. [`Simulator`] exposes it through the requester API of
//! [`vss_model::backend`], so a backup application's code and the project's conformance
//! tests run against it as they would against real VSS. The [`runner`] runs scenario files;
//! the [`recorder`] writes what is done through any backend as a scenario the runner replays;
//! a [`state`] file keeps a world, and the runs made in it, from one process to the next.
//!
//! # Example
//!
//! A shadow copy of `C:\` on HOSTA of the embedded default world, made as a backup
//! application makes it, then found by `Query`:
//!
//! ```
//! use vss_model::backend::{Backend, BackupComponents, BackupStateArgs, INFINITE, VssAsync};
//! use vss_model::{Context, HResult, ObjectProp, ObjectType, VssId};
//! use vss_sim::Simulator;
//!
//! let sim = Simulator::default_world();
//! let mut requester = sim.create_backup_components("HOSTA")?;
//! requester.initialize_for_backup(None)?;
//! requester.set_context(Context::VSS_CTX_BACKUP)?;
//! requester.gather_writer_metadata()?.wait(INFINITE);
//! requester.set_backup_state(BackupStateArgs::default())?;
//! let set = requester.start_snapshot_set()?;
//! let copy = requester.add_to_snapshot_set(r"C:\", VssId::NULL)?;
//! requester.prepare_for_backup()?.wait(INFINITE);
//! let mut creation = requester.do_snapshot_set()?;
//! creation.wait(INFINITE);
//! assert_eq!(creation.query_status()?, HResult::VSS_S_ASYNC_FINISHED);
//!
//! let (none, snapshot) = (ObjectType::VSS_OBJECT_NONE, ObjectType::VSS_OBJECT_SNAPSHOT);
//! let found = requester.query(VssId::NULL, none, snapshot)?;
//! let [ObjectProp::Snapshot(prop)] = found.as_slice() else { panic!("one shadow copy") };
//! assert_eq!((prop.snapshot_id, prop.snapshot_set_id), (copy, set));
//! assert_eq!(prop.snapshot_device_object, r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1");
//! # Ok::<(), HResult>(())
//! ```

mod backend;
mod build;
pub mod checkpoint;
mod handles;
pub mod input;
mod invariants;
mod io;
mod machine_volumes;
pub mod policy;
pub mod recorder;
pub mod runner;
mod san;
mod service;
pub mod size;
mod software_copies;
pub mod state;
pub mod trace;
mod volumes;
mod world;
pub mod world_file;
pub mod world_state;

pub use backend::{SimAsync, SimComponents, Simulator};
#[cfg(feature = "mutations")]
pub use world::BrokenRule;
pub use world::{HardwareProviderPlugin, SoftwareProviderPlugin, World, WorldError};
