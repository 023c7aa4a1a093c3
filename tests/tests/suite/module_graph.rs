//! No two files of a crate use each other, directly or around a circle: within every crate
//! of the workspace, the modules that name one another (`crate::a::b`, a sibling's
//! `super::x`) form a graph without cycles, so that each file can be read knowing only
//! those below it. A module and the children it declares are one unit, and tests and doc
//! comments are not uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use vss_conformance::repo_root;

/// The workspace's crates, by folder.
const CRATES: [&str; 10] = [
    "model",
    "reference",
    "sim-sw-provider",
    "sim-hw-provider",
    "sim",
    "diskshadow",
    "cli",
    "windows",
    "com-sim",
    "tests",
];

/// Each module of a crate (`a::b`, the root being ``) with the code of its file.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let mut folders = vec![src.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).expect("a source folder") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path
                .strip_prefix(src)
                .expect("under src")
                .with_extension("");
            let mut parts: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).expect("a source file");
            found.insert(parts.join("::"), code(&text));
        }
    }
    found
}

/// A file's code without its comments and without its test module.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(at) => &text[..at],
        None => text,
    };
    text.lines()
        .map(|line| line.split("//").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The modules a module names: the longest module path after each `crate::`, and siblings
/// named through `super::`.
fn uses(module: &str, code: &str, all: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let path_after = |at: usize| -> Vec<&str> {
        code[at..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or_default()
            .split("::")
            .filter(|p| !p.is_empty())
            .collect()
    };
    for (at, _) in code.match_indices("crate::") {
        let path = path_after(at + "crate::".len());
        for k in (1..=path.len()).rev() {
            let candidate = path[..k].join("::");
            if all.contains_key(&candidate) {
                if candidate != module && !module.starts_with(&format!("{candidate}::")) {
                    named.insert(candidate);
                }
                break;
            }
        }
    }
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    for (at, _) in code.match_indices("super::") {
        let Some(first) = path_after(at + "super::".len()).first().copied() else {
            continue;
        };
        let sibling = if parent.is_empty() {
            first.to_string()
        } else {
            format!("{parent}::{first}")
        };
        if all.contains_key(&sibling) && sibling != module {
            named.insert(sibling);
        }
    }
    named
}

/// A cycle of the graph, if it has one.
fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut found = path[at..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, done, path) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}

fn graph_of(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let all = modules(src);
    all.iter()
        .map(|(module, code)| (module.clone(), uses(module, code, &all)))
        .collect()
}

#[test]
fn no_files_of_a_crate_use_each_other_around_a_circle() {
    let root = repo_root();
    let mut circles = Vec::new();
    for krate in CRATES {
        let graph = graph_of(&root.join(krate).join("src"));
        assert!(
            graph.len() > 1 || krate.starts_with("sim-"),
            "{krate} has no modules"
        );
        if let Some(found) = cycle(&graph) {
            circles.push(format!("{krate}: {}", found.join(" -> ")));
        }
    }
    assert!(circles.is_empty(), "files that use each other: {circles:?}");
}

/// The check finds a circle where there is one.
#[test]
fn a_circle_is_found() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    graph.insert("a".into(), ["b".into()].into());
    graph.insert("b".into(), ["c".into()].into());
    graph.insert("c".into(), ["a".into()].into());
    assert_eq!(
        cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let mut all = BTreeMap::new();
    all.insert("world".to_string(), String::new());
    all.insert("volumes".to_string(), String::new());
    let named = uses("volumes", "use crate::world::World;\n", &all);
    assert_eq!(named, ["world".to_string()].into());
    graph.remove("c");
    assert_eq!(cycle(&graph), None);
}

/// One name means one thing in the whole workspace: no two crates, nor two modules of one,
/// declare a type, trait or alias of the same name that others may use.
#[test]
fn no_two_types_share_a_name() {
    let root = repo_root();
    let mut seen: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for krate in CRATES {
        for (module, code) in modules(&root.join(krate).join("src")) {
            for line in code.lines() {
                let line = line.trim_start();
                let Some(rest) = line
                    .strip_prefix("pub(crate) ")
                    .or_else(|| line.strip_prefix("pub "))
                else {
                    continue;
                };
                let Some(rest) = ["struct ", "enum ", "trait ", "type "]
                    .iter()
                    .find_map(|kind| rest.strip_prefix(kind))
                else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // A macro's `pub struct $name` names nothing here.
                if !name.is_empty() {
                    seen.entry(name)
                        .or_default()
                        .push(format!("{krate}::{module}"));
                }
            }
        }
    }
    let shared: Vec<String> = seen
        .iter()
        .filter(|(_, places)| places.len() > 1)
        .map(|(name, places)| format!("{name} in {}", places.join(" and ")))
        .collect();
    assert!(shared.is_empty(), "names that mean two things: {shared:?}");
}
