//! The ledger of known divergences: scenarios a backend other than the simulator is known to
//! fail, each with what differs and why.
//!
//! `tests/known-divergences.toml` holds one `[[divergence]]` table per entry:
//!
//! ```toml
//! [[divergence]]
//! scenario = "tests/scenarios/s41-import-twice.yaml"   # the file, from the repository root
//! backend = "windows"                                # a name VSS_BACKEND takes
//! differs = "the second import ends with VSS_E_NO_SNAPSHOTS_IMPORTED"
//! why = "Windows reports ..."
//! ```
//!
//! When the corpus runs on a backend, a listed scenario that fails there is a known
//! divergence and does not fail the suite; a listed scenario that passes fails it (the entry
//! is stale and must go), as does an entry naming a scenario or a backend that does not
//! exist. The simulator is the reference and has no entries: a scenario that fails on it is
//! fixed, not listed.

use std::collections::BTreeSet;

use vss_sim::runner::{REFERENCE_BACKEND, Report, RunEnd};

use crate::backends::KNOWN_BACKENDS;

/// The ledger's path from the repository root.
pub const LEDGER_FILE: &str = "tests/known-divergences.toml";

/// One known divergence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    /// The scenario file, as its path from the repository root.
    pub scenario: String,
    /// The backend that diverges, by the name `VSS_BACKEND` takes.
    pub backend: String,
    /// What the backend does differently.
    pub differs: String,
    /// Why the difference is accepted rather than fixed.
    pub why: String,
}

/// Every known divergence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// The entries, in the file's order.
    pub entries: Vec<Divergence>,
}

/// What a corpus run on one backend came to, once the ledger is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judgement {
    /// What fails the suite: an unlisted scenario that failed, bad input, a stale entry.
    pub problems: Vec<String>,
    /// What the test output shows without failing: skipped scenarios and known divergences.
    pub notes: Vec<String>,
}

const FIELDS: [&str; 4] = ["scenario", "backend", "differs", "why"];

impl Ledger {
    /// Reads a ledger's text; the error names the entry and what is wrong with it.
    pub fn parse(text: &str) -> Result<Ledger, String> {
        let mut top: toml::Table = text.parse().map_err(|e: toml::de::Error| e.to_string())?;
        let entries = match top.remove("divergence") {
            None => Vec::new(),
            Some(toml::Value::Array(entries)) => entries,
            Some(_) => return Err("`divergence` must be written as [[divergence]] tables".into()),
        };
        if let Some(key) = top.keys().next() {
            return Err(format!(
                "unknown key `{key}` (the ledger holds [[divergence]] tables only)"
            ));
        }
        let mut ledger = Ledger::default();
        for (i, entry) in entries.into_iter().enumerate() {
            let n = i + 1;
            let toml::Value::Table(mut table) = entry else {
                return Err(format!("divergence {n}: not a table"));
            };
            let mut field = |key: &str| -> Result<String, String> {
                match table.remove(key) {
                    Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(s),
                    Some(toml::Value::String(_)) => {
                        Err(format!("divergence {n}: `{key}` is empty"))
                    }
                    Some(other) => Err(format!(
                        "divergence {n}: `{key}` must be text, not {}",
                        other.type_str()
                    )),
                    None => Err(format!("divergence {n}: `{key}` is missing")),
                }
            };
            let divergence = Divergence {
                scenario: field(FIELDS[0])?,
                backend: field(FIELDS[1])?,
                differs: field(FIELDS[2])?,
                why: field(FIELDS[3])?,
            };
            if let Some(key) = table.keys().next() {
                return Err(format!(
                    "divergence {n}: unknown key `{key}` (an entry has {})",
                    FIELDS.join(", ")
                ));
            }
            let twice = ledger
                .entries
                .iter()
                .any(|d| d.scenario == divergence.scenario && d.backend == divergence.backend);
            if twice {
                return Err(format!(
                    "divergence {n}: {} on {} is listed twice",
                    divergence.scenario, divergence.backend
                ));
            }
            ledger.entries.push(divergence);
        }
        Ok(ledger)
    }

