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

use std::borrow::Cow;
use std::fmt::Write as _;

use quick_xml::Reader;
use quick_xml::Writer;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::name::QName;

use crate::attributes::SnapshotAttributes;
use crate::context::Context;
use crate::enums::BackupType;
use crate::guid::VssId;
use crate::hresult::HResult;
use crate::lun::{
    BusType, IdentifierCodeSet, IdentifierType, Interconnect, InterconnectAddressType,
    StorageIdentifier, VdsLunInformation,
};
use crate::props::VssTimestamp;

/// The namespace every document declares, as real VSS documents do.
pub const NAMESPACE: &str = "x-schema:#VssComponentMetadata";
/// The schema version this module writes and the only one it reads.
pub const SCHEMA_VERSION: &str = "1.0";

const ROOT: &str = "BACKUP_COMPONENTS";
const WRITER: &str = "WRITER_METADATA";
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
/// The private entity that stands for U+0000.
const NUL_ENTITY: &str = "vss-nul";
/// The deepest element nesting the schema has (root, set, snapshot, LUN mapping, LUN pair,
/// LUN, identifier or interconnect).
const MAX_DEPTH: usize = 7;
/// How much of an offending value an error message quotes.
const QUOTE_LIMIT: usize = 80;

/// The Backup Components Document of one requester object.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BackupComponentsDocument {
    /// The context the requester object had (SetContext), as a number.
    pub context: Context,
    /// What SetBackupState recorded, if it was called.
    pub backup_state: Option<BackupState>,
    /// The writers whose metadata GatherWriterMetadata gathered.
    pub writers: Vec<WriterMetadata>,
    /// The shadow copy set, once StartSnapshotSet has run.
    pub snapshot_set: Option<SnapshotSetDescription>,
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
        let canonical = self.render(None);
        self.render(Some(fnv1a64(canonical.as_bytes())))
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
        let root = parse_tree(text)?;
        let (document, integrity) = read_document(root)?;
        let canonical = document.render(None);
        if fnv1a64(canonical.as_bytes()) != integrity.value {
            return Err(DocumentError::IntegrityMismatch {
                found: integrity.text,
            });
        }
        Ok(document)
    }

    /// Writes the document, with or without the integrity attribute.
    fn render(&self, integrity: Option<u64>) -> String {
        let mut writer = Writer::new_with_indent(Vec::new(), b' ', 2);
        let mut root = BytesStart::new(ROOT);
        push_attr(&mut root, "xmlns", NAMESPACE);
        push_attr(&mut root, "version", SCHEMA_VERSION);
        push_attr(&mut root, "context", &hex32(self.context.0 as u32));
        if let Some(state) = &self.backup_state {
            push_attr(
                &mut root,
                "selectComponents",
                yes_no(state.select_components),
            );
            push_attr(
                &mut root,
                "bootableSystemStateBackup",
                yes_no(state.bootable_system_state),
            );
            push_attr(&mut root, "backupType", state.backup_type.name());
            push_attr(
                &mut root,
                "partialFileSupport",
                yes_no(state.partial_file_support),
            );
        }
        if let Some(hash) = integrity {
            push_attr(&mut root, INTEGRITY, &format!("{hash:016x}"));
        }

        let mut events = vec![Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))];
        if self.writers.is_empty() && self.snapshot_set.is_none() {
            events.push(Event::Empty(root));
        } else {
            events.push(Event::Start(root));
            for w in &self.writers {
                let mut e = BytesStart::new(WRITER);
                push_attr(&mut e, "writerId", &w.writer_id.to_string());
                push_attr(&mut e, "instanceId", &w.instance_id.to_string());
                push_attr(&mut e, "friendlyName", &w.writer_name);
                events.push(Event::Empty(e));
            }
            if let Some(set) = &self.snapshot_set {
                let mut e = BytesStart::new(SET);
                push_attr(&mut e, "snapshotSetId", &set.snapshot_set_id.to_string());
                push_attr(&mut e, "context", &hex32(set.context.0 as u32));
                push_attr(&mut e, "created", yes_no(set.created));
                if set.snapshots.is_empty() {
                    events.push(Event::Empty(e));
                } else {
                    events.push(Event::Start(e));
                    for s in &set.snapshots {
                        push_snapshot(s, &mut events);
                    }
                    events.push(Event::End(BytesEnd::new(SET)));
                }
            }
            events.push(Event::End(BytesEnd::new(ROOT)));
        }
        for event in events {
            writer
                .write_event(event)
                .expect("writing to a Vec<u8> cannot fail");
        }
        let mut out =
            String::from_utf8(writer.into_inner()).expect("the writer only copies UTF-8 text");
        out.push('\n');
        out
    }
}

/// The `SNAPSHOT_DESCRIPTION` element of one shadow copy, with its LUN mapping if it has one.
fn push_snapshot(s: &SnapshotDescription, events: &mut Vec<Event<'static>>) {
    let e = snapshot_element(s);
    match &s.lun_mapping {
        None => events.push(Event::Empty(e)),
        Some(mapping) => {
            events.push(Event::Start(e));
            push_mapping(mapping, events);
            events.push(Event::End(BytesEnd::new(SNAPSHOT)));
        }
    }
}

/// The `LUN_MAPPING` element: a `LUN_PAIR` for each LUN, then a `DISK_EXTENT` for each
/// extent.
fn push_mapping(mapping: &LunMapping, events: &mut Vec<Event<'static>>) {
    let e = BytesStart::new(MAPPING);
    if mapping.luns.is_empty() && mapping.extents.is_empty() {
        events.push(Event::Empty(e));
        return;
    }
    events.push(Event::Start(e));
    for pair in &mapping.luns {
        events.push(Event::Start(BytesStart::new(PAIR)));
        push_lun(ORIGINAL_LUN, &pair.original, events);
        push_lun(SHADOW_LUN, &pair.shadow, events);
        events.push(Event::End(BytesEnd::new(PAIR)));
    }
    for extent in &mapping.extents {
        let mut e = BytesStart::new(EXTENT);
        push_attr(&mut e, "lun", &extent.lun.to_string());
        push_attr(&mut e, "offset", &extent.offset.to_string());
        push_attr(&mut e, "length", &extent.length.to_string());
        events.push(Event::Empty(e));
    }
    events.push(Event::End(BytesEnd::new(MAPPING)));
}

/// An `ORIGINAL_LUN` or `SHADOW_LUN` element: the `VDS_LUN_INFORMATION` fields as attributes
/// (a string field that is `None` has no attribute), then a `STORAGE_IDENTIFIER` for each
/// page-83 identifier and an `INTERCONNECT` for each interconnect.
fn push_lun(name: &'static str, lun: &VdsLunInformation, events: &mut Vec<Event<'static>>) {
    let mut e = BytesStart::new(name);
    push_attr(&mut e, "version", &lun.version.to_string());
    push_attr(&mut e, "deviceType", &lun.device_type.to_string());
    push_attr(
        &mut e,
        "deviceTypeModifier",
        &lun.device_type_modifier.to_string(),
    );
    push_attr(&mut e, "commandQueueing", yes_no(lun.command_queueing));
    push_attr(&mut e, "busType", lun.bus_type.name());
    for (key, value) in [
        ("vendorId", &lun.vendor_id),
        ("productId", &lun.product_id),
        ("productRevision", &lun.product_revision),
        ("serialNumber", &lun.serial_number),
    ] {
        if let Some(value) = value {
            push_attr(&mut e, key, value);
        }
    }
    push_attr(&mut e, "diskSignature", &lun.disk_signature.to_string());
    if lun.identifiers.is_empty() && lun.interconnects.is_empty() {
        events.push(Event::Empty(e));
        return;
    }
    events.push(Event::Start(e));
    for id in &lun.identifiers {
        let mut e = BytesStart::new(IDENTIFIER);
        push_attr(&mut e, "codeSet", id.code_set.name());
        push_attr(&mut e, "type", id.id_type.name());
        push_attr(&mut e, "identifier", &hex_bytes(&id.identifier));
        events.push(Event::Empty(e));
    }
    for ic in &lun.interconnects {
        let mut e = BytesStart::new(INTERCONNECT);
        push_attr(&mut e, "addressType", ic.address_type.name());
        push_attr(&mut e, "port", &hex_bytes(&ic.port));
        push_attr(&mut e, "address", &hex_bytes(&ic.address));
        events.push(Event::Empty(e));
    }
    events.push(Event::End(BytesEnd::new(name)));
}

/// The `SNAPSHOT_DESCRIPTION` start tag of one shadow copy.
fn snapshot_element(s: &SnapshotDescription) -> BytesStart<'static> {
    let mut e = BytesStart::new(SNAPSHOT);
    push_attr(&mut e, "snapshotId", &s.snapshot_id.to_string());
    push_attr(&mut e, "providerId", &s.provider_id.to_string());
    push_attr(
        &mut e,
        "snapshotAttributes",
        &hex32(s.snapshot_attributes.bits()),
    );
    push_attr(&mut e, "originalVolumeName", &s.original_volume_name);
    push_attr(&mut e, "originatingMachine", &s.originating_machine);
    push_attr(&mut e, "serviceMachine", &s.service_machine);
    push_attr(&mut e, "snapshotDeviceObject", &s.snapshot_device_object);
    push_attr(
        &mut e,
        "creationTimestamp",
        &s.creation_timestamp.0.to_string(),
    );
    e
}

