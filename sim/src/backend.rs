//! The simulator as a [`Backend`]: requester objects, `IVssAsync` handles and the
//! environment, all sharing one [`World`].

use std::sync::{Arc, Mutex, MutexGuard};

use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, Capabilities, ComponentRef, Deleted, EnvError,
    Environment, LunState, Privileges, ProviderFault, VssAsync, VssResult,
};
use vss_model::document::WriterComponents;
use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;
use vss_model::provider::DeleteFailure;
use vss_model::writer_metadata::WriterMetadataDocument;
use vss_model::{
    Block, Context, HResult, HardwareOptions, ObjectProp, ObjectType, SnapshotAttributes,
    SnapshotProp, VssId, WriterEvent, WriterStatus,
};

use crate::handles::{AsyncId, RequesterId};
use crate::trace::TraceEvent;
use crate::world::{ArmedFault, World, WorldError};
use crate::world_file::{self, WorldFile};

/// The simulated VSS of a whole world. Cloning it gives another handle on the same world.
#[derive(Clone)]
pub struct Simulator {
    world: Arc<Mutex<World>>,
}

fn lock(world: &Mutex<World>) -> MutexGuard<'_, World> {
    // A panic while the world was locked leaves it as it was at the panic; carry on with it.
    world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The world locked for something that may change it: a debug build checks the world's
/// invariants when the lock is let go ([`World::check_invariants`]), so that a broken rule
/// shows at the call that broke it.
struct Changing<'a>(MutexGuard<'a, World>);

fn lock_to_change(world: &Mutex<World>) -> Changing<'_> {
    Changing(lock(world))
}

impl std::ops::Deref for Changing<'_> {
    type Target = World;
    fn deref(&self) -> &World {
        &self.0
    }
}

impl std::ops::DerefMut for Changing<'_> {
    fn deref_mut(&mut self) -> &mut World {
        &mut self.0
    }
}

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        // A panic already under way is not hidden behind a second one.
        if cfg!(debug_assertions)
            && !std::thread::panicking()
            && let Err(broken) = self.0.check_invariants()
        {
            panic!("the simulated world broke its invariants:\n{broken}");
        }
    }
}

impl Simulator {
    /// A simulator of the world a world file describes.
    pub fn new(file: &WorldFile) -> Result<Simulator, WorldError> {
        Ok(Simulator {
            world: Arc::new(Mutex::new(World::new(file)?)),
        })
    }

    /// A simulator of a world built already (read back from a checkpoint).
    pub(crate) fn from_world(world: World) -> Simulator {
        Simulator {
            world: Arc::new(Mutex::new(world)),
        }
    }

    /// A simulator of the embedded default world.
    pub fn default_world() -> Simulator {
        Simulator::new(world_file::default_world()).expect("the embedded world is valid")
    }

    /// Runs `f` with the world locked.
    pub fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        f(&mut lock_to_change(&self.world))
    }

    /// The world's clock, read without moving it on: the time of the last thing that
    /// happened, or the world's start.
    pub fn clock(&self) -> vss_model::VssTimestamp {
        lock(&self.world).clock
    }

    /// Whether the world records what happens underneath (on when a simulator is made). A
    /// program that never reads the trace and keeps a simulator for a long time turns it
    /// off: the last [`TRACE_KEPT`](crate::trace::TRACE_KEPT) events are kept otherwise,
    /// and keeping them costs each call a little more than a fresh world's first calls.
    pub fn set_tracing(&self, on: bool) {
        let mut world = lock(&self.world);
        world.tracing = on;
        if !on {
            world.take_trace();
        }
    }

    /// Everything that happened underneath since the last call.
    pub fn take_trace(&self) -> Vec<TraceEvent> {
        lock(&self.world).take_trace()
    }

    /// [`take_trace`](Self::take_trace) as the lines `--trace` prints.
    pub fn take_trace_lines(&self) -> Vec<String> {
        self.take_trace().iter().map(ToString::to_string).collect()
    }
}

/// One simulated `IVssBackupComponents`. Dropping it releases the object.
pub struct SimComponents {
    world: Arc<Mutex<World>>,
    id: RequesterId,
}

/// One simulated `IVssAsync`.
pub struct SimAsync {
    world: Arc<Mutex<World>>,
    id: AsyncId,
}

