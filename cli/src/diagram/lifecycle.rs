//! The life of one requester object (`IVssBackupComponents`) as a state diagram.
//!
//! A requester object keeps more state than a picture can show (whether its context was
//! set, whether it gathered the writers' metadata, what its set holds, …). The diagram
//! names the states a backup application goes through, one after the other, for a
//! transportable hardware set that another machine imports, breaks, exposes or deletes:
//! [`Phase`]. [`TRANSITIONS`] lists the calls that succeed in each state and where they
//! lead; [`REFUSALS`] the calls refused there with a code other than [`OTHERWISE`]. The
//! tests drive a simulator object into each state along the table's own way there, in the
//! order a backup application goes, and check every call of [`METHODS`] in it against the
//! two tables.

use vss_model::lifecycle::RequesterPhase;
use vss_model::methods::Method;
use vss_model::{Context, HResult};

use super::Format;
use super::svg::{Cell, Style, Table};
use super::text::{dot_lines, mermaid, wrap};

/// A state of a requester object, as the diagram draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// `CreateVssBackupComponents` made it; nothing else has happened.
    Created,
    /// `InitializeForBackup(NULL)`: ready for a new backup, with the default context.
    Initialized,
    /// `SetContext` chose the kind of shadow copy.
    ContextSet,
    /// `GatherWriterMetadata` asked the writers what they hold.
    MetadataGathered,
    /// `StartSnapshotSet`: a set is open, with no volume yet, and the machine's creation
    /// lock is held.
    SetStarted,
    /// `AddToSnapshotSet`: the set holds volumes.
    VolumesAdded,
    /// `SetBackupState`: the kind of backup is known; `PrepareForBackup` needs it.
    BackupStateSet,
    /// `PrepareForBackup`: the writers were told a backup is coming.
    Prepared,
    /// `DoSnapshotSet`: the set is created.
    ShadowCopiesMade,
    /// `BackupComplete`: the writers were told the backup is over.
    BackupCompleted,
    /// `AbortBackup` ended a backup underway: the set is abandoned.
    Aborted,
    /// `InitializeForBackup(bstrXML)`: loaded the backup components document of a
    /// transportable set, saved by `SaveAsXML` on the machine that made it.
    DocumentLoaded,
    /// `ImportSnapshots`: the set's shadow copies are surfaced on this machine.
    Imported,
    /// `ExposeSnapshot`: a shadow copy has a drive letter.
    Exposed,
    /// `BreakSnapshotSet` or `BreakSnapshotSetEx`: VSS forgot the set; its LUNs are
    /// ordinary disks now.
    Broken,
    /// `DeleteSnapshots`: the set's shadow copies are gone.
    Deleted,
}

impl Phase {
    /// The object's phase in the terms the simulator and the reference model keep it
    /// ([`RequesterPhase`]), where the drawn state has one: `Aborted` has none, since an
    /// object aborted before `DoSnapshotSet` has a failed set and one aborted after it keeps
    /// its created set. An object that loaded a document has started no set of its own.
    pub const fn requester_phase(self) -> Option<RequesterPhase> {
        Some(match self {
            Phase::Created => RequesterPhase::Uninitialized,
            Phase::Initialized | Phase::ContextSet | Phase::MetadataGathered => {
                RequesterPhase::Initialized
            }
            Phase::SetStarted | Phase::VolumesAdded | Phase::BackupStateSet | Phase::Prepared => {
                RequesterPhase::SetOpen(())
            }
            Phase::ShadowCopiesMade | Phase::BackupCompleted => RequesterPhase::Created(()),
            Phase::Aborted => return None,
            Phase::DocumentLoaded
            | Phase::Imported
            | Phase::Exposed
            | Phase::Broken
            | Phase::Deleted => RequesterPhase::Initialized,
        })
    }

