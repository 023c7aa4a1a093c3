//! Random requester calls, with odd arguments, give the same outcomes on the simulator and
//! through COM.
//!
//! The corpus passes well-formed arguments. Here proptest draws sequences of calls on several
//! requester objects of two machines, with arguments a careful caller would not pass: unknown
//! and null GUIDs, ids of other machines' objects, every context and attribute bit, break
//! flags with unnamed bits, empty, long and non-ASCII strings (outside the Basic Multilingual
//! Plane too). Each call is made on a simulator directly and on a second simulator of the
//! same world through `vss-windows` and COM; every outcome (HRESULT and value, and for an
//! asynchronous call what `Wait` and `QueryStatus` give) must be the same, and at the end the
//! memory ledger must be clean.

use crate::common;

use std::cell::RefCell;
use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use vss_conformance::backends::{ComBackend, MakeBackend, SimBackend, default_world};
use vss_model::backend::{Backend, BackupComponents, ComponentRef, INFINITE, VssAsync};
use vss_model::call::{Call, CallOutcome, Invoked, Returned, invoke};
use vss_model::writer_metadata::ComponentType;
use vss_model::{BackupType, Context, HardwareOptions, ObjectType, SnapshotAttributes, VssId};

/// Where a GUID argument comes from: an id a call returned earlier, or none of them.
#[derive(Debug, Clone)]
enum IdArg {
    Returned(usize),
    Null,
    Other(u128),
    SystemProvider,
}

/// A call with its arguments drawn, before ids are resolved.
#[derive(Debug, Clone)]
enum Drawn {
    Initialize(Option<String>),
    InitializeWithSaved,
    SetContext(i32),
    SetBackupState(bool, bool, BackupType, bool),
    GatherWriterMetadata,
    GatherWriterStatus,
    GetWriterStatus,
    StartSnapshotSet,
    Add(String, IdArg),
    PrepareForBackup,
    DoSnapshotSet,
    BackupComplete,
    AbortBackup,
    Properties(IdArg),
    Query(IdArg, ObjectType, ObjectType),
    Delete(IdArg, ObjectType, bool),
    SaveAsXml,
    Import,
    Break(IdArg),
    BreakEx(IdArg, u32),
    Expose(IdArg, Option<String>, u32, Option<String>),
    Unexpose(IdArg),
    IsVolumeSupported(IdArg, String),
    GetWriterMetadata,
    FreeWriterMetadata,
    AddComponent(ComponentArg),
    SetBackupSucceeded(ComponentArg, bool),
    GetWriterComponents,
}

/// The component `AddComponent` and `SetBackupSucceeded` name: one a writer reported
/// (learned from `GetWriterMetadata`), or ids, a type and names drawn as they come.
#[derive(Debug, Clone)]
enum ComponentArg {
    Reported(usize),
    Drawn(IdArg, IdArg, ComponentType, Option<String>, String),
}

fn component_arg() -> impl Strategy<Value = ComponentArg> {
    let types = prop::sample::select(ComponentType::ALL.to_vec());
    prop_oneof![
        3 => (0usize..8).prop_map(ComponentArg::Reported),
        1 => (id(), id(), types, prop::option::of(text()), text())
            .prop_map(|(i, w, t, p, n)| ComponentArg::Drawn(i, w, t, p, n)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec![
            r"C:\", r"E:\", r"F:\", r"c:\", "C:", "", r"\\?\Volume{00000000-0000-0000-0000-000000000000}\",
            "X:", r"C:\Shadows\E", "EShadow",
        ])
        .prop_map(str::to_string),
        1 => "[A-Za-z:\\\\ üß€\u{1D11E}]{0,40}",
    ]
}

fn id() -> impl Strategy<Value = IdArg> {
    prop_oneof![
        6 => (0usize..16).prop_map(IdArg::Returned),
        1 => Just(IdArg::Null),
        1 => any::<u128>().prop_map(IdArg::Other),
        1 => Just(IdArg::SystemProvider),
    ]
}

fn object_type() -> impl Strategy<Value = ObjectType> {
    prop::sample::select(vec![
        ObjectType::VSS_OBJECT_NONE,
        ObjectType::VSS_OBJECT_SNAPSHOT_SET,
        ObjectType::VSS_OBJECT_SNAPSHOT,
        ObjectType::VSS_OBJECT_PROVIDER,
    ])
}

fn context() -> impl Strategy<Value = i32> {
    prop_oneof![
        3 => prop::sample::select(vec![0, 0x10, 0x19, 0x1d, 0x9, -1, 0x0042_000d, 0x20]),
        1 => any::<i32>(),
    ]
}

