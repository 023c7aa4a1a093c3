//! The vocabulary and contracts of the Volume Shadow Copy Service.
//!
//! Everything here is pure data and traits, named as the Windows SDK names it: GUIDs
//! ([`VssId`]), return codes ([`HResult`]), contexts and attributes, the property structures,
//! the provider contract of vsprov.h ([`provider`]), the requester API a backup application
//! codes against ([`backend`]), and the backup components document ([`document`]). The
//! simulator and the real Windows backend both build on it; neither is known here.

pub mod attributes;
pub mod backend;
pub mod call;
pub mod context;
pub mod document;
#[macro_use]
pub mod enums;
mod flag_text;
pub mod guid;
pub mod hresult;
pub mod lun;
pub mod methods;
pub mod point_in_time;
pub mod props;
pub mod provider;
pub mod storage;

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
