//! The array's VSS hardware provider, as VSS calls it on one machine.

use std::sync::{Arc, Mutex, MutexGuard};

use vss_model::lun::VdsLunInformation;
use vss_model::provider::{
    HardwareSnapshotProvider, HardwareSnapshotProviderEx, ProviderCreateSnapshotSet,
    ProviderResult, SetCreation,
};
use vss_model::{
    Context, HResult, HardwareOptions, ProviderProp, ProviderType, SnapshotAttributes as A,
    SnapshotState, VssId, VssTimestamp,
};

use crate::array::{Array, CloneKind, LunId};

mod checkpoint;

pub use checkpoint::HardwareProviderCheckpoint;

/// The id of the array's hardware provider (this project's own GUID).
pub const HARDWARE_PROVIDER_ID: VssId = VssId::from_u128(0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a01);

/// The id of the legacy variant, which lacks `IVssHardwareSnapshotProviderEx`.
pub const LEGACY_HARDWARE_PROVIDER_ID: VssId =
    VssId::from_u128(0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a02);

/// What kinds of shadow LUN a provider can make, and whether it can transport them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abilities {
    /// Differential (copy-on-write) clones.
    pub differential: bool,
    /// Plex (full copy) clones.
    pub plex: bool,
    /// Transportable sets.
    pub transportable: bool,
}

impl Default for Abilities {
    fn default() -> Self {
        Abilities {
            differential: true,
            plex: true,
            transportable: true,
        }
    }
}

/// The provider's record of a set it creates: it is kept after the set is created, until
/// the next set begins.
type Creation = SetCreation<Clones>;

/// What a set's creation clones, and the clones made.
#[derive(Debug)]
struct Clones {
    kind: CloneKind,
    /// The source LUNs to clone, each once, in the order VSS prepared them.
    sources: Vec<LunId>,
    /// The clone made of each source at the commit.
    targets: Vec<(LunId, LunId)>,
}

/// The hardware provider of one machine.
#[derive(Debug)]
pub struct HardwareProvider {
    machine: String,
    array: Arc<Mutex<Array>>,
    abilities: Abilities,
    legacy: bool,
    creation: Option<Creation>,
}

impl HardwareProvider {
    /// The provider on `machine`, working with `array`. A `legacy` provider lacks the Ex
    /// interface, as providers written before Windows Server 2008 do.
    pub fn new(
        machine: &str,
        array: Arc<Mutex<Array>>,
        abilities: Abilities,
        legacy: bool,
    ) -> HardwareProvider {
        HardwareProvider {
            machine: machine.to_string(),
            array,
            abilities,
            legacy,
            creation: None,
        }
    }

    /// Its `VSS_PROVIDER_PROP`.
    pub fn prop(&self) -> ProviderProp {
        let (id, name, version_id, class_id) = if self.legacy {
            (
                LEGACY_HARDWARE_PROVIDER_ID,
                "vss-sim Legacy Hardware Provider",
                0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a12,
                0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a22,
            )
        } else {
            (
                HARDWARE_PROVIDER_ID,
                "vss-sim Hardware Provider",
                0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a11,
                0x7cd2f3a9_1c45_4e8b_9f6a_3d2b8e9c1a21,
            )
        };
        ProviderProp {
            provider_id: id,
            provider_name: name.to_string(),
            provider_type: ProviderType::VSS_PROV_HARDWARE,
            provider_version: "1.0".to_string(),
            provider_version_id: VssId::from_u128(version_id),
            class_id: VssId::from_u128(class_id),
        }
    }

