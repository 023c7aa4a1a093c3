//! Creating a shadow copy set: `StartSnapshotSet`, `AddToSnapshotSet` and `DoSnapshotSet`
//! with the provider call sequence of vsprov.h.

use vss_model::backend::VssResult;
use vss_model::lifecycle::{BackupEnd, RequesterPhase};
use vss_model::lun::VdsLunInformation;
use vss_model::methods::Method;
use vss_model::provider::ProviderCreateSnapshotSet;
use vss_model::{
    Context, HResult, ProviderType, SnapshotAttributes as A, SnapshotProp, SnapshotState, VssId,
    WriterEvent,
};

use crate::handles::{AsyncId, MachineId, ProviderSlot, RequesterId};
use crate::service::Keeper;
use crate::software_copies::SoftwareCopy;
use crate::trace::TraceEvent;
use crate::world::{HwCopy, HwState, Instance, PlannedCopy, SetPlan, Work, World};

/// The shadow LUNs `GetTargetLuns` reported for a hardware item, by its place in the plan.
type TargetLuns = (usize, Vec<VdsLunInformation>);

/// At most this many volumes in one set.
pub(crate) const MAX_VOLUMES_PER_SET: usize = 64;
/// At most this many software shadow copies of one volume.
pub(crate) const MAX_SOFTWARE_COPIES_PER_VOLUME: usize = 512;

/// The order in which VSS asks providers whether they support a volume: hardware, then
/// software, then the system provider.
fn selection_rank(kind: ProviderType) -> u8 {
    match kind {
        ProviderType::VSS_PROV_HARDWARE => 0,
        ProviderType::VSS_PROV_SOFTWARE => 1,
        ProviderType::VSS_PROV_SYSTEM => 2,
        _ => 3,
    }
}

