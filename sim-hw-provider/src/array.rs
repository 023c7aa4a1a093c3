//! The storage array: LUNs with their SCSI identities, their disk identity, their masking to
//! machines, and their blocks. A shadow LUN is a point-in-time clone of another LUN:
//! differential (it shares the source's unchanged blocks) or plex (a full copy).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

mod checkpoint;

pub use checkpoint::ArrayCheckpoint;

use serde::{Deserialize, Serialize};
use vss_model::lun::{
    BusType, IdentifierCodeSet, IdentifierType, StorageIdentifier, VER_VDS_LUN_INFORMATION,
    VdsLunInformation,
};
use vss_model::point_in_time::PointInTime;
use vss_model::{Block, VssId};

/// The array's name for a LUN (`LUN-E`, and `LUN-E.5` for a clone of it): what a storage
/// administrator calls it, compared as it is written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LunId(String);

impl LunId {
    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for LunId {
    fn from(name: &str) -> LunId {
        LunId(name.to_string())
    }
}

impl From<String> for LunId {
    fn from(name: String) -> LunId {
        LunId(name)
    }
}

impl From<LunId> for String {
    fn from(id: LunId) -> String {
        id.0
    }
}

impl std::borrow::Borrow<str> for LunId {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for LunId {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for LunId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for LunId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<String> for LunId {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl std::fmt::Display for LunId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A disk's identity as Windows sees it: what makes two disks collide on one machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DiskIdentity {
    /// An MBR disk signature.
    Mbr(u32),
    /// A GPT disk id.
    Gpt(VssId),
}

impl DiskIdentity {
    /// The `m_diskSignature` form: the MBR signature in the first 32 bits, or the GPT id.
    pub fn as_guid(self) -> VssId {
        match self {
            DiskIdentity::Mbr(signature) => VssId {
                data1: signature,
                ..VssId::NULL
            },
            DiskIdentity::Gpt(id) => id,
        }
    }
}

impl std::fmt::Display for DiskIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DiskIdentity::Mbr(s) => write!(f, "MBR {s:08X}"),
            DiskIdentity::Gpt(id) => write!(f, "GPT {id}"),
        }
    }
}

/// How a shadow LUN holds its point-in-time data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CloneKind {
    /// Copy-on-write: the clone shares the source's blocks that have not changed since.
    Differential,
    /// Split mirror: a full copy of the source.
    Plex,
}

impl CloneKind {
    /// `differential` or `plex`.
    pub fn name(self) -> &'static str {
        match self {
            CloneKind::Differential => "differential",
            CloneKind::Plex => "plex",
        }
    }
}

/// A change of a LUN's state, as the array logs it for whoever watches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LunChange {
    /// A clone was made.
    Created {
        /// The new LUN.
        lun: LunId,
        /// The LUN it is a clone of.
        source: LunId,
        /// Its kind.
        kind: CloneKind,
    },
    /// The LUN was unmasked to a machine (`visible`), or masked from it.
    Visible {
        /// The LUN.
        lun: LunId,
        /// The machine.
        machine: String,
        /// Unmasked, or masked.
        visible: bool,
    },
    /// The LUN became read-only, or read-write.
    ReadOnly {
        /// The LUN.
        lun: LunId,
        /// Read-only, or read-write.
        read_only: bool,
    },
    /// The LUN's volumes became hidden, or not.
    Hidden {
        /// The LUN.
        lun: LunId,
        /// Hidden, or not.
        hidden: bool,
    },
    /// A new disk identity was written on the LUN.
    Identity {
        /// The LUN.
        lun: LunId,
        /// The identity it had.
        from: DiskIdentity,
        /// The identity it has now.
        to: DiskIdentity,
    },
    /// The LUN was deleted.
    Deleted {
        /// The LUN.
        lun: LunId,
    },
}

impl fmt::Display for LunChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LunChange::Created { lun, source, kind } => {
                write!(f, "LUN {lun} made: a {} clone of {source}", kind.name())
            }
            LunChange::Visible {
                lun,
                machine,
                visible: true,
            } => write!(f, "LUN {lun} unmasked to {machine}"),
            LunChange::Visible { lun, machine, .. } => write!(f, "LUN {lun} masked from {machine}"),
            LunChange::ReadOnly {
                lun,
                read_only: true,
            } => write!(f, "LUN {lun} read-only"),
            LunChange::ReadOnly { lun, .. } => write!(f, "LUN {lun} read-write"),
            LunChange::Hidden { lun, hidden: true } => write!(f, "LUN {lun} hidden"),
            LunChange::Hidden { lun, .. } => write!(f, "LUN {lun} no longer hidden"),
            LunChange::Identity { lun, from, to } => {
                write!(f, "LUN {lun} identity {from} rewritten as {to}")
            }
            LunChange::Deleted { lun } => write!(f, "LUN {lun} deleted"),
        }
    }
}

