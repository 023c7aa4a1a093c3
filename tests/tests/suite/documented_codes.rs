//! Every documented return code of every requester method is returned by at least one
//! scenario of the corpus or the examples.
//!
//! Codes a safe Rust API cannot produce (a NULL out-pointer) are left to the COM layer.

use std::collections::BTreeSet;

use vss_conformance::scenario_files;
use vss_model::HResult;
use vss_model::methods::{Method, Reach, may_return, requester_methods};
use vss_sim::runner::{Scenario, run_file};

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
            let key = (method.method, code.code);
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
                if hr.is_failure() && !sim.with_world(|w| w.may_return(method, hr)) {
                    wrong.push(format!("{}: {method} returned {hr}", path.display()));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The alternatives a step accepts from other backends are codes its method may return too:
/// documented, or recorded as inferred (a success code is always possible).
#[test]
fn every_accepted_alternative_is_a_code_its_method_may_return() {
    let mut wrong = Vec::new();
    let mut alternatives = 0;
    for folder in ["examples", "tests/scenarios"] {
        for path in scenario_files(folder) {
            let text = std::fs::read_to_string(&path).expect("readable");
            let shown = path.display().to_string();
            let scenario = Scenario::parse(&text, &shown).unwrap_or_else(|e| panic!("{e}"));
            for (i, step) in scenario.steps.iter().enumerate() {
                let (Some(method), Some(accept)) =
                    (step.source.get("call"), step.source.get("accept"))
                else {
                    continue;
                };
                let method = method
                    .as_str()
                    .and_then(Method::requester)
                    .expect("a requester method");
                // `accept` is one code or a list of them.
                let codes = match accept.as_array() {
                    Some(list) => list.clone(),
                    None => vec![accept.clone()],
                };
                for code in &codes {
                    let hr: HResult = code
                        .as_str()
                        .and_then(|c| c.parse().ok())
                        .expect("an HRESULT name");
                    alternatives += 1;
                    if hr.is_failure() && !may_return(method, hr, &[]) {
                        wrong.push(format!(
                            "{shown}: step {}: {method} cannot return {hr}",
                            i + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(alternatives > 0, "no step accepts an alternative");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
