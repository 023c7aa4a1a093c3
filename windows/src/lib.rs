//! The real VSS backend: the requester API of vsbackup.h called through COM.
//!
//! [`ComBackupComponents`] implements the model's [`BackupComponents`] trait over an
//! `IVssBackupComponents` interface pointer (with `IVssBackupComponentsEx2` for
//! `BreakSnapshotSetEx` and `UnexposeSnapshot`), [`ComAsync`] implements [`VssAsync`] over
//! `IVssAsync`, and `Query` reads `IVssEnumObject`. The interfaces are declared by hand in
//! [`interfaces`], in the SDK's slot order, which [`slots`] checks.
//!
//! Everything here compiles and is tested on every system: the COM-ABI harness serves the
//! simulator as a COM object and drives it through these same vtables. Only [`LocalVss`]'s
//! way of creating the real object (`CreateVssBackupComponentsInternal` from vssapi.dll) and
//! the system's string allocators exist on Windows alone.
//!
//! [`BackupComponents`]: vss_model::backend::BackupComponents
//! [`VssAsync`]: vss_model::backend::VssAsync

pub mod abi;
mod client;
pub mod interfaces;
mod local;
pub mod memory;
pub mod slots;

pub use client::{ComAsync, ComBackupComponents};
pub use local::LocalVss;
pub use memory::{CheckedMemory, ComMemory};
