//! Reports: the terminal summary and one writer per export format.

pub mod export;
pub mod html;
pub mod terminal;
