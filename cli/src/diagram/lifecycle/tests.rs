//! The lifecycle tables against the simulator: a requester object driven into each state
//! along the tables' own way there gets, for every call of [`METHODS`], what the tables
//! say.

use vss_model::backend::{Backend, BackupStateArgs, INFINITE, VssAsync};
use vss_model::call::{self, Call, Invoked, Returned};
use vss_model::{HResult, HardwareOptions, ObjectType, SnapshotAttributes, VssId};

use super::*;
use vss_sim::{SimComponents, Simulator};

/// A world where a transportable set of HOSTA's `E:\` was made and its document saved, by
/// an object other than the one under test: what `InitializeForBackup(bstrXML)` loads.
struct World {
    sim: Simulator,
    /// Kept alive: releasing it would end nothing here, but the set is its.
    _maker: SimComponents,
    document: String,
    set: VssId,
    snapshot: VssId,
}

/// The object under test and what it has of its own.
struct Subject {
    object: SimComponents,
    set: Option<VssId>,
    snapshot: Option<VssId>,
    added: Vec<&'static str>,
}

/// Makes a call and, for an asynchronous one, waits and reads its status, as a requester
/// does; `VSS_S_ASYNC_FINISHED` reads as `S_OK`.
fn make(object: &mut SimComponents, call: &Call) -> (HResult, Returned) {
    match call::invoke(object, call) {
        Invoked::Finished(outcome) => (outcome.hr, outcome.returned),
        Invoked::Started(mut operation) => {
            operation.wait(INFINITE);
            let status = operation.query_status().unwrap_or_else(|hr| hr);
            let status = match status {
                HResult::VSS_S_ASYNC_FINISHED => HResult::S_OK,
                other => other,
            };
            (status, Returned::Nothing)
        }
    }
}

fn backup_state() -> Call {
    let args = BackupStateArgs::default();
    Call::SetBackupState {
        select_components: args.select_components,
        bootable_system_state: args.bootable_system_state,
        backup_type: args.backup_type,
        partial_file_support: args.partial_file_support,
    }
}

fn world() -> World {
    let sim = Simulator::default_world();
    let mut maker = sim.create_backup_components("HOSTA").expect("HOSTA");
    let mut document = String::new();
    let (mut set, mut snapshot) = (VssId::NULL, VssId::NULL);
    let calls = [
        Call::InitializeForBackup { xml: None },
        Call::SetContext { context: CONTEXT },
        Call::GatherWriterMetadata,
        Call::StartSnapshotSet,
        Call::AddToSnapshotSet {
            volume: r"E:\".into(),
            provider: VssId::NULL,
        },
        backup_state(),
        Call::PrepareForBackup,
        Call::DoSnapshotSet,
        Call::SaveAsXml,
    ];
    for call in &calls {
        let (hr, returned) = make(&mut maker, call);
        assert_eq!(hr, HResult::S_OK, "{} while making the set", call.method());
        match (call, returned) {
            (Call::StartSnapshotSet, Returned::Id(id)) => set = id,
            (Call::AddToSnapshotSet { .. }, Returned::Id(id)) => snapshot = id,
            (Call::SaveAsXml, Returned::Text(text)) => document = text,
            _ => {}
        }
    }
    World {
        sim,
        _maker: maker,
        document,
        set,
        snapshot,
    }
}

/// The tables' way from `Created` to a state: the transition into it from the latest
/// state before it in [`Phase::ALL`] (the first such in table order), after the way to that
/// state. It follows the order a backup application goes in: `SetContext` and
/// `GatherWriterMetadata` before `StartSnapshotSet`, `PrepareForBackup` before
/// `DoSnapshotSet`.
fn way_to(phase: Phase) -> Vec<Transition> {
    if phase == Phase::Created {
        return Vec::new();
    }
    let last = TRANSITIONS
        .iter()
        .filter(|t| t.to == phase && t.from < phase)
        .fold(None::<&Transition>, |best, t| match best {
            Some(b) if b.from >= t.from => Some(b),
            _ => Some(t),
        })
        .unwrap_or_else(|| panic!("no transition leads to {phase:?}"));
    let mut way = way_to(last.from);
    way.push(*last);
    way
}