    /// Every state, in the order the diagram lists them.
    pub const ALL: [Phase; 16] = [
        Phase::Created,
        Phase::Initialized,
        Phase::ContextSet,
        Phase::MetadataGathered,
        Phase::SetStarted,
        Phase::VolumesAdded,
        Phase::BackupStateSet,
        Phase::Prepared,
        Phase::ShadowCopiesMade,
        Phase::BackupCompleted,
        Phase::Aborted,
        Phase::DocumentLoaded,
        Phase::Imported,
        Phase::Exposed,
        Phase::Broken,
        Phase::Deleted,
    ];

    /// Its name in a diagram's source: `SetStarted`.
    pub const fn id(self) -> &'static str {
        match self {
            Phase::Created => "Created",
            Phase::Initialized => "Initialized",
            Phase::ContextSet => "ContextSet",
            Phase::MetadataGathered => "MetadataGathered",
            Phase::SetStarted => "SetStarted",
            Phase::VolumesAdded => "VolumesAdded",
            Phase::BackupStateSet => "BackupStateSet",
            Phase::Prepared => "Prepared",
            Phase::ShadowCopiesMade => "ShadowCopiesMade",
            Phase::BackupCompleted => "BackupCompleted",
            Phase::Aborted => "Aborted",
            Phase::DocumentLoaded => "DocumentLoaded",
            Phase::Imported => "Imported",
            Phase::Exposed => "Exposed",
            Phase::Broken => "Broken",
            Phase::Deleted => "Deleted",
        }
    }

    /// What the diagram calls it: `snapshot set started`.
    pub const fn title(self) -> &'static str {
        match self {
            Phase::Created => "created",
            Phase::Initialized => "initialized for backup",
            Phase::ContextSet => "context set",
            Phase::MetadataGathered => "writer metadata gathered",
            Phase::SetStarted => "snapshot set started",
            Phase::VolumesAdded => "volumes added",
            Phase::BackupStateSet => "backup state set",
            Phase::Prepared => "prepared for backup",
            Phase::ShadowCopiesMade => "shadow copies made",
            Phase::BackupCompleted => "backup complete",
            Phase::Aborted => "backup aborted",
            Phase::DocumentLoaded => "document loaded",
            Phase::Imported => "set imported",
            Phase::Exposed => "shadow copy exposed",
            Phase::Broken => "set broken",
            Phase::Deleted => "shadow copies deleted",
        }
    }

    /// What the shadow copy calls ([`SHADOW_COPY_METHODS`]) act on in this state: the
    /// object's own set and its copies, once it has them. Before that, such a call would
    /// act on some other object's shadow copies, whatever this object's state, so the
    /// diagram says nothing of it there.
    pub const fn targets(self) -> Targets {
        match self {
            Phase::Created => Targets::Any,
            Phase::Initialized | Phase::ContextSet | Phase::MetadataGathered => Targets::Nothing,
            Phase::SetStarted => Targets::Set,
            _ => Targets::SetAndCopies,
        }
    }
}

/// What the shadow copy calls act on in a state ([`Phase::targets`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Targets {
    /// Any shadow copy or set: the object is not initialized, and refuses them all alike.
    Any,
    /// Nothing of the object's own: it has no set yet.
    Nothing,
    /// Its set, which holds no shadow copy yet.
    Set,
    /// Its set and the set's shadow copies: the one it made, or the one its document
    /// describes.
    SetAndCopies,
}

/// The context the drawn lifecycle sets: a transportable hardware shadow copy that keeps
/// (`VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE`), so that its set can be
/// imported on another machine. It decides some refusals: such a set is on no machine
/// until it is imported, so the machine that made it cannot expose, break or delete it.
pub const CONTEXT: Context = Context(0x29);

/// The calls the diagram draws, in the order a backup application makes them.
pub const METHODS: [Method; 16] = [
    Method::InitializeForBackup,
    Method::SetContext,
    Method::GatherWriterMetadata,
    Method::StartSnapshotSet,
    Method::AddToSnapshotSet,
    Method::SetBackupState,
    Method::PrepareForBackup,
    Method::DoSnapshotSet,
    Method::BackupComplete,
    Method::AbortBackup,
    Method::ImportSnapshots,
    Method::ExposeSnapshot,
    Method::UnexposeSnapshot,
    Method::BreakSnapshotSet,
    Method::BreakSnapshotSetEx,
    Method::DeleteSnapshots,
];

