//! Every `vss-sim` command of `docs/tutorial.md`, and the README's main command, runs as
//! written, in order, with the exit code the text gives (`# exit N` after a command; 0
//! otherwise), and shows what the tutorial's text says it shows ([`TUTORIAL_CLAIMS`]).

use std::path::Path;

use crate::common::{root, vss_sim_in};

/// One command of a document: its words (after `vss-sim`), the file its output is sent to
/// (`> FILE`), and the exit code it promises.
#[derive(Debug)]
struct Documented {
    line: usize,
    text: String,
    words: Vec<String>,
    output: Option<String>,
    exit: i32,
}

/// Splits a shell command line into words: spaces separate, single and double quotes group.
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let (mut quote, mut in_word) = (None, false);
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => current.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ' | '\t') => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

/// The `vss-sim` commands in the `sh` blocks of a Markdown text, in order.
fn commands(markdown: &str) -> Vec<Documented> {
    let mut found = Vec::new();
    let mut in_sh = false;
    for (index, line) in markdown.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = !in_sh && trimmed == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        let (command, comment) = match trimmed.split_once(" #") {
            Some((c, comment)) => (c.trim(), comment.trim()),
            None => (trimmed, ""),
        };
        let rest = [
            "cargo run -p vss-sim-cli -- ",
            "cargo run -q -p vss-sim-cli -- ",
            "vss-sim ",
        ]
        .iter()
        .find_map(|prefix| command.strip_prefix(prefix));
        let Some(rest) = rest else { continue };
        let exit = comment
            .strip_prefix("exit ")
            .and_then(|n| n.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let mut words = shell_words(rest);
        let output = match words.iter().position(|w| w == ">") {
            Some(at) => {
                let file = words.get(at + 1).cloned();
                words.truncate(at);
                file
            }
            None => None,
        };
        found.push(Documented {
            line: index + 1,
            text: command.to_string(),
            words,
            output,
            exit,
        });
    }
    found
}

/// Copies `from` into `to`, folders included.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("readable") {
        let path = entry.expect("an entry").path();
        let target = to.join(path.file_name().expect("a name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("copied");
        }
    }
}

/// What the tutorial's text says a command shows: the command (its words after `vss-sim`, as
/// written) and lines of its output that must be there.
const TUTORIAL_CLAIMS: &[(&str, &[&str])] = &[
    (
        "diskshadow -s examples/diskshadow/look-around.dsh",
        &[
            "Type: [1] VSS_PROV_SYSTEM",
            "Type: [3] VSS_PROV_HARDWARE",
            "4 writers listed.",
            "No shadow copies found in system.",
        ],
    ),
    (
        "diskshadow -s examples/diskshadow/break-read-only.dsh --trace",
        &[
            "AreLunsSupported(VSS_CTX_APP_ROLLBACK, \\\\.\\PHYSICALDRIVE1) -> S_OK",
            "LocateLuns(SIM000000005) -> S_OK",
            "[lun] LUN-E.5 appeared: differential clone of LUN-E, visible to HOSTA, read-only, hidden, MBR 5BC5FFFC",
            "[requester] BreakSnapshotSet(",
            "-> differential clone of LUN-E, visible to HOSTA, read-only, MBR 5BC5FFFC",
            "No shadow copies found in system.",
        ],
    ),
    (
        "diskshadow -s examples/diskshadow/break-software.dsh",
        &["- Error text: VSS_E_PROVIDER_VETO"],
    ),
    (
        "diskshadow -s examples/diskshadow/break-writable.dsh --trace",
        &[
            "[lun] LUN-F.5 appeared: plex clone of LUN-F",
            "OnLunStateChange(SIM000000005, VSS_ONLUNSTATECHANGE_NOTIFY_READ_WRITE) -> S_OK",
            "-> plex clone of LUN-F, visible to HOSTA, read-write, MBR 5BC5FFFC",
        ],
    ),
    (
        "diskshadow --state lab.json -s examples/diskshadow/transport-create.dsh transport.cab --trace",
        &[
            "[lun] LUN-E.5 appeared: differential clone of LUN-E, masked from every machine",
            "Inserted file Manifest.xml into .cab file transport.cab",
        ],
    ),
    (
        "diskshadow --state lab.json --on HOSTB -s examples/diskshadow/transport-import-break.dsh transport.cab --trace",
        &[
            "-> differential clone of LUN-E, visible to HOSTB, read-only, hidden, MBR 5BC5FFFC",
            // The original's signature, LUN-E's, comes back.
            "-> differential clone of LUN-E, visible to HOSTB, read-write, MBR B10DA48C",
        ],
    ),
    (
        "diskshadow --state lab.json --on HOSTB -s examples/diskshadow/look-around.dsh",
        &["No shadow copies found in system."],
    ),
    (
        "diskshadow --state mask.json --on HOSTB -s examples/diskshadow/transport-import-mask.dsh mask.cab --trace",
        &[
            "OnLunStateChange(SIM000000005, VSS_ONLUNSTATECHANGE_DO_MASK_LUNS) -> S_OK",
            "-> differential clone of LUN-E, masked from every machine",
            "No shadow copies found in system.",
        ],
    ),
    (
        "diskshadow --state expose.json --on HOSTB -s examples/diskshadow/transport-import-expose.dsh expose.cab",
        &["The shadow copy was successfully exposed as X:\\."],
    ),
    (
        "run examples/revert-refused.yaml --trace",
        &["VSS_BREAKEX_FLAG_REVERT_IDENTITY_ALL VSS_E_BREAK_REVERT_ID_FAILED (0x800423F6)"],
    ),
    (
        "run examples/fast-recovery.yaml --trace",
        &["every expectation held"],
    ),
];

