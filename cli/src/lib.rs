//! The library half of the `vss-sim` command: the diagrams it draws for learners.
//!
//! `vss-sim diagram` prints these; they are a library too so that tests, and anyone who
//! embeds the simulator, can draw a requester object's lifecycle or a run's timeline without
//! going through the command line.

pub mod diagram;
