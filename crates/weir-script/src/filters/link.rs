//! `link`, `use`, `branch`, `branchMessageStart`, `branchMessage`: the script side of the
//! engine's `Link` filter (shared-context sub-pipelines chosen once per stream).

use std::rc::Rc;

use rquickjs::{Class, Ctx, Result, Value};
use weir_engine::filters::chain::{Chain, UseList, UseStage};
use weir_engine::filters::link::{Arm, Choice, Link, Trigger};
use weir_engine::filters::{Chooser, Condition};
use weir_engine::{Event, LayoutRef};

use crate::config::{layout_ref, named_ref, prog, throw, Builder, Configuration};
use crate::data_truthy;
use crate::js::Callback;
use crate::value::event_to_js;

fn named(
    ctx: &Ctx<'_>,
    b: &Rc<Builder>,
    name: String,
    in_module: Option<usize>,
) -> Result<Rc<LayoutRef>> {
    named_ref(ctx, b, name, in_module, false)
}

/// A script condition: `cond(evt)` is truthy.
pub fn condition<'js>(
    ctx: &Ctx<'js>,
    f: &rquickjs::Function<'js>,
    what: &'static str,
) -> Condition {
    let cb = Callback::new(ctx, f.clone());
    Rc::new(move |cx, evt: &Event| {
        let evt = evt.clone();
        cb.call(
            cx.context(),
            what,
            move |ctx| Ok(vec![event_to_js(ctx, &evt)?]),
            |_, v| Ok(data_truthy(&v)),
        )
        .ok()
    })
}

pub fn link<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let first = args
        .first()
        .ok_or_else(|| throw(ctx, "link(): expected a pipeline name"))?;
    let choice = if args.len() >= 2 {
        // Before 0.90: link(name1, cond1, name2, cond2, ..., defaultName)
        let mut arms = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let name = args[i]
                .as_string()
                .ok_or_else(|| {
                    throw(
                        ctx,
                        "link(): expected pipeline names between the conditions",
                    )
                })?
                .to_string()?;
            let layout = Some(named(ctx, b, name, None)?);
            let cond = match args.get(i + 1) {
                Some(c) => match c.as_function() {
                    Some(f) => Some(condition(ctx, f, "link() condition")),
                    None => return Err(throw(ctx, "link(): conditions must be functions")),
                },
                None => None,
            };
            arms.push(Arm { cond, layout });
            i += 2;
        }
        Choice::Arms(arms)
    } else if let Some(s) = first.as_string() {
        Choice::Layout(named(ctx, b, s.to_string()?, None)?)
    } else if let Some(f) = first.as_function() {
        let cb = Callback::new(ctx, f.clone());
        let module = b.module;
        let chooser: Chooser = Rc::new(move |cx, _evt| {
            let name = cb.call(
                cx.context(),
                "link()",
                |_| Ok(Vec::new()),
                |_, v| Ok(v.as_string().and_then(|s| s.to_string().ok())),
            )?;
            let Some(name) = name else { return Ok(None) };
            let p = crate::module::program().ok_or(())?;
            let m = p.module(module).ok_or(())?;
            let found = m.named.borrow().get(&name).cloned();
            match found {
                Some(l) => Ok(Some(l)),
                None => {
                    tracing::error!(
                        "[script] link(): pipeline '{name}' not found in {}",
                        m.display()
                    );
                    Err(())
                }
            }
        });
        Choice::Dynamic(chooser)
    } else {
        return Err(throw(ctx, "link(): expected a pipeline name or a function"));
    };
    b.add(
        ctx,
        "link",
        Rc::new(Link {
            method: "link",
            choice,
            trigger: Trigger::FirstEvent,
        }),
    )
}

/// Loads each module named in a JS array of codebase paths.
fn load_modules<'js>(
    ctx: &Ctx<'js>,
    list: &rquickjs::Array<'js>,
    what: &str,
) -> Result<Vec<usize>> {
    let p = prog(ctx)?;
    let mut ids = Vec::new();
    for item in list.iter::<Value>() {
        let item = item?;
        let file = item
            .as_string()
            .ok_or_else(|| throw(ctx, format!("{what}: expected module file names")))?
            .to_string()?;
        ids.push(p.load_module(ctx, &file).map_err(|e| throw(ctx, e))?);
    }
    Ok(ids)
}

/// `chain([modules])` starts a module chain; `chain()` continues the current one.
pub fn chain<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let list = match args.first() {
        None => None,
        Some(v) if v.is_undefined() => None,
        Some(v) => {
            let arr = v
                .as_array()
                .ok_or_else(|| throw(ctx, "chain(): expected an array of module file names"))?;
            let mut refs = Vec::new();
            for id in load_modules(ctx, arr, "chain()")? {
                refs.push(named_ref(ctx, b, String::new(), Some(id), false)?);
            }
            Some(Rc::new(refs))
        }
    };
    b.add(ctx, "chain", Rc::new(Chain { list }))
}

