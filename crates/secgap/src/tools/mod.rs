//! Tools around the pipeline: doctor, bench, validate and scaffolds.

pub mod bench;
pub mod bench_web;
pub mod doctor;
pub mod scaffold;
pub mod validate;