/// Flag words: mostly the ones named, sometimes any bits at all.
fn bits(named: &'static [u32]) -> impl Strategy<Value = u32> {
    prop_oneof![3 => prop::sample::select(named), 1 => any::<u32>()]
}

fn drawn() -> impl Strategy<Value = Drawn> {
    prop_oneof![
        2 => prop::option::of("[<>a-zA-Z/ ]{0,20}").prop_map(Drawn::Initialize),
        1 => Just(Drawn::InitializeWithSaved),
        2 => context().prop_map(Drawn::SetContext),
        1 => (any::<bool>(), any::<bool>(), prop::sample::select(vec![
            BackupType::VSS_BT_FULL, BackupType::VSS_BT_COPY, BackupType::VSS_BT_INCREMENTAL,
        ]), any::<bool>())
            .prop_map(|(a, b, t, c)| Drawn::SetBackupState(a, b, t, c)),
        1 => Just(Drawn::GatherWriterMetadata),
        1 => Just(Drawn::GatherWriterStatus),
        1 => Just(Drawn::GetWriterStatus),
        2 => Just(Drawn::StartSnapshotSet),
        3 => (text(), id()).prop_map(|(v, p)| Drawn::Add(v, p)),
        1 => Just(Drawn::PrepareForBackup),
        2 => Just(Drawn::DoSnapshotSet),
        1 => Just(Drawn::BackupComplete),
        1 => Just(Drawn::AbortBackup),
        2 => id().prop_map(Drawn::Properties),
        2 => (id(), object_type(), object_type()).prop_map(|(i, q, r)| Drawn::Query(i, q, r)),
        // Every shadow copy, or every provider: the queries requesters make.
        2 => prop::sample::select(vec![ObjectType::VSS_OBJECT_SNAPSHOT, ObjectType::VSS_OBJECT_PROVIDER])
            .prop_map(|r| Drawn::Query(IdArg::Null, ObjectType::VSS_OBJECT_NONE, r)),
        1 => (id(), object_type(), any::<bool>()).prop_map(|(i, t, f)| Drawn::Delete(i, t, f)),
        // A shadow copy or a set by an id handed out, as requesters delete them.
        1 => (0usize..16, prop::sample::select(vec![ObjectType::VSS_OBJECT_SNAPSHOT, ObjectType::VSS_OBJECT_SNAPSHOT_SET]))
            .prop_map(|(i, t)| Drawn::Delete(IdArg::Returned(i), t, false)),
        1 => Just(Drawn::SaveAsXml),
        1 => Just(Drawn::Import),
        1 => id().prop_map(Drawn::Break),
        1 => (id(), bits(&[0, 1, 2, 3, 4, 8, 6])).prop_map(|(i, f)| Drawn::BreakEx(i, f)),
        // The set the prelude made (the first id handed out), broken with named flags.
        1 => prop::sample::select(vec![0u32, 2, 4, 8, 6, 10])
            .prop_map(|f| Drawn::BreakEx(IdArg::Returned(0), f)),
        3 => (id(), prop::option::of(text()), bits(&[0x0010_0000, 0x0020_0000, 0]), prop::option::of(text()))
            .prop_map(|(i, p, a, e)| Drawn::Expose(i, p, a, e)),
        1 => id().prop_map(Drawn::Unexpose),
        1 => (id(), text()).prop_map(|(i, v)| Drawn::IsVolumeSupported(i, v)),
        1 => Just(Drawn::GetWriterMetadata),
        1 => Just(Drawn::FreeWriterMetadata),
        2 => component_arg().prop_map(Drawn::AddComponent),
        1 => (component_arg(), any::<bool>()).prop_map(|(c, b)| Drawn::SetBackupSucceeded(c, b)),
        1 => Just(Drawn::GetWriterComponents),
    ]
}

/// The ids and the last document the calls returned, which later arguments draw from, and
/// the components the writers reported.
#[derive(Default)]
struct Seen {
    ids: Vec<VssId>,
    saved: Option<String>,
    components: Vec<(VssId, VssId, ComponentType, String, String)>,
}

impl Seen {
    fn id(&self, arg: &IdArg) -> VssId {
        match arg {
            IdArg::Returned(i) if !self.ids.is_empty() => self.ids[i % self.ids.len()],
            IdArg::Returned(_) | IdArg::Null => VssId::NULL,
            IdArg::Other(v) => VssId::from_u128(*v),
            IdArg::SystemProvider => "{b5946137-7b9f-4925-af80-51abd60b20d5}"
                .parse()
                .expect("a GUID"),
        }
    }

