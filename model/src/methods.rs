//! The VSS methods the project models, each with the return codes Microsoft documents for it.
//!
//! The table serves two readers: `vss-sim explain <MethodName>`, which prints a method's
//! summary and codes, and the coverage test, which checks that every documented code of every
//! requester method is reached by some test. The codes come from the "valid return codes"
//! tables of the Windows SDK pages, which vss-behaviour.md §2.3 (requester), §5.2, §5.3 and
//! §5.6 (providers) list. Those sections leave some lists out: those were taken from the SDK
//! pages themselves (MicrosoftDocs/sdk-api). Codes that a page only mentions for old systems
//! (`E_NOTIMPL` from `SetContext` on Windows XP, `E_INVALIDARG` from `Wait` on Windows Server
//! 2003) are not listed as codes; the summaries mention them.
//!
//! Every `when` text is short and says, for an asynchronous method, whether the code is the
//! call's own return ("directly") or arrives through `IVssAsync::QueryStatus`.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

use crate::hresult::HResult;

/// Which interface a method belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Interface {
    /// `IVssBackupComponents` (vsbackup.h): the requester object.
    IVssBackupComponents,
    /// `IVssBackupComponentsEx2` (vsbackup.h): break with options and unexpose.
    IVssBackupComponentsEx2,
    /// `IVssAsync` (vss.h): the handle of an asynchronous operation.
    IVssAsync,
    /// `IVssProviderCreateSnapshotSet` (vsprov.h): the commit sequence every provider follows.
    IVssProviderCreateSnapshotSet,
    /// `IVssSoftwareSnapshotProvider` (vsprov.h): what VSS asks of a software provider.
    IVssSoftwareSnapshotProvider,
    /// `IVssHardwareSnapshotProvider` (vsprov.h): what VSS asks of a hardware provider.
    IVssHardwareSnapshotProvider,
    /// `IVssHardwareSnapshotProviderEx` (vsprov.h): the later hardware provider calls.
    IVssHardwareSnapshotProviderEx,
}

impl Interface {
    /// Every interface, requester side first.
    pub const ALL: &'static [Interface] = &[
        Interface::IVssBackupComponents,
        Interface::IVssBackupComponentsEx2,
        Interface::IVssAsync,
        Interface::IVssProviderCreateSnapshotSet,
        Interface::IVssSoftwareSnapshotProvider,
        Interface::IVssHardwareSnapshotProvider,
        Interface::IVssHardwareSnapshotProviderEx,
    ];

    /// The interface's name as the SDK spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Interface::IVssBackupComponents => "IVssBackupComponents",
            Interface::IVssBackupComponentsEx2 => "IVssBackupComponentsEx2",
            Interface::IVssAsync => "IVssAsync",
            Interface::IVssProviderCreateSnapshotSet => "IVssProviderCreateSnapshotSet",
            Interface::IVssSoftwareSnapshotProvider => "IVssSoftwareSnapshotProvider",
            Interface::IVssHardwareSnapshotProvider => "IVssHardwareSnapshotProvider",
            Interface::IVssHardwareSnapshotProviderEx => "IVssHardwareSnapshotProviderEx",
        }
    }

    /// Whether a backup application calls this interface (rather than VSS calling a
    /// provider through it).
    pub const fn is_requester(self) -> bool {
        matches!(
            self,
            Interface::IVssBackupComponents
                | Interface::IVssBackupComponentsEx2
                | Interface::IVssAsync
        )
    }

    /// Looks an interface up by name, case-insensitively.
    pub fn from_name(name: &str) -> Option<Interface> {
        Interface::ALL
            .iter()
            .copied()
            .find(|i| i.name().eq_ignore_ascii_case(name.trim()))
    }
}

impl fmt::Display for Interface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a test can make the method return a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Reach {
    /// By an ordinary sequence of calls and environment steps.
    Natural,
    /// Only through the COM ABI, e.g. a NULL out-pointer (`E_INVALIDARG` for a null
    /// `ppAsync`); a safe Rust API cannot pass one.
    AbiOnly,
    /// A failure inside the service itself (out of memory, an unexpected internal error, the
    /// writer infrastructure being down): reached by injecting it.
    Injected,
}

impl Reach {
    /// A short label for listings: `natural`, `ABI only` or `injected`.
    pub const fn label(self) -> &'static str {
        match self {
            Reach::Natural => "natural",
            Reach::AbiOnly => "ABI only",
            Reach::Injected => "injected",
        }
    }
}

impl fmt::Display for Reach {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// One return code a method's documentation lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentedCode {
    /// The code.
    pub code: HResult,
    /// When the method returns it, in a few words.
    pub when: &'static str,
    /// How a test can bring it about.
    pub reach: Reach,
}

/// One modelled VSS method and its documented return codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodInfo {
    /// The method.
    pub method: Method,
    /// The method's name as the SDK spells it, e.g. `DoSnapshotSet`.
    pub name: &'static str,
    /// The interface that declares it.
    pub interface: Interface,
    /// Whether it hands back an `IVssAsync` for an operation that goes on after the call.
    pub asynchronous: bool,
    /// What the method does, in a sentence or two.
    pub summary: &'static str,
    /// The documented return codes, in the order of the method's page.
    pub codes: &'static [DocumentedCode],
}

impl MethodInfo {
    /// `Interface::Method`, e.g. `IVssBackupComponents::DoSnapshotSet`.
    pub fn qualified_name(&self) -> String {
        format!("{}::{}", self.interface.name(), self.name)
    }

    /// What the documentation says about one code, if it lists it for this method.
    pub fn code(&self, code: HResult) -> Option<&'static DocumentedCode> {
        self.codes.iter().find(|c| c.code == code)
    }

    /// Whether the documentation lists this code for this method.
    pub fn documents(&self, code: HResult) -> bool {
        self.code(code).is_some()
    }

    /// What a failure the method does not document reaches the requester as: the code its
    /// page gives for an internal error, `VSS_E_UNEXPECTED` on most pages, `E_FAIL` on the
    /// revert pages, which list no `VSS_E_UNEXPECTED`.
    pub fn internal_error(&self) -> HResult {
        if self.documents(HResult::VSS_E_UNEXPECTED) || !self.documents(HResult::E_FAIL) {
            HResult::VSS_E_UNEXPECTED
        } else {
            HResult::E_FAIL
        }
    }
}

impl fmt::Display for MethodInfo {
    /// `Interface::Method`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.interface.name(), self.name)
    }
}

/// Provider return codes VSS passes on as they are; any other failure becomes
/// `VSS_E_UNEXPECTED_PROVIDER_ERROR`.
pub const PROVIDER_CODES: [HResult; 15] = [
    HResult::S_OK,
    HResult::E_OUTOFMEMORY,
    HResult::E_INVALIDARG,
    HResult::E_ACCESSDENIED,
    HResult::VSS_E_BAD_STATE,
    HResult::VSS_E_OBJECT_NOT_FOUND,
    HResult::VSS_E_INSUFFICIENT_STORAGE,
    HResult::VSS_E_VOLUME_NOT_SUPPORTED,
    HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER,
    HResult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED,
    HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED,
    HResult::VSS_E_NESTED_VOLUME_LIMIT,
    HResult::VSS_E_UNSUPPORTED_CONTEXT,
    HResult::VSS_E_PROVIDER_VETO,
    HResult::VSS_E_CANNOT_REVERT_DISKID,
];

/// Codes a requester method returns here although its page does not list them, each an
/// INFERRED choice recorded in `docs/assumptions.md`. `DoSnapshotSet` also passes on every
/// code of the provider contract ([`PROVIDER_CODES`]), as the provider error rules say.
pub const INFERRED_CODES: [(Method, HResult); 7] = [
    (
        Method::AddToSnapshotSet,
        HResult::VSS_E_OBJECT_ALREADY_EXISTS,
    ),
    (Method::AddComponent, HResult::VSS_E_OBJECT_NOT_FOUND),
    (Method::ImportSnapshots, HResult::VSS_E_NONTRANSPORTABLE_BCD),
    (
        Method::ImportSnapshots,
        HResult::VSS_E_NO_SNAPSHOTS_IMPORTED,
    ),
    (
        Method::ImportSnapshots,
        HResult::VSS_E_OBJECT_ALREADY_EXISTS,
    ),
    (Method::BreakSnapshotSetEx, HResult::VSS_E_LEGACY_PROVIDER),
    (Method::QueryRevertStatus, HResult::VSS_E_REVERT_VOLUME_LOST),
];

