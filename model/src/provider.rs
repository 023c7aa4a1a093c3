//! The provider contract: the interfaces of vsprov.h that VSS calls on a provider, plus the
//! kernel half (the shadow copy driver) that keeps point-in-time data.
//!
//! A provider written against these traits can run under the simulated service. Every method
//! answers with the HRESULT the provider would return; the service, not the provider,
//! translates codes outside the documented set into `VSS_E_UNEXPECTED_PROVIDER_ERROR`.
//! Hardware providers (`IVssHardwareSnapshotProvider`, `…Ex`) join these traits beside the
//! software ones; both share [`ProviderCreateSnapshotSet`].

use crate::attributes::HardwareOptions;
use crate::context::Context;
use crate::enums::{ObjectType, SnapshotPropertyId, SnapshotState};
use crate::guid::VssId;
use crate::hresult::HResult;
use crate::lun::VdsLunInformation;
use crate::props::{ObjectProp, SnapshotProp, VssTimestamp};
use crate::storage::{Block, LiveVolumes};

/// What a provider method returns: a value, or the failing HRESULT.
pub type ProviderResult<T = ()> = Result<T, HResult>;

/// What a provider keeps of the set it is creating: the set, how far its creation has got,
/// and the provider's own record of it.
///
/// VSS moves a set through `VSS_SS_PREPARING` to `VSS_SS_CREATED` with the calls of
/// [`ProviderCreateSnapshotSet`]; a call for another set is `VSS_E_OBJECT_NOT_FOUND`, one out
/// of order `VSS_E_BAD_STATE`. Providers hold one in an `Option`, empty between sets.
#[derive(Debug)]
pub struct SetCreation<T> {
    /// The set being created.
    pub set_id: VssId,
    /// How far its creation has got.
    pub state: SnapshotState,
    /// What the provider keeps of it.
    pub record: T,
}

impl<T> SetCreation<T> {
    /// The creation of `set_id` just begun, in `VSS_SS_PREPARING`.
    pub fn new(set_id: VssId, record: T) -> SetCreation<T> {
        SetCreation {
            set_id,
            state: SnapshotState::VSS_SS_PREPARING,
            record,
        }
    }

    /// The creation of `set` held in `slot`, if it is in state `from`.
    pub fn at(
        slot: &mut Option<SetCreation<T>>,
        set: VssId,
        from: SnapshotState,
    ) -> ProviderResult<&mut SetCreation<T>> {
        match slot {
            Some(c) if c.set_id != set => Err(HResult::VSS_E_OBJECT_NOT_FOUND),
            Some(c) if c.state != from => Err(HResult::VSS_E_BAD_STATE),
            Some(c) => Ok(c),
            None => Err(HResult::VSS_E_OBJECT_NOT_FOUND),
        }
    }

    /// Moves the creation of `set` held in `slot` from state `from` to `to`.
    pub fn advance(
        slot: &mut Option<SetCreation<T>>,
        set: VssId,
        from: SnapshotState,
        to: SnapshotState,
    ) -> ProviderResult {
        Self::at(slot, set, from)?.state = to;
        Ok(())
    }

    /// Takes out of `slot` a creation of a set other than `set`: at `BeginPrepareSnapshot`
    /// a new set id means the previous creation finished, or was abandoned without an abort.
    pub fn take_other(slot: &mut Option<SetCreation<T>>, set: VssId) -> Option<SetCreation<T>> {
        slot.take_if(|c| c.set_id != set)
    }
}

/// `IVssProviderCreateSnapshotSet`: the commit sequence every provider takes part in.
///
/// VSS calls, for one set: `EndPrepareSnapshots`, `PreCommitSnapshots`, `CommitSnapshots`,
/// then, only if every provider committed, `PostCommitSnapshots`, `PreFinalCommitSnapshots`
/// and `PostFinalCommitSnapshots`. `AbortSnapshots` may follow any failure after
/// `DoSnapshotSet` began; a failure earlier is only signalled by a later
/// `BeginPrepareSnapshot` with a new set id.
pub trait ProviderCreateSnapshotSet {
    /// Wait for the preparation of every shadow copy of the set to finish.
    fn end_prepare_snapshots(&mut self, snapshot_set_id: VssId) -> ProviderResult;
    /// Get ready to commit quickly; applications are frozen.
    fn pre_commit_snapshots(&mut self, snapshot_set_id: VssId) -> ProviderResult;
    /// Take the point in time. `now` is the service's clock at the commit, which providers
    /// record as the creation timestamp.
    fn commit_snapshots(&mut self, snapshot_set_id: VssId, now: VssTimestamp) -> ProviderResult;
    /// Every provider committed; writes to the originals flow again.
    fn post_commit_snapshots(
        &mut self,
        snapshot_set_id: VssId,
        snapshots_count: i32,
    ) -> ProviderResult;
    /// Auto-recovery window opens.
    fn pre_final_commit_snapshots(&mut self, snapshot_set_id: VssId) -> ProviderResult;
    /// Auto-recovery is over; the shadow copies are final.
    fn post_final_commit_snapshots(&mut self, snapshot_set_id: VssId) -> ProviderResult;
    /// Throw away every shadow copy of the set that is not yet created.
    fn abort_snapshots(&mut self, snapshot_set_id: VssId) -> ProviderResult;
}