    /// A component's instance, writer, type, logical path and name.
    fn component<'a>(&'a self, arg: &'a ComponentArg) -> ComponentRef<'a> {
        match arg {
            ComponentArg::Reported(i) if !self.components.is_empty() => {
                let (instance, writer, t, path, name) = &self.components[i % self.components.len()];
                ComponentRef {
                    instance_id: *instance,
                    writer_id: *writer,
                    component_type: *t,
                    logical_path: Some(path.as_str()).filter(|p| !p.is_empty()),
                    component_name: name,
                }
            }
            ComponentArg::Reported(_) => ComponentRef {
                instance_id: VssId::NULL,
                writer_id: VssId::NULL,
                component_type: ComponentType::VSS_CT_FILEGROUP,
                logical_path: None,
                component_name: "System Files",
            },
            ComponentArg::Drawn(i, w, t, path, name) => ComponentRef {
                instance_id: self.id(i),
                writer_id: self.id(w),
                component_type: *t,
                logical_path: path.as_deref(),
                component_name: name,
            },
        }
    }

    fn call(&self, drawn: &Drawn) -> Call {
        match drawn {
            Drawn::Initialize(xml) => Call::InitializeForBackup { xml: xml.clone() },
            Drawn::InitializeWithSaved => Call::InitializeForBackup {
                xml: self.saved.clone(),
            },
            Drawn::SetContext(c) => Call::SetContext {
                context: Context(*c),
            },
            Drawn::SetBackupState(select, bootable, backup_type, partial) => Call::SetBackupState {
                select_components: *select,
                bootable_system_state: *bootable,
                backup_type: *backup_type,
                partial_file_support: *partial,
            },
            Drawn::GatherWriterMetadata => Call::GatherWriterMetadata,
            Drawn::GatherWriterStatus => Call::GatherWriterStatus,
            Drawn::GetWriterStatus => Call::GetWriterStatus,
            Drawn::StartSnapshotSet => Call::StartSnapshotSet,
            Drawn::Add(volume, provider) => Call::AddToSnapshotSet {
                volume: volume.clone(),
                provider: self.id(provider),
            },
            Drawn::PrepareForBackup => Call::PrepareForBackup,
            Drawn::DoSnapshotSet => Call::DoSnapshotSet,
            Drawn::BackupComplete => Call::BackupComplete,
            Drawn::AbortBackup => Call::AbortBackup,
            Drawn::Properties(s) => Call::GetSnapshotProperties {
                snapshot: self.id(s),
            },
            Drawn::Query(i, q, r) => Call::Query {
                queried_object: self.id(i),
                queried_type: *q,
                returned_type: *r,
            },
            Drawn::Delete(i, t, force) => Call::DeleteSnapshots {
                id: self.id(i),
                source_type: *t,
                force: *force,
            },
            Drawn::SaveAsXml => Call::SaveAsXml,
            Drawn::Import => Call::ImportSnapshots,
            Drawn::Break(s) => Call::BreakSnapshotSet { set: self.id(s) },
            Drawn::BreakEx(s, flags) => Call::BreakSnapshotSetEx {
                set: self.id(s),
                flags: HardwareOptions::from_bits_retain(*flags),
            },
            Drawn::Expose(s, path, attributes, expose) => Call::ExposeSnapshot {
                snapshot: self.id(s),
                path_from_root: path.clone(),
                attributes: SnapshotAttributes::from_bits_retain(*attributes),
                expose: expose.clone(),
            },
            Drawn::Unexpose(s) => Call::UnexposeSnapshot {
                snapshot: self.id(s),
            },
            Drawn::IsVolumeSupported(p, volume) => Call::IsVolumeSupported {
                provider: self.id(p),
                volume: volume.clone(),
            },
            Drawn::GetWriterMetadata => Call::GetWriterMetadata,
            Drawn::FreeWriterMetadata => Call::FreeWriterMetadata,
            Drawn::AddComponent(c) => Call::on_component(&self.component(c), None),
            Drawn::SetBackupSucceeded(c, succeeded) => {
                Call::on_component(&self.component(c), Some(*succeeded))
            }
            Drawn::GetWriterComponents => Call::GetWriterComponents,
        }
    }

