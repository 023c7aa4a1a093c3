//! The Backup Components Document (BCD): what `IVssBackupComponents::SaveAsXML` writes and
//! `IVssBackupComponents::InitializeForBackup(bstrXML)` reads back.
//!
//! Microsoft documents what the document holds (the backup state, the writers, the shadow copy
//! set and the id of every shadow copy `AddToSnapshotSet` returned) but not its schema, so the
//! schema here is this project's own. It borrows the look of a real VSS document: upper-case
//! element names, camel-case attribute names, the `x-schema:#VssComponentMetadata` namespace and
//! GUIDs written lower-case in braces. A document looks like this (a transportable set with
//! one hardware shadow copy shown; a software shadow copy's `SNAPSHOT_DESCRIPTION` is an empty
//! element, with no `LUN_MAPPING`):
//!
//! ```xml
//! <?xml version="1.0" encoding="UTF-8"?>
//! <BACKUP_COMPONENTS xmlns="x-schema:#VssComponentMetadata" version="1.0" context="0x00000020" selectComponents="yes" bootableSystemStateBackup="no" backupType="VSS_BT_FULL" partialFileSupport="no" integrity="0123456789abcdef">
//!   <WRITER_METADATA writerId="{e8132975-6f93-4464-a53e-1050253ae220}" instanceId="{…}" friendlyName="System Writer"/>
//!   <WRITER_COMPONENTS instanceId="{…}" writerId="{e8132975-6f93-4464-a53e-1050253ae220}">
//!     <COMPONENT logicalPath="" componentName="System Files" componentType="VSS_CT_FILEGROUP" backupSucceeded="yes"/>
//!   </WRITER_COMPONENTS>
//!   <SNAPSHOT_SET_DESCRIPTION snapshotSetId="{…}" context="0x00000020" created="yes">
//!     <SNAPSHOT_DESCRIPTION snapshotId="{…}" providerId="{…}" snapshotAttributes="0x00010020" originalVolumeName="\\?\Volume{…}\" originatingMachine="host" serviceMachine="host" snapshotDeviceObject="" creationTimestamp="133862112000000000">
//!       <LUN_MAPPING>
//!         <LUN_PAIR>
//!           <ORIGINAL_LUN version="1" deviceType="0" deviceTypeModifier="0" commandQueueing="yes" busType="VDSBusTypeFibre" vendorId="CONTOSO" productId="ARRAY 9000" productRevision="1.0" serialNumber="SN0001" diskSignature="{…}">
//!             <STORAGE_IDENTIFIER codeSet="VDSStorageIdCodeSetBinary" type="VDSStorageIdTypeFCPHName" identifier="600a0b800011223344556677"/>
//!             <INTERCONNECT addressType="VDS_IA_FCPH" port="500a0b8000112233" address="500a0b8000112234"/>
//!           </ORIGINAL_LUN>
//!           <SHADOW_LUN version="1" deviceType="0" deviceTypeModifier="0" commandQueueing="yes" busType="VDSBusTypeFibre" vendorId="CONTOSO" productId="ARRAY 9000" productRevision="1.0" serialNumber="SN0001-S1" diskSignature="{00000000-0000-0000-0000-000000000000}">
//!             <STORAGE_IDENTIFIER codeSet="VDSStorageIdCodeSetBinary" type="VDSStorageIdTypeFCPHName" identifier="600a0b800011223344559999"/>
//!           </SHADOW_LUN>
//!         </LUN_PAIR>
//!         <DISK_EXTENT lun="0" offset="1048576" length="107374182400"/>
//!       </LUN_MAPPING>
//!     </SNAPSHOT_DESCRIPTION>
//!   </SNAPSHOT_SET_DESCRIPTION>
//! </BACKUP_COMPONENTS>
//! ```
//!
//! Value forms: GUIDs as `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`; contexts and snapshot
//! attributes as `0x` and eight upper-case hex digits (a context is the 32-bit pattern of the
//! `LONG`, so `VSS_CTX_ALL` is `0xFFFFFFFF`); the backup type and the VDS enumerations by their
//! SDK names (`VSS_BT_FULL`, `VDSBusTypeScsi`); booleans as `yes` / `no`; timestamps as the
//! signed decimal `FILETIME` count; the other numbers (LUN fields, extents) as unsigned
//! decimals; byte strings (identifiers, interconnect ports and addresses) as two lower-case hex
//! digits a byte with nothing between them, so an empty one is `""`. The four backup state
//! attributes of the root are all present (after `SetBackupState`) or all absent.
//!
//! A `WRITER_COMPONENTS` element holds the components `AddComponent` added for one writer
//! instance, in the order added, each with its type by SDK name (`VSS_CT_FILEGROUP`), its
//! logical path (empty for none) and whether `SetBackupSucceeded` marked it backed up.
//!
//! A `SNAPSHOT_DESCRIPTION` holds a `LUN_MAPPING` only for a hardware shadow copy whose LUN
//! information VSS recorded. Each `LUN_PAIR` holds one `ORIGINAL_LUN` and one `SHADOW_LUN`,
//! the `VDS_LUN_INFORMATION` fields as attributes; the four string fields, which may be null
//! pointers in Windows, have no attribute when they are `None` (an empty attribute is an empty
//! string). A `DISK_EXTENT` names its LUN by the place of its `LUN_PAIR`, counting from zero,
//! and a document whose extent names a pair that is not there is refused.
//!
//! Strings are attribute values. Besides the usual `&amp;`, `&lt;`, `&gt;` and `&quot;`, tab,
//! line feed, carriage return and other control characters are written as character
//! references (`&#xA;`) so that XML attribute normalisation leaves them alone. U+0000, which
//! no XML character reference may name, is written as the private entity `&vss-nul;`; this is
//! the one place the document steps outside plain XML, and only for strings Windows could not
//! hold anyway.
//!
//! The `integrity` attribute is this project's own invention, not something Windows writes:
//! it lets the simulator refuse a document that was edited after `SaveAsXML`, which the
//! documentation forbids ("must be the original document"). See
//! [`BackupComponentsDocument::to_xml`] for how it is computed.

