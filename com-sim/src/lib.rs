//! The COM-ABI harness: the simulator served as COM objects, driven by the real backend.
//!
//! Every requester object of [`ComSim`] is a simulator object behind `IVssBackupComponentsEx2`
//! (windows-core's `implement`), and every call to it goes through `vss-windows`: the trait
//! method converts its arguments to the SDK's forms, calls through the vtable slot the
//! declarations give, and converts back, freeing what the server allocated. The two sides
//! share one [`CheckedMemory`], whose ledger shows any string leaked, freed twice or freed the
//! wrong way. So the conformance suite, run on `ComSim`, tests the real backend's COM layer
//! on any system: a method called through the wrong slot, a wrong argument, a lost string.
//!
//! The world around the calls (block I/O, faults, LUNs) is the simulator's own, reached
//! directly, as a storage administrator reaches a real SAN without VSS.

mod async_op;
mod enumeration;
mod requester;

use std::sync::Arc;

use vss_model::backend::{
    Backend, Capabilities, EnvError, Environment, LunState, Privileges, ProviderFault, VssResult,
};
use vss_model::{Block, HResult, WriterEvent};
use vss_sim::Simulator;
use vss_windows::{CheckedMemory, ComBackupComponents};

pub use async_op::SimAsyncOp;
pub use enumeration::SimEnum;
pub use requester::{SimRequester, serve, served};

/// The simulator reached through COM: a [`Backend`] named `com`, whose requester objects are
/// `vss-windows`' [`ComBackupComponents`] over served simulator objects.
pub struct ComSim {
    sim: Simulator,
    memory: Arc<CheckedMemory>,
}

impl ComSim {
    /// Serves `sim` through COM, with a fresh ledger of allocations.
    pub fn new(sim: Simulator) -> ComSim {
        ComSim {
            sim,
            memory: Arc::new(CheckedMemory::new()),
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

    /// Runs `f` on the simulator object behind a requester object of this backend.
    fn with_served<R>(
        &self,
        components: &ComBackupComponents,
        f: impl FnOnce(&vss_sim::SimComponents) -> R,
    ) -> Result<R, EnvError> {
        let object = served(components.interface()).map_err(|hr| {
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
        let iface = serve(inner, self.memory.clone())?;
        Ok(ComBackupComponents::new(iface, self.memory.clone()))
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.sim.volume_name_for_mount_point(machine, mount_point)
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

    fn fail_service_call(&self, machine: &str, method: &str, hr: HResult) -> Result<(), EnvError> {
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
