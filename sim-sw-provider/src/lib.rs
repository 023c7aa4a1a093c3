//! The simulated system provider: "Microsoft Software Shadow Copy provider 1.0".
//!
//! Copy-on-write: before a block of an original volume is overwritten, its old content goes
//! into the volume's diff area, so each shadow copy reads the volume as it was at its commit.
//! When the diff area reaches its maximum, the volume's oldest shadow copies are deleted to
//! make room. One [`SystemProvider`] serves one machine; it implements the software provider
//! contract of `vss_model::provider` and the driver half that sees every write.
//!
//! # Example
//!
//! VSS takes the provider through a set's creation, then every write to the volume goes
//! through the driver half first, and the shadow copy still reads the old content:
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use vss_model::provider::{
//!     ProviderCreateSnapshotSet, ShadowCopyDriver, SoftwareSnapshotProvider,
//! };
//! use vss_model::storage::LiveVolumes;
//! use vss_model::{Block, Context, VssId, VssTimestamp};
//! use vss_sim_sw::{DiffAreaLimits, SystemProvider, ShadowedVolume};
//!
//! /// The live blocks of the machine's one volume.
//! struct Disk(BTreeMap<u64, Block>);
//! impl LiveVolumes for Disk {
//!     fn read_live(&self, _volume: &str, block: u64) -> Block {
//!         self.0.get(&block).cloned().unwrap_or_default()
//!     }
//! }
//! let block = |text: &[u8]| Block::new(text).unwrap();
//!
//! let c = r"\\?\Volume{0000000c-0000-0000-0000-000000000000}\";
//! let limits = DiffAreaLimits { max_bytes: None, min_bytes: 0 };
//! let spec = ShadowedVolume { name: c.into(), ntfs: true, size_bytes: 1 << 30, diff_area: limits };
//! let mut provider = SystemProvider::new("HOSTA", vec![spec]);
//!
//! let (set, copy) = (VssId::from_u128(1), VssId::from_u128(2));
//! provider.begin_prepare_snapshot(set, copy, c, Context::VSS_CTX_BACKUP)?;
//! provider.end_prepare_snapshots(set)?;
//! provider.pre_commit_snapshots(set)?;
//! provider.commit_snapshots(set, VssTimestamp::from_utc(2026, 3, 1, 12, 0, 0))?;
//! provider.post_commit_snapshots(set, 1)?;
//! provider.pre_final_commit_snapshots(set)?;
//! provider.post_final_commit_snapshots(set)?;
//!
//! let mut disk = Disk(BTreeMap::from([(0, block(b"before"))]));
//! assert!(provider.before_write(c, 0, &disk).is_empty()); // nothing deleted to make room
//! disk.0.insert(0, block(b"after"));
//!
//! let device = provider.device_of(copy).unwrap();
//! assert_eq!(device, r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1");
//! assert_eq!(provider.read_shadow(&device, 0, &disk), Some(block(b"before")));
//! # Ok::<(), vss_model::HResult>(())
//! ```

mod checkpoint;
mod diff_area;
mod revert;

use std::collections::BTreeMap;

use vss_model::provider::{
    DeleteFailure, DriverDeletion, FinishedRevert, PropertyValue, ProviderCreateSnapshotSet,
    ProviderResult, SetCreation, ShadowCopyDriver, SoftwareSnapshotProvider,
};
use vss_model::storage::LiveVolumes;
use vss_model::{
    Block, Context, HResult, ObjectProp, ObjectType, ProviderProp, ProviderType,
    SnapshotAttributes as A, SnapshotProp, SnapshotPropertyId, SnapshotState, VssId, VssTimestamp,
};

pub use checkpoint::SystemProviderCheckpoint;
use diff_area::DiffArea;
pub use diff_area::DiffAreaLimits;
use revert::Revert;
pub use revert::RevertDeletes;

/// The system provider's id, as `vssadmin list providers` shows it.
pub const SYSTEM_PROVIDER_ID: VssId = VssId::from_u128(0xb5946137_7b9f_4925_af80_51abd60b20d5);

/// The largest volume VSS shadow copies: 64 TiB.
pub const MAX_VOLUME_BYTES: u64 = 64 << 40;

/// The prefix of the system provider's shadow copy device objects; the number follows.
pub const DEVICE_PREFIX: &str = r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy";

/// The system provider's `VSS_PROVIDER_PROP`.
pub fn provider_prop() -> ProviderProp {
    ProviderProp {
        provider_id: SYSTEM_PROVIDER_ID,
        provider_name: "Microsoft Software Shadow Copy provider 1.0".to_string(),
        provider_type: ProviderType::VSS_PROV_SYSTEM,
        provider_version: "1.0.0.7".to_string(),
        provider_version_id: VssId::from_u128(0x00000001_0000_0000_0000_000000000000),
        class_id: VssId::from_u128(0x65ee1dba_8ff4_4a58_ac1c_3470ee2f376a),
    }
}

/// A volume the provider may shadow copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShadowedVolume {
    /// `\\?\Volume{GUID}\`.
    pub name: String,
    /// Whether its file system is NTFS: persistent shadow copies need it.
    pub ntfs: bool,
    /// Its size in bytes: VSS shadow copies volumes of up to 64 TiB.
    pub size_bytes: u64,
    /// Its diff area.
    pub diff_area: DiffAreaLimits,
}