/// What `DeleteSnapshots` reports when it stops at a shadow copy it could not delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeleteFailure {
    /// Why the deletion stopped.
    pub hr: HResult,
    /// How many shadow copies were deleted before it stopped (`plDeletedSnapshots`).
    pub deleted: i32,
    /// The shadow copy it could not delete (`pNondeletedSnapshotID`).
    pub nondeleted: VssId,
}

/// `IVssSoftwareSnapshotProvider`: the questions and commands VSS sends a software provider.
///
/// `IsVolumeSnapshotted` is not part of this contract: the simulated service never calls it.
pub trait SoftwareSnapshotProvider: ProviderCreateSnapshotSet {
    /// The context for the calls that follow (`Query`, `GetSnapshotProperties`,
    /// `DeleteSnapshots`, `BeginPrepareSnapshot`).
    fn set_context(&mut self, context: Context) -> ProviderResult;
    /// Start preparing a shadow copy of `volume_name` (`\\?\Volume{GUID}\`) in the set.
    fn begin_prepare_snapshot(
        &mut self,
        snapshot_set_id: VssId,
        snapshot_id: VssId,
        volume_name: &str,
        new_context: Context,
    ) -> ProviderResult;
    /// Whether the provider can shadow copy the volume at all.
    fn is_volume_supported(&mut self, volume_name: &str) -> ProviderResult<bool>;
    /// Change one property of a created shadow copy (used for exposure).
    fn set_snapshot_property(
        &mut self,
        snapshot_id: VssId,
        property: SnapshotPropertyId,
        value: PropertyValue,
    ) -> ProviderResult;
    /// The provider's shadow copies (`VSS_OBJECT_SNAPSHOT`) in the current context.
    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> ProviderResult<Vec<ObjectProp>>;
    /// The properties of one created shadow copy.
    fn get_snapshot_properties(&mut self, snapshot_id: VssId) -> ProviderResult<SnapshotProp>;
    /// Delete a shadow copy or a whole set, one copy at a time, stopping at the first failure.
    /// Returns how many copies were deleted.
    fn delete_snapshots(
        &mut self,
        source_object_id: VssId,
        source_object_type: ObjectType,
        force_delete: bool,
    ) -> Result<i32, DeleteFailure>;
    /// `RevertToSnapshot`: start reverting the volume of one of the provider's persistent
    /// shadow copies to it. The revert is then in progress: the driver half finishes it
    /// ([`ShadowCopyDriver::finish_revert`]) when the service lets it run to its end.
    fn revert_to_snapshot(&mut self, snapshot_id: VssId) -> ProviderResult;
    /// `QueryRevertStatus`: the shadow copy the volume (`\\?\Volume{GUID}\`) is being
    /// reverted to. The `IVssAsync` of the SDK method is the service's to hand out: it
    /// follows the revert this names. `VSS_E_OBJECT_NOT_FOUND` when no revert of the volume
    /// is in progress, `VSS_E_VOLUME_NOT_SUPPORTED` for a volume the provider cannot revert.
    fn query_revert_status(&mut self, volume_name: &str) -> ProviderResult<VssId>;
}

/// What the driver half hands back when it finishes a revert: the blocks to write back onto
/// the volume, and the shadow copies the revert took with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedRevert {
    /// The shadow copy the volume was reverted to.
    pub snapshot_id: VssId,
    /// Each block where the shadow copy differs from the volume, with the copy's content;
    /// the service writes them, as the driver would, through the copy-on-write of the
    /// shadow copies that remain.
    pub blocks: Vec<(u64, Block)>,
    /// The shadow copies deleted, the reverted one among them.
    pub deleted: Vec<DriverDeletion>,
}

/// The value `SetSnapshotProperty` writes (a `VARIANT` in the SDK).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropertyValue {
    /// A string, or `None` for a null `BSTR`.
    Text(Option<String>),
    /// A `LONG`.
    Long(i32),
}

/// A shadow copy the driver deleted on its own, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverDeletion {
    /// The shadow copy.
    pub snapshot_id: VssId,
    /// Its set.
    pub snapshot_set_id: VssId,
    /// Why it went, in a few words (e.g. "diff area full").
    pub reason: &'static str,
}