    /// Reads `tests/known-divergences.toml`.
    pub fn load() -> Result<Ledger, String> {
        let path = crate::repo_root().join(LEDGER_FILE);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("{LEDGER_FILE}: cannot read it: {e}"))?;
        Ledger::parse(&text).map_err(|e| format!("{LEDGER_FILE}: {e}"))
    }

    /// Entries that name no existing scenario (`scenarios`: every scenario's name), a backend
    /// the suite does not know, or the reference backend.
    pub fn check(&self, scenarios: &BTreeSet<String>) -> Vec<String> {
        let mut problems = Vec::new();
        for d in &self.entries {
            if !scenarios.contains(&d.scenario) {
                problems.push(format!(
                    "{LEDGER_FILE}: no scenario `{}` exists (entry for {})",
                    d.scenario, d.backend
                ));
            }
            if d.backend == REFERENCE_BACKEND {
                problems.push(format!(
                    "{LEDGER_FILE}: {} is listed for {REFERENCE_BACKEND}, the reference: fix the scenario or the simulator instead",
                    d.scenario
                ));
            } else if !KNOWN_BACKENDS.contains(&d.backend.as_str()) {
                problems.push(format!(
                    "{LEDGER_FILE}: {} names the backend `{}`, which the suite does not know (known: {})",
                    d.scenario,
                    d.backend,
                    KNOWN_BACKENDS.join(", ")
                ));
            }
        }
        problems
    }

    /// Applies the ledger to the scenarios run on `backend`, each named as in the ledger.
    pub fn judge(&self, backend: &str, runs: &[(String, Report)]) -> Judgement {
        let mut judgement = Judgement::default();
        for (scenario, report) in runs {
            let entry = self
                .entries
                .iter()
                .find(|d| d.backend == backend && d.scenario == *scenario);
            match (&report.outcome, entry) {
                (RunEnd::Passed, None) => {}
                (RunEnd::Passed, Some(d)) => judgement.problems.push(format!(
                    "{scenario} on {backend}: no longer diverges: remove the entry from {LEDGER_FILE} (it said: {})",
                    d.differs
                )),
                (RunEnd::Failed(_), Some(d)) => judgement.notes.push(format!(
                    "{scenario} on {backend}: known divergence: {} ({})",
                    d.differs, d.why
                )),
                (RunEnd::Failed(n), None) => judgement.problems.push(format!(
                    "{scenario} on {backend}: {n} expectation(s) failed\n{}",
                    report.output
                )),
                // A ledger entry excuses behaviour, not a malformed file.
                (RunEnd::BadInput(e), _) => {
                    judgement
                        .problems
                        .push(format!("{scenario} on {backend}: bad input: {e}"));
                }
                (RunEnd::Skipped(reason), _) => judgement
                    .notes
                    .push(format!("{scenario} on {backend}: skipped: {reason}")),
            }
        }
        judgement
    }
}

#[cfg(test)]
mod tests {
    use vss_sim::runner::{InputError, Problem};

    use super::*;

    fn report(outcome: RunEnd) -> Report {
        Report {
            output: String::new(),
            outcome,
            calls: Vec::new(),
        }
    }

    fn ledger(backend: &str) -> Ledger {
        Ledger::parse(&format!(
            r#"
# A comment.
[[divergence]]
scenario = "tests/scenarios/a.yaml"
backend = "{backend}"
differs = "step 3 returns E_INVALIDARG"
why = "the code is not documented"
"#
        ))
        .expect("valid")
    }

    #[test]
    fn an_entry_is_read_with_its_four_fields() {
        assert_eq!(
            ledger("windows").entries,
            [Divergence {
                scenario: "tests/scenarios/a.yaml".into(),
                backend: "windows".into(),
                differs: "step 3 returns E_INVALIDARG".into(),
                why: "the code is not documented".into(),
            }]
        );
        assert_eq!(Ledger::parse("# nothing yet\n"), Ok(Ledger::default()));
    }

    #[test]
    fn a_listed_scenario_that_fails_is_a_known_divergence() {
        let runs = [(
            "tests/scenarios/a.yaml".to_string(),
            report(RunEnd::Failed(1)),
        )];
        let judgement = ledger("windows").judge("windows", &runs);
        assert_eq!(judgement.problems, Vec::<String>::new());
        assert_eq!(
            judgement.notes,
            [
                "tests/scenarios/a.yaml on windows: known divergence: step 3 returns E_INVALIDARG (the code is not documented)"
            ]
        );
    }