/// The call a method makes in a test, with the subject's own set and copy as targets
/// (the document's, once it loaded one; the other object's in `Created`, where any will
/// do); `None` for a shadow copy call with nothing to act on.
fn call_for(
    method: Method,
    argument: Option<&str>,
    phase: Phase,
    subject: &Subject,
    world: &World,
) -> Option<Call> {
    let (set, snapshot) = match phase.targets() {
        Targets::Any => (Some(world.set), Some(world.snapshot)),
        _ => (subject.set, subject.snapshot),
    };
    Some(match method {
        Method::InitializeForBackup => Call::InitializeForBackup {
            xml: (argument == Some("bstrXML")).then(|| world.document.clone()),
        },
        Method::SetContext => Call::SetContext { context: CONTEXT },
        Method::GatherWriterMetadata => Call::GatherWriterMetadata,
        Method::StartSnapshotSet => Call::StartSnapshotSet,
        Method::AddToSnapshotSet => Call::AddToSnapshotSet {
            volume: [r"E:\", r"F:\"]
                .into_iter()
                .find(|v| !subject.added.contains(v))
                .expect("a volume not added yet")
                .into(),
            provider: VssId::NULL,
        },
        Method::SetBackupState => backup_state(),
        Method::PrepareForBackup => Call::PrepareForBackup,
        Method::DoSnapshotSet => Call::DoSnapshotSet,
        Method::BackupComplete => Call::BackupComplete,
        Method::AbortBackup => Call::AbortBackup,
        Method::ImportSnapshots => Call::ImportSnapshots,
        Method::ExposeSnapshot => Call::ExposeSnapshot {
            snapshot: snapshot?,
            path_from_root: None,
            attributes: SnapshotAttributes::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY,
            expose: Some("X:".into()),
        },
        Method::UnexposeSnapshot => Call::UnexposeSnapshot {
            snapshot: snapshot?,
        },
        Method::BreakSnapshotSet => Call::BreakSnapshotSet { set: set? },
        Method::BreakSnapshotSetEx => Call::BreakSnapshotSetEx {
            set: set?,
            flags: HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE,
        },
        Method::DeleteSnapshots => Call::DeleteSnapshots {
            id: set?,
            source_type: ObjectType::VSS_OBJECT_SNAPSHOT_SET,
            force: false,
        },
        other => panic!("the test makes no `{other}` call"),
    })
}

/// A fresh world and an object driven into `phase` along [`way_to`], every call on the way
/// succeeding.
fn drive(phase: Phase) -> (World, Subject) {
    let world = world();
    let way = way_to(phase);
    let loads = way.first().is_some_and(|t| t.argument == Some("bstrXML"));
    let machine = if loads { "HOSTB" } else { "HOSTA" };
    let mut subject = Subject {
        object: world.sim.create_backup_components(machine).expect(machine),
        set: loads.then_some(world.set),
        snapshot: loads.then_some(world.snapshot),
        added: Vec::new(),
    };
    for step in &way {
        let call = call_for(step.method, step.argument, step.from, &subject, &world)
            .unwrap_or_else(|| panic!("{} has nothing to act on", step.label()));
        let (hr, returned) = make(&mut subject.object, &call);
        assert!(
            hr.is_success(),
            "on the way to {phase:?}: {} in {:?} returned {hr}",
            step.label(),
            step.from
        );
        match (&call, returned) {
            (Call::StartSnapshotSet, Returned::Id(id)) => subject.set = Some(id),
            (Call::AddToSnapshotSet { volume, .. }, Returned::Id(id)) => {
                subject.snapshot = Some(id);
                let added = [r"E:\", r"F:\"].into_iter().find(|v| v == volume);
                subject.added.extend(added);
            }
            _ => {}
        }
    }
    (world, subject)
}

#[test]
fn every_drawn_call_succeeds_where_it_is_drawn() {
    let mut wrong = Vec::new();
    for step in TRANSITIONS {
        let (world, mut subject) = drive(step.from);
        let call = call_for(step.method, step.argument, step.from, &subject, &world)
            .unwrap_or_else(|| panic!("{} has nothing to act on", step.label()));
        let (hr, _) = make(&mut subject.object, &call);
        if !hr.is_success() {
            wrong.push(format!("{} in {:?}: {hr}", step.label(), step.from));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The drawn state is the phase the simulator keeps the object in, where the two speak of
/// the same thing; an aborted object keeps the set it made or has a failed one.
#[test]
fn each_drawn_state_is_the_phase_the_simulator_keeps() {
    for phase in Phase::ALL {
        let (_world, subject) = drive(phase);
        let kept = subject.object.phase();
        match phase.requester_phase() {
            Some(drawn) => assert_eq!(kept, drawn, "{phase:?}"),
            None => assert!(
                matches!(
                    kept,
                    RequesterPhase::Created(()) | RequesterPhase::Failed(())
                ),
                "{phase:?}: {kept:?}"
            ),
        }
    }
}

#[test]
fn every_other_call_is_refused_with_the_code_the_diagram_gives() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for phase in Phase::ALL {
        for method in METHODS {
            let refusal = match expected(phase, method) {
                Some(Expected::Refused(code, _)) => code,
                Some(Expected::Leads(_)) | None => continue,
            };
            let (world, mut subject) = drive(phase);
            let call = call_for(method, None, phase, &subject, &world)
                .unwrap_or_else(|| panic!("{method} in {phase:?} has nothing to act on"));
            let (hr, _) = make(&mut subject.object, &call);
            if hr != refusal {
                wrong.push(format!("{method} in {phase:?}: {hr}, not {refusal}"));
            }
            checked += 1;
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // 16 states by 16 calls, less the 62 drawn (`InitializeForBackup` twice from
    // `Created`) and the 17 with nothing of the object's own to act on: no call went
    // unchecked.
    assert_eq!(checked, 16 * 16 - 62 - 17);
}

#[test]
fn a_shadow_copy_call_applies_exactly_where_the_object_has_something_to_act_on() {
    for phase in Phase::ALL {
        let (world, subject) = drive(phase);
        for method in METHODS {
            let buildable = call_for(method, None, phase, &subject, &world).is_some();
            assert_eq!(applies(phase, method), buildable, "{method} in {phase:?}");
        }
    }
}

#[test]
fn each_call_is_drawn_or_refused_once_per_state() {
    for phase in Phase::ALL {
        for method in METHODS {
            let drawn: Vec<_> = TRANSITIONS
                .iter()
                .filter(|t| t.from == phase && t.method == method)
                .collect();
            let refused = REFUSALS
                .iter()
                .filter(|r| r.phase == phase && r.methods.contains(&method))
                .count();
            let arguments: Vec<_> = drawn.iter().map(|t| t.argument).collect();
            let mut distinct = arguments.clone();
            distinct.dedup();
            assert_eq!(
                arguments, distinct,
                "{method} drawn twice alike in {phase:?}"
            );
            assert!(
                drawn.is_empty() || refused == 0,
                "{method} both drawn and refused in {phase:?}"
            );
            assert!(refused <= 1, "{method} refused twice in {phase:?}");
            assert!(
                refused == 0 || applies(phase, method),
                "{method} refused in {phase:?}, where it has nothing to act on"
            );
        }
    }
}

#[test]
fn every_state_is_reached_and_every_name_is_a_requester_method() {
    for phase in Phase::ALL {
        let way = way_to(phase);
        assert_eq!(way.last().map_or(Phase::Created, |t| t.to), phase);
    }
    let named = METHODS
        .iter()
        .copied()
        .chain(TRANSITIONS.iter().map(|t| t.method))
        .chain(REFUSALS.iter().flat_map(|r| r.methods.iter().copied()));
    for method in named {
        assert!(
            method.interface().is_requester(),
            "`{method}` is not a requester method of the method table"
        );
        assert!(METHODS.contains(&method), "`{method}` is not in METHODS");
    }
}

#[test]
fn every_refusal_code_is_one_the_method_may_return() {
    let sim = Simulator::default_world();
    for phase in Phase::ALL {
        for method in METHODS {
            if let Some(Expected::Refused(code, _)) = expected(phase, method) {
                assert!(
                    sim.with_world(|w| w.may_return(method, code)),
                    "{method} may not return {code}"
                );
            }
        }
    }
}

#[test]
fn the_notes_name_the_context_drawn() {
    assert_eq!(
        CONTEXT.to_string(),
        "VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE"
    );
    assert!(
        general_notes()
            .iter()
            .any(|n| n.contains(&CONTEXT.to_string()))
    );
}

#[test]
fn the_mermaid_diagram() {
    insta::assert_snapshot!(lifecycle(Format::Mermaid));
}

#[test]
fn the_dot_diagram() {
    insta::assert_snapshot!(lifecycle(Format::Dot));
}

#[test]
fn the_svg_table() {
    insta::assert_snapshot!(lifecycle(Format::Svg));
}
