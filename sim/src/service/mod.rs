//! The VSS service of each machine: what it does for each requester call.
//!
//! Each submodule holds one part of the service, named after the VSS concept it implements.
//! Every requester method is an `impl World` method taking the requester object's handle.

mod administration;
mod async_op;
mod break_set;
mod components;
mod creation;
mod document;
mod hardware;
mod import;
mod lifecycle;
mod revert;
mod writers;

use vss_model::methods::{self, Method};
use vss_model::provider::{ProviderCreateSnapshotSet, ProviderResult};
use vss_model::{
    Context, HResult, ObjectProp, ObjectType, SnapshotProp, VssId, backend::Privileges,
};

use crate::handles::{MachineId, ProviderSlot, RequesterId};
use crate::trace::TraceEvent;
use crate::world::{HardwareProviderPlugin, HwState, Instance, SoftwareProviderPlugin, World};

/// Who keeps what is known of a shadow copy: the software provider that made it, or, for a
/// hardware shadow copy, the VSS service itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keeper {
    Provider(ProviderSlot),
    Service,
}

impl World {
    /// Whether a requester method may return a failure here: see
    /// [`methods::may_return`]; this world's policy names a code for some methods.
    pub fn may_return(&self, method: Method, hr: HResult) -> bool {
        let policy = &self.policy;
        let choices = [
            (Method::StartSnapshotSet, policy.start_under_context_all),
            (Method::ExposeSnapshot, policy.expose_refused),
            (Method::DeleteSnapshots, policy.uninitialized_administration),
            (
                Method::BreakSnapshotSet,
                policy.uninitialized_administration,
            ),
            (
                Method::BreakSnapshotSetEx,
                policy.uninitialized_administration,
            ),
            (Method::Query, policy.empty_query),
            (
                Method::RevertToSnapshot,
                policy.uninitialized_administration,
            ),
            (Method::RevertToSnapshot, policy.blocked_revert),
            (
                Method::QueryRevertStatus,
                policy.uninitialized_administration,
            ),
            (Method::QueryRevertStatus, policy.no_revert_in_progress),
        ];
        methods::may_return(method, hr, &choices)
    }

    /// A failure as the requester sees it: one the method may return passes; any other is
    /// reported as the internal error its page lists (`VSS_E_UNEXPECTED`, or `E_FAIL` on
    /// the revert pages).
    pub(crate) fn documented(&mut self, req: RequesterId, method: Method, hr: HResult) -> HResult {
        if self.may_return(method, hr) {
            return hr;
        }
        let m = self.requester(req).machine;
        let internal = method.info().internal_error();
        let name = internal.name().unwrap_or_default();
        self.note(
            m,
            format!("{method} would return {hr}, which it does not document: {name}"),
        );
        internal
    }

    /// What every requester call does first: a released object answers
    /// `RPC_E_DISCONNECTED`; an injected service failure fires; a caller without backup
    /// rights gets `E_ACCESSDENIED` from the methods that document it.
    pub(crate) fn begin_call(
        &mut self,
        req: RequesterId,
        method: Method,
    ) -> Result<MachineId, HResult> {
        if !self.requester(req).alive {
            return Err(HResult::RPC_E_DISCONNECTED);
        }
        self.check_call(req, method)?;
        Ok(self.requester(req).machine)
    }

    /// The injected failure and the rights check of a call made on behalf of a requester
    /// object (its own methods, and those of the `IVssAsync` handles it returned).
    pub(crate) fn check_call(&mut self, req: RequesterId, method: Method) -> Result<(), HResult> {
        let r = self.requester(req);
        let (m, privileges) = (r.machine, r.privileges);
        if let Some(hr) = self.machines[m].service_faults.remove(&method) {
            self.note(m, format!("{method} fails with {hr} (injected)"));
            return Err(hr);
        }
        let needs_rights = method.info().documents(HResult::E_ACCESSDENIED);
        if needs_rights && privileges == Privileges::User {
            return Err(HResult::E_ACCESSDENIED);
        }
        Ok(())
    }

