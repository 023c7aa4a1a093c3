//! Reading: quick-xml events into a small element tree, then the tree into the document.

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesStart, Event};

use super::integrity::Integrity;
use super::{
    BackupComponentsDocument, BackupState, COMPONENT, DiskExtent, DocumentError, EXTENT,
    IDENTIFIER, INTEGRITY, INTERCONNECT, LunMapping, LunPair, MAPPING, NAMESPACE, ORIGINAL_LUN,
    PAIR, ROOT, SCHEMA_VERSION, SET, SHADOW_LUN, SNAPSHOT, SelectedComponent, SnapshotDescription,
    SnapshotSetDescription, WRITER, WRITER_COMPONENTS, WriterComponents, WriterMetadata,
};
use crate::attributes::SnapshotAttributes;
use crate::context::Context;
use crate::enums::BackupType;
use crate::guid::VssId;
use crate::lun::{
    BusType, IdentifierCodeSet, IdentifierType, Interconnect, InterconnectAddressType,
    StorageIdentifier, VdsLunInformation,
};
use crate::props::VssTimestamp;
use crate::writer_metadata::ComponentType;
use crate::xml_text::NUL_ENTITY;

/// The deepest element nesting the schema has (root, set, snapshot, LUN mapping, LUN pair,
/// LUN, identifier or interconnect).
const MAX_DEPTH: usize = 7;
/// How much of an offending value an error message quotes.
const QUOTE_LIMIT: usize = 80;

/// Reads a document's text: the document, and the integrity value it carries (not yet
/// checked against the content).
pub(super) fn document(text: &str) -> Result<(BackupComponentsDocument, Integrity), DocumentError> {
    read_document(parse_tree(text)?)
}

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
        crate::hex::decode(&value).ok_or_else(|| {
            self.invalid(
                name,
                &value,
                "hex digits, two for each byte, such as 600a0b80",
            )
        })
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
    let integrity =
        Integrity::parse(&text).ok_or_else(|| attrs.invalid(INTEGRITY, &text, "16 hex digits"))?;
    attrs.finish()?;

    let mut document = BackupComponentsDocument {
        context,
        backup_state,
        writers: Vec::new(),
        components: Vec::new(),
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
            WRITER_COMPONENTS => document.components.push(read_writer_components(child)?),
            SET => {
                if document.snapshot_set.is_some() {
                    return Err(duplicate_element(&child, ROOT));
                }
                document.snapshot_set = Some(read_set(child)?);
            }
            _ => return Err(unknown_element(&child, ROOT)),
        }
    }
    Ok((document, integrity))
}

/// Reads a `WRITER_COMPONENTS` and its `COMPONENT` elements.
fn read_writer_components(mut node: Node) -> Result<WriterComponents, DocumentError> {
    let mut a = Attrs::new(&mut node);
    let mut writer = WriterComponents {
        instance_id: a.guid("instanceId")?,
        writer_id: a.guid("writerId")?,
        components: Vec::new(),
    };
    a.finish()?;
    for mut child in std::mem::take(&mut node.children) {
        if child.name != COMPONENT {
            return Err(unknown_element(&child, WRITER_COMPONENTS));
        }
        no_children(&child)?;
        let mut a = Attrs::new(&mut child);
        writer.components.push(SelectedComponent {
            logical_path: a.required("logicalPath")?,
            component_name: a.required("componentName")?,
            component_type: a.sdk_name(
                "componentType",
                ComponentType::ALL,
                ComponentType::name,
                "a VSS_COMPONENT_TYPE name such as VSS_CT_FILEGROUP",
            )?,
            backup_succeeded: a.boolean("backupSucceeded")?,
        });
        a.finish()?;
    }
    Ok(writer)
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

/// Cuts a value short for an error message.
fn quote(value: &str) -> String {
    match value.char_indices().nth(QUOTE_LIMIT) {
        Some((end, _)) => format!("{}…", &value[..end]),
        None => value.to_string(),
    }
}
