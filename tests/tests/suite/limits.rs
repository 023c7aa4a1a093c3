//! The numeric limits of the system provider, through the requester API: at most 512
//! software shadow copies per volume. (The 64-volume limit of a set and `MaxShadowCopies` are
//! in the scenario corpus.)

use vss_model::backend::{Backend, BackupComponents, INFINITE, VssAsync};
use vss_model::{Context, HResult, VssId};
use vss_sim::Simulator;
use vss_sim::world_file;

const WORLD: &str = "
machines:
  - name: HOSTA
    volumes:
      - { mount: 'C:\\', size: 1 GiB, diff_area: { min: 0 } }
";

#[test]
fn a_volume_holds_512_software_shadow_copies() {
    let sim = Simulator::new(&world_file::parse(WORLD, "limits.yaml").unwrap()).unwrap();
    let mut creators = Vec::new();
    for n in 0..512 {
        let mut r = sim.create_backup_components("HOSTA").unwrap();
        r.initialize_for_backup(None).unwrap();
        r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
        r.start_snapshot_set().unwrap();
        r.add_to_snapshot_set("C:\\", VssId::NULL)
            .unwrap_or_else(|hr| panic!("copy {n}: {hr}"));
        let mut op = r.do_snapshot_set().unwrap();
        assert_eq!(op.wait(INFINITE), HResult::S_OK);
        assert_eq!(
            op.query_status(),
            Ok(HResult::VSS_S_ASYNC_FINISHED),
            "copy {n}"
        );
        creators.push(r);
    }
    let mut r = sim.create_backup_components("HOSTA").unwrap();
    r.initialize_for_backup(None).unwrap();
    r.set_context(Context::VSS_CTX_NAS_ROLLBACK).unwrap();
    r.start_snapshot_set().unwrap();
    assert_eq!(
        r.add_to_snapshot_set("C:\\", VssId::NULL),
        Err(HResult::VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED)
    );
    assert_eq!(r.is_volume_supported(VssId::NULL, "C:\\"), Ok(true));
}
