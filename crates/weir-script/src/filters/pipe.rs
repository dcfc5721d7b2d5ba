//! `pipe(target, targetMap?, initArgs?)` and `pipeNext(args?)`: the script side of the
//! engine's era-C links (`weir_engine::filters::pipe`).
//!
//! `target` is a `pipeline()` layout, a key into `targetMap`, an array of those (a chain whose
//! layouts call `pipeNext()` to go on), or `fn(firstEvent)` returning any of these (nullish:
//! events pass through). `targetMap` values are layouts or builder functions (built now).
//! As in Pipy, a function target is always the chooser, never a builder. A static target
//! that is not a layout or names no map entry is a load error; a chooser's bad answer is
//! logged and ends that stream with `RuntimeError`.
//!
//! `initArgs` (an array, a function of the first event, or any other value) gives the
//! sub-pipeline its start argument, seen by `onStart(arg => ...)`.

use std::collections::HashMap;
use std::rc::Rc;

use rquickjs::{Class, Ctx, Persistent, Result, Value};
use weir_engine::filters::pipe::{ArgFn, Pipe, PipeNext, PipeResolver, PipeTarget, StartArg};
use weir_engine::{Event, Layout, LayoutRef};

use crate::api::layout::{layout_of, PipelineLayout};
use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{event_to_js, type_name, JsValue};

/// A start argument holding a script value.
pub(crate) fn start_arg<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> StartArg {
    Some(Rc::new(JsValue(Persistent::save(ctx, v))))
}

/// How a sub-pipeline's start argument is worked out per stream.
#[derive(Clone)]
pub(crate) enum InitArg {
    None,
    /// Known at load time.
    Fixed(StartArg),
    /// `fn(firstEvent)`.
    Call(Callback),
}

impl InitArg {
    /// `initArgs` as given: a function, an array (Pipy's argument list: weir passes its first
    /// element), or any other value.
    pub(crate) fn parse<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>) -> InitArg {
        match v {
            None => InitArg::None,
            Some(v) if v.is_undefined() => InitArg::None,
            Some(v) => match (v.as_function(), v.as_array()) {
                (Some(f), _) => InitArg::Call(Callback::new(ctx, f.clone())),
                (None, Some(arr)) => {
                    let first = arr
                        .get::<Value>(0)
                        .unwrap_or_else(|_| Value::new_undefined(ctx.clone()));
                    InitArg::Fixed(start_arg(ctx, first))
                }
                (None, None) => InitArg::Fixed(start_arg(ctx, v.clone())),
            },
        }
    }

    pub(crate) fn eval(
        &self,
        cx: &weir_engine::FilterCx,
        evt: &Event,
        what: &str,
    ) -> std::result::Result<StartArg, ()> {
        match self {
            InitArg::None => Ok(None),
            InitArg::Fixed(a) => Ok(a.clone()),
            InitArg::Call(cb) => {
                let evt = evt.clone();
                cb.call(
                    cx.context(),
                    what,
                    move |ctx| Ok(vec![event_to_js(ctx, &evt)?]),
                    |ctx, v| Ok(start_arg(ctx, v)),
                )
            }
        }
    }
}

type TargetMap = HashMap<String, Rc<Layout>>;

/// The layouts a target names, and whether they form a chain (an array).
type Chosen = (Vec<Rc<Layout>>, bool);

/// A `pipeline()` layout object, if `v` is one.
fn as_layout(v: &Value<'_>) -> Option<Rc<Layout>> {
    Class::<PipelineLayout>::from_value(v)
        .ok()
        .map(|l| l.borrow().layout.clone())
}

/// One element of a target: a layout, or a key into the map.
fn element(v: &Value<'_>, map: &TargetMap) -> std::result::Result<Rc<Layout>, String> {
    if let Some(l) = as_layout(v) {
        return Ok(l);
    }
    let key = match v.as_string() {
        Some(s) => s.to_string().map_err(|e| e.to_string())?,
        None if map.is_empty() => {
            return Err(format!("expected a pipeline layout, not {}", type_name(v)))
        }
        None if v.is_number() || v.is_int() => {
            let n = v.as_number().unwrap_or_default();
            format!("{n}")
        }
        None => {
            return Err(format!(
                "expected a pipeline layout or a key into the target map, not {}",
                type_name(v)
            ))
        }
    };
    match map.get(&key) {
        Some(l) => Ok(l.clone()),
        None if map.is_empty() => Err(format!(
            "pipeline '{key}' not found (there is no target map)"
        )),
        None => Err(format!("pipeline '{key}' not found in the target map")),
    }
}