/// Where a LUN came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    /// Provisioned on the array (an original).
    Provisioned,
    /// A point-in-time clone of another LUN.
    Clone {
        /// The LUN it was cloned from.
        source: LunId,
        /// How.
        kind: CloneKind,
    },
}

/// Why the array refused a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArrayError {
    /// No LUN of that name.
    #[error("the array has no LUN `{0}`")]
    UnknownLun(LunId),
    /// The block is past the end of the LUN.
    #[error("block {block} is past the end of LUN `{lun}`, which has {blocks} blocks")]
    OutOfRange {
        /// The LUN.
        lun: LunId,
        /// The block asked for.
        block: u64,
        /// Its size in blocks.
        blocks: u64,
    },
    /// A LUN of that name exists already.
    #[error("the array has a LUN `{0}` already")]
    Duplicate(LunId),
}

/// One LUN.
#[derive(Debug, Clone)]
pub struct Lun {
    /// Its name on the array.
    pub id: LunId,
    /// The page-80 serial number.
    pub serial: String,
    /// The page-83 identifier (an NAA name, unique on the array).
    pub naa: Vec<u8>,
    /// Its size in blocks.
    pub blocks: u64,
    /// Its disk identity (MBR signature or GPT id), written on it.
    pub identity: DiskIdentity,
    /// The machines it is unmasked to.
    pub visible_to: BTreeSet<String>,
    /// Whether its volumes are read-only.
    pub read_only: bool,
    /// Whether its volumes are hidden (no drive letters, not surfaced by the mount manager).
    pub hidden: bool,
    /// Where it came from.
    pub origin: Origin,
    /// Blocks written to this LUN itself (for a clone: since it was made).
    data: BTreeMap<u64, Block>,
    /// For a differential clone: the source and the view of it this clone reads.
    base: Option<(LunId, u64)>,
    /// The differential clones taken of this LUN.
    views: PointInTime,
    /// Deleted, but kept while differential clones still read it.
    retired: bool,
}

/// What the array reports about itself in every LUN description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArrayModel {
    /// The vendor id (8 characters in SCSI inquiry data).
    pub vendor: String,
    /// The product id.
    pub product: String,
    /// The product revision.
    pub revision: String,
}

/// The storage array of a SAN.
#[derive(Debug, Clone)]
pub struct Array {
    /// Vendor, product, revision.
    pub model: ArrayModel,
    luns: BTreeMap<LunId, Lun>,
    /// LUNs made so far, for serial numbers and identifiers.
    made: u64,
    /// The names of deleted LUNs, never given again.
    deleted: BTreeSet<LunId>,
    /// State changes not yet taken by [`Array::take_changes`].
    changes: Vec<LunChange>,
    /// The LUNs by serial number, so that a description finds its LUN without a walk over
    /// every LUN ever made (broken sets leave theirs for good).
    by_serial: BTreeMap<String, LunId>,
    /// The disk number each machine gave each LUN it sees.
    disks: BTreeMap<String, DiskNumbers>,
}

/// The disk numbers of one machine (`\\.\PHYSICALDRIVEn`): 0 is its local disk; a LUN
/// gets the lowest free number from 1 when it arrives and keeps it until it goes, as
/// Windows' disk driver numbers disks in the order they arrive and reuses freed numbers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DiskNumbers {
    of: BTreeMap<LunId, u32>,
    free: BTreeSet<u32>,
    last: u32,
}

impl DiskNumbers {
    fn arrive(&mut self, lun: &LunId) {
        if self.of.contains_key(lun) {
            return;
        }
        let number = self.free.pop_first().unwrap_or_else(|| {
            self.last += 1;
            self.last
        });
        self.of.insert(lun.clone(), number);
    }

    fn leave(&mut self, lun: &str) {
        if let Some(number) = self.of.remove(lun) {
            self.free.insert(number);
        }
    }
}