    fn array(&self) -> MutexGuard<'_, Array> {
        self.array
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The kind of clone a context asks for, if this provider can make it.
    fn kind_for(&self, context: Context) -> Option<CloneKind> {
        let attributes = context.attributes();
        if attributes.contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE) && !self.abilities.transportable {
            return None;
        }
        match (
            attributes.contains(A::VSS_VOLSNAP_ATTR_PLEX),
            attributes.contains(A::VSS_VOLSNAP_ATTR_DIFFERENTIAL),
        ) {
            (true, _) => self.abilities.plex.then_some(CloneKind::Plex),
            (false, true) => self
                .abilities
                .differential
                .then_some(CloneKind::Differential),
            (false, false) if self.abilities.differential => Some(CloneKind::Differential),
            (false, false) => self.abilities.plex.then_some(CloneKind::Plex),
        }
    }

    /// The array's names of described LUNs; `None` if one is not on the array.
    fn find_all(&self, luns: &[VdsLunInformation]) -> Option<Vec<LunId>> {
        let array = self.array();
        luns.iter()
            .map(|l| array.find(l).map(|lun| lun.id.clone()))
            .collect()
    }

    /// Deletes the clones a creation made.
    fn delete_clones(&self, creation: Creation) {
        let mut array = self.array();
        for (_, clone) in creation.record.targets {
            let _ = array.delete(&clone);
        }
    }
}

impl ProviderCreateSnapshotSet for HardwareProvider {
    fn end_prepare_snapshots(&mut self, set: VssId) -> ProviderResult {
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

    /// Clones every source LUN at this instant; the clones stay masked.
    fn commit_snapshots(&mut self, set: VssId, _now: VssTimestamp) -> ProviderResult {
        let creation = Creation::at(&mut self.creation, set, SnapshotState::VSS_SS_PRECOMMITTED)?;
        let (sources, kind) = (creation.record.sources.clone(), creation.record.kind);
        let mut targets = Vec::new();
        {
            let mut array = self.array();
            for source in sources {
                match array.clone_lun(&source, kind) {
                    Ok(clone) => targets.push((source, clone)),
                    Err(_) => {
                        for (_, clone) in targets {
                            let _ = array.delete(&clone);
                        }
                        return Err(HResult::VSS_E_PROVIDER_VETO);
                    }
                }
            }
        }
        let creation = self.creation.as_mut().expect("checked above");
        creation.record.targets = targets;
        creation.state = SnapshotState::VSS_SS_COMMITTED;
        Ok(())
    }

    fn post_commit_snapshots(&mut self, set: VssId, _snapshots_count: i32) -> ProviderResult {
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_COMMITTED,
            SnapshotState::VSS_SS_POSTCOMMITTED,
        )
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
        Creation::advance(
            &mut self.creation,
            set,
            SnapshotState::VSS_SS_PREFINALCOMMITTED,
            SnapshotState::VSS_SS_CREATED,
        )
    }

    /// Deletes the clones of the set being created. VSS aborts a set that failed as a whole,
    /// even when this provider's part of it had finished (another provider failed later).
    fn abort_snapshots(&mut self, set: VssId) -> ProviderResult {
        if let Some(creation) = self.creation.take_if(|c| c.set_id == set) {
            self.delete_clones(creation);
        }
        Ok(())
    }
}

impl HardwareSnapshotProvider for HardwareProvider {
    fn are_luns_supported(
        &mut self,
        context: Context,
        _devices: &[String],
        luns: &mut [VdsLunInformation],
    ) -> ProviderResult<bool> {
        if luns.is_empty() || self.kind_for(context).is_none() {
            return Ok(false);
        }
        Ok(self.find_all(luns).is_some())
    }

    fn fill_in_lun_info(
        &mut self,
        _device: &str,
        lun: &mut VdsLunInformation,
    ) -> ProviderResult<bool> {
        let array = self.array();
        let Some(ours) = array.find(lun) else {
            return Ok(false);
        };
        let info = array.info(&ours.id);
        lun.vendor_id = info.vendor_id;
        lun.product_id = info.product_id;
        lun.product_revision = info.product_revision;
        Ok(true)
    }