/// One created (or committing) shadow copy.
#[derive(Debug, Clone)]
struct ShadowCopy {
    prop: SnapshotProp,
    /// Its place in the volume's sequence (see `diff_area`).
    seq: u64,
}

/// A set between `BeginPrepareSnapshot` and the end of `PostFinalCommitSnapshots`: the
/// snapshot id, volume and context of each copy, in the order VSS prepared them.
type Creation = SetCreation<Vec<(VssId, String, Context)>>;

/// The system provider of one machine.
#[derive(Debug)]
pub struct SystemProvider {
    machine: String,
    context: Context,
    volumes: BTreeMap<String, (ShadowedVolume, DiffArea)>,
    /// The last `HarddiskVolumeShadowCopyN` number handed out.
    last_device: u32,
    creation: Option<Creation>,
    copies: BTreeMap<VssId, ShadowCopy>,
    /// The reverts in progress, by volume.
    reverting: BTreeMap<String, Revert>,
    /// Which shadow copies a revert takes with it.
    revert_deletes: RevertDeletes,
}

impl SystemProvider {
    /// The provider of `machine`, able to shadow copy `volumes`.
    pub fn new(machine: &str, volumes: Vec<ShadowedVolume>) -> SystemProvider {
        SystemProvider {
            machine: machine.to_string(),
            context: Context::VSS_CTX_BACKUP,
            volumes: volumes
                .into_iter()
                .map(|v| (v.name.clone(), (v.clone(), DiffArea::new(v.diff_area))))
                .collect(),
            last_device: 0,
            creation: None,
            copies: BTreeMap::new(),
            reverting: BTreeMap::new(),
            revert_deletes: RevertDeletes::default(),
        }
    }

    /// The same provider, deleting the shadow copies `rule` names when it reverts a volume.
    pub fn with_revert_deletes(self, rule: RevertDeletes) -> SystemProvider {
        SystemProvider {
            revert_deletes: rule,
            ..self
        }
    }

