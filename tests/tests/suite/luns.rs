//! No LUN is lost, and no original changes, whatever a backup application and a storage
//! administrator do with hardware shadow copies.
//!
//! The property test drives two machines of one SAN through the public API only: the
//! simulator as a [`Backend`], and its [`Environment`] for block I/O and LUN masking. HOSTA
//! has `E:\` and `F:\` on a LUN each and `G:\` on two; HOSTB starts with no LUN. Both run the
//! system provider and the array's hardware provider. Proptest generates sequences of:
//!
//! - `Write`: a block of an original volume on HOSTA gets new content;
//! - `Create`: a new requester object on HOSTA makes a set of some of the three volumes,
//!   persistent (`VSS_CTX_NAS_ROLLBACK`) or not (`VSS_CTX_FILE_SHARE_BACKUP`), transportable or
//!   not; the object is kept alive;
//! - `Import`: a new object on HOSTA or HOSTB loads a transportable set's document and calls
//!   `ImportSnapshots`; it is kept alive;
//! - `Break`: `BreakSnapshotSet`, or `BreakSnapshotSetEx` with one of the valid flag
//!   combinations, on a machine;
//! - `Delete`: `DeleteSnapshots` of a whole set, on a machine;
//! - `Mask`: a LUN (any of the array) masked from, or unmasked to, a machine;
//! - `WriteBroken`: a broken volume made read-write and written, on its machine;
//! - `Release`: a requester object is dropped;
//! - `Reboot`: a machine restarts.
//!
//! A plain model follows each set through its life: transported (made transportable, not yet
//! imported), live on a machine, broken on a machine, or gone. Where the documentation leaves a
//! result open (deleting a set not yet imported), the model takes the simulator's answer, and
//! then checks what it implies. After every operation:
//!
//! 1. every LUN of the array is an original, a LUN of a transported, live or broken set, or
//!    deleted; a set's LUNs are deleted exactly when the set is gone (handed back through
//!    `OnLunEmpty`), and no original is ever deleted;
//! 2. `Query` under `VSS_CTX_ALL` on each machine lists exactly the copies of the sets live
//!    there;
//! 3. every original volume HOSTA reaches reads the content the model wrote, on every block
//!    ever written;
//! 4. every live copy its machine reaches reads its point-in-time content; every broken volume
//!    its machine reaches reads its point-in-time content with its own writes on top.
//!
//! Whether an operation succeeds is checked too: a create of reachable volumes, an import of a
//! set that can still be imported, a break of a set live on that machine (unless
//! `REVERT_IDENTITY_ALL` meets a visible original) and a delete of a live set succeed; the
//! rest fail and change nothing.
//!
//! `VSS_SIM_DEEP=1` runs many more and longer cases; `VSS_SIM_SEED` changes the seed.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use vss_model::backend::{Backend, BackupComponents, EnvError, Environment, INFINITE, VssAsync};
use vss_model::{
    Block, Context, HResult, HardwareOptions as H, ObjectProp, ObjectType, SnapshotAttributes as A,
    VssId,
};
use vss_sim::world_file;
use vss_sim::{SimComponents, Simulator};

use crate::common;