mod integrity;
mod read;
mod write;

#[cfg(test)]
mod tests;

use crate::attributes::SnapshotAttributes;
use crate::context::Context;
use crate::enums::BackupType;
use crate::guid::VssId;
use crate::hresult::HResult;
use crate::lun::VdsLunInformation;
use crate::props::VssTimestamp;
use crate::writer_metadata::ComponentType;

/// The namespace every document declares, as real VSS documents do.
pub const NAMESPACE: &str = "x-schema:#VssComponentMetadata";
/// The schema version this module writes and the only one it reads.
pub const SCHEMA_VERSION: &str = "1.0";

const ROOT: &str = "BACKUP_COMPONENTS";
const WRITER: &str = "WRITER_METADATA";
const WRITER_COMPONENTS: &str = "WRITER_COMPONENTS";
const COMPONENT: &str = "COMPONENT";
const SET: &str = "SNAPSHOT_SET_DESCRIPTION";
const SNAPSHOT: &str = "SNAPSHOT_DESCRIPTION";
const MAPPING: &str = "LUN_MAPPING";
const PAIR: &str = "LUN_PAIR";
const ORIGINAL_LUN: &str = "ORIGINAL_LUN";
const SHADOW_LUN: &str = "SHADOW_LUN";
const IDENTIFIER: &str = "STORAGE_IDENTIFIER";
const INTERCONNECT: &str = "INTERCONNECT";
const EXTENT: &str = "DISK_EXTENT";
const INTEGRITY: &str = "integrity";

/// The Backup Components Document of one requester object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupComponentsDocument {
    /// The context the requester object had (SetContext), as a number.
    pub context: Context,
    /// What SetBackupState recorded, if it was called.
    pub backup_state: Option<BackupState>,
    /// The writers whose metadata GatherWriterMetadata gathered.
    pub writers: Vec<WriterMetadata>,
    /// The components AddComponent added, by writer instance, in the order the first
    /// component of each was added.
    pub components: Vec<WriterComponents>,
    /// The shadow copy set, once StartSnapshotSet has run.
    pub snapshot_set: Option<SnapshotSetDescription>,
}

/// The components of one writer instance that the document holds: what
/// `IVssBackupComponents::GetWriterComponents` hands out as an `IVssWriterComponentsExt`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WriterComponents {
    /// `GetWriterInfo`'s `pidInstance`.
    pub instance_id: VssId,
    /// `GetWriterInfo`'s `pidWriter`: the writer class id.
    pub writer_id: VssId,
    /// `GetComponent` for each of `GetComponentCount`, in the order they were added.
    pub components: Vec<SelectedComponent>,
}

/// One component of the document (`IVssComponent`): one `AddComponent` added.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SelectedComponent {
    /// `GetComponentType`.
    pub component_type: ComponentType,
    /// `GetLogicalPath`: empty when the component has none.
    pub logical_path: String,
    /// `GetComponentName`.
    pub component_name: String,
    /// `GetBackupSucceeded`: what the last `SetBackupSucceeded` said (`false` until then).
    pub backup_succeeded: bool,
}

