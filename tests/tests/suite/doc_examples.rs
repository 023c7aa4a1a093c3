//! Every YAML and JSON example of the scenario documentation runs, and does what the page says.
//!
//! The pages of `PAGES` hold some thirty-five examples. An example no test runs goes stale
//! without anyone noticing: a key renamed, a message reworded, a step that no longer passes. So
//! each fenced block says what it is in its info string: the language, a kind, then `key=value` attributes
//! (```` ```yaml steps after=backup failures=1 ````), and this test checks it by its kind:
//!
//! | kind | languages | what must hold |
//! |---|---|---|
//! | `scenario` | yaml, json | it runs on the simulator and every expectation holds, or exactly `failures=N` fail |
//! | `steps` | yaml | a list of steps, run after the steps of the context `after=NAME` (a fresh default world without one); as for `scenario` |
//! | `call` | json | one `vss_model::call::Call` per line, in its data form: each line reads as a `Call` and writes back as the same JSON, and the lines run as the steps of a scenario |
//! | `world` | yaml | a world file, read from a file of its own and built, as a scenario naming it reads and builds it |
//! | `world-part` | yaml | top-level fields of a world file; with a one-machine `machines` added when it has none, as `world` |
//! | `default-world` | yaml | `sim/src/default_world.yaml`, character for character, and as `world` |
//! | `default-writers` | yaml | `sim/src/default_writers.yaml`, character for character: the writers a machine has when its world file lists none |
//! | `bad-input` | yaml, json | refused with the message of the `text` block right after it, `error: FILE…`, when run as the file `FILE` |
//! | `recording` | json | what the recorder writes of the file `of=PATH` run on the simulator, byte for byte; and it replays |
//! | `state` | json | a state file that loads, replays its runs, and saves as the same text |
//!
//! `text` blocks (output, messages) and `sh` blocks (commands) are not run. A block without an
//! info string, of another language, or a YAML or JSON block without a known kind, an unknown
//! attribute, or a context this file does not define all fail the test: a new example cannot
//! slip in unrun. The contexts (`context`) are here rather than in the pages, which show only
//! the steps an example is about; each must pass on its own, and each must be used.
//!
//! Two more checks keep the pages from drifting: the method table of `scenario-format.md`
//! (§4.2) lists exactly the requester methods the model has (`vss_model::methods`), each of
//! which the runner takes as a `call`; and every link between the pages, and from them to the
//! other pages of `docs/`, reaches a file and a heading that exist.
//!
//! The library is used through a few entry points only: `runner::run_text`, the recorder
//! helper of this crate, and `state::StateFile`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;
use vss_conformance::backends::{SimBackend, run_file_recording};
use vss_conformance::repo_root;
use vss_model::call::Call;
use vss_sim::runner::{RunEnd, run_text};
use vss_sim::state::StateFile;
use vss_sim::world_file::WriterFile;

use crate::citing::anchor;

/// The pages whose examples are checked: the scenario format and the pages it points to.
const PAGES: [&str; 7] = [
    "docs/scenario-format.md",
    "docs/environment-steps.md",
    "docs/running-scenarios.md",
    "docs/world-files.md",
    "docs/recordings-and-state-files.md",
    "docs/vss-revert.md",
    "docs/vss-writers.md",
];