impl Array {
    /// An empty array.
    pub fn new(model: ArrayModel) -> Array {
        Array {
            model,
            luns: BTreeMap::new(),
            made: 0,
            deleted: BTreeSet::new(),
            changes: Vec::new(),
            by_serial: BTreeMap::new(),
            disks: BTreeMap::new(),
        }
    }

    /// The disk number a machine gave a LUN it sees (from 1; 0 is the local disk).
    pub fn disk_number(&self, machine: &str, lun: &str) -> Option<u32> {
        self.disks.get(machine)?.of.get(lun).copied()
    }

    fn arrive(&mut self, lun: &LunId, machine: &str) {
        self.disks
            .entry(machine.to_string())
            .or_default()
            .arrive(lun);
    }

    fn leave(&mut self, lun: &str, machine: &str) {
        if let Some(disks) = self.disks.get_mut(machine) {
            disks.leave(lun);
        }
    }

    /// The state changes since the last call, oldest first. Provisioning is not logged.
    pub fn take_changes(&mut self) -> Vec<LunChange> {
        std::mem::take(&mut self.changes)
    }

    /// The serial number and page-83 identifier of the next LUN made.
    fn next_identifiers(&mut self) -> (String, Vec<u8>) {
        self.made += 1;
        let n = self.made;
        let serial = format!("SIM{n:09}");
        // NAA 6 (IEEE registered extended): 16 bytes, the company id part fixed, the
        // vendor-specific part counting up.
        let mut naa = vec![0x60, 0x0a, 0x0b, 0x0c, 0, 0, 0, 0];
        naa.extend_from_slice(&n.to_be_bytes());
        (serial, naa)
    }

    /// Provisions an original LUN of `blocks` blocks, unmasked to `visible_to`.
    pub fn provision(
        &mut self,
        id: &str,
        blocks: u64,
        identity: DiskIdentity,
        visible_to: BTreeSet<String>,
    ) -> Result<(), ArrayError> {
        if self.luns.contains_key(id) {
            return Err(ArrayError::Duplicate(LunId::from(id)));
        }
        let (serial, naa) = self.next_identifiers();
        let lun = LunId::from(id);
        for machine in &visible_to {
            self.arrive(&lun, machine);
        }
        self.by_serial.insert(serial.clone(), lun.clone());
        self.luns.insert(
            lun.clone(),
            Lun {
                id: lun,
                serial,
                naa,
                blocks,
                identity,
                visible_to,
                read_only: false,
                hidden: false,
                origin: Origin::Provisioned,
                data: BTreeMap::new(),
                base: None,
                views: PointInTime::default(),
                retired: false,
            },
        );
        Ok(())
    }

    /// A LUN that is in use (not deleted).
    pub fn lun(&self, id: &str) -> Option<&Lun> {
        self.luns.get(id).filter(|l| !l.retired)
    }

    /// Every LUN in use, by name.
    pub fn luns(&self) -> impl Iterator<Item = &Lun> {
        self.luns.values().filter(|l| !l.retired)
    }

    fn lun_mut(&mut self, id: &str) -> Result<&mut Lun, ArrayError> {
        self.luns
            .get_mut(id)
            .filter(|l| !l.retired)
            .ok_or_else(|| ArrayError::UnknownLun(LunId::from(id)))
    }

    /// Unmasks (`true`) or masks (`false`) a LUN to a machine.
    pub fn set_visible(
        &mut self,
        id: &str,
        machine: &str,
        visible: bool,
    ) -> Result<(), ArrayError> {
        let lun = self.lun_mut(id)?;
        let changed = if visible {
            lun.visible_to.insert(machine.to_string())
        } else {
            lun.visible_to.remove(machine)
        };
        if changed {
            let lun = LunId::from(id);
            match visible {
                true => self.arrive(&lun, machine),
                false => self.leave(id, machine),
            }
            self.changes.push(LunChange::Visible {
                lun: LunId::from(id),
                machine: machine.to_string(),
                visible,
            });
        }
        Ok(())
    }

    /// Makes a LUN read-only or read-write.
    pub fn set_read_only(&mut self, id: &str, read_only: bool) -> Result<(), ArrayError> {
        let lun = self.lun_mut(id)?;
        if lun.read_only != read_only {
            lun.read_only = read_only;
            self.changes.push(LunChange::ReadOnly {
                lun: LunId::from(id),
                read_only,
            });
        }
        Ok(())
    }

