//! The backend over the real VSS of the machine the process runs on.
//!
//! The machine plays the first machine of a scenario's world, under that name: real VSS
//! has one machine, the local one, and no control of the world around it, so a scenario
//! needing a second machine, a hardware provider, faults or LUN control is skipped by the
//! runner with a reason. Creating the requester object and the system's string functions
//! exist only on Windows; everything else here compiles, and is checked, everywhere.

use std::sync::Arc;

use vss_model::HResult;
use vss_model::backend::{Backend, Capabilities, EnvError, Environment, VssResult};

use crate::client::ComBackupComponents;
use crate::interfaces::IVssBackupComponents;
use crate::memory::ComMemory;

#[cfg(any(windows, vss_windows_check))]
mod system;

#[cfg(any(windows, vss_windows_check))]
pub use system::SystemMemory;

/// Real VSS on this machine, as a [`Backend`] named `windows`.
pub struct LocalVss {
    machine: String,
    memory: Arc<dyn ComMemory>,
    create: fn() -> VssResult<IVssBackupComponents>,
    volume_name: fn(&str) -> Result<String, EnvError>,
    path_names: fn(&str) -> Result<Vec<String>, EnvError>,
    block_revert: fn(&str) -> Result<bool, EnvError>,
}

impl LocalVss {
    /// Initialises COM on this thread (multithreaded apartment, with the security that
    /// VSS needs to call the requester back) and names the local machine `machine`.
    ///
    /// COM security is the process's, set once: a tool that needs other settings calls
    /// `CoInitializeSecurity` itself before this, and keeps them. Each thread that later
    /// creates a requester object is entered into COM as it does. A requester object belongs
    /// to the thread's apartment, and is not to be called from two threads at once.
    ///
    /// Fails on other systems, and where COM cannot be initialised.
    pub fn connect(machine: &str) -> Result<LocalVss, String> {
        #[cfg(any(windows, vss_windows_check))]
        {
            system::initialize_com()?;
            Ok(LocalVss {
                machine: machine.to_string(),
                memory: Arc::new(system::SystemMemory),
                create: system::create_vss_backup_components,
                volume_name: system::volume_name_for_mount_point,
                path_names: system::volume_path_names_for_volume_name,
                block_revert: system::should_block_revert,
            })
        }
        #[cfg(not(any(windows, vss_windows_check)))]
        {
            Err(format!(
                "real VSS exists only on Windows; `{machine}` cannot be reached from this system"
            ))
        }
    }
}

impl LocalVss {
    /// Checks that a text bound for a system function (kernel32's, vssapi's) is about this
    /// machine and can be passed as C text.
    fn system_text(&self, machine: &str, text: &str, what: &str) -> Result<(), EnvError> {
        if !machine.eq_ignore_ascii_case(&self.machine) {
            return Err(EnvError::UnknownMachine(machine.to_string()));
        }
        if text.contains('\0') {
            // C would read the text only up to the NUL.
            return Err(EnvError::Invalid(format!(
                "{what} `{}` holds a NUL",
                text.escape_debug()
            )));
        }
        Ok(())
    }
}

impl Backend for LocalVss {
    type Components = ComBackupComponents;

    fn name(&self) -> &str {
        "windows"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities::empty()
    }

    fn machines(&self) -> Vec<String> {
        vec![self.machine.clone()]
    }

    /// `CreateVssBackupComponents` on the local machine; any other name is `E_INVALIDARG`,
    /// as the simulator answers for a machine it does not have.
    fn create_backup_components(&self, machine: &str) -> VssResult<ComBackupComponents> {
        if !machine.eq_ignore_ascii_case(&self.machine) {
            return Err(HResult::E_INVALIDARG);
        }
        let iface = (self.create)()?;
        Ok(ComBackupComponents::new(iface, Arc::clone(&self.memory)))
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.system_text(machine, mount_point, "the mount point")?;
        (self.volume_name)(mount_point)
    }

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        self.system_text(machine, volume_name, "the volume name")?;
        (self.path_names)(volume_name)
    }

    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        self.system_text(machine, volume_name, "the volume name")?;
        (self.block_revert)(volume_name)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = ComBackupComponents>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::CheckedMemory;

    fn unreachable_vss() -> LocalVss {
        LocalVss {
            machine: "HOSTA".to_string(),
            memory: Arc::new(CheckedMemory::new()),
            create: || Err(HResult::E_UNEXPECTED),
            volume_name: |point| {
                Err(EnvError::Invalid(format!(
                    "the system was asked for {point}"
                )))
            },
            path_names: |name| {
                Err(EnvError::Invalid(format!(
                    "the system was asked about {name}"
                )))
            },
            block_revert: |name| {
                Err(EnvError::Invalid(format!(
                    "the system was asked to block {name}"
                )))
            },
        }
    }

    #[test]
    fn a_mount_point_with_a_nul_never_reaches_the_system() {
        let vss = unreachable_vss();
        let refused = vss.volume_name_for_mount_point("hosta", "C:\\\0D:\\");
        assert_eq!(
            refused,
            Err(EnvError::Invalid(
                "the mount point `C:\\\\\\0D:\\\\` holds a NUL".to_string()
            ))
        );
        assert_eq!(
            vss.volume_name_for_mount_point("HOSTA", "C:\\"),
            Err(EnvError::Invalid(
                "the system was asked for C:\\".to_string()
            ))
        );
        assert_eq!(
            vss.volume_name_for_mount_point("HOSTB", "C:\\"),
            Err(EnvError::UnknownMachine("HOSTB".to_string()))
        );
    }

    #[test]
    fn a_volume_name_with_a_nul_never_reaches_the_system() {
        let vss = unreachable_vss();
        let volume = "\\\\?\\Volume{00000000-0000-0000-0000-000000000001}\\";
        assert_eq!(
            vss.volume_path_names_for_volume_name("HOSTA", &format!("{volume}\0")),
            Err(EnvError::Invalid(format!(
                "the volume name `{}\\0` holds a NUL",
                volume.escape_debug()
            )))
        );
        assert_eq!(
            vss.volume_path_names_for_volume_name("hosta", volume),
            Err(EnvError::Invalid(format!(
                "the system was asked about {volume}"
            )))
        );
        assert_eq!(
            vss.volume_path_names_for_volume_name("HOSTB", volume),
            Err(EnvError::UnknownMachine("HOSTB".to_string()))
        );
        assert_eq!(
            vss.should_block_revert("hosta", &format!("{volume}\0")),
            Err(EnvError::Invalid(format!(
                "the volume name `{}\\0` holds a NUL",
                volume.escape_debug()
            )))
        );
        assert_eq!(
            vss.should_block_revert("HOSTA", volume),
            Err(EnvError::Invalid(format!(
                "the system was asked to block {volume}"
            )))
        );
        assert_eq!(
            vss.should_block_revert("HOSTB", volume),
            Err(EnvError::UnknownMachine("HOSTB".to_string()))
        );
    }
}
