//! Where a requester object (`IVssBackupComponents`) stands in its life.
//!
//! The documented sequence takes an object from `CreateVssBackupComponents` through
//! `InitializeForBackup`, `StartSnapshotSet`, `DoSnapshotSet` and, for a writer context,
//! `BackupComplete`; `AbortBackup` ends a backup underway; a failed creation leaves the
//! object unable to make another set. [`RequesterPhase`] is that path, carrying whatever
//! the keeper knows of the set, and [`BackupEnd`] how the backup ended. The simulator, the
//! reference model and the lifecycle diagram all speak of an object's phase in these terms.
//! Choices that may come in any order before the set (the context, the writers' metadata,
//! the backup state) are not phases: each object keeps them as its own facts.

/// A requester object's phase; `S` is what its keeper knows of the shadow copy set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum RequesterPhase<S = ()> {
    /// `CreateVssBackupComponents` made it; `InitializeForBackup` has not run.
    #[default]
    Uninitialized,
    /// `InitializeForBackup` ran (with or without a document); no set was started.
    Initialized,
    /// `StartSnapshotSet` opened a set, which volumes are added to.
    SetOpen(S),
    /// `DoSnapshotSet` was accepted and has not finished.
    Creating(S),
    /// `DoSnapshotSet` created the set.
    Created(S),
    /// Creation failed or was abandoned: the object cannot make another set.
    Failed(S),
}

impl<S> RequesterPhase<S> {
    /// Whether `InitializeForBackup` has run.
    pub fn is_initialized(&self) -> bool {
        !matches!(self, RequesterPhase::Uninitialized)
    }

    /// Whether a set was started, whatever became of it.
    pub fn has_set(&self) -> bool {
        self.set().is_some()
    }

    /// What is known of the set, once one was started.
    pub fn set(&self) -> Option<&S> {
        match self {
            RequesterPhase::Uninitialized | RequesterPhase::Initialized => None,
            RequesterPhase::SetOpen(s)
            | RequesterPhase::Creating(s)
            | RequesterPhase::Created(s)
            | RequesterPhase::Failed(s) => Some(s),
        }
    }

    /// The phase without what is known of the set.
    pub fn kind(&self) -> RequesterPhase {
        match self {
            RequesterPhase::Uninitialized => RequesterPhase::Uninitialized,
            RequesterPhase::Initialized => RequesterPhase::Initialized,
            RequesterPhase::SetOpen(_) => RequesterPhase::SetOpen(()),
            RequesterPhase::Creating(_) => RequesterPhase::Creating(()),
            RequesterPhase::Created(_) => RequesterPhase::Created(()),
            RequesterPhase::Failed(_) => RequesterPhase::Failed(()),
        }
    }
}

/// How a backup an object took part in ended, when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BackupEnd {
    /// `BackupComplete` told the writers the backup is over.
    Completed,
    /// `AbortBackup` ended what was underway.
    Aborted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phase_knows_its_set_and_its_kind() {
        let open = RequesterPhase::SetOpen(7);
        assert_eq!(open.set(), Some(&7));
        assert_eq!(open.kind(), RequesterPhase::SetOpen(()));
        assert!(open.is_initialized() && open.has_set());
        let fresh: RequesterPhase<u8> = RequesterPhase::default();
        assert_eq!(fresh, RequesterPhase::Uninitialized);
        assert!(!fresh.is_initialized() && !fresh.has_set());
        assert!(!RequesterPhase::<u8>::Initialized.has_set());
    }
}
