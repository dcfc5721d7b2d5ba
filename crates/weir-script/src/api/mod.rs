//! PipyJS globals, one file per family. Each file has an `install(ctx)` that defines its
//! globals; `install_all` runs them once per worker before any module loads.

pub mod algo;
pub mod crypto;
pub mod data;
pub mod http;
pub mod hub;
pub mod int;
pub mod json;
pub mod layout;
pub mod logging;
pub mod netmask;
pub mod os;
pub mod pipy;
pub mod stats;
pub mod timeout;
pub mod url;
pub mod xml;
pub mod yaml;

use rquickjs::{Ctx, Result};

/// Defines the globals that need no per-worker arguments.
/// Drops the JS values this thread's API objects keep (the worker is unloading).
pub fn clear_thread() {
    algo::clear_thread();
    stats::clear_thread();
}

pub fn install_all(ctx: &Ctx<'_>) -> Result<()> {
    algo::install(ctx)?;
    crypto::install(ctx)?;
    http::install(ctx)?;
    json::install(ctx)?;
    layout::install(ctx)?;
    logging::install(ctx)?;
    hub::install(ctx)?;
    int::install(ctx)?;
    netmask::install(ctx)?;
    os::install(ctx)?;
    stats::install(ctx)?;
    url::install(ctx)?;
    xml::install(ctx)?;
    yaml::install(ctx)?;
    Ok(())
}
