//! Every checkable scenario (§8 of `docs/vss-checkable-scenarios.md`, numbered 1 to 65) is
//! named by a scenario of the corpus, or is listed here with the reason it cannot be
//! expressed. A file names a scenario by citing it, as `vss-checkable-scenarios.md #23`,
//! `vss-checkable-scenarios.md #23, #24 and #26-#28` (a range names every number between its
//! ends), in its description or a comment, or as `sNN` in its file name. A `#N` that follows
//! no citation of the page names nothing.

use crate::citing;

use std::collections::{BTreeMap, BTreeSet};

use citing::{SCENARIOS_PAGE, scenario_numbers};
use vss_conformance::scenario_files;

/// How many checkable scenarios the page lists.
const CHECKABLE: u32 = 65;

/// The checkable scenarios no corpus scenario can express, and why.
const NOT_EXPRESSIBLE: [(u32, &str); 4] = [
    (
        12,
        "DoSnapshotSet(NULL): the Rust API has no null out-pointer; the COM ABI harness will pass one",
    ),
    (
        37,
        "ImportSnapshots(NULL): the Rust API has no null out-pointer; the COM ABI harness will pass one",
    ),
    (
        42,
        "ImportSnapshots on a client SKU: the simulator does not model the SKU gate",
    ),
    (
        52,
        "SetContext on Windows XP (E_NOTIMPL): the simulator models Windows Server only",
    ),
];

/// The numbers a text names by citing them from the checkable scenarios page.
fn cited_numbers(text: &str) -> BTreeSet<u32> {
    scenario_numbers(text).into_iter().collect()
}

/// The numbers a file name names as `sNN`, each `s` starting the name or following a `-`.
fn file_numbers(name: &str) -> BTreeSet<u32> {
    let stem = name.split('.').next().unwrap_or(name);
    stem.split('-')
        .filter_map(|part| part.strip_prefix('s'))
        .filter(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()))
        .filter_map(|digits| digits.parse().ok())
        .collect()
}

/// Each number named anywhere in the corpus, with the files that name it.
fn named() -> BTreeMap<u32, Vec<String>> {
    let mut named: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for path in scenario_files("tests/scenarios") {
        let name = path
            .file_name()
            .expect("a file")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("readable");
        for n in cited_numbers(&text).union(&file_numbers(&name)) {
            named.entry(*n).or_default().push(name.clone());
        }
    }
    named
}

#[test]
fn every_checkable_scenario_is_in_the_corpus_or_excused() {
    let named = named();
    let excused: BTreeMap<u32, &str> = NOT_EXPRESSIBLE.into_iter().collect();
    let mut problems = Vec::new();
    for n in 1..=CHECKABLE {
        match (named.get(&n), excused.get(&n)) {
            (Some(_), None) | (None, Some(_)) => {}
            (None, None) => problems.push(format!(
                "{SCENARIOS_PAGE} #{n} is named by no corpus scenario"
            )),
            (Some(files), Some(_)) => problems.push(format!(
                "{SCENARIOS_PAGE} #{n} is listed as not expressible, yet {} names it",
                files.join(", ")
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn numbers_are_read_from_texts_and_file_names() {
    assert_eq!(
        cited_numbers(&format!(
            "{SCENARIOS_PAGE} #3-#7, #12 (DOC) and #2. Not #40 nor # 9; `{SCENARIOS_PAGE}` #1"
        )),
        [1, 2, 3, 4, 5, 6, 7, 12].into()
    );
    assert!(cited_numbers("#3 and #12, cited from no page").is_empty());
    assert_eq!(
        file_numbers("s10-s14-writer-context-rules.yaml"),
        [10, 14].into()
    );
    assert_eq!(file_numbers("snapshots-s2.yaml"), [2].into());
    assert!(file_numbers("access-denied.yaml").is_empty());
}
