//! The simulator against the reference model, step by step, with the invariants checked
//! after every step.
//!
//! A [`Harness`] runs [`Step`]s of `vss_reference` on a fresh [`Simulator`] of
//! [`WORLD`] and on the reference [`ReferenceModel`] of the same world, and fails at the first step
//! where they disagree: a different HRESULT or value, a different list of shadow copies on a
//! machine, a different state of the array's LUNs, or data that is not what it must be. Every
//! step is also written down as a scenario step, so a failing case can be replayed with
//! `vss-sim run` (see [`Harness::scenario`]).
//!
//! The invariants checked after every step:
//! - every original volume a machine reaches reads what was last written to it, or what a
//!   revert gave it back: VSS changes an original only when it reverts it;
//! - every live shadow copy reads its original's content at the time it was made;
//! - every broken volume its machine reaches reads its point-in-time content; one whose LUNs
//!   are masked from the machine cannot be read there at all;
//! - `Query` under `VSS_CTX_ALL` on each machine lists exactly the copies the model has there,
//!   with the same attributes and exposure: nothing broken or deleted reappears, nothing of a
//!   failed set remains;
//! - the array's LUNs are exactly the model's: no LUN leaked, none lost, each masked, hidden,
//!   read-only and carrying an identity as the model says.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use vss_model::backend::{Backend, BackupComponents, EnvError, INFINITE, VssAsync};
use vss_model::{Block, Context, HResult, ObjectProp, ObjectType, ProviderType, VssId};
use vss_reference::{
    CopyView, Id, LunView, MachineSpec, Prediction, ProviderChoice, Ref, ReferenceModel,
    RequesterCall, Step, Value, VolumeSpec, WorldSpec,
};
use vss_sim::Simulator;
use vss_sim::world_file;
use vss_sim_com::ComSim;

/// The world of the model-based tests: HOSTA with a local `C:\`, `E:\` on one LUN and `G:\`
/// on two; HOSTB with a local `C:\`, whose diff area holds two blocks, and no LUN. Both run the system provider and the array's
/// hardware provider, and no writers.
pub const WORLD: &str = r"
seed: 17
san:
  luns:
    - { name: LUN-E, size: 1 MiB, visible_to: [HOSTA] }
    - { name: LUN-G1, size: 1 MiB, gpt: true, visible_to: [HOSTA] }
    - { name: LUN-G2, size: 1 MiB, visible_to: [HOSTA] }
