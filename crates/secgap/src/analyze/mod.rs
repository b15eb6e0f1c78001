//! Analysis: metrics, the gap, paired comparisons and gates, over plain
//! rows of the vocabulary.

pub mod agreement;
pub mod compare;
pub mod gap;
pub mod gate;
pub mod level1;
pub mod metrics;
pub mod paths;
pub mod text;