    /// Calls a provider method, through the fault table and into the trace.
    pub(crate) fn call_instance<T>(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        method: Method,
        args: String,
        call: impl FnOnce(&mut Instance) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        let provider_id = self.machines[m].providers[p].prop.provider_id;
        let injected = self.fire_provider_fault(m, provider_id, method);
        let result = match injected {
            Some(hr) => Err(hr),
            None => call(&mut self.machines[m].providers[p].instance),
        };
        let event = TraceEvent::ProviderCall {
            machine: self.machines[m].name.clone(),
            provider: self.machines[m].providers[p].prop.provider_name.clone(),
            call: format!("{method}({args})"),
            result: result.as_ref().err().copied().unwrap_or(HResult::S_OK),
            injected: injected.is_some(),
        };
        self.record(event);
        // What a hardware provider did to the array shows right under its call.
        self.note_lun_changes(m);
        result
    }

    /// Calls a software provider method (`IVssSoftwareSnapshotProvider`).
    pub(crate) fn call_provider<T>(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        method: Method,
        args: String,
        call: impl FnOnce(&mut dyn SoftwareProviderPlugin) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        self.call_instance(m, p, method, args, |i| {
            i.software().map_or(Err(HResult::E_NOINTERFACE), call)
        })
    }

    /// Calls a hardware provider method (`IVssHardwareSnapshotProvider`).
    pub(crate) fn call_hardware<T>(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        method: Method,
        args: String,
        call: impl FnOnce(&mut dyn HardwareProviderPlugin) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        self.call_instance(m, p, method, args, |i| {
            i.hardware().map_or(Err(HResult::E_NOINTERFACE), call)
        })
    }

    /// Calls an `IVssProviderCreateSnapshotSet` method, which every provider has.
    pub(crate) fn call_common<T>(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        method: Method,
        args: String,
        call: impl FnOnce(&mut dyn ProviderCreateSnapshotSet) -> ProviderResult<T>,
    ) -> ProviderResult<T> {
        self.call_instance(m, p, method, args, |i| call(i.common()))
    }

    /// The machine's software providers (the system provider among them), in registration
    /// order: the ones VSS asks about the shadow copies they keep.
    pub(crate) fn software_providers(&self, m: MachineId) -> Vec<ProviderSlot> {
        self.machines[m]
            .providers
            .iter_enumerated()
            .filter(|(_, r)| matches!(r.instance, Instance::Software(_)))
            .map(|(p, _)| p)
            .collect()
    }

    fn fire_provider_fault(
        &mut self,
        m: MachineId,
        provider_id: VssId,
        method: Method,
    ) -> Option<HResult> {
        let faults = &mut self.machines[m].provider_faults;
        let i = faults.iter().position(|f| {
            f.fault.method.name() == method.name()
                && f.fault.provider_id.is_none_or(|p| p == provider_id)
        })?;
        let armed = &mut faults[i];
        if armed.seen < armed.fault.after {
            armed.seen += 1;
            return None;
        }
        armed.fired += 1;
        let hr = armed.fault.hr;
        if armed.fault.times != 0 && armed.fired >= armed.fault.times {
            faults.remove(i);
        }
        Some(hr)
    }

    /// What the requester sees of a provider's failure.
    pub(crate) fn translate(&mut self, m: MachineId, hr: HResult) -> HResult {
        if methods::PROVIDER_CODES.contains(&hr) {
            return hr;
        }
        self.note(
            m,
            format!("provider returned {hr}: reported as VSS_E_UNEXPECTED_PROVIDER_ERROR"),
        );
        HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR
    }

