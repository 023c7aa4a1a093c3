//! The `DISKSHADOW>` prompt at a terminal: line editing, history and Ctrl-C, driven
//! through a pseudo-terminal as an administrator's keystrokes would drive it.
#![cfg(unix)]

use std::process::Command;

use rexpect::session::{PtySession, spawn_command};

const UP: &str = "\x1b[A";
const BACKSPACE: &str = "\x7f";

fn diskshadow() -> PtySession {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vss-sim"));
    command.arg("diskshadow");
    let mut session = spawn_command(command, Some(10_000)).expect("vss-sim diskshadow starts");
    session
        .exp_string("DISKSHADOW> ")
        .expect("the first prompt");
    session
}

#[test]
fn the_up_arrow_recalls_a_line_that_can_then_be_edited() {
    let mut p = diskshadow();
    p.send_line("add volume E:").expect("typed");
    p.exp_string("DISKSHADOW> ").expect("the next prompt");
    // Up brings back `add volume E:`; two backspaces and `F:` make it `add volume F:`.
    p.send(UP).expect("up");
    p.send(BACKSPACE).expect("backspace");
    p.send(BACKSPACE).expect("backspace");
    p.send_line("F:").expect("typed");
    p.exp_string("DISKSHADOW> ").expect("the next prompt");
    p.send_line("add").expect("typed");
    let (listing, _) = p.exp_regex("No Diskshadow aliases").expect("the set");
    assert!(listing.contains("Volume E:"), "{listing}");
    assert!(listing.contains("Volume F:"), "{listing}");
    assert!(
        listing.contains("2 volumes in Shadow Copy Set."),
        "{listing}"
    );
    assert!(!listing.contains("^[[A"), "{listing}");
    p.send_line("exit").expect("typed");
    p.exp_eof().expect("the session ends");
}

#[test]
fn ctrl_c_drops_the_line_and_the_session_goes_on() {
    let mut p = diskshadow();
    p.send_line("add volume E:").expect("typed");
    p.exp_string("DISKSHADOW> ").expect("the next prompt");
    p.send("delete shadows all").expect("typed, not entered");
    p.send_control('c').expect("Ctrl-C");
    p.exp_string("DISKSHADOW> ")
        .expect("a new prompt, not the end");
    // The dropped line did not run, and what the session held is still there.
    p.send_line("add").expect("typed");
    let (listing, _) = p.exp_regex("No Diskshadow aliases").expect("the set");
    assert!(
        listing.contains("1 volume in Shadow Copy Set."),
        "{listing}"
    );
    assert!(!listing.contains("Deleting"), "{listing}");
    p.send_line("exit").expect("typed");
    p.exp_eof().expect("the session ends");
}

#[test]
fn help_and_errors_at_the_prompt() {
    let mut p = diskshadow();
    p.send_line("help set").expect("typed");
    p.exp_string("SET VERBOSE { ON | OFF }")
        .expect("the help for set");
    p.exp_string("DISKSHADOW> ").expect("the next prompt");
    p.send_line("list shadwos").expect("typed");
    let before = p.exp_string("DISKSHADOW> ").expect("the next prompt");
    assert!(before.contains("Syntax error: usage: list"), "{before}");
    // An error at the prompt is not placed as if the prompt were a script.
    assert!(!before.contains("line 2"), "{before}");
    p.send_control('d').expect("Ctrl-D");
    p.exp_eof().expect("the session ends at the end of input");
}