machines:
  - name: HOSTA
    providers: [system, hardware]
    writers: []
    volumes:
      - { mount: 'C:\', size: 1 GiB }
      - { mount: 'E:\', luns: [LUN-E] }
      - { mount: 'G:\', luns: [LUN-G1, LUN-G2] }
  - name: HOSTB
    providers: [system, hardware]
    writers: []
    volumes:
      - { mount: 'C:\', size: 1 GiB, diff_area: { max: 32 KiB, min: 16 KiB } }
";

/// The blocks HOSTB's `C:\` diff area holds at most (32 KiB of 16 KiB blocks): a few writes
/// overflow it.
const DIFF_AREA_BLOCKS: u64 = 2;

/// The machines of [`WORLD`], in order.
pub const MACHINES: [&str; 2] = ["HOSTA", "HOSTB"];

/// The array's LUNs of [`WORLD`], in order.
pub const LUNS: [&str; 3] = ["LUN-E", "LUN-G1", "LUN-G2"];

/// A name no volume has, for `AddToSnapshotSet` steps past the machine's volumes.
const NO_VOLUME: &str = r"Z:\";

/// An id VSS never hands out.
const UNKNOWN_ID: VssId = VssId::from_u128(0x0bad0bad_0000_4000_8000_00000000dead);

/// [`WORLD`] as the model sees it.
pub fn world_spec() -> WorldSpec {
    let local = |mount: &str, diff_area_blocks| VolumeSpec {
        mount: mount.to_string(),
        luns: Vec::new(),
        diff_area_blocks,
    };
    WorldSpec {
        machines: vec![
            MachineSpec {
                name: MACHINES[0].to_string(),
                volumes: vec![
                    local(r"C:\", None),
                    VolumeSpec {
                        mount: r"E:\".to_string(),
                        luns: vec![0],
                        diff_area_blocks: None,
                    },
                    VolumeSpec {
                        mount: r"G:\".to_string(),
                        luns: vec![1, 2],
                        diff_area_blocks: None,
                    },
                ],
                hardware_provider: true,
            },
            MachineSpec {
                name: MACHINES[1].to_string(),
                volumes: vec![local(r"C:\", Some(DIFF_AREA_BLOCKS))],
                hardware_provider: true,
            },
        ],
        luns: LUNS
            .iter()
            .map(|name| vss_reference::LunSpec {
                name: name.to_string(),
                visible_to: vec![0],
            })
            .collect(),
        differential: true,
        plex: true,
        transportable: true,
        max_client_accessible: 64,
    }
}

/// Where the simulator and the model parted, and the run so far as a scenario.
#[derive(Debug, Clone)]
pub struct Disagreement {
    /// The step (1-based) after which they disagreed.
    pub step: usize,
    /// What differed.
    pub what: String,
    /// The steps so far as a scenario file `vss-sim run` replays (YAML).
    pub scenario: String,
}

impl std::fmt::Display for Disagreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step {}: {}\n--- the run as a scenario ---\n{}",
            self.step, self.what, self.scenario
        )
    }
}

/// The content of a volume's blocks, by number: `Some(v)` is the text `v{v}`, `None` zeros
/// (what a revert gives back of a block written after the shadow copy).
type Blocks = BTreeMap<u64, Option<u8>>;

/// A broken volume: it keeps its device name and its point-in-time content.
#[derive(Debug, Clone)]
struct Broken {
    machine: usize,
    device: String,
    data: Blocks,
    luns: Vec<usize>,
}

/// A backend that is the simulator underneath: the simulator itself, or the simulator
/// reached through COM ([`ComSim`]), so that the model checks the COM layer too.
pub trait OnSimulator: Backend {
    /// Serves a simulator.
    fn serve(sim: Simulator) -> Self;
    /// The simulator underneath.
    fn simulator(&self) -> &Simulator;
}

impl OnSimulator for Simulator {
    fn serve(sim: Simulator) -> Simulator {
        sim
    }

    fn simulator(&self) -> &Simulator {
        self
    }
}

impl OnSimulator for ComSim {
    fn serve(sim: Simulator) -> ComSim {
        ComSim::new(sim)
    }

    fn simulator(&self) -> &Simulator {
        ComSim::simulator(self)
    }
}

/// The simulator (directly, or through COM) and the model side by side.
pub struct Harness<B: OnSimulator = Simulator> {
    sim: B,
    model: ReferenceModel,
    objects: BTreeMap<(usize, u8), B::Components>,
    set_ids: Vec<VssId>,
    snapshot_ids: Vec<VssId>,
    documents: Vec<String>,
    system: VssId,
    hardware: VssId,
    /// What was written to each original volume (machine, volume), block by block.
    written: BTreeMap<(usize, usize), Blocks>,
    /// The point-in-time content of every shadow copy made.
    copy_data: BTreeMap<Id, Blocks>,
    /// The device of every live shadow copy, as `Query` last showed it.
    devices: BTreeMap<Id, (usize, String)>,
    broken: Vec<Broken>,
    lines: Vec<String>,
    outcomes: Vec<(&'static str, HResult)>,
    overflow_deletions: usize,
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

impl Harness {
    /// A fresh simulator of [`WORLD`] and the model of it.
    pub fn new() -> Harness {
        Harness::on()
    }
}

impl<B: OnSimulator> Harness<B> {
    /// A fresh simulator of [`WORLD`], served as `B`, and the model of it.
    pub fn on() -> Harness<B> {
        let file = world_file::parse(WORLD, "model-world.yaml").expect("the world parses");
        let sim = B::serve(Simulator::new(&file).expect("the world builds"));
        let (mut system, mut hardware) = (VssId::NULL, VssId::NULL);
        let mut probe = sim
            .create_backup_components(MACHINES[0])
            .expect("an object");
        probe.initialize_for_backup(None).expect("initialized");
        let providers = probe
            .query(
                VssId::NULL,
                ObjectType::VSS_OBJECT_NONE,
                ObjectType::VSS_OBJECT_PROVIDER,
            )
            .expect("the providers are listed");
        for provider in providers {
            if let ObjectProp::Provider(p) = provider {
                match p.provider_type {
                    ProviderType::VSS_PROV_SYSTEM => system = p.provider_id,
                    ProviderType::VSS_PROV_HARDWARE => hardware = p.provider_id,
                    _ => {}
                }
            }
        }
        // Without both ids, a step naming the system or hardware provider would silently
        // name none.
        assert!(
            !system.is_null() && !hardware.is_null(),
            "the world's providers are not both listed: system {system}, hardware {hardware}"
        );
        drop(probe);
        sim.simulator().take_trace();
        Harness {
            sim,
            model: ReferenceModel::new(world_spec()),
            objects: BTreeMap::new(),
            set_ids: Vec::new(),
            snapshot_ids: Vec::new(),
            documents: Vec::new(),
            system,
            hardware,
            written: BTreeMap::new(),
            copy_data: BTreeMap::new(),
            devices: BTreeMap::new(),
            broken: Vec::new(),
            lines: Vec::new(),
            outcomes: Vec::new(),
            overflow_deletions: 0,
        }
    }

    /// Every call step so far, by the name of the method, with the HRESULT both sides gave:
    /// what a test measures the reach of random sequences on.
    pub fn outcomes(&self) -> &[(&'static str, HResult)] {
        &self.outcomes
    }

    /// How many software copies full diff areas have deleted so far.
    pub fn overflow_deletions(&self) -> usize {
        self.overflow_deletions
    }

    /// The simulator under test.
    pub fn simulator(&self) -> &Simulator {
        self.sim.simulator()
    }

    /// The backend the calls go through.
    pub fn backend(&self) -> &B {
        &self.sim
    }

    /// Releases every requester object, as when the requester's process ends; the model is
    /// not told, so only a check of what is left underneath (the COM memory ledger) may
    /// follow.
    pub fn release_all(&mut self) {
        self.objects.clear();
    }

    /// The reference model as it stands.
    pub fn model(&self) -> &ReferenceModel {
        &self.model
    }

    /// The steps run so far as a scenario file (YAML) that `vss-sim run` replays: each
    /// step expects what the model predicted.
    pub fn scenario(&self) -> String {
        let mut out = String::from(
            "description: >\n  A sequence on which the simulator and the reference model disagreed; each step\n  expects what the model predicts.\n",
        );
        out.push_str("world:\n");
        for line in WORLD.trim_matches('\n').lines() {
            let _ = writeln!(out, "  {line}");
        }
        out.push_str("steps:\n");
        for line in &self.lines {
            let _ = writeln!(out, "  - {line}");
        }
        out
    }

    fn disagree(&self, what: String) -> Disagreement {
        Disagreement {
            step: self.lines.len(),
            what,
            scenario: self.scenario(),
        }
    }

    /// Runs every step, stopping at the first disagreement.
    pub fn run(&mut self, steps: &[Step]) -> Result<(), Disagreement> {
        for step in steps {
            self.apply(step)?;
        }
        Ok(())
    }

    /// Runs one step on both, compares what each answered, then checks the invariants.
    pub fn apply(&mut self, step: &Step) -> Result<(), Disagreement> {
        let refs = (self.set_ids.clone(), self.snapshot_ids.clone());
        let counts = (refs.0.len(), refs.1.len(), self.documents.len());
        // Before a break, the live copies with their LUNs: the break turns them into broken
        // volumes.
        let breaking = matches!(
            step,
            Step::Call {
                call: RequesterCall::BreakSnapshotSet { .. },
                ..
            }
        );
        let before: Vec<(Id, Vec<usize>)> = match breaking {
            true => self
                .devices
                .keys()
                .filter_map(|id| Some((*id, self.model.copy_luns(*id)?.to_vec())))
                .collect(),
            false => Vec::new(),
        };
        // Before a revert, the copy it names: a revert that succeeds gives its volume the
        // copy's content.
        let reverted = match step {
            Step::Call {
                call: RequesterCall::RevertToSnapshot { target, .. },
                ..
            } => target
                .index(self.model.snapshot_ids().len())
                .map(|i| self.model.snapshot_ids()[i])
                .and_then(|id| Some((id, self.model.original_of(id)?))),
            _ => None,
        };
        let predicted = self.model.step(step);
        self.lines.push(self.line(step, &predicted, counts));
        let got = self.run_on_sim(step, &refs).map_err(|e| self.disagree(e))?;
        self.sim.simulator().take_trace();
        if let (Step::Write { .. }, Value::Deleted(n)) = (step, &predicted.value) {
            self.overflow_deletions += *n as usize;
        }
        if !same(step, &got, &predicted) {
            return Err(self.disagree(format!(
                "{step:?}: the simulator answered {got:?}, the model {predicted:?}"
            )));
        }
        if let Step::Call { call, .. } = step {
            self.outcomes.push((call.name(), predicted.hr));
        }
        if let (Some((id, original)), HResult::S_OK) = (reverted, predicted.hr) {
            self.revert_data(id, original);
        }
        self.note_copies();
        self.note_broken(&before);
        self.model
            .check_invariants()
            .map_err(|e| self.disagree(format!("the model breaks an invariant: {e}")))?;
        self.check().map_err(|e| self.disagree(e))
    }

    fn id_of(ids: &[VssId], r: Ref) -> VssId {
        r.index(ids.len()).map_or(UNKNOWN_ID, |i| ids[i])
    }

    fn object(&mut self, m: usize, o: u8) -> Result<&mut B::Components, String> {
        if !self.objects.contains_key(&(m, o)) {
            let object = self
                .sim
                .create_backup_components(MACHINES[m])
                .map_err(|hr| format!("CreateVssBackupComponents failed with {hr}"))?;
            self.objects.insert((m, o), object);
        }
        Ok(self.objects.get_mut(&(m, o)).expect("inserted"))
    }

    /// The provider id an `AddToSnapshotSet` step names.
    fn provider_id(&self, choice: ProviderChoice) -> VssId {
        match choice {
            ProviderChoice::Any => VssId::NULL,
            ProviderChoice::System => self.system,
            ProviderChoice::Hardware => self.hardware,
            ProviderChoice::Unregistered => UNKNOWN_ID,
        }
    }

    fn volume_name(&self, m: usize, volume: u8) -> String {
        self.model.world().machines[m]
            .volumes
            .get(volume as usize)
            .map_or(NO_VOLUME.to_string(), |v| v.mount.clone())
    }

    /// Runs a step on the simulator and says what it answered, in the model's terms.
    fn run_on_sim(
        &mut self,
        step: &Step,
        refs: &(Vec<VssId>, Vec<VssId>),
    ) -> Result<Prediction, String> {
        let env = self
            .sim
            .environment()
            .expect("the simulator has an environment");
        match step {
            Step::Write {
                machine,
                volume,
                block,
                value,
            } => {
                let name = self.volume_name(*machine, *volume);
                let data = format!("v{value}");
                return match env.write_block(
                    MACHINES[*machine],
                    &name,
                    *block as u64,
                    data.as_bytes(),
                ) {
                    Ok(()) => {
                        self.written
                            .entry((*machine, *volume as usize))
                            .or_default()
                            .insert(*block as u64, Some(*value));
                        Ok(Prediction::ok(Value::None))
                    }
                    Err(EnvError::UnknownTarget { .. }) => Ok(Prediction::ok(Value::Refused)),
                    Err(e) => Err(format!("the write failed: {e}")),
                };
            }
            Step::Reboot { machine } => {
                env.reboot(MACHINES[*machine]).map_err(|e| e.to_string())?;
                self.objects.retain(|(m, _), _| m != machine);
                return Ok(Prediction::ok(Value::None));
            }
            Step::SetLunVisible {
                lun,
                machine,
                visible,
            } => {
                env.set_lun_visible(MACHINES[*machine], LUNS[*lun], *visible)
                    .map_err(|e| e.to_string())?;
                return Ok(Prediction::ok(Value::None));
            }
            Step::Fault { machine, method } => {
                let fault = vss_model::backend::ProviderFault {
                    provider_id: None,
                    method: method.method(),
                    hr: HResult::E_FAIL,
                    after: 0,
                    times: 1,
                };
                env.fail_provider_method(MACHINES[*machine], fault)
                    .map_err(|e| e.to_string())?;
                return Ok(Prediction::ok(Value::None));
            }
            Step::Call { .. } => {}
        }
        let Step::Call {
            machine: m,
            object: o,
            call,
        } = step
        else {
            unreachable!("the other steps returned above");
        };
        let (m, o) = (*m, *o);
        if *call == RequesterCall::Release {
            self.objects.remove(&(m, o));
            return Ok(Prediction::ok(Value::None));
        }
        let volume = match call {
            RequesterCall::AddToSnapshotSet { volume, .. }
            | RequesterCall::QueryRevertStatus { volume } => self.volume_name(m, *volume),
            _ => String::new(),
        };
        let document = match call {
            RequesterCall::InitializeForBackup { document: Some(d) }
                if !self.documents.is_empty() =>
            {
                Some(self.documents[*d as usize % self.documents.len()].clone())
            }
            _ => None,
        };
        self.object(m, o)?;
        let mut r = self.objects.remove(&(m, o)).expect("made above");
        let result = self.call_sim(&mut r, call, refs, &volume, document.as_deref());
        self.objects.insert((m, o), r);
        result
    }

    /// Makes a requester call on a simulator object.
    fn call_sim(
        &mut self,
        r: &mut B::Components,
        call: &RequesterCall,
        refs: &(Vec<VssId>, Vec<VssId>),
        volume: &str,
        document: Option<&str>,
    ) -> Result<Prediction, String> {
        let outcome = |result: Result<Value, HResult>| match result {
            Ok(value) => Prediction::ok(value),
            Err(hr) => Prediction::code(hr),
        };
        Ok(match call {
            RequesterCall::Release => unreachable!("handled above"),
            RequesterCall::InitializeForBackup { .. } => {
                outcome(r.initialize_for_backup(document).map(|_| Value::None))
            }
            RequesterCall::SetContext(context) => {
                outcome(r.set_context(*context).map(|_| Value::None))
            }
            RequesterCall::GatherWriterMetadata => waited(r.gather_writer_metadata()),
            RequesterCall::SetBackupState => {
                outcome(r.set_backup_state(Default::default()).map(|_| Value::None))
            }
            RequesterCall::StartSnapshotSet => outcome(r.start_snapshot_set().map(|id| {
                self.set_ids.push(id);
                Value::Id(SIM_ID)
            })),
            RequesterCall::AddToSnapshotSet { provider, .. } => {
                let provider = self.provider_id(*provider);
                outcome(r.add_to_snapshot_set(volume, provider).map(|id| {
                    self.snapshot_ids.push(id);
                    Value::Id(SIM_ID)
                }))
            }
            RequesterCall::PrepareForBackup => waited(r.prepare_for_backup()),
            RequesterCall::DoSnapshotSet => waited(r.do_snapshot_set()),
            RequesterCall::BackupComplete => waited(r.backup_complete()),
            RequesterCall::AbortBackup => outcome(r.abort_backup().map(|_| Value::None)),
            RequesterCall::Query => {
                let listed = r.query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                );
                match listed {
                    Ok(objects) => {
                        let mut views = Vec::new();
                        for object in objects {
                            if let ObjectProp::Snapshot(s) = object {
                                views.push(self.view_of(&s)?);
                            }
                        }
                        views.sort();
                        Prediction::ok(Value::Copies(views))
                    }
                    Err(hr) => outcome(Err(hr)),
                }
            }
            RequesterCall::GetSnapshotProperties(target) => {
                let id = Self::id_of(&refs.1, *target);
                match r.get_snapshot_properties(id) {
                    Ok(prop) => Prediction::ok(Value::Copy(self.view_of(&prop)?)),
                    Err(hr) => outcome(Err(hr)),
                }
            }
            RequesterCall::DeleteSnapshots { target, set } => {
                let (id, kind) = match set {
                    true => (
                        Self::id_of(&refs.0, *target),
                        ObjectType::VSS_OBJECT_SNAPSHOT_SET,
                    ),
                    false => (
                        Self::id_of(&refs.1, *target),
                        ObjectType::VSS_OBJECT_SNAPSHOT,
                    ),
                };
                match r.delete_snapshots(id, kind, true) {
                    Ok(deleted) => Prediction::ok(Value::Deleted(deleted.deleted)),
                    Err(failure) => outcome(Err(failure.hr)),
                }
            }
            RequesterCall::SaveAsXml => match r.save_as_xml() {
                Ok(xml) => {
                    self.documents.push(xml);
                    Prediction::ok(Value::Document(self.documents.len() - 1))
                }
                Err(hr) => outcome(Err(hr)),
            },
            RequesterCall::ImportSnapshots => waited(r.import_snapshots()),
            RequesterCall::BreakSnapshotSet { set, flags } => {
                let id = Self::id_of(&refs.0, *set);
                match flags {
                    None => outcome(r.break_snapshot_set(id).map(|_| Value::None)),
                    Some(flags) => waited(r.break_snapshot_set_ex(id, *flags)),
                }
            }
            RequesterCall::ExposeSnapshot(target) => {
                let id = Self::id_of(&refs.1, *target);
                outcome(
                    r.expose_snapshot(
                        id,
                        None,
                        vss_model::SnapshotAttributes::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY,
                        Some(vss_reference::EXPOSE_AS),
                    )
                    .map(Value::Exposed),
                )
            }
            RequesterCall::UnexposeSnapshot(target) => {
                let id = Self::id_of(&refs.1, *target);
                outcome(r.unexpose_snapshot(id).map(|_| Value::None))
            }
            RequesterCall::RevertToSnapshot {
                target,
                force_dismount,
            } => {
                let id = Self::id_of(&refs.1, *target);
                outcome(
                    r.revert_to_snapshot(id, *force_dismount)
                        .map(|_| Value::None),
                )
            }
            RequesterCall::QueryRevertStatus { .. } => waited(r.query_revert_status(volume)),
        })
    }

    /// A shadow copy's properties in the model's terms.
    fn view_of(&self, prop: &vss_model::SnapshotProp) -> Result<CopyView, String> {
        let find = |ids: &[VssId], id: VssId, what: &str| {
            ids.iter()
                .position(|i| *i == id)
                .ok_or_else(|| format!("the simulator shows a {what} id {id} it never handed out"))
        };
        let snapshot = find(&self.snapshot_ids, prop.snapshot_id, "shadow copy")?;
        let set = find(&self.set_ids, prop.snapshot_set_id, "set")?;
        Ok(CopyView {
            id: self.model.snapshot_ids()[snapshot],
            set: self.model.set_ids()[set],
            attributes: prop.snapshot_attributes,
            exposed_name: prop.exposed_name.clone(),
        })
    }

    /// Remembers the content of every new shadow copy: its original's content now.
    fn note_copies(&mut self) {
        for m in 0..MACHINES.len() {
            for copy in self.model.live_copies(m) {
                self.capture(copy.id);
            }
        }
        for (id, _) in self.model.transported() {
            self.capture(id);
        }
    }

    fn capture(&mut self, id: Id) {
        if self.copy_data.contains_key(&id) {
            return;
        }
        let Some((creator, volume)) = self.model.original_of(id) else {
            return;
        };
        let data = self
            .written
            .get(&(creator, volume))
            .cloned()
            .unwrap_or_default();
        self.copy_data.insert(id, data);
    }

    /// After a revert, the volume holds the copy's content: each block the copy holds, and
    /// zeros where the copy had nothing and the volume had something since.
    fn revert_data(&mut self, id: Id, original: (usize, usize)) {
        let copy = self.copy_data.get(&id).cloned().unwrap_or_default();
        let volume = self.written.entry(original).or_default();
        for value in volume.values_mut() {
            *value = None;
        }
        volume.extend(copy);
    }

    /// After a break, the copies that were live and are gone are broken volumes now.
    fn note_broken(&mut self, before: &[(Id, Vec<usize>)]) {
        for (id, luns) in before {
            if self.model.original_of(*id).is_some() {
                continue;
            }
            let (Some((machine, device)), Some(data)) = (
                self.devices.get(id).cloned(),
                self.copy_data.get(id).cloned(),
            ) else {
                continue;
            };
            self.broken.push(Broken {
                machine,
                device,
                data,
                luns: luns.clone(),
            });
        }
    }

    /// The invariants, checked on the simulator through its public interfaces.
    fn check(&mut self) -> Result<(), String> {
        self.devices.clear();
        let env = self.sim.environment().expect("an environment");
        // Query on each machine lists what the model has there.
        for (m, machine) in MACHINES.iter().enumerate() {
            let mut admin = self
                .sim
                .create_backup_components(machine)
                .map_err(|hr| format!("CreateVssBackupComponents: {hr}"))?;
            admin
                .initialize_for_backup(None)
                .map_err(|hr| format!("InitializeForBackup: {hr}"))?;
            admin
                .set_context(Context::VSS_CTX_ALL)
                .map_err(|hr| format!("SetContext: {hr}"))?;
            let listed = admin
                .query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                )
                .map_err(|hr| format!("Query on {machine}: {hr}"))?;
            let mut views = Vec::new();
            for object in listed {
                if let ObjectProp::Snapshot(s) = object {
                    let view = self.view_of(&s)?;
                    self.devices
                        .insert(view.id, (m, s.snapshot_device_object.clone()));
                    views.push(view);
                }
            }
            views.sort();
            let expected = self.model.live_copies(m);
            if views != expected {
                return Err(format!(
                    "Query on {machine} lists {views:?}; the model has {expected:?}"
                ));
            }
        }
        self.sim.simulator().take_trace();
        // The array.
        let luns = env.luns();
        let sim_view = lun_views(&luns);
        let model_view = model_lun_views(self.model.luns());
        if sim_view != model_view {
            return Err(format!(
                "the array holds {sim_view:?}; the model has {model_view:?}"
            ));
        }
        // Originals: what was written, on a machine that reaches them; nothing where their
        // LUNs are masked.
        for ((m, v), blocks) in &self.written {
            let name = self.volume_name(*m, *v as u8);
            for (block, value) in blocks {
                let read = env.read_block(MACHINES[*m], &name, *block);
                if self.model_reaches(*m, *v) {
                    expect_block(read, *value, &name, *block)?;
                } else if read.is_ok() {
                    return Err(format!(
                        "{name} reads on {} though its LUNs are masked from it",
                        MACHINES[*m]
                    ));
                }
            }
        }
        // Live shadow copies. A software copy lives with its original volume (its diff area
        // is there): where the original's LUNs are masked, it cannot be read either.
        for (id, (m, device)) in &self.devices {
            let data = &self.copy_data[id];
            let (creator, volume) = self.model.original_of(*id).expect("live");
            let software = self.model.copy_luns(*id).is_some_and(<[usize]>::is_empty);
            let blocks = self
                .written
                .get(&(creator, volume))
                .cloned()
                .unwrap_or_default();
            for block in blocks.keys() {
                let read = env.read_block(MACHINES[*m], device, *block);
                if software && !self.model_reaches(creator, volume) {
                    if read.is_ok() {
                        return Err(format!(
                            "{device} reads on {} though its original's LUNs are masked from it",
                            MACHINES[*m]
                        ));
                    }
                    continue;
                }
                let want = data.get(block).copied().flatten();
                expect_block(read, want, device, *block)?;
            }
        }
        // Broken volumes.
        for broken in &self.broken {
            let reachable = broken
                .luns
                .iter()
                .all(|l| self.model.luns()[*l].visible_to.contains(&broken.machine));
            for (block, value) in &broken.data {
                let read = env.read_block(MACHINES[broken.machine], &broken.device, *block);
                if reachable {
                    expect_block(read, *value, &broken.device, *block)?;
                } else if read.is_ok() {
                    return Err(format!(
                        "{} reads on {} though its LUNs are masked from it",
                        broken.device, MACHINES[broken.machine]
                    ));
                }
            }
        }
        Ok(())
    }

    fn model_reaches(&self, m: usize, v: usize) -> bool {
        self.model.world().machines[m].volumes[v]
            .luns
            .iter()
            .all(|l| self.model.luns()[*l].visible_to.contains(&m))
    }

    /// The scenario line of a step, expecting what the model predicted.
    fn line(
        &self,
        step: &Step,
        predicted: &Prediction,
        (sets, snaps, docs): (usize, usize, usize),
    ) -> String {
        let expect = match predicted.hr {
            HResult::VSS_S_ASYNC_FINISHED => "S_OK".to_string(),
            hr => hr.name().map_or_else(|| hr.to_string(), str::to_string),
        };
        let reference = |prefix: &str, count: usize, r: Ref| match r.index(count) {
            Some(i) => format!("${prefix}{i}"),
            None => UNKNOWN_ID.to_string(),
        };
        match step {
            Step::Write {
                machine,
                volume,
                block,
                value,
            } => format!(
                "{{ on: {}, env: write, volume: '{}', block: {block}, data: v{value}{} }}",
                MACHINES[*machine],
                self.volume_name(*machine, *volume),
                if predicted.value == Value::Refused {
                    ", expect_refused: true"
                } else {
                    ""
                }
            ),
            Step::Reboot { machine } => format!("{{ on: {}, env: reboot }}", MACHINES[*machine]),
            Step::SetLunVisible {
                lun,
                machine,
                visible,
            } => format!(
                "{{ on: {}, env: {}, lun: {} }}",
                MACHINES[*machine],
                if *visible { "unmask" } else { "mask" },
                LUNS[*lun]
            ),
            Step::Fault { machine, method } => format!(
                "{{ on: {}, env: fail_provider, method: {}, hresult: E_FAIL }}",
                MACHINES[*machine],
                method.name()
            ),
            Step::Call {
                machine,
                object,
                call,
            } => {
                let head = format!("on: {}, as: o{object}", MACHINES[*machine]);
                let body = match call {
                    RequesterCall::Release => return format!("{{ {head}, env: release }}"),
                    RequesterCall::InitializeForBackup { document } => match document {
                        Some(d) if docs > 0 => {
                            format!("call: InitializeForBackup, xml: $doc{}", *d as usize % docs)
                        }
                        _ => "call: InitializeForBackup".to_string(),
                    },
                    RequesterCall::SetContext(c) => {
                        format!("call: SetContext, context: {:#x}", c.0)
                    }
                    RequesterCall::GatherWriterMetadata => "call: GatherWriterMetadata".into(),
                    RequesterCall::SetBackupState => "call: SetBackupState".into(),
                    RequesterCall::StartSnapshotSet => {
                        format!("call: StartSnapshotSet, bind: set{sets}")
                    }
                    RequesterCall::AddToSnapshotSet { volume, provider } => {
                        let provider = self.provider_id(*provider);
                        format!(
                            "call: AddToSnapshotSet, volume: '{}', provider: '{provider}', bind: snap{}",
                            self.volume_name(*machine, *volume),
                            snaps
                        )
                    }
                    RequesterCall::PrepareForBackup => "call: PrepareForBackup".into(),
                    RequesterCall::DoSnapshotSet => "call: DoSnapshotSet".into(),
                    RequesterCall::BackupComplete => "call: BackupComplete".into(),
                    RequesterCall::AbortBackup => "call: AbortBackup".into(),
                    RequesterCall::Query => "call: Query".into(),
                    RequesterCall::GetSnapshotProperties(r) => format!(
                        "call: GetSnapshotProperties, snapshot: '{}'",
                        reference("snap", snaps, *r)
                    ),
                    RequesterCall::DeleteSnapshots { target, set } => match set {
                        true => format!(
                            "call: DeleteSnapshots, id: '{}', type: VSS_OBJECT_SNAPSHOT_SET, force: true",
                            reference("set", sets, *target)
                        ),
                        false => format!(
                            "call: DeleteSnapshots, id: '{}', type: VSS_OBJECT_SNAPSHOT, force: true",
                            reference("snap", snaps, *target)
                        ),
                    },
                    RequesterCall::SaveAsXml => {
                        format!("call: SaveAsXML, bind: doc{docs}")
                    }
                    RequesterCall::ImportSnapshots => "call: ImportSnapshots".into(),
                    RequesterCall::BreakSnapshotSet { set, flags } => match flags {
                        None => format!(
                            "call: BreakSnapshotSet, set: '{}'",
                            reference("set", sets, *set)
                        ),
                        Some(flags) => format!(
                            "call: BreakSnapshotSetEx, set: '{}', flags: {:#x}",
                            reference("set", sets, *set),
                            flags.bits()
                        ),
                    },
                    RequesterCall::ExposeSnapshot(r) => format!(
                        "call: ExposeSnapshot, snapshot: '{}', expose: '{}'",
                        reference("snap", snaps, *r),
                        vss_reference::EXPOSE_AS
                    ),
                    RequesterCall::UnexposeSnapshot(r) => format!(
                        "call: UnexposeSnapshot, snapshot: '{}'",
                        reference("snap", snaps, *r)
                    ),
                    RequesterCall::RevertToSnapshot {
                        target,
                        force_dismount,
                    } => format!(
                        "call: RevertToSnapshot, snapshot: '{}', force_dismount: {force_dismount}",
                        reference("snap", snaps, *target)
                    ),
                    RequesterCall::QueryRevertStatus { volume } => format!(
                        "call: QueryRevertStatus, volume: '{}'",
                        self.volume_name(*machine, *volume)
                    ),
                };
                format!("{{ {head}, {body}, expect: {expect} }}")
            }
        }
    }
}

/// What the simulator's side shows for a new id: the model's id is not the simulator's GUID,
/// so ids are compared by their order, through the harness's lists.
const SIM_ID: Id = Id(u32::MAX);

/// Whether the simulator's answer is the model's, new ids aside. A write tells only whether
/// it was refused: the copies a full diff area deleted show in the checks that follow.
fn same(step: &Step, got: &Prediction, predicted: &Prediction) -> bool {
    match (&got.value, &predicted.value) {
        (Value::Id(_), Value::Id(_)) => got.hr == predicted.hr,
        (Value::None, Value::Deleted(_)) => matches!(step, Step::Write { .. }),
        _ => got == predicted,
    }
}

/// Waits for an asynchronous operation and reports what `QueryStatus` says of it.
fn waited(started: Result<impl VssAsync, HResult>) -> Prediction {
    let hr = match started {
        Err(hr) => hr,
        Ok(mut operation) => {
            operation.wait(INFINITE);
            operation.query_status().unwrap_or_else(|hr| hr)
        }
    };
    Prediction::code(hr)
}

/// Checks a block read: `Some(v)` is the text `v{v}`, `None` zeros.
fn expect_block(
    read: Result<Block, EnvError>,
    want: Option<u8>,
    target: &str,
    block: u64,
) -> Result<(), String> {
    let read = read.map_err(|e| format!("block {block} of {target} cannot be read: {e}"))?;
    let expected = match want {
        Some(v) => Block::new(format!("v{v}").as_bytes()).expect("a short text"),
        None => Block::zeroed(),
    };
    if read != expected {
        return Err(format!(
            "block {block} of {target} reads {read}; it must read {expected}"
        ));
    }
    Ok(())
}

/// The array as the simulator shows it, in the terms the model can predict: each LUN that
/// is not deleted by its original name or the original it is a clone of, who sees it, its
/// flags, whether it carries its source's identity; then how many were deleted.
fn lun_views(luns: &[vss_model::backend::LunState]) -> (Vec<LunKey>, usize) {
    let mut views: Vec<LunKey> = luns
        .iter()
        .filter(|l| !l.deleted)
        .map(|l| {
            let source = l
                .clone_of
                .as_ref()
                .and_then(|s| luns.iter().find(|x| &x.name == s));
            let mut visible_to = l.visible_to.clone();
            visible_to.sort();
            LunKey {
                name: match &l.clone_of {
                    Some(source) => format!("clone of {source}"),
                    None => l.name.clone(),
                },
                visible_to,
                read_only: l.read_only,
                hidden: l.hidden,
                source_identity: source.is_none_or(|s| s.identity == l.identity),
            }
        })
        .collect();
    views.sort();
    (views, luns.iter().filter(|l| l.deleted).count())
}

/// The array as the model has it, in the same terms as [`lun_views`].
fn model_lun_views(luns: &[LunView]) -> (Vec<LunKey>, usize) {
    let mut views: Vec<LunKey> = luns
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.deleted)
        .map(|(i, l)| LunKey {
            name: match l.clone_of {
                Some(source) => format!("clone of {}", LUNS[source]),
                None => LUNS[i].to_string(),
            },
            visible_to: l
                .visible_to
                .iter()
                .map(|m| MACHINES[*m].to_string())
                .collect(),
            read_only: l.read_only,
            hidden: l.hidden,
            source_identity: l.source_identity,
        })
        .collect();
    views.sort();
    (views, luns.iter().filter(|l| l.deleted).count())
}

/// One LUN in the terms both sides share.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct LunKey {
    name: String,
    visible_to: Vec<String>,
    read_only: bool,
    hidden: bool,
    source_identity: bool,
}

/// Runs a sequence decoded from fuzzer bytes and fails on the first disagreement or broken
/// invariant. Each step is, as the bytes choose, one of the steps that take an object
/// further ([`ReferenceModel::natural_steps`]) or any step of the alphabet, so that the fuzzer reaches
/// deep states as the property tests do.
/// Returns how many steps ran.
pub fn run_fuzzed(data: &[u8]) -> Result<usize, Disagreement> {
    let mut u = arbitrary::Unstructured::new(data);
    let mut harness = Harness::new();
    let mut model = ReferenceModel::new(world_spec());
    let mut steps = 0;
    while steps < MAX_FUZZED_STEPS {
        let Ok(step) = fuzzed_step(&mut u, &model) else {
            break;
        };
        model.step(&step);
        harness.apply(&step)?;
        steps += 1;
    }
    Ok(steps)
}

/// At most this many steps per fuzzed sequence, so one input stays quick.
const MAX_FUZZED_STEPS: usize = 64;

/// The contexts a fuzzed `SetContext` sets, some of them invalid.
const FUZZED_CONTEXTS: [i32; 10] = [0, 0x10, 0x19, 0x09, 0x1d, -1, 0x20, 0x39, 0x4000, 0x12345];

fn fuzzed_step(u: &mut arbitrary::Unstructured, model: &ReferenceModel) -> arbitrary::Result<Step> {
    use vss_reference::FaultMethod;
    if u.is_empty() {
        return Err(arbitrary::Error::NotEnoughData);
    }
    let natural = model.natural_steps(3);
    let machine = u.choose_index(MACHINES.len())?;
    let reference = |u: &mut arbitrary::Unstructured| -> arbitrary::Result<Ref> {
        Ok(match u.ratio(1u8, 10)? {
            true => Ref::Unknown,
            false => Ref::Issued(u.arbitrary()?),
        })
    };
    Ok(match u.choose_index(8)? {
        0..=3 => natural[u.choose_index(natural.len())?].clone(),
        4 => Step::Write {
            machine,
            volume: u.int_in_range(0..=3)?,
            block: u.int_in_range(0..=3)?,
            value: u.arbitrary()?,
        },
        5 => match u.choose_index(3)? {
            0 => Step::Reboot { machine },
            1 => Step::SetLunVisible {
                lun: u.choose_index(LUNS.len())?,
                machine,
                visible: u.arbitrary()?,
            },
            _ => Step::Fault {
                machine,
                method: *u.choose(&[
                    FaultMethod::CommitSnapshots,
                    FaultMethod::LocateLuns,
                    FaultMethod::FillInLunInfo,
                    FaultMethod::OnLunStateChange,
                ])?,
            },
        },
        _ => {
            let call = match u.choose_index(12)? {
                0 => RequesterCall::Release,
                1 => RequesterCall::AbortBackup,
                2 => RequesterCall::Query,
                3 => RequesterCall::GetSnapshotProperties(reference(u)?),
                4 => RequesterCall::DeleteSnapshots {
                    target: reference(u)?,
                    set: u.arbitrary()?,
                },
                5 => RequesterCall::BreakSnapshotSet {
                    set: reference(u)?,
                    flags: match u.arbitrary::<bool>()? {
                        true => Some(vss_model::HardwareOptions::from_bits_retain(
                            u.int_in_range(0..=0x1F)?,
                        )),
                        false => None,
                    },
                },
                6 => RequesterCall::ExposeSnapshot(reference(u)?),
                7 => RequesterCall::UnexposeSnapshot(reference(u)?),
                8 => RequesterCall::SetContext(Context(*u.choose(&FUZZED_CONTEXTS)?)),
                9 => RequesterCall::RevertToSnapshot {
                    target: reference(u)?,
                    force_dismount: u.arbitrary()?,
                },
                10 => RequesterCall::QueryRevertStatus {
                    volume: u.int_in_range(0..=3)?,
                },
                _ => RequesterCall::AddToSnapshotSet {
                    volume: u.int_in_range(0..=3)?,
                    provider: *u.choose(&[
                        ProviderChoice::Any,
                        ProviderChoice::System,
                        ProviderChoice::Hardware,
                        ProviderChoice::Unregistered,
                    ])?,
                },
            };
            Step::Call {
                machine,
                object: u.int_in_range(0..=2)?,
                call,
            }
        }
    })
}