    /// Finds a created shadow copy on a machine: its provider and properties. `context`
    /// filters what the providers show.
    pub(crate) fn find_copy(
        &mut self,
        m: MachineId,
        id: VssId,
        context: Context,
    ) -> Result<(Keeper, SnapshotProp), HResult> {
        if id.is_null() {
            return Err(HResult::VSS_E_OBJECT_NOT_FOUND);
        }
        if let Some(copy) = self.hw_copies.get(&id) {
            let here = matches!(copy.state, HwState::Surfaced { machine, .. } if machine == m);
            return match here && context.sees(copy.prop.snapshot_attributes) {
                true => Ok((Keeper::Service, copy.prop.clone())),
                false => Err(HResult::VSS_E_OBJECT_NOT_FOUND),
            };
        }
        // Which copies a context sees depends on its base only (see `Context::sees`).
        let context = context.base();
        for p in self.software_providers(m) {
            self.call_provider(
                m,
                p,
                Method::SoftwareSetContext,
                context.to_string(),
                |pr| pr.set_context(context),
            )
            .map_err(|hr| self.translate(m, hr))?;
            match self.call_provider(
                m,
                p,
                Method::SoftwareGetSnapshotProperties,
                id.to_string(),
                |pr| pr.get_snapshot_properties(id),
            ) {
                Ok(prop) => return Ok((Keeper::Provider(p), prop)),
                Err(HResult::VSS_E_OBJECT_NOT_FOUND) => continue,
                Err(hr) => return Err(self.translate(m, hr)),
            }
        }
        Err(HResult::VSS_E_OBJECT_NOT_FOUND)
    }

    /// The created shadow copies provider `p` shows under `context` (`SetContext`, then
    /// `Query`), failures translated.
    pub(crate) fn provider_copies(
        &mut self,
        m: MachineId,
        p: ProviderSlot,
        context: Context,
    ) -> Result<Vec<SnapshotProp>, HResult> {
        let context = context.base();
        self.call_provider(
            m,
            p,
            Method::SoftwareSetContext,
            context.to_string(),
            |pr| pr.set_context(context),
        )
        .map_err(|hr| self.translate(m, hr))?;
        let args = "GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_SNAPSHOT".to_string();
        let objects = self
            .call_provider(m, p, Method::SoftwareQuery, args, |pr| {
                pr.query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                )
            })
            .map_err(|hr| self.translate(m, hr))?;
        Ok(objects
            .into_iter()
            .filter_map(|o| match o {
                ObjectProp::Snapshot(s) => Some(s),
                ObjectProp::Provider(_) => None,
            })
            .collect())
    }

    /// Forgets a shadow copy that no longer exists: its owner, its exposure; and says so.
    pub(crate) fn forget_copy(&mut self, m: MachineId, id: VssId, reason: &str) {
        self.sw_copies.remove(id);
        // A transportable copy has an owner on the machine that made it and on the one that
        // imported it: gone, it is no object's on any machine.
        for machine in &mut self.machines {
            machine.owners.remove(&id);
        }
        let machine = &mut self.machines[m];
        machine.exposures.retain(|_, s| *s != id);
        let event = TraceEvent::Deleted {
            machine: machine.name.clone(),
            snapshot: id,
            reason: reason.to_string(),
        };
        self.record(event);
    }

    /// Deletes one created shadow copy through its provider.
    pub(crate) fn delete_copy(
        &mut self,
        m: MachineId,
        keeper: Keeper,
        id: VssId,
        reason: &str,
    ) -> Result<(), HResult> {
        let Keeper::Provider(p) = keeper else {
            self.delete_hw_copy(id, reason);
            return Ok(());
        };
        self.call_provider(
            m,
            p,
            Method::SoftwareSetContext,
            "VSS_CTX_ALL".into(),
            |pr| pr.set_context(Context::VSS_CTX_ALL),
        )?;
        self.call_provider(
            m,
            p,
            Method::SoftwareDeleteSnapshots,
            format!("{id}, VSS_OBJECT_SNAPSHOT"),
            |pr| {
                pr.delete_snapshots(id, vss_model::ObjectType::VSS_OBJECT_SNAPSHOT, true)
                    .map_err(|f| f.hr)
            },
        )?;
        self.forget_copy(m, id, reason);
        Ok(())
    }

    /// The context administration calls use: the requester's own when the policy filters
    /// them, `VSS_CTX_ALL` otherwise.
    pub(crate) fn administration_context(&self, req: RequesterId) -> Context {
        match self.policy.context_filter {
            crate::policy::ContextFilter::QueryOnly => Context::VSS_CTX_ALL,
            crate::policy::ContextFilter::AllAdministration => self.requester(req).context,
        }
    }
}
