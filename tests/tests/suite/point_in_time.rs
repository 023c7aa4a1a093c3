//! Point-in-time data survives random writes, shadow copy creations, deletions and releases.
//!
//! The property test drives one small machine through the public API only (the simulator as
//! a [`Backend`], and its [`Environment`] for block I/O). The machine has two volumes of 64
//! blocks: `E:\` with a diff area bounded to 6 blocks, `F:\` with an unbounded one. Proptest
//! generates sequences of operations, simplest first so that shrinking gives short cases:
//!
//! - `Write`: a block of a volume gets new content;
//! - `Create`: a new requester object makes a shadow copy set of one or both volumes, in
//!   `VSS_CTX_FILE_SHARE_BACKUP` (non-persistent, auto-release) or `VSS_CTX_NAS_ROLLBACK`
//!   (persistent); the object is kept alive;
//! - `Delete`: `DeleteSnapshots` of a live shadow copy, or of its whole set;
//! - `Release`: one of the live requester objects is dropped.
//!
//! A plain model keeps each volume's content and, for every shadow copy, its volume's
//! content at its creation. After every operation:
//!
//! 1. every shadow copy that still exists (`GetSnapshotProperties` under `VSS_CTX_ALL`)
//!    reads, through its device object, exactly its point-in-time content for every block
//!    ever written, and zeros on a sample of the others;
//! 2. every original volume reads the model's live content;
//! 3. shadow copies disappear only by the test's own `Delete` or `Release`, or by diff-area
//!    overflow on the bounded volume during a write that needs room (the written block still
//!    holds content some copy sees); the copies overflow removes are the oldest of that volume,
//!    so the ones left are a suffix of its copies in creation order; `Query` under
//!    `VSS_CTX_ALL` lists exactly the copies left, and a vanished copy's device cannot be read;
//!    overflow removes no more copies than it must, counting, as the system provider does,
//!    one 16 KiB block per block and first write after a live copy's creation (the copies
//!    that write follows share it), and the copies left never need more than the maximum;
//! 4. releasing a requester object deletes the auto-release shadow copies it made, and
//!    leaves the persistent ones.
//!
//! `VSS_SIM_DEEP=1` runs many more and longer cases; `VSS_SIM_SEED` changes the seed.
//!
//! A second, plain test shows that sparse storage works at 64 TiB: blocks at both ends of
//! such a volume are written, shadow copied, overwritten and read back.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::TestCaseError;
use vss_model::backend::{
    Backend, BackupComponents, Deleted, EnvError, Environment, INFINITE, VssAsync,
};
use vss_model::{BLOCK_SIZE, Block, Context, HResult, ObjectProp, ObjectType, VssId};
use vss_sim::world_file;
use vss_sim::{SimComponents, Simulator};

use crate::common;