/// Adds an attribute, escaping its value with [`escape_value`].
fn push_attr(element: &mut BytesStart<'_>, key: &str, value: &str) {
    element.push_attribute(Attribute {
        key: QName(key),
        value: Cow::Owned(escape_value(value)),
    });
}

/// Escapes a string for a double-quoted attribute value so that reading it back with XML
/// attribute-value normalisation gives the same string.
fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\0' => {
                out.push('&');
                out.push_str(NUL_ENTITY);
                out.push(';');
            }
            '\u{1}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}' => {
                let _ = write!(out, "&#x{:X};", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

fn hex32(v: u32) -> String {
    format!("0x{v:08X}")
}

/// Bytes as two lower-case hex digits each, with nothing between them.
fn hex_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The 64-bit FNV-1a hash.
fn fnv1a64(bytes: &[u8]) -> u64 {
    const OFFSET_BASIS: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(PRIME)
    })
}

/// Cuts a value short for an error message.
fn quote(value: &str) -> String {
    match value.char_indices().nth(QUOTE_LIMIT) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Reading: quick-xml events into a small element tree, then the tree into the document.

/// An element as read: its name, its attributes (values unescaped and normalised), its child
/// elements and where it starts.
struct Node {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Node>,
    position: u64,
}

/// Reads the text into an element tree, refusing anything but elements, whitespace,
/// comments and a leading XML declaration.
fn parse_tree(text: &str) -> Result<Node, DocumentError> {
    let mut reader = Reader::from_str(text);
    {
        let config = reader.config_mut();
        config.trim_text(false);
        config.check_end_names = true;
        config.check_comments = true;
        config.expand_empty_elements = false;
        config.allow_unmatched_ends = false;
    }
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    let mut first = true;
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| DocumentError::Syntax {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        let was_first = std::mem::replace(&mut first, false);
        let unexpected = |what: String| DocumentError::UnexpectedContent { what, position };
        match event {
            Event::Decl(decl) => {
                if !was_first {
                    return Err(unexpected("XML declaration (only allowed first)".into()));
                }
                check_declaration(&decl, position)?;
            }
            Event::Start(e) => {
                let node = open_element(&e, position, &stack, root.is_some())?;
                stack.push(node);
            }
            Event::Empty(e) => {
                let node = open_element(&e, position, &stack, root.is_some())?;
                attach(node, &mut stack, &mut root);
            }
            Event::End(_) => match stack.pop() {
                Some(node) => attach(node, &mut stack, &mut root),
                None => return Err(unexpected("end tag".into())),
            },
            Event::Text(t) => {
                if !t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')) {
                    return Err(unexpected(format!("text `{}`", quote(t.trim()))));
                }
            }
            Event::GeneralRef(r) => {
                return Err(unexpected(format!(
                    "entity reference `&{};` in text",
                    quote(&r)
                )));
            }
            Event::CData(_) => return Err(unexpected("CDATA section".into())),
            Event::PI(_) => return Err(unexpected("processing instruction".into())),
            Event::DocType(_) => return Err(unexpected("DOCTYPE declaration".into())),
            Event::Comment(_) => {}
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(DocumentError::Truncated {
                        element: open.name.clone(),
                        position: open.position,
                    });
                }
                return root.ok_or(DocumentError::NoRoot);
            }
        }
    }
}

/// Checks the XML declaration: version 1.0, and UTF-8 if an encoding is named.
fn check_declaration(decl: &BytesDecl<'_>, position: u64) -> Result<(), DocumentError> {
    let invalid = |attribute: &str, value: &str, expected: &str| DocumentError::InvalidValue {
        element: "?xml".into(),
        attribute: attribute.into(),
        value: quote(value),
        expected: expected.into(),
        position,
    };
    let syntax = |e: &dyn std::fmt::Display| DocumentError::Syntax {
        position,
        message: format!("in the XML declaration: {e}"),
    };
    let version = decl.version().map_err(|e| syntax(&e))?;
    if version != "1.0" {
        return Err(invalid("version", &version, "`1.0`"));
    }
    if let Some(encoding) = decl.encoding() {
        let encoding = encoding.map_err(|e| syntax(&e))?;
        if !encoding.eq_ignore_ascii_case("UTF-8") {
            return Err(invalid("encoding", &encoding, "`UTF-8`"));
        }
    }
    Ok(())
}

/// Makes a node of a start (or empty) tag, refusing a second root, a wrong root and elements
/// nested deeper than the schema goes.
fn open_element(
    e: &BytesStart<'_>,
    position: u64,
    stack: &[Node],
    have_root: bool,
) -> Result<Node, DocumentError> {
    let name = e.name().as_ref().to_string();
    match stack.last() {
        None if have_root => {
            return Err(DocumentError::UnexpectedContent {
                what: format!("second root element <{}>", quote(&name)),
                position,
            });
        }
        None if name != ROOT => {
            return Err(DocumentError::WrongRoot {
                found: quote(&name),
                position,
            });
        }
        Some(parent) if stack.len() >= MAX_DEPTH => {
            return Err(DocumentError::UnknownElement {
                element: quote(&name),
                parent: parent.name.clone(),
                position,
            });
        }
        _ => {}
    }
    let mut attributes = Vec::new();
    for attr in e.attributes() {
        let attr = attr.map_err(|err| DocumentError::Syntax {
            position,
            message: format!("in the attributes of <{}>: {err}", quote(&name)),
        })?;
        let key = attr.key.as_ref().to_string();
        let value = attr
            .normalized_value_with(XmlVersion::Explicit1_0, 1, |entity: &str| {
                if entity == NUL_ENTITY {
                    Some("\0")
                } else {
                    resolve_predefined_entity(entity)
                }
            })
            .map_err(|err| DocumentError::Syntax {
                position,
                message: format!(
                    "in attribute `{}` of <{}>: {err}",
                    quote(&key),
                    quote(&name)
                ),
            })?
            .into_owned();
        attributes.push((key, value));
    }
    Ok(Node {
        name,
        attributes,
        children: Vec::new(),
        position,
    })
}

/// Hangs a finished node under its parent, or makes it the root.
fn attach(node: Node, stack: &mut [Node], root: &mut Option<Node>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

/// The attributes of one element, handed out one by one so that leftovers can be refused.
struct Attrs {
    element: String,
    position: u64,
    list: Vec<(String, Option<String>)>,
}

impl Attrs {
    fn new(node: &mut Node) -> Attrs {
        Attrs {
            element: node.name.clone(),
            position: node.position,
            list: std::mem::take(&mut node.attributes)
                .into_iter()
                .map(|(k, v)| (k, Some(v)))
                .collect(),
        }
    }

    fn optional(&mut self, name: &str) -> Option<String> {
        self.list
            .iter_mut()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.take())
    }

    fn required(&mut self, name: &str) -> Result<String, DocumentError> {
        self.optional(name)
            .ok_or_else(|| DocumentError::MissingAttribute {
                element: self.element.clone(),
                attribute: name.to_string(),
                position: self.position,
            })
    }

    fn invalid(&self, attribute: &str, value: &str, expected: &str) -> DocumentError {
        DocumentError::InvalidValue {
            element: self.element.clone(),
            attribute: attribute.to_string(),
            value: quote(value),
            expected: expected.to_string(),
            position: self.position,
        }
    }

    fn exact(&mut self, name: &str, wanted: &str) -> Result<(), DocumentError> {
        let value = self.required(name)?;
        if value != wanted {
            return Err(self.invalid(name, &value, &format!("`{wanted}`")));
        }
        Ok(())
    }

    fn guid(&mut self, name: &str) -> Result<VssId, DocumentError> {
        let value = self.required(name)?;
        if value.starts_with('{')
            && let Ok(id) = value.parse()
        {
            return Ok(id);
        }
        Err(self.invalid(
            name,
            &value,
            "a GUID such as {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}",
        ))
    }

    fn hex32(&mut self, name: &str) -> Result<u32, DocumentError> {
        let value = self.required(name)?;
        let digits = value
            .strip_prefix("0x")
            .or_else(|| value.strip_prefix("0X"))
            .filter(|d| (1..=8).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(v) => Ok(v),
            None => Err(self.invalid(name, &value, "a 32-bit hex number such as 0x00000040")),
        }
    }

    fn context(&mut self, name: &str) -> Result<Context, DocumentError> {
        Ok(Context(self.hex32(name)? as i32))
    }

    fn boolean(&mut self, name: &str) -> Result<bool, DocumentError> {
        let value = self.required(name)?;
        match value.as_str() {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(self.invalid(name, &value, "`yes` or `no`")),
        }
    }

    fn timestamp(&mut self, name: &str) -> Result<VssTimestamp, DocumentError> {
        let value = self.required(name)?;
        let digits = value.strip_prefix('-').unwrap_or(&value);
        let well_formed = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<i64>() {
            Ok(v) if well_formed => Ok(VssTimestamp(v)),
            _ => Err(self.invalid(name, &value, "a FILETIME as a signed 64-bit decimal number")),
        }
    }

    /// An unsigned decimal number: digits only, no sign, within the range of `T`.
    fn decimal<T: std::str::FromStr>(
        &mut self,
        name: &str,
        expected: &str,
    ) -> Result<T, DocumentError> {
        let value = self.required(name)?;
        let well_formed = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
        match value.parse::<T>() {
            Ok(v) if well_formed => Ok(v),
            _ => Err(self.invalid(name, &value, expected)),
        }
    }

    /// A value of an SDK enumeration, by its exact SDK name.
    fn sdk_name<T: Copy>(
        &mut self,
        name: &str,
        all: &[T],
        name_of: fn(T) -> &'static str,
        expected: &str,
    ) -> Result<T, DocumentError> {
        let value = self.required(name)?;
        match all.iter().copied().find(|&t| name_of(t) == value) {
            Some(t) => Ok(t),
            None => Err(self.invalid(name, &value, expected)),
        }
    }

    fn backup_type(&mut self, name: &str) -> Result<BackupType, DocumentError> {
        self.sdk_name(
            name,
            BackupType::ALL,
            BackupType::name,
            "a VSS_BACKUP_TYPE name such as VSS_BT_FULL",
        )
    }

    /// Bytes written as hex digits, two for each byte (either case), nothing between them.
    fn hex_bytes(&mut self, name: &str) -> Result<Vec<u8>, DocumentError> {
        let value = self.required(name)?;
        let digits = value.as_bytes();
        if digits.len() % 2 != 0 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(self.invalid(
                name,
                &value,
                "hex digits, two for each byte, such as 600a0b80",
            ));
        }
        Ok(digits
            .chunks_exact(2)
            .map(|pair| (nibble(pair[0]) << 4) | nibble(pair[1]))
            .collect())
    }

    /// Refuses any attribute not handed out.
    fn finish(self) -> Result<(), DocumentError> {
        match self.list.into_iter().find(|(_, v)| v.is_some()) {
            Some((key, _)) => Err(DocumentError::UnknownAttribute {
                element: self.element,
                attribute: quote(&key),
                position: self.position,
            }),
            None => Ok(()),
        }
    }
}

