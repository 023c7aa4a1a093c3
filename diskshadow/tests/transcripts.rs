//! Real DiskShadow, line by line: each transcript in `transcripts/` is a session that
//! Windows' DiskShadow printed, published with its source and date. Its script is run on the
//! simulator and the two outputs are compared line by line.
//!
//! Only two kinds of difference pass:
//! - what depends on the machine, taken out of both sides before comparing: ids, times,
//!   the computer's name, device numbers, and (for a source that lost its tabs) how wide
//!   the white space is;
//! - the differences named in `transcripts/allowed.toml`, each of which
//!   `docs/assumptions.md` records with why. A transcript names the ones it shows, and each
//!   one it names must excuse at least one of its lines, so that none outlives its cause.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use regex::Regex;
use similar::{Algorithm, DiffOp, capture_diff_slices};
use vss_diskshadow::{self as diskshadow, Done, Session};
use vss_model::backend::{Backend as _, BackupComponents as _, Environment as _, ProviderFault};
use vss_model::methods::Method;
use vss_model::{Context, HResult, ObjectProp, ObjectType, VssId};
use vss_sim::{Simulator, world_file};

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("transcripts")
}

/// One transcript file: its header, the commands run, and what real DiskShadow printed.
struct Transcript {
    name: String,
    header: BTreeMap<String, String>,
    script: Vec<String>,
    real: Vec<String>,
}

