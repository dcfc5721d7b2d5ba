//! `forkJoin(initArgs).to(...)` and `forkRace(initArgs).to(...)`: the script side of the
//! engine's `ForkJoin` filter.
//!
//! `initArgs` is an array (one branch per element, the element being the branch's start
//! argument), a function of the first event returning such an array, or any other value
//! (one branch with that argument). Each branch runs in a clone of the context.

use std::rc::Rc;

use rquickjs::{Ctx, Persistent, Result, Value};
use weir_engine::filters::fork_join::{BranchArgs, ForkJoin, ForkMode};
use weir_engine::filters::pipe::StartArg;

use super::pipe::start_arg;
use crate::config::Builder;
use crate::js::Callback;
use crate::value::event_to_js;

/// The branches' start arguments for a value of `initArgs`.
fn branches<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> Vec<StartArg> {
    match v.as_array() {
        Some(arr) => arr
            .iter::<Value>()
            .map(|x| x.map(|x| start_arg(ctx, x)).unwrap_or(None))
            .collect(),
        None if v.is_undefined() => vec![None],
        None => vec![start_arg(ctx, v)],
    }
}

pub fn fork_join<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    mode: ForkMode,
    args: &[Value<'js>],
) -> Result<()> {
    let method = match mode {
        ForkMode::Join => "forkJoin()",
        ForkMode::Race => "forkRace()",
    };
    let init = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let args: BranchArgs = match init.as_function() {
        Some(f) => {
            let cb = Callback::new(ctx, f.clone());
            Rc::new(move |cx, evt| {
                let evt = evt.clone();
                cb.call(
                    cx.context(),
                    method,
                    move |ctx| Ok(vec![event_to_js(ctx, &evt)?]),
                    |ctx, v| Ok(branches(ctx, v)),
                )
            })
        }
        None => {
            let saved = Persistent::save(ctx, init);
            Rc::new(move |cx, _| {
                crate::js::enter(Some(cx.context()), |ctx| {
                    saved
                        .clone()
                        .restore(ctx)
                        .map(|v| branches(ctx, v))
                        .map_err(|_| ())
                })
                .unwrap_or(Err(()))
            })
        }
    };
    let layout = b.expect_to();
    b.add(
        ctx,
        &method[..method.len() - 2],
        Rc::new(ForkJoin { mode, layout, args }),
    )
}
