//! Breaking a shadow copy set: VSS forgets a hardware set, and its shadow LUNs live on as
//! ordinary LUNs, their volumes still reachable through their device objects.

use vss_model::backend::VssResult;
use vss_model::lun::VdsLunInformation;
use vss_model::methods::Method;
use vss_model::{HResult, HardwareOptions as H, VssId};

use crate::handles::{AsyncId, MachineId, ProviderSlot, RequesterId};
use crate::policy::BreakIdentity;
use crate::san::Role;
use crate::service::hardware::serials;
use crate::trace::TraceEvent;
use crate::world::{HwState, Work, World};

/// Which break, and with what flags.
#[derive(Debug, Clone, Copy)]
enum Break {
    /// `BreakSnapshotSet`: through `IVssHardwareSnapshotProvider` only.
    Legacy,
    /// `BreakSnapshotSetEx(flags)`.
    Ex(H),
}

/// A hardware set ready to be broken on a machine: its copies, by the provider that made
/// them.
struct Target {
    groups: Vec<(ProviderSlot, Vec<VssId>)>,
}

impl Target {
    fn ids(&self) -> impl Iterator<Item = &VssId> {
        self.groups.iter().flat_map(|(_, ids)| ids)
    }
}

impl World {
    /// The copies of a set this machine's service can break, or why not: it does not exist
    /// here (a transportable set must be imported first), or software shadow copies (the
    /// only kind a software or system provider makes) cannot be broken.
    fn breakable(&mut self, m: MachineId, set: VssId) -> Result<Target, HResult> {
        if self.in_creation(m, set) {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let mut software = false;
        for p in self.software_providers(m) {
            software |= self
                .provider_copies(m, p, vss_model::Context::VSS_CTX_ALL)?
                .iter()
                .any(|s| s.snapshot_set_id == set);
        }
        #[cfg(feature = "mutations")]
        if software
            && self
                .broken_rules
                .contains(&crate::world::BrokenRule::BreakSoftwareSets)
        {
            self.note(
                m,
                format!("set {set}: a software set is broken (a rule broken on purpose)"),
            );
            return Ok(Target { groups: Vec::new() });
        }
        if software {
            self.note(
                m,
                format!("set {set} was made by a software provider and cannot be broken"),
            );
            return Err(HResult::VSS_E_PROVIDER_VETO);
        }
        let ids: Vec<VssId> = self
            .hw_on(m)
            .into_iter()
            .filter(|id| self.hw_copies[id].prop.snapshot_set_id == set)
            .collect();
        if ids.is_empty() {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        let mut groups: Vec<(ProviderSlot, Vec<VssId>)> = Vec::new();
        for id in ids {
            let provider = self
                .hardware_provider(m, self.hw_copies[&id].prop.provider_id)
                .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
            match groups.iter_mut().find(|(p, _)| *p == provider) {
                Some((_, ids)) => ids.push(id),
                None => groups.push((provider, vec![id])),
            }
        }
        Ok(Target { groups })
    }

    /// `BreakSnapshotSet(SnapshotSetId)`.
    pub(crate) fn break_snapshot_set(&mut self, req: RequesterId, set: VssId) -> VssResult {
        let m = self.begin_call(req, Method::BreakSnapshotSet)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(self.policy.uninitialized_administration);
        }
        if set.is_null() {
            return Err(HResult::E_INVALIDARG);
        }
        let target = self.breakable(m, set)?;
        self.break_set(m, set, target, Break::Legacy)
    }

    /// `BreakSnapshotSetEx(SnapshotSetId, dwBreakFlags, &pAsync)`: the flags are checked
    /// first (`MASK_LUNS` excludes the others, the two revert flags exclude each other),
    /// then the set and its provider; the break runs as an operation.
    pub(crate) fn break_snapshot_set_ex(
        &mut self,
        req: RequesterId,
        set: VssId,
        flags: H,
    ) -> VssResult<AsyncId> {
        let m = self.begin_call(req, Method::BreakSnapshotSetEx)?;
        if !self.requester(req).phase.is_initialized() {
            return Err(self.policy.uninitialized_administration);
        }
        if set.is_null() || !flags.is_valid_break() {
            return Err(HResult::E_INVALIDARG);
        }
        let target = self.breakable(m, set)?;
        let legacy = target.groups.iter().any(|(p, _)| {
            self.machines[m].providers[*p]
                .instance
                .hardware()
                .is_some_and(|pr| pr.ex().is_none())
        });
        if legacy {
            self.note(m, "the provider has no IVssHardwareSnapshotProviderEx");
            return Err(HResult::VSS_E_LEGACY_PROVIDER);
        }
        Ok(self.start_async(req, Work::BreakSnapshotSetEx(set, flags)))
    }

    /// The operation `BreakSnapshotSetEx` started.
    pub(crate) fn run_break_snapshot_set_ex(
        &mut self,
        req: RequesterId,
        set: VssId,
        flags: H,
    ) -> VssResult {
        let m = self.requester(req).machine;
        let target = self.breakable(m, set)?;
        self.break_set(m, set, target, Break::Ex(flags))
    }

    /// The break: identities, then the provider's notifications, then VSS forgets the set.
    fn break_set(&mut self, m: MachineId, set: VssId, target: Target, how: Break) -> VssResult {
        let flags = match how {
            Break::Legacy => H::empty(),
            Break::Ex(flags) => flags,
        };
        let ids: Vec<VssId> = target.ids().copied().collect();
        let (originals, shadows) = self.set_luns(&ids);
        let machine = self.machines[m].name.clone();
        let visible_original = {
            let san = &self.san;
            let array = san.array();
            originals
                .iter()
                .filter_map(|o| array.find(o))
                .find(|l| l.visible_to.contains(&machine))
                .map(|l| l.id.clone())
        };
        let revert = if flags.contains(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL) {
            if let Some(lun) = visible_original {
                self.note(
                    m,
                    format!("original LUN {lun} is visible here: no identity can be reverted"),
                );
                return Err(HResult::VSS_E_BREAK_REVERT_ID_FAILED);
            }
            true
        } else if flags.contains(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE) {
            false
        } else {
            self.policy.break_identity == BreakIdentity::RevertIfPossible
                && visible_original.is_none()
        };
        if flags.contains(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE) {
            self.notify_providers(m, &target, H::VSS_ONLUNSTATECHANGE_NOTIFY_READ_WRITE)?;
        }
        if flags.contains(H::VSS_BREAKEX_FLAG_MASK_LUNS) {
            self.notify_providers(m, &target, H::VSS_ONLUNSTATECHANGE_DO_MASK_LUNS)?;
        }
        self.settle_luns(
            m,
            &originals,
            &shadows,
            revert,
            flags.contains(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
        );
        for id in &ids {
            let copy = self.hw_copies.remove(id).expect("listed");
            if let HwState::Surfaced { layout, .. } = copy.state {
                let san = &mut self.san;
                san.layouts[layout].role = Role::Broken;
            }
            for machine in &mut self.machines {
                machine.owners.remove(id);
            }
            self.machines[m].exposures.retain(|_, s| s != id);
            self.record(TraceEvent::Note {
                machine: machine.clone(),
                text: format!("shadow copy {id} is no longer a shadow copy: its volume stays as an ordinary volume"),
            });
        }
        self.note(m, format!("set {set} broken; VSS has forgotten it"));
        Ok(())
    }

    /// Tells each provider of the set about its own LUNs with `OnLunStateChange`. If one
    /// fails, the LUNs the providers before it masked are located again, so that the failed
    /// break leaves them as they were.
    fn notify_providers(&mut self, m: MachineId, target: &Target, change: H) -> VssResult {
        for (done, (p, ids)) in target.groups.iter().enumerate() {
            let (originals, shadows) = self.set_luns(ids);
            let args = format!("{}, {change}", serials(&shadows));
            let result = self.call_hardware(m, *p, Method::OnLunStateChange, args, |pr| {
                let ex = pr.ex().ok_or(HResult::E_NOINTERFACE)?;
                ex.on_lun_state_change(&shadows, &originals, change)
            });
            let Err(hr) = result else { continue };
            if change.contains(H::VSS_ONLUNSTATECHANGE_DO_MASK_LUNS) {
                for (p, ids) in &target.groups[..done] {
                    let (_, shadows) = self.set_luns(ids);
                    let _ =
                        self.call_hardware(m, *p, Method::LocateLuns, serials(&shadows), |pr| {
                            pr.locate_luns(&shadows)
                        });
                }
            }
            return Err(self.translate(m, hr));
        }
        Ok(())
    }

    /// The original and shadow LUNs of copies, each once, in order.
    fn set_luns(&self, ids: &[VssId]) -> (Vec<VdsLunInformation>, Vec<VdsLunInformation>) {
        let mut originals = Vec::new();
        let mut shadows = Vec::new();
        for id in ids {
            for (original, shadow, _) in &self.hw_copies[id].pairs {
                if !shadows.contains(shadow) {
                    originals.push(original.clone());
                    shadows.push(shadow.clone());
                }
            }
        }
        (originals, shadows)
    }

    /// What the break leaves the LUNs as: ordinary (not hidden), read-write if asked, and
    /// with their originals' identities if reverted.
    fn settle_luns(
        &mut self,
        m: MachineId,
        originals: &[VdsLunInformation],
        shadows: &[VdsLunInformation],
        revert: bool,
        read_write: bool,
    ) {
        {
            let san = &self.san;
            let mut array = san.array();
            for (original, shadow) in originals.iter().zip(shadows) {
                let Some(lun) = array.find(shadow).map(|l| l.id.clone()) else {
                    continue;
                };
                array.set_hidden(&lun, false).expect("found");
                if read_write {
                    array.set_read_only(&lun, false).expect("found");
                }
                let original_identity = array.find(original).map(|l| l.identity);
                if let Some(identity) = original_identity.filter(|_| revert) {
                    array.set_identity(&lun, identity).expect("found");
                }
            }
        }
        self.note_lun_changes(m);
    }
}
