//! Every checkable scenario of the VSS reference (§8 of `vss-reference.md`, numbered 1 to 65)
//! is named by a scenario of the corpus, as `#N` in its text or as `sNN` in its file name, or
//! is listed here with the reason it cannot be expressed.

use std::collections::{BTreeMap, BTreeSet};

use vss_conformance::scenario_files;

/// How many checkable scenarios the reference lists.
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

/// The numbers a text names as `#N`.
fn hash_numbers(text: &str) -> BTreeSet<u32> {
    text.split('#')
        .skip(1)
        .filter_map(|after| {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
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
        for n in hash_numbers(&text).union(&file_numbers(&name)) {
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
            (None, None) => problems.push(format!("§8 #{n} is named by no corpus scenario")),
            (Some(files), Some(_)) => problems.push(format!(
                "§8 #{n} is listed as not expressible, yet {} names it",
                files.join(", ")
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn numbers_are_read_from_texts_and_file_names() {
    assert_eq!(
        hash_numbers("§8 #3-#7, #12 and not 40 nor # 9"),
        [3, 7, 12].into()
    );
    assert_eq!(
        file_numbers("s10-s14-writer-context-rules.yaml"),
        [10, 14].into()
    );
    assert_eq!(file_numbers("snapshots-s2.yaml"), [2].into());
    assert!(file_numbers("access-denied.yaml").is_empty());
}
