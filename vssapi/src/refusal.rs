//! Why the DLL could not serve a call, as the HRESULT the program gets and the sentence the
//! user reads.

use vss_model::HResult;
use vss_sim::state::StateError;
use vss_windows::abi::com_hresult;
use windows_core::HRESULT;

/// `HRESULT_FROM_WIN32(ERROR_LOCK_VIOLATION)`: another process holds the state file.
pub const LOCK_VIOLATION: HRESULT = HRESULT(0x8007_0021_u32 as i32);
/// `HRESULT_FROM_WIN32(ERROR_INVALID_COMPUTERNAME)`: `VSS_SIM_MACHINE` names no machine of
/// the world.
pub const INVALID_COMPUTERNAME: HRESULT = HRESULT(0x8007_04BA_u32 as i32);
/// `HRESULT_FROM_WIN32(ERROR_FILE_CORRUPT)`: the state file is damaged or cannot be read.
pub const FILE_CORRUPT: HRESULT = HRESULT(0x8007_0570_u32 as i32);
/// `HRESULT_FROM_WIN32(ERROR_BAD_CONFIGURATION)`: the world file or another setting is bad.
pub const BAD_CONFIGURATION: HRESULT = HRESULT(0x8007_064A_u32 as i32);

/// A call the DLL refused, before or instead of reaching the simulator.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// What the program is returned.
    pub hr: HRESULT,
    /// What the user is told.
    pub message: String,
}

impl Refusal {
    /// A setting the environment gives cannot be used.
    pub fn configuration(message: String) -> Refusal {
        Refusal {
            hr: BAD_CONFIGURATION,
            message,
        }
    }

    /// `VSS_SIM_MACHINE` names no machine of the world.
    pub fn unknown_machine(message: String) -> Refusal {
        Refusal {
            hr: INVALID_COMPUTERNAME,
            message,
        }
    }

    /// The state file could not be taken or read.
    pub fn state(e: StateError) -> Refusal {
        let hr = match &e {
            StateError::InUse { .. } => LOCK_VIOLATION,
            StateError::World { .. } | StateError::WorldGiven { .. } => BAD_CONFIGURATION,
            StateError::NotWritable { .. } | StateError::Save { .. } => {
                com_hresult(HResult::E_ACCESSDENIED)
            }
            _ => FILE_CORRUPT,
        };
        Refusal {
            hr,
            message: format!("VSS_SIM_STATE: {e}"),
        }
    }

    /// An argument names nothing the world has.
    pub fn argument(message: String) -> Refusal {
        Refusal {
            hr: com_hresult(HResult::E_INVALIDARG),
            message,
        }
    }

    /// The simulator answered `hr`.
    pub fn from_call(hr: HResult, what: &str) -> Refusal {
        Refusal {
            hr: com_hresult(hr),
            message: format!("{what}: {hr}"),
        }
    }

    /// A call arrived while the DLL was still busy with another on the same thread (from
    /// inside a callback), which it cannot serve.
    pub fn reentered() -> Refusal {
        Refusal {
            hr: com_hresult(HResult::E_UNEXPECTED),
            message: "a call arrived while another was still being served".into(),
        }
    }

    /// The DLL failed inside (a panic, caught before it could cross into the program).
    pub fn internal(what: &str) -> Refusal {
        Refusal {
            hr: com_hresult(HResult::E_UNEXPECTED),
            message: format!("{what} failed inside the simulator; this is a bug of vss-sim"),
        }
    }
}