impl Transcript {
    fn read(path: &Path) -> Transcript {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (head, rest) = text
            .split_once("\n=== script\n")
            .unwrap_or_else(|| panic!("{name}: no `=== script` line"));
        let (script, real) = rest
            .split_once("\n=== transcript\n")
            .unwrap_or_else(|| panic!("{name}: no `=== transcript` line"));
        let mut header = BTreeMap::new();
        for line in head.lines() {
            let (key, value) = line
                .split_once(':')
                .unwrap_or_else(|| panic!("{name}: header line `{line}` is not `key: value`"));
            header.insert(key.trim().to_owned(), value.trim().to_owned());
        }
        for key in ["source", "published", "kind", "tabs"] {
            assert!(
                header.contains_key(key),
                "{name}: no `{key}:` in the header"
            );
        }
        Transcript {
            name,
            header,
            script: script.lines().map(str::to_owned).collect(),
            real: real.lines().map(str::to_owned).collect(),
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.header.get(key).map(String::as_str)
    }

    fn list(&self, key: &str) -> Vec<String> {
        self.list_by(key, ',')
    }

    fn list_by(&self, key: &str, separator: char) -> Vec<String> {
        self.get(key)
            .map(|v| {
                v.split(separator)
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The script as the file DiskShadow read held it: CRLF line endings, and one after
    /// the last line unless the header says the file ended without one.
    fn script_text(&self) -> String {
        let mut text = self.script.join("\r\n");
        if self.get("final-newline") != Some("no") {
            text.push_str("\r\n");
        }
        text
    }

    /// Runs the script on the simulator as the transcript's session ran: `diskshadow /s`
    /// echoes each command after `-> `, the prompt shows each after `DISKSHADOW> `. Gives
    /// what the simulator printed and the machine's name.
    fn run(&self, dir: &Path) -> (String, String) {
        let sim = match self.get("world") {
            None | Some("default") => Simulator::default_world(),
            Some(file) => {
                let world = world_file::read(&folder().join(file))
                    .unwrap_or_else(|e| panic!("{}: {e}", self.name));
                Simulator::new(&world).unwrap_or_else(|e| panic!("{}: {e}", self.name))
            }
        };
        let machine = sim
            .machine_named(self.get("machine"))
            .unwrap_or_else(|| panic!("{}: no such machine", self.name));
        // What the machine held before the session began: an earlier run's shadow copies,
        // a metadata file an earlier run wrote.
        let mut earlier = self.list_by("before", ';');
        for file in self.list("existing") {
            earlier.push(format!("set metadata {file}"));
            earlier.push("add volume c:".into());
            earlier.push("create".into());
        }
        if !earlier.is_empty() {
            let mut session = Session::new(&sim, &machine, Vec::new(), dir);
            session.clock(Box::new(|| sim.clock()));
            let end = diskshadow::run_script(&mut session, &earlier.join("\n"));
            assert_eq!(
                end,
                diskshadow::ScriptEnd::Completed,
                "{}: {}",
                self.name,
                session.take_output()
            );
            session.end();
        }
        // Ids the script names were those of the copies the machine held; here they are
        // the simulator's copies, in the order the header lists them.
        let mut script = self.script_text();
        let copies = self.list("copies");
        if !copies.is_empty() {
            let mut admin = sim.create_backup_components(&machine).expect("an object");
            admin.initialize_for_backup(None).expect("initialized");
            admin
                .set_context(Context::VSS_CTX_ALL)
                .expect("VSS_CTX_ALL");
            let found = admin
                .query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                )
                .expect("the copies");
            for (written, prop) in copies.iter().zip(found) {
                if let ObjectProp::Snapshot(p) = prop {
                    script = script.replace(written.as_str(), &p.snapshot_id.to_string());
                }
            }
        }
        for fault in self.list_by("faults", ';') {
            self.inject(&sim, &machine, &fault);
        }
        let mut session = Session::new(&sim, &machine, self.list("params"), dir);
        session.clock(Box::new(|| sim.clock()));
        if let Some(code) = self.get("exec-exit") {
            session.exec_exit_code(code.parse().expect("an exit code"));
        }
        let mut out = String::new();
        match self.get("kind") {
            Some("usage") => {
                out.push_str(&diskshadow::banner(&machine, sim.clock()));
                out.push_str(diskshadow::USAGE);
            }
            Some("script") => {
                out.push_str(&diskshadow::banner(&machine, sim.clock()));
                diskshadow::run_script(&mut session, &script);
            }
            Some("interactive") => {
                out.push_str(&diskshadow::prompt_banner(&machine, sim.clock()));
                for (number, line) in script.lines().enumerate() {
                    out.push_str(diskshadow::PROMPT);
                    out.push_str(line);
                    out.push('\n');
                    let done = session.type_line(line, number + 1);
                    out.push_str(&session.take_output());
                    if done == Done::Exit {
                        break;
                    }
                }
            }
            other => panic!(
                "{}: kind {other:?} is not usage, script or interactive",
                self.name
            ),
        }
        out.push_str(&session.end());
        (out, machine)
    }

    /// Makes the world fail as the machine the transcript ran on did: `provider METHOD
    /// HRESULT [once]` or `service METHOD HRESULT`.
    fn inject(&self, sim: &Simulator, machine: &str, fault: &str) {
        let words: Vec<&str> = fault.split_whitespace().collect();
        let hr = |name: &str| {
            HResult::from_name(name).unwrap_or_else(|| panic!("{}: no HRESULT {name}", self.name))
        };
        let no_method = || panic!("{}: no method in `{fault}`", self.name);
        let done = match words.as_slice() {
            ["provider", m, h, rest @ ..] => sim.fail_provider_method(
                machine,
                ProviderFault {
                    provider_id: None,
                    method: Method::provider(m).unwrap_or_else(no_method),
                    hr: hr(h),
                    after: 0,
                    times: u32::from(rest == ["once"]),
                },
            ),
            ["service", m, h] => {
                let method = Method::from_name(m).unwrap_or_else(no_method);
                sim.fail_service_call(machine, method, hr(h))
            }
            _ => panic!("{}: fault `{fault}` is not understood", self.name),
        };
        done.unwrap_or_else(|e| panic!("{}: {e}", self.name));
    }
}

/// A difference that `docs/assumptions.md` records: lines only real DiskShadow printed, and
/// lines only the simulator prints, as patterns in which `*` stands for any text.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Allowed {
    #[serde(default)]
    real: Vec<String>,
    #[serde(default)]
    sim: Vec<String>,
    /// Whether blank lines among the lines it excuses go with them.
    #[serde(default)]
    blank_lines: bool,
}

fn allowed() -> BTreeMap<String, Allowed> {
    let text = std::fs::read_to_string(folder().join("allowed.toml")).expect("allowed.toml");
    toml::from_str(&text).expect("allowed.toml is a table of differences")
}

/// Whether `line` matches `pattern`, in which each `*` stands for any text.
fn matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = line.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Takes out of a session's lines what depends on the machine it ran on.
struct Normalizer {
    guid: Regex,
    time: Regex,
    device: Regex,
    temp: Regex,
    space: Regex,
}

/// The system provider's id is the same on every Windows machine, so it is compared as is.
const SYSTEM_PROVIDER: &str = "{b5946137-7b9f-4925-af80-51abd60b20d5}";

impl Normalizer {
    fn new() -> Normalizer {
        let hex = "[0-9A-Fa-f]";
        Normalizer {
            guid: Regex::new(&format!(
                r"\{{{hex}{{8}}-{hex}{{4}}-{hex}{{4}}-{hex}{{4}}-{hex}{{12}}\}}"
            ))
            .unwrap(),
            // US, European and ISO dates, with a 12- or 24-hour time after them; and the
            // date and time in a metadata file's default name.
            time: Regex::new(
                r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4},? +\d{1,2}:\d{2}(:\d{2})?( ?[AP]M)?|\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}",
            )
            .unwrap(),
            device: Regex::new(r"(HarddiskVolumeShadowCopy|HarddiskVolume)\d+").unwrap(),
            temp: Regex::new(r"\bDis[0-9A-F]{4}\.tmp\b").unwrap(),
            space: Regex::new(r"\s+").unwrap(),
        }
    }