pub fn use_module<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    if let Some(arr) = args.first().and_then(|v| v.as_array()) {
        return use_list(ctx, b, arr, args);
    }
    let file = args
        .first()
        .and_then(|v| v.as_string())
        .ok_or_else(|| throw(ctx, "use(): expected a module file name or a list of them"))?
        .to_string()?;
    if file.ends_with(".so") {
        return Err(throw(
            ctx,
            format!("use(): native modules ({file}) are not supported yet"),
        ));
    }
    let p = prog(ctx)?;
    let id = p.load_module(ctx, &file).map_err(|e| throw(ctx, e))?;
    let name = match args.get(1).and_then(|v| v.as_string()) {
        Some(s) => s.to_string()?,
        None => String::new(),
    };
    let r = named(ctx, b, name, Some(id))?;
    b.add(
        ctx,
        "use",
        Rc::new(Link {
            method: "use",
            choice: Choice::Layout(r),
            trigger: Trigger::FirstEvent,
        }),
    )
}

/// `use([modules], 'request', 'response'?, turnDown?)`: the up pipelines in order, then the
/// down pipelines in reverse; modules without one are skipped in that direction.
fn use_list<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    arr: &rquickjs::Array<'js>,
    args: &[Value<'js>],
) -> Result<()> {
    let request = match args.get(1).and_then(|v| v.as_string()) {
        Some(s) => s.to_string()?,
        None => {
            return Err(throw(
                ctx,
                "use(): expected the name of the request pipeline",
            ))
        }
    };
    // A function in third place is `turnDown` without a response pipeline name.
    let (response, turn_down) = match args.get(2) {
        Some(v) if v.is_function() => (None, Some(v)),
        other => (other, args.get(3)),
    };
    let response = match response {
        None => None,
        Some(v) if v.is_undefined() || v.is_null() => None,
        Some(v) => match v.as_string() {
            Some(s) => Some(s.to_string()?),
            None => {
                return Err(throw(
                    ctx,
                    "use(): expected the name of the response pipeline as the third argument",
                ))
            }
        },
    };
    let turn_down = match turn_down {
        None => None,
        Some(v) if v.is_undefined() || v.is_null() => None,
        Some(v) => match v.as_function() {
            Some(f) => {
                let cb = Callback::new(ctx, f.clone());
                let cond: Condition = Rc::new(move |cx, _evt| {
                    cb.call(
                        cx.context(),
                        "use() turnDown",
                        |_| Ok(Vec::new()),
                        |_, v| Ok(data_truthy(&v)),
                    )
                    .ok()
                });
                Some(cond)
            }
            None => {
                return Err(throw(
                    ctx,
                    "use(): expected a function as the fourth argument (turnDown)",
                ))
            }
        },
    };
    let mut stages = Vec::new();
    for id in load_modules(ctx, arr, "use()")? {
        let up = Some(named_ref(ctx, b, request.clone(), Some(id), true)?);
        let down = match &response {
            Some(name) => Some(named_ref(ctx, b, name.clone(), Some(id), true)?),
            None => None,
        };
        stages.push(UseStage { up, down });
    }
    b.add(ctx, "use", Rc::new(UseList { stages, turn_down }))
}

pub fn branch<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    this: &Class<'js, Configuration>,
    method: &'static str,
    trigger: Trigger,
    args: &[Value<'js>],
) -> Result<()> {
    let dynamic = args.first().is_some_and(|v| v.is_function());
    if !dynamic && trigger == Trigger::FirstEvent {
        // Static branch: pick at load time and build into this same configuration.
        let mut i = 0;
        while i < args.len() {
            let (cond, body) = if i + 1 < args.len() {
                (crate::api::data::truthy(&args[i]), &args[i + 1])
            } else {
                (true, &args[i])
            };
            if cond {
                if let Some(f) = body.as_function() {
                    f.call::<_, Value>((this.clone(),))?;
                } else if body.is_string() {
                    let r = layout_ref(ctx, b, body, method)?;
                    b.add(
                        ctx,
                        method,
                        Rc::new(Link {
                            method,
                            choice: Choice::Layout(r),
                            trigger,
                        }),
                    )?;
                }
                return Ok(());
            }
            i += 2;
        }
        return Ok(());
    }
    let mut arms = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if i + 1 < args.len() {
            let f = args[i]
                .as_function()
                .ok_or_else(|| throw(ctx, format!("{method}(): conditions must be functions")))?;
            let cond = Some(condition(ctx, f, method));
            let layout = arm_layout(ctx, b, &args[i + 1], method)?;
            arms.push(Arm { cond, layout });
        } else {
            let layout = arm_layout(ctx, b, &args[i], method)?;
            arms.push(Arm { cond: None, layout });
        }
        i += 2;
    }
    b.add(
        ctx,
        method,
        Rc::new(Link {
            method,
            choice: Choice::Arms(arms),
            trigger,
        }),
    )
}

fn arm_layout<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    v: &Value<'js>,
    method: &str,
) -> Result<Option<Rc<LayoutRef>>> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    layout_ref(ctx, b, v, method).map(Some)
}