/// The steps a `steps` block with `after=NAME` runs after, by name. Each is a YAML list.
fn context(name: &str) -> Option<String> {
    // A backup of C:\ on HOSTA by r1, up to DoSnapshotSet; C:\ holds "before the backup" at
    // block 7. Binds `set` and `c`.
    const PREPARED: &str = r#"
- { env: write, volume: 'C:\', block: 7, data: "before the backup" }
- { call: InitializeForBackup, expect: S_OK }
- { call: SetContext, context: VSS_CTX_BACKUP, expect: S_OK }
- { call: GatherWriterMetadata, expect: S_OK }
- { call: StartSnapshotSet, bind: set, expect: S_OK }
- { call: AddToSnapshotSet, volume: 'C:\', bind: c, expect: S_OK }
- { call: SetBackupState, expect: S_OK }
- { call: PrepareForBackup, expect: S_OK }
"#;
    // The same backup, made: binds `props` too.
    const MADE: &str = r#"
- { call: DoSnapshotSet, expect: S_OK }
- { call: GetSnapshotProperties, snapshot: $c, bind: props, expect: S_OK }
"#;
    // Persistent hardware shadow copies of E:\ and F:\ in one set, made by r1 on HOSTA.
    // Binds `set`, `e` and `f`.
    const ROLLBACK_EF: &str = r#"
- { call: InitializeForBackup, expect: S_OK }
- { call: SetContext, context: VSS_CTX_APP_ROLLBACK, expect: S_OK }
- { call: GatherWriterMetadata, expect: S_OK }
- { call: StartSnapshotSet, bind: set, expect: S_OK }
- { call: AddToSnapshotSet, volume: 'E:\', bind: e, expect: S_OK }
- { call: AddToSnapshotSet, volume: 'F:\', bind: f, expect: S_OK }
- { call: SetBackupState, expect: S_OK }
- { call: PrepareForBackup, expect: S_OK }
- { call: DoSnapshotSet, expect: S_OK }
"#;
    // Two transportable sets made on HOSTA, of E:\ (`set`, copy `e`) and of F:\ (`set2`, copy
    // `f`), imported on HOSTB by `restore` and `restore2`; `copy` holds the properties of the
    // copy of E:\ there.
    const IMPORTED: &str = r#"
- { on: HOSTA, as: b1, call: InitializeForBackup, expect: S_OK }
- { on: HOSTA, as: b1, call: SetContext, context: [VSS_CTX_APP_ROLLBACK, VSS_VOLSNAP_ATTR_TRANSPORTABLE], expect: S_OK }
- { on: HOSTA, as: b1, call: GatherWriterMetadata, expect: S_OK }
- { on: HOSTA, as: b1, call: StartSnapshotSet, bind: set, expect: S_OK }
- { on: HOSTA, as: b1, call: AddToSnapshotSet, volume: 'E:\', bind: e, expect: S_OK }
- { on: HOSTA, as: b1, call: SetBackupState, expect: S_OK }
- { on: HOSTA, as: b1, call: PrepareForBackup, expect: S_OK }
- { on: HOSTA, as: b1, call: DoSnapshotSet, expect: S_OK }
- { on: HOSTA, as: b1, call: SaveAsXML, bind: doc, expect: S_OK }
- { on: HOSTA, as: b2, call: InitializeForBackup, expect: S_OK }
- { on: HOSTA, as: b2, call: SetContext, context: [VSS_CTX_APP_ROLLBACK, VSS_VOLSNAP_ATTR_TRANSPORTABLE], expect: S_OK }
- { on: HOSTA, as: b2, call: GatherWriterMetadata, expect: S_OK }
- { on: HOSTA, as: b2, call: StartSnapshotSet, bind: set2, expect: S_OK }
- { on: HOSTA, as: b2, call: AddToSnapshotSet, volume: 'F:\', bind: f, expect: S_OK }
- { on: HOSTA, as: b2, call: SetBackupState, expect: S_OK }
- { on: HOSTA, as: b2, call: PrepareForBackup, expect: S_OK }
- { on: HOSTA, as: b2, call: DoSnapshotSet, expect: S_OK }
- { on: HOSTA, as: b2, call: SaveAsXML, bind: doc2, expect: S_OK }
- { on: HOSTB, as: restore, call: InitializeForBackup, xml: $doc, expect: S_OK }
- { on: HOSTB, as: restore, call: ImportSnapshots, expect: S_OK }
- { on: HOSTB, as: restore2, call: InitializeForBackup, xml: $doc2, expect: S_OK }
- { on: HOSTB, as: restore2, call: ImportSnapshots, expect: S_OK }
- { on: HOSTB, as: restore, call: GetSnapshotProperties, snapshot: $e, bind: copy, expect: S_OK }
"#;
    // A client-accessible shadow copy of E:\ (`first`), made by r1 on HOSTA when block 3
    // held "at the first copy", which it no longer holds; `admin` is initialized.
    const REVERTIBLE: &str = r#"
- { env: write, volume: 'E:\', block: 3, data: "at the first copy" }
- { call: InitializeForBackup, expect: S_OK }
- { call: SetContext, context: VSS_CTX_CLIENT_ACCESSIBLE, expect: S_OK }
- { call: StartSnapshotSet, expect: S_OK }
- { call: AddToSnapshotSet, volume: 'E:\', bind: first, expect: S_OK }
- { call: DoSnapshotSet, expect: S_OK }
- { env: write, volume: 'E:\', block: 3, data: "later" }
- { as: admin, call: InitializeForBackup, expect: S_OK }
"#;
    let steps = match name {
        "prepared" => PREPARED.to_string(),
        "backup" => format!("{PREPARED}{MADE}"),
        "rollback-ef" => ROLLBACK_EF.to_string(),
        "imported" => IMPORTED.to_string(),
        "revertible" => REVERTIBLE.to_string(),
        _ => return None,
    };
    Some(steps.trim_start().to_string())
}

/// Every context, for the checks that each passes alone and each is used.
const CONTEXTS: [&str; 5] = [
    "prepared",
    "backup",
    "rollback-ef",
    "imported",
    "revertible",
];

/// A fenced block of a page.
#[derive(Debug, Clone)]
struct Block {
    /// `page:line` of its opening fence, for messages.
    place: String,
    /// The first word of the info string: `yaml`, `json`, `text`, `sh`, or empty.
    language: String,
    /// The second word, for YAML and JSON blocks.
    kind: Option<String>,
    /// The `key=value` words after the kind.
    attributes: BTreeMap<String, String>,
    /// Words after the kind that are not `key=value`.
    stray: Vec<String>,
    /// The lines between the fences, each ending in a newline.
    text: String,
}

/// The fenced blocks of a page, in order. A fence is a line starting with three backticks,
/// indented or not (a block in a list item counts too); an unclosed block is a problem.
fn blocks(page: &str, problems: &mut Vec<String>) -> Vec<Block> {
    let path = repo_root().join(page);
    let content =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {page}: {e}"));
    let mut found = Vec::new();
    let mut open: Option<Block> = None;
    for (index, line) in content.lines().enumerate() {
        match (line.trim_start().strip_prefix("```"), open.take()) {
            (Some(_), Some(block)) => found.push(block),
            (Some(info), None) => {
                let mut words = info.split_whitespace();
                let language = words.next().unwrap_or_default().to_string();
                let kind = words.next().map(str::to_string);
                let (mut attributes, mut stray) = (BTreeMap::new(), Vec::new());
                for word in words {
                    match word.split_once('=') {
                        Some((key, value)) => {
                            attributes.insert(key.to_string(), value.to_string());
                        }
                        None => stray.push(word.to_string()),
                    }
                }
                open = Some(Block {
                    place: format!("{page}:{}", index + 1),
                    language,
                    kind,
                    attributes,
                    stray,
                    text: String::new(),
                });
            }
            (None, Some(mut block)) => {
                block.text.push_str(line);
                block.text.push('\n');
                open = Some(block);
            }
            (None, None) => {}
        }
    }
    if let Some(block) = open {
        problems.push(format!("{}: the block is never closed", block.place));
    }
    found
}

/// The kinds of runnable block: the languages each may be written in and the attributes each
/// takes.
const KINDS: [(&str, &[&str], &[&str]); 10] = [
    ("scenario", &["yaml", "json"], &["failures"]),
    ("steps", &["yaml"], &["after", "failures"]),
    ("call", &["json"], &[]),
    ("world", &["yaml"], &[]),
    ("world-part", &["yaml"], &[]),
    ("default-world", &["yaml"], &[]),
    ("default-writers", &["yaml"], &[]),
    ("bad-input", &["yaml", "json"], &[]),
    ("recording", &["json"], &["of"]),
    ("state", &["json"], &[]),
];

/// Languages of blocks that are shown, not run.
const SHOWN: [&str; 2] = ["text", "sh"];

/// Checks that a block shows an embedded file character for character (trailing space
/// aside).
fn embedded_as_shown(file: &str, text: &str) -> Result<(), String> {
    let embedded = std::fs::read_to_string(repo_root().join(file))
        .map_err(|e| format!("cannot read {file}: {e}"))?;
    if embedded.trim_end() != text.trim_end() {
        return Err(format!("the block is not {file}"));
    }
    Ok(())
}

/// A fresh folder for one block's files.
fn scratch(place: &str) -> PathBuf {
    let name: String = place
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("doc_examples")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a scratch folder");
    dir
}

/// Removes the indentation every non-empty line of `text` shares.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("").trim_end()))
        .collect()
}

/// Runs a scenario text on the simulator: how many expectations failed, and the output. Bad
/// input and a skip are errors.
fn run(text: &str, file: &str) -> Result<(usize, String), String> {
    let report = run_text(text, file, false).map_err(|e| format!("bad input: {e}"))?;
    match report.outcome {
        RunEnd::Passed => Ok((0, report.output)),
        RunEnd::Failed(n) => Ok((n, report.output)),
        RunEnd::BadInput(e) => Err(format!("bad input: {e}\n{}", report.output)),
        RunEnd::Skipped(why) => Err(format!("skipped: {why}")),
    }
}

/// Runs `text` and checks that exactly `expected` expectations fail.
fn runs_as_documented(text: &str, file: &str, expected: usize) -> Result<(), String> {
    let (failed, output) = run(text, file)?;
    if failed == expected {
        Ok(())
    } else {
        Err(format!(
            "{failed} expectations failed, the page says {expected}\n{output}"
        ))
    }
}

/// Reads `text` as a world file of its own, as a scenario naming it does, and builds it.
fn world_builds(text: &str, place: &str) -> Result<(), String> {
    let dir = scratch(place);
    std::fs::write(dir.join("world.yaml"), text).expect("written");
    let scenario = dir.join("scenario.yaml");
    runs_as_documented(
        "world: world.yaml\nsteps: []\n",
        &scenario.display().to_string(),
        0,
    )
}

/// The number of failed expectations the block's `failures` attribute allows.
fn expected_failures(block: &Block) -> Result<usize, String> {
    block.attributes.get("failures").map_or(Ok(0), |n| {
        n.parse()
            .map_err(|_| format!("`failures={n}` is not a number"))
    })
}

/// Checks one YAML or JSON block by its kind; `next` is the block after it, if any.
fn check(block: &Block, next: Option<&Block>) -> Result<(), String> {
    let text = &block.text;
    let json = block.language == "json";
    match block.kind.as_deref().unwrap_or_default() {
        "scenario" => runs_as_documented(
            text,
            if json { "example.json" } else { "example.yaml" },
            expected_failures(block)?,
        ),
        "steps" => {
            let before = match block.attributes.get("after") {
                None => String::new(),
                Some(name) => context(name).ok_or_else(|| format!("no context `{name}`"))?,
            };
            let scenario = format!("steps:\n{before}{}", dedent(text));
            runs_as_documented(&scenario, "example.yaml", expected_failures(block)?)
        }
        "call" => {
            let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            for line in &lines {
                let call: Call =
                    serde_json::from_str(line).map_err(|e| format!("{line}: not a Call: {e}"))?;
                let written = serde_json::to_value(&call).expect("a Call serializes");
                let shown: Value = serde_json::from_str(line).expect("read as a Call already");
                if written != shown {
                    return Err(format!("{line}: a Call writes it as {written}"));
                }
            }
            let scenario = format!("{{\"steps\": [\n{}\n]}}\n", lines.join(",\n"));
            runs_as_documented(&scenario, "calls.json", 0)
        }
        "world" => world_builds(text, &block.place),
        "world-part" => {
            let whole = if text.lines().any(|l| l.starts_with("machines:")) {
                text.clone()
            } else {
                format!("{text}machines:\n  - {{ name: HOST1, volumes: [] }}\n")
            };
            world_builds(&whole, &block.place)
        }
        "default-world" => {
            embedded_as_shown("sim/src/default_world.yaml", text)?;
            world_builds(text, &block.place)
        }
        "default-writers" => {
            embedded_as_shown("sim/src/default_writers.yaml", text)?;
            // The writers a machine has when its file lists none are these.
            let writers = vss_sim::input::parse::<Vec<WriterFile>>(text, "writers.yaml")
                .map_err(|e| e.to_string())?;
            if writers != vss_sim::world_file::default_writers() {
                return Err("the block is not the default writers".into());
            }
            Ok(())
        }
        "bad-input" => {
            let expected = next
                .filter(|n| n.language == "text")
                .map(|n| n.text.trim_end())
                .filter(|m| m.starts_with("error: ") && !m.contains('\n'))
                .ok_or("the next block must be a `text` block of one line, `error: FILE…`")?;
            let file = expected["error: ".len()..]
                .split(':')
                .next()
                .unwrap_or_default();
            let error = match run_text(text, file, false) {
                Err(e) => e,
                Ok(report) => match report.outcome {
                    RunEnd::BadInput(e) => e,
                    other => return Err(format!("it is not refused: {other:?}")),
                },
            };
            let got = format!("error: {error}");
            if got == expected {
                Ok(())
            } else {
                Err(format!(
                    "refused with\n  {got}\nthe page says\n  {expected}"
                ))
            }
        }
        "recording" => {
            let of = block
                .attributes
                .get("of")
                .ok_or("a recording names its scenario file: `of=PATH`")?;
            let out = scratch(&block.place).join("recording.json");
            let report = run_file_recording(&SimBackend, &repo_root().join(of), Some(&out));
            if report.outcome != RunEnd::Passed {
                return Err(format!("{of} does not pass: {:?}", report.outcome));
            }
            let recorded = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
            if recorded.trim_end() != text.trim_end() {
                return Err(format!(
                    "the recording of {of} is not the block; it is now:\n{recorded}"
                ));
            }
            runs_as_documented(text, "recording.json", 0)
        }
        "state" => {
            // The page shows the state file alone, without its audit log: it is read, its
            // world built from its checkpoint, and saved again to the same text.
            let dir = scratch(&block.place);
            let file = dir.join("state.json");
            std::fs::write(&file, text).expect("written");
            let mut state = StateFile::open(&file).map_err(|e| format!("it does not load: {e}"))?;
            state
                .simulator()
                .map_err(|e| format!("its checkpoint does not build: {e}"))?;
            state.save().map_err(|e| format!("it does not save: {e}"))?;
            let saved = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
            if saved.trim_end() == text.trim_end() {
                Ok(())
            } else {
                Err(format!("saved again, it reads:\n{saved}"))
            }
        }
        other => Err(format!("`{other}` is no kind of block this test knows")),
    }
}

/// What is wrong with a block's info string, if anything.
fn info_problem(block: &Block) -> Option<String> {
    let language = block.language.as_str();
    if SHOWN.contains(&language) {
        return None;
    }
    if !matches!(language, "yaml" | "json") {
        return Some(if language.is_empty() {
            "a block says what it is: `text` for output, `yaml KIND` or `json KIND` for an example"
                .to_string()
        } else {
            format!("`{language}` blocks are neither run nor known to be shown")
        });
    }
    let Some(kind) = block.kind.as_deref() else {
        return Some(
            "a YAML or JSON block names its kind: `yaml scenario`, `yaml steps`, …".into(),
        );
    };
    let Some((_, languages, attributes)) = KINDS.iter().find(|(k, ..)| *k == kind) else {
        return Some(format!("`{kind}` is no kind of block this test knows"));
    };
    if !languages.contains(&language) {
        return Some(format!("a `{kind}` block is not written in {language}"));
    }
    if let Some(word) = block.stray.first() {
        return Some(format!("`{word}` is not an attribute (`key=value`)"));
    }
    block
        .attributes
        .keys()
        .find(|key| !attributes.contains(&key.as_str()))
        .map(|key| format!("a `{kind}` block takes no `{key}`"))
}

/// Every block of every page, with the problems of reading them.
fn all_blocks() -> (Vec<Block>, Vec<String>) {
    let mut problems = Vec::new();
    let found = PAGES
        .iter()
        .flat_map(|page| blocks(page, &mut problems))
        .collect();
    (found, problems)
}

#[test]
fn every_block_says_what_it_is() {
    let (found, mut problems) = all_blocks();
    for block in &found {
        if let Some(problem) = info_problem(block) {
            problems.push(format!("{}: {problem}", block.place));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_example_runs_as_its_page_says() {
    let (found, _) = all_blocks();
    let mut problems = Vec::new();
    let mut kinds = BTreeSet::new();
    let mut run = 0;
    for (i, block) in found.iter().enumerate() {
        if SHOWN.contains(&block.language.as_str()) || info_problem(block).is_some() {
            continue;
        }
        kinds.insert(block.kind.clone().unwrap_or_default());
        run += 1;
        if let Err(problem) = check(block, found.get(i + 1)) {
            problems.push(format!("{}: {problem}", block.place));
        }
    }
    // Every kind has an example, so none of the checks above is dead code.
    for (kind, ..) in KINDS {
        if !kinds.contains(kind) {
            problems.push(format!("no `{kind}` block is left in the pages"));
        }
    }
    assert!(run >= 30, "only {run} examples were found in the pages");
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

#[test]
fn every_context_passes_alone_and_is_used() {
    let (found, _) = all_blocks();
    let used: BTreeSet<&str> = found
        .iter()
        .filter_map(|b| b.attributes.get("after"))
        .map(String::as_str)
        .collect();
    for name in CONTEXTS {
        let steps = context(name).expect("a context");
        let scenario = format!("steps:\n{steps}");
        if let Err(problem) = runs_as_documented(&scenario, "context.yaml", 0) {
            panic!("the context `{name}` does not pass: {problem}");
        }
        assert!(used.contains(name), "no block runs after `{name}`");
    }
    for name in used {
        assert!(CONTEXTS.contains(&name), "`after={name}` is no context");
    }
}

/// The methods the table under "4.2 The methods" of scenario-format.md lists, in order.
fn documented_methods() -> Vec<String> {
    let page = std::fs::read_to_string(repo_root().join(PAGES[0])).expect("the page");
    let table = page
        .split_once("\n### 4.2 The methods\n")
        .expect("scenario-format.md has a section `4.2 The methods`")
        .1;
    table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2) // the header and its rule
        .map(|row| {
            let cell = row.split('|').nth(1).unwrap_or_default().trim();
            cell.trim_matches('`').to_string()
        })
        .collect()
}

#[test]
fn the_method_table_is_the_modelled_requester_methods() {
    let documented = documented_methods();
    let listed: BTreeSet<&str> = documented.iter().map(String::as_str).collect();
    assert_eq!(listed.len(), documented.len(), "a method is listed twice");
    let modelled: BTreeSet<&str> = vss_model::methods::requester_methods()
        .map(|m| m.name)
        .collect();
    assert_eq!(
        listed, modelled,
        "the method table of scenario-format.md §4.2 (left) and the requester methods of \
         vss_model::methods (right) differ"
    );
    // And the runner takes each as a `call` (a step without its arguments is refused for
    // them, not for the name).
    for method in listed {
        let scenario = format!("steps:\n  - {{ call: {method} }}\n");
        let refused = match run_text(&scenario, "method.yaml", false) {
            Err(e) => Some(e.to_string()),
            Ok(report) => match report.outcome {
                RunEnd::BadInput(e) => Some(e.to_string()),
                _ => None,
            },
        };
        if let Some(message) = refused {
            assert!(
                !message.contains("is not a requester method"),
                "the runner does not take `{method}`: {message}"
            );
        }
    }
}

/// The lines of a page outside fenced blocks, with their numbers (from 1).
fn prose(content: &str) -> Vec<(usize, &str)> {
    let mut inside = false;
    let mut lines = Vec::new();
    for (index, line) in content.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if !inside {
            lines.push((index + 1, line));
        }
    }
    lines
}

/// The anchors of the headings of a page of `docs/`.
fn anchors(file: &Path) -> BTreeSet<String> {
    let content = std::fs::read_to_string(file).unwrap_or_default();
    prose(&content)
        .into_iter()
        .filter(|(_, line)| line.starts_with('#'))
        .filter_map(|(_, line)| line.trim_start_matches('#').strip_prefix(' '))
        .map(anchor)
        .collect()
}

/// The targets of the Markdown links of a line, `[text](target)`, outside code spans.
fn link_targets(line: &str) -> Vec<String> {
    let mut outside = String::new();
    for (i, part) in line.split('`').enumerate() {
        if i % 2 == 0 {
            outside.push_str(part);
        }
    }
    outside
        .split("](")
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(target, _)| target.to_string()))
        .collect()
}

#[test]
fn every_link_of_the_pages_reaches_a_heading() {
    let mut problems = Vec::new();
    let mut links = 0;
    for page in PAGES {
        let path = repo_root().join(page);
        let content = std::fs::read_to_string(&path).expect("the page");
        for (number, line) in prose(&content) {
            for target in link_targets(line) {
                if target.contains("://") {
                    continue;
                }
                links += 1;
                let (file, fragment) = target.split_once('#').unwrap_or((&target, ""));
                let file = if file.is_empty() {
                    path.clone()
                } else {
                    path.parent().expect("in docs/").join(file)
                };
                if !file.is_file() {
                    problems.push(format!("{page}:{number}: no file for `{target}`"));
                } else if !fragment.is_empty() && !anchors(&file).contains(fragment) {
                    problems.push(format!("{page}:{number}: no heading for `{target}`"));
                }
            }
        }
    }
    assert!(links > 50, "only {links} links were found");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