/// Whether a requester method may return a failure: its page lists it, it is one of the
/// [`INFERRED_CODES`], `choices` names it for that method (the codes a world's policy picks
/// where the documentation leaves the code open), or the object is gone
/// (`RPC_E_DISCONNECTED`). `DoSnapshotSet` passes on every [`PROVIDER_CODES`] code; `Wait`
/// and `Cancel` pass on the operation's own error. A provider method may return anything.
pub fn may_return(method: Method, hr: HResult, choices: &[(Method, HResult)]) -> bool {
    if !method.interface().is_requester() {
        return true;
    }
    let passed_on = match method {
        Method::DoSnapshotSet => PROVIDER_CODES.contains(&hr),
        Method::Wait | Method::Cancel => true,
        _ => false,
    };
    hr == HResult::RPC_E_DISCONNECTED
        || method.info().documents(hr)
        || passed_on
        || choices.contains(&(method, hr))
        || INFERRED_CODES.contains(&(method, hr))
}

/// Looks a method up by name, case-insensitively; also accepts "Interface::Method".
///
/// A plain name that several interfaces share (`SetContext`, `Query`, `BeginPrepareSnapshot`)
/// finds the first in [`METHODS`], which lists the requester interfaces first.
pub fn method(name: &str) -> Option<&'static MethodInfo> {
    let name = name.trim();
    match name.split_once("::") {
        Some((interface, method)) => {
            let interface = Interface::from_name(interface)?;
            rows_named(method.trim())
                .iter()
                .copied()
                .find(|m| m.interface == interface)
        }
        None => rows_named(name).first().copied(),
    }
}

/// Two names compared as ASCII text without case.
fn cmp_folded(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|b| b.to_ascii_lowercase())
        .cmp(b.bytes().map(|b| b.to_ascii_lowercase()))
}

/// The rows of the table named `name` (case aside), in the table's order: found by a binary
/// search of the rows sorted by name, made once, rather than a walk over every row, since
/// every scenario step and every call names its method.
fn rows_named(name: &str) -> &'static [&'static MethodInfo] {
    static BY_NAME: OnceLock<Vec<&'static MethodInfo>> = OnceLock::new();
    let rows = BY_NAME.get_or_init(|| {
        let mut rows: Vec<_> = METHODS.iter().collect();
        rows.sort_by(|a, b| cmp_folded(a.name, b.name).then(a.method.cmp(&b.method)));
        rows
    });
    let start = rows.partition_point(|m| cmp_folded(m.name, name) == Ordering::Less);
    let end = rows.partition_point(|m| cmp_folded(m.name, name) != Ordering::Greater);
    &rows[start..end]
}

/// The methods a backup application calls (`IVssBackupComponents`, `…Ex2`, `IVssAsync`).
pub fn requester_methods() -> impl Iterator<Item = &'static MethodInfo> {
    METHODS.iter().filter(|m| m.interface.is_requester())
}

const fn natural(code: HResult, when: &'static str) -> DocumentedCode {
    DocumentedCode {
        code,
        when,
        reach: Reach::Natural,
    }
}

const fn abi_only(code: HResult, when: &'static str) -> DocumentedCode {
    DocumentedCode {
        code,
        when,
        reach: Reach::AbiOnly,
    }
}

const fn injected(code: HResult, when: &'static str) -> DocumentedCode {
    DocumentedCode {
        code,
        when,
        reach: Reach::Injected,
    }
}

// Entries many requester methods share.

const ACCESS_DENIED: DocumentedCode = natural(
    HResult::E_ACCESSDENIED,
    "The caller is neither an administrator nor a backup operator.",
);
const ACCESS_DENIED_DIRECT: DocumentedCode = natural(
    HResult::E_ACCESSDENIED,
    "The caller is neither an administrator nor a backup operator (directly).",
);
const OUT_OF_MEMORY: DocumentedCode = injected(
    HResult::E_OUTOFMEMORY,
    "The service ran out of memory or another system resource.",
);
const OUT_OF_MEMORY_ASYNC: DocumentedCode = injected(
    HResult::E_OUTOFMEMORY,
    "The service ran out of memory or another system resource (directly or through QueryStatus).",
);
const UNEXPECTED: DocumentedCode = injected(
    HResult::VSS_E_UNEXPECTED,
    "An internal failure of the service, logged in the event log (E_UNEXPECTED before Windows 7 and Server 2008 R2).",
);
const UNEXPECTED_ASYNC: DocumentedCode = injected(
    HResult::VSS_E_UNEXPECTED,
    "An internal failure of the service, logged in the event log (directly or through QueryStatus).",
);
const INTERNAL_ERROR: DocumentedCode = injected(
    HResult::E_FAIL,
    "An internal error of the service: the revert pages list E_FAIL where the others list VSS_E_UNEXPECTED.",
);
const BAD_STATE: DocumentedCode = natural(
    HResult::VSS_E_BAD_STATE,
    "The object is not initialized for backup, is doing a restore, or the call comes out of sequence.",
);
const BAD_STATE_DIRECT: DocumentedCode = natural(
    HResult::VSS_E_BAD_STATE,
    "The object is not initialized for backup, is doing a restore, or the call comes out of sequence (directly).",
);
const NULL_ASYNC: DocumentedCode = abi_only(
    HResult::E_INVALIDARG,
    "ppAsync is NULL, so no IVssAsync can be handed back (directly).",
);
const ASYNC_STARTED: DocumentedCode = natural(
    HResult::S_OK,
    "The operation started; QueryStatus on the returned IVssAsync gives its outcome (directly).",
);
// Entries of the methods that read a count, then each writer's part (GetWriterStatus,
// GetWriterMetadata, GetWriterComponents).

const NULL_OUT: DocumentedCode = abi_only(HResult::E_INVALIDARG, "An out-pointer is NULL.");
const WRITER_PAST_THE_END: DocumentedCode = abi_only(
    HResult::VSS_E_OBJECT_NOT_FOUND,
    "The index is past the number of writers; reading them all never passes one.",
);
const PROVIDER_VETO: DocumentedCode = natural(
    HResult::VSS_E_PROVIDER_VETO,
    "The provider failed the request and logged why.",
);
const UNEXPECTED_PROVIDER_ERROR: DocumentedCode = natural(
    HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
    "The provider answered with a code outside its contract, which the service translated.",
);
const NESTED_VOLUME_LIMIT: DocumentedCode = injected(
    HResult::VSS_E_NESTED_VOLUME_LIMIT,
    "The volume is nested too deeply (a VHD inside a VHD); simulated worlds have none, so it is injected.",
);

// Entries the provider methods share.

const PROVIDER_OUT_OF_MEMORY: DocumentedCode = injected(
    HResult::E_OUTOFMEMORY,
    "The provider ran out of memory or another system resource.",
);
const PROVIDER_INVALID_ARG: DocumentedCode = natural(
    HResult::E_INVALIDARG,
    "VSS passed an argument the provider finds not valid.",
);
const PROVIDER_ACCESS_DENIED: DocumentedCode = natural(
    HResult::E_ACCESSDENIED,
    "The caller lacks backup rights or administrator membership.",
);
const PROVIDER_UNEXPECTED: DocumentedCode = injected(
    HResult::VSS_E_UNEXPECTED,
    "An internal failure inside the provider, logged in the event log.",
);
const PROVIDER_SET_NOT_FOUND: DocumentedCode = natural(
    HResult::VSS_E_OBJECT_NOT_FOUND,
    "The shadow copy set id is not one the provider is working on.",
);
const PROVIDER_OK_SET: DocumentedCode = natural(
    HResult::S_OK,
    "The provider finished this step for the set.",
);

/// Writes the method table and, from the same rows, the [`Method`] enum: one variant per
/// row, so that a method named anywhere in the code is one the table documents.
macro_rules! method_table {
    ($(
        $variant:ident => $interface:ident :: $name:literal {
            asynchronous: $asynchronous:expr,
            summary: $summary:expr,
            codes: $codes:expr $(,)?
        }
    ),* $(,)?) => {
        /// A VSS method the project models: one of the requester's (`IVssBackupComponents`,
        /// `IVssBackupComponentsEx2`, `IVssAsync`) or of a provider's (vsprov.h). Methods of
        /// the same name on two interfaces are two variants: the provider's are prefixed with
        /// the provider kind (`SoftwareSetContext`, `HardwareBeginPrepareSnapshot`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Method {
            $(
                #[doc = concat!("`", stringify!($interface), "::", $name, "`.")]
                $variant,
            )*
        }

        impl Method {
            /// Every method, in the table's order: requester interfaces first.
            pub const ALL: &'static [Method] = &[$(Method::$variant),*];
        }

        /// Every modelled method: requester interfaces first, then the provider interfaces.
        pub const METHODS: &[MethodInfo] = &[$(
            MethodInfo {
                method: Method::$variant,
                name: $name,
                interface: Interface::$interface,
                asynchronous: $asynchronous,
                summary: $summary,
                codes: $codes,
            }
        ),*];
    };
}