impl SimComponents {
    /// Makes a requester call on the world; a failure the method does not document is
    /// reported as `VSS_E_UNEXPECTED` (see `World::documented`).
    fn call<T>(
        &self,
        method: Method,
        f: impl FnOnce(&mut World, RequesterId) -> VssResult<T>,
    ) -> VssResult<T> {
        let mut world = lock_to_change(&self.world);
        let result = f(&mut world, self.id);
        result.map_err(|hr| world.documented(self.id, method, hr))
    }

    fn wrap(&self, op: VssResult<AsyncId>) -> VssResult<SimAsync> {
        op.map(|id| SimAsync {
            world: Arc::clone(&self.world),
            id,
        })
    }

    /// Where the object stands in its life, as the service keeps it.
    pub fn phase(&self) -> RequesterPhase {
        lock(&self.world).requester(self.id).phase.kind()
    }

    /// The object's number in the trace (`#1`, `#2`, … in creation order).
    pub fn number(&self) -> u64 {
        self.id.0
    }
}

impl Drop for SimComponents {
    fn drop(&mut self) {
        lock_to_change(&self.world).release(self.id);
    }
}

impl Drop for SimAsync {
    fn drop(&mut self) {
        lock_to_change(&self.world).release_async(self.id);
    }
}

impl VssAsync for SimAsync {
    fn wait(&mut self, _milliseconds: u32) -> HResult {
        lock_to_change(&self.world).async_wait(self.id)
    }

    fn query_status(&mut self) -> VssResult<HResult> {
        lock_to_change(&self.world).async_query_status(self.id)
    }

    fn cancel(&mut self) -> HResult {
        lock_to_change(&self.world).async_cancel(self.id)
    }
}

impl BackupComponents for SimComponents {
    type Async = SimAsync;

    fn initialize_for_backup(&mut self, xml: Option<&str>) -> VssResult {
        self.call(Method::InitializeForBackup, |w, r| {
            w.initialize_for_backup(r, xml)
        })
    }

    fn set_context(&mut self, context: Context) -> VssResult {
        self.call(Method::SetContext, |w, r| w.set_context(r, context))
    }

    fn set_backup_state(&mut self, state: BackupStateArgs) -> VssResult {
        self.call(Method::SetBackupState, |w, r| w.set_backup_state(r, state))
    }

