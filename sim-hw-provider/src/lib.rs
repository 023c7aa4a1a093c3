//! A simulated SAN: the storage [`array`](mod@array) and its VSS hardware [`provider`].
//!
//! The array holds LUNs with page-80 serial numbers, page-83 identifiers and disk
//! identities, masks them to machines, and makes point-in-time clones of them. The provider
//! is what VSS loads on each machine to reach the array: it implements the hardware provider
//! interfaces of `vss_model::provider`.
//!
//! # Example
//!
//! Provision a LUN, make a differential clone of it, and let a machine's provider recognise
//! the LUN by its description:
//!
//! ```
//! use std::collections::BTreeSet;
//! use std::sync::{Arc, Mutex};
//!
//! use vss_model::provider::HardwareSnapshotProvider;
//! use vss_model::{Block, Context};
//! use vss_sim_hw::{Abilities, Array, ArrayModel, CloneKind, DiskIdentity, HardwareProvider};
//!
//! let block = |text: &[u8]| Block::new(text).unwrap();
//! let model = ArrayModel {
//!     vendor: "CONTOSO".into(),
//!     product: "ARRAY 9000".into(),
//!     revision: "1.0".into(),
//! };
//! let mut array = Array::new(model);
//! let hosta = BTreeSet::from(["HOSTA".to_string()]);
//! array.provision("LUN0", 1024, DiskIdentity::Mbr(0x1234_5678), hosta)?;
//! array.write("LUN0", 0, block(b"before"))?;
//!
//! // A clone reads the LUN as it was when it was made, and no machine sees it yet.
//! let clone = array.clone_lun("LUN0", CloneKind::Differential)?;
//! array.write("LUN0", 0, block(b"after"))?;
//! assert_eq!(array.read(&clone, 0)?, block(b"before"));
//! assert!(array.lun(&clone).unwrap().visible_to.is_empty());
//!
//! // HOSTA's provider knows the LUN as one of its array's.
//! let mut luns = [array.info("LUN0")];
//! let array = Arc::new(Mutex::new(array));
//! let mut provider = HardwareProvider::new("HOSTA", array, Abilities::default(), false);
//! let devices = [r"\\.\PHYSICALDRIVE1".to_string()];
//! let supported = provider.are_luns_supported(Context::VSS_CTX_BACKUP, &devices, &mut luns);
//! assert_eq!(supported, Ok(true));
//! # Ok::<(), vss_sim_hw::ArrayError>(())
//! ```

pub mod array;
pub mod provider;

pub use array::{
    Array, ArrayCheckpoint, ArrayError, ArrayModel, CloneKind, DiskIdentity, Lun, LunChange, LunId,
    Origin,
};
pub use provider::{
    Abilities, HARDWARE_PROVIDER_ID, HardwareProvider, HardwareProviderCheckpoint,
    LEGACY_HARDWARE_PROVIDER_ID,
};
