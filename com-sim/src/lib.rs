//! The COM-ABI harness: the simulator served as COM objects, driven by the real backend.
//!
//! Every requester object of [`ComSim`] is a simulator object behind `IVssBackupComponentsEx2`
//! (windows-core's `implement`), and every call to it goes through `vss-windows`: the trait
//! method converts its arguments to the SDK's forms, calls through the vtable slot the
//! declarations give, and converts back, freeing what the server allocated. The two sides
//! share one [`CheckedMemory`], whose ledger shows any string leaked, freed twice or freed the
//! wrong way. So the conformance suite, run on `ComSim`, tests the real backend's COM layer
//! on any system: a method called through the wrong slot, arguments passed in the wrong
//! order or read back the wrong way, a string lost or freed twice, a reference never released.
//!
//! The world around the calls (block I/O, faults, LUNs) is the simulator's own, reached
//! directly, as a storage administrator reaches a real SAN without VSS.
//!
//! # Example
//!
//! Serve the default world through COM, call a requester object through the real backend's
//! vtables, and check that every object was released and every string freed as the SDK says:
//!
//! ```
//! use vss_model::backend::{Backend, BackupComponents};
//! use vss_model::{Context, HResult, VssId};
//! use vss_sim::Simulator;
//! use vss_sim_com::ComSim;
//!
//! let com = ComSim::new(Simulator::default_world());
//! let mut requester = com.create_backup_components("HOSTA")?;
//! requester.initialize_for_backup(None)?;
//! requester.set_context(Context::VSS_CTX_BACKUP)?;
//! let set = requester.start_snapshot_set()?;
//! let copy = requester.add_to_snapshot_set(r"C:\", VssId::NULL)?;
//! // SaveAsXML's document comes back as a BSTR the server allocated and the client frees.
//! let document = requester.save_as_xml()?;
//! assert!(document.contains(&set.to_string()) && document.contains(&copy.to_string()));
//! drop(requester);
//!
//! assert_eq!(com.live_objects(), 0);
//! assert!(com.memory().audit().is_ok());
//! # Ok::<(), HResult>(())
//! ```

mod async_op;
mod census;
mod enumeration;
mod out_params;
mod requester;
mod writer_components;
mod writer_metadata;

use std::sync::Arc;

use vss_model::backend::{
    Backend, Capabilities, EnvError, Environment, LunState, Privileges, ProviderFault, VssResult,
};
use vss_model::{Block, HResult, WriterEvent};
use vss_sim::Simulator;
use vss_windows::{CheckedMemory, ComBackupComponents};

pub use async_op::SimAsyncOp;
pub use census::{Census, Hooks, Live};
pub use enumeration::SimEnum;
pub use requester::{SimRequester, serve, served};

/// The simulator reached through COM: a [`Backend`] named `com`, whose requester objects are
/// `vss-windows`' [`ComBackupComponents`] over served simulator objects.
pub struct ComSim {
    sim: Simulator,
    memory: Arc<CheckedMemory>,
    census: Census,
}

impl ComSim {
    /// Serves `sim` through COM, with a fresh ledger of allocations.
    pub fn new(sim: Simulator) -> ComSim {
        ComSim {
            sim,
            memory: Arc::new(CheckedMemory::new()),
            census: Census::new(),
        }
    }

    /// The simulator behind the COM objects.
    pub fn simulator(&self) -> &Simulator {
        &self.sim
    }

    /// The ledger both sides allocate and free through.
    pub fn memory(&self) -> &CheckedMemory {
        &self.memory
    }

    /// How many objects this backend served (requesters, asynchronous operations,
    /// enumerations) are still alive: once every requester object is dropped, anything
    /// counted here is a reference that was never released.
    pub fn live_objects(&self) -> usize {
        self.census.live()
    }

    /// Runs `f` on the simulator object behind a requester object of this backend.
    fn with_served<R>(
        &self,
        components: &ComBackupComponents,
        f: impl FnOnce(&vss_sim::SimComponents) -> R,
    ) -> Result<R, EnvError> {
        let object = served::<vss_sim::SimComponents>(components.interface()).map_err(|hr| {
            EnvError::Invalid(format!(
                "the requester object is not one this backend served ({hr})"
            ))
        })?;
        Ok(f(&object.components()))
    }
}

