//! The conformance suite as one test binary: each module is a suite of its own (the corpus,
//! the property tests, the COM harness, the docs' examples, …). One binary links once,
//! which on a small machine is most of what a test run costs.

mod citing;
mod common;

mod bad_input;
mod checkable_scenarios;
mod citations;
mod com_abi;
mod com_abi_calls;
mod corpus;
mod doc_examples;
mod doc_sizes;
mod documented_codes;
mod exploration;
mod fuzz_seeds;
mod limits;
mod luns;
mod model_based;
mod module_graph;
mod point_in_time;
mod recorder;
mod scenario_functions;
mod state;
mod trace_snapshot;
mod transport_documents;
