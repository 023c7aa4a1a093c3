//! Every state the reference model reaches in a small world within a number of steps keeps
//! the `always` properties of [`vss_reference::explore`], and every `sometimes` property is
//! reached: a break, a refused identity revert, a provider veto, failures under provider
//! faults, a whole import and a partial one, a write that finds its diff area full.
//!
//! The number of distinct states is pinned: a change to the model's state space (a new
//! rule, a state the model now tells apart or no longer does, a step added to the
//! exploration) changes it, and must be reviewed before the pinned number is.
//!
//! `VSS_SIM_DEEP=1` explores two steps deeper (about half a minute in a debug build).

use std::num::NonZeroUsize;

use vss_reference::explore::{Exploration, Findings, Kind, SmallWorld};

fn deep() -> bool {
    std::env::var("VSS_SIM_DEEP").is_ok_and(|v| v == "1")
}

/// Explores a world to its default depth (two steps deeper in a deep run) and checks that
/// every property passed.
fn explore(world: SmallWorld) -> Findings {
    let depth = world.default_depth() + if deep() { 2 } else { 0 };
    let report = Exploration::new(world, depth).check();
    assert!(report.passed(), "{report}");
    report
}

fn sometimes(report: &Findings) -> Vec<&'static str> {
    report
        .properties
        .iter()
        .filter(|p| p.kind == Kind::Sometimes)
        .map(|p| p.name)
        .collect()
}

#[test]
fn the_small_world_keeps_every_property_and_reaches_every_state_worth_reaching() {
    let report = explore(SmallWorld::Small);
    // Reviewed counts: see the module comment before changing them.
    let unique = if deep() { 439_575 } else { 69_225 };
    assert_eq!(report.counts.unique_states, unique, "{report}");
    assert_eq!(sometimes(&report).len(), 8, "{report}");
    let partial = report
        .properties
        .iter()
        .find(|p| p.name.starts_with("an import was partial"))
        .and_then(|p| p.path.as_ref())
        .expect("a partial import");
    // Two hardware shadow copies in one set, and one of them not recognised on HOSTB.
    let text = partial.join("\n");
    assert!(text.contains(r"AddToSnapshotSet(E:\)"), "{text}");
    assert!(text.contains(r"AddToSnapshotSet(F:\)"), "{text}");
    assert!(
        text.contains("HOSTB: FillInLunInfo will fail once with E_FAIL"),
        "{text}"
    );
    assert!(
        partial.last().is_some_and(|l| l
            .starts_with("HOSTB object 0: ImportSnapshots -> VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED")),
        "{text}"
    );
}

#[test]
fn the_two_lun_world_keeps_every_property_and_reaches_every_state_worth_reaching() {
    let report = explore(SmallWorld::TwoLuns);
    // Reviewed counts: see the module comment before changing them.
    let unique = if deep() { 66_597 } else { 10_722 };
    assert_eq!(report.counts.unique_states, unique, "{report}");
    // A set holds one hardware shadow copy at most, imported whole or not at all.
    assert_eq!(sometimes(&report).len(), 7, "{report}");
    assert!(
        !sometimes(&report)
            .iter()
            .any(|p| p.starts_with("an import was partial")),
        "{report}"
    );
}

#[test]
fn the_diff_area_world_keeps_every_property_and_fills_its_diff_area() {
    let report = explore(SmallWorld::DiffArea);
    // Reviewed counts: see the module comment before changing them.
    let unique = if deep() { 620 } else { 132 };
    assert_eq!(report.counts.unique_states, unique, "{report}");
    // No array: a veto of a software set's break, and a full diff area.
    assert_eq!(sometimes(&report).len(), 2, "{report}");
    let full = report
        .properties
        .iter()
        .find(|p| p.name.starts_with("a write found its diff area full"))
        .and_then(|p| p.path.as_ref())
        .expect("a full diff area");
    let text = full.join("\n");
    assert!(
        full.last()
            .is_some_and(|l| l.contains("the diff area was full: 1 shadow copy deleted")),
        "{text}"
    );
}

#[test]
fn an_exploration_too_shallow_to_reach_a_state_fails() {
    let report = Exploration::new(SmallWorld::TwoLuns, 6).check();
    assert!(!report.passed(), "{report}");
    let missing: Vec<&str> = report
        .properties
        .iter()
        .filter(|p| !p.passed())
        .map(|p| p.name)
        .collect();
    assert_eq!(
        missing,
        [
            "a break failed under a provider fault",
            "an import succeeded",
            "an import failed under a provider fault"
        ],
        "{report}"
    );
    let text = report.to_string();
    assert!(
        text.contains("sometimes an import succeeded: NOT FOUND"),
        "{text}"
    );
    assert!(text.ends_with("FAILED\n"), "{text}");
}

#[test]
fn an_exploration_that_reaches_its_bound_of_states_is_cut_short_and_never_passes() {
    let bound = NonZeroUsize::new(5_000).expect("not zero");
    let report = Exploration::new(SmallWorld::TwoLuns, 9)
        .max_states(bound)
        .check();
    assert_eq!(report.cut_short, Some(5_000), "{report}");
    assert!(!report.passed(), "{report}");
    assert!(!report.broken(), "{report}");
    // It stops at the first check of the bound past it, long before the 27,131 states of
    // the whole run.
    assert!(report.counts.states >= 5_000, "{report}");
    assert!(report.counts.states < 27_131, "{report}");
    let text = report.to_string();
    assert!(
        text.lines().next().is_some_and(|l| l.ends_with(
            "; cut short at the bound of 5000 states: states past it may not have been visited"
        )),
        "{text}"
    );
    assert!(
        text.contains("always the model's invariants hold: holds in the states visited\n"),
        "{text}"
    );
    assert!(text.ends_with("CUT SHORT\n"), "{text}");
}

#[test]
fn an_exploration_within_its_bound_is_not_cut_short() {
    let report = Exploration::new(SmallWorld::DiffArea, 7)
        .max_states(NonZeroUsize::new(269).expect("not zero"))
        .check();
    assert_eq!(report.counts.states, 268, "{report}");
    assert_eq!(report.cut_short, None, "{report}");
    assert!(report.passed(), "{report}");
}