/// The calls of [`METHODS`] that act on a shadow copy or a set named in their arguments
/// rather than on the object's own progress: any initialized object may make them, on any
/// shadow copy of its machine.
pub const SHADOW_COPY_METHODS: [Method; 5] = [
    Method::ExposeSnapshot,
    Method::UnexposeSnapshot,
    Method::BreakSnapshotSet,
    Method::BreakSnapshotSetEx,
    Method::DeleteSnapshots,
];

/// Whether a call of [`METHODS`] means something in a state: every call does, but a
/// shadow copy call needs a set or a copy of the object's own to act on
/// ([`Phase::targets`]).
pub fn applies(phase: Phase, method: Method) -> bool {
    if !SHADOW_COPY_METHODS.contains(&method) {
        return true;
    }
    let needs_copy = matches!(method, Method::ExposeSnapshot | Method::UnexposeSnapshot);
    match phase.targets() {
        Targets::Any | Targets::SetAndCopies => true,
        Targets::Set => !needs_copy,
        Targets::Nothing => false,
    }
}

/// A call that succeeds in a state, and the state it leads to (the same one for a call
/// that changes nothing the diagram shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The state it is made in.
    pub from: Phase,
    /// The method, as the SDK names it.
    pub method: Method,
    /// The argument that picks this transition among others of the same method, as the
    /// SDK names it (`NULL` or `bstrXML` for `InitializeForBackup`); `None` for any.
    pub argument: Option<&'static str>,
    /// The state it leads to.
    pub to: Phase,
}

impl Transition {
    /// The call as the diagram labels it: `InitializeForBackup(bstrXML)`.
    pub fn label(&self) -> String {
        match self.argument {
            Some(argument) => format!("{}({argument})", self.method),
            None => self.method.to_string(),
        }
    }
}

/// A transition whatever the call's arguments.
const fn t(from: Phase, method: Method, to: Phase) -> Transition {
    Transition {
        from,
        method,
        argument: None,
        to,
    }
}

