//! The array as a checkpoint: every LUN with its blocks, clones and masking, as data that
//! can be saved (the simulator's state file) and read back into the same array.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use vss_model::Block;
use vss_model::point_in_time::PointInTime;

use super::{Array, ArrayModel, DiskIdentity, DiskNumbers, Lun, LunChange, LunId, Origin};

/// Everything an [`Array`] keeps. [`Array::checkpoint`] makes one and
/// [`Array::from_checkpoint`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArrayCheckpoint {
    vendor: String,
    product: String,
    revision: String,
    /// The LUNs, by name.
    luns: BTreeMap<LunId, SavedLun>,
    /// LUNs made so far.
    made: u64,
    /// State changes not taken yet.
    changes: Vec<LunChange>,
    /// The disk number each machine gave each LUN it sees: given as LUNs arrived, they
    /// cannot be worked out from the LUNs alone.
    disks: BTreeMap<String, DiskNumbers>,
}

/// One LUN, whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedLun {
    serial: String,
    naa: Vec<u8>,
    blocks: u64,
    identity: DiskIdentity,
    visible_to: BTreeSet<String>,
    read_only: bool,
    hidden: bool,
    origin: Origin,
    data: BTreeMap<u64, Block>,
    base: Option<(LunId, u64)>,
    views: PointInTime,
    retired: bool,
}

impl Array {
    /// Everything the array keeps, to be saved.
    pub fn checkpoint(&self) -> ArrayCheckpoint {
        ArrayCheckpoint {
            vendor: self.model.vendor.clone(),
            product: self.model.product.clone(),
            revision: self.model.revision.clone(),
            luns: self
                .luns
                .iter()
                .map(|(id, lun)| {
                    let saved = SavedLun {
                        serial: lun.serial.clone(),
                        naa: lun.naa.clone(),
                        blocks: lun.blocks,
                        identity: lun.identity,
                        visible_to: lun.visible_to.clone(),
                        read_only: lun.read_only,
                        hidden: lun.hidden,
                        origin: lun.origin.clone(),
                        data: lun.data.clone(),
                        base: lun.base.clone(),
                        views: lun.views.clone(),
                        retired: lun.retired,
                    };
                    (id.clone(), saved)
                })
                .collect(),
            made: self.made,
            changes: self.changes.clone(),
            disks: self.disks.clone(),
        }
    }

    /// The array `checkpoint` saved. Refused when a differential clone reads a LUN the
    /// checkpoint does not hold, which no array saved whole can have.
    pub fn from_checkpoint(checkpoint: ArrayCheckpoint) -> Result<Array, String> {
        for (id, lun) in &checkpoint.luns {
            if let Some((source, _)) = &lun.base
                && !checkpoint.luns.contains_key(source)
            {
                return Err(format!(
                    "LUN `{id}` is a clone of `{source}`, which the array does not hold"
                ));
            }
        }
        let by_serial = checkpoint
            .luns
            .iter()
            .map(|(id, lun)| (lun.serial.clone(), id.clone()))
            .collect();
        Ok(Array {
            model: ArrayModel {
                vendor: checkpoint.vendor,
                product: checkpoint.product,
                revision: checkpoint.revision,
            },
            luns: checkpoint
                .luns
                .into_iter()
                .map(|(id, saved)| {
                    let lun = Lun {
                        id: id.clone(),
                        serial: saved.serial,
                        naa: saved.naa,
                        blocks: saved.blocks,
                        identity: saved.identity,
                        visible_to: saved.visible_to,
                        read_only: saved.read_only,
                        hidden: saved.hidden,
                        origin: saved.origin,
                        data: saved.data,
                        base: saved.base,
                        views: saved.views,
                        retired: saved.retired,
                    };
                    (id, lun)
                })
                .collect(),
            made: checkpoint.made,
            // A checkpoint is taken at the end of a run, once the array has let go of the
            // names of the LUNs the run deleted (`Array::forget_deleted`).
            deleted: BTreeSet::new(),
            changes: checkpoint.changes,
            by_serial,
            disks: checkpoint.disks,
        })
    }
}
