//! The simulator agrees with the reference model on random sequences of steps over two
//! machines and several requester objects per machine, with provider faults off and on, and
//! every invariant of [`vss_conformance::model_check`] holds after every step.
//!
//! The sequences come from `proptest-state-machine`: the reference model is the reference
//! state machine, and a failing sequence is shrunk by dropping steps and by simplifying each
//! one (the step and call enums list the simplest variants first). The shrunk case is
//! written to `target/model-failures/NAME.yaml` as a scenario `vss-sim run` replays, and
//! printed.
//!
//! Each run draws sequences of up to 80 steps (160 and 1024 cases with `VSS_SIM_DEEP=1`);
//! `VSS_SIM_SEED` changes the seed.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::Ordering;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use proptest_state_machine::ReferenceStateMachine;
use vss_conformance::backends::{ComBackend, MakeBackend};
use vss_conformance::model_check::{Harness, OnSimulator, world_spec};
use vss_model::{Context, HResult, HardwareOptions as H};
use vss_reference::{FaultMethod, ProviderChoice, Ref, ReferenceModel, RequesterCall, Step};
use vss_sim::BrokenRule;
use vss_sim::Simulator;
use vss_sim_com::ComSim;

use crate::common;

/// The reference state machine; `FAULTS` lets provider faults into the sequences.
struct Vss<const FAULTS: bool>;

impl<const FAULTS: bool> ReferenceStateMachine for Vss<FAULTS> {
    type State = ReferenceModel;
    type Transition = Step;

    fn init_state() -> BoxedStrategy<ReferenceModel> {
        Just(ReferenceModel::new(world_spec())).boxed()
    }

    /// Mostly a step that takes some object further, so that sequences reach deep
    /// states; otherwise any step at all.
    fn transitions(state: &ReferenceModel) -> BoxedStrategy<Step> {
        let fault_weight = if FAULTS { 1 } else { 0 };
        prop_oneof![
            8 => proptest::sample::select(state.natural_steps(OBJECTS)),
            4 => step(FAULTS),
            fault_weight => fault(),
            2 => write_under_copy(state),
            1 => revert(state),
        ]
        .boxed()
    }

    fn apply(mut state: ReferenceModel, step: &Step) -> ReferenceModel {
        state.step(step);
        state
    }
}

/// Requester objects per machine.
const OBJECTS: u8 = 3;

/// The contexts a `SetContext` step sets.
const CONTEXTS: [Context; 9] = [
    Context::VSS_CTX_BACKUP,
    Context::VSS_CTX_FILE_SHARE_BACKUP,
    Context::VSS_CTX_NAS_ROLLBACK,
    Context::VSS_CTX_APP_ROLLBACK,
    Context::VSS_CTX_CLIENT_ACCESSIBLE,
    Context::VSS_CTX_ALL,
    // VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_TRANSPORTABLE, and its persistent variant.
    Context(0x20),
    Context(0x39),
    // VSS_CTX_BACKUP | VSS_VOLSNAP_ATTR_PLEX.
    Context(0x4000),
];

