//! The vocabulary and contracts of the Volume Shadow Copy Service.
//!
//! Everything here is pure data and traits, named as the Windows SDK names it: GUIDs
//! ([`VssId`]), return codes ([`HResult`]), contexts and attributes, the property structures,
//! the provider contract of vsprov.h ([`provider`]), the requester API a backup application
//! codes against ([`backend`]), the backup components document ([`document`]) and what
//! writers say of themselves ([`writer_metadata`]). The
//! simulator and the real Windows backend both build on it; neither is known here.
//!
//! # Example
//!
//! Read an HRESULT by its SDK name, and a context from its flags, as a scenario file or the
//! command line gives them:
//!
//! ```
//! use vss_model::{Context, HResult, SnapshotAttributes};
//!
//! let hr: HResult = "VSS_E_OBJECT_NOT_FOUND".parse().unwrap();
//! assert_eq!(hr.code(), 0x8004_2308);
//! assert!(hr.is_failure());
//! assert_eq!(hr.to_string(), "VSS_E_OBJECT_NOT_FOUND (0x80042308)");
//!
//! let context: Context = "VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_TRANSPORTABLE".parse().unwrap();
//! assert_eq!(context.0, 0x20);
//! assert_eq!(context.modifiers(), SnapshotAttributes::VSS_VOLSNAP_ATTR_TRANSPORTABLE);
//! assert!(!context.is_persistent());
//! assert_eq!(context.check_for_set_context(), Ok(()));
//! ```

pub mod attributes;
pub mod backend;
pub mod call;
pub mod context;
pub mod digest;
pub mod document;
#[macro_use]
pub mod enums;
mod flag_text;
pub mod guid;
pub mod hex;
pub mod hresult;
pub mod lifecycle;
pub mod lun;
pub mod methods;
pub mod point_in_time;
pub mod position;
pub mod props;
pub mod provider;
pub mod storage;
pub mod writer_metadata;
mod xml_text;

pub use attributes::{HardwareOptions, SnapshotAttributes};
pub use context::Context;
pub use enums::{
    BackupType, ObjectType, ProviderType, SnapshotPropertyId, SnapshotState, WriterEvent,
    WriterState,
};
pub use guid::VssId;
pub use hresult::HResult;
pub use props::{ObjectProp, ProviderProp, SnapshotProp, VssTimestamp, WriterStatus};
pub use storage::{BLOCK_SIZE, Block};