impl Method {
    /// What the table says of the method.
    pub fn info(self) -> &'static MethodInfo {
        // The table and the enum come from the same rows, in the same order.
        &METHODS[self as usize]
    }

    /// Its name as the SDK spells it, e.g. `DoSnapshotSet`.
    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The interface that declares it.
    pub fn interface(self) -> Interface {
        self.info().interface
    }

    /// Whether it hands back an `IVssAsync`.
    pub fn is_asynchronous(self) -> bool {
        self.info().asynchronous
    }

    /// Looks a method up by name as [`method`] does (case-insensitively, requester methods
    /// first, or `Interface::Method`).
    pub fn from_name(name: &str) -> Option<Method> {
        method(name).map(|info| info.method)
    }

    /// The provider method of this name, case-insensitively: the first of the provider
    /// interfaces' rows (the software provider's `BeginPrepareSnapshot` before the hardware
    /// provider's).
    pub fn provider(name: &str) -> Option<Method> {
        rows_named(name)
            .iter()
            .find(|info| !info.interface.is_requester())
            .map(|info| info.method)
    }

    /// The requester method of this name, exactly as the SDK spells it.
    pub fn requester(name: &str) -> Option<Method> {
        rows_named(name)
            .iter()
            .find(|info| info.interface.is_requester() && info.name == name)
            .map(|info| info.method)
    }
}

