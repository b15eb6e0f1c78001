//! Tools around the pipeline: doctor, bench, validate and scaffolds.

pub mod bench;
pub mod doctor;
pub mod scaffold;
pub mod validate;