    #[test]
    fn a_listed_scenario_that_passes_fails_the_suite() {
        let runs = [("tests/scenarios/a.yaml".to_string(), report(RunEnd::Passed))];
        let judgement = ledger("windows").judge("windows", &runs);
        assert_eq!(judgement.problems.len(), 1);
        assert!(
            judgement.problems[0].contains("no longer diverges: remove the entry"),
            "{:?}",
            judgement.problems
        );
    }

    #[test]
    fn an_entry_for_another_backend_excuses_nothing() {
        let runs = [(
            "tests/scenarios/a.yaml".to_string(),
            report(RunEnd::Failed(2)),
        )];
        let judgement = ledger("windows").judge("other", &runs);
        assert_eq!(judgement.problems.len(), 1);
        assert!(
            judgement.problems[0]
                .starts_with("tests/scenarios/a.yaml on other: 2 expectation(s) failed")
        );
        let passed = [("tests/scenarios/a.yaml".to_string(), report(RunEnd::Passed))];
        assert_eq!(
            ledger("windows").judge("other", &passed),
            Judgement::default()
        );
    }

    #[test]
    fn bad_input_is_never_excused_and_skips_are_shown() {
        let problem = Problem::Invalid("`$x` is not bound by any earlier step".into());
        let error = InputError::new("a.yaml", None, problem).in_step(2, None);
        let runs = [
            (
                "tests/scenarios/a.yaml".to_string(),
                report(RunEnd::BadInput(error)),
            ),
            (
                "tests/scenarios/b.yaml".to_string(),
                report(RunEnd::Skipped("needs REBOOT: step 4 `env: reboot`".into())),
            ),
        ];
        let judgement = ledger("windows").judge("windows", &runs);
        assert_eq!(
            judgement.problems,
            [
                "tests/scenarios/a.yaml on windows: bad input: a.yaml: step 2: `$x` is not bound by any earlier step"
            ]
        );
        assert_eq!(
            judgement.notes,
            ["tests/scenarios/b.yaml on windows: skipped: needs REBOOT: step 4 `env: reboot`"]
        );
    }

    #[test]
    fn entries_must_name_an_existing_scenario_and_a_known_other_backend() {
        let existing: BTreeSet<String> = ["tests/scenarios/b.yaml".to_string()].into();
        let problems = ledger("windows").check(&existing);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("no scenario `tests/scenarios/a.yaml` exists"));
        let problems = ledger("windows-2025").check(&existing);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[1].contains("the backend `windows-2025`, which the suite does not know"));
        let problems = ledger("sim").check(&existing);
        assert!(
            problems[1].contains("listed for sim, the reference"),
            "{problems:?}"
        );
        let existing: BTreeSet<String> = ["tests/scenarios/a.yaml".to_string()].into();
        assert_eq!(ledger("sim").check(&existing).len(), 1);
    }

    #[test]
    fn malformed_entries_are_refused_with_their_number() {
        let cases = [
            (
                "[[divergence]]\nscenario = \"a\"\nbackend = \"w\"\ndiffers = \"d\"\n",
                "divergence 1: `why` is missing",
            ),
            (
                "[[divergence]]\nscenario = \"a\"\nbackend = \"w\"\ndiffers = \"d\"\nwhy = \" \"\n",
                "divergence 1: `why` is empty",
            ),
            (
                "[[divergence]]\nscenario = 1\n",
                "divergence 1: `scenario` must be text, not integer",
            ),
            (
                "[[divergence]]\nscenario = \"a\"\nbackend = \"w\"\ndiffers = \"d\"\nwhy = \"y\"\nsince = \"x\"\n",
                "divergence 1: unknown key `since` (an entry has scenario, backend, differs, why)",
            ),
            (
                "[[divergence]]\nscenario = \"a\"\nbackend = \"w\"\ndiffers = \"d\"\nwhy = \"y\"\n[[divergence]]\nscenario = \"a\"\nbackend = \"w\"\ndiffers = \"e\"\nwhy = \"z\"\n",
                "divergence 2: a on w is listed twice",
            ),
            (
                "divergence = \"x\"\n",
                "`divergence` must be written as [[divergence]] tables",
            ),
            ("[[divergences]]\n", "unknown key `divergences`"),
            ("[[divergence]\n", "TOML parse error"),
        ];
        for (text, message) in cases {
            let error = Ledger::parse(text).unwrap_err();
            assert!(error.contains(message), "{text:?}: {error}");
        }
    }
}