    fn learn(&mut self, outcome: &CallOutcome) {
        match &outcome.returned {
            Returned::Id(id) => self.ids.push(*id),
            Returned::Text(text) if text.starts_with('<') => self.saved = Some(text.clone()),
            Returned::Metadata(writers) => {
                for w in writers {
                    for c in &w.components {
                        let path = c.logical_path.clone();
                        let name = c.component_name.clone();
                        let found = (w.instance_id, w.writer_id, c.component_type, path, name);
                        if !self.components.contains(&found) {
                            self.components.push(found);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// What a call gave: its outcome, and for an asynchronous one what `Wait` returned too.
fn run<C: BackupComponents>(
    requester: &mut C,
    call: &Call,
) -> (CallOutcome, Option<vss_model::HResult>) {
    match invoke(requester, call) {
        Invoked::Finished(outcome) => (outcome, None),
        Invoked::Started(mut op) => {
            let waited = op.wait(INFINITE);
            let status = op.query_status();
            let outcome = CallOutcome {
                hr: status.unwrap_or_else(|hr| hr),
                returned: Returned::Nothing,
            };
            (outcome, Some(waited))
        }
    }
}

const MACHINES: [&str; 2] = ["HOSTA", "HOSTB"];

/// What every case starts with: a persistent hardware set of `E:\` made by object 0 (its
/// set id is the first id handed out) and a persistent set of `C:\` (system provider) made by
/// object 1, so that the random calls find shadow copies to query, expose, break and delete.
fn prelude() -> Vec<(usize, Drawn)> {
    let make = |object: usize, volume: &str| {
        [
            Drawn::Initialize(None),
            Drawn::SetContext(Context::VSS_CTX_APP_ROLLBACK.0),
            Drawn::GatherWriterMetadata,
            Drawn::SetBackupState(false, false, BackupType::VSS_BT_FULL, false),
            Drawn::StartSnapshotSet,
            Drawn::Add(volume.to_string(), IdArg::Null),
            Drawn::PrepareForBackup,
            Drawn::DoSnapshotSet,
        ]
        .map(|d| (object, d))
    };
    make(0, r"E:\").into_iter().chain(make(1, r"C:\")).collect()
}

/// Runs one case on both backends; gives each call's method and HRESULT name, or the first
/// difference.
fn case(steps: &[(usize, Drawn)]) -> Result<Vec<String>, TestCaseError> {
    let world = default_world();
    let sim = SimBackend.make(&world).expect("made");
    let com = ComBackend.make(&world).expect("made");
    // Objects 0 and 1 live on HOSTA, 2 and 3 on HOSTB.
    let mut direct: Vec<_> = (0..4)
        .map(|i| {
            sim.create_backup_components(MACHINES[i / 2])
                .expect("created")
        })
        .collect();
    let mut through_com: Vec<_> = (0..4)
        .map(|i| {
            com.create_backup_components(MACHINES[i / 2])
                .expect("created")
        })
        .collect();
    let mut seen = Seen::default();
    let mut reached = Vec::new();
    let all = prelude().into_iter().chain(steps.iter().cloned());
    for (n, (object, drawn)) in all.enumerate() {
        let call = seen.call(&drawn);
        let expected = run(&mut direct[object], &call);
        let found = run(&mut through_com[object], &call);
        prop_assert_eq!(
            &found,
            &expected,
            "step {} on object {}: {:?}",
            n,
            object,
            call
        );
        let hr = expected.0.hr;
        reached.push(format!("{} {}", call.method(), hr.name().unwrap_or("?")));
        seen.learn(&expected.0);
    }
    drop(through_com);
    drop(direct);
    prop_assert_eq!(ComBackend.audit(&com), Ok(()));
    Ok(reached)
}

#[test]
fn random_calls_give_the_same_outcomes_through_com() {
    let longest = if common::deep() { 120 } else { 40 };
    let steps = prop::collection::vec((0usize..4, drawn()), 1..longest);
    let reached = RefCell::new(BTreeSet::new());
    let mut runner = TestRunner::new(common::config(0xc0ab_0001, 64));
    let result = runner.run(&steps, |steps| {
        reached.borrow_mut().extend(case(&steps)?);
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    // The runs must get past argument checking into the work itself, or they test little.
    let reached = reached.into_inner();
    for wanted in [
        "DoSnapshotSet VSS_S_ASYNC_FINISHED",
        "GetSnapshotProperties S_OK",
        "Query S_OK",
        "ExposeSnapshot S_OK",
        "DeleteSnapshots S_OK",
        "SaveAsXML S_OK",
        "IsVolumeSupported S_OK",
        "AddToSnapshotSet S_OK",
        "BreakSnapshotSetEx VSS_S_ASYNC_FINISHED",
    ] {
        assert!(
            reached.contains(wanted),
            "no run reached `{wanted}`; reached: {reached:?}"
        );
    }
}