/// Every call that succeeds in a state, state by state. The tests reach a state through
/// the transition into it from the latest state before it in [`Phase::ALL`].
pub const TRANSITIONS: &[Transition] = &[
    Transition {
        from: Phase::Created,
        method: Method::InitializeForBackup,
        argument: Some("NULL"),
        to: Phase::Initialized,
    },
    Transition {
        from: Phase::Created,
        method: Method::InitializeForBackup,
        argument: Some("bstrXML"),
        to: Phase::DocumentLoaded,
    },
    t(Phase::Initialized, Method::SetContext, Phase::ContextSet),
    t(
        Phase::Initialized,
        Method::GatherWriterMetadata,
        Phase::MetadataGathered,
    ),
    t(
        Phase::Initialized,
        Method::StartSnapshotSet,
        Phase::SetStarted,
    ),
    t(
        Phase::Initialized,
        Method::SetBackupState,
        Phase::Initialized,
    ),
    t(Phase::Initialized, Method::AbortBackup, Phase::Initialized),
    t(
        Phase::ContextSet,
        Method::GatherWriterMetadata,
        Phase::MetadataGathered,
    ),
    t(
        Phase::ContextSet,
        Method::StartSnapshotSet,
        Phase::SetStarted,
    ),
    t(Phase::ContextSet, Method::SetBackupState, Phase::ContextSet),
    t(Phase::ContextSet, Method::AbortBackup, Phase::ContextSet),
    t(
        Phase::MetadataGathered,
        Method::StartSnapshotSet,
        Phase::SetStarted,
    ),
    t(
        Phase::MetadataGathered,
        Method::SetBackupState,
        Phase::MetadataGathered,
    ),
    t(
        Phase::MetadataGathered,
        Method::AbortBackup,
        Phase::MetadataGathered,
    ),
    t(
        Phase::SetStarted,
        Method::AddToSnapshotSet,
        Phase::VolumesAdded,
    ),
    t(
        Phase::SetStarted,
        Method::DoSnapshotSet,
        Phase::ShadowCopiesMade,
    ),
    t(Phase::SetStarted, Method::SetBackupState, Phase::SetStarted),
    t(Phase::SetStarted, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::VolumesAdded,
        Method::SetBackupState,
        Phase::BackupStateSet,
    ),
    t(
        Phase::VolumesAdded,
        Method::DoSnapshotSet,
        Phase::ShadowCopiesMade,
    ),
    t(
        Phase::VolumesAdded,
        Method::AddToSnapshotSet,
        Phase::VolumesAdded,
    ),
    t(Phase::VolumesAdded, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::BackupStateSet,
        Method::PrepareForBackup,
        Phase::Prepared,
    ),
    t(
        Phase::BackupStateSet,
        Method::DoSnapshotSet,
        Phase::ShadowCopiesMade,
    ),
    t(
        Phase::BackupStateSet,
        Method::AddToSnapshotSet,
        Phase::BackupStateSet,
    ),
    t(
        Phase::BackupStateSet,
        Method::SetBackupState,
        Phase::BackupStateSet,
    ),
    t(Phase::BackupStateSet, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::Prepared,
        Method::DoSnapshotSet,
        Phase::ShadowCopiesMade,
    ),
    t(Phase::Prepared, Method::AddToSnapshotSet, Phase::Prepared),
    t(Phase::Prepared, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::ShadowCopiesMade,
        Method::BackupComplete,
        Phase::BackupCompleted,
    ),
    t(Phase::ShadowCopiesMade, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::BackupCompleted,
        Method::AbortBackup,
        Phase::BackupCompleted,
    ),
    t(Phase::Aborted, Method::AbortBackup, Phase::Aborted),
    t(
        Phase::DocumentLoaded,
        Method::ImportSnapshots,
        Phase::Imported,
    ),
    t(
        Phase::DocumentLoaded,
        Method::SetContext,
        Phase::DocumentLoaded,
    ),
    t(
        Phase::DocumentLoaded,
        Method::GatherWriterMetadata,
        Phase::DocumentLoaded,
    ),
    t(
        Phase::DocumentLoaded,
        Method::SetBackupState,
        Phase::DocumentLoaded,
    ),
    t(
        Phase::DocumentLoaded,
        Method::AbortBackup,
        Phase::DocumentLoaded,
    ),
    t(Phase::Imported, Method::ExposeSnapshot, Phase::Exposed),
    t(Phase::Imported, Method::BreakSnapshotSet, Phase::Broken),
    t(Phase::Imported, Method::BreakSnapshotSetEx, Phase::Broken),
    t(Phase::Imported, Method::DeleteSnapshots, Phase::Deleted),
    t(Phase::Imported, Method::SetContext, Phase::Imported),
    t(
        Phase::Imported,
        Method::GatherWriterMetadata,
        Phase::Imported,
    ),
    t(Phase::Imported, Method::SetBackupState, Phase::Imported),
    t(Phase::Imported, Method::AbortBackup, Phase::Imported),
    t(Phase::Exposed, Method::UnexposeSnapshot, Phase::Imported),
    t(Phase::Exposed, Method::BreakSnapshotSet, Phase::Broken),
    t(Phase::Exposed, Method::BreakSnapshotSetEx, Phase::Broken),
    t(Phase::Exposed, Method::DeleteSnapshots, Phase::Deleted),
    t(Phase::Exposed, Method::SetContext, Phase::Exposed),
    t(Phase::Exposed, Method::GatherWriterMetadata, Phase::Exposed),
    t(Phase::Exposed, Method::SetBackupState, Phase::Exposed),
    t(Phase::Exposed, Method::AbortBackup, Phase::Exposed),
    t(Phase::Broken, Method::SetContext, Phase::Broken),
    t(Phase::Broken, Method::GatherWriterMetadata, Phase::Broken),
    t(Phase::Broken, Method::SetBackupState, Phase::Broken),
    t(Phase::Broken, Method::AbortBackup, Phase::Broken),
    t(Phase::Deleted, Method::SetContext, Phase::Deleted),
    t(Phase::Deleted, Method::GatherWriterMetadata, Phase::Deleted),
    t(Phase::Deleted, Method::SetBackupState, Phase::Deleted),
    t(Phase::Deleted, Method::AbortBackup, Phase::Deleted),
];