/// What a target value means: `None` for nullish (pass through).
fn resolve(v: &Value<'_>, map: &TargetMap) -> std::result::Result<Option<Chosen>, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(arr) = v.as_array() {
        let mut layouts = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter::<Value>().enumerate() {
            let item = item.map_err(|e| e.to_string())?;
            layouts.push(element(&item, map).map_err(|e| format!("at index {i}: {e}"))?);
        }
        return Ok(Some((layouts, true)));
    }
    Ok(Some((vec![element(v, map)?], false)))
}

fn target_map<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<TargetMap> {
    let mut map = TargetMap::new();
    let Some(o) = v.as_object() else {
        return Ok(map);
    };
    for key in o.keys::<String>() {
        let key = key?;
        let item: Value = o.get(&key)?;
        let layout = layout_of(ctx, &item, &format!("pipe(): map entry '{key}'"))?;
        map.insert(key, layout);
    }
    Ok(map)
}

pub fn pipe<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let target = args
        .first()
        .filter(|v| !v.is_undefined())
        .ok_or_else(|| throw(ctx, "pipe(): expected a target pipeline"))?;
    let (map, init) = match args.get(1) {
        Some(v) if v.is_array() || v.is_function() => (TargetMap::new(), InitArg::parse(ctx, Some(v))),
        Some(v) if v.is_undefined() || v.is_null() => (TargetMap::new(), InitArg::parse(ctx, args.get(2))),
        Some(v) if v.is_object() => (target_map(ctx, v)?, InitArg::parse(ctx, args.get(2))),
        Some(_) => {
            return Err(throw(
                ctx,
                "pipe(): the second argument must be a target map (an object) or the initial arguments (an array or a function)",
            ))
        }
        None => (TargetMap::new(), InitArg::None),
    };
    let map = Rc::new(map);
    let mut subs: Vec<Rc<LayoutRef>> = map.values().cloned().map(LayoutRef::of).collect();
    let resolver: PipeResolver = if let Some(f) = target.as_function() {
        let cb = Callback::new(ctx, f.clone());
        Rc::new(move |cx, evt| {
            let map = map.clone();
            let first = evt.clone();
            let chosen = cb.call(
                cx.context(),
                "pipe()",
                move |ctx| Ok(vec![event_to_js(ctx, &first)?]),
                move |_, v| resolve(&v, &map),
            )?;
            let Some((layouts, chain)) = chosen else {
                return Ok(None);
            };
            let arg = init.eval(cx, evt, "pipe() initArgs")?;
            Ok(Some(PipeTarget {
                layouts,
                chain,
                arg,
            }))
        })
    } else {
        let (layouts, chain) = static_target(ctx, target, &map)?;
        subs.extend(layouts.iter().cloned().map(LayoutRef::of));
        Rc::new(move |cx, evt| {
            let arg = init.eval(cx, evt, "pipe() initArgs")?;
            Ok(Some(PipeTarget {
                layouts: layouts.clone(),
                chain,
                arg,
            }))
        })
    };
    b.add(
        ctx,
        "pipe",
        Rc::new(Pipe {
            resolve: resolver,
            subs,
        }),
    )
}

/// A target known at load time; arrays may also hold builder functions.
fn static_target<'js>(ctx: &Ctx<'js>, target: &Value<'js>, map: &TargetMap) -> Result<Chosen> {
    if let Some(arr) = target.as_array() {
        let mut layouts = Vec::with_capacity(arr.len());
        for (i, item) in arr.iter::<Value>().enumerate() {
            let item = item?;
            let layout = if item.is_function() {
                layout_of(ctx, &item, "pipe()")?
            } else {
                element(&item, map).map_err(|e| throw(ctx, format!("pipe(): at index {i}: {e}")))?
            };
            layouts.push(layout);
        }
        return Ok((layouts, true));
    }
    let layout = element(target, map).map_err(|e| throw(ctx, format!("pipe(): {e}")))?;
    Ok((vec![layout], false))
}

pub fn pipe_next<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let arg: Option<ArgFn> = match args.first() {
        None => None,
        Some(v) if v.is_undefined() => None,
        Some(v) => match v.as_function() {
            Some(f) => {
                let cb = Callback::new(ctx, f.clone());
                Some(Rc::new(move |cx| {
                    cb.call(
                        cx.context(),
                        "pipeNext()",
                        |_| Ok(Vec::new()),
                        |ctx, v| Ok(start_arg(ctx, v)),
                    )
                }))
            }
            None => {
                let fixed = start_arg(ctx, v.clone());
                Some(Rc::new(move |_| Ok(fixed.clone())))
            }
        },
    };
    b.add(ctx, "pipeNext", Rc::new(PipeNext { arg }))
}