/// The arguments of `SetBackupState`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupState {
    /// Whether the backup selects components (component mode) rather than whole volumes.
    pub select_components: bool,
    /// Whether the backup is of the bootable system state.
    pub bootable_system_state: bool,
    /// The kind of backup.
    pub backup_type: BackupType,
    /// Whether the requester can back up parts of files.
    pub partial_file_support: bool,
}

/// One writer as `GatherWriterMetadata` found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriterMetadata {
    /// The writer class id.
    pub writer_id: VssId,
    /// The id of this instance of the writer.
    pub instance_id: VssId,
    /// The writer's name, such as `System Writer`.
    pub writer_name: String,
}

/// The shadow copy set the requester object started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotSetDescription {
    /// The id `StartSnapshotSet` returned.
    pub snapshot_set_id: VssId,
    /// The context the set is made under.
    pub context: Context,
    /// Whether `DoSnapshotSet` has created the set.
    pub created: bool,
    /// The shadow copies, in the order `AddToSnapshotSet` added them.
    pub snapshots: Vec<SnapshotDescription>,
}

/// One shadow copy of the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotDescription {
    /// The id `AddToSnapshotSet` returned.
    pub snapshot_id: VssId,
    /// The provider that makes (or made) the copy.
    pub provider_id: VssId,
    /// The volume being shadow copied, as given to `AddToSnapshotSet`.
    pub original_volume_name: String,
    /// The machine that holds the original volume.
    pub originating_machine: String,
    /// The machine whose VSS service manages the copy.
    pub service_machine: String,
    /// The device of the shadow volume. Empty until the set is created.
    pub snapshot_device_object: String,
    /// The copy's attributes.
    pub snapshot_attributes: SnapshotAttributes,
    /// When the copy was made (zero until it is).
    pub creation_timestamp: VssTimestamp,
    /// Which LUNs the volume lies on and which LUNs the provider made of them, for a hardware
    /// shadow copy whose LUN information VSS has recorded. `None` for a software shadow copy.
    pub lun_mapping: Option<LunMapping>,
}

/// How a hardware shadow copy's volume lies on LUNs: each original LUN with its shadow, and
/// the volume's extents on the original LUNs.
///
/// This is what VSS adds to the document of a transportable set: the original LUNs'
/// `VDS_LUN_INFORMATION`, the shadow LUNs' `VDS_LUN_INFORMATION` from `GetTargetLuns`, and
/// the volume's disk extents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunMapping {
    /// The LUNs the volume lies on, each with its shadow, in the order the provider was given
    /// them.
    pub luns: Vec<LunPair>,
    /// The pieces of the volume, in order. Each names its LUN by its place in `luns`.
    pub extents: Vec<DiskExtent>,
}

/// One original LUN of the volume and the shadow LUN the provider made of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LunPair {
    /// The LUN the volume lies on.
    pub original: VdsLunInformation,
    /// The LUN the provider made of it, as `GetTargetLuns` described it.
    pub shadow: VdsLunInformation,
}

/// A piece of the volume: `length` bytes at `offset` bytes into LUN number `lun` of `luns`
/// (`VOLUME_DISK_EXTENTS`, with the disk given by its place in the mapping).
///
/// `lun` must be less than the number of pairs: the document is written as it is, but a
/// document with an extent that names no pair is refused when read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskExtent {
    /// The place of the LUN in [`LunMapping::luns`], counting from zero.
    pub lun: u32,
    /// Where the piece starts, in bytes from the start of the LUN.
    pub offset: u64,
    /// How long the piece is, in bytes.
    pub length: u64,
}