    /// Whether the provider can honour a context at all: it makes differential copies only,
    /// and cannot transport them.
    fn supports_context(context: Context) -> bool {
        context.is_all()
            || !context
                .modifiers()
                .intersects(A::VSS_VOLSNAP_ATTR_PLEX | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
    }

    /// Whether the provider can copy a volume under a context: a volume of at most 64 TiB,
    /// with some NTFS volume on the machine to hold its diff area, and itself NTFS when the
    /// copy is to be persistent. Under `VSS_CTX_ALL` any copy counts.
    /// A volume being reverted is dismounted, and supports nothing until the revert ends.
    fn supports_volume(&self, volume: &str, context: Context) -> bool {
        let any_ntfs = self.volumes.values().any(|(spec, _)| spec.ntfs);
        !self.reverting.contains_key(volume)
            && self.volumes.get(volume).is_some_and(|(spec, _)| {
                spec.size_bytes <= MAX_VOLUME_BYTES
                    && any_ntfs
                    && (spec.ntfs || context.is_all() || !context.is_persistent())
            })
    }

    /// The created shadow copy behind a device object.
    fn device(&self, device: &str) -> Option<&ShadowCopy> {
        self.copies.values().find(|c| {
            c.prop.snapshot_device_object.eq_ignore_ascii_case(device)
                && c.prop.status == SnapshotState::VSS_SS_CREATED
        })
    }

    fn visible(&self, copy: &ShadowCopy) -> bool {
        copy.prop.status == SnapshotState::VSS_SS_CREATED
            && self.context.sees(copy.prop.snapshot_attributes)
    }

    /// Removes one copy and frees the diff area it alone needed.
    fn remove_copy(&mut self, id: VssId) -> Option<ShadowCopy> {
        let copy = self.copies.remove(&id)?;
        if let Some((_, area)) = self.volumes.get_mut(&copy.prop.original_volume_name) {
            area.release(copy.seq);
        }
        Some(copy)
    }
}

impl ProviderCreateSnapshotSet for SystemProvider {
    fn end_prepare_snapshots(&mut self, set: VssId) -> ProviderResult {
        let creation = Creation::at(&mut self.creation, set, SnapshotState::VSS_SS_PREPARING)?;
        let volumes: Vec<String> = creation.record.iter().map(|(_, v, _)| v.clone()).collect();
        for volume in &volumes {
            if !self.volumes[volume].1.can_hold_a_copy() {
                return Err(HResult::VSS_E_INSUFFICIENT_STORAGE);
            }
        }
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_PREPARING,
            SnapshotState::VSS_SS_PREPARED,
        )
    }

    fn pre_commit_snapshots(&mut self, set: VssId) -> ProviderResult {
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_PREPARED,
            SnapshotState::VSS_SS_PRECOMMITTED,
        )
    }

    fn commit_snapshots(&mut self, set: VssId, now: VssTimestamp) -> ProviderResult {
        let creation = Creation::at(&mut self.creation, set, SnapshotState::VSS_SS_PRECOMMITTED)?;
        creation.state = SnapshotState::VSS_SS_COMMITTED;
        let prepared = creation.record.clone();
        let count = prepared.len() as i32;
        for (snapshot_id, volume, context) in prepared {
            self.last_device += 1;
            let area = &mut self
                .volumes
                .get_mut(&volume)
                .expect("prepared volumes exist")
                .1;
            let seq = area.commit(snapshot_id);
            // A software shadow copy is a device from the start, so it is never
            // `NOT_SURFACED` (DiskShadow lists the system provider's without it).
            let attributes = (context.attributes() - A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
                | A::VSS_VOLSNAP_ATTR_DIFFERENTIAL;
            let prop = SnapshotProp {
                snapshot_id,
                snapshot_set_id: set,
                snapshots_count: count,
                snapshot_device_object: format!("{DEVICE_PREFIX}{}", self.last_device),
                original_volume_name: volume,
                originating_machine: self.machine.clone(),
                service_machine: self.machine.clone(),
                exposed_name: None,
                exposed_path: None,
                provider_id: SYSTEM_PROVIDER_ID,
                snapshot_attributes: attributes,
                creation_timestamp: now,
                status: SnapshotState::VSS_SS_COMMITTED,
            };
            self.copies.insert(snapshot_id, ShadowCopy { prop, seq });
        }
        Ok(())
    }

    fn post_commit_snapshots(&mut self, set: VssId, snapshots_count: i32) -> ProviderResult {
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_COMMITTED,
            SnapshotState::VSS_SS_POSTCOMMITTED,
        )?;
        // VSS gives the size of the whole set here; a set spanning providers has more copies
        // than this provider made, and `m_lSnapshotsCount` counts them all. The set's copies
        // are the ones its creation record names, whatever the number of others.
        let creation = self.creation.as_ref().expect("advanced above");
        for (id, _, _) in &creation.record {
            if let Some(copy) = self.copies.get_mut(id) {
                copy.prop.snapshots_count = snapshots_count;
            }
        }
        Ok(())
    }

    fn pre_final_commit_snapshots(&mut self, set: VssId) -> ProviderResult {
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_POSTCOMMITTED,
            SnapshotState::VSS_SS_PREFINALCOMMITTED,
        )
    }

    fn post_final_commit_snapshots(&mut self, set: VssId) -> ProviderResult {
        Creation::at(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_PREFINALCOMMITTED,
        )?;
        let creation = self.creation.take().expect("checked above");
        for (id, _, _) in creation.record {
            if let Some(copy) = self.copies.get_mut(&id) {
                copy.prop.status = SnapshotState::VSS_SS_CREATED;
            }
        }
        Ok(())
    }

    /// Discards the set's copies, committed or not; a finished set is not touched (VSS
    /// deletes those with `DeleteSnapshots`).
    fn abort_snapshots(&mut self, set: VssId) -> ProviderResult {
        if self.creation.as_ref().is_some_and(|c| c.set_id == set) {
            let creation = self.creation.take().expect("checked above");
            for (id, _, _) in creation.record {
                self.remove_copy(id);
            }
        }
        Ok(())
    }
}

