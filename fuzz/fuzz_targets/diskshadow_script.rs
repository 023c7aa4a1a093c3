//! DiskShadow scripts run, and metadata cabinets read: see
//! `vss_conformance::fuzz_bodies::diskshadow_script`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vss_conformance::fuzz_bodies::diskshadow_script(data);
});