    /// Each GUID becomes `{GUID-n}` (or `{VOLUME-n}` in a volume name), n counting the
    /// distinct ones in the order they first appear, so that an id that should recur where
    /// it did before is checked, whatever its value.
    fn lines(&self, text: &[String], computers: &[String], fold_space: bool) -> Vec<String> {
        let mut seen: [Vec<String>; 2] = [Vec::new(), Vec::new()];
        text.iter()
            .map(|line| {
                let mut line = line.trim_end().to_owned();
                for computer in computers {
                    line = replace_word(&line, computer, "<COMPUTER>");
                }
                let named = line.clone();
                line = self
                    .guid
                    .replace_all(&named, |c: &regex::Captures| {
                        let guid = c[0].to_ascii_lowercase();
                        if guid == SYSTEM_PROVIDER {
                            return guid;
                        }
                        let at = c.get(0).map_or(0, |m| m.start());
                        let (kind, list) = if named[..at].ends_with("Volume") {
                            ("VOLUME", &mut seen[0])
                        } else {
                            ("GUID", &mut seen[1])
                        };
                        let n = match list.iter().position(|g| *g == guid) {
                            Some(n) => n,
                            None => {
                                list.push(guid);
                                list.len() - 1
                            }
                        };
                        format!("{{{kind}-{}}}", n + 1)
                    })
                    .into_owned();
                line = self.time.replace_all(&line, "<TIME>").into_owned();
                line = self.device.replace_all(&line, "${1}<N>").into_owned();
                line = self.temp.replace_all(&line, "Dis<TEMP>.tmp").into_owned();
                if fold_space {
                    line = self.space.replace_all(line.trim(), " ").into_owned();
                }
                line
            })
            .collect()
    }
}

/// `line` with each whole-word, case-blind occurrence of `word` replaced.
fn replace_word(line: &str, word: &str, with: &str) -> String {
    let lower = line.to_ascii_lowercase();
    let word_lower = word.to_ascii_lowercase();
    let mut out = String::new();
    let mut at = 0;
    while let Some(found) = lower[at..].find(&word_lower) {
        let start = at + found;
        let end = start + word.len();
        let letter = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '-');
        if letter(line[..start].chars().next_back()) || letter(line[end..].chars().next()) {
            out.push_str(&line[at..end]);
        } else {
            out.push_str(&line[at..start]);
            out.push_str(with);
        }
        at = end;
    }
    out.push_str(&line[at..]);
    out
}