impl World {
    /// `StartSnapshotSet(&SnapshotSetId)`.
    pub(crate) fn start_snapshot_set(&mut self, req: RequesterId) -> VssResult<VssId> {
        let m = self.begin_call(req, Method::StartSnapshotSet)?;
        let r = self.requester(req);
        // One object, one operation: not after another set, nor on a query object.
        if !matches!(r.phase, RequesterPhase::Initialized)
            || r.queried
            || r.ended == Some(BackupEnd::Aborted)
            || r.loaded.as_ref().is_some_and(|d| d.snapshot_set.is_some())
        {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        if r.context.is_all() {
            return Err(self.policy.start_under_context_all);
        }
        if let Some(holder) = self.machines[m].creation_lock {
            self.note(
                m,
                format!("another requester object ({holder}) is creating a set"),
            );
            return Err(HResult::VSS_E_SNAPSHOT_SET_IN_PROGRESS);
        }
        let id = self.new_id();
        self.machines[m].creation_lock = Some(req);
        self.note(m, format!("creation lock taken for set {id}"));
        self.requester_mut(req).phase = RequesterPhase::SetOpen(SetPlan {
            id,
            items: Vec::new(),
        });
        Ok(id)
    }

    /// `AddToSnapshotSet(pwszVolumeName, ProviderId, &pidSnapshot)`.
    pub(crate) fn add_to_snapshot_set(
        &mut self,
        req: RequesterId,
        volume: &str,
        provider: VssId,
    ) -> VssResult<VssId> {
        let m = self.begin_call(req, Method::AddToSnapshotSet)?;
        let RequesterPhase::SetOpen(plan) = &self.requester(req).phase else {
            return Err(HResult::VSS_E_BAD_STATE);
        };
        if plan.items.len() >= MAX_VOLUMES_PER_SET {
            return Err(HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED);
        }
        if volume.is_empty() || !volume.ends_with('\\') {
            return Err(HResult::E_INVALIDARG);
        }
        let v = self
            .find_volume(m, volume)
            .ok_or(HResult::VSS_E_OBJECT_NOT_FOUND)?;
        let volume_name = self.machines[m].volumes[v].name.clone();
        if plan.items.iter().any(|i| i.volume_name == volume_name) {
            return Err(HResult::VSS_E_OBJECT_ALREADY_EXISTS);
        }
        let context = self.requester(req).context;
        let p = self.select_provider(m, &volume_name, provider, context)?;
        self.check_copy_limits(m, p, &volume_name, context)?;
        let snapshot_id = self.new_id();
        let hardware = matches!(
            self.machines[m].providers[p].instance,
            Instance::Hardware(_)
        );
        let luns = hardware.then(|| self.volume_luns(m, v));
        let RequesterPhase::SetOpen(plan) = &mut self.requester_mut(req).phase else {
            unreachable!("checked above");
        };
        plan.items.push(PlannedCopy {
            snapshot_id,
            volume_name,
            provider: p,
            luns,
        });
        Ok(snapshot_id)
    }

    /// Whether provider `p` supports the volume under the context.
    pub(crate) fn provider_supports(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        volume_name: &str,
        context: Context,
    ) -> Result<bool, HResult> {
        // Client-accessible copies (Shadow Copies for Shared Folders) are the system
        // provider's alone.
        let client_accessible = context
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE);
        if client_accessible
            && self.machines[m].providers[p].prop.provider_type != ProviderType::VSS_PROV_SYSTEM
        {
            return Ok(false);
        }
        if matches!(
            self.machines[m].providers[p].instance,
            Instance::Hardware(_)
        ) {
            return match self.find_volume(m, volume_name) {
                // A shadow copy's own volume is not shadow copied again.
                Some(v) if self.is_shadow_volume(m, v) => Ok(false),
                Some(v) => self.hardware_supports(m, p, v, context),
                None => Ok(false),
            };
        }
        match self.call_provider(
            m,
            p,
            Method::SoftwareSetContext,
            context.to_string(),
            |pr| pr.set_context(context),
        ) {
            Err(HResult::VSS_E_UNSUPPORTED_CONTEXT) => return Ok(false),
            Err(hr) => return Err(self.translate(m, hr)),
            Ok(()) => {}
        }
        let name = volume_name.to_string();
        self.call_provider(
            m,
            p,
            Method::SoftwareIsVolumeSupported,
            name.clone(),
            |pr| pr.is_volume_supported(&name),
        )
        .map_err(|hr| self.translate(m, hr))
    }

