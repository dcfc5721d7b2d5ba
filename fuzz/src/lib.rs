//! Shared checks for the fuzz targets in `fuzz_targets/`.

pub mod http1;
