//! PipyJS globals, one file per family.

pub mod data;
pub mod pipy;
pub mod timeout;