/// What a call not drawn from a state gets there, unless [`REFUSALS`] says otherwise.
pub const OTHERWISE: HResult = HResult::VSS_E_BAD_STATE;

/// A call refused in a state with a code other than [`OTHERWISE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// The state.
    pub phase: Phase,
    /// The methods refused alike.
    pub methods: &'static [Method],
    /// The code they get.
    pub code: HResult,
    /// Why, in a few words.
    pub why: &'static str,
}

/// The shadow copy calls that take a set: all there is to act on before a volume is added.
const SET_CALLS: &[Method] = &[
    Method::BreakSnapshotSet,
    Method::BreakSnapshotSetEx,
    Method::DeleteSnapshots,
];
/// Every shadow copy call.
const ALL_COPY_CALLS: &[Method] = &SHADOW_COPY_METHODS;

/// Calls refused in a state because what they name is not on the machine.
const fn not_found(phase: Phase, methods: &'static [Method], why: &'static str) -> Refusal {
    Refusal {
        phase,
        methods,
        code: HResult::VSS_E_OBJECT_NOT_FOUND,
        why,
    }
}

const IMPORTED_ONCE: &[Method] = &[Method::ImportSnapshots];

/// `ImportSnapshots` refused in a state after the import.
const fn imported_once(phase: Phase) -> Refusal {
    Refusal {
        phase,
        methods: IMPORTED_ONCE,
        code: HResult::VSS_E_OBJECT_ALREADY_EXISTS,
        why: "a set imports once",
    }
}

/// The calls refused with a code other than [`OTHERWISE`], state by state.
pub const REFUSALS: &[Refusal] = &[
    not_found(Phase::SetStarted, SET_CALLS, "the set is not made yet"),
    not_found(
        Phase::VolumesAdded,
        ALL_COPY_CALLS,
        "the set is not made yet",
    ),
    not_found(
        Phase::BackupStateSet,
        ALL_COPY_CALLS,
        "the set is not made yet",
    ),
    not_found(Phase::Prepared, ALL_COPY_CALLS, "the set is not made yet"),
    not_found(
        Phase::ShadowCopiesMade,
        ALL_COPY_CALLS,
        "a transportable set is on no machine until it is imported",
    ),
    not_found(
        Phase::BackupCompleted,
        ALL_COPY_CALLS,
        "a transportable set is on no machine until it is imported",
    ),
    not_found(
        Phase::Aborted,
        ALL_COPY_CALLS,
        "its set is on no machine: never made, or transportable and not imported",
    ),
    not_found(
        Phase::DocumentLoaded,
        ALL_COPY_CALLS,
        "the set is not imported yet",
    ),
    imported_once(Phase::Imported),
    not_found(
        Phase::Imported,
        &[Method::UnexposeSnapshot],
        "the shadow copy is not exposed",
    ),
    imported_once(Phase::Exposed),
    Refusal {
        phase: Phase::Exposed,
        methods: &[Method::ExposeSnapshot],
        code: HResult::E_INVALIDARG,
        why: "the shadow copy is exposed already",
    },
    imported_once(Phase::Broken),
    not_found(Phase::Broken, ALL_COPY_CALLS, "VSS no longer knows the set"),
    imported_once(Phase::Deleted),
    not_found(Phase::Deleted, ALL_COPY_CALLS, "the shadow copies are gone"),
];