impl Backend for ComSim {
    type Components = ComBackupComponents;

    fn name(&self) -> &str {
        "com"
    }

    fn capabilities(&self) -> Capabilities {
        self.sim.capabilities()
    }

    fn machines(&self) -> Vec<String> {
        self.sim.machines()
    }

    fn create_backup_components(&self, machine: &str) -> VssResult<ComBackupComponents> {
        let inner = self.sim.create_backup_components(machine)?;
        // The server and the caller share the ledger, as real VSS and its caller share the
        // system's allocators.
        let iface = serve(inner, self.memory.clone(), &self.census)?;
        Ok(ComBackupComponents::new(iface, self.memory.clone()))
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.sim.volume_name_for_mount_point(machine, mount_point)
    }

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        self.sim
            .volume_path_names_for_volume_name(machine, volume_name)
    }

    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        self.sim.should_block_revert(machine, volume_name)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = ComBackupComponents>> {
        Some(self)
    }
}

impl Environment for ComSim {
    type Components = ComBackupComponents;

    fn write_block(
        &self,
        machine: &str,
        target: &str,
        block: u64,
        data: &[u8],
    ) -> Result<(), EnvError> {
        self.sim.write_block(machine, target, block, data)
    }

    fn read_block(&self, machine: &str, target: &str, block: u64) -> Result<Block, EnvError> {
        self.sim.read_block(machine, target, block)
    }

    fn reboot(&self, machine: &str) -> Result<(), EnvError> {
        self.sim.reboot(machine)
    }

    fn fail_provider_method(&self, machine: &str, fault: ProviderFault) -> Result<(), EnvError> {
        self.sim.fail_provider_method(machine, fault)
    }

    fn fail_writer_event(
        &self,
        machine: &str,
        writer: &str,
        event: WriterEvent,
        hr: HResult,
    ) -> Result<(), EnvError> {
        self.sim.fail_writer_event(machine, writer, event, hr)
    }

    fn fail_service_call(
        &self,
        machine: &str,
        method: vss_model::methods::Method,
        hr: HResult,
    ) -> Result<(), EnvError> {
        self.sim.fail_service_call(machine, method, hr)
    }

    fn set_lun_visible(&self, machine: &str, lun: &str, visible: bool) -> Result<(), EnvError> {
        self.sim.set_lun_visible(machine, lun, visible)
    }

    fn set_volume_read_only(
        &self,
        machine: &str,
        target: &str,
        read_only: bool,
    ) -> Result<(), EnvError> {
        self.sim.set_volume_read_only(machine, target, read_only)
    }

    fn assign_mount(
        &self,
        machine: &str,
        target: &str,
        mount: Option<&str>,
    ) -> Result<(), EnvError> {
        self.sim.assign_mount(machine, target, mount)
    }

    fn luns(&self) -> Vec<LunState> {
        self.sim.luns()
    }

    fn volume_luns(&self, machine: &str, target: &str) -> Result<Vec<String>, EnvError> {
        self.sim.volume_luns(machine, target)
    }

    fn set_privileges(
        &self,
        components: &ComBackupComponents,
        privileges: Privileges,
    ) -> Result<(), EnvError> {
        self.with_served(components, |inner| {
            self.sim.set_privileges(inner, privileges)
        })?
    }

    fn hold_next_async(
        &self,
        components: &ComBackupComponents,
        hold: bool,
    ) -> Result<(), EnvError> {
        self.with_served(components, |inner| self.sim.hold_next_async(inner, hold))?
    }
}

#[cfg(test)]
mod tests {
    use std::ffi::c_void;
    use std::ptr;

    use vss_model::backend::{BackupComponents, ComponentRef};
    use vss_model::writer_metadata::ComponentType;
    use vss_model::{ObjectProp, ObjectType, VssId};
    use vss_windows::ComMemory;
    use vss_windows::abi::{VSS_OBJECT_PROP, read_object_prop, vss_id};
    use vss_windows::interfaces::{IVssAsync, IVssEnumObject};
    use vss_windows::marshal::free_object_prop;
    use windows_core::{HRESULT, Interface};

    use super::*;

