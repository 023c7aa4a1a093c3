//! Every citation of the VSS behaviour resolves inside the repository.
//!
//! The facts the simulator rests on are in `docs/vss-behaviour.md` (§0 to §10) and
//! `docs/vss-checkable-scenarios.md` (§7, the HRESULT table, and §8, the checkable scenarios,
//! each row with an anchor `<a id="sN">`). Code, scenarios and pages cite them as
//! `vss-checkable-scenarios.md #23` and `vss-behaviour.md §3.3` (the forms `tests/tests/suite/citing`
//! reads). In every `.rs`, `.md`, `.yaml`, `.yml`, `.json` and `.toml` file of the repository
//! (but those under `target/` and the fuzzing corpora, `fuzz/corpus` and `fuzz/seeds`), this
//! test fails on:
//!
//! - a mention of a file `vss-reference` + `.md`, which the repository does not have (the
//!   crate `vss-reference`, the reference model, is named freely);
//! - a scenario number after a bare `§8`, which names no page;
//! - `vss-checkable-scenarios.md #N` for a scenario without its anchor on that page, or
//!   `vss-checkable-scenarios.md §N` for a section it lacks;
//! - `vss-behaviour.md §X.Y` for a section without a heading of that number, or
//!   `vss-behaviour.md §9 question N` for a question §9 does not have, or a scenario number
//!   cited from `vss-behaviour.md`;
//! - `PAGE.md §X.Y` for any other page of `docs/` (`scenario-format.md §5.1`) without a heading
//!   of that number;
//! - in a Markdown file, a link to a Markdown file that does not exist, or to a page of
//!   `docs/` that reaches no heading or anchor of it, or whose text names another scenario or
//!   section than the one it reaches.

use crate::citing;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use citing::{BEHAVIOUR_PAGE, Cited, SCENARIOS_PAGE, anchor, cited, scenario_numbers};
use vss_conformance::repo_root;

/// A file the repository does not have, so nothing may cite it. Spelt in two halves so that
/// this file does not cite it either.
const REPLACED: &str = concat!("vss-", "reference.md");

/// The old form of a scenario's citation, without the page (in two halves for the same reason).
const BARE: &str = concat!("§8 ", "#");

/// The kinds of file whose citations are checked.
const EXTENSIONS: [&str; 6] = ["rs", "md", "yaml", "yml", "json", "toml"];

/// Folders, from the repository root, whose files are not checked: the fuzzers' inputs and
/// what a run of them leaves. Every folder named `target` and `.git` is left out too.
const SKIPPED: [&str; 4] = [
    "fuzz/corpus",
    "fuzz/seeds",
    "fuzz/artifacts",
    "fuzz/coverage",
];

/// What citations of one page can name.
struct Page {
    /// The page's file name.
    name: String,
    /// The numbers of its headings (`3`, `3.3`).
    sections: BTreeSet<String>,
    /// The anchors a link can reach: its headings' and its `<a id="…">` anchors.
    anchors: BTreeSet<String>,
    /// For each top-level section, how many numbered items (open questions) it lists.
    questions: BTreeMap<String, u32>,
}

/// The number a heading starts with: `3.3` of `3.3 Flag combinations`, `9` of
/// `9. Open questions`.
fn heading_number(title: &str) -> Option<String> {
    let number: String = title
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let number = number.trim_end_matches('.');
    (!number.is_empty()).then(|| number.to_string())
}

impl Page {
    fn read(name: &str) -> Page {
        let path = repo_root().join("docs").join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let mut page = Page {
            name: name.to_string(),
            sections: BTreeSet::new(),
            anchors: BTreeSet::new(),
            questions: BTreeMap::new(),
        };
        let mut fenced = false;
        let mut top: Option<String> = None;
        for line in text.lines() {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                continue;
            }
            if fenced {
                continue;
            }
            if let Some(title) = line.strip_prefix('#') {
                let title = title.trim_start_matches('#');
                if let Some(title) = title.strip_prefix(' ') {
                    page.anchors.insert(anchor(title));
                    if let Some(number) = heading_number(title) {
                        if line.starts_with("## ") {
                            top = Some(number.clone());
                        }
                        page.sections.insert(number);
                    }
                }
                continue;
            }
            for part in line.split("<a id=\"").skip(1) {
                if let Some((id, _)) = part.split_once('"') {
                    page.anchors.insert(id.to_string());
                }
            }
            let item: String = line.chars().take_while(char::is_ascii_digit).collect();
            if let (Some(section), Ok(n)) = (&top, item.parse::<u32>())
                && line[item.len()..].starts_with(". ")
            {
                let count = page.questions.entry(section.clone()).or_default();
                *count = (*count).max(n);
            }
        }
        page
    }

    /// Why `item`, cited from this page, names nothing on it.
    fn missing(&self, item: &Cited) -> Option<String> {
        let name = &self.name;
        match item {
            Cited::Scenario(n) if name != SCENARIOS_PAGE => Some(format!(
                "{name} #{n}: scenarios are cited from {SCENARIOS_PAGE}"
            )),
            Cited::Scenario(n) => (!self.anchors.contains(&format!("s{n}")))
                .then(|| format!("{name} #{n}: the page has no scenario {n} (anchor `s{n}`)")),
            Cited::Section(s) => (!self.sections.contains(s))
                .then(|| format!("{name} §{s}: the page has no heading numbered {s}")),
            Cited::Question(s, q) => {
                let count = self.questions.get(s).copied().unwrap_or(0);
                (*q == 0 || *q > count)
                    .then(|| format!("{name} §{s} question {q}: §{s} lists {count} numbered items"))
            }
        }
    }
}