/// The value of one hex digit (zero for anything else, which callers have already refused).
fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

/// The integrity attribute as read.
struct Integrity {
    text: String,
    value: u64,
}

/// Turns the element tree into a document, returning the integrity value it carries.
fn read_document(mut root: Node) -> Result<(BackupComponentsDocument, Integrity), DocumentError> {
    let mut attrs = Attrs::new(&mut root);
    attrs.exact("xmlns", NAMESPACE)?;
    attrs.exact("version", SCHEMA_VERSION)?;
    let context = attrs.context("context")?;
    const STATE: [&str; 4] = [
        "selectComponents",
        "bootableSystemStateBackup",
        "backupType",
        "partialFileSupport",
    ];
    let backup_state = if STATE.iter().any(|n| attrs.list.iter().any(|(k, _)| k == n)) {
        Some(BackupState {
            select_components: attrs.boolean(STATE[0])?,
            bootable_system_state: attrs.boolean(STATE[1])?,
            backup_type: attrs.backup_type(STATE[2])?,
            partial_file_support: attrs.boolean(STATE[3])?,
        })
    } else {
        None
    };
    let text = attrs.required(INTEGRITY)?;
    let value = (text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| u64::from_str_radix(&text, 16).ok())
        .flatten()
        .ok_or_else(|| attrs.invalid(INTEGRITY, &text, "16 hex digits"))?;
    attrs.finish()?;

    let mut document = BackupComponentsDocument {
        context,
        backup_state,
        writers: Vec::new(),
        snapshot_set: None,
    };
    for mut child in std::mem::take(&mut root.children) {
        match child.name.as_str() {
            WRITER => {
                no_children(&child)?;
                let mut a = Attrs::new(&mut child);
                document.writers.push(WriterMetadata {
                    writer_id: a.guid("writerId")?,
                    instance_id: a.guid("instanceId")?,
                    writer_name: a.required("friendlyName")?,
                });
                a.finish()?;
            }
            SET => {
                if document.snapshot_set.is_some() {
                    return Err(duplicate_element(&child, ROOT));
                }
                document.snapshot_set = Some(read_set(child)?);
            }
            _ => return Err(unknown_element(&child, ROOT)),
        }
    }
    Ok((document, Integrity { text, value }))
}

fn read_set(mut node: Node) -> Result<SnapshotSetDescription, DocumentError> {
    let mut a = Attrs::new(&mut node);
    let mut set = SnapshotSetDescription {
        snapshot_set_id: a.guid("snapshotSetId")?,
        context: a.context("context")?,
        created: a.boolean("created")?,
        snapshots: Vec::new(),
    };
    a.finish()?;
    for mut child in std::mem::take(&mut node.children) {
        if child.name != SNAPSHOT {
            return Err(unknown_element(&child, SET));
        }
        let mut lun_mapping = None;
        for grandchild in std::mem::take(&mut child.children) {
            if grandchild.name != MAPPING {
                return Err(unknown_element(&grandchild, SNAPSHOT));
            }
            if lun_mapping.is_some() {
                return Err(duplicate_element(&grandchild, SNAPSHOT));
            }
            lun_mapping = Some(read_mapping(grandchild)?);
        }
        let mut a = Attrs::new(&mut child);
        set.snapshots.push(SnapshotDescription {
            snapshot_id: a.guid("snapshotId")?,
            provider_id: a.guid("providerId")?,
            snapshot_attributes: SnapshotAttributes::from_bits_retain(
                a.hex32("snapshotAttributes")?,
            ),
            original_volume_name: a.required("originalVolumeName")?,
            originating_machine: a.required("originatingMachine")?,
            service_machine: a.required("serviceMachine")?,
            snapshot_device_object: a.required("snapshotDeviceObject")?,
            creation_timestamp: a.timestamp("creationTimestamp")?,
            lun_mapping,
        });
        a.finish()?;
    }
    Ok(set)
}

/// Reads a `LUN_MAPPING`, refusing an extent whose `lun` names no `LUN_PAIR`.
fn read_mapping(mut node: Node) -> Result<LunMapping, DocumentError> {
    Attrs::new(&mut node).finish()?;
    let mut luns = Vec::new();
    let mut extents = Vec::new();
    for mut child in std::mem::take(&mut node.children) {
        match child.name.as_str() {
            PAIR => luns.push(read_pair(child)?),
            EXTENT => {
                no_children(&child)?;
                let mut a = Attrs::new(&mut child);
                let extent = DiskExtent {
                    lun: a.decimal("lun", "the number of a LUN_PAIR, counting from 0")?,
                    offset: a.decimal("offset", "a byte offset as an unsigned 64-bit decimal")?,
                    length: a.decimal("length", "a byte count as an unsigned 64-bit decimal")?,
                };
                a.finish()?;
                extents.push((extent, child.position));
            }
            _ => return Err(unknown_element(&child, MAPPING)),
        }
    }
    let mut checked = Vec::with_capacity(extents.len());
    for (extent, position) in extents {
        if usize::try_from(extent.lun).map_or(true, |n| n >= luns.len()) {
            let expected = match luns.len() {
                0 => "the number of a LUN_PAIR, but the LUN_MAPPING has none".to_string(),
                n => format!(
                    "the number of one of the {n} LUN_PAIR elements of the LUN_MAPPING (0 to {})",
                    n - 1
                ),
            };
            return Err(DocumentError::InvalidValue {
                element: EXTENT.into(),
                attribute: "lun".into(),
                value: extent.lun.to_string(),
                expected,
                position,
            });
        }
        checked.push(extent);
    }
    Ok(LunMapping {
        luns,
        extents: checked,
    })
}

/// Reads a `LUN_PAIR`: exactly one `ORIGINAL_LUN` and one `SHADOW_LUN`.
fn read_pair(mut node: Node) -> Result<LunPair, DocumentError> {
    Attrs::new(&mut node).finish()?;
    let mut original = None;
    let mut shadow = None;
    for child in std::mem::take(&mut node.children) {
        let slot = match child.name.as_str() {
            ORIGINAL_LUN => &mut original,
            SHADOW_LUN => &mut shadow,
            _ => return Err(unknown_element(&child, PAIR)),
        };
        if slot.is_some() {
            return Err(duplicate_element(&child, PAIR));
        }
        *slot = Some(read_lun(child)?);
    }
    let missing = |element: &str| DocumentError::MissingElement {
        element: element.into(),
        parent: PAIR.into(),
        position: node.position,
    };
    Ok(LunPair {
        original: original.ok_or_else(|| missing(ORIGINAL_LUN))?,
        shadow: shadow.ok_or_else(|| missing(SHADOW_LUN))?,
    })
}

