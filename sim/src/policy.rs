//! The service policy: choices where Windows' behaviour is inferred or unconfirmed, which a
//! world file may make otherwise (`policy:`). Each is described, with its source, in
//! `docs/assumptions.md`.

use serde::{Deserialize, Serialize};
use vss_model::HResult;

/// Which calls the requester's context filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContextFilter {
    /// Only `Query` (documented).
    #[default]
    QueryOnly,
    /// `Query`, `GetSnapshotProperties`, `DeleteSnapshots` and `ExposeSnapshot` alike.
    AllAdministration,
}

/// What a break does to the shadow LUNs' disk identities when the caller does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakIdentity {
    /// Give each shadow LUN its original's identity back when no original is visible to the
    /// machine, and keep the shadow identities otherwise.
    #[default]
    RevertIfPossible,
    /// Keep the shadow identities.
    Keep,
}

/// Choices where Windows' behaviour is inferred or unconfirmed; each is described, with its
/// source, in `docs/assumptions.md`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// What `StartSnapshotSet` returns under `VSS_CTX_ALL`.
    pub start_under_context_all: HResult,
    /// What `ExposeSnapshot` returns for an exposure Windows refuses (a non-persistent copy
    /// locally, a client-accessible copy, a copy already exposed, a name in use).
    pub expose_refused: HResult,
    /// What `DeleteSnapshots`, `BreakSnapshotSet` and `BreakSnapshotSetEx` return on an
    /// object that was never initialized.
    pub uninitialized_administration: HResult,
    /// What `Query` returns when it finds nothing: `S_OK` with an empty enumeration, or
    /// `VSS_E_OBJECT_NOT_FOUND`.
    pub empty_query: HResult,
    /// Which calls the context filters.
    pub context_filter: ContextFilter,
    /// What `BreakSnapshotSet`, and `BreakSnapshotSetEx` without a revert flag, do to the
    /// shadow LUNs' disk identities.
    pub break_identity: BreakIdentity,
}

impl Policy {
    /// Checks that each code stands for what it replaces: a refusal is a failure code, and
    /// an empty query either succeeds with `S_OK` or fails.
    pub fn check(&self) -> Result<(), String> {
        let refusals = [
            ("start_under_context_all", self.start_under_context_all),
            ("expose_refused", self.expose_refused),
            (
                "uninitialized_administration",
                self.uninitialized_administration,
            ),
        ];
        for (name, hr) in refusals {
            if !hr.is_failure() {
                return Err(format!("policy `{name}` must be a failure code, not {hr}"));
            }
        }
        if self.empty_query != HResult::S_OK && !self.empty_query.is_failure() {
            return Err(format!(
                "policy `empty_query` must be S_OK or a failure code, not {}",
                self.empty_query
            ));
        }
        Ok(())
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            start_under_context_all: HResult::VSS_E_BAD_STATE,
            expose_refused: HResult::E_INVALIDARG,
            uninitialized_administration: HResult::VSS_E_BAD_STATE,
            empty_query: HResult::S_OK,
            context_filter: ContextFilter::QueryOnly,
            break_identity: BreakIdentity::RevertIfPossible,
        }
    }
}
