//! Scenario files, parsed and run: see `vss_conformance::fuzz_bodies::scenario_file`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vss_conformance::fuzz_bodies::scenario_file(data);
});