    const E_POINTER: HRESULT = HRESULT(0x8000_4003_u32 as i32);
    const E_INVALIDARG: HRESULT = HRESULT(0x8007_0057_u32 as i32);
    const S_FALSE: HRESULT = HRESULT(1);

    fn backend() -> ComSim {
        ComSim::new(Simulator::default_world())
    }

    fn initialized(com: &ComSim) -> ComBackupComponents {
        let mut requester = com.create_backup_components("HOSTA").expect("created");
        requester.initialize_for_backup(None).expect("initialized");
        requester
    }

    #[test]
    fn a_text_with_a_nul_is_refused_before_the_call() {
        let com = backend();
        let mut requester = initialized(&com);
        com.simulator().take_trace();
        requester.start_snapshot_set().expect("started");
        com.simulator().take_trace();
        assert_eq!(
            requester.add_to_snapshot_set("C:\\\0E:\\", VssId::NULL),
            Err(HResult::E_INVALIDARG)
        );
        assert!(
            com.simulator().take_trace().is_empty(),
            "the call reached the service"
        );
        assert_eq!(
            requester.is_volume_supported(VssId::NULL, "E:\0"),
            Err(HResult::E_INVALIDARG)
        );
    }

    #[test]
    fn the_server_refuses_null_out_parameters_and_a_reserved_pointer() {
        let com = backend();
        let requester = initialized(&com);
        let iface = requester.interface();
        // SAFETY: a live interface; NULL out-parameters are what is being tested, and the
        // server must refuse them without writing.
        unsafe {
            assert_eq!(iface.StartSnapshotSet(ptr::null_mut()), E_POINTER);
            assert_eq!(iface.SaveAsXML(ptr::null_mut()), E_POINTER);
            assert_eq!(iface.GatherWriterMetadata(ptr::null_mut()), E_POINTER);
            assert_eq!(
                iface.Query(windows_core::GUID::zeroed(), 0, 3, ptr::null_mut()),
                E_POINTER
            );
            // The out-parameter is looked at before the volume name, NULL too.
            assert_eq!(
                iface.QueryRevertStatus(ptr::null_mut(), ptr::null_mut()),
                E_POINTER
            );
        }
        let mut raw: *mut c_void = ptr::null_mut();
        // SAFETY: a live interface, a valid out-parameter; a NULL volume name is refused.
        let refused = unsafe { iface.QueryRevertStatus(ptr::null_mut(), &mut raw) };
        assert_eq!((refused, raw.is_null()), (E_INVALIDARG, true));
        // The refused GatherWriterMetadata did not start: it can still be called.
        let mut raw: *mut c_void = ptr::null_mut();
        // SAFETY: a live interface and a valid out-parameter.
        assert_eq!(unsafe { iface.GatherWriterMetadata(&mut raw) }, HRESULT(0));
        // SAFETY: the server handed out a reference to an IVssAsync.
        let op = unsafe { IVssAsync::from_raw(raw) };
        let mut status = HRESULT(0);
        let mut reserved = 0i32;
        // SAFETY: a live interface; the reserved pointer that is not NULL is what is tested.
        unsafe {
            assert_eq!(op.Wait(u32::MAX), HRESULT(0));
            assert_eq!(op.QueryStatus(&mut status, &mut reserved), E_INVALIDARG);
            assert_eq!(op.QueryStatus(ptr::null_mut(), ptr::null_mut()), E_POINTER);
            assert_eq!(op.QueryStatus(&mut status, ptr::null_mut()), HRESULT(0));
        }
        assert_eq!(
            vss_windows::abi::hresult(status),
            HResult::VSS_S_ASYNC_FINISHED
        );
        assert_eq!(com.live_objects(), 2, "the requester and the operation");
        drop(op);
        drop(requester);
        assert_eq!(com.memory().audit().map(drop), Ok(()));
        assert_eq!(com.live_objects(), 0);
    }