/// Compares one transcript; gives what did not pass, or nothing.
fn compare(
    transcript: &Transcript,
    allowed: &BTreeMap<String, Allowed>,
    normalizer: &Normalizer,
) -> Option<String> {
    let dir = std::env::temp_dir().join(format!(
        "vss-sim-transcript-{}-{}",
        transcript.name,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a work folder");
    let (out, machine) = transcript.run(&dir);
    let _ = std::fs::remove_dir_all(&dir);

    let fold = transcript.get("tabs") != Some("kept");
    let mut computers = transcript.list("computer");
    computers.sort_by_key(|c| std::cmp::Reverse(c.len()));
    // A mark the source put where it cut the session is not part of it.
    let real_lines: Vec<String> = transcript
        .real
        .iter()
        .filter(|l| !l.starts_with("[... CUT"))
        .cloned()
        .collect();
    let mut real = normalizer.lines(&real_lines, &computers, fold);
    let sim_lines: Vec<String> = out.lines().map(str::to_owned).collect();
    let mut sim = normalizer.lines(&sim_lines, &[machine], fold);
    for side in [&mut real, &mut sim] {
        if transcript.get("blank-lines") == Some("lost") {
            side.retain(|l| !l.is_empty());
        }
        // Blank lines at the end of a session are not seen in a published copy.
        while side.last().is_some_and(String::is_empty) {
            side.pop();
        }
    }
    let cut = transcript.list("cut");
    let cut_start = cut.iter().any(|c| c == "start");
    let cut_end = cut.iter().any(|c| c == "end");

    let names = transcript.list("allowed");
    let mut report = String::new();
    for name in &names {
        if !allowed.contains_key(name) {
            let _ = writeln!(report, "  names `{name}`, which allowed.toml does not have");
        }
    }
    let mut used = vec![false; names.len()];
    // Which allowance excuses a line: the first whose pattern matches, if any.
    let excuse = |line: &str, real_side: bool| {
        names.iter().position(|name| {
            allowed.get(name).is_some_and(|a| {
                let patterns = if real_side { &a.real } else { &a.sim };
                patterns.iter().any(|p| matches(p, line.trim_start()))
            })
        })
    };
    let ops = capture_diff_slices(Algorithm::Myers, &real, &sim);
    let first_equal = ops.iter().position(|op| matches!(op, DiffOp::Equal { .. }));
    let last_equal = ops
        .iter()
        .rposition(|op| matches!(op, DiffOp::Equal { .. }));
    for (n, op) in ops.iter().enumerate() {
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let (old, new) = (op.old_range(), op.new_range());
        // Where the source starts late or stops early, the simulator's lines beyond it are
        // not in question.
        let outside_source = (cut_start && first_equal.is_none_or(|f| n < f))
            || (cut_end && last_equal.is_none_or(|l| n > l));
        // Each line in question, with the allowance (its place in `names`) that excuses it.
        let mut lines: Vec<(bool, usize, Option<usize>)> = Vec::new();
        for i in old {
            lines.push((true, i, excuse(&real[i], true)));
        }
        if !outside_source {
            for j in new {
                lines.push((false, j, excuse(&sim[j], false)));
            }
        }
        // A blank line goes with the lines around it when those differ by an allowance
        // that says so (a writer's block of lines, say).
        let blanks_go = lines.iter().any(|&(_, _, why)| {
            why.and_then(|n| names.get(n))
                .and_then(|name| allowed.get(name))
                .is_some_and(|a| a.blank_lines)
        });
        for (real_side, i, why) in lines {
            let line = if real_side { &real[i] } else { &sim[i] };
            match why {
                Some(n) => used[n] = true,
                None if blanks_go && line.is_empty() => {}
                None => {
                    let side = if real_side { "real" } else { "sim " };
                    let _ = writeln!(report, "  {side} {:>3}: {line}", i + 1);
                }
            }
        }
    }
    for (name, used) in names.iter().zip(used) {
        if !used && allowed.contains_key(name) {
            let _ = writeln!(report, "  names `{name}`, but no line needs it");
        }
    }
    if std::env::var_os("VSS_SIM_SHOW_TRANSCRIPT")
        .is_some_and(|n| transcript.name.starts_with(&*n.to_string_lossy()))
    {
        println!("{out}");
    }
    (!report.is_empty()).then(|| {
        format!(
            "{} ({}):\n{report}  the simulator printed:\n{}",
            transcript.name,
            transcript.get("source").unwrap_or(""),
            out.lines()
                .map(|l| format!("    | {l}\n"))
                .collect::<String>()
        )
    })
}

fn transcripts() -> Vec<Transcript> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder())
        .expect("the transcripts folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    paths.iter().map(|p| Transcript::read(p)).collect()
}

#[test]
fn the_simulator_prints_what_real_diskshadow_printed() {
    let transcripts = transcripts();
    assert!(transcripts.len() >= 20, "{} transcripts", transcripts.len());
    let allowed = allowed();
    let normalizer = Normalizer::new();
    let failures: Vec<String> = transcripts
        .iter()
        .filter_map(|t| compare(t, &allowed, &normalizer))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} transcripts differ:\n\n{}",
        failures.len(),
        transcripts.len(),
        failures.join("\n")
    );
}

#[test]
fn every_allowed_difference_is_recorded_and_shown() {
    let assumptions = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/assumptions.md"),
    )
    .expect("docs/assumptions.md");
    let named: Vec<String> = transcripts()
        .iter()
        .flat_map(|t| t.list("allowed"))
        .collect();
    for name in allowed().keys() {
        assert!(
            assumptions.contains(&format!("`transcript:{name}`")),
            "docs/assumptions.md does not record `transcript:{name}`"
        );
        assert!(named.contains(name), "no transcript shows `{name}`");
    }
}

#[test]
fn patterns_match_as_globs() {
    assert!(matches(
        "Copyright (C) * Microsoft Corporation",
        "Copyright (C) 2013 Microsoft Corporation"
    ));
    assert!(matches("*", ""));
    assert!(matches("a*b*c", "aXbYc"));
    assert!(!matches("a*b", "aXbY"));
    assert!(!matches("ab*ba", "aba"));
    assert_eq!(
        replace_word("On computer:  DC01,  x", "dc01", "<C>"),
        "On computer:  <C>,  x"
    );
    assert_eq!(
        replace_word("DC01X DC01.corp", "DC01", "<C>"),
        "DC01X <C>.corp"
    );
}