    fn gather_writer_metadata(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::GatherWriterMetadata, |w, r| {
            w.gather_writer_metadata(r)
        }))
    }

    fn gather_writer_status(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::GatherWriterStatus, |w, r| w.gather_writer_status(r)))
    }

    fn writer_status(&mut self) -> VssResult<Vec<WriterStatus>> {
        self.call(Method::GetWriterStatus, |w, r| w.writer_status(r))
    }

    fn writer_metadata(&mut self) -> VssResult<Vec<WriterMetadataDocument>> {
        self.call(Method::GetWriterMetadata, |w, r| w.writer_metadata(r))
    }

    fn free_writer_metadata(&mut self) -> VssResult {
        self.call(Method::FreeWriterMetadata, |w, r| w.free_writer_metadata(r))
    }

    fn add_component(&mut self, component: &ComponentRef<'_>) -> VssResult {
        self.call(Method::AddComponent, |w, r| w.add_component(r, component))
    }

    fn set_backup_succeeded(&mut self, component: &ComponentRef<'_>, succeeded: bool) -> VssResult {
        self.call(Method::SetBackupSucceeded, |w, r| {
            w.set_backup_succeeded(r, component, succeeded)
        })
    }

    fn writer_components(&mut self) -> VssResult<Vec<WriterComponents>> {
        self.call(Method::GetWriterComponents, |w, r| w.writer_components(r))
    }

    fn start_snapshot_set(&mut self) -> VssResult<VssId> {
        self.call(Method::StartSnapshotSet, |w, r| w.start_snapshot_set(r))
    }

    fn add_to_snapshot_set(&mut self, volume_name: &str, provider_id: VssId) -> VssResult<VssId> {
        self.call(Method::AddToSnapshotSet, |w, r| {
            w.add_to_snapshot_set(r, volume_name, provider_id)
        })
    }

    fn prepare_for_backup(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::PrepareForBackup, |w, r| w.prepare_for_backup(r)))
    }

    fn do_snapshot_set(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::DoSnapshotSet, |w, r| w.do_snapshot_set(r)))
    }

    fn backup_complete(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::BackupComplete, |w, r| w.backup_complete(r)))
    }

    fn abort_backup(&mut self) -> VssResult {
        self.call(Method::AbortBackup, |w, r| w.abort_backup(r))
    }

    fn get_snapshot_properties(&mut self, snapshot_id: VssId) -> VssResult<SnapshotProp> {
        self.call(Method::GetSnapshotProperties, |w, r| {
            w.get_snapshot_properties(r, snapshot_id)
        })
    }

    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> VssResult<Vec<ObjectProp>> {
        self.call(Method::Query, |w, r| {
            w.query(
                r,
                queried_object_id,
                queried_object_type,
                returned_objects_type,
            )
        })
    }

    fn delete_snapshots(
        &mut self,
        source_object_id: VssId,
        source_object_type: ObjectType,
        _force_delete: bool,
    ) -> Result<Deleted, DeleteFailure> {
        let mut world = lock_to_change(&self.world);
        let result = world.delete_snapshots(self.id, source_object_id, source_object_type);
        result.map_err(|f| DeleteFailure {
            hr: world.documented(self.id, Method::DeleteSnapshots, f.hr),
            ..f
        })
    }

    fn save_as_xml(&mut self) -> VssResult<String> {
        self.call(Method::SaveAsXml, |w, r| w.save_as_xml(r))
    }

    fn import_snapshots(&mut self) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::ImportSnapshots, |w, r| w.import_snapshots(r)))
    }

    fn break_snapshot_set(&mut self, snapshot_set_id: VssId) -> VssResult {
        self.call(Method::BreakSnapshotSet, |w, r| {
            w.break_snapshot_set(r, snapshot_set_id)
        })
    }

    fn break_snapshot_set_ex(
        &mut self,
        snapshot_set_id: VssId,
        break_flags: HardwareOptions,
    ) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::BreakSnapshotSetEx, |w, r| {
            w.break_snapshot_set_ex(r, snapshot_set_id, break_flags)
        }))
    }

    fn expose_snapshot(
        &mut self,
        snapshot_id: VssId,
        path_from_root: Option<&str>,
        attributes: SnapshotAttributes,
        expose: Option<&str>,
    ) -> VssResult<String> {
        self.call(Method::ExposeSnapshot, |w, r| {
            w.expose_snapshot(r, snapshot_id, path_from_root, attributes, expose)
        })
    }

    fn unexpose_snapshot(&mut self, snapshot_id: VssId) -> VssResult {
        self.call(Method::UnexposeSnapshot, |w, r| {
            w.unexpose_snapshot(r, snapshot_id)
        })
    }

    fn is_volume_supported(&mut self, provider_id: VssId, volume_name: &str) -> VssResult<bool> {
        self.call(Method::IsVolumeSupported, |w, r| {
            w.is_volume_supported(r, provider_id, volume_name)
        })
    }

    fn revert_to_snapshot(&mut self, snapshot_id: VssId, force_dismount: bool) -> VssResult {
        self.call(Method::RevertToSnapshot, |w, r| {
            w.revert_to_snapshot(r, snapshot_id, force_dismount)
        })
    }

    fn query_revert_status(&mut self, volume_name: &str) -> VssResult<SimAsync> {
        self.wrap(self.call(Method::QueryRevertStatus, |w, r| {
            w.query_revert_status(r, volume_name)
        }))
    }
}

impl Backend for Simulator {
    type Components = SimComponents;

    fn name(&self) -> &str {
        "sim"
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::BLOCK_IO
            | Capabilities::REBOOT
            | Capabilities::FAULT_INJECTION
            | Capabilities::PRIVILEGES
            | Capabilities::HOLD_ASYNC;
        let world = lock(&self.world);
        if world.machines.len() > 1 {
            caps |= Capabilities::MULTIPLE_MACHINES;
        }
        if world.san.described {
            caps |= Capabilities::LUN_MANAGEMENT;
        }
        let hardware = world
            .machines
            .iter()
            .flat_map(|m| &m.providers)
            .any(|r| matches!(r.instance, crate::world::Instance::Hardware(_)));
        if hardware {
            caps |= Capabilities::HARDWARE_PROVIDER;
        }
        caps
    }

    fn machines(&self) -> Vec<String> {
        lock(&self.world).machine_names()
    }

    fn create_backup_components(&self, machine: &str) -> VssResult<SimComponents> {
        let mut world = lock_to_change(&self.world);
        let m = world
            .machine_index(machine)
            .map_err(|_| HResult::E_INVALIDARG)?;
        let id = world.create_requester(m);
        Ok(SimComponents {
            world: Arc::clone(&self.world),
            id,
        })
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        lock(&self.world).volume_name_for_mount_point(machine, mount_point)
    }

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        lock(&self.world).volume_path_names_for_volume_name(machine, volume_name)
    }

    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        lock(&self.world).should_block_revert(machine, volume_name)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = SimComponents>> {
        Some(self)
    }
}