    /// Marks a LUN's volumes hidden or not.
    pub fn set_hidden(&mut self, id: &str, hidden: bool) -> Result<(), ArrayError> {
        let lun = self.lun_mut(id)?;
        if lun.hidden != hidden {
            lun.hidden = hidden;
            self.changes.push(LunChange::Hidden {
                lun: LunId::from(id),
                hidden,
            });
        }
        Ok(())
    }

    /// Writes a new disk identity on a LUN.
    pub fn set_identity(&mut self, id: &str, identity: DiskIdentity) -> Result<(), ArrayError> {
        let lun = self.lun_mut(id)?;
        let from = std::mem::replace(&mut lun.identity, identity);
        if from != identity {
            self.changes.push(LunChange::Identity {
                lun: LunId::from(id),
                from,
                to: identity,
            });
        }
        Ok(())
    }

    fn check_block(&self, id: &str, block: u64) -> Result<&Lun, ArrayError> {
        let lun = self
            .lun(id)
            .ok_or_else(|| ArrayError::UnknownLun(LunId::from(id)))?;
        if block >= lun.blocks {
            return Err(ArrayError::OutOfRange {
                lun: LunId::from(id),
                block,
                blocks: lun.blocks,
            });
        }
        Ok(lun)
    }

    /// Reads a block of a LUN.
    pub fn read(&self, id: &str, block: u64) -> Result<Block, ArrayError> {
        self.check_block(id, block)?;
        Ok(self.read_any(id, block))
    }

    /// Reads a block of any LUN, retired ones included (a clone's source).
    fn read_any(&self, id: &str, block: u64) -> Block {
        let lun = &self.luns[id];
        if let Some(content) = lun.data.get(&block) {
            return content.clone();
        }
        match &lun.base {
            Some((source, seq)) => match self.luns[source].views.read(*seq, block) {
                Some(content) => content.clone(),
                None => self.read_any(source, block),
            },
            None => Block::zeroed(),
        }
    }

    /// Writes a block of a LUN; its differential clones keep the old content.
    pub fn write(&mut self, id: &str, block: u64, content: Block) -> Result<(), ArrayError> {
        self.check_block(id, block)?;
        let old = self.read_any(id, block);
        let lun = self.luns.get_mut(id).expect("checked");
        lun.views
            .before_write(block, || old, None)
            .expect("a view store without a maximum never asks for room");
        if content.is_zero() && lun.base.is_none() {
            lun.data.remove(&block);
        } else {
            lun.data.insert(block, content);
        }
        Ok(())
    }

    /// Every block that can read as something other than zeros.
    fn written_blocks(&self, id: &str) -> BTreeSet<u64> {
        let lun = &self.luns[id];
        let mut blocks: BTreeSet<u64> = lun.data.keys().copied().collect();
        if let Some((source, _)) = &lun.base {
            blocks.extend(self.written_blocks(source));
            blocks.extend(self.luns[source].views.preserved_block_numbers());
        }
        blocks
    }

    /// Makes a point-in-time clone of a LUN, masked from every machine, and returns its
    /// name. The clone's disk identity is the source's: it is a copy of the disk.
    pub fn clone_lun(&mut self, source: &str, kind: CloneKind) -> Result<LunId, ArrayError> {
        let src = self
            .lun(source)
            .ok_or_else(|| ArrayError::UnknownLun(LunId::from(source)))?;
        let (blocks, identity) = (src.blocks, src.identity);
        let (data, base) = match kind {
            CloneKind::Plex => {
                let data = self
                    .written_blocks(source)
                    .into_iter()
                    .map(|b| (b, self.read_any(source, b)))
                    .filter(|(_, c)| !c.is_zero())
                    .collect();
                (data, None)
            }
            CloneKind::Differential => {
                let seq = self.luns.get_mut(source).expect("checked").views.take();
                (BTreeMap::new(), Some((LunId::from(source), seq)))
            }
        };
        // A clone is named after its source and its number; a name taken by a provisioned
        // LUN or used before is skipped.
        let (serial, naa, id) = loop {
            let (serial, naa) = self.next_identifiers();
            let id = LunId::from(format!("{source}.{}", self.made));
            if !self.luns.contains_key(&id) && !self.deleted.contains(&id) {
                break (serial, naa, id);
            }
        };
        self.by_serial.insert(serial.clone(), id.clone());
        self.luns.insert(
            id.clone(),
            Lun {
                id: id.clone(),
                serial,
                naa,
                blocks,
                identity,
                visible_to: BTreeSet::new(),
                read_only: false,
                hidden: false,
                origin: Origin::Clone {
                    source: LunId::from(source),
                    kind,
                },
                data,
                base,
                views: PointInTime::default(),
                retired: false,
            },
        );
        self.changes.push(LunChange::Created {
            lun: id.clone(),
            source: LunId::from(source),
            kind,
        });
        Ok(id)
    }

