//! What the property tests share: how deep they run, and their proptest configuration.

use proptest::test_runner::{Config, RngSeed};

/// Whether `VSS_SIM_DEEP=1` asks for the long runs.
pub fn deep() -> bool {
    std::env::var("VSS_SIM_DEEP").is_ok_and(|v| v == "1")
}

/// `cases` cases (1024 in a deep run), from a fixed seed that `VSS_SIM_SEED` can change, with
/// no failure files written: the same run every time.
pub fn config(default_seed: u64, cases: u32) -> Config {
    let seed = std::env::var("VSS_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default_seed);
    Config {
        cases: if deep() { 1024 } else { cases },
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    }
}
