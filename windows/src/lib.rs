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
//! # Example
//!
//! Calling real VSS needs Windows, but what keeps those calls right can be checked anywhere:
//! every declared interface follows its SDK header slot for slot, and the checked allocator
//! the harness uses tells a leaked string.
//!
//! ```
//! use vss_windows::interfaces::{DECLARED, IVssBackupComponents};
//! use vss_windows::slots::{check, header_order};
//! use vss_windows::{CheckedMemory, ComMemory};
//!
//! for declared in DECLARED {
//!     let header = header_order(declared.interface).expect("every interface has its header");
//!     check(declared, header)?;
//! }
//! // The requester object's own methods start after IUnknown's three.
//! let first = IVssBackupComponents::DECLARED.slots[0];
//! assert_eq!(first, ("GetWriterComponentsCount", 3 * size_of::<usize>()));
//!
//! let memory = CheckedMemory::new();
//! let _document = memory.bstr("<BACKUP_COMPONENTS/>"); // never freed with SysFreeString
//! assert!(memory.audit().unwrap_err().starts_with("leaked: SysAllocStringLen block"));
//! # Ok::<(), vss_windows::slots::SlotError>(())
//! ```
//!
//! [`BackupComponents`]: vss_model::backend::BackupComponents
//! [`VssAsync`]: vss_model::backend::VssAsync

pub mod abi;
mod client;
pub mod interfaces;
mod local;
pub mod marshal;
pub mod memory;
pub mod slots;

pub use client::{ComAsync, ComBackupComponents};
pub use local::LocalVss;
#[cfg(any(windows, vss_windows_check))]
pub use local::SystemMemory;
pub use memory::{CheckedMemory, ComMemory};