    /// Deletes a LUN (the provider reclaims it). A LUN that differential clones still read is
    /// kept, unseen, until the last of them goes.
    pub fn delete(&mut self, id: &str) -> Result<(), ArrayError> {
        self.lun_mut(id)?;
        self.retire(id);
        self.deleted.insert(LunId::from(id));
        self.changes.push(LunChange::Deleted {
            lun: LunId::from(id),
        });
        Ok(())
    }

    /// The names of the LUNs deleted so far.
    pub fn deleted(&self) -> impl Iterator<Item = &LunId> {
        self.deleted.iter()
    }

    /// Lets go of the names of the LUNs deleted so far, which listings then no longer show.
    /// A clone's name holds the count of LUNs ever made, so no name comes back; the names
    /// are kept only so that a run can see what it deleted, and a world kept for a long
    /// time would otherwise keep one for every clone it ever deleted.
    pub fn forget_deleted(&mut self) {
        self.deleted.clear();
    }

    fn retire(&mut self, id: &str) {
        let lun = self.luns.get_mut(id).expect("known");
        lun.retired = true;
        let gone_from = std::mem::take(&mut lun.visible_to);
        let still_read = lun.views.has_views();
        for machine in gone_from {
            self.leave(id, &machine);
        }
        if still_read {
            return;
        }
        let lun = self.luns.remove(id).expect("known");
        self.by_serial.remove(&lun.serial);
        if let Some((source, seq)) = lun.base {
            let src = self
                .luns
                .get_mut(&source)
                .expect("a clone's source is kept");
            src.views.release(seq);
            if src.retired && !src.views.has_views() {
                self.retire(&source);
            }
        }
    }

    /// Copies a LUN's content onto another (a resync): the target then reads as the source
    /// does; its clones keep what it held before.
    pub fn resync(&mut self, source: &str, target: &str) -> Result<(), ArrayError> {
        let src = self
            .lun(source)
            .ok_or_else(|| ArrayError::UnknownLun(LunId::from(source)))?;
        let blocks = src.blocks;
        let dst = self
            .lun(target)
            .ok_or_else(|| ArrayError::UnknownLun(LunId::from(target)))?;
        if dst.blocks < blocks {
            return Err(ArrayError::OutOfRange {
                lun: LunId::from(target),
                block: blocks - 1,
                blocks: dst.blocks,
            });
        }
        let mut touched = self.written_blocks(source);
        touched.extend(self.written_blocks(target));
        for block in touched.into_iter().filter(|b| *b < blocks) {
            let content = self.read_any(source, block);
            self.write(target, block, content)?;
        }
        Ok(())
    }

    /// The LUN a description names: the same page-83 identifiers and serial number. Found
    /// by its serial number and compared in place, whatever the number of LUNs.
    pub fn find(&self, info: &VdsLunInformation) -> Option<&Lun> {
        let found = info
            .serial_number
            .as_deref()
            .and_then(|serial| self.by_serial.get(serial))
            .and_then(|id| self.lun(id))
            .filter(|lun| self.describes(lun, info));
        debug_assert_eq!(
            found.map(|l| &l.id),
            self.luns()
                .find(|l| self.info(&l.id).same_lun(info))
                .map(|l| &l.id),
            "the serial number index and the descriptions disagree"
        );
        found
    }

    /// Whether a description is this LUN's as [`info`](Self::info) gives it, compared as
    /// [`VdsLunInformation::same_lun`] compares, without building ours.
    fn describes(&self, lun: &Lun, info: &VdsLunInformation) -> bool {
        let model = &self.model;
        info.device_type == 0
            && info.device_type_modifier == 0
            && info.vendor_id.as_deref() == Some(model.vendor.as_str())
            && info.product_id.as_deref() == Some(model.product.as_str())
            && info.product_revision.as_deref() == Some(model.revision.as_str())
            && info.serial_number.as_deref() == Some(lun.serial.as_str())
            && matches!(info.identifiers.as_slice(), [only] if Self::names(lun, only))
    }