const MACHINE: &str = "HOST";
const MOUNTS: [&str; 2] = [r"E:\", r"F:\"];
/// Blocks per volume (1 MiB of 16 KiB blocks).
const BLOCKS: u64 = 64;
/// The volume whose diff area is bounded.
const BOUNDED: usize = 0;
/// The maximum of its diff area, in blocks (96 KiB).
const BOUNDED_MAX_BLOCKS: usize = 6;
/// Unwritten blocks whose zeros are checked on every shadow copy.
const SAMPLE: [u64; 6] = [0, 1, 31, 32, 62, 63];

const WORLD: &str = r"
seed: 7
machines:
  - name: HOST
    writers: []
    volumes:
      - mount: 'E:\'
        size: 1 MiB
        diff_area: { min: 0, max: 96 KiB }
      - mount: 'F:\'
        size: 1 MiB
        diff_area: { min: 0 }
";

#[derive(Debug, Clone)]
enum Op {
    Write {
        volume: usize,
        block: u64,
        value: u8,
    },
    Create {
        /// Bit 0: `E:\`, bit 1: `F:\`.
        volumes: u8,
        persistent: bool,
    },
    Delete {
        copy: Index,
        whole_set: bool,
    },
    Release {
        requester: Index,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let block = prop_oneof![0..8u64, 0..BLOCKS];
    let value = prop_oneof![9 => 1..=u8::MAX, 1 => Just(0u8)];
    prop_oneof![
        6 => (0..2usize, block, value)
            .prop_map(|(volume, block, value)| Op::Write { volume, block, value }),
        2 => (1..=3u8, any::<bool>())
            .prop_map(|(volumes, persistent)| Op::Create { volumes, persistent }),
        1 => (any::<Index>(), any::<bool>())
            .prop_map(|(copy, whole_set)| Op::Delete { copy, whole_set }),
        1 => any::<Index>().prop_map(|requester| Op::Release { requester }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let max = if common::deep() { 200 } else { 80 };
    proptest::collection::vec(op(), 1..max)
}

/// What a write of `value` puts in a block: zeros for 0, otherwise a readable marker, and for
/// odd values a last byte too, so that whole blocks are preserved and compared.
fn content(volume: usize, block: u64, value: u8) -> Vec<u8> {
    if value == 0 {
        return Vec::new();
    }
    let mut data = format!("{} block {block} value {value}", MOUNTS[volume]).into_bytes();
    if value % 2 == 1 {
        data.resize(BLOCK_SIZE, 0);
        data[BLOCK_SIZE - 1] = value;
    }
    data
}

/// A block as a failure message shows it: its marker, and how long it is when it fills more.
fn show(block: &Block) -> String {
    let bytes = block.content();
    if bytes.is_empty() {
        return "<zeros>".into();
    }
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    let text = String::from_utf8_lossy(&bytes[..end]);
    if end == bytes.len() {
        format!("{text:?}")
    } else {
        format!(
            "{text:?} then up to byte {} = {:#04x}",
            bytes.len() - 1,
            bytes[bytes.len() - 1]
        )
    }
}

fn block_of(data: &[u8]) -> Block {
    Block::new(data).expect("test data fits in a block")
}

/// One shadow copy the model expects to exist.
#[derive(Debug, Clone)]
struct ModelCopy {
    id: VssId,
    set_id: VssId,
    volume: usize,
    device: String,
    /// Its volume's content at its creation.
    content: Vec<Block>,
    /// For each block of its volume written since its creation, the number of the first
    /// such write: copies with the same first write share one preserved old content.
    first_writes: BTreeMap<u64, u64>,
    /// The requester object that made it.
    owner: u64,
    auto_release: bool,
}

/// How many old block contents a diff area must hold for these copies of one volume: one per
/// block and first write after a copy's creation, shared by the copies that write follows.
fn preserved_blocks<'a>(copies: impl Iterator<Item = &'a ModelCopy>) -> usize {
    copies
        .flat_map(|c| c.first_writes.iter().map(|(b, w)| (*b, *w)))
        .collect::<BTreeSet<_>>()
        .len()
}

/// One live requester object that made a set.
struct ModelRequester {
    number: u64,
    components: SimComponents,
    auto_release: bool,
}

struct Harness {
    sim: Simulator,
    /// A requester object in `VSS_CTX_ALL` for administration.
    admin: SimComponents,
    volume_names: [String; 2],
    live: [Vec<Block>; 2],
    /// Every block ever written, per volume.
    written: [BTreeSet<u64>; 2],
    /// How many writes were made.
    writes: u64,
    /// Live shadow copies in creation order.
    copies: Vec<ModelCopy>,
    requesters: Vec<ModelRequester>,
    /// The steps so far, as a failure message shows them.
    log: Vec<String>,
}

fn fail(log: &[String], what: impl std::fmt::Display) -> TestCaseError {
    TestCaseError::fail(format!("{what}\nsteps:\n  {}", log.join("\n  ")))
}

impl Harness {
    fn new() -> Harness {
        let file = world_file::parse(WORLD, "x.yaml").expect("the world parses");
        let sim = Simulator::new(&file).expect("the world is valid");
        let mut admin = sim.create_backup_components(MACHINE).expect("admin object");
        admin.initialize_for_backup(None).expect("admin init");
        admin.set_context(Context::VSS_CTX_ALL).expect("admin ctx");
        let volume_names = MOUNTS.map(|m| {
            sim.volume_name_for_mount_point(MACHINE, m)
                .expect("volume name")
        });
        Harness {
            sim,
            admin,
            volume_names,
            live: [
                vec![Block::zeroed(); BLOCKS as usize],
                vec![Block::zeroed(); BLOCKS as usize],
            ],
            written: [BTreeSet::new(), BTreeSet::new()],
            writes: 0,
            copies: Vec::new(),
            requesters: Vec::new(),
            log: Vec::new(),
        }
    }

    fn fail(&self, what: impl std::fmt::Display) -> TestCaseError {
        fail(&self.log, what)
    }

    fn env(&self) -> &dyn Environment<Components = SimComponents> {
        self.sim
            .environment()
            .expect("the simulator has an environment")
    }

    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let mut gone = Vec::new();
        let mut may_overflow = None;
        match op {
            Op::Write {
                volume,
                block,
                value,
            } => {
                let (v, b) = (*volume, *block);
                self.log
                    .push(format!("write {} block {b} value {value}", MOUNTS[v]));
                let needs_room = self
                    .copies
                    .iter()
                    .any(|c| c.volume == v && !c.first_writes.contains_key(&b));
                let data = content(v, b, *value);
                self.env()
                    .write_block(MACHINE, MOUNTS[v], b, &data)
                    .map_err(|e| self.fail(format!("write_block failed: {e}")))?;
                self.live[v][b as usize] = block_of(&data);
                self.written[v].insert(b);
                self.writes += 1;
                let serial = self.writes;
                for c in self.copies.iter_mut().filter(|c| c.volume == v) {
                    c.first_writes.entry(b).or_insert(serial);
                }
                if needs_room {
                    may_overflow = Some(v);
                }
            }
            Op::Create {
                volumes,
                persistent,
            } => self.create(*volumes, *persistent)?,
            Op::Delete { copy, whole_set } => {
                if self.copies.is_empty() {
                    self.log.push("delete: no shadow copy, skipped".into());
                } else {
                    gone = self.delete(copy.index(self.copies.len()), *whole_set)?;
                }
            }
            Op::Release { requester } => {
                if self.requesters.is_empty() {
                    self.log
                        .push("release: no requester object, skipped".into());
                } else {
                    let r = self
                        .requesters
                        .remove(requester.index(self.requesters.len()));
                    self.log.push(format!(
                        "release requester #{} ({})",
                        r.number,
                        if r.auto_release {
                            "auto-release"
                        } else {
                            "persistent"
                        }
                    ));
                    drop(r.components);
                    if r.auto_release {
                        let (mine, rest) = std::mem::take(&mut self.copies)
                            .into_iter()
                            .partition(|c| c.owner == r.number);
                        self.copies = rest;
                        gone = mine;
                    }
                }
            }
        }
        self.check(&gone, may_overflow)
    }

    fn create(&mut self, volumes: u8, persistent: bool) -> Result<(), TestCaseError> {
        let context = if persistent {
            Context::VSS_CTX_NAS_ROLLBACK
        } else {
            Context::VSS_CTX_FILE_SHARE_BACKUP
        };
        let chosen: Vec<usize> = (0..2).filter(|v| volumes & (1 << v) != 0).collect();
        let mut r = self
            .sim
            .create_backup_components(MACHINE)
            .map_err(|hr| self.fail(format!("CreateVssBackupComponents: {hr}")))?;
        let number = r.number();
        self.log.push(format!(
            "create on requester #{number} in {context}: {}",
            chosen
                .iter()
                .map(|v| MOUNTS[*v])
                .collect::<Vec<_>>()
                .join(" + ")
        ));
        r.initialize_for_backup(None)
            .map_err(|hr| self.fail(format!("InitializeForBackup: {hr}")))?;
        r.set_context(context)
            .map_err(|hr| self.fail(format!("SetContext: {hr}")))?;
        let set_id = r
            .start_snapshot_set()
            .map_err(|hr| self.fail(format!("StartSnapshotSet: {hr}")))?;
        let mut ids = Vec::new();
        for &v in &chosen {
            let id = r
                .add_to_snapshot_set(&self.volume_names[v], VssId::NULL)
                .map_err(|hr| self.fail(format!("AddToSnapshotSet({}): {hr}", MOUNTS[v])))?;
            ids.push((v, id));
        }
        let mut op = r
            .do_snapshot_set()
            .map_err(|hr| self.fail(format!("DoSnapshotSet: {hr}")))?;
        let waited = op.wait(INFINITE);
        prop_assert_eq!(waited, HResult::S_OK, "Wait\n{}", self.log.join("\n"));
        let status = op.query_status();
        prop_assert_eq!(
            status,
            Ok(HResult::VSS_S_ASYNC_FINISHED),
            "QueryStatus after DoSnapshotSet\n{}",
            self.log.join("\n")
        );
        for (v, id) in ids {
            let prop = self
                .admin
                .get_snapshot_properties(id)
                .map_err(|hr| self.fail(format!("GetSnapshotProperties of a new copy: {hr}")))?;
            if prop.original_volume_name != self.volume_names[v] || prop.snapshot_set_id != set_id {
                return Err(self.fail(format!("the new copy's properties are wrong: {prop:?}")));
            }
            let is_persistent = prop
                .snapshot_attributes
                .contains(vss_model::SnapshotAttributes::VSS_VOLSNAP_ATTR_PERSISTENT);
            if is_persistent != persistent {
                return Err(self.fail(format!(
                    "the new copy's attributes do not match {context}: {prop:?}"
                )));
            }
            self.log.push(format!(
                "  {} copy {id} on {}",
                MOUNTS[v], prop.snapshot_device_object
            ));
            self.copies.push(ModelCopy {
                id,
                set_id,
                volume: v,
                device: prop.snapshot_device_object,
                content: self.live[v].clone(),
                first_writes: BTreeMap::new(),
                owner: number,
                auto_release: context.is_auto_release(),
            });
        }
        self.requesters.push(ModelRequester {
            number,
            components: r,
            auto_release: context.is_auto_release(),
        });
        Ok(())
    }

    fn delete(&mut self, index: usize, whole_set: bool) -> Result<Vec<ModelCopy>, TestCaseError> {
        let target = self.copies[index].clone();
        let (source, kind) = if whole_set {
            (target.set_id, ObjectType::VSS_OBJECT_SNAPSHOT_SET)
        } else {
            (target.id, ObjectType::VSS_OBJECT_SNAPSHOT)
        };
        let (gone, rest): (Vec<ModelCopy>, Vec<ModelCopy>) =
            std::mem::take(&mut self.copies).into_iter().partition(|c| {
                if whole_set {
                    c.set_id == target.set_id
                } else {
                    c.id == target.id
                }
            });
        self.copies = rest;
        self.log.push(format!(
            "delete {} {source} ({} copies)",
            if whole_set { "set" } else { "copy" },
            gone.len()
        ));
        let result = self.admin.delete_snapshots(source, kind, false);
        let expected = Deleted {
            deleted: gone.len() as i32,
            nondeleted: VssId::NULL,
        };
        if result != Ok(expected) {
            return Err(self.fail(format!(
                "DeleteSnapshots returned {result:?}, expected {expected:?}"
            )));
        }
        Ok(gone)
    }

    fn exists(&mut self, id: VssId) -> Result<Option<String>, TestCaseError> {
        match self.admin.get_snapshot_properties(id) {
            Ok(prop) => Ok(Some(prop.snapshot_device_object)),
            Err(HResult::VSS_E_OBJECT_NOT_FOUND) => Ok(None),
            Err(hr) => Err(self.fail(format!("GetSnapshotProperties({id}): {hr}"))),
        }
    }

    fn check_gone(&mut self, copy: &ModelCopy, why: &str) -> Result<(), TestCaseError> {
        if self.exists(copy.id)?.is_some() {
            return Err(self.fail(format!("copy {} should be gone ({why})", copy.id)));
        }
        if let Ok(b) = self.env().read_block(MACHINE, &copy.device, 0) {
            return Err(self.fail(format!(
                "the device {} of vanished copy {} still reads ({})",
                copy.device,
                copy.id,
                show(&b)
            )));
        }
        Ok(())
    }

    fn check(
        &mut self,
        gone: &[ModelCopy],
        may_overflow: Option<usize>,
    ) -> Result<(), TestCaseError> {
        for copy in gone {
            let why = if copy.auto_release {
                "deleted or auto-released"
            } else {
                "deleted"
            };
            self.check_gone(copy, why)?;
        }

        // (3) Which model copies vanished on their own?
        let mut vanished = Vec::new();
        let known: Vec<(VssId, String)> = self
            .copies
            .iter()
            .map(|c| (c.id, c.device.clone()))
            .collect();
        for (i, (id, device)) in known.into_iter().enumerate() {
            match self.exists(id)? {
                None => vanished.push(i),
                Some(d) if d != device => {
                    return Err(self.fail(format!("copy {id} changed device from {device} to {d}")));
                }
                Some(_) => {}
            }
        }
        if !vanished.is_empty() {
            let ids: Vec<String> = vanished
                .iter()
                .map(|i| {
                    let c = &self.copies[*i];
                    format!("{} ({})", c.id, MOUNTS[c.volume])
                })
                .collect();
            let Some(v) = may_overflow.filter(|v| *v == BOUNDED) else {
                return Err(self.fail(format!(
                    "shadow copies vanished without a delete, a release, or an overflow of the bounded \
                     diff area on a write that needs room in it: {}",
                    ids.join(", ")
                )));
            };
            if let Some(i) = vanished.iter().find(|i| self.copies[**i].volume != v) {
                return Err(self.fail(format!(
                    "copy {} of {} vanished on an overflow of {}",
                    self.copies[*i].id, MOUNTS[self.copies[*i].volume], MOUNTS[v]
                )));
            }
            // The survivors of the volume must be a suffix of its copies in creation order.
            let on_volume: Vec<usize> = (0..self.copies.len())
                .filter(|i| self.copies[*i].volume == v)
                .collect();
            let first_survivor = on_volume
                .iter()
                .position(|i| !vanished.contains(i))
                .unwrap_or(on_volume.len());
            if on_volume[first_survivor..]
                .iter()
                .any(|i| vanished.contains(i))
            {
                return Err(self.fail(format!(
                    "diff-area overflow on {} removed copies that are not the oldest: {}",
                    MOUNTS[v],
                    ids.join(", ")
                )));
            }
            self.log
                .push(format!("  overflow removed {}", ids.join(", ")));
            let removed: Vec<ModelCopy> =
                vanished.iter().map(|i| self.copies[*i].clone()).collect();
            self.copies = std::mem::take(&mut self.copies)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| !vanished.contains(i))
                .map(|(_, c)| c)
                .collect();
            for c in &removed {
                self.check_gone(c, "removed by overflow")?;
            }
            // Only as many as needed: with the newest removed copy kept, the diff area would
            // have had to hold more than its maximum.
            let newest = removed.last().expect("some copies were removed");
            let kept = self.copies.iter().filter(|c| c.volume == v);
            let need = preserved_blocks(kept.chain([newest]));
            if need <= BOUNDED_MAX_BLOCKS {
                return Err(self.fail(format!(
                    "overflow on {} removed copy {} although, with it, the diff area would hold \
                     {need} blocks, no more than its maximum of {BOUNDED_MAX_BLOCKS}",
                    MOUNTS[v], newest.id
                )));
            }
        }
        let need = preserved_blocks(self.copies.iter().filter(|c| c.volume == BOUNDED));
        if need > BOUNDED_MAX_BLOCKS {
            return Err(self.fail(format!(
                "the copies of {} keep {need} overwritten blocks, more than the diff area's \
                 maximum of {BOUNDED_MAX_BLOCKS}",
                MOUNTS[BOUNDED]
            )));
        }

        // (3) Query lists exactly the model's copies.
        let listed = self
            .admin
            .query(
                VssId::NULL,
                ObjectType::VSS_OBJECT_NONE,
                ObjectType::VSS_OBJECT_SNAPSHOT,
            )
            .map_err(|hr| self.fail(format!("Query: {hr}")))?;
        let listed: BTreeSet<VssId> = listed
            .into_iter()
            .filter_map(|o| match o {
                ObjectProp::Snapshot(s) => Some(s.snapshot_id),
                ObjectProp::Provider(_) => None,
            })
            .collect();
        let expected: BTreeSet<VssId> = self.copies.iter().map(|c| c.id).collect();
        if listed != expected {
            return Err(self.fail(format!(
                "Query lists {listed:?}, the model has {expected:?}"
            )));
        }

        // (1) Every copy reads its point-in-time content.
        let env = self.env();
        for c in &self.copies {
            let blocks = self.written[c.volume].iter().chain(SAMPLE.iter());
            for &b in blocks {
                let read = env
                    .read_block(MACHINE, &c.device, b)
                    .map_err(|e| fail(&self.log, format!("read {} block {b}: {e}", c.device)))?;
                if read != c.content[b as usize] {
                    return Err(fail(
                        &self.log,
                        format!(
                            "copy {} of {} ({}) reads block {b} as {}, it was {} at its creation",
                            c.id,
                            MOUNTS[c.volume],
                            c.device,
                            show(&read),
                            show(&c.content[b as usize])
                        ),
                    ));
                }
            }
            match env.read_block(MACHINE, &c.device, BLOCKS) {
                Err(EnvError::OutOfRange { .. }) => {}
                other => {
                    return Err(fail(
                        &self.log,
                        format!("reading past the end of {} gave {other:?}", c.device),
                    ));
                }
            }
        }

        // (2) The original volumes read the live content.
        for (mount, live) in MOUNTS.iter().zip(&self.live) {
            for (b, expected) in (0..BLOCKS).zip(live) {
                let read = env
                    .read_block(MACHINE, mount, b)
                    .map_err(|e| fail(&self.log, format!("read {mount} block {b}: {e}")))?;
                if read != *expected {
                    return Err(fail(
                        &self.log,
                        format!(
                            "{mount} reads block {b} as {}, expected {}",
                            show(&read),
                            show(expected)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(common::config(0x5eed_7153, 64))]

    #[test]
    fn point_in_time_data_holds(ops in ops()) {
        let mut h = Harness::new();
        for op in &ops {
            h.run(op)?;
        }
        // (4) At the end, releasing everything leaves exactly the persistent copies.
        let requesters = std::mem::take(&mut h.requesters);
        drop(requesters);
        h.log.push("release every requester object".into());
        let (auto, persistent): (Vec<ModelCopy>, Vec<ModelCopy>) = std::mem::take(&mut h.copies)
            .into_iter()
            .partition(|c| c.auto_release);
        h.copies = persistent;
        h.check(&auto, None)?;
    }
}

#[test]
fn sparse_storage_at_64_tib() {
    let world = r"
machines:
  - name: HOST
    writers: []
    volumes:
      - mount: 'E:\'
        size: 64 TiB
";
    let file = world_file::parse(world, "x.yaml").expect("the world parses");
    let sim = Simulator::new(&file).expect("the world is valid");
    let env = sim.environment().expect("an environment");
    let blocks = (64u64 << 40) / BLOCK_SIZE as u64;
    let ends = [0, 1, blocks / 2, blocks - 2, blocks - 1];
    let old = |b: u64| format!("old {b}").into_bytes();
    let new = |b: u64| format!("new {b}").into_bytes();
    for b in ends {
        env.write_block(MACHINE, MOUNTS[0], b, &old(b))
            .expect("write");
    }
    assert!(matches!(
        env.write_block(MACHINE, MOUNTS[0], blocks, b"past the end"),
        Err(EnvError::OutOfRange { .. })
    ));

    let mut r = sim.create_backup_components(MACHINE).expect("object");
    r.initialize_for_backup(None).expect("init");
    r.set_context(Context::VSS_CTX_NAS_ROLLBACK).expect("ctx");
    r.start_snapshot_set().expect("start");
    let volume = sim
        .volume_name_for_mount_point(MACHINE, MOUNTS[0])
        .expect("volume name");
    let id = r.add_to_snapshot_set(&volume, VssId::NULL).expect("add");
    let mut op = r.do_snapshot_set().expect("DoSnapshotSet");
    assert_eq!(op.wait(INFINITE), HResult::S_OK);
    assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
    let device = r
        .get_snapshot_properties(id)
        .expect("properties")
        .snapshot_device_object;

    for b in ends {
        env.write_block(MACHINE, MOUNTS[0], b, &new(b))
            .expect("overwrite");
    }
    for b in ends {
        assert_eq!(
            env.read_block(MACHINE, MOUNTS[0], b).expect("read volume"),
            block_of(&new(b))
        );
        assert_eq!(
            env.read_block(MACHINE, &device, b).expect("read copy"),
            block_of(&old(b))
        );
    }
    for b in [2, blocks / 3, blocks - 3] {
        assert_eq!(
            env.read_block(MACHINE, MOUNTS[0], b).expect("read"),
            Block::zeroed()
        );
        assert_eq!(
            env.read_block(MACHINE, &device, b).expect("read"),
            Block::zeroed()
        );
    }
    assert!(matches!(
        env.read_block(MACHINE, &device, blocks),
        Err(EnvError::OutOfRange { .. })
    ));
}