/// The `dwBreakFlags` of `BreakSnapshotSetEx` steps: each valid combination, then three the
/// rules refuse.
const BREAK_FLAGS: [H; 10] = [
    H::empty(),
    H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE,
    H::VSS_BREAKEX_FLAG_MASK_LUNS,
    H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE,
    H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL,
    H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL.union(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
    H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE.union(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
    H::VSS_BREAKEX_FLAG_MASK_LUNS.union(H::VSS_BREAKEX_FLAG_MAKE_READ_WRITE),
    H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL.union(H::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE),
    // A bit no VSS_BREAKEX_FLAG has.
    H::from_bits_retain(0x10),
];

const FAULTS: [FaultMethod; 4] = [
    FaultMethod::CommitSnapshots,
    FaultMethod::LocateLuns,
    FaultMethod::FillInLunInfo,
    FaultMethod::OnLunStateChange,
];

fn reference() -> impl Strategy<Value = Ref> {
    prop_oneof![9 => (0u8..8).prop_map(Ref::Issued), 1 => Just(Ref::Unknown)]
}

fn call() -> BoxedStrategy<RequesterCall> {
    let provider = prop_oneof![
        6 => Just(ProviderChoice::Any),
        2 => Just(ProviderChoice::System),
        2 => Just(ProviderChoice::Hardware),
        1 => Just(ProviderChoice::Unregistered),
    ];
    prop_oneof![
        1 => Just(RequesterCall::Release),
        4 => proptest::option::of(0u8..4).prop_map(|document| RequesterCall::InitializeForBackup { document }),
        3 => proptest::sample::select(&CONTEXTS[..]).prop_map(RequesterCall::SetContext),
        2 => Just(RequesterCall::GatherWriterMetadata),
        1 => Just(RequesterCall::SetBackupState),
        4 => Just(RequesterCall::StartSnapshotSet),
        5 => (0u8..4, provider).prop_map(|(volume, provider)| RequesterCall::AddToSnapshotSet { volume, provider }),
        1 => Just(RequesterCall::PrepareForBackup),
        4 => Just(RequesterCall::DoSnapshotSet),
        1 => Just(RequesterCall::BackupComplete),
        1 => Just(RequesterCall::AbortBackup),
        1 => Just(RequesterCall::Query),
        1 => reference().prop_map(RequesterCall::GetSnapshotProperties),
        2 => (reference(), any::<bool>()).prop_map(|(target, set)| RequesterCall::DeleteSnapshots { target, set }),
        3 => Just(RequesterCall::SaveAsXml),
        3 => Just(RequesterCall::ImportSnapshots),
        4 => (reference(), proptest::option::of(proptest::sample::select(&BREAK_FLAGS[..])))
            .prop_map(|(set, flags)| RequesterCall::BreakSnapshotSet { set, flags }),
        1 => reference().prop_map(RequesterCall::ExposeSnapshot),
        1 => reference().prop_map(RequesterCall::UnexposeSnapshot),
    ]
    .boxed()
}

/// A write to a volume that has a live software copy, so that diff areas fill; any write
/// when there is none.
fn write_under_copy(state: &ReferenceModel) -> BoxedStrategy<Step> {
    let volumes: Vec<(usize, u8)> = (0..2)
        .flat_map(|m| state.live_copies(m))
        .filter(|c| {
            !c.attributes
                .contains(vss_model::SnapshotAttributes::VSS_VOLSNAP_ATTR_HARDWARE_ASSISTED)
        })
        .filter_map(|c| state.original_of(c.id))
        .map(|(m, v)| (m, v as u8))
        .collect();
    if volumes.is_empty() {
        return step(false);
    }
    (proptest::sample::select(volumes), 0u8..4, any::<u8>())
        .prop_map(|((machine, volume), block, value)| Step::Write {
            machine,
            volume,
            block,
            value,
        })
        .boxed()
}

/// A revert on the machine of a live shadow copy, to that copy or (rarely) to an id it never
/// handed out, or a `QueryRevertStatus` of a volume of that machine.
fn revert(state: &ReferenceModel) -> BoxedStrategy<Step> {
    let ids = state.snapshot_ids();
    let live: Vec<(usize, Ref)> = (0..2)
        .flat_map(|m| state.live_copies(m).into_iter().map(move |c| (m, c.id)))
        .filter_map(|(m, id)| {
            let index = ids.iter().position(|i| *i == id)?;
            Some((m, Ref::to_index(index, ids.len())))
        })
        .collect();
    if live.is_empty() {
        return step(false);
    }
    let call = |(machine, call)| Step::Call {
        machine,
        object: 0,
        call,
    };
    prop_oneof![
        4 => (proptest::sample::select(live.clone()), any::<bool>()).prop_map(
            move |((machine, target), force_dismount)| {
                call((machine, RequesterCall::RevertToSnapshot { target, force_dismount }))
            }
        ),
        1 => (0usize..2, 0u8..4).prop_map(move |(machine, volume)| {
            call((machine, RequesterCall::QueryRevertStatus { volume }))
        }),
    ]
    .boxed()
}

fn fault() -> BoxedStrategy<Step> {
    (0usize..2, proptest::sample::select(&FAULTS[..]))
        .prop_map(|(machine, method)| Step::Fault { machine, method })
        .boxed()
}

fn step(faults: bool) -> BoxedStrategy<Step> {
    let machine = || prop_oneof![3 => Just(0usize), 2 => Just(1usize)];
    let fault_weight = if faults { 4 } else { 0 };
    prop_oneof![
        6 => (machine(), 0u8..3, 0u8..4, any::<u8>())
            .prop_map(|(machine, volume, block, value)| Step::Write { machine, volume, block, value }),
        1 => machine().prop_map(|machine| Step::Reboot { machine }),
        1 => (0usize..3, machine(), any::<bool>())
            .prop_map(|(lun, machine, visible)| Step::SetLunVisible { lun, machine, visible }),
        fault_weight => fault(),
        30 => (machine(), 0..OBJECTS, call())
            .prop_map(|(machine, object, call)| Step::Call { machine, object, call }),
    ]
    .boxed()
}

/// What the reach list records when a write found its diff area full and a copy was
/// deleted to make room (no method returns it: the write is an environment step).
const DIFF_AREA_FULL: (&str, HResult) = ("diff area full", HResult::S_OK);

/// How often each method gave each HRESULT over a run.
type Reached = Mutex<BTreeMap<(&'static str, HResult), usize>>;

/// Fails unless the random sequences reached every outcome listed: a test of agreement
/// that never got as far as a break is no test.
fn assert_reached(reached: &Reached, wanted: &[(&'static str, HResult)]) {
    let seen = reached.lock().expect("not poisoned");
    let missing: Vec<String> = wanted
        .iter()
        .filter(|w| !seen.contains_key(w))
        .map(|(method, hr)| format!("{method} → {hr}"))
        .collect();
    assert!(
        missing.is_empty(),
        "the random sequences never reached: {}\nthey reached: {:?}",
        missing.join(", "),
        seen.keys().collect::<Vec<_>>()
    );
}

/// Where a shrunk failing case is written.
fn failure_file(name: &str) -> PathBuf {
    vss_conformance::repo_root()
        .join("target")
        .join("model-failures")
        .join(format!("{name}.yaml"))
}

/// Runs `cases` random sequences; on a failure, writes the shrunk case as a scenario and
/// returns it with the reason.
fn explore<const FAULTS: bool>(
    name: &str,
    seed: u64,
    cases: u32,
    prepare: impl Fn(&Harness),
    reached: &Reached,
) -> Result<(), (String, Vec<Step>)> {
    explore_on::<FAULTS, Simulator>(name, seed, cases, prepare, |_| Ok(()), reached)
}

/// [`explore`] on the simulator served as `B`; `audit` looks underneath after each case,
/// once every requester object is released.
fn explore_on<const FAULTS: bool, B: OnSimulator>(
    name: &str,
    seed: u64,
    cases: u32,
    prepare: impl Fn(&Harness<B>),
    audit: impl Fn(&B) -> Result<(), String>,
    reached: &Reached,
) -> Result<(), (String, Vec<Step>)> {
    let max_steps = if common::deep() { 160 } else { 80 };
    let mut runner = TestRunner::new(common::config(seed, cases));
    let result = runner.run(
        &Vss::<FAULTS>::sequential_strategy(1..max_steps),
        |(_, steps, seen)| {
            let mut harness = Harness::<B>::on();
            prepare(&harness);
            // The shrinker drops the steps after the one that failed: it learns which from
            // how many were seen.
            let result = steps.iter().try_for_each(|step| {
                if let Some(seen) = &seen {
                    seen.fetch_add(1, Ordering::SeqCst);
                }
                harness.apply(step)
            });
            let mut seen = reached.lock().expect("not poisoned");
            for outcome in harness.outcomes() {
                *seen.entry(*outcome).or_insert(0) += 1;
            }
            if harness.overflow_deletions() > 0 {
                *seen.entry(DIFF_AREA_FULL).or_insert(0) += 1;
            }
            result.map_err(|d| TestCaseError::fail(d.to_string()))?;
            harness.release_all();
            audit(harness.backend()).map_err(TestCaseError::fail)
        },
    );
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, (_, steps, _))) => {
            let mut harness = Harness::<B>::on();
            prepare(&harness);
            let scenario = match harness.run(&steps) {
                Err(d) => d.scenario,
                Ok(()) => harness.scenario(),
            };
            let path = failure_file(name);
            if let Some(parent) = path.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&path, &scenario);
            Err((
                format!("{reason}\n(the shrunk case is in {})", path.display()),
                steps,
            ))
        }
        Err(TestError::Abort(why)) => Err((format!("aborted: {why}"), Vec::new())),
    }
}

#[test]
fn the_simulator_agrees_with_the_model() {
    let reached = Reached::default();
    if let Err((why, _)) = explore::<false>("faults-off", 41, 256, |_| {}, &reached) {
        panic!("{why}");
    }
    assert_reached(
        &reached,
        &[
            ("DoSnapshotSet", HResult::VSS_S_ASYNC_FINISHED),
            ("ImportSnapshots", HResult::VSS_S_ASYNC_FINISHED),
            ("BreakSnapshotSet", HResult::S_OK),
            ("BreakSnapshotSetEx", HResult::VSS_S_ASYNC_FINISHED),
            ("BreakSnapshotSetEx", HResult::VSS_E_BREAK_REVERT_ID_FAILED),
            ("BreakSnapshotSet", HResult::VSS_E_PROVIDER_VETO),
            ("StartSnapshotSet", HResult::VSS_E_SNAPSHOT_SET_IN_PROGRESS),
            ("ExposeSnapshot", HResult::S_OK),
            ("DeleteSnapshots", HResult::S_OK),
            ("RevertToSnapshot", HResult::S_OK),
            DIFF_AREA_FULL,
        ],
    );
}

/// The same sequences through `vss-windows` and COM: every outcome and invariant holds
/// there too, and after each case the memory ledger is clean.
#[test]
fn the_simulator_through_com_agrees_with_the_model() {
    let reached = Reached::default();
    let audit = |com: &ComSim| ComBackend.audit(com);
    if let Err((why, _)) =
        explore_on::<false, ComSim>("through-com", 47, 256, |_| {}, audit, &reached)
    {
        panic!("{why}");
    }
    assert_reached(
        &reached,
        &[
            ("DoSnapshotSet", HResult::VSS_S_ASYNC_FINISHED),
            ("ImportSnapshots", HResult::VSS_S_ASYNC_FINISHED),
            ("BreakSnapshotSetEx", HResult::VSS_S_ASYNC_FINISHED),
            ("ExposeSnapshot", HResult::S_OK),
            ("DeleteSnapshots", HResult::S_OK),
        ],
    );
}

#[test]
fn the_simulator_agrees_with_the_model_under_provider_faults() {
    let reached = Reached::default();
    if let Err((why, _)) = explore::<true>("faults-on", 43, 256, |_| {}, &reached) {
        panic!("{why}");
    }
    assert_reached(
        &reached,
        &[
            ("DoSnapshotSet", HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR),
            // Only a provider fault gives these: neither method documents the provider's
            // error, which reaches the requester as VSS_E_UNEXPECTED.
            ("ImportSnapshots", HResult::VSS_E_UNEXPECTED),
            ("BreakSnapshotSetEx", HResult::VSS_E_UNEXPECTED),
        ],
    );
}

/// A simulator told to let `BreakSnapshotSet` succeed on a system provider's set is caught,
/// and the case shrinks to a few steps: make a set of a local volume, break it.
#[test]
fn a_rule_broken_on_purpose_is_caught_with_a_short_case() {
    let reached = Reached::default();
    let result = explore::<false>(
        "broken-rule",
        47,
        256,
        |harness| {
            harness
                .simulator()
                .with_world(|w| w.break_rule(BrokenRule::BreakSoftwareSets))
        },
        &reached,
    );
    let (why, steps) = result.expect_err("a simulator that breaks software sets must be caught");
    assert!(
        why.contains("BreakSnapshotSet") && why.contains("VSS_E_PROVIDER_VETO"),
        "caught for another reason: {why}"
    );
    assert!(
        steps.len() <= 10,
        "the case shrank to {} steps only: {steps:#?}",
        steps.len()
    );
}

/// The scenario a harness writes replays under `vss-sim run` with every expectation holding:
/// a long sequence of the steps that take objects furthest, written out and run again.
#[test]
fn a_run_written_as_a_scenario_replays() {
    let mut harness = Harness::new();
    let mut model = ReferenceModel::new(world_spec());
    for i in 0..80usize {
        let natural = model.natural_steps(OBJECTS);
        let step = natural[(i * 7 + i / 3) % natural.len()].clone();
        model.step(&step);
        if let Err(d) = harness.apply(&step) {
            panic!("{d}");
        }
    }
    let scenario = harness.scenario();
    let report = vss_sim::runner::run_text(&scenario, "replay.yaml", false)
        .unwrap_or_else(|e| panic!("the written scenario is bad input: {e}\n{scenario}"));
    assert_eq!(
        report.outcome,
        vss_sim::runner::RunEnd::Passed,
        "{}",
        report.output
    );
    assert!(
        scenario.contains("call: DoSnapshotSet, expect: S_OK"),
        "{scenario}"
    );
}
