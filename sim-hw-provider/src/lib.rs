//! A simulated SAN: the storage [`array`](mod@array) and its VSS hardware [`provider`].
//!
//! The array holds LUNs with page-80 serial numbers, page-83 identifiers and disk
//! identities, masks them to machines, and makes point-in-time clones of them. The provider
//! is what VSS loads on each machine to reach the array: it implements the hardware provider
//! interfaces of `vss_model::provider`.

pub mod array;
pub mod provider;

pub use array::{
    Array, ArrayError, ArrayModel, CloneKind, DiskIdentity, Lun, LunChange, LunId, Origin,
};
pub use provider::{
    Abilities, HARDWARE_PROVIDER_ID, HardwareProvider, LEGACY_HARDWARE_PROVIDER_ID,
};
