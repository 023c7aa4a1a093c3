//! How fast the explorer goes and how much memory it holds: unique states per second on
//! the default exploration (`vss-sim explore`: the small world, ten steps, findings
//! included), next to a toy stateright model of the same shape checked the same way, and
//! the bytes of memory at the peak of a run for each unique state.
//!
//! The toy model is what stateright does with a state of the same size and branching when
//! the model costs next to nothing: seven registers that a step increments, up to five
//! each, ten steps deep, the last register stepped being part of the state as the last
//! call is part of the explorer's. Its state holds a few hundred bytes in line and as many
//! on the heap in eight allocations, as the reference model's does, and it has 73 thousand
//! unique states with seven steps from each, against the explorer's 69 thousand and seven.
//!
//! Memory is counted by the global allocator (the bytes programs asked for, without the
//! allocator's own overhead): the peak during a run above what was held before it, divided
//! by the unique states. Every allocation pays for the count, the toy's as the explorer's.
//!
//! Run with `cargo bench -p vss-reference`; the bytes per state are printed before the
//! timings.

use std::alloc::System;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use stateright::{Checker, Model, Property};
use vss_reference::explore::{Exploration, SmallWorld};

#[global_allocator]
static ALLOCATOR: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Registers in a toy state, as many as the explorer has steps from a state on average.
const REGISTERS: usize = 7;
/// The highest value of a register.
const TOP: u64 = 5;
/// Steps explored, as in the small world's default exploration.
const DEPTH: u8 = 10;
/// The values each register keeps on the heap.
const VALUES: usize = 8;

/// The toy model: registers a step increments.
struct Toy;

/// A toy state: each register keeps its value `VALUES` times on the heap, the last register
/// stepped and the steps taken are kept in line with ballast that brings the in-line part
/// to the size of the explorer's state.
#[derive(Clone, Debug)]
struct ToyState {
    registers: Vec<Vec<u64>>,
    last: Option<usize>,
    steps: u8,
    ballast: [u64; 40],
}

impl PartialEq for ToyState {
    /// As the explorer's states, the steps taken are no part of a state's identity.
    fn eq(&self, other: &ToyState) -> bool {
        self.registers == other.registers
            && self.last == other.last
            && self.ballast == other.ballast
    }
}

impl Eq for ToyState {}

impl std::hash::Hash for ToyState {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.registers.hash(state);
        self.last.hash(state);
        self.ballast.hash(state);
    }
}

impl Model for Toy {
    type State = ToyState;
    type Action = usize;

    fn init_states(&self) -> Vec<ToyState> {
        vec![ToyState {
            registers: vec![vec![0; VALUES]; REGISTERS],
            last: None,
            steps: 0,
            ballast: [0; 40],
        }]
    }

    fn actions(&self, state: &ToyState, actions: &mut Vec<usize>) {
        if state.steps < DEPTH {
            actions.extend((0..REGISTERS).filter(|r| state.registers[*r][0] < TOP));
        }
    }

    fn next_state(&self, state: &ToyState, register: usize) -> Option<ToyState> {
        let mut next = state.clone();
        for value in &mut next.registers[register] {
            *value += 1;
        }
        next.last = Some(register);
        next.steps += 1;
        Some(next)
    }

    fn properties(&self) -> Vec<Property<Toy>> {
        vec![
            Property::always("no register passes the top", |_, s: &ToyState| {
                s.registers.iter().all(|r| r[0] <= TOP)
            }),
            Property::sometimes("every register at the top", |_, s: &ToyState| {
                s.registers.iter().all(|r| r[0] == TOP)
            }),
        ]
    }
}

/// The toy model checked as the explorer is: breadth first, one thread. Its generated and
/// unique states.
fn check_toy() -> (usize, usize) {
    let checker = Toy.checker().threads(1).spawn_bfs().join();
    (checker.state_count(), checker.unique_state_count())
}

/// The default exploration of the small world, findings included: the generated and unique
/// states.
fn check_explorer() -> (usize, usize) {
    let world = SmallWorld::Small;
    let findings = Exploration::new(world, world.default_depth()).check();
    (findings.counts.states, findings.counts.unique_states)
}

/// Runs a check once and prints its counts and the bytes held at its peak per unique state.
fn memory(name: &str, check: fn() -> (usize, usize)) -> usize {
    ALLOCATOR.reset_peak_memory();
    let (states, unique) = check();
    let peak = ALLOCATOR.get_peak_memory();
    println!(
        "{name}: {states} states, {unique} unique; peak {peak} bytes, {} bytes per unique state",
        peak / unique
    );
    unique
}

fn explore(c: &mut Criterion) {
    let explorer_unique = memory("explorer (small world, 10 steps)", check_explorer);
    let toy_unique = memory("toy stateright model", check_toy);
    let mut group = c.benchmark_group("unique states");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.throughput(Throughput::Elements(explorer_unique as u64));
    group.bench_function("explorer", |b| b.iter(|| black_box(check_explorer())));
    group.throughput(Throughput::Elements(toy_unique as u64));
    group.bench_function("toy model", |b| b.iter(|| black_box(check_toy())));
    group.finish();
}

criterion_group!(benches, explore);
criterion_main!(benches);