    /// Chooses the provider of a volume: the one asked for, or the first in selection order
    /// that supports it.
    fn select_provider(
        &mut self,
        m: MachineId,
        volume_name: &str,
        wanted: VssId,
        context: Context,
    ) -> Result<ProviderSlot, HResult> {
        if !wanted.is_null() {
            let p = self.machines[m]
                .providers
                .position(|r| r.prop.provider_id == wanted)
                .ok_or(HResult::VSS_E_PROVIDER_NOT_REGISTERED)?;
            return match self.provider_supports(m, p, volume_name, context)? {
                true => Ok(p),
                false => Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER),
            };
        }
        let mut order: Vec<ProviderSlot> = self.machines[m].providers.keys().collect();
        order.sort_by_key(|p| selection_rank(self.machines[m].providers[*p].prop.provider_type));
        for p in order {
            if self.provider_supports(m, p, volume_name, context)? {
                return Ok(p);
            }
        }
        Err(HResult::VSS_E_VOLUME_NOT_SUPPORTED)
    }

    /// The per-volume limits: 512 software shadow copies, and `MaxShadowCopies`
    /// client-accessible ones.
    fn check_copy_limits(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        volume_name: &str,
        context: Context,
    ) -> VssResult {
        if self.machines[m].providers[p].prop.provider_type == ProviderType::VSS_PROV_HARDWARE {
            return Ok(());
        }
        let count = self.sw_copies.count(m, p, volume_name);
        let max_client = self.machines[m].max_shadow_copies as usize;
        if count.all >= MAX_SOFTWARE_COPIES_PER_VOLUME
            || (context
                .attributes()
                .contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
                && count.client_accessible >= max_client)
        {
            return Err(HResult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED);
        }
        Ok(())
    }

    /// `DoSnapshotSet(&pAsync)`: checks what must come before, then creates the set (at
    /// once, or when waited on if held).
    pub(crate) fn do_snapshot_set(&mut self, req: RequesterId) -> VssResult<AsyncId> {
        self.begin_call(req, Method::DoSnapshotSet)?;
        let r = self.requester(req);
        let RequesterPhase::SetOpen(plan) = &r.phase else {
            return Err(HResult::VSS_E_BAD_STATE);
        };
        // Writer contexts need the writers' metadata gathered, and nothing may still be held
        // pending (a PrepareForBackup not yet run, say).
        let unready = (r.context.has_writers() && r.metadata.is_none()) || !r.pending.is_empty();
        if !r.phase.is_initialized() || r.context.is_all() || unready {
            return Err(HResult::VSS_E_BAD_STATE);
        }
        let plan = plan.clone();
        self.requester_mut(req).phase = RequesterPhase::Creating(plan);
        Ok(self.start_async(req, Work::DoSnapshotSet))
    }

    /// The creation itself. On any failure, every provider that reached `EndPrepareSnapshots`
    /// hears `AbortSnapshots` and no shadow copy of the set survives.
    pub(crate) fn run_do_snapshot_set(&mut self, req: RequesterId) -> VssResult {
        let r = self.requester(req);
        let (m, context) = (r.machine, r.context);
        let RequesterPhase::Creating(plan) = r.phase.clone() else {
            return Err(HResult::VSS_E_BAD_STATE);
        };
        let mut ended = Vec::new();
        self.san.made_in_creation.clear();
        let result = match self.commit_sequence(m, &plan, context, &mut ended) {
            Ok((now, targets)) => {
                // The set is committed: if importing it fails now, VSS deletes its copies
                // instead of aborting the providers.
                ended.clear();
                self.record_hardware_copies(m, &plan, context, now, targets)
            }
            Err(hr) => Err(hr),
        };
        match result {
            Ok(()) => {
                for item in plan.items.iter().filter(|i| i.luns.is_none()) {
                    // Asked of the driver, not through the provider interface: nothing may
                    // fail once the set is committed.
                    let device = self.machines[m].providers[item.provider]
                        .instance
                        .driver_ref()
                        .and_then(|d| d.device_of(item.snapshot_id))
                        .unwrap_or_default();
                    let volume = self.display_volume(m, &item.volume_name);
                    let client_accessible = context
                        .attributes()
                        .contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE);
                    self.sw_copies.add(
                        item.snapshot_id,
                        SoftwareCopy {
                            machine: m,
                            set: plan.id,
                            provider: item.provider,
                            volume_name: item.volume_name.clone(),
                            client_accessible,
                        },
                    );
                    let event = TraceEvent::Created {
                        machine: self.machines[m].name.clone(),
                        snapshot: item.snapshot_id,
                        device,
                        volume,
                    };
                    self.record(event);
                }
                if context.is_auto_release() {
                    for item in &plan.items {
                        self.machines[m].owners.insert(item.snapshot_id, req);
                    }
                }
                self.requester_mut(req).phase = RequesterPhase::Created(plan);
                self.release_lock(req, "DoSnapshotSet finished");
                Ok(())
            }
            Err(hr) => {
                for p in ended {
                    // AbortSnapshots' own result is neither translated nor passed on; the
                    // clones of a provider that could not discard them stay on the array.
                    let aborted =
                        self.call_common(m, p, Method::AbortSnapshots, plan.id.to_string(), |pr| {
                            pr.abort_snapshots(plan.id)
                        });
                    if aborted.is_err() {
                        let array = self.san.array();
                        let kept: Vec<_> = (self.san.made_in_creation.iter())
                            .filter(|l| array.lun(l).is_some())
                            .cloned()
                            .collect();
                        drop(array);
                        self.san.left_behind.extend(kept);
                    }
                }
                if context.has_writers() {
                    self.send_writer_event(m, WriterEvent::OnAbort);
                }
                self.requester_mut(req).phase = RequesterPhase::Failed(plan);
                self.release_lock(req, "DoSnapshotSet failed");
                Err(hr)
            }
        }
    }

    /// Records the hardware shadow copies of a committed set. A transportable set stays on
    /// the array until it is imported; any other is imported at once, on this machine. If
    /// that fails, its LUNs go back to the provider and the set fails.
    fn record_hardware_copies(
        &mut self,
        m: MachineId,
        plan: &SetPlan,
        context: Context,
        now: vss_model::VssTimestamp,
        targets: Vec<TargetLuns>,
    ) -> VssResult {
        let machine = self.machines[m].name.clone();
        let mut by_provider: Vec<(ProviderSlot, Vec<VssId>)> = Vec::new();
        for (index, shadows) in targets {
            let item = &plan.items[index];
            let luns = item.luns.as_ref().expect("hardware items have LUNs");
            let prop = SnapshotProp {
                snapshot_id: item.snapshot_id,
                snapshot_set_id: plan.id,
                snapshots_count: plan.items.len() as i32,
                snapshot_device_object: String::new(),
                original_volume_name: item.volume_name.clone(),
                originating_machine: machine.clone(),
                service_machine: machine.clone(),
                exposed_name: None,
                exposed_path: None,
                provider_id: self.machines[m].providers[item.provider].prop.provider_id,
                snapshot_attributes: World::hw_attributes(context),
                creation_timestamp: now,
                status: SnapshotState::VSS_SS_CREATED,
            };
            let pairs = luns
                .infos
                .iter()
                .cloned()
                .zip(shadows)
                .zip(luns.blocks.iter().copied())
                .map(|((original, shadow), blocks)| (original, shadow, blocks))
                .collect();
            self.hw_copies.insert(
                item.snapshot_id,
                HwCopy {
                    prop,
                    pairs,
                    state: HwState::Transported { creator: m },
                },
            );
            match by_provider.iter_mut().find(|(p, _)| *p == item.provider) {
                Some((_, ids)) => ids.push(item.snapshot_id),
                None => by_provider.push((item.provider, vec![item.snapshot_id])),
            }
        }
        if context
            .attributes()
            .contains(A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
        {
            self.note(
                m,
                "transportable: the shadow LUNs stay masked until the set is imported",
            );
            return Ok(());
        }
        for (p, ids) in by_provider {
            let surfaced = self.surface(m, p, &ids);
            if surfaced.as_ref().map_or(true, |s| s.len() < ids.len()) {
                const REASON: &str = "the set could not be imported";
                for item in &plan.items {
                    if item.luns.is_some() {
                        self.delete_hw_copy(item.snapshot_id, REASON);
                    } else if let Err(hr) = self.delete_copy(
                        m,
                        Keeper::Provider(item.provider),
                        item.snapshot_id,
                        REASON,
                    ) {
                        self.note(m, format!("deleting {} failed with {hr}", item.snapshot_id));
                    }
                }
                return Err(surfaced
                    .err()
                    .unwrap_or(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR));
            }
        }
        Ok(())
    }

    /// Prepare, freeze, commit, thaw: the sequence of vss-behaviour.md §5.2. `ended` collects
    /// the providers that got `EndPrepareSnapshots`, which are the ones to abort on failure.
    /// Returns the commit time, and for each hardware item (by its place in the plan) the
    /// shadow LUNs `GetTargetLuns` reported.
    fn commit_sequence(
        &mut self,
        m: MachineId,
        plan: &SetPlan,
        context: Context,
        ended: &mut Vec<ProviderSlot>,
    ) -> VssResult<(vss_model::VssTimestamp, Vec<TargetLuns>)> {
        let set = plan.id;
        let writers = context.has_writers();
        let mut providers: Vec<ProviderSlot> = plan.items.iter().map(|i| i.provider).collect();
        providers.sort();
        providers.dedup();
        let each = |world: &mut World,
                    method: Method,
                    call: &dyn Fn(&mut dyn ProviderCreateSnapshotSet) -> Result<(), HResult>|
         -> VssResult {
            for &p in &providers {
                world
                    .call_common(m, p, method, set.to_string(), call)
                    .map_err(|hr| world.translate(m, hr))?;
            }
            Ok(())
        };
        if writers {
            self.send_writer_event(m, WriterEvent::OnPrepareSnapshot);
        }
        for item in &plan.items {
            let (p, snap, volume) = (item.provider, item.snapshot_id, item.volume_name.clone());
            match &item.luns {
                // A volume whose LUNs were masked from the machine since it was added is
                // gone: the provider cannot open it to prepare its copy.
                None if self.find_volume(m, &volume).is_none() => {
                    self.note(
                        m,
                        format!("{volume} is no longer on the machine: its provider cannot prepare a shadow copy of it"),
                    );
                    return Err(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
                }
                None => {
                    self.call_provider(
                        m,
                        p,
                        Method::SoftwareSetContext,
                        context.to_string(),
                        |pr| pr.set_context(context),
                    )
                    .map_err(|hr| self.translate(m, hr))?;
                    let args = format!("{set}, {snap}, {volume}, {context}");
                    self.call_provider(m, p, Method::SoftwareBeginPrepareSnapshot, args, |pr| {
                        pr.begin_prepare_snapshot(set, snap, &volume, context)
                    })
                    .map_err(|hr| self.translate(m, hr))?;
                }
                Some(luns) => {
                    let args = format!("{set}, {snap}, {context}, {}", luns.devices.join(" "));
                    self.call_hardware(m, p, Method::HardwareBeginPrepareSnapshot, args, |pr| {
                        pr.begin_prepare_snapshot(set, snap, context, &luns.devices, &luns.infos)
                    })
                    .map_err(|hr| self.translate(m, hr))?;
                }
            }
        }
        for &p in &providers {
            ended.push(p);
            self.call_common(m, p, Method::EndPrepareSnapshots, set.to_string(), |pr| {
                pr.end_prepare_snapshots(set)
            })
            .map_err(|hr| self.translate(m, hr))?;
        }
        if writers {
            self.send_writer_event(m, WriterEvent::OnFreeze);
        }
        each(self, Method::PreCommitSnapshots, &|pr| {
            pr.pre_commit_snapshots(set)
        })?;
        self.note(m, "writes to the original volumes flushed and held");
        let now = self.tick();
        let committed = each(self, Method::CommitSnapshots, &|pr| {
            pr.commit_snapshots(set, now)
        });
        self.note(m, "held writes released");
        committed?;
        let count = plan.items.len() as i32;
        each(self, Method::PostCommitSnapshots, &|pr| {
            pr.post_commit_snapshots(set, count)
        })?;
        let mut targets = Vec::new();
        for (index, item) in plan.items.iter().enumerate() {
            let Some(luns) = &item.luns else { continue };
            let p = item.provider;
            let shadows = self
                .call_hardware(m, p, Method::GetTargetLuns, luns.devices.join(" "), |pr| {
                    pr.get_target_luns(&luns.devices, &luns.infos)
                })
                .map_err(|hr| self.translate(m, hr))?;
            if shadows.len() != luns.infos.len() {
                self.note(
                    m,
                    "GetTargetLuns did not give one shadow LUN per source LUN",
                );
                return Err(HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR);
            }
            targets.push((index, shadows));
        }
        if writers {
            self.send_writer_event(m, WriterEvent::OnThaw);
        }
        each(self, Method::PreFinalCommitSnapshots, &|pr| {
            pr.pre_final_commit_snapshots(set)
        })?;
        each(self, Method::PostFinalCommitSnapshots, &|pr| {
            pr.post_final_commit_snapshots(set)
        })?;
        if writers {
            self.send_writer_event(m, WriterEvent::OnPostSnapshot);
        }
        Ok((now, targets))
    }
}