/// The pages citations can name: every page of `docs/`, the two VSS pages among them.
fn pages() -> Vec<Page> {
    let dir = repo_root().join("docs");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .map(|p| {
            p.file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names.iter().map(|name| Page::read(name)).collect()
}

/// The page of that name.
fn page<'p>(pages: &'p [Page], name: &str) -> &'p Page {
    pages
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("docs/{name} is missing"))
}

/// The line of a byte offset of `text`, from 1.
fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The Markdown links of `text` as (offset, link text, target), outside code spans and
/// fenced blocks.
fn links(text: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    let mut offset = 0;
    let mut fenced = false;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        let mut outside = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                outside.push_str(part);
            }
        }
        for (at, _) in outside.match_indices("](") {
            let label = outside[..at]
                .rfind('[')
                .map(|open| outside[open + 1..at].to_string())
                .unwrap_or_default();
            if let Some((target, _)) = outside[at + 2..].split_once(')') {
                found.push((start, label, target.to_string()));
            }
        }
    }
    found
}

/// The problem of a link from the Markdown file `file`: a Markdown file that does not exist,
/// or, for a link to one of `pages`, a target that is not the page, a fragment that is no
/// anchor of it, or a text naming another place than the one it reaches.
fn link_problem(file: &Path, label: &str, target: &str, pages: &[Page]) -> Option<String> {
    let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
    let reached = file.parent().expect("a file is in a folder").join(path);
    if path.ends_with(".md") && !target.contains("://") && !reached.is_file() {
        return Some(format!("`{target}`: no such file"));
    }
    let page = pages
        .iter()
        .find(|p| path == p.name || path.ends_with(&format!("/{}", p.name)))?;
    let expected = repo_root().join("docs").join(&page.name);
    if reached.canonicalize().ok() != expected.canonicalize().ok() {
        return Some(format!("`{target}` is not docs/{}", page.name));
    }
    if fragment.is_empty() {
        return None;
    }
    if !page.anchors.contains(fragment) {
        return Some(format!("`{target}`: {} has no such anchor", page.name));
    }
    // The text says which scenario or section it leads to; it must be the one reached.
    let numbers: Vec<u32> = label
        .split('#')
        .skip(1)
        .filter_map(|after| {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    let sections: Vec<String> = label
        .split('§')
        .skip(1)
        .filter_map(heading_number)
        .map(|s| format!("{}-", s.replace('.', "")))
        .collect();
    let scenario = fragment
        .strip_prefix('s')
        .and_then(|n| n.parse::<u32>().ok());
    match scenario {
        Some(n) if !numbers.is_empty() && !numbers.contains(&n) => Some(format!(
            "`[{label}]({target})` says another scenario than it leads to"
        )),
        None if !sections.is_empty() && !sections.iter().any(|s| fragment.starts_with(s)) => Some(
            format!("`[{label}]({target})` says another section than it leads to"),
        ),
        _ => None,
    }
}

/// What is wrong with the citations of `text`, the content of `file`, each as `LINE: why`.
fn problems_of(file: &Path, text: &str, pages: &[Page]) -> Vec<String> {
    let mut problems = Vec::new();
    for (at, _) in text.match_indices(REPLACED) {
        problems.push(format!(
            "{}: cites {REPLACED}, which is not in the repository; cite {BEHAVIOUR_PAGE} \
             or {SCENARIOS_PAGE} instead",
            line_of(text, at)
        ));
    }
    for (at, _) in text.match_indices(BARE) {
        problems.push(format!(
            "{}: a bare `{BARE}N` names no page; cite `{SCENARIOS_PAGE} #N`",
            line_of(text, at)
        ));
    }
    for page in pages {
        for (at, item) in cited(text, &page.name) {
            if let Some(why) = page.missing(&item) {
                problems.push(format!("{}: {why}", line_of(text, at)));
            }
        }
    }
    if file.extension().is_some_and(|e| e == "md") {
        for (at, label, target) in links(text) {
            if let Some(why) = link_problem(file, &label, &target, pages) {
                problems.push(format!("{}: {why}", line_of(text, at)));
            }
        }
    }
    problems
}

/// Every checked file under `dir`.
fn files(dir: &Path, root: &Path, found: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable folder entry").path())
        .collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        let relative = path.strip_prefix(root).unwrap_or(&path);
        if path.is_dir() {
            let skipped = name == "target"
                || name == ".git"
                || SKIPPED.iter().any(|s| relative == Path::new(s));
            if !skipped {
                files(&path, root, found);
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            found.push(path);
        }
    }
}

#[test]
fn every_citation_resolves_inside_the_repository() {
    let root = repo_root();
    let pages = pages();
    let mut checked = Vec::new();
    files(&root, &root, &mut checked);
    assert!(
        checked.len() > 100,
        "only {} files were found",
        checked.len()
    );
    let mut problems = Vec::new();
    let mut citations = 0;
    for path in &checked {
        // Data files that are not text (none is expected) have no citations to check.
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        citations += pages
            .iter()
            .map(|p| cited(&text, &p.name).len())
            .sum::<usize>();
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        problems.extend(
            problems_of(path, &text, &pages)
                .into_iter()
                .map(|p| format!("{name}:{p}")),
        );
    }
    assert!(citations > 100, "only {citations} citations were found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_pages_have_what_citations_name() {
    let pages = pages();
    let (behaviour, scenarios) = (page(&pages, BEHAVIOUR_PAGE), page(&pages, SCENARIOS_PAGE));
    for section in ["0", "2.2", "3.3", "5.6", "9", "10"] {
        assert!(behaviour.sections.contains(section), "§{section}");
    }
    assert_eq!(behaviour.questions.get("9"), Some(&10));
    for n in 1..=65 {
        assert!(scenarios.anchors.contains(&format!("s{n}")), "#{n}");
    }
    assert!(scenarios.sections.contains("7") && scenarios.sections.contains("8"));
    assert!(behaviour.anchors.contains("33-flag-combinations"));
}

#[test]
fn runs_are_read_to_their_end() {
    let text = format!(
        "{SCENARIOS_PAGE} #19 (DOC) and #57-#60 (DOC). While #61 is not cited; \
         `{SCENARIOS_PAGE}` #3, #4 or\n  #5, and {BEHAVIOUR_PAGE} §1.5. Then"
    );
    assert_eq!(scenario_numbers(&text), [19, 57, 58, 59, 60, 3, 4, 5]);
    let items = |text: &str| -> Vec<Cited> {
        cited(text, BEHAVIOUR_PAGE)
            .into_iter()
            .map(|(_, c)| c)
            .collect()
    };
    assert_eq!(items(&text), [Cited::Section("1.5".into())]);
    let text = format!(
        "see {BEHAVIOUR_PAGE} §5.2, §5.3 and §5.6 for providers, {BEHAVIOUR_PAGE} §2.2–§2.3, \
         ({BEHAVIOUR_PAGE} §9 question 4), {BEHAVIOUR_PAGE} §3. Then \
         [x]({BEHAVIOUR_PAGE}#33-flag-combinations) §4"
    );
    let mut expected: Vec<Cited> = ["5.2", "5.3", "5.6", "2.2", "2.3"]
        .into_iter()
        .map(|s| Cited::Section(s.into()))
        .collect();
    expected.push(Cited::Question("9".into(), 4));
    expected.push(Cited::Section("3".into()));
    assert_eq!(items(&text), expected);
}

#[test]
fn a_bad_citation_is_reported() {
    let pages = pages();
    let file = repo_root().join("docs/assumptions.md");
    let problems = |text: String| problems_of(&file, &text, &pages);
    // Another page of docs/, named through a variable so that this file cites nothing.
    let other = "scenario-format.md";
    let good = format!(
        "{SCENARIOS_PAGE} #1, #23 and #60-#65 (DOC); {SCENARIOS_PAGE} §7; {BEHAVIOUR_PAGE} §3.3, \
         §5.2 and §9 question 10; [{SCENARIOS_PAGE} #51]({SCENARIOS_PAGE}#s51), \
         [{BEHAVIOUR_PAGE} §3.3]({BEHAVIOUR_PAGE}#33-flag-combinations), \
         [the page]({BEHAVIOUR_PAGE}), docs/{other} §5.1, [{other} §5.2]({other}#52-held-hold-true), \
         not-{BEHAVIOUR_PAGE} §99"
    );
    assert_eq!(problems(good), Vec::<String>::new());
    let bad = [
        format!("see {REPLACED} for this"),
        format!("{BARE}23"),
        format!("{SCENARIOS_PAGE} #23, #66"),
        format!("{SCENARIOS_PAGE} #60-#66"),
        format!("{SCENARIOS_PAGE} §9"),
        format!("{BEHAVIOUR_PAGE} §3.9"),
        format!("{BEHAVIOUR_PAGE} §5.2 and §11"),
        format!("{BEHAVIOUR_PAGE} §9 question 11"),
        format!("{BEHAVIOUR_PAGE} #23"),
        format!("[x]({SCENARIOS_PAGE}#s66)"),
        format!("[x]({BEHAVIOUR_PAGE}#33-flag-combination)"),
        format!("[x](../{BEHAVIOUR_PAGE}#33-flag-combinations)"),
        format!("[#52]({SCENARIOS_PAGE}#s51)"),
        format!("[§3.4]({BEHAVIOUR_PAGE}#33-flag-combinations)"),
        format!("`docs/{other}` §12"),
        format!("[x]({other}#12-state-files)"),
        format!("[x](no-such-page-{other})"),
    ];
    for text in bad {
        assert_eq!(problems(text.clone()).len(), 1, "{text}");
    }
}