impl SoftwareSnapshotProvider for SystemProvider {
    fn set_context(&mut self, context: Context) -> ProviderResult {
        if !Self::supports_context(context) {
            return Err(HResult::VSS_E_UNSUPPORTED_CONTEXT);
        }
        self.context = context;
        Ok(())
    }

    fn begin_prepare_snapshot(
        &mut self,
        set: VssId,
        snapshot: VssId,
        volume: &str,
        context: Context,
    ) -> ProviderResult {
        if !Self::supports_context(context) || context.is_all() {
            return Err(HResult::VSS_E_UNSUPPORTED_CONTEXT);
        }
        if !self.supports_volume(volume, context) {
            return Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER);
        }
        // A creation of another set was abandoned without an abort (a finished one is no
        // longer held).
        if let Some(old) = Creation::take_other(&mut self.creation, set) {
            for (id, _, _) in old.record {
                self.remove_copy(id);
            }
        }
        let creation = self
            .creation
            .get_or_insert_with(|| Creation::new(set, Vec::new()));
        if creation.state != SnapshotState::VSS_SS_PREPARING {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if creation
            .record
            .iter()
            .any(|(id, v, _)| *id == snapshot || v == volume)
        {
            return Err(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        creation
            .record
            .push((snapshot, volume.to_string(), context));
        Ok(())
    }

    fn is_volume_supported(&mut self, volume: &str) -> ProviderResult<bool> {
        Ok(self.supports_volume(volume, self.context))
    }

    fn set_snapshot_property(
        &mut self,
        snapshot: VssId,
        property: SnapshotPropertyId,
        value: PropertyValue,
    ) -> ProviderResult {
        let copy = self
            .copies
            .get_mut(&snapshot)
            .filter(|c| c.prop.status == SnapshotState::VSS_SS_CREATED)
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
        match (property, value) {
            (SnapshotPropertyId::VSS_SPROPID_EXPOSED_NAME, PropertyValue::Text(t)) => {
                copy.prop.exposed_name = t
            }
            (SnapshotPropertyId::VSS_SPROPID_EXPOSED_PATH, PropertyValue::Text(t)) => {
                copy.prop.exposed_path = t
            }
            (SnapshotPropertyId::VSS_SPROPID_SNAPSHOT_ATTRIBUTES, PropertyValue::Long(v)) => {
                copy.prop.snapshot_attributes = A::from_bits_retain(v as u32)
            }
            _ => return Err(HResult::E_INVALIDARG),
        }
        Ok(())
    }

    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> ProviderResult<Vec<ObjectProp>> {
        if !queried_object_id.is_null()
            || queried_object_type != ObjectType::VSS_OBJECT_NONE
            || returned_objects_type != ObjectType::VSS_OBJECT_SNAPSHOT
        {
            return Err(HResult::E_INVALIDARG);
        }
        let mut found: Vec<&ShadowCopy> =
            self.copies.values().filter(|c| self.visible(c)).collect();
        // Oldest first; copies of one set share a timestamp and follow their device numbers.
        found.sort_by_key(|c| (c.prop.creation_timestamp, device_number(&c.prop)));
        Ok(found
            .into_iter()
            .map(|c| ObjectProp::Snapshot(c.prop.clone()))
            .collect())
    }

    fn get_snapshot_properties(&mut self, snapshot: VssId) -> ProviderResult<SnapshotProp> {
        self.copies
            .get(&snapshot)
            .filter(|c| self.visible(c))
            .map(|c| c.prop.clone())
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)
    }

    fn delete_snapshots(
        &mut self,
        source: VssId,
        source_type: ObjectType,
        _force: bool,
    ) -> Result<i32, DeleteFailure> {
        let not_found = DeleteFailure {
            hr: HResult::VSS_E_OBJECT_NOT_FOUND,
            deleted: 0,
            nondeleted: source,
        };
        let targets: Vec<VssId> = match source_type {
            ObjectType::VSS_OBJECT_SNAPSHOT => vec![source],
            ObjectType::VSS_OBJECT_SNAPSHOT_SET => {
                let mut ids: Vec<(u64, VssId)> = self
                    .copies
                    .values()
                    .filter(|c| c.prop.snapshot_set_id == source && self.visible(c))
                    .map(|c| (c.seq, c.prop.snapshot_id))
                    .collect();
                ids.sort();
                ids.into_iter().map(|(_, id)| id).collect()
            }
            _ => {
                return Err(DeleteFailure {
                    hr: HResult::E_INVALIDARG,
                    ..not_found
                });
            }
        };
        if targets.is_empty() {
            return Err(not_found);
        }
        let mut deleted = 0;
        for id in targets {
            if !self.copies.get(&id).is_some_and(|c| self.visible(c)) {
                return Err(DeleteFailure {
                    nondeleted: id,
                    deleted,
                    ..not_found
                });
            }
            self.remove_copy(id);
            deleted += 1;
        }
        Ok(deleted)
    }

    /// Whatever the context: VSS names the copy by its id.
    fn revert_to_snapshot(&mut self, snapshot: VssId) -> ProviderResult {
        let copy = self
            .copies
            .get(&snapshot)
            .filter(|c| c.prop.status == SnapshotState::VSS_SS_CREATED)
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
        // Its page: "only shadow copies created with persistent contexts are supported".
        if !copy
            .prop
            .snapshot_attributes
            .contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
        {
            return Err(HResult::E_INVALIDARG);
        }
        let volume = copy.prop.original_volume_name.clone();
        if self.reverting.contains_key(&volume) {
            return Err(HResult::VSS_E_REVERT_IN_PROGRESS);
        }
        let seq = copy.seq;
        let blocks = self.volumes[&volume].1.content_of(seq);
        self.reverting.insert(
            volume,
            Revert {
                snapshot,
                seq,
                blocks,
            },
        );
        Ok(())
    }

    /// A volume it can make no persistent copy of (one it does not know, not NTFS, too
    /// large) cannot be reverted.
    fn query_revert_status(&mut self, volume: &str) -> ProviderResult<VssId> {
        if let Some(revert) = self.reverting.get(volume) {
            return Ok(revert.snapshot);
        }
        if !self.supports_volume(volume, Context::VSS_CTX_APP_ROLLBACK) {
            return Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED);
        }
        Err(HResult::VSS_E_OBJECT_NOT_FOUND)
    }
}