/// Reads an `ORIGINAL_LUN` or `SHADOW_LUN` into a `VDS_LUN_INFORMATION`.
fn read_lun(mut node: Node) -> Result<VdsLunInformation, DocumentError> {
    let mut a = Attrs::new(&mut node);
    let mut lun = VdsLunInformation {
        version: a.decimal("version", "an unsigned 32-bit decimal number")?,
        device_type: a.decimal("deviceType", "a decimal number from 0 to 255")?,
        device_type_modifier: a.decimal("deviceTypeModifier", "a decimal number from 0 to 255")?,
        command_queueing: a.boolean("commandQueueing")?,
        bus_type: a.sdk_name(
            "busType",
            BusType::ALL,
            BusType::name,
            "a VDS_STORAGE_BUS_TYPE name such as VDSBusTypeScsi",
        )?,
        vendor_id: a.optional("vendorId"),
        product_id: a.optional("productId"),
        product_revision: a.optional("productRevision"),
        serial_number: a.optional("serialNumber"),
        disk_signature: a.guid("diskSignature")?,
        identifiers: Vec::new(),
        interconnects: Vec::new(),
    };
    a.finish()?;
    for mut child in std::mem::take(&mut node.children) {
        if child.name != IDENTIFIER && child.name != INTERCONNECT {
            return Err(unknown_element(&child, &node.name));
        }
        no_children(&child)?;
        let mut a = Attrs::new(&mut child);
        match child.name.as_str() {
            IDENTIFIER => lun.identifiers.push(StorageIdentifier {
                code_set: a.sdk_name(
                    "codeSet",
                    IdentifierCodeSet::ALL,
                    IdentifierCodeSet::name,
                    "a VDS_STORAGE_IDENTIFIER_CODE_SET name such as VDSStorageIdCodeSetBinary",
                )?,
                id_type: a.sdk_name(
                    "type",
                    IdentifierType::ALL,
                    IdentifierType::name,
                    "a VDS_STORAGE_IDENTIFIER_TYPE name such as VDSStorageIdTypeFCPHName",
                )?,
                identifier: a.hex_bytes("identifier")?,
            }),
            _ => lun.interconnects.push(Interconnect {
                address_type: a.sdk_name(
                    "addressType",
                    InterconnectAddressType::ALL,
                    InterconnectAddressType::name,
                    "a VDS_INTERCONNECT_ADDRESS_TYPE name such as VDS_IA_FCPH",
                )?,
                port: a.hex_bytes("port")?,
                address: a.hex_bytes("address")?,
            }),
        }
        a.finish()?;
    }
    Ok(lun)
}

fn unknown_element(node: &Node, parent: &str) -> DocumentError {
    DocumentError::UnknownElement {
        element: quote(&node.name),
        parent: parent.into(),
        position: node.position,
    }
}

fn duplicate_element(node: &Node, parent: &str) -> DocumentError {
    DocumentError::DuplicateElement {
        element: quote(&node.name),
        parent: parent.into(),
        position: node.position,
    }
}