    /// Reads up to `count` elements with one `Next`, freeing them; gives what came back.
    fn next(
        e: &IVssEnumObject,
        memory: &dyn ComMemory,
        count: usize,
    ) -> (HRESULT, Vec<ObjectType>) {
        let mut elements = vec![VSS_OBJECT_PROP::zeroed(); count];
        let mut fetched = 0u32;
        // SAFETY: room for `count` elements and a count.
        let hr = unsafe { e.Next(count as u32, elements.as_mut_ptr(), &mut fetched) };
        let mut kinds = Vec::new();
        for element in elements.iter_mut().take(fetched as usize) {
            // SAFETY: `Next` filled the first `fetched` elements, whose strings are ours.
            unsafe {
                let read = read_object_prop(element).expect("readable");
                kinds.push(match read {
                    ObjectProp::Snapshot(_) => ObjectType::VSS_OBJECT_SNAPSHOT,
                    ObjectProp::Provider(_) => ObjectType::VSS_OBJECT_PROVIDER,
                });
                free_object_prop(memory, element);
            }
        }
        (hr, kinds)
    }

    #[test]
    fn the_enumeration_follows_the_com_enumeration_rules() {
        let com = backend();
        let requester = initialized(&com);
        let mut raw: *mut c_void = ptr::null_mut();
        // SAFETY: a live interface and a valid out-parameter; NULL and NONE list the
        // providers.
        let hr = unsafe {
            requester.interface().Query(
                windows_core::GUID::zeroed(),
                ObjectType::VSS_OBJECT_NONE.value(),
                ObjectType::VSS_OBJECT_PROVIDER.value(),
                &mut raw,
            )
        };
        assert_eq!(hr, HRESULT(0));
        // SAFETY: the server handed out a reference to an IVssEnumObject.
        let e = unsafe { IVssEnumObject::from_raw(raw) };
        let memory: &dyn ComMemory = com.memory();
        let (hr, all) = next(&e, memory, 10);
        assert_eq!(hr, S_FALSE, "fewer than asked");
        let providers = all.len();
        assert!(providers >= 2, "{all:?}");
        assert_eq!(next(&e, memory, 1), (S_FALSE, vec![]));
        // SAFETY: plain calls on a live interface.
        unsafe {
            assert_eq!(e.Reset(), HRESULT(0));
            assert_eq!(e.Skip(1), HRESULT(0));
            assert_eq!(e.Skip(100), S_FALSE);
            assert_eq!(e.Reset(), HRESULT(0));
        }
        assert_eq!(next(&e, memory, 1).0, HRESULT(0));
        let mut copy: *mut c_void = ptr::null_mut();
        // SAFETY: a valid out-parameter.
        assert_eq!(unsafe { e.Clone(&mut copy) }, HRESULT(0));
        // SAFETY: the server handed out a reference to an IVssEnumObject.
        let copy = unsafe { IVssEnumObject::from_raw(copy) };
        assert_eq!(
            next(&copy, memory, providers).1.len(),
            providers - 1,
            "the clone starts where the original was"
        );
        let mut one = VSS_OBJECT_PROP::zeroed();
        // SAFETY: a NULL count with more than one element asked is what is tested.
        assert_eq!(unsafe { e.Next(2, &mut one, ptr::null_mut()) }, E_POINTER);
        assert_eq!(com.live_objects(), 3, "the requester and two enumerations");
        drop((e, copy, requester));
        assert_eq!(com.memory().audit().map(drop), Ok(()));
        assert_eq!(com.live_objects(), 0);
    }

    #[test]
    fn an_object_that_is_no_served_requester_has_no_simulator_behind_it() {
        let foreign: windows_core::IUnknown = SimEnum::new(
            Vec::new().into(),
            Arc::new(CheckedMemory::new()),
            Census::new().enrol(),
        )
        .into();
        // SAFETY: only `IUnknown`'s slots (QueryInterface, Release) are used through the
        // wrongly typed pointer, and every COM object has those.
        let foreign =
            unsafe { vss_windows::interfaces::IVssBackupComponents::from_raw(foreign.into_raw()) };
        assert_eq!(
            served::<vss_sim::SimComponents>(&foreign).err(),
            Some(HResult::E_NOINTERFACE)
        );
        let com = backend();
        let requester = com.create_backup_components("HOSTA").expect("created");
        assert!(served::<vss_sim::SimComponents>(requester.interface()).is_ok());
    }

