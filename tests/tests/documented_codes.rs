//! Every documented return code of every requester method is returned by at least one
//! scenario of the corpus or the examples.
//!
//! Codes a safe Rust API cannot produce (a NULL out-pointer) are left to the COM layer.

use std::collections::BTreeSet;

use vss_conformance::scenario_files;
use vss_model::methods::{Reach, requester_methods};
use vss_sim::runner::run_file;

#[test]
fn every_documented_code_is_reached() {
    let mut reached = BTreeSet::new();
    for folder in ["examples", "tests/scenarios"] {
        for path in scenario_files(folder) {
            let report = run_file(&path, false).unwrap_or_else(|e| panic!("{e}"));
            reached.extend(report.calls);
        }
    }
    let mut missing = Vec::new();
    for method in requester_methods() {
        for code in method.codes {
            let key = (method.name.to_string(), code.code);
            if code.reach == Reach::AbiOnly || reached.contains(&key) {
                continue;
            }
            missing.push(format!("{} {} ({})", method.name, code.code, code.when));
        }
    }
    assert!(
        missing.is_empty(),
        "never returned by any scenario:\n{}",
        missing.join("\n")
    );
}

/// The other way round: no call of the corpus returns a failure its method does not
/// document, apart from the recorded inferred codes and policy choices.
#[test]
fn no_call_returns_an_undocumented_code() {
    let sim = vss_sim::Simulator::default_world();
    let mut wrong = Vec::new();
    for folder in ["examples", "tests/scenarios"] {
        for path in scenario_files(folder) {
            let report = run_file(&path, false).unwrap_or_else(|e| panic!("{e}"));
            for (method, hr) in report.calls {
                if hr.is_failure() && !sim.with_world(|w| w.may_return(&method, hr)) {
                    wrong.push(format!("{}: {method} returned {hr}", path.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