/// The kernel half of a provider: the driver that keeps point-in-time data (volsnap.sys for
/// the system provider). The service sends it every write to an original volume and every
/// read of a shadow copy device, and tells it when the machine restarts.
pub trait ShadowCopyDriver {
    /// Called before `block` of `volume` (`\\?\Volume{GUID}\`) is overwritten, while `live`
    /// still holds the old content. Returns the shadow copies it had to delete to make room.
    fn before_write(
        &mut self,
        volume: &str,
        block: u64,
        live: &dyn LiveVolumes,
    ) -> Vec<DriverDeletion>;
    /// Reads `block` of the shadow copy whose device object is `device`; `None` when the
    /// device is not one of this driver's.
    fn read_shadow(&self, device: &str, block: u64, live: &dyn LiveVolumes) -> Option<Block>;
    /// The device object of one of this driver's shadow copies.
    fn device_of(&self, snapshot: VssId) -> Option<String>;
    /// The original volume of the shadow copy whose device object is `device`; `None` when
    /// the device is not one of this driver's.
    fn original_volume(&self, device: &str) -> Option<String>;
    /// The machine restarted: drop what does not survive a restart. Returns what was dropped.
    /// A revert in progress survives: it goes on as the machine starts.
    fn on_restart(&mut self) -> Vec<DriverDeletion>;
    /// The shadow copy a volume is being reverted to, while a revert of it is in progress.
    fn reverting(&self, volume: &str) -> Option<VssId>;
    /// Ends the revert in progress on `volume`: the blocks the volume must take back and
    /// the shadow copies deleted; `None` when no revert of it is in progress.
    fn finish_revert(&mut self, volume: &str) -> Option<FinishedRevert>;
}

/// `IVssHardwareSnapshotProvider`: what VSS asks of a hardware provider, which works on whole
/// LUNs. LUNs are described by [`VdsLunInformation`]; `devices` are the machine's device
/// names of those LUNs (`\\.\PHYSICALDRIVEn`), one-to-one with them.
pub trait HardwareSnapshotProvider: ProviderCreateSnapshotSet {
    /// `AreLunsSupported`: whether the provider can shadow copy all these LUNs (the LUNs of
    /// one volume) under `context`; all or nothing. The provider may fill in details of the
    /// descriptions but not their interconnects.
    fn are_luns_supported(
        &mut self,
        context: Context,
        devices: &[String],
        luns: &mut [VdsLunInformation],
    ) -> ProviderResult<bool>;
    /// `FillInLunInfo`: whether a LUN that arrived on the machine is one of this provider's;
    /// if so, complete its description.
    fn fill_in_lun_info(
        &mut self,
        device: &str,
        lun: &mut VdsLunInformation,
    ) -> ProviderResult<bool>;
    /// `BeginPrepareSnapshot`: prepare shadow copies of the LUNs of one volume of the set.
    fn begin_prepare_snapshot(
        &mut self,
        snapshot_set_id: VssId,
        snapshot_id: VssId,
        context: Context,
        devices: &[String],
        luns: &[VdsLunInformation],
    ) -> ProviderResult;
    /// `GetTargetLuns`: after the commit, the shadow LUN made of each source LUN, one-to-one,
    /// with enough in each description to find it again from any machine of the SAN.
    fn get_target_luns(
        &mut self,
        devices: &[String],
        sources: &[VdsLunInformation],
    ) -> ProviderResult<Vec<VdsLunInformation>>;
    /// `LocateLuns`: unmask these shadow LUNs to this machine (without rescanning).
    fn locate_luns(&mut self, luns: &[VdsLunInformation]) -> ProviderResult;
    /// `OnLunEmpty`: VSS no longer needs this shadow LUN; the provider may reclaim it.
    fn on_lun_empty(&mut self, device: &str, lun: &VdsLunInformation) -> ProviderResult;
    /// `QueryInterface(IID_IVssHardwareSnapshotProviderEx)`: the Ex interface, which every
    /// hardware provider since Windows Server 2008 has and legacy ones lack.
    fn ex(&mut self) -> Option<&mut dyn HardwareSnapshotProviderEx>;
}

/// `IVssHardwareSnapshotProviderEx`.
pub trait HardwareSnapshotProviderEx {
    /// `GetProviderCapabilities`: reserved by Microsoft; providers answer `E_NOTIMPL`.
    fn get_provider_capabilities(&mut self) -> ProviderResult<u64>;
    /// `OnLunStateChange`: the LUNs of a set are changing state (break, fast recovery,
    /// auto-recovery); `flags` are `VSS_ONLUNSTATECHANGE_*`. With
    /// `VSS_ONLUNSTATECHANGE_DO_MASK_LUNS` the provider must mask the shadow LUNs from this
    /// machine without deleting them; the other flags are notifications.
    fn on_lun_state_change(
        &mut self,
        snapshot_luns: &[VdsLunInformation],
        original_luns: &[VdsLunInformation],
        flags: HardwareOptions,
    ) -> ProviderResult;
    /// `ResyncLuns`: copy each source (shadow) LUN onto its target LUN, at the array.
    fn resync_luns(
        &mut self,
        sources: &[VdsLunInformation],
        targets: &[VdsLunInformation],
    ) -> ProviderResult;
    /// `OnReuseLuns`: reserved by Microsoft; providers answer `E_NOTIMPL`.
    fn on_reuse_luns(
        &mut self,
        snapshot_luns: &[VdsLunInformation],
        original_luns: &[VdsLunInformation],
    ) -> ProviderResult;
}
