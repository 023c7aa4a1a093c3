//! Backup components documents, read, saved and loaded into a requester object: see
//! `vss_conformance::fuzz_bodies::backup_document`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vss_conformance::fuzz_bodies::backup_document(data);
});
