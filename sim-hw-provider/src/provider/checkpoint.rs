//! The hardware provider as a checkpoint: the record of the last set it created, as data
//! that can be saved (the simulator's state file) and read back. The array it works with
//! is saved on its own ([`crate::ArrayCheckpoint`]), as several providers share it.

use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use vss_model::{SnapshotState, VssId};

use super::{Abilities, Clones, Creation, HardwareProvider};
use crate::array::{Array, CloneKind, LunId};

/// What a [`HardwareProvider`] keeps of its own: the set it creates, or created last (it
/// keeps that until the next set begins). [`HardwareProvider::checkpoint`] makes one and
/// [`HardwareProvider::from_checkpoint`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HardwareProviderCheckpoint {
    creation: Option<SavedClones>,
}

/// A set's creation: how far it got, what it clones and the clones made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SavedClones {
    set_id: VssId,
    state: SnapshotState,
    kind: CloneKind,
    sources: Vec<LunId>,
    targets: Vec<(LunId, LunId)>,
}

impl HardwareProvider {
    /// What the provider keeps of its own, to be saved.
    pub fn checkpoint(&self) -> HardwareProviderCheckpoint {
        HardwareProviderCheckpoint {
            creation: self.creation.as_ref().map(|c| SavedClones {
                set_id: c.set_id,
                state: c.state,
                kind: c.record.kind,
                sources: c.record.sources.clone(),
                targets: c.record.targets.clone(),
            }),
        }
    }

    /// The provider on `machine` as [`new`](Self::new) makes it, with what `checkpoint`
    /// saved of its own.
    pub fn from_checkpoint(
        machine: &str,
        array: Arc<Mutex<Array>>,
        abilities: Abilities,
        legacy: bool,
        checkpoint: HardwareProviderCheckpoint,
    ) -> HardwareProvider {
        let mut provider = HardwareProvider::new(machine, array, abilities, legacy);
        provider.creation = checkpoint.creation.map(|c| {
            let clones = Clones {
                kind: c.kind,
                sources: c.sources,
                targets: c.targets,
            };
            let mut creation = Creation::new(c.set_id, clones);
            creation.state = c.state;
            creation
        });
        provider
    }
}
