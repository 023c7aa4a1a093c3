//! The document's tests: round trips, tampering, schema violations and generated documents.

use super::*;
use crate::digest::fnv1a64;
use crate::lun::{
    BusType, IdentifierCodeSet, IdentifierType, Interconnect, InterconnectAddressType,
    StorageIdentifier,
};

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
        components: vec![
            WriterComponents {
                instance_id: id(0xffff_0000_1111_2222_3333_4444_5555_6666),
                writer_id: id(0xe8132975_6f93_4464_a53e_1050253ae220),
                components: vec![
                    SelectedComponent {
                        component_type: ComponentType::VSS_CT_FILEGROUP,
                        logical_path: String::new(),
                        component_name: "System Files".into(),
                        backup_succeeded: true,
                    },
                    SelectedComponent {
                        component_type: ComponentType::VSS_CT_DATABASE,
                        logical_path: "<db> & \"logs\"".into(),
                        component_name: "main\t".into(),
                        backup_succeeded: false,
                    },
                ],
            },
            WriterComponents {
                instance_id: id(7),
                writer_id: id(8),
                components: Vec::new(),
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
        xml.contains(r#"originalVolumeName="\\?\Volume{2b8e3ad1-0000-0000-0000-100000000000}\""#)
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
        xml.contains("<INTERCONNECT addressType=\"VDS_IA_UNKNOWN\" port=\"\" address=\"dead\"/>")
    );
    assert!(xml.contains("vendorId=\"CONTOSO &lt;&amp;&gt; &quot;q&quot; 'a'\" productId=\"\""));
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
            '\n', '\r', '\0', '\u{1}', '\u{7f}', '\u{85}', 'é', '日', '𝄞', '\u{2028}', '\u{fffe}',
            '\u{ffff}', ']', '=', '/', '-',
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
        let components = (0..self.below(3))
            .map(|_| WriterComponents {
                instance_id: self.id(),
                writer_id: self.id(),
                components: (0..self.below(3))
                    .map(|_| SelectedComponent {
                        component_type: ComponentType::ALL
                            [self.below(ComponentType::ALL.len() as u64) as usize],
                        logical_path: self.string(),
                        component_name: self.string(),
                        backup_succeeded: self.flag(),
                    })
                    .collect(),
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
                    snapshot_attributes: SnapshotAttributes::from_bits_retain(self.next() as u32),
                    creation_timestamp: VssTimestamp(self.next() as i64),
                    lun_mapping: self.flag().then(|| self.mapping()),
                })
                .collect(),
        });
        BackupComponentsDocument {
            context: Context(self.next() as i32),
            backup_state,
            writers,
            components,
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
