//! The SAN as the world keeps it: the array and the volumes laid out on its LUNs, and the
//! read side of a machine's volumes for shadow copy drivers. Pure data: what a machine does with its
//! volumes is `volumes.rs`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use typed_index_collections::TiVec;
use vss_model::storage::LiveVolumes;
use vss_model::{Block, VssId};
use vss_sim_hw::{Array, DiskIdentity, LunId};

use crate::handles::LayoutId;
use crate::machine_volumes::{MachineVolumes, Placement};

/// A piece of a volume: one whole LUN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Extent {
    pub lun: LunId,
    pub blocks: u64,
}

/// What a volume on LUNs is to VSS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// A volume of the world file.
    Original,
    /// A hardware shadow copy surfaced by VSS.
    Shadow(VssId),
    /// A former shadow copy whose set was broken: an ordinary volume now.
    Broken,
}

/// A volume laid out on LUNs, as any machine that reaches its LUNs sees it.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// `\\?\Volume{GUID}\`.
    pub name: String,
    pub extents: Vec<Extent>,
    pub blocks: u64,
    pub role: Role,
}

impl Layout {
    /// The LUN and block a volume block lies on.
    pub fn locate(&self, block: u64) -> Option<(&str, u64)> {
        let mut first = 0;
        for extent in &self.extents {
            if block < first + extent.blocks {
                return Some((&extent.lun, block - first));
            }
            first += extent.blocks;
        }
        None
    }
}

/// The array and the volumes laid out on it. Every world has one: a world file without a
/// `san` gets an array with no LUN, which no volume lies on and no hardware provider uses,
/// so that whatever is on LUNs reaches the array without asking whether there is one.
pub(crate) struct San {
    pub array: Arc<Mutex<Array>>,
    pub layouts: TiVec<LayoutId, Layout>,
    /// What the array's hardware provider can do, the same on every machine.
    pub abilities: vss_sim_hw::Abilities,
    /// Whether the world file describes the SAN (a storage administrator has one to
    /// manage), rather than the world having only the empty stand-in.
    pub described: bool,
    /// The LUNs of the world file, with the disk identity each was provisioned with: VSS
    /// never deletes one nor changes its identity.
    pub originals: BTreeMap<LunId, DiskIdentity>,
    /// Clones VSS gave up on: a provider refused to take them back (`OnLunEmpty`) or to
    /// discard an aborted set's (`AbortSnapshots`). They stay on the array, no copy's.
    pub left_behind: BTreeSet<LunId>,
    /// The clones the array made since the set being created started its commit, so that
    /// a failed `AbortSnapshots` knows what it left.
    pub made_in_creation: Vec<LunId>,
}

impl San {
    /// The SAN of a world file without one: an array with no LUN.
    pub fn empty() -> San {
        San {
            array: Arc::new(Mutex::new(Array::new(vss_sim_hw::ArrayModel {
                vendor: String::new(),
                product: String::new(),
                revision: String::new(),
            }))),
            layouts: TiVec::new(),
            abilities: vss_sim_hw::Abilities::default(),
            described: false,
            originals: BTreeMap::new(),
            left_behind: BTreeSet::new(),
            made_in_creation: Vec::new(),
        }
    }

    pub fn array(&self) -> MutexGuard<'_, Array> {
        self.array
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Whether two mount names are the same (case and the trailing backslash aside).
pub(crate) fn same_mount(a: &str, b: &str) -> bool {
    a.trim_end_matches('\\')
        .eq_ignore_ascii_case(b.trim_end_matches('\\'))
}

/// The read side of a machine's volumes, for shadow copy drivers.
pub(crate) struct LiveReader<'a> {
    pub volumes: &'a MachineVolumes,
    pub san: (&'a TiVec<LayoutId, Layout>, &'a Array),
}

impl LiveVolumes for LiveReader<'_> {
    fn read_live(&self, volume: &str, block: u64) -> Block {
        let Some(v) = self.volumes.by_volume_name(volume) else {
            return Block::zeroed();
        };
        let (layouts, array) = self.san;
        match &v.placement {
            Placement::Local(data) => data.get(&block).cloned().unwrap_or_default(),
            Placement::San(l) => layouts[*l]
                .locate(block)
                .and_then(|(lun, at)| array.read(lun, at).ok())
                .unwrap_or_default(),
        }
    }
}