impl fmt::Display for Method {
    /// The SDK name, e.g. `DoSnapshotSet`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

method_table! {
    // ---- IVssBackupComponents -------------------------------------------------------------
    InitializeForBackup => IVssBackupComponents::"InitializeForBackup" {
        asynchronous: false,
        summary: "Readies a fresh requester object for a backup with an empty backup components \
                  document, or loads a document saved earlier by SaveAsXML, as importing a \
                  transportable set requires. It must be the first call on the object.",
        codes: &[
            natural(
                HResult::S_OK,
                "The object is set up for backup, with an empty or a loaded document.",
            ),
            ACCESS_DENIED,
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "The object was already initialized, for backup or for restore.",
            ),
            natural(
                HResult::VSS_E_INVALID_XML_DOCUMENT,
                "The document passed in is malformed or does not fit the schema.",
            ),
            UNEXPECTED,
        ],
    },
    SetContext => IVssBackupComponents::"SetContext" {
        asynchronous: false,
        summary: "Chooses the context (kind of shadow copy, with optional attribute bits) for \
                  later creation, query and deletion; without it the context is VSS_CTX_BACKUP. \
                  Allowed once per object. On Windows XP it returns E_NOTIMPL.",
        codes: &[
            natural(HResult::S_OK, "The context is set."),
            natural(
                HResult::E_INVALIDARG,
                "The value is no known context, or adds attribute bits that context forbids.",
            ),
            natural(
                HResult::VSS_E_BAD_STATE,
                "The object is not initialized for backup, or its context was already set.",
            ),
            UNEXPECTED,
        ],
    },
    SetBackupState => IVssBackupComponents::"SetBackupState" {
        asynchronous: false,
        summary: "Records how the backup will run: component mode or not, bootable system \
                  state, the backup type and partial-file support. Needed before \
                  PrepareForBackup.",
        codes: &[
            natural(HResult::S_OK, "The backup settings are recorded."),
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid, such as a backup type outside VSS_BACKUP_TYPE.",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            injected(
                HResult::VSS_E_INVALID_XML_DOCUMENT,
                "The backup components document the object holds is not valid; a loaded document is checked when it is loaded, so here it is injected.",
            ),
            UNEXPECTED,
        ],
    },
    GatherWriterMetadata => IVssBackupComponents::"GatherWriterMetadata" {
        asynchronous: true,
        summary: "Sends the Identify event so that every writer describes its data; the \
                  metadata is readable once the operation finishes. Once per object, and \
                  required before DoSnapshotSet in contexts that involve writers.",
        codes: &[
            ASYNC_STARTED,
            ACCESS_DENIED_DIRECT,
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            natural(
                HResult::VSS_E_BAD_STATE,
                "Not initialized for backup, metadata already gathered, or out of sequence (directly).",
            ),
            injected(
                HResult::VSS_E_WRITER_INFRASTRUCTURE,
                "The writer machinery (Event System, VSS service) is not working (directly or through QueryStatus).",
            ),
            UNEXPECTED_ASYNC,
        ],
    },
    GatherWriterStatus => IVssBackupComponents::"GatherWriterStatus" {
        asynchronous: true,
        summary: "Asks every writer for its current state and last error; the statuses are \
                  readable once the operation finishes.",
        codes: &[
            ASYNC_STARTED,
            ACCESS_DENIED_DIRECT,
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            BAD_STATE_DIRECT,
            injected(
                HResult::VSS_E_WRITER_INFRASTRUCTURE,
                "The writer machinery (Event System, VSS service) is not working (directly or through QueryStatus).",
            ),
            UNEXPECTED_ASYNC,
        ],
    },
    GetWriterStatus => IVssBackupComponents::"GetWriterStatus" {
        asynchronous: false,
        summary: "Reads one writer's status (with GetWriterStatusCount, every writer's) as the \
                  last GatherWriterStatus found it: name, ids, state and failure.",
        codes: &[
            natural(HResult::S_OK, "The status is returned."),
            NULL_OUT,
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "GatherWriterStatus has not been called, or its operation has not finished.",
            ),
            WRITER_PAST_THE_END,
            UNEXPECTED,
        ],
    },
    GetWriterMetadata => IVssBackupComponents::"GetWriterMetadata" {
        asynchronous: false,
        summary: "Reads what each writer said of itself at Identify (with GetWriterMetadataCount, \
                  every writer's): its identity, restore method, excluded files and \
                  components, through an IVssExamineWriterMetadata per writer.",
        codes: &[
            natural(HResult::S_OK, "The metadata is returned."),
            NULL_OUT,
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "GatherWriterMetadata has not been called or has not finished, or FreeWriterMetadata gave the metadata up.",
            ),
            injected(
                HResult::VSS_E_INVALID_XML_DOCUMENT,
                "A writer's metadata document is not valid; simulated writers always give valid ones, so it is injected.",
            ),
            WRITER_PAST_THE_END,
            UNEXPECTED,
        ],
    },
    FreeWriterMetadata => IVssBackupComponents::"FreeWriterMetadata" {
        asynchronous: false,
        summary: "Gives up the writer metadata GatherWriterMetadata gathered; the object cannot \
                  read it again. The page lists no code for an internal failure.",
        codes: &[
            natural(HResult::S_OK, "The metadata is freed (or was already)."),
            natural(
                HResult::VSS_E_BAD_STATE,
                "The object is not initialized, or GatherWriterMetadata has not finished.",
            ),
        ],
    },
    AddComponent => IVssBackupComponents::"AddComponent" {
        asynchronous: false,
        summary: "Selects a component of a writer for the backup: it enters the backup \
                  components document, which the writers read at PrepareForBackup. Meaningful \
                  in component mode; each logical path and name once per writer instance.",
        codes: &[
            natural(HResult::S_OK, "The component is in the document."),
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid: an empty name, or a type that is no VSS_COMPONENT_TYPE or not the component's.",
            ),
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "Not initialized, no writer metadata gathered, a context without writers, or too late (after PrepareForBackup).",
            ),
            injected(
                HResult::VSS_E_INVALID_XML_DOCUMENT,
                "The backup components document is not valid; the simulator's always is, so it is injected.",
            ),
            natural(
                HResult::VSS_E_OBJECT_ALREADY_EXISTS,
                "The writer instance has a component of that logical path and name in the document already.",
            ),
            UNEXPECTED,
        ],
    },
    SetBackupSucceeded => IVssBackupComponents::"SetBackupSucceeded" {
        asynchronous: false,
        summary: "Records in the backup components document whether a selected component was \
                  backed up, for its writer to read at BackupComplete. Only after a successful \
                  DoSnapshotSet and before BackupComplete.",
        codes: &[
            natural(HResult::S_OK, "The component's backup state is recorded."),
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid: an empty name, or a type that is no VSS_COMPONENT_TYPE or not the component's.",
            ),
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "Not initialized, no successful DoSnapshotSet, or the backup already completed or aborted.",
            ),
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The document has no such component: AddComponent never added it.",
            ),
            injected(
                HResult::VSS_E_INVALID_XML_DOCUMENT,
                "The backup components document is not valid; the simulator's always is, so it is injected.",
            ),
            UNEXPECTED,
        ],
    },
    GetWriterComponents => IVssBackupComponents::"GetWriterComponents" {
        asynchronous: false,
        summary: "Reads the components the backup components document holds (with \
                  GetWriterComponentsCount, every writer's), through an \
                  IVssWriterComponentsExt per writer: type, logical path, name and whether \
                  the backup succeeded.",
        codes: &[
            natural(HResult::S_OK, "The components are returned."),
            NULL_OUT,
            OUT_OF_MEMORY,
            natural(HResult::VSS_E_BAD_STATE, "The object is not initialized."),
            WRITER_PAST_THE_END,
            UNEXPECTED,
        ],
    },
    StartSnapshotSet => IVssBackupComponents::"StartSnapshotSet" {
        asynchronous: false,
        summary: "Opens a new, empty shadow copy set and returns its id. From here until \
                  DoSnapshotSet returns, no other creation can start on the machine.",
        codes: &[
            natural(HResult::S_OK, "The set is open and its id returned."),
            abi_only(
                HResult::E_INVALIDARG,
                "The out-pointer for the set id is NULL (the only argument).",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_SNAPSHOT_SET_IN_PROGRESS,
                "Another shadow copy creation is already under way on the machine.",
            ),
            UNEXPECTED,
        ],
    },
    AddToSnapshotSet => IVssBackupComponents::"AddToSnapshotSet" {
        asynchronous: false,
        summary: "Adds a volume (or, from Windows 8, a file share) to the open set, picks the \
                  provider that will copy it and returns the new shadow copy's id. At most 64 \
                  volumes per set.",
        codes: &[
            natural(
                HResult::S_OK,
                "The volume joined the set; the new shadow copy id is returned.",
            ),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid, such as a volume name without its trailing backslash.",
            ),
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "No set is open on the object, or the set is already being or has been created.",
            ),
            natural(
                HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED,
                "The set already holds as many volumes as allowed (64).",
            ),
            natural(
                HResult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED,
                "The volume already has as many shadow copies as its provider allows.",
            ),
            NESTED_VOLUME_LIMIT,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No volume or share of that name exists.",
            ),
            natural(
                HResult::VSS_E_PROVIDER_NOT_REGISTERED,
                "The provider id given is not a registered provider.",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "The chosen provider failed while checking or preparing the volume.",
            ),
            injected(
                HResult::VSS_E_SNAPSHOT_SET_IN_PROGRESS,
                "A cluster shared volume or scale-out share is being added from another node too; no clusters are simulated, so it is injected.",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED,
                "GUID_NULL was given and no provider can copy the volume in this context.",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER,
                "The provider named cannot copy this volume in this context.",
            ),
            UNEXPECTED,
            natural(
                HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
                "The provider answered outside its contract; the call is synchronous, so directly.",
            ),
        ],
    },
    PrepareForBackup => IVssBackupComponents::"PrepareForBackup" {
        asynchronous: true,
        summary: "Sends the PrepareForBackup event so that writers get ready and can see the \
                  backup components document. Needs SetBackupState and an open set, and only \
                  applies to contexts with writers.",
        codes: &[
            ASYNC_STARTED,
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            natural(
                HResult::VSS_E_BAD_STATE,
                "No SetBackupState or open set, a context without writers, or out of sequence (directly).",
            ),
            UNEXPECTED_ASYNC,
        ],
    },
    DoSnapshotSet => IVssBackupComponents::"DoSnapshotSet" {
        asynchronous: true,
        summary: "Creates every shadow copy of the set at one point in time: writers freeze and \
                  thaw around the providers' commit. Non-transportable hardware copies are \
                  imported on the spot.",
        codes: &[
            ASYNC_STARTED,
            natural(
                HResult::E_ACCESSDENIED,
                "The caller is neither an administrator nor a backup operator (directly or through QueryStatus).",
            ),
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            natural(
                HResult::VSS_E_BAD_STATE,
                "Not initialized, no open set, or writer metadata not gathered in a writer context (directly or through QueryStatus).",
            ),
            natural(
                HResult::VSS_E_INSUFFICIENT_STORAGE,
                "Not enough space for the shadow copy data (through QueryStatus only).",
            ),
            injected(
                HResult::VSS_E_FLUSH_WRITES_TIMEOUT,
                "Pending writes could not be flushed in time (directly or through QueryStatus).",
            ),
            injected(
                HResult::VSS_E_HOLD_WRITES_TIMEOUT,
                "Writes could not be held long enough for the commit (directly or through QueryStatus).",
            ),
            injected(
                HResult::VSS_E_NESTED_VOLUME_LIMIT,
                "A volume is nested too deeply (VHD in VHD); none in simulated worlds (directly or through QueryStatus).",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "A provider refused a step of the creation (through QueryStatus only).",
            ),
            injected(
                HResult::VSS_E_REBOOT_REQUIRED,
                "A provider hit an error that needs a restart (directly or through QueryStatus).",
            ),
            injected(
                HResult::VSS_E_TRANSACTION_FREEZE_TIMEOUT,
                "The transaction managers (DTC, KTM) could not be frozen (directly or through QueryStatus).",
            ),
            injected(
                HResult::VSS_E_TRANSACTION_THAW_TIMEOUT,
                "The transaction managers (DTC, KTM) could not be thawed (directly or through QueryStatus).",
            ),
            UNEXPECTED_ASYNC,
            natural(
                HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
                "A provider answered outside its contract, e.g. E_FAIL from a commit (through QueryStatus only).",
            ),
        ],
    },
    BackupComplete => IVssBackupComponents::"BackupComplete" {
        asynchronous: true,
        summary: "Sends the BackupComplete event so that writers learn the backup is over (and, \
                  in component mode, which components succeeded). Only after a successful \
                  DoSnapshotSet, and only in contexts with writers.",
        codes: &[
            ASYNC_STARTED,
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            natural(
                HResult::VSS_E_BAD_STATE,
                "No successful DoSnapshotSet, a context without writers, or out of sequence (directly).",
            ),
            UNEXPECTED_ASYNC,
            injected(
                HResult::VSS_E_UNEXPECTED_WRITER_ERROR,
                "The event could not be delivered to the writers (directly or through QueryStatus).",
            ),
        ],
    },
    AbortBackup => IVssBackupComponents::"AbortBackup" {
        asynchronous: false,
        summary: "Tells writers (through the Abort event) that the backup is being given up. \
                  Required when a backup stops between StartSnapshotSet and the end of \
                  DoSnapshotSet; ignored when nothing is under way.",
        codes: &[
            natural(
                HResult::S_OK,
                "The abort was sent, or nothing was under way and the call was ignored.",
            ),
            OUT_OF_MEMORY,
            natural(HResult::VSS_E_BAD_STATE, "The object is not initialized."),
            UNEXPECTED,
        ],
    },
    GetSnapshotProperties => IVssBackupComponents::"GetSnapshotProperties" {
        asynchronous: false,
        summary: "Returns the VSS_SNAPSHOT_PROP of one completed shadow copy: its ids, devices, \
                  attributes, state and provider.",
        codes: &[
            natural(HResult::S_OK, "The properties are returned."),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid; the page names none (a GUID_NULL id is the likely case).",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No such shadow copy: never made, deleted, released, or still being created.",
            ),
            PROVIDER_VETO,
            UNEXPECTED,
            UNEXPECTED_PROVIDER_ERROR,
        ],
    },
    Query => IVssBackupComponents::"Query" {
        asynchronous: false,
        summary: "Lists the registered providers, or the completed shadow copies visible in the \
                  object's context (VSS_CTX_ALL sees every one).",
        codes: &[
            natural(HResult::S_OK, "The enumeration is returned."),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The queried id is not GUID_NULL, the queried type is not VSS_OBJECT_NONE, or the returned type is wrong.",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The object queried for does not exist.",
            ),
            PROVIDER_VETO,
            UNEXPECTED,
            UNEXPECTED_PROVIDER_ERROR,
        ],
    },
    DeleteSnapshots => IVssBackupComponents::"DeleteSnapshots" {
        asynchronous: false,
        summary: "Deletes one shadow copy or every copy of a set, one after the other, stopping \
                  at the first failure and naming the copy it could not delete.",
        codes: &[
            natural(
                HResult::S_OK,
                "Everything asked for was deleted; the non-deleted id is GUID_NULL.",
            ),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The object type is neither VSS_OBJECT_SNAPSHOT nor VSS_OBJECT_SNAPSHOT_SET.",
            ),
            OUT_OF_MEMORY,
            UNEXPECTED,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No shadow copy or set has that id.",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "A provider failed to delete a copy; deletion stops at that copy.",
            ),
            natural(
                HResult::VSS_E_UNEXPECTED_PROVIDER_ERROR,
                "A provider answered outside its contract while deleting; deletion stops there.",
            ),
        ],
    },
    SaveAsXml => IVssBackupComponents::"SaveAsXML" {
        asynchronous: false,
        summary: "Serializes the backup components document. It belongs after PrepareForBackup \
                  (for transport, after DoSnapshotSet), when writers and requester have filled \
                  it in.",
        codes: &[
            natural(HResult::S_OK, "The document is returned as a string."),
            abi_only(
                HResult::E_INVALIDARG,
                "The out-pointer for the string is NULL (the only argument).",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            UNEXPECTED,
        ],
    },
    ImportSnapshots => IVssBackupComponents::"ImportSnapshots" {
        asynchronous: true,
        summary: "Brings a transportable hardware shadow copy set, described by the document \
                  the object was initialized with, onto this machine. Windows Server and \
                  hardware providers only; a failed import leaves its LUNs for the requester \
                  to clean up.",
        codes: &[
            ASYNC_STARTED,
            ACCESS_DENIED_DIRECT,
            NULL_ASYNC,
            OUT_OF_MEMORY_ASYNC,
            BAD_STATE_DIRECT,
            UNEXPECTED_ASYNC,
            natural(
                HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED,
                "Some disks or volumes never arrived or their LUN data did not match (through QueryStatus).",
            ),
        ],
    },
    BreakSnapshotSet => IVssBackupComponents::"BreakSnapshotSet" {
        asynchronous: false,
        summary: "Makes VSS forget an imported hardware shadow copy set; its volumes stay \
                  reachable as ordinary read-only volumes. Software sets cannot be broken.",
        codes: &[
            natural(
                HResult::S_OK,
                "The set is forgotten; its volumes are plain volumes now.",
            ),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid, such as GUID_NULL as the set id.",
            ),
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No such set on this machine (a transportable set must be imported first).",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "A software provider made the set, so it cannot be broken; or the provider failed.",
            ),
            UNEXPECTED,
        ],
    },
    ExposeSnapshot => IVssBackupComponents::"ExposeSnapshot" {
        asynchronous: false,
        summary: "Makes a shadow copy reachable through a drive letter or mount folder (locally, \
                  persistent copies only) or through a file share (remotely), and returns the \
                  name used.",
        codes: &[
            natural(
                HResult::S_OK,
                "The copy is exposed; the name used is returned.",
            ),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The attributes are not exactly EXPOSED_LOCALLY or EXPOSED_REMOTELY, or a local expose has a path.",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No shadow copy has that id.",
            ),
            PROVIDER_VETO,
            UNEXPECTED,
            UNEXPECTED_PROVIDER_ERROR,
        ],
    },
    IsVolumeSupported => IVssBackupComponents::"IsVolumeSupported" {
        asynchronous: false,
        summary: "Says whether a provider (or, with GUID_NULL, any provider) can shadow copy a \
                  volume or share, even if a limit prevents a new copy right now.",
        codes: &[
            natural(
                HResult::S_OK,
                "The answer is returned, TRUE even when the volume is at its copy limit.",
            ),
            ACCESS_DENIED,
            NESTED_VOLUME_LIMIT,
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No volume or share of that name exists or it is not available.",
            ),
            UNEXPECTED,
        ],
    },
    RevertToSnapshot => IVssBackupComponents::"RevertToSnapshot" {
        asynchronous: false,
        summary: "Reverts a volume to one of its persistent shadow copies (Windows Server only): \
                  the volume's blocks become the copy's. The revert goes on after the call, \
                  survives a restart, and can be neither cancelled nor undone; \
                  QueryRevertStatus follows it.",
        codes: &[
            natural(
                HResult::S_OK,
                "The revert started; QueryRevertStatus on the volume follows it to its end.",
            ),
            ACCESS_DENIED,
            INTERNAL_ERROR,
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid, such as GUID_NULL as the shadow copy id.",
            ),
            natural(
                HResult::E_NOTIMPL,
                "The copy's provider has no revert: a hardware provider's shadow copy.",
            ),
            OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No shadow copy on this machine has that id.",
            ),
            injected(
                HResult::VSS_E_PROVIDER_NOT_REGISTERED,
                "The copy's provider is no longer registered; a simulated copy's always is, so it is injected.",
            ),
            natural(
                HResult::VSS_E_REVERT_IN_PROGRESS,
                "A revert of the copy's volume is already in progress.",
            ),
            natural(
                HResult::VSS_E_UNSUPPORTED_CONTEXT,
                "The copy is not persistent (made under VSS_CTX_BACKUP or VSS_CTX_FILE_SHARE_BACKUP).",
            ),
            natural(
                HResult::VSS_E_VOLUME_IN_USE,
                "bForceDismount is FALSE and the volume is in use, so it cannot be locked.",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED,
                "The volume cannot be reverted: it is read-only, or its LUNs are masked from the machine.",
            ),
        ],
    },
    QueryRevertStatus => IVssBackupComponents::"QueryRevertStatus" {
        asynchronous: true,
        summary: "Hands back an IVssAsync that follows the revert in progress on a volume; \
                  waiting on it waits for the revert's end. Its QueryStatus never says \
                  VSS_S_ASYNC_CANCELLED: a revert cannot be cancelled.",
        codes: &[
            natural(
                HResult::S_OK,
                "The operation of the volume's revert is handed back (directly).",
            ),
            ACCESS_DENIED_DIRECT,
            INTERNAL_ERROR,
            natural(
                HResult::E_INVALIDARG,
                "The volume name lacks its trailing backslash (directly).",
            ),
            natural(
                HResult::E_NOTIMPL,
                "No provider of the machine can revert: none is a software provider (directly).",
            ),
            OUT_OF_MEMORY_ASYNC,
            abi_only(
                HResult::E_POINTER,
                "ppAsync is NULL, so no IVssAsync can be handed back (directly).",
            ),
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No volume of that name, or no revert in progress on it (directly).",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED,
                "No provider can revert this volume (directly).",
            ),
        ],
    },
    // ---- IVssBackupComponentsEx2 ----------------------------------------------------------
    BreakSnapshotSetEx => IVssBackupComponentsEx2::"BreakSnapshotSetEx" {
        asynchronous: true,
        summary: "Breaks an imported hardware set like BreakSnapshotSet, with options: make the \
                  volumes read-write, revert or keep disk identities, or mask the LUNs away.",
        codes: &[
            ASYNC_STARTED,
            ACCESS_DENIED_DIRECT,
            natural(
                HResult::E_INVALIDARG,
                "The break flags are not valid together, e.g. MASK_LUNS with MAKE_READ_WRITE (directly or through QueryStatus).",
            ),
            OUT_OF_MEMORY_ASYNC,
            natural(
                HResult::VSS_E_BREAK_REVERT_ID_FAILED,
                "REVERT_IDENTITY_ALL while an original LUN is still visible; nothing reverted (directly or through QueryStatus).",
            ),
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No such set on this machine (directly or through QueryStatus).",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "A software provider made the set, or the provider failed (directly or through QueryStatus).",
            ),
            UNEXPECTED_ASYNC,
        ],
    },
    UnexposeSnapshot => IVssBackupComponentsEx2::"UnexposeSnapshot" {
        asynchronous: false,
        summary: "Takes away the drive letter, mount folder or share through which a shadow copy \
                  was exposed.",
        codes: &[
            natural(HResult::S_OK, "The copy is no longer exposed."),
            ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "An argument is not valid, such as GUID_NULL as the shadow copy id.",
            ),
            OUT_OF_MEMORY,
            BAD_STATE,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No shadow copy has that id, or it is not exposed.",
            ),
            PROVIDER_VETO,
            UNEXPECTED,
            UNEXPECTED_PROVIDER_ERROR,
        ],
    },
    // ---- IVssAsync ------------------------------------------------------------------------
    Wait => IVssAsync::"Wait" {
        asynchronous: false,
        summary: "Blocks until the operation ends or the timeout passes. Success only means the \
                  wait ended: QueryStatus tells how the operation went, though an operation \
                  failing during the wait makes Wait return that failure. On Windows Server \
                  2003 any timeout but INFINITE gives E_INVALIDARG.",
        codes: &[
            natural(
                HResult::S_OK,
                "The wait is over; QueryStatus gives the outcome, which may be a failure.",
            ),
            natural(
                HResult::E_ACCESSDENIED,
                "The caller lacks the rights needed to wait on the operation.",
            ),
            injected(
                HResult::VSS_E_UNEXPECTED,
                "An internal failure of the service, logged in the event log.",
            ),
        ],
    },
    QueryStatus => IVssAsync::"QueryStatus" {
        asynchronous: false,
        summary: "Reads the operation's status into hrResult: VSS_S_ASYNC_PENDING while it runs, \
                  VSS_S_ASYNC_FINISHED on success, VSS_S_ASYNC_CANCELLED after a cancel, or the \
                  error of the method that started it.",
        codes: &[
            natural(
                HResult::S_OK,
                "The status was read into hrResult, whatever that status is.",
            ),
            natural(
                HResult::E_ACCESSDENIED,
                "The caller lacks the rights needed to query the operation.",
            ),
            abi_only(HResult::E_INVALIDARG, "The pointer for hrResult is NULL."),
            injected(
                HResult::VSS_E_UNEXPECTED,
                "An internal failure of the service, logged in the event log.",
            ),
        ],
    },
    Cancel => IVssAsync::"Cancel" {
        asynchronous: false,
        summary: "Cancels the operation if it is still running. If the operation had already \
                  failed, Cancel returns that failure instead.",
        codes: &[
            natural(HResult::S_OK, "This call cancelled the running operation."),
            natural(
                HResult::VSS_S_ASYNC_CANCELLED,
                "The operation had been cancelled before.",
            ),
            natural(
                HResult::VSS_S_ASYNC_FINISHED,
                "The operation had already completed successfully.",
            ),
            injected(
                HResult::VSS_E_UNEXPECTED,
                "An internal failure of the service, logged in the event log.",
            ),
        ],
    },
    // ---- IVssProviderCreateSnapshotSet ----------------------------------------------------
    EndPrepareSnapshots => IVssProviderCreateSnapshotSet::"EndPrepareSnapshots" {
        asynchronous: false,
        summary: "Called once per set after the last BeginPrepareSnapshot: the provider finishes \
                  all preparation, which may take long. Right after it VSS marks the affected \
                  LUNs hidden and read-only.",
        codes: &[
            natural(HResult::S_OK, "Every shadow copy of the set is prepared."),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            natural(
                HResult::VSS_E_INSUFFICIENT_STORAGE,
                "Not enough space for the shadow copies (low space may also show as a veto or not-found).",
            ),
            PROVIDER_SET_NOT_FOUND,
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "The provider cannot finish preparing, e.g. the set id is not the one being prepared.",
            ),
        ],
    },
    PreCommitSnapshots => IVssProviderCreateSnapshotSet::"PreCommitSnapshots" {
        asynchronous: false,
        summary: "Called once writers are frozen: the provider gets ready to commit the whole set \
                  quickly.",
        codes: &[
            PROVIDER_OK_SET,
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_SET_NOT_FOUND,
            PROVIDER_VETO,
        ],
    },
    CommitSnapshots => IVssProviderCreateSnapshotSet::"CommitSnapshots" {
        asynchronous: false,
        summary: "The point in time: with writes held, the provider commits every shadow copy of \
                  the set, fast and without I/O. The hold is dropped if it lasts over 10 \
                  seconds, and creation fails.",
        codes: &[
            PROVIDER_OK_SET,
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_SET_NOT_FOUND,
            PROVIDER_VETO,
        ],
    },
    PostCommitSnapshots => IVssProviderCreateSnapshotSet::"PostCommitSnapshots" {
        asynchronous: false,
        summary: "Called only when every provider committed: writes flow again while \
                  applications are still frozen.",
        codes: &[
            PROVIDER_OK_SET,
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_SET_NOT_FOUND,
            PROVIDER_VETO,
        ],
    },
    PreFinalCommitSnapshots => IVssProviderCreateSnapshotSet::"PreFinalCommitSnapshots" {
        asynchronous: false,
        summary: "Called after writers thaw, before auto-recovery: the shadow copy may still \
                  take writes in this window.",
        codes: &[
            PROVIDER_OK_SET,
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    PostFinalCommitSnapshots => IVssProviderCreateSnapshotSet::"PostFinalCommitSnapshots" {
        asynchronous: false,
        summary: "Called when auto-recovery is over: the shadow copies are final and read-only \
                  from now on.",
        codes: &[
            PROVIDER_OK_SET,
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    AbortSnapshots => IVssProviderCreateSnapshotSet::"AbortSnapshots" {
        asynchronous: false,
        summary: "Throws away the set's prepared and pre-committed shadow copies. Only called \
                  once DoSnapshotSet has begun; VSS neither translates nor reports its errors.",
        codes: &[
            natural(
                HResult::S_OK,
                "The uncommitted shadow copies of the set are gone.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_SET_NOT_FOUND,
            PROVIDER_VETO,
        ],
    },
    // ---- IVssSoftwareSnapshotProvider -----------------------------------------------------
    SoftwareSetContext => IVssSoftwareSnapshotProvider::"SetContext" {
        asynchronous: false,
        summary: "Sets the context the provider's following calls work in (which copies Query, \
                  GetSnapshotProperties and DeleteSnapshots see, and what gets created).",
        codes: &[
            natural(HResult::S_OK, "The context is set."),
            PROVIDER_ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The context is not a supported value or combination.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_BAD_STATE,
                "The provider's context is frozen and can no longer change.",
            ),
        ],
    },
    SoftwareBeginPrepareSnapshot => IVssSoftwareSnapshotProvider::"BeginPrepareSnapshot" {
        asynchronous: false,
        summary: "Called for each volume added to a set: the provider starts preparing a shadow \
                  copy of that volume with the given context.",
        codes: &[
            natural(
                HResult::S_OK,
                "Preparation of the volume's shadow copy has begun.",
            ),
            PROVIDER_ACCESS_DENIED,
            PROVIDER_INVALID_ARG,
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The volume does not exist.",
            ),
            PROVIDER_VETO,
            natural(
                HResult::VSS_E_UNSUPPORTED_CONTEXT,
                "The provider cannot make shadow copies of the requested context.",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER,
                "The provider cannot shadow copy this volume.",
            ),
            PROVIDER_UNEXPECTED,
        ],
    },
    SoftwareIsVolumeSupported => IVssSoftwareSnapshotProvider::"IsVolumeSupported" {
        asynchronous: false,
        summary: "Says whether this provider can shadow copy a volume at all, even if a limit \
                  prevents a new copy right now.",
        codes: &[
            natural(HResult::S_OK, "The answer is returned."),
            PROVIDER_ACCESS_DENIED,
            PROVIDER_INVALID_ARG,
            NESTED_VOLUME_LIMIT,
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The volume does not exist.",
            ),
            PROVIDER_VETO,
            PROVIDER_UNEXPECTED,
        ],
    },
    SoftwareGetSnapshotProperties => IVssSoftwareSnapshotProvider::"GetSnapshotProperties" {
        asynchronous: false,
        summary: "Returns the VSS_SNAPSHOT_PROP of one of the provider's shadow copies.",
        codes: &[
            natural(HResult::S_OK, "The properties are returned."),
            PROVIDER_ACCESS_DENIED,
            PROVIDER_INVALID_ARG,
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The provider has no shadow copy with that id (the page says volume).",
            ),
            PROVIDER_VETO,
            PROVIDER_UNEXPECTED,
        ],
    },
    SoftwareQuery => IVssSoftwareSnapshotProvider::"Query" {
        asynchronous: false,
        summary: "Lists the provider's completed shadow copies in its current context.",
        codes: &[
            natural(HResult::S_OK, "The enumeration is returned."),
            PROVIDER_ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The reserved arguments are not GUID_NULL, VSS_OBJECT_NONE and VSS_OBJECT_SNAPSHOT.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_VETO,
        ],
    },
    SoftwareDeleteSnapshots => IVssSoftwareSnapshotProvider::"DeleteSnapshots" {
        asynchronous: false,
        summary: "Deletes one of the provider's shadow copies or a whole set, one copy at a \
                  time, stopping at the first failure.",
        codes: &[
            natural(HResult::S_OK, "Everything asked for was deleted."),
            PROVIDER_ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The object type is neither VSS_OBJECT_SNAPSHOT nor VSS_OBJECT_SNAPSHOT_SET.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "No shadow copy or set of the provider has that id.",
            ),
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "A copy could not be deleted; deletion stops at that copy.",
            ),
        ],
    },
    SetSnapshotProperty => IVssSoftwareSnapshotProvider::"SetSnapshotProperty" {
        asynchronous: false,
        summary: "Changes one property of a shadow copy, such as its exposed name or path or its \
                  attributes.",
        codes: &[
            natural(HResult::S_OK, "The property is changed."),
            PROVIDER_ACCESS_DENIED,
            natural(
                HResult::E_INVALIDARG,
                "The id is GUID_NULL, or the property or its value cannot be set.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The provider has no shadow copy with that id.",
            ),
        ],
    },
    SoftwareRevertToSnapshot => IVssSoftwareSnapshotProvider::"RevertToSnapshot" {
        asynchronous: false,
        summary: "Starts reverting a volume to one of the provider's persistent shadow copies; \
                  the revert survives a restart and can be neither cancelled nor undone.",
        codes: &[
            natural(HResult::S_OK, "The revert started."),
            PROVIDER_ACCESS_DENIED,
            PROVIDER_INVALID_ARG,
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_REVERT_IN_PROGRESS,
                "The volume is already being reverted.",
            ),
        ],
    },
    SoftwareQueryRevertStatus => IVssSoftwareSnapshotProvider::"QueryRevertStatus" {
        asynchronous: true,
        summary: "Hands back an IVssAsync that follows the revert in progress on a volume.",
        codes: &[
            natural(HResult::S_OK, "The status of the volume's revert is handed back."),
            PROVIDER_ACCESS_DENIED,
            PROVIDER_INVALID_ARG,
            PROVIDER_OUT_OF_MEMORY,
            natural(
                HResult::VSS_E_OBJECT_NOT_FOUND,
                "The volume is not one the provider knows, or no revert of it is in progress.",
            ),
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED,
                "The provider cannot revert this volume.",
            ),
        ],
    },
    // ---- IVssHardwareSnapshotProvider -----------------------------------------------------
    AreLunsSupported => IVssHardwareSnapshotProvider::"AreLunsSupported" {
        asynchronous: false,
        summary: "Called when a volume is added to a set: the provider says whether it can copy \
                  all of the volume's LUNs with the requested attributes, all or nothing.",
        codes: &[
            natural(
                HResult::S_OK,
                "The answer is returned; FALSE is a successful answer too.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    HardwareBeginPrepareSnapshot => IVssHardwareSnapshotProvider::"BeginPrepareSnapshot" {
        asynchronous: false,
        summary: "Called for each volume of a set with its LUNs: the provider starts preparing \
                  copies of those LUNs, long work such as plex sync in the background.",
        codes: &[
            natural(HResult::S_OK, "Preparation of the volume's LUNs has begun."),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            natural(
                HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED,
                "The provider cannot take more volumes in this set.",
            ),
            NESTED_VOLUME_LIMIT,
            PROVIDER_VETO,
            natural(
                HResult::VSS_E_VOLUME_NOT_SUPPORTED_BY_PROVIDER,
                "The provider cannot copy this volume's LUNs.",
            ),
            natural(
                HResult::VSS_E_UNSUPPORTED_CONTEXT,
                "The provider cannot honour the requested context.",
            ),
        ],
    },
    GetTargetLuns => IVssHardwareSnapshotProvider::"GetTargetLuns" {
        asynchronous: false,
        summary: "Called after PostCommitSnapshots: the provider describes each new shadow LUN, \
                  one for each source LUN, well enough to find it later from any host.",
        codes: &[
            natural(HResult::S_OK, "The shadow LUNs are described."),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    LocateLuns => IVssHardwareSnapshotProvider::"LocateLuns" {
        asynchronous: false,
        summary: "Called when a set is imported: the provider unmasks the listed shadow LUNs to \
                  this host, without rescanning; VSS rescans afterwards.",
        codes: &[
            natural(HResult::S_OK, "The LUNs are made visible to the host."),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    FillInLunInfo => IVssHardwareSnapshotProvider::"FillInLunInfo" {
        asynchronous: false,
        summary: "Called for each disk that arrives during an import (and before OnLunEmpty): \
                  the provider says whether the LUN is one of its own and completes its \
                  description. VSS ignores the return value except on Windows Server 2003.",
        codes: &[
            natural(
                HResult::S_OK,
                "The LUN is described; an unknown LUN gets FALSE with success.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    OnLunEmpty => IVssHardwareSnapshotProvider::"OnLunEmpty" {
        asynchronous: false,
        summary: "Called, on a best-effort basis, when every shadow copy on a shadow LUN is gone: \
                  the provider may reclaim the LUN, and should reclaim LUNs only here.",
        codes: &[
            natural(
                HResult::S_OK,
                "The provider took note and may reuse the LUN.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            natural(
                HResult::VSS_E_PROVIDER_VETO,
                "The provider failed to release the LUN and logged why.",
            ),
        ],
    },
    // ---- IVssHardwareSnapshotProviderEx ---------------------------------------------------
    GetProviderCapabilities => IVssHardwareSnapshotProviderEx::"GetProviderCapabilities" {
        asynchronous: false,
        summary: "Reserved for future use and not supported; its page lists no return codes. \
                  Microsoft's sample hardware provider answers E_NOTIMPL.",
        codes: &[natural(
            HResult::S_OK,
            "A provider that implements the reserved method reports its capability mask.",
        )],
    },
    OnLunStateChange => IVssHardwareSnapshotProviderEx::"OnLunStateChange" {
        asynchronous: false,
        summary: "Tells the provider that shadow LUNs changed state, on a break, fast recovery \
                  or auto-recovery: made read-write, identity reverted, or to be masked.",
        codes: &[
            natural(HResult::S_OK, "The provider handled the change."),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_INVALID_ARG,
            PROVIDER_VETO,
        ],
    },
    ResyncLuns => IVssHardwareSnapshotProviderEx::"ResyncLuns" {
        asynchronous: true,
        summary: "Asks the provider to copy shadow LUNs back onto destination LUNs inside the \
                  array, not through the host (LUN resync, Windows Server 2008 R2 and later).",
        codes: &[
            natural(
                HResult::S_OK,
                "The resync started; the returned IVssAsync reports its outcome.",
            ),
            PROVIDER_OUT_OF_MEMORY,
            PROVIDER_VETO,
            natural(
                HResult::VSS_E_INSUFFICIENT_STORAGE,
                "The array lacks the disk space the resync needs.",
            ),
        ],
    },
    OnReuseLuns => IVssHardwareSnapshotProviderEx::"OnReuseLuns" {
        asynchronous: false,
        summary: "Reserved for future use and not supported; its page only says success is \
                  S_OK. Microsoft's sample hardware provider answers E_NOTIMPL.",
        codes: &[natural(
            HResult::S_OK,
            "A provider that implements the reserved method reports success.",
        )],
    },
}

#[cfg(test)]
mod tests {
    /// The index finds every row by its name in any case, as a walk over the table would.
    #[test]
    fn lookups_by_name_agree_with_the_table() {
        for info in METHODS {
            let first = METHODS
                .iter()
                .find(|m| m.name.eq_ignore_ascii_case(info.name))
                .expect("itself");
            for name in [info.name.to_string(), info.name.to_ascii_uppercase()] {
                assert_eq!(method(&name).map(|m| m.method), Some(first.method));
            }
            let qualified = format!("{:?}::{}", info.interface, info.name.to_ascii_lowercase());
            assert_eq!(method(&qualified).map(|m| m.method), Some(info.method));
        }
        assert!(method("NoSuchMethod").is_none());
        assert_eq!(
            Method::requester("DoSnapshotSet"),
            Some(Method::DoSnapshotSet)
        );
        assert_eq!(Method::requester("dosnapshotset"), None);
    }

    use super::*;

    #[test]
    fn every_method_documents_s_ok() {
        for m in METHODS {
            assert!(m.documents(HResult::S_OK), "{m} lists no S_OK");
        }
    }

    #[test]
    fn no_method_lists_a_code_twice() {
        for m in METHODS {
            for (i, c) in m.codes.iter().enumerate() {
                assert!(
                    m.codes[..i].iter().all(|d| d.code != c.code),
                    "{m} lists {} twice",
                    c.code
                );
            }
        }
    }

    #[test]
    fn names_are_unique_within_an_interface() {
        for (i, m) in METHODS.iter().enumerate() {
            assert!(
                METHODS[..i]
                    .iter()
                    .all(|n| n.interface != m.interface || !n.name.eq_ignore_ascii_case(m.name)),
                "{m} appears twice"
            );
        }
    }

    #[test]
    fn every_code_is_a_known_hresult_and_every_text_is_filled_in() {
        for m in METHODS {
            assert!(!m.summary.trim().is_empty(), "{m} has no summary");
            for c in m.codes {
                assert!(c.code.name().is_some(), "{m}: unknown code {}", c.code);
                assert!(!c.when.trim().is_empty(), "{m}: {} has no text", c.code);
                assert!(c.when.len() <= 160, "{m}: text for {} is too long", c.code);
            }
        }
    }

    #[test]
    fn plain_names_find_the_requester_method() {
        let m = method("SetContext").unwrap();
        assert_eq!(m.interface, Interface::IVssBackupComponents);
        assert_eq!(m.name, "SetContext");
        for name in [
            "Query",
            "GetSnapshotProperties",
            "DeleteSnapshots",
            "IsVolumeSupported",
        ] {
            assert_eq!(
                method(name).unwrap().interface,
                Interface::IVssBackupComponents,
                "{name}"
            );
        }
        assert_eq!(
            method("BreakSnapshotSetEx").unwrap().interface,
            Interface::IVssBackupComponentsEx2
        );
        assert_eq!(method("Cancel").unwrap().interface, Interface::IVssAsync);
        assert_eq!(
            method("CommitSnapshots").unwrap().interface,
            Interface::IVssProviderCreateSnapshotSet
        );
    }

    #[test]
    fn qualified_names_pick_the_interface() {
        let m = method("IVssSoftwareSnapshotProvider::SetContext").unwrap();
        assert_eq!(m.interface, Interface::IVssSoftwareSnapshotProvider);
        assert!(m.documents(HResult::E_OUTOFMEMORY));
        let m = method("IVssBackupComponents::SetContext").unwrap();
        assert_eq!(m.interface, Interface::IVssBackupComponents);
        assert!(!m.documents(HResult::E_OUTOFMEMORY));
        let m = method("IVssHardwareSnapshotProvider::BeginPrepareSnapshot").unwrap();
        assert_eq!(m.interface, Interface::IVssHardwareSnapshotProvider);
        assert!(m.documents(HResult::VSS_E_MAXIMUM_NUMBER_OF_VOLUMES_REACHED));
        assert_eq!(
            method("IVssSoftwareSnapshotProvider::BeginPrepareSnapshot")
                .unwrap()
                .interface,
            Interface::IVssSoftwareSnapshotProvider
        );
        // The method must belong to the interface named.
        assert!(method("IVssBackupComponents::CommitSnapshots").is_none());
        assert!(method("IVssNoSuchInterface::SetContext").is_none());
    }

    #[test]
    fn lookups_ignore_case_and_surrounding_space() {
        let m = method("dosnapshotset").unwrap();
        assert_eq!(m.name, "DoSnapshotSet");
        assert_eq!(method(" DOSNAPSHOTSET ").unwrap().name, "DoSnapshotSet");
        assert_eq!(
            method("ivsssoftwaresnapshotprovider::setcontext")
                .unwrap()
                .interface,
            Interface::IVssSoftwareSnapshotProvider
        );
        assert!(method("NoSuchMethod").is_none());
        assert!(method("").is_none());
    }

    #[test]
    fn qualified_name_round_trips() {
        for m in METHODS {
            let found = method(&m.qualified_name()).unwrap();
            assert_eq!(found, m);
            assert_eq!(m.to_string(), m.qualified_name());
        }
    }

    #[test]
    fn requester_rules_hold() {
        let requester: Vec<_> = requester_methods().collect();
        assert_eq!(requester.len(), 27 + 2 + 3);
        // The one page that lists neither an internal failure nor running out of memory.
        let bare = ["FreeWriterMetadata"];
        for m in requester.iter().filter(|m| !bare.contains(&m.name)) {
            // Every other page lists an internal error: VSS_E_UNEXPECTED, or E_FAIL on the
            // revert pages.
            let unexpected = m.code(m.internal_error());
            assert!(unexpected.is_some(), "{m} lists no internal error");
            assert_eq!(unexpected.unwrap().reach, Reach::Injected, "{m}");
            if let Some(c) = m.code(HResult::E_OUTOFMEMORY) {
                assert_eq!(c.reach, Reach::Injected, "{m}");
            }
            if let Some(c) = m.code(HResult::E_ACCESSDENIED) {
                assert_eq!(c.reach, Reach::Natural, "{m}");
            }
            if let Some(c) = m.code(HResult::VSS_E_WRITER_INFRASTRUCTURE) {
                assert_eq!(c.reach, Reach::Injected, "{m}");
            }
            // A null ppAsync is the only E_INVALIDARG of these asynchronous methods; the
            // revert status reports it as E_POINTER, and a bad volume name as E_INVALIDARG.
            if m.asynchronous && !["BreakSnapshotSetEx", "QueryRevertStatus"].contains(&m.name) {
                assert_eq!(
                    m.code(HResult::E_INVALIDARG).map(|c| c.reach),
                    Some(Reach::AbiOnly),
                    "{m}"
                );
            }
        }
        // E_OUTOFMEMORY is documented for every IVssBackupComponents(Ex2) method but
        // SetContext and FreeWriterMetadata.
        for m in requester
            .iter()
            .filter(|m| m.interface != Interface::IVssAsync)
        {
            assert_eq!(
                m.documents(HResult::E_OUTOFMEMORY),
                !["SetContext", "FreeWriterMetadata"].contains(&m.name),
                "{m}"
            );
        }
    }

    #[test]
    fn asynchronous_methods_are_the_ones_with_ppasync() {
        let asynchronous: Vec<_> = METHODS
            .iter()
            .filter(|m| m.asynchronous)
            .map(|m| m.name)
            .collect();
        assert_eq!(
            asynchronous,
            [
                "GatherWriterMetadata",
                "GatherWriterStatus",
                "PrepareForBackup",
                "DoSnapshotSet",
                "BackupComplete",
                "ImportSnapshots",
                "QueryRevertStatus",
                "BreakSnapshotSetEx",
                "QueryRevertStatus",
                "ResyncLuns",
            ]
        );
    }

    #[test]
    fn documented_facts_from_the_reference() {
        // DeleteSnapshots and the break methods do not list VSS_E_BAD_STATE.
        for name in ["DeleteSnapshots", "BreakSnapshotSet", "BreakSnapshotSetEx"] {
            assert!(
                !method(name).unwrap().documents(HResult::VSS_E_BAD_STATE),
                "{name}"
            );
        }
        let dss = method("DoSnapshotSet").unwrap();
        assert_eq!(
            dss.code(HResult::VSS_E_FLUSH_WRITES_TIMEOUT).unwrap().reach,
            Reach::Injected
        );
        assert_eq!(
            dss.code(HResult::VSS_E_INSUFFICIENT_STORAGE).unwrap().reach,
            Reach::Natural
        );
        assert!(
            method("ImportSnapshots")
                .unwrap()
                .documents(HResult::VSS_S_SOME_SNAPSHOTS_NOT_IMPORTED)
        );
        assert!(
            method("BreakSnapshotSetEx")
                .unwrap()
                .documents(HResult::VSS_E_BREAK_REVERT_ID_FAILED)
        );
        assert_eq!(
            method("BackupComplete")
                .unwrap()
                .code(HResult::VSS_E_UNEXPECTED_WRITER_ERROR)
                .unwrap()
                .reach,
            Reach::Injected
        );
        // VSS_E_LEGACY_PROVIDER exists but no method page lists it.
        assert!(
            METHODS
                .iter()
                .all(|m| !m.documents(HResult::VSS_E_LEGACY_PROVIDER))
        );
    }

    #[test]
    fn each_method_is_its_row() {
        for (i, info) in METHODS.iter().enumerate() {
            assert_eq!(info.method as usize, i, "{info}");
            assert_eq!(info.method.info(), info);
            assert_eq!(Method::from_name(&info.qualified_name()), Some(info.method));
        }
        assert_eq!(Method::ALL.len(), METHODS.len());
        assert_eq!(Method::from_name("SetContext"), Some(Method::SetContext));
        assert_eq!(
            Method::from_name("IVssSoftwareSnapshotProvider::SetContext"),
            Some(Method::SoftwareSetContext)
        );
        assert_eq!(Method::requester("SaveAsXML"), Some(Method::SaveAsXml));
        assert_eq!(Method::requester("saveasxml"), None);
        assert_eq!(Method::requester("CommitSnapshots"), None);
        assert_eq!(
            Method::HardwareBeginPrepareSnapshot.to_string(),
            "BeginPrepareSnapshot"
        );
    }

    #[test]
    fn interface_names_round_trip() {
        for &i in Interface::ALL {
            assert_eq!(Interface::from_name(i.name()), Some(i));
            assert_eq!(Interface::from_name(&i.name().to_lowercase()), Some(i));
            assert_eq!(i.to_string(), i.name());
        }
        assert!(Interface::IVssAsync.is_requester());
        assert!(!Interface::IVssHardwareSnapshotProviderEx.is_requester());
    }
}