fn no_children(node: &Node) -> Result<(), DocumentError> {
    match node.children.first() {
        Some(child) => Err(unknown_element(child, &node.name)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> VssId {
        VssId::from_u128(n)
    }

    fn full() -> BackupComponentsDocument {
        let snapshot = |n: u128, volume: &str, machine: &str, device: &str| SnapshotDescription {
            snapshot_id: id(0x1000 + n),
            provider_id: id(0xb5946137_7b9f_4925_af80_51abd60b20d5),
            original_volume_name: volume.into(),
            originating_machine: machine.into(),
            service_machine: format!("svc {machine}"),
            snapshot_device_object: device.into(),
            snapshot_attributes: SnapshotAttributes::from_bits_retain(0x0001_0029 + n as u32),
            creation_timestamp: VssTimestamp::from_utc(2026, 3, 1, 12, 0, n as u32),
            lun_mapping: None,
        };
        let mut hardware = snapshot(
            1,
            r"\\?\Volume{2b8e3ad1-0000-0000-0000-100000000000}\",
            "HOST-A",
            r"\\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy1",
        );
        hardware.lun_mapping = Some(mapping());
        BackupComponentsDocument {
            context: Context(0x29),
            backup_state: Some(BackupState {
                select_components: true,
                bootable_system_state: false,
                backup_type: BackupType::VSS_BT_COPY,
                partial_file_support: true,
            }),
            writers: vec![
                WriterMetadata {
                    writer_id: id(0xe8132975_6f93_4464_a53e_1050253ae220),
                    instance_id: id(0xffff_0000_1111_2222_3333_4444_5555_6666),
                    writer_name: "System Writer".into(),
                },
                WriterMetadata {
                    writer_id: id(1),
                    instance_id: VssId::NULL,
                    writer_name: "Wrïter <&> \"q\" 'a' ]]> &amp; \t\n\r\n end ".into(),
                },
            ],
            snapshot_set: Some(SnapshotSetDescription {
                snapshot_set_id: id(0xabcdef),
                context: Context::VSS_CTX_ALL,
                created: true,
                snapshots: vec![
                    hardware,
                    snapshot(2, r"C:\mount\dir\", "<machine & \"co\">", ""),
                    snapshot(
                        3,
                        "",
                        "日本語 ☃ 𝄞 \u{0}nul \u{1}\u{1f}\u{7f}\u{85}\u{2028}\u{fffe}\u{ffff}",
                        "  spaced  ",
                    ),
                ],
            }),
        }
    }

    /// A LUN with every optional string absent and no identifiers or interconnects.
    fn bare_lun(signature: u128) -> VdsLunInformation {
        VdsLunInformation {
            version: crate::lun::VER_VDS_LUN_INFORMATION,
            device_type: 0,
            device_type_modifier: 0,
            command_queueing: false,
            bus_type: BusType::VDSBusTypeScsi,
            vendor_id: None,
            product_id: None,
            product_revision: None,
            serial_number: None,
            disk_signature: id(signature),
            identifiers: Vec::new(),
            interconnects: Vec::new(),
        }
    }

    /// A LUN with awkward strings and several identifiers and interconnects.
    fn tricky_lun(serial: &str) -> VdsLunInformation {
        VdsLunInformation {
            version: u32::MAX,
            device_type: 0x1f,
            device_type_modifier: 255,
            command_queueing: true,
            bus_type: BusType::VDSBusTypeFibre,
            vendor_id: Some("CONTOSO <&> \"q\" 'a'".into()),
            product_id: Some(String::new()),
            product_revision: Some(" \t1.0\n\r\u{0}\u{1}\u{7f}\u{85} ".into()),
            serial_number: Some(serial.into()),
            disk_signature: VssId::NULL,
            identifiers: vec![
                StorageIdentifier {
                    code_set: IdentifierCodeSet::VDSStorageIdCodeSetBinary,
                    id_type: IdentifierType::VDSStorageIdTypeFCPHName,
                    identifier: vec![0x60, 0x0a, 0x0b, 0x80, 0x00, 0xff, 0xab, 0xcd],
                },
                StorageIdentifier {
                    code_set: IdentifierCodeSet::VDSStorageIdCodeSetAscii,
                    id_type: IdentifierType::VDSStorageIdTypeVendorId,
                    identifier: b"CONTOSO ARRAY 9000".to_vec(),
                },
                StorageIdentifier {
                    code_set: IdentifierCodeSet::VDSStorageIdCodeSetReserved,
                    id_type: IdentifierType::VDSStorageIdTypeVendorSpecific,
                    identifier: Vec::new(),
                },
            ],
            interconnects: vec![
                Interconnect {
                    address_type: InterconnectAddressType::VDS_IA_FCPH,
                    port: vec![0x50, 0x0a, 0x0b, 0x80, 0, 0x11, 0x22, 0x33],
                    address: vec![0x50, 0x0a, 0x0b, 0x80, 0, 0x11, 0x22, 0x34],
                },
                Interconnect {
                    address_type: InterconnectAddressType::VDS_IA_UNKNOWN,
                    port: Vec::new(),
                    address: vec![0xde, 0xad],
                },
            ],
        }
    }

    /// Two LUN pairs (one bare, one tricky) and three extents.
    fn mapping() -> LunMapping {
        LunMapping {
            luns: vec![
                LunPair {
                    original: bare_lun(0x1234_5678),
                    shadow: bare_lun(0),
                },
                LunPair {
                    original: tricky_lun("SN-ORIGINAL"),
                    shadow: tricky_lun("SN-SHADOW"),
                },
            ],
            extents: vec![
                DiskExtent {
                    lun: 0,
                    offset: 1 << 20,
                    length: 10 << 30,
                },
                DiskExtent {
                    lun: 1,
                    offset: 0,
                    length: u64::MAX,
                },
                DiskExtent {
                    lun: 0,
                    offset: (10 << 30) + (1 << 20),
                    length: 0,
                },
            ],
        }
    }

    fn round_trip(doc: &BackupComponentsDocument) {
        let xml = doc.to_xml();
        let back = BackupComponentsDocument::from_xml(&xml)
            .unwrap_or_else(|e| panic!("refused own output: {e}\n{xml}"));
        assert_eq!(&back, doc);
        assert_eq!(back.to_xml(), xml);
        assert_eq!(doc.to_xml(), xml);
    }

    #[test]
    fn empty_document_round_trips() {
        let doc = BackupComponentsDocument::default();
        round_trip(&doc);
        let xml = doc.to_xml();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<BACKUP_COMPONENTS "));
        assert!(xml.contains("xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.0\""));
        assert!(!xml.contains("backupType"));
    }

    #[test]
    fn full_document_round_trips() {
        let doc = full();
        round_trip(&doc);
        let xml = doc.to_xml();
        assert!(xml.contains("backupType=\"VSS_BT_COPY\""));
        assert!(xml.contains("context=\"0xFFFFFFFF\""));
        assert!(xml.contains("snapshotSetId=\"{00000000-0000-0000-0000-000000abcdef}\""));
        assert!(
            xml.contains(
                r#"originalVolumeName="\\?\Volume{2b8e3ad1-0000-0000-0000-100000000000}\""#
            )
        );
        assert!(xml.contains("&lt;machine &amp; &quot;co&quot;&gt;"));
        assert!(xml.contains("&#x9;&#xA;&#xD;&#xA;"));
        // Empty set and a set without snapshots also round-trip.
        let mut empty_set = doc.clone();
        empty_set.snapshot_set.as_mut().unwrap().snapshots.clear();
        empty_set.writers.clear();
        round_trip(&empty_set);
        let mut no_set = doc;
        no_set.snapshot_set = None;
        round_trip(&no_set);
    }

    #[test]
    fn output_is_deterministic() {
        let doc = full();
        let a = doc.to_xml();
        let b = doc.clone().to_xml();
        assert_eq!(a, b);
        let again = BackupComponentsDocument::from_xml(&a).unwrap().to_xml();
        assert_eq!(a.as_bytes(), again.as_bytes());
    }

    #[test]
    fn integrity_is_the_hash_of_the_rest() {
        let doc = full();
        let xml = doc.to_xml();
        let start = xml.find(" integrity=\"").unwrap();
        let end = start + " integrity=\"".len() + 16 + 1;
        let without = format!("{}{}", &xml[..start], &xml[end..]);
        let hash = format!("{:016x}", fnv1a64(without.as_bytes()));
        assert_eq!(&xml[start..end], format!(" integrity=\"{hash}\""));
        // FNV-1a reference values.
        assert_eq!(fnv1a64(b""), 0xcbf29ce484222325);
        assert_eq!(fnv1a64(b"a"), 0xaf63dc4c8601ec8c);
    }

    #[test]
    fn tampering_is_refused() {
        let xml = full().to_xml();
        let tampered = xml.replacen("HarddiskVolumeShadowCopy1", "HarddiskVolumeShadowCopy2", 1);
        assert_ne!(tampered, xml);
        let err = BackupComponentsDocument::from_xml(&tampered).unwrap_err();
        assert!(
            matches!(err, DocumentError::IntegrityMismatch { .. }),
            "{err}"
        );
        assert_eq!(err.hresult(), HResult::VSS_E_INVALID_XML_DOCUMENT);
        let tampered = xml.replacen(r"\\?\Volume{2b8e", r"\\?\Volume{2b8f", 1);
        assert!(matches!(
            BackupComponentsDocument::from_xml(&tampered),
            Err(DocumentError::IntegrityMismatch { .. })
        ));
        let tampered = xml.replacen("VSS_BT_COPY", "VSS_BT_FULL", 1);
        assert!(matches!(
            BackupComponentsDocument::from_xml(&tampered),
            Err(DocumentError::IntegrityMismatch { .. })
        ));
        let tampered = xml.replacen("created=\"yes\"", "created=\"no\"", 1);
        assert!(matches!(
            BackupComponentsDocument::from_xml(&tampered),
            Err(DocumentError::IntegrityMismatch { .. })
        ));
    }

    #[test]
    fn layout_changes_are_not_tampering() {
        let doc = full();
        let xml = doc.to_xml();
        // Attributes in another order, extra whitespace, comments, no declaration.
        let reordered = xml
            .replacen(
                "xmlns=\"x-schema:#VssComponentMetadata\" version=\"1.0\"",
                "version = '1.0'\n   xmlns=\"x-schema:#VssComponentMetadata\"",
                1,
            )
            .replace("/>\n", " />\n\n  <!-- a comment -->\n")
            .replacen("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", "", 1);
        assert_eq!(BackupComponentsDocument::from_xml(&reordered).unwrap(), doc);
        // An explicit end tag instead of an empty element.
        let empty = BackupComponentsDocument::default().to_xml();
        let expanded = empty.replacen("/>", "></BACKUP_COMPONENTS>", 1);
        assert_eq!(
            BackupComponentsDocument::from_xml(&expanded).unwrap(),
            BackupComponentsDocument::default()
        );
        // Upper-case GUID text is the same GUID.
        let upper = xml.replacen(
            "{00000000-0000-0000-0000-000000abcdef}",
            "{00000000-0000-0000-0000-000000ABCDEF}",
            1,
        );
        assert_eq!(BackupComponentsDocument::from_xml(&upper).unwrap(), doc);
    }

    #[test]
    fn garbage_is_refused() {
        for text in [
            "",
            "   \n",
            "garbage",
            "<BACKUP_COMPONENTS>",
            "<BACKUP_COMPONENTS/>",
            "<BACKUP_COMPONENTS></BACKUP_COMPONENTS>",
            "<?xml version=\"1.0\"?>",
            "<a/>",
            "<BACKUP_COMPONENTS><x></y></BACKUP_COMPONENTS>",
            "<BACKUP_COMPONENTS a='1' a='2'/>",
            "<BACKUP_COMPONENTS a=1/>",
            "<!DOCTYPE x><BACKUP_COMPONENTS/>",
            "<![CDATA[x]]>",
            "&amp;",
            "</BACKUP_COMPONENTS>",
            "\u{feff}<BACKUP_COMPONENTS/>",
            "<BACKUP_COMPONENTS xmlns='&bogus;'/>",
            "<BACKUP_COMPONENTS xmlns='&#0;'/>",
            "<BACKUP_COMPONENTS xmlns='&#xD800;'/>",
            "<BACKUP_COMPONENTS xmlns='&'/>",
        ] {
            let err = BackupComponentsDocument::from_xml(text).unwrap_err();
            assert!(!err.to_string().is_empty(), "{text:?}");
        }
        assert_eq!(
            BackupComponentsDocument::from_xml(""),
            Err(DocumentError::NoRoot)
        );
        assert!(matches!(
            BackupComponentsDocument::from_xml("<BACKUP_COMPONENTS>"),
            Err(DocumentError::Truncated { ref element, position: 0 }) if element == ROOT
        ));
        assert!(matches!(
            BackupComponentsDocument::from_xml("garbage"),
            Err(DocumentError::UnexpectedContent { position: 0, .. })
        ));
        assert!(matches!(
            BackupComponentsDocument::from_xml("<html/>"),
            Err(DocumentError::WrongRoot { ref found, .. }) if found == "html"
        ));
    }

    #[test]
    fn every_truncation_is_refused() {
        let xml = full().to_xml();
        let complete = xml.trim_end();
        for n in 0..xml.len() {
            let Some(prefix) = xml.get(..n) else { continue };
            let result = BackupComponentsDocument::from_xml(prefix);
            if prefix.trim_end() == complete {
                assert!(result.is_ok(), "prefix of {n} bytes: {result:?}");
            } else {
                assert!(result.is_err(), "prefix of {n} bytes was accepted");
            }
        }
    }

    /// Applies a replacement that must occur in the text.
    fn edit(xml: &str, from: &str, to: &str) -> String {
        assert!(xml.contains(from), "{from:?} not in document");
        xml.replacen(from, to, 1)
    }

    #[test]
    fn schema_violations_name_the_culprit() {
        let xml = full().to_xml();
        let err = |text: String| BackupComponentsDocument::from_xml(&text).unwrap_err();

        let e = err(edit(
            &xml,
            "writerId=\"{00000000-0000-0000-0000-000000000001}\"",
            "writerId=\"{0000-1}\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, .. }
            if element == WRITER && attribute == "writerId"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "writerId=\"{00000000-0000-0000-0000-000000000001}\"",
            "writerId=\"00000000-0000-0000-0000-000000000001\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "writerId"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "snapshotAttributes=\"0x",
            "snapshotAttributes=\"0xZ",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, .. }
            if element == SNAPSHOT && attribute == "snapshotAttributes"),
            "{e}"
        );

        let e = err(edit(&xml, "context=\"0x00000029\"", "context=\"41\""));
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, .. }
            if element == ROOT && attribute == "context"),
            "{e}"
        );

        let e = err(edit(&xml, "creationTimestamp=\"", "creationTimestamp=\"+"));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "creationTimestamp"),
            "{e}"
        );

        let e = err(edit(&xml, "created=\"yes\"", "created=\"true\""));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "created"),
            "{e}"
        );

        let e = err(edit(&xml, "VSS_BT_COPY", "VSS_BT_BOGUS"));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "backupType"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "version=\"1.0\" context",
            "version=\"2.0\" context",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "version"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "xmlns=\"x-schema:#VssComponentMetadata\"",
            "xmlns=\"urn:other\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "xmlns"),
            "{e}"
        );

        let e = err(edit(&xml, "integrity=\"", "integrity=\"x"));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == INTEGRITY),
            "{e}"
        );

        let start = xml.find(" integrity=\"").unwrap();
        let without = format!("{}{}", &xml[..start], &xml[start + 29..]);
        let e = err(without);
        assert!(
            matches!(&e, DocumentError::MissingAttribute { attribute, .. } if attribute == INTEGRITY),
            "{e}"
        );

        let e = err(edit(&xml, " partialFileSupport=\"yes\"", ""));
        assert!(
            matches!(&e, DocumentError::MissingAttribute { element, attribute, .. }
            if element == ROOT && attribute == "partialFileSupport"),
            "{e}"
        );

        let e = err(edit(&xml, " serviceMachine=\"svc HOST-A\"", ""));
        assert!(
            matches!(&e, DocumentError::MissingAttribute { element, attribute, .. }
            if element == SNAPSHOT && attribute == "serviceMachine"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "created=\"yes\"",
            "created=\"yes\" colour=\"red\"",
        ));
        assert!(
            matches!(&e, DocumentError::UnknownAttribute { element, attribute, .. }
            if element == SET && attribute == "colour"),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "created=\"yes\"",
            "created=\"yes\" created=\"yes\"",
        ));
        assert!(matches!(&e, DocumentError::Syntax { .. }), "{e}");

        let e = err(edit(
            &xml,
            "  <WRITER_METADATA",
            "  <FOO/>\n  <WRITER_METADATA",
        ));
        assert!(
            matches!(&e, DocumentError::UnknownElement { element, parent, .. }
            if element == "FOO" && parent == ROOT),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "    <SNAPSHOT_DESCRIPTION",
            "    <SNAPSHOT_DESCRIPTION><X/></SNAPSHOT_DESCRIPTION>\n    <SNAPSHOT_DESCRIPTION",
        ));
        assert!(
            matches!(&e, DocumentError::UnknownElement { element, parent, .. }
            if element == "X" && parent == SNAPSHOT),
            "{e}"
        );

        let e = err(edit(
            &xml,
            "  <WRITER_METADATA",
            "  <WRITER_METADATA><A><B/></A></WRITER_METADATA>\n  <WRITER_METADATA",
        ));
        assert!(matches!(&e, DocumentError::UnknownElement { .. }), "{e}");

        let set_start = xml.find("  <SNAPSHOT_SET_DESCRIPTION").unwrap();
        let set_end = xml.find("</SNAPSHOT_SET_DESCRIPTION>\n").unwrap() + 28;
        let set = &xml[set_start..set_end];
        let e = err(edit(
            &xml,
            "</BACKUP_COMPONENTS>",
            &format!("{set}</BACKUP_COMPONENTS>"),
        ));
        assert!(
            matches!(&e, DocumentError::DuplicateElement { element, .. } if element == SET),
            "{e}"
        );

        let e = err(format!("{xml}trailing garbage"));
        assert!(
            matches!(&e, DocumentError::UnexpectedContent { what, .. } if what.contains("trailing garbage")),
            "{e}"
        );

        let e = err(format!("{xml}<BACKUP_COMPONENTS/>"));
        assert!(
            matches!(&e, DocumentError::UnexpectedContent { what, .. } if what.contains("second root")),
            "{e}"
        );

        let e = err(edit(&xml, "  <WRITER_METADATA", "  text<WRITER_METADATA"));
        assert!(matches!(&e, DocumentError::UnexpectedContent { .. }), "{e}");

        let e = err(edit(&xml, "<?xml version=\"1.0\"", "<?xml version=\"1.1\""));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "version"),
            "{e}"
        );

        let e = err(format!("<!-- c -->\n{xml}"));
        assert!(matches!(&e, DocumentError::UnexpectedContent { .. }), "{e}");
    }

    /// The LUN mapping of the first snapshot of a document.
    fn first_mapping(doc: &BackupComponentsDocument) -> &LunMapping {
        doc.snapshot_set.as_ref().unwrap().snapshots[0]
            .lun_mapping
            .as_ref()
            .unwrap()
    }

    /// The same, to change.
    fn first_mapping_mut(doc: &mut BackupComponentsDocument) -> &mut LunMapping {
        doc.snapshot_set.as_mut().unwrap().snapshots[0]
            .lun_mapping
            .as_mut()
            .unwrap()
    }

    const BARE_SHADOW: &str = "          <SHADOW_LUN version=\"1\" deviceType=\"0\" deviceTypeModifier=\"0\" commandQueueing=\"no\" busType=\"VDSBusTypeScsi\" diskSignature=\"{00000000-0000-0000-0000-000000000000}\"/>\n";

    #[test]
    fn lun_mapping_round_trips() {
        let doc = full();
        assert_eq!(first_mapping(&doc), &mapping());
        round_trip(&doc);
        let xml = doc.to_xml();
        assert!(xml.contains("      <LUN_MAPPING>\n        <LUN_PAIR>\n          <ORIGINAL_LUN "));
        assert!(xml.contains(BARE_SHADOW));
        assert!(xml.contains(
            "<STORAGE_IDENTIFIER codeSet=\"VDSStorageIdCodeSetBinary\" type=\"VDSStorageIdTypeFCPHName\" identifier=\"600a0b8000ffabcd\"/>"
        ));
        assert!(xml.contains("identifier=\"\"/>"));
        assert!(
            xml.contains(
                "<INTERCONNECT addressType=\"VDS_IA_UNKNOWN\" port=\"\" address=\"dead\"/>"
            )
        );
        assert!(
            xml.contains("vendorId=\"CONTOSO &lt;&amp;&gt; &quot;q&quot; 'a'\" productId=\"\"")
        );
        assert!(xml.contains("&#x9;1.0&#xA;&#xD;&vss-nul;&#x1;"));
        assert!(
            xml.contains("<DISK_EXTENT lun=\"1\" offset=\"0\" length=\"18446744073709551615\"/>\n")
        );
        // Software shadow copies carry no mapping.
        assert_eq!(xml.matches("<LUN_MAPPING>").count(), 1);
        assert_eq!(
            doc.snapshot_set.as_ref().unwrap().snapshots[1].lun_mapping,
            None
        );

        // An absent string and an empty one are different documents, and both read back.
        let mut empty = doc.clone();
        first_mapping_mut(&mut empty).luns[0].shadow.serial_number = Some(String::new());
        round_trip(&empty);
        assert!(empty.to_xml().contains("serialNumber=\"\""));
        assert_ne!(
            BackupComponentsDocument::from_xml(&empty.to_xml()).unwrap(),
            doc
        );

        // An empty mapping is not the same as none.
        let mut nothing = doc.clone();
        *first_mapping_mut(&mut nothing) = LunMapping {
            luns: Vec::new(),
            extents: Vec::new(),
        };
        round_trip(&nothing);
        assert!(nothing.to_xml().contains("<LUN_MAPPING/>"));

        // Pairs without extents, and every snapshot with a mapping.
        let mut pairs_only = doc.clone();
        first_mapping_mut(&mut pairs_only).extents.clear();
        round_trip(&pairs_only);
        let mut all = doc;
        for s in &mut all.snapshot_set.as_mut().unwrap().snapshots {
            s.lun_mapping = Some(mapping());
        }
        round_trip(&all);
    }

    #[test]
    fn lun_mapping_tampering_is_refused() {
        let xml = full().to_xml();
        let tampered = edit(
            &xml,
            "serialNumber=\"SN-SHADOW\"",
            "serialNumber=\"SN-SHAD0W\"",
        );
        let err = BackupComponentsDocument::from_xml(&tampered).unwrap_err();
        assert!(
            matches!(err, DocumentError::IntegrityMismatch { .. }),
            "{err}"
        );
        assert_eq!(err.hresult(), HResult::VSS_E_INVALID_XML_DOCUMENT);
        for (from, to) in [
            // A shadow serial number dropped (None) or emptied.
            (" serialNumber=\"SN-SHADOW\"", ""),
            ("serialNumber=\"SN-SHADOW\"", "serialNumber=\"\""),
            // An absent string added.
            (
                "busType=\"VDSBusTypeScsi\" diskSignature",
                "busType=\"VDSBusTypeScsi\" vendorId=\"\" diskSignature",
            ),
            (
                "identifier=\"600a0b8000ffabcd\"",
                "identifier=\"600a0b8000ffabce\"",
            ),
            ("address=\"dead\"", "address=\"beef\""),
            ("busType=\"VDSBusTypeFibre\"", "busType=\"VDSBusTypeSas\""),
            ("length=\"10737418240\"", "length=\"10737418241\""),
            (
                "<DISK_EXTENT lun=\"0\" offset=\"1048576\"",
                "<DISK_EXTENT lun=\"1\" offset=\"1048576\"",
            ),
            (
                BARE_SHADOW,
                &BARE_SHADOW.replace("commandQueueing=\"no\"", "commandQueueing=\"yes\""),
            ),
        ] {
            let tampered = edit(&xml, from, to);
            assert!(
                matches!(
                    BackupComponentsDocument::from_xml(&tampered),
                    Err(DocumentError::IntegrityMismatch { .. })
                ),
                "{from:?} -> {to:?} was not refused as tampering"
            );
        }
        // Dropping a whole LUN pair's extents or an identifier is also a change.
        let start = xml.find("        <DISK_EXTENT lun=\"1\"").unwrap();
        let end = start + xml[start..].find('\n').unwrap() + 1;
        let without = format!("{}{}", &xml[..start], &xml[end..]);
        assert!(matches!(
            BackupComponentsDocument::from_xml(&without),
            Err(DocumentError::IntegrityMismatch { .. })
        ));
    }

    #[test]
    fn extent_naming_a_missing_lun_is_refused() {
        let xml = full().to_xml();
        let err = |text: String| BackupComponentsDocument::from_xml(&text).unwrap_err();
        let e = err(edit(
            &xml,
            "<DISK_EXTENT lun=\"1\"",
            "<DISK_EXTENT lun=\"2\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, value, expected, .. }
            if element == EXTENT && attribute == "lun" && value == "2" && expected.contains("0 to 1")),
            "{e}"
        );
        assert_eq!(e.hresult(), HResult::VSS_E_INVALID_XML_DOCUMENT);
        let e = err(edit(
            &xml,
            "<DISK_EXTENT lun=\"1\"",
            "<DISK_EXTENT lun=\"4294967295\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "lun"),
            "{e}"
        );
        let e = err(edit(
            &xml,
            "<DISK_EXTENT lun=\"1\"",
            "<DISK_EXTENT lun=\"4294967296\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { attribute, .. } if attribute == "lun"),
            "{e}"
        );
        // A mapping with extents but no pairs: written as asked, refused when read.
        let mut doc = full();
        first_mapping_mut(&mut doc).luns.clear();
        let e = BackupComponentsDocument::from_xml(&doc.to_xml()).unwrap_err();
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, expected, .. }
            if element == EXTENT && attribute == "lun" && expected.contains("none")),
            "{e}"
        );
        // The check does not depend on where the pairs are: extents first is fine.
        let mut doc = full();
        first_mapping_mut(&mut doc).luns.truncate(1);
        first_mapping_mut(&mut doc).extents.retain(|x| x.lun == 0);
        let xml = doc.to_xml();
        let pairs_start = xml.find("        <LUN_PAIR>").unwrap();
        let extents_start = xml.find("        <DISK_EXTENT").unwrap();
        let extents_end = xml.find("      </LUN_MAPPING>").unwrap();
        let moved = format!(
            "{}{}{}{}",
            &xml[..pairs_start],
            &xml[extents_start..extents_end],
            &xml[pairs_start..extents_start],
            &xml[extents_end..]
        );
        assert_eq!(BackupComponentsDocument::from_xml(&moved).unwrap(), doc);
        let e = err(edit(
            &moved,
            "<DISK_EXTENT lun=\"0\"",
            "<DISK_EXTENT lun=\"1\"",
        ));
        assert!(
            matches!(&e, DocumentError::InvalidValue { element, attribute, .. }
            if element == EXTENT && attribute == "lun"),
            "{e}"
        );
    }

    #[test]
    fn lun_mapping_layout_changes_are_not_tampering() {
        let doc = full();
        let xml = doc.to_xml();
        // Attributes in another order, hex in upper case, a leading zero, SHADOW_LUN before
        // ORIGINAL_LUN, an interconnect before the identifiers, explicit end tags.
        let bare_original = "          <ORIGINAL_LUN version=\"1\" deviceType=\"0\" deviceTypeModifier=\"0\" commandQueueing=\"no\" busType=\"VDSBusTypeScsi\" diskSignature=\"{00000000-0000-0000-0000-000012345678}\"/>\n";
        let text = edit(
            &xml,
            &format!("{bare_original}{BARE_SHADOW}"),
            &format!("{BARE_SHADOW}{bare_original}"),
        );
        let text = edit(
            &text,
            "<ORIGINAL_LUN version=\"4294967295\" deviceType=\"31\"",
            "<ORIGINAL_LUN deviceType='31' \n   version=\"4294967295\"",
        );
        let text = edit(
            &text,
            "identifier=\"600a0b8000ffabcd\"",
            "identifier=\"600A0B8000FFABCD\"",
        );
        let text = edit(&text, "offset=\"1048576\"", "offset=\"0001048576\"");
        let text = edit(
            &text,
            "<DISK_EXTENT lun=\"0\" offset=\"0001048576\" length=\"10737418240\"/>",
            "<DISK_EXTENT length=\"10737418240\" offset=\"0001048576\" lun=\"0\"></DISK_EXTENT>",
        );
        let interconnect = "            <INTERCONNECT addressType=\"VDS_IA_FCPH\" port=\"500a0b8000112233\" address=\"500a0b8000112234\"/>\n";
        let text = edit(&text, interconnect, "");
        let text = edit(
            &text,
            "            <STORAGE_IDENTIFIER codeSet=\"VDSStorageIdCodeSetBinary\"",
            &format!(
                "{interconnect}            <STORAGE_IDENTIFIER codeSet=\"VDSStorageIdCodeSetBinary\""
            ),
        );
        let text = text.replace("<LUN_MAPPING>", "<LUN_MAPPING >\n<!-- LUNs -->");
        assert_eq!(BackupComponentsDocument::from_xml(&text).unwrap(), doc);
    }

    #[test]
    fn lun_mapping_schema_violations_name_the_culprit() {
        let xml = full().to_xml();
        let err = |text: String| BackupComponentsDocument::from_xml(&text).unwrap_err();
        let invalid = |from: &str, to: &str, el: &str, attr: &str| {
            let e = err(edit(&xml, from, to));
            assert!(
                matches!(&e, DocumentError::InvalidValue { element, attribute, .. }
                if element == el && attribute == attr),
                "{from:?} -> {to:?}: {e}"
            );
        };
        let x = "<DISK_EXTENT lun=\"0\" offset=\"1048576\"";
        for bad in [
            "-1",
            "+1",
            "",
            " 1",
            "1 ",
            "0x10",
            "1e3",
            "18446744073709551616",
            "١",
        ] {
            invalid(
                x,
                &format!("<DISK_EXTENT lun=\"0\" offset=\"{bad}\""),
                EXTENT,
                "offset",
            );
        }
        invalid("length=\"10737418240\"", "length=\"ten\"", EXTENT, "length");
        invalid(
            "<DISK_EXTENT lun=\"0\"",
            "<DISK_EXTENT lun=\"-0\"",
            EXTENT,
            "lun",
        );
        let o = "<ORIGINAL_LUN version=\"4294967295\" deviceType=\"31\" deviceTypeModifier=\"255\" commandQueueing=\"yes\" busType=\"VDSBusTypeFibre\"";
        invalid(
            o,
            &o.replace("\"4294967295\"", "\"4294967296\""),
            ORIGINAL_LUN,
            "version",
        );
        invalid(
            o,
            &o.replace("\"31\"", "\"256\""),
            ORIGINAL_LUN,
            "deviceType",
        );
        invalid(
            o,
            &o.replace("\"255\"", "\"-1\""),
            ORIGINAL_LUN,
            "deviceTypeModifier",
        );
        invalid(
            o,
            &o.replace("\"yes\"", "\"true\""),
            ORIGINAL_LUN,
            "commandQueueing",
        );
        for bad in ["VDSBusTypeBogus", "vdsbustypefibre", "6", ""] {
            invalid(
                o,
                &o.replace("VDSBusTypeFibre", bad),
                ORIGINAL_LUN,
                "busType",
            );
        }
        invalid(
            "diskSignature=\"{00000000-0000-0000-0000-000012345678}\"",
            "diskSignature=\"12345678\"",
            ORIGINAL_LUN,
            "diskSignature",
        );
        let id = "identifier=\"600a0b8000ffabcd\"";
        for bad in ["600", "60 0a", "0x60", "zz", "6\u{e9}"] {
            invalid(
                id,
                &format!("identifier=\"{bad}\""),
                IDENTIFIER,
                "identifier",
            );
        }
        invalid(
            "codeSet=\"VDSStorageIdCodeSetBinary\"",
            "codeSet=\"Binary\"",
            IDENTIFIER,
            "codeSet",
        );
        invalid(
            "type=\"VDSStorageIdTypeFCPHName\"",
            "type=\"VDSStorageIdTypeNAA\"",
            IDENTIFIER,
            "type",
        );
        invalid(
            "addressType=\"VDS_IA_FCPH\"",
            "addressType=\"VDS_IA_FCPH4\"",
            INTERCONNECT,
            "addressType",
        );
        invalid(
            "port=\"500a0b8000112233\"",
            "port=\"500a0b800011223\"",
            INTERCONNECT,
            "port",
        );
        invalid(
            "address=\"dead\"",
            "address=\"de:ad\"",
            INTERCONNECT,
            "address",
        );

        let missing = |from: &str, el: &str, attr: &str| {
            let e = err(edit(&xml, from, ""));
            assert!(
                matches!(&e, DocumentError::MissingAttribute { element, attribute, .. }
                if element == el && attribute == attr),
                "{from:?}: {e}"
            );
        };
        missing(
            " diskSignature=\"{00000000-0000-0000-0000-000012345678}\"",
            ORIGINAL_LUN,
            "diskSignature",
        );
        missing(" version=\"4294967295\"", ORIGINAL_LUN, "version");
        missing(" offset=\"1048576\"", EXTENT, "offset");
        missing(" lun=\"1\"", EXTENT, "lun");
        missing(" port=\"500a0b8000112233\"", INTERCONNECT, "port");
        missing(
            " codeSet=\"VDSStorageIdCodeSetAscii\"",
            IDENTIFIER,
            "codeSet",
        );

        let unknown_attr = |from: &str, to: &str, el: &str, attr: &str| {
            let e = err(edit(&xml, from, to));
            assert!(
                matches!(&e, DocumentError::UnknownAttribute { element, attribute, .. }
                if element == el && attribute == attr),
                "{from:?} -> {to:?}: {e}"
            );
        };
        unknown_attr(
            "<LUN_MAPPING>",
            "<LUN_MAPPING count=\"2\">",
            MAPPING,
            "count",
        );
        unknown_attr("<LUN_PAIR>", "<LUN_PAIR lun=\"0\">", PAIR, "lun");
        unknown_attr(
            "serialNumber=\"SN-SHADOW\"",
            "serialNumber=\"SN-SHADOW\" SerialNumber=\"x\"",
            SHADOW_LUN,
            "SerialNumber",
        );
        unknown_attr(
            "address=\"dead\"",
            "address=\"dead\" mask=\"ff\"",
            INTERCONNECT,
            "mask",
        );
        unknown_attr("length=\"0\"", "length=\"0\" end=\"0\"", EXTENT, "end");
        unknown_attr(id, &format!("{id} codeset=\"x\""), IDENTIFIER, "codeset");

        // Duplicate attributes are an XML error.
        let e = err(edit(
            &xml,
            "serialNumber=\"SN-SHADOW\"",
            "serialNumber=\"SN-SHADOW\" serialNumber=\"SN-SHADOW\"",
        ));
        assert!(matches!(&e, DocumentError::Syntax { .. }), "{e}");

        let unknown_el = |from: &str, to: &str, el: &str, par: &str| {
            let e = err(edit(&xml, from, to));
            assert!(
                matches!(&e, DocumentError::UnknownElement { element, parent, .. }
                if element == el && parent == par),
                "{from:?} -> {to:?}: {e}"
            );
        };
        unknown_el("<LUN_PAIR>", "<LUN_PAIR><LUN/>", "LUN", PAIR);
        unknown_el(
            "<LUN_MAPPING>",
            "<LUN_MAPPING><ORIGINAL_LUN/>",
            ORIGINAL_LUN,
            MAPPING,
        );
        unknown_el(
            "<LUN_MAPPING>",
            "<LUN_MAPPING><DISK_EXTENTS/>",
            "DISK_EXTENTS",
            MAPPING,
        );
        unknown_el(
            id,
            &format!("{id}><X/></STORAGE_IDENTIFIER"),
            "X",
            IDENTIFIER,
        );
        unknown_el(
            "address=\"dead\"/>",
            "address=\"dead\"><X/></INTERCONNECT>",
            "X",
            INTERCONNECT,
        );
        unknown_el(
            "length=\"0\"/>",
            "length=\"0\"><X/></DISK_EXTENT>",
            "X",
            EXTENT,
        );
        unknown_el(
            BARE_SHADOW,
            &BARE_SHADOW.replace(
                "/>",
                "><DISK_EXTENT lun=\"0\" offset=\"0\" length=\"0\"/></SHADOW_LUN>",
            ),
            EXTENT,
            SHADOW_LUN,
        );
        unknown_el(
            "<LUN_MAPPING>",
            "<LUN_MAPPING><DISK_EXTENT lun=\"0\" offset=\"0\" length=\"0\"><LUN_PAIR/></DISK_EXTENT>",
            PAIR,
            EXTENT,
        );
        unknown_el("<LUN_MAPPING>", "<LUN_PAIR/><LUN_MAPPING>", PAIR, SNAPSHOT);
        // Nesting far deeper than the schema is refused where it first goes too deep.
        let deep = format!(
            "{id}>{}{}</STORAGE_IDENTIFIER",
            "<A>".repeat(50),
            "</A>".repeat(50)
        );
        unknown_el(id, &deep, "A", IDENTIFIER);

        // One mapping per snapshot; one original and one shadow per pair.
        let map_start = xml.find("      <LUN_MAPPING>").unwrap();
        let map_end = xml.find("      </LUN_MAPPING>\n").unwrap() + "      </LUN_MAPPING>\n".len();
        let e = err(format!("{}{}", &xml[..map_end], &xml[map_start..]));
        assert!(
            matches!(&e, DocumentError::DuplicateElement { element, parent, .. }
            if element == MAPPING && parent == SNAPSHOT),
            "{e}"
        );
        let e = err(edit(
            &xml,
            BARE_SHADOW,
            &format!("{BARE_SHADOW}{BARE_SHADOW}"),
        ));
        assert!(
            matches!(&e, DocumentError::DuplicateElement { element, parent, .. }
            if element == SHADOW_LUN && parent == PAIR),
            "{e}"
        );
        let e = err(edit(&xml, BARE_SHADOW, ""));
        assert!(
            matches!(&e, DocumentError::MissingElement { element, parent, .. }
            if element == SHADOW_LUN && parent == PAIR),
            "{e}"
        );
        assert_eq!(e.hresult(), HResult::VSS_E_INVALID_XML_DOCUMENT);
        let e = err(edit(&xml, "<LUN_PAIR>", "<LUN_PAIR/><LUN_PAIR>"));
        assert!(
            matches!(&e, DocumentError::MissingElement { element, parent, .. }
            if element == ORIGINAL_LUN && parent == PAIR),
            "{e}"
        );
        // Text inside the mapping.
        let e = err(edit(&xml, "<LUN_PAIR>", "<LUN_PAIR>0"));
        assert!(matches!(&e, DocumentError::UnexpectedContent { .. }), "{e}");
    }

    /// A small deterministic generator (xorshift64*), so that no dependency is needed.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn flag(&mut self) -> bool {
            self.next() & 1 == 1
        }
        fn id(&mut self) -> VssId {
            VssId::from_u128(u128::from(self.next()) << 64 | u128::from(self.next()))
        }
        fn string(&mut self) -> String {
            const POOL: &[char] = &[
                'a', 'Z', '0', ' ', '\\', '?', '{', '}', '<', '>', '&', '"', '\'', ';', '#', '\t',
                '\n', '\r', '\0', '\u{1}', '\u{7f}', '\u{85}', 'é', '日', '𝄞', '\u{2028}',
                '\u{fffe}', '\u{ffff}', ']', '=', '/', '-',
            ];
            let len = self.below(12) as usize;
            (0..len)
                .map(|_| POOL[self.below(POOL.len() as u64) as usize])
                .collect()
        }
        fn pick<T: Copy>(&mut self, all: &[T]) -> T {
            all[self.below(all.len() as u64) as usize]
        }
        fn bytes(&mut self) -> Vec<u8> {
            let len = self.below(10) as usize;
            (0..len).map(|_| self.next() as u8).collect()
        }
        fn lun(&mut self) -> VdsLunInformation {
            VdsLunInformation {
                version: self.next() as u32,
                device_type: self.next() as u8,
                device_type_modifier: self.next() as u8,
                command_queueing: self.flag(),
                bus_type: self.pick(BusType::ALL),
                vendor_id: self.flag().then(|| self.string()),
                product_id: self.flag().then(|| self.string()),
                product_revision: self.flag().then(|| self.string()),
                serial_number: self.flag().then(|| self.string()),
                disk_signature: self.id(),
                identifiers: (0..self.below(3))
                    .map(|_| StorageIdentifier {
                        code_set: self.pick(IdentifierCodeSet::ALL),
                        id_type: self.pick(IdentifierType::ALL),
                        identifier: self.bytes(),
                    })
                    .collect(),
                interconnects: (0..self.below(3))
                    .map(|_| Interconnect {
                        address_type: self.pick(InterconnectAddressType::ALL),
                        port: self.bytes(),
                        address: self.bytes(),
                    })
                    .collect(),
            }
        }
        fn mapping(&mut self) -> LunMapping {
            let luns: Vec<LunPair> = (0..self.below(3))
                .map(|_| LunPair {
                    original: self.lun(),
                    shadow: self.lun(),
                })
                .collect();
            let extents = if luns.is_empty() {
                Vec::new()
            } else {
                (0..self.below(4))
                    .map(|_| DiskExtent {
                        lun: self.below(luns.len() as u64) as u32,
                        offset: self.next(),
                        length: self.next(),
                    })
                    .collect()
            };
            LunMapping { luns, extents }
        }
        fn document(&mut self) -> BackupComponentsDocument {
            let backup_state = self.flag().then(|| BackupState {
                select_components: self.flag(),
                bootable_system_state: self.flag(),
                backup_type: BackupType::ALL[self.below(BackupType::ALL.len() as u64) as usize],
                partial_file_support: self.flag(),
            });
            let writers = (0..self.below(4))
                .map(|_| WriterMetadata {
                    writer_id: self.id(),
                    instance_id: self.id(),
                    writer_name: self.string(),
                })
                .collect();
            let snapshot_set = self.flag().then(|| SnapshotSetDescription {
                snapshot_set_id: self.id(),
                context: Context(self.next() as i32),
                created: self.flag(),
                snapshots: (0..self.below(4))
                    .map(|_| SnapshotDescription {
                        snapshot_id: self.id(),
                        provider_id: self.id(),
                        original_volume_name: self.string(),
                        originating_machine: self.string(),
                        service_machine: self.string(),
                        snapshot_device_object: self.string(),
                        snapshot_attributes: SnapshotAttributes::from_bits_retain(
                            self.next() as u32
                        ),
                        creation_timestamp: VssTimestamp(self.next() as i64),
                        lun_mapping: self.flag().then(|| self.mapping()),
                    })
                    .collect(),
            });
            BackupComponentsDocument {
                context: Context(self.next() as i32),
                backup_state,
                writers,
                snapshot_set,
            }
        }
    }

    #[test]
    fn generated_documents_round_trip_and_resist_mutation() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..300 {
            let doc = rng.document();
            round_trip(&doc);
            let xml = doc.to_xml();
            // Single-byte mutations never panic, and are either refused or change nothing.
            let mut bytes = xml.clone().into_bytes();
            for _ in 0..20 {
                let at = rng.below(bytes.len() as u64) as usize;
                let old = bytes[at];
                bytes[at] = b" \t\n<>&;\"'=/?!-x0aA{}#"[rng.below(21) as usize];
                if let Ok(text) = std::str::from_utf8(&bytes)
                    && let Ok(back) = BackupComponentsDocument::from_xml(text)
                {
                    assert_eq!(back, doc, "mutation accepted with a change:\n{text}");
                }
                bytes[at] = old;
            }
        }
    }
}
