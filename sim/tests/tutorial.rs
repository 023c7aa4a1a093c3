//! Every `vss-sim` command of `docs/tutorial.md`, and the README's main command, runs as
//! written, in order, with the exit code the text gives (`# exit N` after a command; 0
//! otherwise).

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

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
            "cargo run -p vss-sim -- ",
            "cargo run -q -p vss-sim -- ",
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

/// Runs the commands of `document` in a fresh folder holding a copy of the examples and the
/// scenario corpus, so that what they write (state files, .cab files) stays out of the tree.
fn run_document(document: &str, name: &str) -> usize {
    let text = std::fs::read_to_string(root().join(document)).expect("the document");
    let dir = std::env::temp_dir().join(format!("vss-sim-doc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("examples"), &dir.join("examples"));
    copy_tree(
        &root().join("tests/scenarios"),
        &dir.join("tests/scenarios"),
    );
    let found = commands(&text);
    for c in &found {
        let out = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
            .args(&c.words)
            .current_dir(&dir)
            .output()
            .expect("the binary runs");
        assert_eq!(
            out.status.code(),
            Some(c.exit),
            "{document}:{}: `{}` exited {:?}, not {}\n{}{}",
            c.line,
            c.text,
            out.status.code(),
            c.exit,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(file) = &c.output {
            std::fs::write(dir.join(file), &out.stdout).expect("the output written");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    found.len()
}

#[test]
fn every_command_of_the_tutorial_runs_as_written() {
    let ran = run_document("docs/tutorial.md", "tutorial");
    assert!(ran >= 10, "only {ran} commands found in the tutorial");
}

#[test]
fn the_readmes_main_command_runs() {
    let ran = run_document("README.md", "readme");
    assert!(ran >= 1, "no vss-sim command found in the README");
}

#[test]
fn documented_commands_are_read_with_their_exit_codes() {
    let found = commands(
        "text\n```sh\nvss-sim run a.yaml --trace   # exit 1 when it fails\ncargo test\n```\n```\nvss-sim not-sh\n```\n```sh\ncargo run -p vss-sim -- diskshadow -s 'my script.dsh'\n```\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].words, ["run", "a.yaml", "--trace"]);
    assert_eq!(found[0].exit, 1);
    assert_eq!(found[1].words, ["diskshadow", "-s", "my script.dsh"]);
    assert_eq!(found[1].exit, 0);
    let redirected =
        commands("```sh\ncargo run -q -p vss-sim -- diagram lifecycle --format svg > l.svg\n```\n");
    assert_eq!(
        redirected[0].words,
        ["diagram", "lifecycle", "--format", "svg"]
    );
    assert_eq!(redirected[0].output.as_deref(), Some("l.svg"));
}
