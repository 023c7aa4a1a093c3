//! `vss-sim diskshadow` through the binary: switches, parameters, the log, the prompt and
//! the exit codes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vss-sim-dscli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a work folder");
    dir
}

fn diskshadow(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .arg("diskshadow")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("written");
    let out = child.wait_with_output().expect("it ends");
    (
        out.status.code().expect("an exit code"),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn windows_switches_parameters_and_the_log() {
    let dir = workdir("switches");
    std::fs::write(
        dir.join("make.dsh"),
        "set context persistent\r\nadd volume %DISKSH_PARAM_1% alias %DISKSH_PARAM_2%\r\ncreate\r\n",
    )
    .unwrap();
    let (code, out, err) = diskshadow(&dir, &["/S", "make.dsh", "E:", "Data", "/l", "run.log"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("-> add volume %DISKSH_PARAM_1% alias %DISKSH_PARAM_2%"),
        "{out}"
    );
    assert!(out.contains("-> %DISKSH_PARAM_1% = E:"), "{out}");
    assert!(out.contains("Alias Data for shadow ID {"), "{out}");
    assert_eq!(std::fs::read_to_string(dir.join("run.log")).unwrap(), out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_failing_command_exits_1_and_a_syntax_error_2_naming_the_line() {
    let dir = workdir("codes");
    std::fs::write(
        dir.join("fail.dsh"),
        "mask {11111111-2222-3333-4444-555555555555}\n",
    )
    .unwrap();
    std::fs::write(dir.join("typo.dsh"), "# a comment\n\nadd volme C:\n").unwrap();
    let (code, out, _) = diskshadow(&dir, &["-s", "fail.dsh"], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("The last operation failed."), "{out}");
    let (code, out, err) = diskshadow(&dir, &["-s", "typo.dsh"], "");
    assert_eq!(code, 2, "{out}");
    // The transcript says it as DiskShadow does; standard error places it for an editor.
    assert!(
        out.contains("Syntax error: line 3: `add volme`: usage: add volume"),
        "{out}"
    );
    assert_eq!(
        err,
        "error: typo.dsh:3:5: the script stopped at a syntax error: `add volme`: usage: add volume … or add alias …\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_syntax_error_is_placed_at_the_word_even_when_an_alias_or_indent_moved_it() {
    let dir = workdir("placed");
    std::fs::write(
        dir.join("aliased.dsh"),
        "add alias set {11111111-2222-3333-4444-555555555555}\r\n\tbreak %set% now\r\n",
    )
    .unwrap();
    std::fs::write(dir.join("quote.dsh"), "set metadata \"x.cab\n").unwrap();
    std::fs::write(dir.join("alias.dsh"), "set context %none%\n").unwrap();
    for (script, place) in [
        ("aliased.dsh", "aliased.dsh:2:14: "),
        ("quote.dsh", "quote.dsh:1:14: "),
        ("alias.dsh", "alias.dsh:1:13: "),
    ] {
        let (code, out, err) = diskshadow(&dir, &["-s", script, "-l", "run.log"], "");
        assert_eq!(code, 2, "{script}: {out}{err}");
        let stopped = format!("error: {place}the script stopped at a syntax error: ");
        assert!(err.starts_with(&stopped), "{script}: {err}");
        let log = std::fs::read_to_string(dir.join("run.log")).unwrap();
        assert!(log.ends_with(&err), "{script}: {log}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_script_that_is_not_text_is_placed_where_the_text_stops() {
    let dir = workdir("not-text");
    std::fs::write(
        dir.join("latin1.dsh"),
        b"set verbose on\r\nadd volume C:\r\n\xE9\r\n",
    )
    .unwrap();
    std::fs::write(dir.join("midline.dsh"), b"add alias caf\xE9 x\n").unwrap();
    let utf16: Vec<u8> = "create\r\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(dir.join("no-bom.dsh"), &utf16).unwrap();
    let cut: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("reset\r\nab".encode_utf16().flat_map(u16::to_le_bytes))
        .chain([0x41])
        .collect();
    std::fs::write(dir.join("cut.dsh"), &cut).unwrap();
    for (script, message) in [
        (
            "latin1.dsh",
            "error: latin1.dsh:3:1: the line is not UTF-8 text (save the script as UTF-8 or UTF-16)\n",
        ),
        (
            "midline.dsh",
            "error: midline.dsh:1:14: the line is not UTF-8 text (save the script as UTF-8 or UTF-16)\n",
        ),
        (
            "no-bom.dsh",
            "error: no-bom.dsh:1:2: the line holds a NUL character: UTF-16 without a byte-order mark? (save the script as UTF-8, or as UTF-16 with its byte-order mark)\n",
        ),
        (
            "cut.dsh",
            "error: cut.dsh:2:3: the UTF-16 text ends half way through a character\n",
        ),
    ] {
        // Named as UTF-8, a script is read as nothing else.
        let (code, out, err) = diskshadow(&dir, &["-s", script, "--encoding", "utf-8"], "");
        assert_eq!(code, 2, "{script}: {out}{err}");
        assert_eq!(err, message, "{script}");
        assert!(out.is_empty(), "{script} ran: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_script_saved_in_ansi_is_read_in_windows_1252_or_the_code_page_named() {
    let dir = workdir("ansi");
    // Notepad's "ANSI" on a Western European system: é is one byte, 0xE9.
    std::fs::write(
        dir.join("ansi.dsh"),
        b"set verbose on\r\n# caf\xE9 du matin\r\nadd alias caf\xE9 C:\r\n",
    )
    .unwrap();
    let (code, out, err) = diskshadow(&dir, &["-s", "ansi.dsh"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("-> add alias café C:"), "{out}");
    // Shift_JIS, named: テスト in a comment; and an unknown name is bad input.
    std::fs::write(
        dir.join("sjis.dsh"),
        b"# \x83\x65\x83\x58\x83\x67\r\nlist providers\r\n",
    )
    .unwrap();
    let (code, out, err) = diskshadow(&dir, &["-s", "sjis.dsh", "--encoding", "shift_jis"], "");
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = diskshadow(&dir, &["-s", "sjis.dsh", "--encoding", "klingon"], "");
    assert_eq!(code, 2);
    assert!(
        err.contains("--encoding klingon: not a code page name"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_arguments_exit_2_with_a_message() {
    let dir = workdir("bad");
    std::fs::write(
        dir.join("world.yaml"),
        "machines: [ {name: X, volumes: [ {mount: 'C:\\'} ] }\n",
    )
    .unwrap();
    for (args, message) in [
        (
            vec!["-s", "missing.dsh"],
            "error: missing.dsh: cannot read it: ",
        ),
        (
            vec!["--on", "HOSTZ"],
            "--on HOSTZ: the world has no such machine; it has HOSTA, HOSTB",
        ),
        (
            vec!["--world", "world.yaml"],
            "world.yaml:1:11: unclosed bracket",
        ),
    ] {
        let (code, out, err) = diskshadow(&dir, &args, "");
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(message), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_prompt_reports_an_error_and_keeps_going() {
    let dir = workdir("prompt");
    let (code, out, err) = diskshadow(
        &dir,
        &["--on", "hostb"],
        "add volume Q:\nADD VOLUME C:\nadd\nexit\nlist shadows all\n",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("On computer:  HOSTB"), "{out}");
    assert!(
        out.contains("DISKSHADOW> The volume Q: does not exist on HOSTB."),
        "{out}"
    );
    assert!(out.contains("1 volume in Shadow Copy Set."), "{out}");
    assert!(!out.contains("Querying"), "it went on after exit: {out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The corpus's transport scripts, run as two processes sharing a state file: HOSTA makes
/// the transportable set, HOSTB later imports and breaks it.
#[test]
fn a_transportable_set_crosses_machines_in_two_runs_sharing_a_state_file() {
    let dir = workdir("state");
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/diskshadow");
    for script in ["transport-create.dsh", "transport-import-break.dsh"] {
        std::fs::copy(corpus.join(script), dir.join(script)).unwrap();
    }
    let (code, made, err) = diskshadow(
        &dir,
        &[
            "--state",
            "lab.json",
            "-s",
            "transport-create.dsh",
            "lab.cab",
        ],
        "",
    );
    assert_eq!(code, 0, "{made}{err}");
    assert!(dir.join("lab.json").exists() && dir.join("lab.cab").exists());
    let (code, broken, err) = diskshadow(
        &dir,
        &[
            "--state",
            "lab.json",
            "--on",
            "HOSTB",
            "-s",
            "transport-import-break.dsh",
            "lab.cab",
            "--trace",
        ],
        "",
    );
    assert_eq!(code, 0, "{broken}{err}");
    insta::assert_snapshot!("two_runs_transport_create_on_hosta", made);
    insta::assert_snapshot!("two_runs_import_and_break_on_hostb", broken);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn persistent_copies_survive_into_the_next_run_and_volatile_ones_do_not() {
    let dir = workdir("lifetimes");
    std::fs::write(dir.join("volatile.dsh"), "add volume C:\ncreate\n").unwrap();
    std::fs::write(
        dir.join("persistent.dsh"),
        "set context persistent\nadd volume E:\ncreate\n",
    )
    .unwrap();
    std::fs::write(dir.join("list.dsh"), "list shadows all\n").unwrap();
    let state = ["--state", "s.json", "-s"];
    let run = |script: &str| {
        let args: Vec<&str> = state.iter().copied().chain([script]).collect();
        let (code, out, err) = diskshadow(&dir, &args, "");
        assert_eq!(code, 0, "{out}{err}");
        out
    };
    run("volatile.dsh");
    assert!(run("list.dsh").contains("No shadow copies found in system."));
    run("persistent.dsh");
    let listed = run("list.dsh");
    assert!(
        listed.contains("Number of shadow copies listed: 1"),
        "{listed}"
    );
    assert!(listed.contains("[E:\\]"), "{listed}");
    // A state file that is not one is refused and left as it was.
    std::fs::write(dir.join("bad.json"), "{ \"format\": \"something else\"").unwrap();
    let (code, _, err) = diskshadow(&dir, &["--state", "bad.json", "-s", "list.dsh"], "");
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json"), "{err}");
    assert_eq!(
        std::fs::read_to_string(dir.join("bad.json")).unwrap(),
        "{ \"format\": \"something else\""
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_file_in_use_is_refused_and_a_run_that_called_nothing_is_not_kept() {
    let dir = workdir("lock");
    std::fs::write(dir.join("create.dsh"), "add volume C:\ncreate\n").unwrap();
    std::fs::write(dir.join("typo.dsh"), "frobnicate\n").unwrap();
    // Another run, here this test, holds the state file.
    let held = vss_sim::state::StateLock::take(&dir.join("s.json")).expect("locked");
    let (code, out, err) = diskshadow(&dir, &["--state", "s.json", "-s", "create.dsh"], "");
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains(
            "the state file s.json is in use by another run (which holds s.json.lock): process"
        ),
        "{err}"
    );
    assert!(out.is_empty(), "it ran: {out}");
    drop(held);
    let (code, _, _) = diskshadow(&dir, &["--state", "s.json", "-s", "typo.dsh"], "");
    assert_eq!(code, 2);
    assert!(
        !dir.join("s.json").exists(),
        "a run that called nothing made a state file"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_prompt_reports_a_line_that_is_not_text_and_goes_on() {
    let dir = workdir("bytes");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .arg("diskshadow")
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(b"add alias x \xff\nadd alias y 1\nadd\n")
        .expect("written");
    let out = child.wait_with_output().expect("it ends");
    let out = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.contains("Syntax error: the line is not UTF-8 text"),
        "{out}"
    );
    assert!(out.contains("\tAlias y = 1"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_session_killed_at_the_prompt_keeps_what_it_did_and_no_lock() {
    let dir = workdir("killed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_vss-sim"))
        .args(["diskshadow", "--state", "s.json"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(b"set context persistent\nadd volume C:\ncreate\nadd volume E:\ncreate\n")
        .expect("written");
    stdin.flush().expect("flushed");
    // Wait for the prompt after both creates (it comes once the command's run is kept),
    // then kill the session there, stdin still open. The output is read on a thread, so
    // that a session that never gets there fails the test instead of hanging it.
    let mut stdout = child.stdout.take().expect("stdout");
    let (tell, told) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut byte = [0u8];
        while std::io::Read::read(&mut stdout, &mut byte).is_ok_and(|n| n > 0) {
            seen.push(byte[0]);
            let text = String::from_utf8_lossy(&seen);
            let there = text
                .rsplit_once("Number of shadow copies listed")
                .is_some_and(|(before, after)| {
                    before.contains("Number of shadow copies listed")
                        && after.contains("DISKSHADOW> ")
                });
            if there {
                let _ = tell.send(Ok(text.into_owned()));
                return;
            }
        }
        let _ = tell.send(Err(String::from_utf8_lossy(&seen).into_owned()));
    });
    let seen = told.recv_timeout(std::time::Duration::from_secs(120));
    child.kill().expect("killed");
    let seen = match seen {
        Ok(Ok(seen)) => seen,
        Ok(Err(seen)) => panic!("the session ended early: {seen}"),
        Err(_) => panic!("the session never came back to its prompt after both creates"),
    };
    child.wait().expect("it ends");
    drop(stdin);
    // The next run is not locked out, and finds the persistent copies of both sets (the
    // second of C: and E:, the volumes staying added).
    let (code, out, err) = diskshadow(&dir, &["--state", "s.json"], "list shadows all\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("Number of shadow copies listed: 3"),
        "{seen}\n{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_log_of_the_prompt_holds_the_lines_typed_and_of_a_script_where_it_stopped() {
    let dir = workdir("prompt-log");
    let (code, out, _) = diskshadow(&dir, &["/l", "prompt.log"], "add alias a b\nadd");
    assert_eq!(code, 0, "{out}");
    let log = std::fs::read_to_string(dir.join("prompt.log")).unwrap();
    assert!(
        log.contains("DISKSHADOW> add alias a b\n\nDISKSHADOW> add\n0 volumes"),
        "{log}"
    );
    assert!(
        !out.contains("DISKSHADOW> add alias a b\n"),
        "the terminal echoes it: {out}"
    );
    std::fs::write(
        dir.join("fail.dsh"),
        "add alias a b\nbreak {11111111-2222-3333-4444-555555555555}\n",
    )
    .unwrap();
    let (code, _, err) = diskshadow(&dir, &["-s", "fail.dsh", "-l", "script.log"], "");
    assert_eq!(code, 1);
    assert!(err.contains("the script stopped at line 2"), "{err}");
    let log = std::fs::read_to_string(dir.join("script.log")).unwrap();
    assert!(log.ends_with("the script stopped at line 2\n"), "{log}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_import_in_a_fresh_world_says_the_set_was_made_in_another_run() {
    let dir = workdir("import-hint");
    std::fs::write(
        dir.join("create.dsh"),
        "set context persistent\nset option transportable\nset metadata set.cab\nadd volume E:\ncreate\n",
    )
    .unwrap();
    std::fs::write(dir.join("import.dsh"), "load metadata set.cab\nimport\n").unwrap();
    let (code, out, err) = diskshadow(&dir, &["-s", "create.dsh"], "");
    assert_eq!(code, 0, "{out}{err}");
    // Without --state the import's world is fresh: none of the set's LUNs are in it.
    let (code, out, err) = diskshadow(&dir, &["-s", "import.dsh", "--on", "HOSTB"], "");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("VSS_E_NO_SNAPSHOTS_IMPORTED"), "{out}");
    assert!(
        err.starts_with("hint: the set was made in another run. Without --state"),
        "{err}"
    );
    // With one state file for both runs, the import finds the set, and no hint is given.
    let (code, out, err) = diskshadow(&dir, &["-s", "create.dsh", "--state", "w.json"], "");
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = diskshadow(
        &dir,
        &["-s", "import.dsh", "--on", "HOSTB", "--state", "w.json"],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("hint:"), "{err}");
    // A state file of another world holds none of them either.
    let (code, out, err) = diskshadow(
        &dir,
        &["-s", "import.dsh", "--on", "HOSTB", "--state", "other.json"],
        "",
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        err.starts_with("hint: the array of other.json holds none of the set's LUNs"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn slash_question_mark_prints_diskshadows_usage() {
    let dir = workdir("usage");
    for switch in ["/?", "-?"] {
        let (code, out, err) = diskshadow(&dir, &[switch], "");
        assert_eq!(code, 0, "{switch}: {err}");
        // The banner, then DiskShadow's command line in its own notation.
        assert!(out.starts_with("Microsoft DiskShadow version 1.0"), "{out}");
        assert!(
            out.contains("\n\nDISKSHADOW.EXE  [/s <scriptfile> [param1] [param2] [param3] ...] [/l <logfile>]\n"),
            "{out}"
        );
        assert!(out.contains("\n    /l <logfile>          - "), "{out}");
        assert!(err.is_empty(), "{err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn set_metadata_never_names_a_file_the_run_itself_uses() {
    let dir = workdir("metadata-own-files");
    // The state file does not exist yet: it is written when the run ends.
    for name in ["s.json", "s.json.run", "run.log", "own.dsh"] {
        std::fs::write(
            dir.join("own.dsh"),
            format!("set metadata {name}\nadd volume C:\ncreate\n"),
        )
        .unwrap();
        let (code, out, err) = diskshadow(
            &dir,
            &["-s", "own.dsh", "--state", "s.json", "/l", "run.log"],
            "",
        );
        assert_eq!(code, 1, "{name}: {out}{err}");
        assert!(
            out.contains(&format!(
                "The metadata file {name} cannot be written: this run reads or writes that file itself"
            )),
            "{name}: {out}"
        );
        assert!(!out.contains("-> create"), "{name}: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
