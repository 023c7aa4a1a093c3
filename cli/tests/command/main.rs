//! The `vss-sim` command's tests as one binary: each module drives the built command the way
//! a user does (exit codes, messages, files it leaves) for one part of it.

mod common;

mod cli;
mod diagram;
mod diskshadow_cli;
mod state;
mod tutorial;
