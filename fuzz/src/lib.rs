//! Shared checks for the fuzz targets in `fuzz_targets/`.

pub mod compress;
pub mod http1;