    /// The one page-83 identifier [`info`](Self::info) reports for a LUN.
    fn names(lun: &Lun, identifier: &StorageIdentifier) -> bool {
        identifier.code_set == IdentifierCodeSet::VDSStorageIdCodeSetBinary
            && identifier.id_type == IdentifierType::VDSStorageIdTypeFCPHName
            && identifier.identifier == lun.naa
    }

    /// The `VDS_LUN_INFORMATION` of a LUN as the array reports it (with the disk signature
    /// left `GUID_NULL`, as providers report it).
    pub fn info(&self, id: &str) -> VdsLunInformation {
        let lun = &self.luns[id];
        VdsLunInformation {
            version: VER_VDS_LUN_INFORMATION,
            device_type: 0,
            device_type_modifier: 0,
            command_queueing: true,
            bus_type: BusType::VDSBusTypeFibre,
            vendor_id: Some(self.model.vendor.clone()),
            product_id: Some(self.model.product.clone()),
            product_revision: Some(self.model.revision.clone()),
            serial_number: Some(lun.serial.clone()),
            disk_signature: VssId::NULL,
            identifiers: vec![StorageIdentifier {
                code_set: IdentifierCodeSet::VDSStorageIdCodeSetBinary,
                id_type: IdentifierType::VDSStorageIdTypeFCPHName,
                identifier: lun.naa.clone(),
            }],
            interconnects: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn array() -> Array {
        let mut a = Array::new(ArrayModel {
            vendor: "SIMVEND".into(),
            product: "SIMARRAY".into(),
            revision: "1.0".into(),
        });
        let hosts = BTreeSet::from(["HOSTA".to_string()]);
        a.provision("E", 16, DiskIdentity::Mbr(0x1234_5678), hosts)
            .unwrap();
        a
    }

    fn b(text: &str) -> Block {
        Block::new(text.as_bytes()).unwrap()
    }

    #[test]
    fn clones_keep_their_point_in_time_and_live_their_own_life() {
        let mut a = array();
        a.write("E", 0, b("one")).unwrap();
        let diff = a.clone_lun("E", CloneKind::Differential).unwrap();
        let plex = a.clone_lun("E", CloneKind::Plex).unwrap();
        a.write("E", 0, b("two")).unwrap();
        assert_eq!(a.read(&diff, 0).unwrap(), b("one"));
        assert_eq!(a.read(&plex, 0).unwrap(), b("one"));
        // Writes to a clone stay on the clone.
        a.write(&diff, 1, b("clone")).unwrap();
        assert_eq!(a.read("E", 1).unwrap(), Block::zeroed());
        // A clone of a clone.
        let second = a.clone_lun(&diff, CloneKind::Differential).unwrap();
        a.write(&diff, 1, b("later")).unwrap();
        assert_eq!(a.read(&second, 1).unwrap(), b("clone"));
        assert_eq!(a.read(&second, 0).unwrap(), b("one"));
        // Identities and names.
        let d = a.lun(&diff).unwrap();
        assert_eq!(d.identity, DiskIdentity::Mbr(0x1234_5678));
        assert!(d.visible_to.is_empty());
        assert_ne!(d.serial, a.lun("E").unwrap().serial);
        assert!(a.find(&a.info(&diff)).is_some_and(|l| l.id == diff));
    }

    #[test]
    fn a_deleted_source_stays_while_clones_read_it() {
        let mut a = array();
        a.write("E", 3, b("base")).unwrap();
        let first = a.clone_lun("E", CloneKind::Differential).unwrap();
        let second = a.clone_lun(&first, CloneKind::Differential).unwrap();
        a.delete(&first).unwrap();
        assert!(a.lun(&first).is_none());
        assert_eq!(a.read(&second, 3).unwrap(), b("base"));
        a.delete(&second).unwrap();
        assert_eq!(a.luns().count(), 1);
        assert!(!a.luns["E"].views.has_views());
    }

    #[test]
    fn bounds_and_names() {
        let mut a = array();
        assert_eq!(
            a.read("E", 16),
            Err(ArrayError::OutOfRange {
                lun: "E".into(),
                block: 16,
                blocks: 16
            })
        );
        assert_eq!(a.read("X", 0), Err(ArrayError::UnknownLun("X".into())));
        assert_eq!(
            a.provision("E", 1, DiskIdentity::Mbr(1), BTreeSet::new()),
            Err(ArrayError::Duplicate("E".into()))
        );
        assert_eq!(
            DiskIdentity::Mbr(0xABCD).as_guid().to_string(),
            "{0000abcd-0000-0000-0000-000000000000}"
        );
    }
}
