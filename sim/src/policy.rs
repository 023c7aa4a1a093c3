//! The service policy: choices where Windows' behaviour is inferred or unconfirmed, which a
//! world file may make otherwise (`policy:`). Each is described, with its source, in
//! `docs/assumptions.md`, or for a revert in `docs/vss-revert.md`.

use serde::{Deserialize, Serialize};
use vss_model::HResult;
use vss_sim_sw::RevertDeletes;

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
/// source, in `docs/assumptions.md` (those of a revert in `docs/vss-revert.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Policy {
    /// What `StartSnapshotSet` returns under `VSS_CTX_ALL`.
    pub start_under_context_all: HResult,
    /// What `ExposeSnapshot` returns for an exposure Windows refuses (a non-persistent copy
    /// locally, a client-accessible copy, a copy already exposed, a name in use).
    pub expose_refused: HResult,
    /// What `DeleteSnapshots`, `BreakSnapshotSet`, `BreakSnapshotSetEx`, `RevertToSnapshot`
    /// and `QueryRevertStatus` return on an object that was never initialized.
    pub uninitialized_administration: HResult,
    /// What `Query` returns when it finds nothing: `S_OK` with an empty enumeration, or
    /// `VSS_E_OBJECT_NOT_FOUND`.
    pub empty_query: HResult,
    /// Which calls the context filters.
    pub context_filter: ContextFilter,
    /// What `BreakSnapshotSet`, and `BreakSnapshotSetEx` without a revert flag, do to the
    /// shadow LUNs' disk identities.
    pub break_identity: BreakIdentity,
    /// Which shadow copies of a volume the system provider deletes when it reverts the
    /// volume to one of them.
    pub revert_deletes: RevertDeletes,
    /// What `QueryRevertStatus` returns for a volume with no revert in progress:
    /// `VSS_E_OBJECT_NOT_FOUND`, or `S_OK` with an operation already finished.
    pub no_revert_in_progress: HResult,
    /// What `RevertToSnapshot` returns for a volume `ShouldBlockRevert` blocks: `S_OK`
    /// reverts it (the service leaves the check to the requester), a failure code refuses.
    pub blocked_revert: HResult,
}

impl Policy {
    /// Checks that each code stands for what it replaces: a refusal is a failure code; an
    /// empty query, a volume without a revert and a blocked revert either succeed with
    /// `S_OK` or fail.
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
        let outcomes = [
            ("empty_query", self.empty_query),
            ("no_revert_in_progress", self.no_revert_in_progress),
            ("blocked_revert", self.blocked_revert),
        ];
        for (name, hr) in outcomes {
            if hr != HResult::S_OK && !hr.is_failure() {
                return Err(format!(
                    "policy `{name}` must be S_OK or a failure code, not {hr}"
                ));
            }
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
            revert_deletes: RevertDeletes::All,
            no_revert_in_progress: HResult::VSS_E_OBJECT_NOT_FOUND,
            blocked_revert: HResult::S_OK,
        }
    }
}