/// The `N` of `HarddiskVolumeShadowCopyN`.
fn device_number(prop: &SnapshotProp) -> u32 {
    prop.snapshot_device_object[DEVICE_PREFIX.len()..]
        .parse()
        .unwrap_or(0)
}

impl ShadowCopyDriver for SystemProvider {
    fn before_write(
        &mut self,
        volume: &str,
        block: u64,
        live: &dyn LiveVolumes,
    ) -> Vec<DriverDeletion> {
        let mut deleted = Vec::new();
        loop {
            let Some((_, area)) = self.volumes.get_mut(volume) else {
                return deleted;
            };
            match area.before_write(block, || live.read_live(volume, block)) {
                Ok(()) => return deleted,
                Err(oldest) => {
                    let copy = self.remove_copy(oldest).expect("live copies are known");
                    deleted.push(DriverDeletion {
                        snapshot_id: oldest,
                        snapshot_set_id: copy.prop.snapshot_set_id,
                        reason: "diff area full",
                    });
                }
            }
        }
    }

    fn read_shadow(&self, device: &str, block: u64, live: &dyn LiveVolumes) -> Option<Block> {
        let copy = self.device(device)?;
        let volume = &copy.prop.original_volume_name;
        let area = &self.volumes.get(volume)?.1;
        Some(
            area.read(copy.seq, block)
                .cloned()
                .unwrap_or_else(|| live.read_live(volume, block)),
        )
    }