    fn begin_prepare_snapshot(
        &mut self,
        set: VssId,
        _snapshot: VssId,
        context: Context,
        _devices: &[String],
        luns: &[VdsLunInformation],
    ) -> ProviderResult {
        let kind = self
            .kind_for(context)
            .ok_or(HResult::VSS_E_UNSUPPORTED_CONTEXT)?;
        let sources = self
            .find_all(luns)
            .ok_or(HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER)?;
        // The clones of a finished set are VSS's now (handed back through OnLunEmpty); those
        // of an abandoned one go.
        if let Some(old) = Creation::take_other(&mut self.creation, set)
            && old.state != SnapshotState::VSS_SS_CREATED
        {
            self.delete_clones(old);
        }
        let creation = self.creation.get_or_insert_with(|| {
            Creation::new(
                set,
                Clones {
                    kind,
                    sources: Vec::new(),
                    targets: Vec::new(),
                },
            )
        });
        if creation.state != SnapshotState::VSS_SS_PREPARING {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        // A LUN backing several volumes of the set is cloned once.
        for source in sources {
            if !creation.record.sources.contains(&source) {
                creation.record.sources.push(source);
            }
        }
        Ok(())
    }

    fn get_target_luns(
        &mut self,
        _devices: &[String],
        sources: &[VdsLunInformation],
    ) -> ProviderResult<Vec<VdsLunInformation>> {
        let ids = self.find_all(sources).ok_or(HResult::E_INVALIDARG)?;
        let creation = self.creation.as_ref().ok_or(HResult::VSS_E_BAD_STATE)?;
        let array = self.array();
        ids.iter()
            .map(|source| {
                creation
                    .record
                    .targets
                    .iter()
                    .find(|(s, _)| s == source)
                    .map(|(_, clone)| array.info(clone))
                    .ok_or(HResult::E_INVALIDARG)
            })
            .collect()
    }

    /// Unmasks the described LUNs to this machine. A LUN the array no longer has is left out:
    /// it will not arrive.
    fn locate_luns(&mut self, luns: &[VdsLunInformation]) -> ProviderResult {
        let machine = self.machine.clone();
        let mut array = self.array();
        for lun in luns {
            if let Some(id) = array.find(lun).map(|l| l.id.clone()) {
                array
                    .set_visible(&id, &machine, true)
                    .expect("found on the array");
            }
        }
        Ok(())
    }

    fn on_lun_empty(&mut self, _device: &str, lun: &VdsLunInformation) -> ProviderResult {
        let mut array = self.array();
        let id = array
            .find(lun)
            .map(|l| l.id.clone())
            .ok_or(HResult::VSS_E_PROVIDER_VETO)?;
        array.delete(&id).map_err(|_| HResult::VSS_E_PROVIDER_VETO)
    }

    fn ex(&mut self) -> Option<&mut dyn HardwareSnapshotProviderEx> {
        if self.legacy { None } else { Some(self) }
    }
}

impl HardwareSnapshotProviderEx for HardwareProvider {
    fn get_provider_capabilities(&mut self) -> ProviderResult<u64> {
        Err(HResult::E_NOTIMPL)
    }

    /// Masks the shadow LUNs from this machine on `DO_MASK_LUNS`; the other flags are
    /// notifications and change nothing at the array.
    fn on_lun_state_change(
        &mut self,
        snapshot_luns: &[VdsLunInformation],
        _original_luns: &[VdsLunInformation],
        flags: HardwareOptions,
    ) -> ProviderResult {
        if flags.contains(HardwareOptions::VSS_ONLUNSTATECHANGE_DO_MASK_LUNS) {
            let ids = self.find_all(snapshot_luns).ok_or(HResult::E_INVALIDARG)?;
            let machine = self.machine.clone();
            let mut array = self.array();
            for id in ids {
                array
                    .set_visible(&id, &machine, false)
                    .expect("found on the array");
            }
        }
        Ok(())
    }

    fn resync_luns(
        &mut self,
        sources: &[VdsLunInformation],
        targets: &[VdsLunInformation],
    ) -> ProviderResult {
        let sources = self.find_all(sources).ok_or(HResult::E_INVALIDARG)?;
        let targets = self.find_all(targets).ok_or(HResult::E_INVALIDARG)?;
        if sources.len() != targets.len() {
            return Err(HResult::E_INVALIDARG);
        }
        let mut array = self.array();
        for (source, target) in sources.iter().zip(&targets) {
            array
                .resync(source, target)
                .map_err(|_| HResult::VSS_E_PROVIDER_VETO)?;
        }
        Ok(())
    }

