//! `repeat(cond).to(...)` and `loop($=>...)` / `loop().to(...)`: the script side of the
//! engine's `Repeat` and `Loop` filters.
//!
//! `repeat` shares its row with the config-time `repeat(count, fn)` of legacy modules: a
//! single function argument is the filter, anything else the config-time loop.

use std::rc::{Rc, Weak};

use rquickjs::{Ctx, Function, Promise, Result, Value};
use weir_engine::filters::loop_::Loop;
use weir_engine::filters::repeat::{resume, Again, Repeat, RepeatCond};
use weir_engine::{LayoutRef, Pipeline};

use crate::api::layout::layout_of;
use crate::config::{throw, Builder};
use crate::data_truthy;
use crate::js::Callback;
use crate::value::{event_to_js, type_name};

/// `repeat(cond)`: `cond(streamEnd)` → truthy, or a Promise of it.
pub fn repeat<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let f = args
        .first()
        .and_then(|v| v.as_function())
        .ok_or_else(|| throw(ctx, "repeat(): expected a condition function"))?;
    let cb = Callback::new(ctx, f.clone());
    let cond: RepeatCond = Rc::new(move |cx, evt| {
        let evt = evt.clone();
        let home = cx.home();
        cb.call(
            cx.context(),
            "repeat()",
            move |ctx| Ok(vec![event_to_js(ctx, &evt)?]),
            move |ctx, v| match v.as_promise() {
                Some(p) => {
                    when_settled(ctx, p, home).map_err(|e| e.to_string())?;
                    Ok(Again::Later)
                }
                None if data_truthy(&v) => Ok(Again::Yes),
                None => Ok(Again::No),
            },
        )
        .unwrap_or(Again::Failed)
    });
    let layout = b.expect_to();
    b.add(ctx, "repeat", Rc::new(Repeat { layout, cond }))
}

/// Gives the repeat filter at `home` the promise's answer once it settles.
fn when_settled<'js>(
    ctx: &Ctx<'js>,
    p: &Promise<'js>,
    home: (Weak<Pipeline>, usize),
) -> Result<()> {
    let h1 = home.clone();
    let on_ok = Function::new(ctx.clone(), move |v: Value<'js>| {
        resume(h1.clone(), Ok(data_truthy(&v)));
    })?;
    let on_err = Function::new(ctx.clone(), move |v: Value<'js>| {
        let why = v
            .as_object()
            .and_then(|o| o.get::<_, String>("message").ok())
            .unwrap_or_else(|| type_name(&v));
        tracing::error!("[script] repeat(): promise rejected: {why}");
        resume(home.clone(), Err(()));
    })?;
    let then: Function = p.get("then")?;
    then.call::<_, Value>((rquickjs::function::This(p.clone()), on_ok, on_err))?;
    Ok(())
}

/// `loop($=>...)`, or `loop()` followed by `.to(...)`.
pub fn loop_filter<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let layout = match args.first() {
        Some(v) if !v.is_undefined() => LayoutRef::of(layout_of(ctx, v, "loop()")?),
        _ => b.expect_to(),
    };
    b.add(ctx, "loop", Rc::new(Loop { layout }))
}