    fn device_of(&self, snapshot: VssId) -> Option<String> {
        self.copies
            .get(&snapshot)
            .filter(|c| c.prop.status == SnapshotState::VSS_SS_CREATED)
            .map(|c| c.prop.snapshot_device_object.clone())
    }

    fn original_volume(&self, device: &str) -> Option<String> {
        self.device(device)
            .map(|c| c.prop.original_volume_name.clone())
    }

    fn reverting(&self, volume: &str) -> Option<VssId> {
        self.reverting.get(volume).map(|r| r.snapshot)
    }

    fn finish_revert(&mut self, volume: &str) -> Option<FinishedRevert> {
        let revert = self.reverting.remove(volume)?;
        let mut going: Vec<(u64, VssId)> = self
            .copies
            .values()
            .filter(|c| {
                c.prop.original_volume_name == volume
                    && self.revert_deletes.deletes(c.seq, revert.seq)
            })
            .map(|c| (c.seq, c.prop.snapshot_id))
            .collect();
        going.sort();
        let deleted = going
            .into_iter()
            .filter_map(|(_, id)| self.remove_copy(id))
            .map(|copy| DriverDeletion {
                snapshot_id: copy.prop.snapshot_id,
                snapshot_set_id: copy.prop.snapshot_set_id,
                reason: "its volume was reverted",
            })
            .collect();
        Some(FinishedRevert {
            snapshot_id: revert.snapshot,
            blocks: revert.blocks,
            deleted,
        })
    }

    fn on_restart(&mut self) -> Vec<DriverDeletion> {
        if let Some(creation) = self.creation.take() {
            for (id, _, _) in creation.record {
                self.remove_copy(id);
            }
        }
        let transient: Vec<ShadowCopy> = self
            .copies
            .values()
            .filter(|c| {
                !c.prop
                    .snapshot_attributes
                    .contains(A::VSS_VOLSNAP_ATTR_PERSISTENT)
            })
            .cloned()
            .collect();
        transient
            .into_iter()
            .map(|copy| {
                self.remove_copy(copy.prop.snapshot_id);
                DriverDeletion {
                    snapshot_id: copy.prop.snapshot_id,
                    snapshot_set_id: copy.prop.snapshot_set_id,
                    reason: "not persistent",
                }
            })
            .collect()
    }
}