    fn on_reuse_luns(
        &mut self,
        _snapshot_luns: &[VdsLunInformation],
        _original_luns: &[VdsLunInformation],
    ) -> ProviderResult {
        Err(HResult::E_NOTIMPL)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use vss_model::Block;

    use super::*;
    use crate::array::{ArrayModel, DiskIdentity};

    fn setup(legacy: bool) -> (Arc<Mutex<Array>>, HardwareProvider) {
        let mut array = Array::new(ArrayModel {
            vendor: "SIMVEND".into(),
            product: "SIMARRAY".into(),
            revision: "1.0".into(),
        });
        let hosta = BTreeSet::from(["HOSTA".to_string()]);
        array
            .provision("E", 8, DiskIdentity::Mbr(7), hosta.clone())
            .unwrap();
        array
            .provision("G1", 8, DiskIdentity::Mbr(8), hosta)
            .unwrap();
        let array = Arc::new(Mutex::new(array));
        let provider =
            HardwareProvider::new("HOSTB", Arc::clone(&array), Abilities::default(), legacy);
        (array, provider)
    }

    fn info(array: &Arc<Mutex<Array>>, id: &str) -> VdsLunInformation {
        array.lock().unwrap().info(id)
    }

    fn create(p: &mut HardwareProvider, set: VssId, luns: &[VdsLunInformation]) -> ProviderResult {
        let ctx = Context::VSS_CTX_BACKUP;
        p.begin_prepare_snapshot(set, VssId::from_u128(9), ctx, &[], luns)?;
        p.end_prepare_snapshots(set)?;
        p.pre_commit_snapshots(set)?;
        p.commit_snapshots(set, VssTimestamp(0))?;
        p.post_commit_snapshots(set, 1)
    }

    #[test]
    fn a_creation_makes_masked_clones_that_locate_surfaces() {
        let (array, mut p) = setup(false);
        let (e, g) = (info(&array, "E"), info(&array, "G1"));
        array
            .lock()
            .unwrap()
            .write("E", 0, Block::new(b"data").unwrap())
            .unwrap();
        let mut luns = vec![e.clone(), g.clone()];
        assert_eq!(
            p.are_luns_supported(Context::VSS_CTX_BACKUP, &[], &mut luns),
            Ok(true)
        );
        let set = VssId::from_u128(1);
        create(&mut p, set, &[e.clone(), g.clone()]).unwrap();
        let targets = p.get_target_luns(&[], &[e.clone(), g]).unwrap();
        p.pre_final_commit_snapshots(set).unwrap();
        p.post_final_commit_snapshots(set).unwrap();
        assert_eq!(targets.len(), 2);
        assert_ne!(targets[0].serial_number, e.serial_number);
        let clone = array.lock().unwrap().find(&targets[0]).unwrap().id.clone();
        assert!(
            array
                .lock()
                .unwrap()
                .lun(&clone)
                .unwrap()
                .visible_to
                .is_empty()
        );
        p.locate_luns(&targets).unwrap();
        let a = array.lock().unwrap();
        assert!(a.lun(&clone).unwrap().visible_to.contains("HOSTB"));
        assert_eq!(a.read(&clone, 0).unwrap(), Block::new(b"data").unwrap());
    }

    #[test]
    fn an_abort_before_the_end_deletes_the_clones() {
        let (array, mut p) = setup(false);
        let e = info(&array, "E");
        let set = VssId::from_u128(1);
        create(&mut p, set, std::slice::from_ref(&e)).unwrap();
        assert_eq!(array.lock().unwrap().luns().count(), 3);
        p.abort_snapshots(set).unwrap();
        assert_eq!(array.lock().unwrap().luns().count(), 2);
        // A new set id discards an abandoned creation too.
        create(&mut p, set, std::slice::from_ref(&e)).unwrap();
        p.begin_prepare_snapshot(
            VssId::from_u128(2),
            VssId::from_u128(3),
            Context::VSS_CTX_BACKUP,
            &[],
            &[e],
        )
        .unwrap();
        assert_eq!(array.lock().unwrap().luns().count(), 2);
    }

    #[test]
    fn an_abort_of_a_finished_part_deletes_its_clones() {
        let (array, mut p) = setup(false);
        let e = info(&array, "E");
        let set = VssId::from_u128(1);
        create(&mut p, set, std::slice::from_ref(&e)).unwrap();
        p.pre_final_commit_snapshots(set).unwrap();
        p.post_final_commit_snapshots(set).unwrap();
        p.abort_snapshots(set).unwrap();
        assert_eq!(array.lock().unwrap().luns().count(), 2);
    }

    #[test]
    fn the_next_set_keeps_the_clones_of_a_finished_one() {
        let (array, mut p) = setup(false);
        let e = info(&array, "E");
        let first = VssId::from_u128(1);
        create(&mut p, first, std::slice::from_ref(&e)).unwrap();
        p.pre_final_commit_snapshots(first).unwrap();
        p.post_final_commit_snapshots(first).unwrap();
        create(&mut p, VssId::from_u128(2), std::slice::from_ref(&e)).unwrap();
        assert_eq!(array.lock().unwrap().luns().count(), 4);
    }

    #[test]
    fn lun_state_changes_and_reclaiming() {
        let (array, mut p) = setup(false);
        let e = info(&array, "E");
        let set = VssId::from_u128(1);
        create(&mut p, set, std::slice::from_ref(&e)).unwrap();
        let targets = p.get_target_luns(&[], std::slice::from_ref(&e)).unwrap();
        p.locate_luns(&targets).unwrap();
        let ex = p.ex().expect("the Ex interface");
        assert_eq!(ex.get_provider_capabilities(), Err(HResult::E_NOTIMPL));
        ex.on_lun_state_change(
            &targets,
            std::slice::from_ref(&e),
            HardwareOptions::VSS_ONLUNSTATECHANGE_NOTIFY_READ_WRITE,
        )
        .unwrap();
        let clone = array.lock().unwrap().find(&targets[0]).unwrap().id.clone();
        assert!(
            array
                .lock()
                .unwrap()
                .lun(&clone)
                .unwrap()
                .visible_to
                .contains("HOSTB")
        );
        ex.on_lun_state_change(
            &targets,
            &[e],
            HardwareOptions::VSS_ONLUNSTATECHANGE_DO_MASK_LUNS,
        )
        .unwrap();
        assert!(
            array
                .lock()
                .unwrap()
                .lun(&clone)
                .unwrap()
                .visible_to
                .is_empty()
        );
        p.on_lun_empty("", &targets[0]).unwrap();
        assert!(array.lock().unwrap().lun(&clone).is_none());
        assert_eq!(
            p.on_lun_empty("", &targets[0]),
            Err(HResult::VSS_E_PROVIDER_VETO)
        );
    }

    #[test]
    fn the_legacy_provider_has_no_ex_interface_and_abilities_limit_contexts() {
        let (array, mut p) = setup(true);
        assert!(p.ex().is_none());
        assert_eq!(p.prop().provider_id, LEGACY_HARDWARE_PROVIDER_ID);
        let plex_only = HardwareProvider::new(
            "HOSTA",
            array,
            Abilities {
                differential: false,
                plex: true,
                transportable: false,
            },
            false,
        );
        let diff = Context(A::VSS_VOLSNAP_ATTR_DIFFERENTIAL.bits() as i32);
        let transport = Context(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32);
        assert_eq!(plex_only.kind_for(diff), None);
        assert_eq!(plex_only.kind_for(transport), None);
        assert_eq!(
            plex_only.kind_for(Context::VSS_CTX_BACKUP),
            Some(CloneKind::Plex)
        );
    }
}
