//! The backup components document of a transportable set through the requester API: a
//! document changed after `SaveAsXML` is refused by `InitializeForBackup`, and the intact
//! one still imports on the other machine.

use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
use vss_model::{Context, HResult, SnapshotAttributes as A, VssId};
use vss_sim::Simulator;

/// Makes a persistent transportable set of `E:` on HOSTA and returns its document.
fn transportable_document(sim: &Simulator) -> (String, VssId) {
    let mut a = sim.create_backup_components("HOSTA").unwrap();
    a.initialize_for_backup(None).unwrap();
    let context =
        Context(Context::VSS_CTX_NAS_ROLLBACK.0 | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32);
    a.set_context(context).unwrap();
    a.start_snapshot_set().unwrap();
    let id = a.add_to_snapshot_set("E:\\", VssId::NULL).unwrap();
    let mut op = a.do_snapshot_set().unwrap();
    assert_eq!(op.wait(INFINITE), HResult::S_OK);
    assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
    (a.save_as_xml().unwrap(), id)
}

#[test]
fn a_changed_lun_description_is_refused_and_the_intact_document_imports() {
    let sim = Simulator::default_world();
    let (xml, id) = transportable_document(&sim);
    // The shadow LUN's serial number, as the document records it.
    let start = xml.find("<SHADOW_LUN").expect("a LUN pair in the document");
    let serial_at = start + xml[start..].find("serialNumber=\"").unwrap() + 14;
    let serial_end = serial_at + xml[serial_at..].find('"').unwrap();
    let serial = &xml[serial_at..serial_end];
    let changes = [
        xml.replacen(serial, "SIM999999999", 1),
        xml.replacen(
            "busType=\"VDSBusTypeFibre\"",
            "busType=\"VDSBusTypeiScsi\"",
            1,
        ),
        xml.replacen("<DISK_EXTENT lun=\"0\"", "<DISK_EXTENT lun=\"1\"", 1),
    ];
    for (n, changed) in changes.iter().enumerate() {
        assert_ne!(changed, &xml, "change {n} found nothing to change");
        let mut b = sim.create_backup_components("HOSTB").unwrap();
        assert_eq!(
            b.initialize_for_backup(Some(changed)),
            Err(HResult::VSS_E_INVALID_XML_DOCUMENT),
            "change {n}"
        );
        // Refused, the object is still uninitialized: importing is out of sequence.
        assert_eq!(b.import_snapshots().err(), Some(HResult::VSS_E_BAD_STATE));
    }
    let mut b = sim.create_backup_components("HOSTB").unwrap();
    b.initialize_for_backup(Some(&xml)).unwrap();
    let mut op = b.import_snapshots().unwrap();
    assert_eq!(op.wait(INFINITE), HResult::S_OK);
    assert_eq!(op.query_status(), Ok(HResult::VSS_S_ASYNC_FINISHED));
    let prop = b.get_snapshot_properties(id).unwrap();
    assert!(
        prop.snapshot_attributes
            .contains(A::VSS_VOLSNAP_ATTR_IMPORTED | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE)
    );
}