const MACHINES: [&str; 2] = ["HOSTA", "HOSTB"];
const MOUNTS: [&str; 3] = [r"E:\", r"F:\", r"G:\"];
/// The original LUNs, and how many each volume spans.
const ORIGINALS: [&str; 4] = ["LUN-E", "LUN-F", "LUN-G1", "LUN-G2"];
const LUNS_PER_VOLUME: [usize; 3] = [1, 1, 2];
/// Blocks per LUN (1 MiB of 16 KiB blocks).
const LUN_BLOCKS: u64 = 64;

const WORLD: &str = r"
seed: 11
san:
  luns:
    - { name: LUN-E, size: 1 MiB, visible_to: [HOSTA] }
    - { name: LUN-F, size: 1 MiB, gpt: true, visible_to: [HOSTA] }
    - { name: LUN-G1, size: 1 MiB, visible_to: [HOSTA] }
    - { name: LUN-G2, size: 1 MiB, visible_to: [HOSTA] }
machines:
  - name: HOSTA
    providers: [system, hardware]
    writers: []
    volumes:
      - { mount: 'C:\', size: 1 GiB }
      - { mount: 'E:\', luns: [LUN-E] }
      - { mount: 'F:\', luns: [LUN-F] }
      - { mount: 'G:\', luns: [LUN-G1, LUN-G2] }
  - name: HOSTB
    providers: [system, hardware]
    writers: []
    volumes:
      - { mount: 'C:\', size: 1 GiB }
";

/// The break variants: the legacy call, then `BreakSnapshotSetEx` with each valid set of
/// flags.
const BREAKS: [Option<H>; 7] = [
    None,
    Some(H::empty()),
    Some(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
    Some(H::VSS_BREAKEX_FLAG_MASK_LUNS),
    Some(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE),
    Some(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL),
    Some(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL.union(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE)),
];

#[derive(Debug, Clone)]
enum Op {
    Write {
        volume: usize,
        block: u64,
        value: u8,
    },
    Create {
        /// Bit 0: `E:\`, bit 1: `F:\`, bit 2: `G:\`.
        volumes: u8,
        persistent: bool,
        transportable: bool,
    },
    Import {
        set: Index,
        machine: usize,
    },
    Break {
        set: Index,
        machine: usize,
        how: usize,
    },
    Delete {
        set: Index,
        machine: usize,
    },
    Mask {
        lun: Index,
        machine: usize,
        visible: bool,
    },
    WriteBroken {
        set: Index,
        block: u64,
        value: u8,
    },
    Release {
        requester: Index,
    },
    Reboot {
        machine: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let machine = 0..2usize;
    prop_oneof![
        4 => (0..3usize, 0..8u64, 1..=u8::MAX)
            .prop_map(|(volume, block, value)| Op::Write { volume, block, value }),
        3 => (1..=7u8, any::<bool>(), any::<bool>()).prop_map(
            |(volumes, persistent, transportable)| Op::Create { volumes, persistent, transportable }
        ),
        2 => (any::<Index>(), machine.clone())
            .prop_map(|(set, machine)| Op::Import { set, machine }),
        2 => (any::<Index>(), machine.clone(), 0..BREAKS.len())
            .prop_map(|(set, machine, how)| Op::Break { set, machine, how }),
        1 => (any::<Index>(), machine.clone())
            .prop_map(|(set, machine)| Op::Delete { set, machine }),
        2 => (any::<Index>(), machine.clone(), any::<bool>())
            .prop_map(|(lun, machine, visible)| Op::Mask { lun, machine, visible }),
        2 => (any::<Index>(), 0..8u64, 1..=u8::MAX)
            .prop_map(|(set, block, value)| Op::WriteBroken { set, block, value }),
        1 => any::<Index>().prop_map(|requester| Op::Release { requester }),
        1 => machine.prop_map(|machine| Op::Reboot { machine }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let max = if common::deep() { 160 } else { 60 };
    proptest::collection::vec(op(), 1..max)
}

/// What an operation ended with, as a requester learns it: `Wait`, then `QueryStatus`.
fn finish(mut op: impl VssAsync) -> HResult {
    let waited = op.wait(INFINITE);
    if waited.is_failure() {
        return waited;
    }
    match op.query_status() {
        Ok(HResult::VSS_S_ASYNC_FINISHED) => HResult::S_OK,
        Ok(status) => status,
        Err(hr) => hr,
    }
}

fn content(what: &str, block: u64, value: u8) -> Block {
    Block::new(format!("{what} block {block} value {value}").as_bytes()).expect("fits")
}

/// Where a set is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Life {
    /// Made transportable, not imported yet.
    Transported,
    /// Surfaced on a machine: its copies' devices there.
    Live { machine: usize },
    /// Broken on a machine; its volumes' devices there (none when its LUNs were masked).
    Broken { machine: usize, masked: bool },
    /// Deleted; its LUNs handed back.
    Gone,
}

/// One shadow copy of a set: the volume it copies, its device once surfaced, and the
/// content it must read.
#[derive(Debug, Clone)]
struct KnownCopy {
    id: VssId,
    volume: usize,
    device: Option<String>,
    /// Its volume's written blocks at the set's point in time, then (once broken) its own
    /// writes.
    content: BTreeMap<u64, Block>,
}

#[derive(Debug, Clone)]
struct Set {
    id: VssId,
    persistent: bool,
    /// The LUNs the array made for it.
    luns: BTreeSet<String>,
    copies: Vec<KnownCopy>,
    document: Option<String>,
    /// The requester objects that own it while it is not persistent: its creator, then its
    /// importer.
    owner: u64,
    life: Life,
}

struct Requester {
    number: u64,
    machine: usize,
    components: SimComponents,
}

struct Harness {
    sim: Simulator,
    /// The originals' content: every block ever written, per volume.
    originals: [BTreeMap<u64, Block>; 3],
    sets: Vec<Set>,
    requesters: Vec<Requester>,
    next_requester: u64,
    log: Vec<String>,
}

impl Harness {
    fn new() -> Harness {
        let file = world_file::parse(WORLD, "luns.yaml").expect("the world parses");
        Harness {
            sim: Simulator::new(&file).expect("the world is valid"),
            originals: Default::default(),
            sets: Vec::new(),
            requesters: Vec::new(),
            next_requester: 0,
            log: Vec::new(),
        }
    }

    fn fail(&self, what: impl std::fmt::Display) -> TestCaseError {
        TestCaseError::fail(format!("{what}\nsteps:\n  {}", self.log.join("\n  ")))
    }

    fn env(&self) -> &dyn Environment<Components = SimComponents> {
        self.sim.environment().expect("the simulator has one")
    }

    /// A new requester object on a machine, initialized for backup (or with a document).
    fn requester(&self, machine: usize, xml: Option<&str>) -> Result<SimComponents, TestCaseError> {
        let mut r = self
            .sim
            .create_backup_components(MACHINES[machine])
            .map_err(|hr| self.fail(format!("CreateVssBackupComponents: {hr}")))?;
        r.initialize_for_backup(xml)
            .map_err(|hr| self.fail(format!("InitializeForBackup: {hr}")))?;
        Ok(r)
    }

    /// An object for administration on a machine: `VSS_CTX_ALL`.
    fn admin(&self, machine: usize) -> Result<SimComponents, TestCaseError> {
        let mut r = self.requester(machine, None)?;
        r.set_context(Context::VSS_CTX_ALL)
            .map_err(|hr| self.fail(format!("SetContext(VSS_CTX_ALL): {hr}")))?;
        Ok(r)
    }

    fn keep(&mut self, machine: usize, components: SimComponents) -> u64 {
        self.next_requester += 1;
        self.requesters.push(Requester {
            number: self.next_requester,
            machine,
            components,
        });
        self.next_requester
    }

    /// Whether every LUN of a volume is unmasked to a machine.
    fn reaches(&self, machine: usize, luns: &[String]) -> bool {
        let states = self.env().luns();
        luns.iter().all(|name| {
            states
                .iter()
                .any(|l| &l.name == name && l.visible_to.iter().any(|m| m == MACHINES[machine]))
        })
    }

    fn original_luns(volume: usize) -> Vec<String> {
        let first: usize = LUNS_PER_VOLUME[..volume].iter().sum();
        ORIGINALS[first..first + LUNS_PER_VOLUME[volume]]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The clone LUNs the array holds, not deleted.
    fn clones(&self) -> BTreeSet<String> {
        self.env()
            .luns()
            .into_iter()
            .filter(|l| !l.deleted && l.clone_of.is_some())
            .map(|l| l.name)
            .collect()
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        match op {
            Op::Write {
                volume,
                block,
                value,
            } => self.write(*volume, *block, *value)?,
            Op::Create {
                volumes,
                persistent,
                transportable,
            } => self.create(*volumes, *persistent, *transportable)?,
            Op::Import { set, machine } => {
                if let Some(s) = self.pick(set) {
                    self.import(s, *machine)?;
                }
            }
            Op::Break { set, machine, how } => {
                if let Some(s) = self.pick(set) {
                    self.break_set(s, *machine, BREAKS[*how])?;
                }
            }
            Op::Delete { set, machine } => {
                if let Some(s) = self.pick(set) {
                    self.delete(s, *machine)?;
                }
            }
            Op::Mask {
                lun,
                machine,
                visible,
            } => self.mask(lun, *machine, *visible)?,
            Op::WriteBroken { set, block, value } => {
                if let Some(s) = self.pick(set) {
                    self.write_broken(s, *block, *value)?;
                }
            }
            Op::Release { requester } => self.release(requester),
            Op::Reboot { machine } => self.reboot(*machine)?,
        }
        self.check()
    }

    fn pick(&mut self, set: &Index) -> Option<usize> {
        if self.sets.is_empty() {
            self.log.push("no set yet: skipped".into());
            None
        } else {
            Some(set.index(self.sets.len()))
        }
    }

    fn write(&mut self, volume: usize, block: u64, value: u8) -> Result<(), TestCaseError> {
        let data = content(MOUNTS[volume], block, value);
        let written = self
            .env()
            .write_block("HOSTA", MOUNTS[volume], block, data.content());
        let reached = self.reaches(0, &Self::original_luns(volume));
        self.log.push(format!(
            "write {} block {block} value {value}: {}",
            MOUNTS[volume],
            if written.is_ok() {
                "done"
            } else {
                "not reached"
            }
        ));
        match (written, reached) {
            (Ok(()), true) => {
                self.originals[volume].insert(block, data);
                Ok(())
            }
            (Err(EnvError::UnknownTarget { .. }), false) => Ok(()),
            (result, _) => Err(self.fail(format!(
                "writing {} while HOSTA reaches it: {reached}, gave {result:?}",
                MOUNTS[volume]
            ))),
        }
    }

    fn create(
        &mut self,
        volumes: u8,
        persistent: bool,
        transportable: bool,
    ) -> Result<(), TestCaseError> {
        let chosen: Vec<usize> = (0..3).filter(|v| volumes & (1 << v) != 0).collect();
        let base = if persistent {
            Context::VSS_CTX_NAS_ROLLBACK
        } else {
            Context::VSS_CTX_FILE_SHARE_BACKUP
        };
        let context = if transportable {
            Context(base.0 | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32)
        } else {
            base
        };
        let names: Vec<&str> = chosen.iter().map(|v| MOUNTS[*v]).collect();
        self.log.push(format!("create {names:?} in {context}"));
        let reachable = chosen
            .iter()
            .all(|v| self.reaches(0, &Self::original_luns(*v)));
        let before = self.clones();
        let mut r = self.requester(0, None)?;
        r.set_context(context)
            .map_err(|hr| self.fail(format!("SetContext: {hr}")))?;
        let set_id = r
            .start_snapshot_set()
            .map_err(|hr| self.fail(format!("StartSnapshotSet: {hr}")))?;
        let mut copies = Vec::new();
        for &v in &chosen {
            match r.add_to_snapshot_set(MOUNTS[v], VssId::NULL) {
                Ok(id) => copies.push(KnownCopy {
                    id,
                    volume: v,
                    device: None,
                    content: self.originals[v].clone(),
                }),
                Err(hr) if !reachable => {
                    self.log
                        .push(format!("  AddToSnapshotSet: {hr}, as a volume is masked"));
                    r.abort_backup()
                        .map_err(|hr| self.fail(format!("AbortBackup: {hr}")))?;
                    return Ok(());
                }
                Err(hr) => return Err(self.fail(format!("AddToSnapshotSet({}): {hr}", MOUNTS[v]))),
            }
        }
        if !reachable {
            return Err(self.fail("AddToSnapshotSet took a volume HOSTA does not reach"));
        }
        let op = r
            .do_snapshot_set()
            .map_err(|hr| self.fail(format!("DoSnapshotSet: {hr}")))?;
        let ended = finish(op);
        if ended != HResult::S_OK {
            return Err(self.fail(format!("DoSnapshotSet ended with {ended}")));
        }
        let made: BTreeSet<String> = self.clones().difference(&before).cloned().collect();
        let expected: usize = chosen.iter().map(|v| LUNS_PER_VOLUME[*v]).sum();
        if made.len() != expected {
            return Err(self.fail(format!(
                "DoSnapshotSet made the LUNs {made:?}, not {expected} new ones"
            )));
        }
        let document = if transportable {
            Some(
                r.save_as_xml()
                    .map_err(|hr| self.fail(format!("SaveAsXML: {hr}")))?,
            )
        } else {
            for c in &mut copies {
                let prop = r
                    .get_snapshot_properties(c.id)
                    .map_err(|hr| self.fail(format!("GetSnapshotProperties: {hr}")))?;
                c.device = Some(prop.snapshot_device_object);
            }
            None
        };
        self.log.push(format!("  set {set_id} on LUNs {made:?}"));
        let owner = self.keep(0, r);
        self.sets.push(Set {
            id: set_id,
            persistent,
            luns: made,
            copies,
            document,
            owner,
            life: if transportable {
                Life::Transported
            } else {
                Life::Live { machine: 0 }
            },
        });
        Ok(())
    }

    fn import(&mut self, s: usize, machine: usize) -> Result<(), TestCaseError> {
        let set = self.sets[s].clone();
        let Some(xml) = &set.document else {
            self.log.push(format!(
                "import set {} on {}: not transportable, skipped",
                set.id, MACHINES[machine]
            ));
            return Ok(());
        };
        let importable = set.life == Life::Transported;
        let mut r = self.requester(machine, Some(xml))?;
        let result = match r.import_snapshots() {
            Ok(op) => finish(op),
            Err(hr) => hr,
        };
        self.log.push(format!(
            "import set {} on {}: {result}",
            set.id, MACHINES[machine]
        ));
        match (result == HResult::S_OK, importable) {
            (true, true) => {
                let mut copies = set.copies.clone();
                for c in &mut copies {
                    let prop = r
                        .get_snapshot_properties(c.id)
                        .map_err(|hr| self.fail(format!("GetSnapshotProperties: {hr}")))?;
                    if !prop
                        .snapshot_attributes
                        .contains(A::VSS_VOLSNAP_ATTR_IMPORTED)
                    {
                        return Err(self.fail(format!("an imported copy lacks IMPORTED: {prop:?}")));
                    }
                    c.device = Some(prop.snapshot_device_object);
                }
                let owner = self.keep(machine, r);
                let set = &mut self.sets[s];
                set.copies = copies;
                set.life = Life::Live { machine };
                if !set.persistent {
                    set.owner = owner;
                }
                Ok(())
            }
            (false, false) => Ok(()),
            (imported, _) => Err(self.fail(format!(
                "import gave {result} (imported: {imported}) for a set in {:?}",
                set.life
            ))),
        }
    }

    fn break_set(&mut self, s: usize, machine: usize, how: Option<H>) -> Result<(), TestCaseError> {
        let set = self.sets[s].clone();
        let shadows: Vec<Vec<String>> = set
            .copies
            .iter()
            .map(|c| match (&c.device, &set.life) {
                (Some(d), Life::Live { machine: m }) if *m == machine => self
                    .env()
                    .volume_luns(MACHINES[machine], d)
                    .unwrap_or_default(),
                _ => Vec::new(),
            })
            .collect();
        let original_visible = set.copies.iter().any(|c| {
            Self::original_luns(c.volume)
                .iter()
                .any(|l| self.reaches(machine, std::slice::from_ref(l)))
        });
        let reverting = how.is_some_and(|f| f.contains(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL));
        let identities_before = self.identities();
        let mut r = self.admin(machine)?;
        let result = match how {
            None => r.break_snapshot_set(set.id).err().unwrap_or(HResult::S_OK),
            Some(flags) => match r.break_snapshot_set_ex(set.id, flags) {
                Ok(op) => finish(op),
                Err(hr) => hr,
            },
        };
        let label = how.map_or("BreakSnapshotSet".to_string(), |f| {
            format!("BreakSnapshotSetEx({f})")
        });
        self.log.push(format!(
            "{label} of set {} on {}: {result}",
            set.id, MACHINES[machine]
        ));
        let live_here = set.life == Life::Live { machine };
        let expected = match (live_here, reverting && original_visible) {
            (false, _) => HResult::VSS_E_OBJECT_NOT_FOUND,
            (true, true) => HResult::VSS_E_BREAK_REVERT_ID_FAILED,
            (true, false) => HResult::S_OK,
        };
        if result != expected {
            return Err(self.fail(format!("{label} gave {result}, not {expected}")));
        }
        if result != HResult::S_OK {
            if self.identities() != identities_before {
                return Err(self.fail("a refused break changed a disk identity"));
            }
            return Ok(());
        }
        // The volumes' own LUNs carry the originals' identities after a revert.
        if reverting {
            let states = self.env().luns();
            for (c, luns) in set.copies.iter().zip(&shadows) {
                for (shadow, original) in luns.iter().zip(Self::original_luns(c.volume)) {
                    let id = |name: &str| {
                        states
                            .iter()
                            .find(|l| l.name == name)
                            .map(|l| l.identity.clone())
                    };
                    if id(shadow) != id(&original) {
                        return Err(
                            self.fail(format!("{shadow} was not given {original}'s identity"))
                        );
                    }
                }
            }
        }
        let masked = how.is_some_and(|f| f.contains(H::VSS_BREAKEX_FLAG_MASK_LUNS));
        self.sets[s].life = Life::Broken { machine, masked };
        Ok(())
    }

    /// Every LUN's identity, by name.
    fn identities(&self) -> BTreeMap<String, String> {
        self.env()
            .luns()
            .into_iter()
            .map(|l| (l.name, l.identity))
            .collect()
    }

    fn delete(&mut self, s: usize, machine: usize) -> Result<(), TestCaseError> {
        let set = self.sets[s].clone();
        let mut r = self.admin(machine)?;
        let result = r.delete_snapshots(set.id, ObjectType::VSS_OBJECT_SNAPSHOT_SET, true);
        let hr = match &result {
            Ok(_) => HResult::S_OK,
            Err(f) => f.hr,
        };
        self.log.push(format!(
            "delete set {} on {}: {hr}",
            set.id, MACHINES[machine]
        ));
        let ok = hr == HResult::S_OK;
        match (&set.life, ok) {
            (Life::Live { machine: m }, true) if *m == machine => {}
            (Life::Live { machine: m }, false) if *m != machine => return Ok(()),
            // Not documented: the creator may or may not delete a set not yet imported.
            (Life::Transported, _) if machine == 0 => {
                if !ok {
                    return Ok(());
                }
            }
            (Life::Transported | Life::Broken { .. } | Life::Gone, false) => return Ok(()),
            (life, _) => {
                return Err(self.fail(format!("DeleteSnapshots gave {hr} for a set in {life:?}")));
            }
        }
        self.sets[s].life = Life::Gone;
        Ok(())
    }

    fn mask(&mut self, lun: &Index, machine: usize, visible: bool) -> Result<(), TestCaseError> {
        let names: Vec<String> = self
            .env()
            .luns()
            .into_iter()
            .filter(|l| !l.deleted)
            .map(|l| l.name)
            .collect();
        let name = &names[lun.index(names.len())];
        self.log.push(format!(
            "{} {name} {} {}",
            if visible { "unmask" } else { "mask" },
            if visible { "to" } else { "from" },
            MACHINES[machine]
        ));
        self.env()
            .set_lun_visible(MACHINES[machine], name, visible)
            .map_err(|e| self.fail(format!("set_lun_visible: {e}")))
    }

    fn write_broken(&mut self, s: usize, block: u64, value: u8) -> Result<(), TestCaseError> {
        let set = self.sets[s].clone();
        let Life::Broken {
            machine,
            masked: false,
        } = set.life
        else {
            self.log
                .push("write to a broken volume: none in that set, skipped".into());
            return Ok(());
        };
        let c = block as usize % set.copies.len();
        let device = set.copies[c]
            .device
            .clone()
            .expect("surfaced before the break");
        let host = MACHINES[machine];
        let data = content(&device, block, value);
        let made_writable = self.env().set_volume_read_only(host, &device, false);
        let written = made_writable
            .and_then(|()| self.env().write_block(host, &device, block, data.content()));
        self.log.push(format!(
            "write {device} on {host} block {block} value {value}: {}",
            if written.is_ok() {
                "done"
            } else {
                "not reached"
            }
        ));
        match written {
            Ok(()) => {
                self.sets[s].copies[c].content.insert(block, data);
                Ok(())
            }
            Err(EnvError::UnknownTarget { .. }) => Ok(()),
            Err(e) => Err(self.fail(format!("writing a broken volume: {e}"))),
        }
    }

    fn release(&mut self, requester: &Index) {
        if self.requesters.is_empty() {
            self.log
                .push("release: no requester object, skipped".into());
            return;
        }
        let r = self
            .requesters
            .remove(requester.index(self.requesters.len()));
        self.log.push(format!("release requester #{}", r.number));
        drop(r.components);
        for set in &mut self.sets {
            let held = matches!(set.life, Life::Transported | Life::Live { .. });
            if held && !set.persistent && set.owner == r.number {
                set.life = Life::Gone;
            }
        }
    }

    fn reboot(&mut self, machine: usize) -> Result<(), TestCaseError> {
        self.log.push(format!("reboot {}", MACHINES[machine]));
        self.env()
            .reboot(MACHINES[machine])
            .map_err(|e| self.fail(format!("reboot: {e}")))?;
        self.requesters.retain(|r| r.machine != machine);
        for set in &mut self.sets {
            let here = match set.life {
                Life::Transported => machine == 0,
                Life::Live { machine: m } => m == machine,
                _ => false,
            };
            if here && !set.persistent {
                set.life = Life::Gone;
            }
        }
        Ok(())
    }

    fn check(&self) -> Result<(), TestCaseError> {
        self.check_luns()?;
        self.check_queries()?;
        self.check_data()
    }

    /// Invariant 1: every LUN is accounted for.
    fn check_luns(&self) -> Result<(), TestCaseError> {
        let states = self.env().luns();
        for original in ORIGINALS {
            if !states.iter().any(|l| l.name == original && !l.deleted) {
                return Err(self.fail(format!("the original {original} is gone")));
            }
        }
        let mut kept = BTreeSet::new();
        let mut handed_back = BTreeSet::new();
        for set in &self.sets {
            let target = if set.life == Life::Gone {
                &mut handed_back
            } else {
                &mut kept
            };
            target.extend(set.luns.iter().cloned());
        }
        let clones = self.clones();
        if clones != kept {
            let lost: Vec<_> = kept.difference(&clones).collect();
            let stray: Vec<_> = clones.difference(&kept).collect();
            return Err(self.fail(format!(
                "LUNs of sets still held but not on the array: {lost:?}; LUNs on the array no set holds: {stray:?}"
            )));
        }
        let deleted: BTreeSet<String> = states
            .into_iter()
            .filter(|l| l.deleted)
            .map(|l| l.name)
            .collect();
        if deleted != handed_back {
            return Err(self.fail(format!(
                "deleted LUNs {deleted:?}, but the sets gone had {handed_back:?}"
            )));
        }
        Ok(())
    }

    /// Invariant 2: VSS lists exactly the live sets' copies on each machine.
    fn check_queries(&self) -> Result<(), TestCaseError> {
        for (machine, name) in MACHINES.iter().enumerate() {
            let mut admin = self.admin(machine)?;
            let listed: BTreeSet<VssId> = admin
                .query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                )
                .map_err(|hr| self.fail(format!("Query: {hr}")))?
                .into_iter()
                .filter_map(|o| match o {
                    ObjectProp::Snapshot(p) => Some(p.snapshot_id),
                    ObjectProp::Provider(_) => None,
                })
                .collect();
            let live: BTreeSet<VssId> = self
                .sets
                .iter()
                .filter(|s| s.life == Life::Live { machine })
                .flat_map(|s| s.copies.iter().map(|c| c.id))
                .collect();
            if listed != live {
                return Err(self.fail(format!(
                    "Query on {name} lists {listed:?}, the live copies there are {live:?}"
                )));
            }
        }
        Ok(())
    }

    /// Invariants 3 and 4: originals, live copies and broken volumes read what they must.
    fn check_data(&self) -> Result<(), TestCaseError> {
        for (v, blocks) in self.originals.iter().enumerate() {
            if !self.reaches(0, &Self::original_luns(v)) {
                continue;
            }
            for (block, want) in blocks {
                self.expect_block(0, MOUNTS[v], *block, want)?;
            }
        }
        for set in &self.sets {
            let machine = match set.life {
                Life::Live { machine }
                | Life::Broken {
                    machine,
                    masked: false,
                } => machine,
                _ => continue,
            };
            for c in &set.copies {
                let device = c.device.as_deref().expect("surfaced");
                let luns = self.env().volume_luns(MACHINES[machine], device);
                let Ok(luns) = luns else {
                    // Reached only while all its LUNs are unmasked to the machine.
                    if set
                        .luns
                        .iter()
                        .all(|l| self.reaches(machine, std::slice::from_ref(l)))
                    {
                        return Err(
                            self.fail(format!("{device} is not found on {}", MACHINES[machine]))
                        );
                    }
                    continue;
                };
                if !luns.iter().all(|l| set.luns.contains(l)) {
                    return Err(self.fail(format!("{device} lies on {luns:?}, not its set's LUNs")));
                }
                for (block, want) in &c.content {
                    self.expect_block(machine, device, *block, want)?;
                }
            }
        }
        Ok(())
    }

    fn expect_block(
        &self,
        machine: usize,
        target: &str,
        block: u64,
        want: &Block,
    ) -> Result<(), TestCaseError> {
        let got = self
            .env()
            .read_block(MACHINES[machine], target, block)
            .map_err(|e| self.fail(format!("reading {target} block {block}: {e}")))?;
        if &got != want {
            return Err(self.fail(format!(
                "{target} block {block} on {} reads {got}, not {want}",
                MACHINES[machine]
            )));
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(common::config(0x1a5e_0001, 48))]

    #[test]
    fn no_lun_is_lost_and_no_original_changes(ops in ops()) {
        let mut h = Harness::new();
        for op in &ops {
            h.run(op)?;
        }
        // At the end, every original is unmasked to HOSTA again and read in full.
        for lun in ORIGINALS {
            h.env().set_lun_visible("HOSTA", lun, true).map_err(|e| h.fail(e))?;
        }
        h.check()?;
    }
}

#[test]
fn the_luns_span_what_the_volumes_need() {
    // G:\ spans two LUNs of LUN_BLOCKS blocks: its last block lies on the second.
    let h = Harness::new();
    let last = 2 * LUN_BLOCKS - 1;
    h.env()
        .write_block("HOSTA", r"G:\", last, b"end of G")
        .expect("G: holds two LUNs' worth of blocks");
    assert_eq!(
        h.env().read_block("HOSTA", r"G:\", last).unwrap(),
        Block::new(b"end of G").unwrap()
    );
    assert_eq!(
        h.env().volume_luns("HOSTA", r"G:\").unwrap(),
        ["LUN-G1", "LUN-G2"]
    );
}
