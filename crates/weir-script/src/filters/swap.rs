//! `swap(hub | fn)`: the script side of the engine's `Swap` filter (see `api/hub.rs` for
//! `pipeline.Hub`).

use std::rc::Rc;

use rquickjs::{Ctx, Result, Value};
use weir_engine::filters::swap::{HubChooser, Swap};

use crate::api::hub;
use crate::config::{throw, Builder};
use crate::js::Callback;

pub fn swap<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let first = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let chooser: HubChooser = if let Some(h) = hub::from_value(&first) {
        Rc::new(move |_| Ok(Some(h.clone())))
    } else if let Some(f) = first.as_function() {
        let cb = Callback::new(ctx, f.clone());
        Rc::new(move |cx| {
            cb.call(
                cx.context(),
                "swap()",
                |_| Ok(Vec::new()),
                |_, v| {
                    if v.is_null() || v.is_undefined() {
                        return Ok(None);
                    }
                    hub::from_value(&v).map(Some).ok_or_else(|| {
                        format!(
                            "the callback returned {}, not a pipeline.Hub",
                            crate::value::type_name(&v)
                        )
                    })
                },
            )
        })
    } else {
        return Err(throw(ctx, "swap(): expected a pipeline.Hub or a function"));
    };
    b.add(ctx, "swap", Rc::new(Swap { hub: chooser }))
}