/// What a call of [`METHODS`] gets in a state, by the tables: the state it leads to, or
/// the code it is refused with (and why, when it is not [`OTHERWISE`]); `None` for a
/// shadow copy call with nothing of the object's own to act on ([`applies`]).
pub fn expected(phase: Phase, method: Method) -> Option<Expected> {
    if let Some(step) = TRANSITIONS
        .iter()
        .find(|t| t.from == phase && t.method == method)
    {
        return Some(Expected::Leads(step.to));
    }
    if !applies(phase, method) {
        return None;
    }
    Some(
        match REFUSALS
            .iter()
            .find(|r| r.phase == phase && r.methods.contains(&method))
        {
            Some(r) => Expected::Refused(r.code, Some(r.why)),
            None => Expected::Refused(OTHERWISE, None),
        },
    )
}

/// What a call gets in a state ([`expected`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// It succeeds and leads to this state.
    Leads(Phase),
    /// It is refused with this code, for this reason when the tables give one.
    Refused(HResult, Option<&'static str>),
}

/// The lifecycle diagram in a format.
pub fn lifecycle(format: Format) -> String {
    match format {
        Format::Mermaid => mermaid_diagram(),
        Format::Dot => dot_diagram(),
        Format::Svg => svg_diagram(),
    }
}

/// The notes that hold for the whole diagram, as paragraphs.
fn general_notes() -> Vec<String> {
    vec![
        format!(
            "The life of one IVssBackupComponents object, for a transportable hardware set: \
             SetContext({CONTEXT}). The document SaveAsXML saves after DoSnapshotSet is \
             what InitializeForBackup(bstrXML) loads on another machine."
        ),
        format!(
            "A call not drawn from a state is refused there with {}, unless the state's note \
             says otherwise.",
            name(OTHERWISE)
        ),
        format!(
            "{} act on any shadow copy of the machine once the object is initialized: they \
             are drawn where the object acts on its own set.",
            names(&SHADOW_COPY_METHODS)
        ),
    ]
}

/// Methods' names, joined by commas.
fn names(methods: &[Method]) -> String {
    let names: Vec<&str> = methods.iter().map(|m| m.name()).collect();
    names.join(", ")
}

/// Paragraphs cut into lines short enough for a note, a paragraph's later lines indented.
fn note_lines(paragraphs: &[String]) -> Vec<String> {
    paragraphs
        .iter()
        .flat_map(|p| {
            wrap(p, NOTE_WIDTH)
                .into_iter()
                .enumerate()
                .map(|(i, line)| if i == 0 { line } else { format!("  {line}") })
        })
        .collect()
}

/// The longest line of a note, in characters.
const NOTE_WIDTH: usize = 72;

/// An HRESULT's name, or its value when it has none.
fn name(hr: HResult) -> String {
    hr.name().map_or_else(|| hr.to_string(), str::to_string)
}

/// The transitions between two different states, with the labels of those sharing both
/// ends joined into one, in table order.
fn moves() -> Vec<(Phase, Phase, String)> {
    let mut moves: Vec<(Phase, Phase, Vec<String>)> = Vec::new();
    for step in TRANSITIONS.iter().filter(|t| t.from != t.to) {
        match moves
            .iter_mut()
            .find(|(from, to, _)| *from == step.from && *to == step.to)
        {
            Some((_, _, labels)) => labels.push(step.label()),
            None => moves.push((step.from, step.to, vec![step.label()])),
        }
    }
    moves
        .into_iter()
        .map(|(from, to, labels)| (from, to, labels.join(", ")))
        .collect()
}

/// What a state's note says: the calls that leave it where it is, and the refusals with a
/// code of their own.
fn phase_notes(phase: Phase) -> Vec<String> {
    let mut notes = Vec::new();
    let stays: Vec<String> = TRANSITIONS
        .iter()
        .filter(|t| t.from == phase && t.to == phase)
        .map(Transition::label)
        .collect();
    if !stays.is_empty() {
        notes.push(format!("stays here: {}", stays.join(", ")));
    }
    for refusal in REFUSALS.iter().filter(|r| r.phase == phase) {
        notes.push(format!(
            "{}: {} ({})",
            names(refusal.methods),
            name(refusal.code),
            refusal.why
        ));
    }
    notes
}