impl Environment for Simulator {
    type Components = SimComponents;

    fn write_block(
        &self,
        machine: &str,
        target: &str,
        block: u64,
        data: &[u8],
    ) -> Result<(), EnvError> {
        lock_to_change(&self.world).write_block(machine, target, block, data)
    }

    fn read_block(&self, machine: &str, target: &str, block: u64) -> Result<Block, EnvError> {
        lock(&self.world).read_block(machine, target, block)
    }

    fn reboot(&self, machine: &str) -> Result<(), EnvError> {
        let mut world = lock_to_change(&self.world);
        let m = world.machine_index(machine)?;
        world.reboot_machine(m);
        Ok(())
    }

    fn fail_provider_method(&self, machine: &str, fault: ProviderFault) -> Result<(), EnvError> {
        let mut world = lock_to_change(&self.world);
        let m = world.machine_index(machine)?;
        if fault.method.interface().is_requester() {
            return Err(EnvError::Invalid(format!(
                "`{}` is not a provider method",
                fault.method
            )));
        }
        if let Some(id) = fault.provider_id
            && !world.machines[m]
                .providers
                .iter()
                .any(|p| p.prop.provider_id == id)
        {
            return Err(EnvError::Invalid(format!(
                "no provider {id} is registered on {machine}"
            )));
        }
        world.machines[m].provider_faults.push(ArmedFault {
            fault,
            seen: 0,
            fired: 0,
        });
        Ok(())
    }

    fn fail_writer_event(
        &self,
        machine: &str,
        writer: &str,
        event: WriterEvent,
        hr: HResult,
    ) -> Result<(), EnvError> {
        let mut world = lock_to_change(&self.world);
        let m = world.machine_index(machine)?;
        if event.failed_state().is_none() {
            return Err(EnvError::Invalid(format!("a writer cannot fail {event}")));
        }
        let w = world.machines[m]
            .writers
            .iter_mut()
            .find(|w| w.name.eq_ignore_ascii_case(writer))
            .ok_or_else(|| EnvError::Invalid(format!("no writer named `{writer}` on {machine}")))?;
        w.faults.insert(event, hr);
        Ok(())
    }

    fn fail_service_call(
        &self,
        machine: &str,
        method: Method,
        hr: HResult,
    ) -> Result<(), EnvError> {
        let mut world = lock_to_change(&self.world);
        let m = world.machine_index(machine)?;
        if !method.interface().is_requester() {
            return Err(EnvError::Invalid(format!(
                "`{method}` is not a requester method"
            )));
        }
        if !method.info().documents(hr) || hr.is_success() {
            return Err(EnvError::Invalid(format!(
                "{method} does not document {hr} as a failure"
            )));
        }
        world.machines[m].service_faults.insert(method, hr);
        Ok(())
    }

    fn luns(&self) -> Vec<LunState> {
        lock(&self.world).lun_states()
    }

    fn volume_luns(&self, machine: &str, target: &str) -> Result<Vec<String>, EnvError> {
        lock(&self.world).luns_of_volume(machine, target)
    }

    fn set_lun_visible(&self, machine: &str, lun: &str, visible: bool) -> Result<(), EnvError> {
        lock_to_change(&self.world).set_lun_visible(machine, lun, visible)
    }

    fn set_volume_read_only(
        &self,
        machine: &str,
        target: &str,
        read_only: bool,
    ) -> Result<(), EnvError> {
        lock_to_change(&self.world).set_volume_read_only(machine, target, read_only)
    }

    fn assign_mount(
        &self,
        machine: &str,
        target: &str,
        mount: Option<&str>,
    ) -> Result<(), EnvError> {
        lock_to_change(&self.world).assign_mount(machine, target, mount)
    }

    fn set_privileges(
        &self,
        components: &SimComponents,
        privileges: Privileges,
    ) -> Result<(), EnvError> {
        lock_to_change(&self.world)
            .requester_mut(components.id)
            .privileges = privileges;
        Ok(())
    }

    fn hold_next_async(&self, components: &SimComponents, hold: bool) -> Result<(), EnvError> {
        lock_to_change(&self.world)
            .requester_mut(components.id)
            .hold_next_async = hold;
        Ok(())
    }
}
