//! Call sequences over two machines, on the simulator and the reference model side by side:
//! see `vss_conformance::fuzz_bodies::call_sequence`.

#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vss_conformance::fuzz_bodies::call_sequence(data);
});