/// Runs the commands of `document` in a fresh folder holding a copy of the examples and the
/// scenario corpus, so that what they write (state files, .cab files) stays out of the tree,
/// and checks each command's output for the lines `claims` give it.
fn run_document(document: &str, name: &str, claims: &[(&str, &[&str])]) -> usize {
    let text = std::fs::read_to_string(root().join(document)).expect("the document");
    let dir = std::env::temp_dir().join(format!("vss-sim-doc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("examples"), &dir.join("examples"));
    copy_tree(
        &root().join("tests/scenarios"),
        &dir.join("tests/scenarios"),
    );
    let found = commands(&text);
    for (command, _) in claims {
        let matching = found
            .iter()
            .filter(|c| c.words == shell_words(command))
            .count();
        assert_eq!(
            matching, 1,
            "{document} has {matching} commands `vss-sim {command}`"
        );
    }
    for c in &found {
        let (code, stdout, stderr) = vss_sim_in(&dir, &c.words);
        assert_eq!(
            code, c.exit,
            "{document}:{}: `{}` exited {code}, not {}\n{stdout}{stderr}",
            c.line, c.text, c.exit,
        );
        let claimed = claims
            .iter()
            .find(|(command, _)| shell_words(command) == c.words);
        for line in claimed.map_or(&[][..], |(_, lines)| lines) {
            assert!(
                stdout.contains(line),
                "{document}:{}: `{}` does not show `{line}`:\n{stdout}",
                c.line,
                c.text
            );
        }
        if let Some(file) = &c.output {
            std::fs::write(dir.join(file), &stdout).expect("the output written");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    found.len()
}

#[test]
fn every_command_of_the_tutorial_runs_as_written() {
    let ran = run_document("docs/tutorial.md", "tutorial", TUTORIAL_CLAIMS);
    assert!(ran >= 10, "only {ran} commands found in the tutorial");
}

#[test]
fn the_readmes_main_command_runs() {
    let ran = run_document("README.md", "readme", &[]);
    assert!(ran >= 1, "no vss-sim command found in the README");
}

#[test]
fn documented_commands_are_read_with_their_exit_codes() {
    let found = commands(
        "text\n```sh\nvss-sim run a.yaml --trace   # exit 1 when it fails\ncargo test\n```\n```\nvss-sim not-sh\n```\n```sh\ncargo run -p vss-sim-cli -- diskshadow -s 'my script.dsh'\n```\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].words, ["run", "a.yaml", "--trace"]);
    assert_eq!(found[0].exit, 1);
    assert_eq!(found[1].words, ["diskshadow", "-s", "my script.dsh"]);
    assert_eq!(found[1].exit, 0);
    let redirected = commands(
        "```sh\ncargo run -q -p vss-sim-cli -- diagram lifecycle --format svg > l.svg\n```\n",
    );
    assert_eq!(
        redirected[0].words,
        ["diagram", "lifecycle", "--format", "svg"]
    );
    assert_eq!(redirected[0].output.as_deref(), Some("l.svg"));
}
