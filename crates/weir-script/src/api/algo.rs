//! `algo` globals (not implemented yet).

use rquickjs::{Ctx, Result};

pub fn install(_ctx: &Ctx<'_>) -> Result<()> {
    Ok(())
}