/// Why a text is not a Backup Components Document.
///
/// The service answers every one of these with `VSS_E_INVALID_XML_DOCUMENT`
/// (see [`DocumentError::hresult`]). Positions are byte offsets into the text.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// The text is not well-formed XML.
    #[error("XML syntax error at byte {position}: {message}")]
    Syntax {
        /// Where the reader noticed the problem.
        position: u64,
        /// What the XML reader reported.
        message: String,
    },
    /// The text holds no element at all.
    #[error("the document has no root element")]
    NoRoot,
    /// The root element is not `BACKUP_COMPONENTS`.
    #[error("the root element at byte {position} is <{found}>, expected <BACKUP_COMPONENTS>")]
    WrongRoot {
        /// The name of the root element found.
        found: String,
        /// Where it starts.
        position: u64,
    },
    /// Something the schema has no place for: text, CDATA, a DOCTYPE, a processing
    /// instruction, a misplaced XML declaration or a second root element.
    #[error("unexpected {what} at byte {position}")]
    UnexpectedContent {
        /// What was found.
        what: String,
        /// Where it starts.
        position: u64,
    },
    /// The text ends inside an element.
    #[error("the document ends before <{element}> (opened at byte {position}) is closed")]
    Truncated {
        /// The innermost element still open.
        element: String,
        /// Where that element starts.
        position: u64,
    },
    /// An element the schema does not allow where it was found.
    #[error("unexpected element <{element}> inside <{parent}> at byte {position}")]
    UnknownElement {
        /// The element found.
        element: String,
        /// The element it was found in.
        parent: String,
        /// Where it starts.
        position: u64,
    },
    /// An element that must appear is missing.
    #[error("<{parent}> at byte {position} has no <{element}> inside it")]
    MissingElement {
        /// The element missing.
        element: String,
        /// The element that should hold it.
        parent: String,
        /// Where that element starts.
        position: u64,
    },
    /// An element that may appear only once appears again.
    #[error("second <{element}> inside <{parent}> at byte {position}; only one is allowed")]
    DuplicateElement {
        /// The repeated element.
        element: String,
        /// The element it was found in.
        parent: String,
        /// Where the second one starts.
        position: u64,
    },
    /// A required attribute is missing.
    #[error("<{element}> at byte {position} has no `{attribute}` attribute")]
    MissingAttribute {
        /// The element that lacks it.
        element: String,
        /// The attribute missing.
        attribute: String,
        /// Where the element starts.
        position: u64,
    },
    /// An attribute the schema does not define for this element.
    #[error("<{element}> at byte {position} has an unknown attribute `{attribute}`")]
    UnknownAttribute {
        /// The element that carries it.
        element: String,
        /// The attribute found.
        attribute: String,
        /// Where the element starts.
        position: u64,
    },
    /// An attribute whose value cannot be read (a bad GUID, number, name or entity).
    #[error(
        "attribute `{attribute}` of <{element}> at byte {position} is `{value}`, expected {expected}"
    )]
    InvalidValue {
        /// The element that carries it.
        element: String,
        /// The attribute.
        attribute: String,
        /// The value found, cut short if long.
        value: String,
        /// What would have been accepted.
        expected: String,
        /// Where the element starts.
        position: u64,
    },
    /// The content does not hash to the `integrity` attribute: the document was changed
    /// after it was written.
    #[error(
        "the integrity value `{found}` does not match the content: the document was changed after SaveAsXML wrote it"
    )]
    IntegrityMismatch {
        /// The integrity value the document carries.
        found: String,
    },
}

impl DocumentError {
    /// The code the service returns for a document it refuses: `VSS_E_INVALID_XML_DOCUMENT`.
    pub fn hresult(&self) -> HResult {
        HResult::VSS_E_INVALID_XML_DOCUMENT
    }
}

impl BackupComponentsDocument {
    /// Writes the document as XML, as `SaveAsXML` does.
    ///
    /// The output is deterministic: the same document always gives the same bytes. It starts
    /// with an XML declaration, uses two-space indentation and ends with a line feed.
    ///
    /// The `integrity` attribute of the root (the last attribute) is the 64-bit FNV-1a hash,
    /// as 16 lower-case hex digits, of the UTF-8 bytes of exactly this output with the
    /// ` integrity="…"` attribute left out (the leading space included). Windows has no such
    /// attribute; it is this simulator's way to tell that a document was tampered with.
    pub fn to_xml(&self) -> String {
        self.render_with_integrity()
    }

    /// Reads a document written by [`to_xml`](Self::to_xml), as `InitializeForBackup(bstrXML)`
    /// does.
    ///
    /// Attributes may come in any order and whitespace and comments between elements are
    /// ignored; elements of different kinds may come in any order. Anything else the schema
    /// does not describe is refused, and so is a document whose content no longer matches its
    /// `integrity` value. The content is checked by writing the document read back in the
    /// canonical form, so a change that does not alter any value (attribute order, spacing,
    /// the case of hex digits) is not a change.
    pub fn from_xml(text: &str) -> Result<BackupComponentsDocument, DocumentError> {
        let (document, integrity) = read::document(text)?;
        integrity.check(text, &document)?;
        Ok(document)
    }
}