    /// A component of writer instance `instance_id` of class `writer_id`, as the metadata or
    /// the document lists it, named as the requester API takes it: an empty logical path as
    /// `NULL`.
    fn named<'a>(
        instance_id: VssId,
        writer_id: VssId,
        component_type: ComponentType,
        logical_path: &'a str,
        component_name: &'a str,
    ) -> ComponentRef<'a> {
        ComponentRef {
            instance_id,
            writer_id,
            component_type,
            logical_path: Some(logical_path).filter(|p| !p.is_empty()),
            component_name,
        }
    }

    /// vshadow's writer flow (`vshadow -p C:`): the metadata read through the served
    /// objects is the simulator's, every component it lists can be added and marked backed
    /// up, and nothing is left allocated or referenced.
    #[test]
    fn the_writer_flow_runs_through_com_and_leaves_nothing_behind() {
        use vss_model::backend::{BackupStateArgs, INFINITE, VssAsync};
        let finish = |op: VssResult<vss_windows::ComAsync>| {
            let mut op = op.expect("started");
            op.wait(INFINITE);
            assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
        };
        let com = backend();
        let mut r = initialized(&com);
        r.set_context(vss_model::Context::VSS_CTX_APP_ROLLBACK)
            .expect("context");
        let state = BackupStateArgs {
            select_components: true,
            bootable_system_state: true,
            ..BackupStateArgs::default()
        };
        r.set_backup_state(state).expect("state");
        finish(r.gather_writer_metadata());
        let metadata = r.writer_metadata().expect("metadata");

        let direct = Simulator::default_world();
        let mut d = direct.create_backup_components("HOSTA").expect("created");
        d.initialize_for_backup(None).expect("initialized");
        d.set_context(vss_model::Context::VSS_CTX_APP_ROLLBACK)
            .expect("context");
        d.gather_writer_metadata().expect("gathered").wait(INFINITE);
        assert_eq!(Ok(metadata.clone()), d.writer_metadata());
        let components: usize = metadata.iter().map(|w| w.components.len()).sum();
        assert_eq!((metadata.len(), components), (4, 5));

        for w in &metadata {
            for c in &w.components {
                let (ct, path, name) = (c.component_type, &c.logical_path, &c.component_name);
                let named = named(w.instance_id, w.writer_id, ct, path, name);
                r.add_component(&named).expect("added");
            }
        }
        r.start_snapshot_set().expect("set");
        r.add_to_snapshot_set(r"C:\", VssId::NULL).expect("C:");
        finish(r.prepare_for_backup());
        finish(r.do_snapshot_set());
        for w in r.writer_components().expect("components") {
            for c in &w.components {
                let (ct, path, name) = (c.component_type, &c.logical_path, &c.component_name);
                let named = named(w.instance_id, w.writer_id, ct, path, name);
                r.set_backup_succeeded(&named, true).expect("marked");
            }
        }
        finish(r.backup_complete());
        let after = r.writer_components().expect("components");
        assert_eq!(after.len(), 4);
        assert!(
            after
                .iter()
                .flat_map(|w| &w.components)
                .all(|c| c.backup_succeeded)
        );
        r.free_writer_metadata().expect("freed");
        assert_eq!(r.writer_metadata(), Err(HResult::VSS_E_BAD_STATE));
        drop(r);
        assert_eq!(com.memory().audit().map(drop), Ok(()));
        assert_eq!(com.live_objects(), 0);
    }

    #[test]
    fn a_refused_call_leaves_its_out_parameter_alone() {
        let com = backend();
        let mut requester = initialized(&com);
        let set = requester.start_snapshot_set().expect("started");
        let mut raw = windows_core::GUID::zeroed();
        // A second StartSnapshotSet is refused by the simulator and leaves the id alone.
        // SAFETY: a valid out-parameter.
        let hr = unsafe { requester.interface().StartSnapshotSet(&mut raw) };
        assert!(hr.is_err(), "{hr:?}");
        assert_eq!(vss_id(raw), VssId::NULL);
        let props = requester.query(
            VssId::NULL,
            ObjectType::VSS_OBJECT_NONE,
            ObjectType::VSS_OBJECT_SNAPSHOT,
        );
        assert_eq!(props, Ok(Vec::new()));
        assert!(!set.is_null());
    }
}