fn mermaid_diagram() -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for phase in Phase::ALL {
        out.push_str(&format!(
            "    state \"{}\" as {}\n",
            mermaid(phase.title()),
            phase.id()
        ));
    }
    out.push_str("    [*] --> Created: CreateVssBackupComponents\n");
    for (from, to, label) in moves() {
        out.push_str(&format!(
            "    {} --> {}: {}\n",
            from.id(),
            to.id(),
            mermaid(&label)
        ));
    }
    let mut note = |side: &str, phase: Phase, paragraphs: &[String]| {
        out.push_str(&format!("    note {side} of {}\n", phase.id()));
        for line in note_lines(paragraphs) {
            out.push_str(&format!("        {}\n", mermaid(&line)));
        }
        out.push_str("    end note\n");
    };
    note("left", Phase::Created, &general_notes());
    for phase in Phase::ALL {
        let notes = phase_notes(phase);
        if !notes.is_empty() {
            note("right", phase, &notes);
        }
    }
    out
}

fn dot_diagram() -> String {
    let mut out = String::from("digraph lifecycle {\n");
    out.push_str("    rankdir=TB;\n");
    out.push_str("    node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str("    edge [fontname=\"Helvetica\", fontsize=10];\n");
    out.push_str(&format!(
        "    notes [shape=note, style=\"\", label=\"{}\"];\n",
        dot_lines(&note_lines(&general_notes()))
    ));
    out.push_str("    start [shape=point];\n");
    for phase in Phase::ALL {
        let mut lines = vec![phase.title().to_string()];
        lines.extend(note_lines(&phase_notes(phase)));
        out.push_str(&format!(
            "    {} [label=\"{}\"];\n",
            phase.id(),
            dot_lines(&lines)
        ));
    }
    out.push_str("    start -> Created [label=\"CreateVssBackupComponents\"];\n");
    for (from, to, label) in moves() {
        out.push_str(&format!(
            "    {} -> {} [label=\"{}\"];\n",
            from.id(),
            to.id(),
            dot_lines(&[label])
        ));
    }
    out.push_str("}\n");
    out
}

/// The SVG form: one row per state, with the calls that lead on from it and those
/// refused there.
fn svg_diagram() -> String {
    let header = ["state", "succeeds here, and leads to", "refused here"]
        .map(|h| Cell::new(vec![h.to_string()], Style::Header))
        .to_vec();
    let mut rows = vec![header];
    for phase in Phase::ALL {
        let leads: Vec<String> = TRANSITIONS
            .iter()
            .filter(|t| t.from == phase)
            .map(|t| match t.to == phase {
                true => format!("{}: stays", t.label()),
                false => format!("{} -> {}", t.label(), t.to.title()),
            })
            .collect();
        // The refused calls, grouped by code and reason in the order of METHODS.
        let mut refused: Vec<(String, Vec<Method>)> = Vec::new();
        for method in METHODS {
            if let Some(Expected::Refused(code, why)) = expected(phase, method) {
                let key = match why {
                    Some(why) => format!("{} ({why})", name(code)),
                    None => name(code),
                };
                match refused.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, methods)) => methods.push(method),
                    None => refused.push((key, vec![method])),
                }
            }
        }
        let refused: Vec<String> = refused
            .into_iter()
            .flat_map(|(key, methods)| {
                let mut lines = vec![format!("{key}:")];
                lines.extend(
                    wrap(&names(&methods), 60)
                        .into_iter()
                        .map(|l| format!("  {l}")),
                );
                lines
            })
            .collect();
        rows.push(vec![
            Cell::new(vec![phase.title().to_string()], Style::Header),
            Cell::new(leads, Style::Allowed),
            Cell::new(refused, Style::Quiet),
        ]);
    }
    Table {
        title: "The life of one IVssBackupComponents object".to_string(),
        rows,
        notes: note_lines(&general_notes()),
    }
    .render()
}

#[cfg(test)]
mod tests;
