//! `fork(x).to(...)`: copies every input event into sub-pipeline(s) and passes the input on
//! unchanged; what the sub-pipelines output is discarded.
//!
//! - `fork()` / `fork(value)`: one sub-pipeline sharing the context;
//! - `fork(array)` / `fork(fn)` returning an array: one per element, each with a cloned context;
//! - era A `fork('name', initializers)`: cloned contexts whose context variables are set from
//!   each initializer object (`fork('per-node', () => [{_target: 'a'}, {_target: 'b'}])`).

use std::rc::Rc;

use rquickjs::{Array, Ctx, Object, Persistent, Result, Value};
use weir_engine::{Context, Event, Filter, FilterCx, FilterFactory, LayoutRef, Pipeline};

use crate::config::{named_ref, Builder};
use crate::js::Callback;
use crate::module::Slots;

#[derive(Clone)]
enum Init {
    None,
    Value(Persistent<Value<'static>>),
    Call(Callback),
}

pub struct Fork {
    layout: Rc<LayoutRef>,
    init: Init,
    /// Era A: initializers assign context variables of this module.
    assign_vars: Option<usize>,
}

pub fn fork<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let (layout, init_arg, assign) = match args.first().and_then(|v| v.as_string()) {
        Some(name) => {
            let r = named_ref(ctx, b, name.to_string()?, None, false)?;
            (r, args.get(1).cloned(), Some(b.module))
        }
        None => (b.expect_to(), args.first().cloned(), None),
    };
    let init = match init_arg {
        None => Init::None,
        Some(v) if v.is_undefined() => Init::None,
        Some(v) => match v.as_function() {
            Some(f) => Init::Call(Callback::new(ctx, f.clone())),
            None => Init::Value(Persistent::save(ctx, v)),
        },
    };
    b.add(
        ctx,
        "fork",
        Rc::new(Fork {
            layout,
            init,
            assign_vars: assign,
        }),
    )
}

impl FilterFactory for Fork {
    fn name(&self) -> &str {
        "fork"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ForkFilter {
            layout: self.layout.clone(),
            init: self.init.clone(),
            assign_vars: self.assign_vars,
            branches: None,
        })
    }
    fn subs(&self) -> Vec<Rc<LayoutRef>> {
        vec![self.layout.clone()]
    }
}

struct ForkFilter {
    layout: Rc<LayoutRef>,
    init: Init,
    assign_vars: Option<usize>,
    branches: Option<Vec<Rc<Pipeline>>>,
}

/// What the initializer says: how many branches, and for era A the variables of each.
enum Plan {
    Shared,
    Cloned(Vec<Option<Persistent<Object<'static>>>>),
}

fn plan_of<'js>(ctx: &Ctx<'js>, v: Value<'js>, assign: bool) -> Plan {
    if let Some(arr) = v.as_array() {
        let items = arr
            .iter::<Value>()
            .map(|x| {
                x.ok()
                    .and_then(|x| x.into_object())
                    .filter(|_| assign)
                    .map(|o| Persistent::save(ctx, o))
            })
            .collect();
        return Plan::Cloned(items);
    }
    match v.into_object() {
        Some(o) if assign => Plan::Cloned(vec![Some(Persistent::save(ctx, o))]),
        _ => Plan::Shared,
    }
}

impl ForkFilter {
    fn start(&mut self, cx: &FilterCx, first: &Event) -> Option<Vec<Rc<Pipeline>>> {
        let layout = self.layout.get()?.clone();
        let assign = self.assign_vars.is_some();
        let plan = match &self.init {
            Init::None => Plan::Shared,
            Init::Value(v) => crate::js::enter(Some(cx.context()), |ctx| {
                v.clone()
                    .restore(ctx)
                    .map(|v| plan_of(ctx, v, assign))
                    .unwrap_or(Plan::Shared)
            })
            .unwrap_or(Plan::Shared),
            Init::Call(cb) => {
                let first = first.clone();
                let result = Rc::new(std::cell::RefCell::new(None));
                let slot = result.clone();
                cb.call(
                    cx.context(),
                    "fork()",
                    move |ctx| Ok(vec![crate::value::event_to_js(ctx, &first)?]),
                    move |ctx, v| {
                        *slot.borrow_mut() = Some(plan_of(ctx, v, assign));
                        Ok(())
                    },
                )
                .ok()?;
                let plan = result.borrow_mut().take().unwrap_or(Plan::Shared);
                plan
            }
        };
        let branches = match plan {
            Plan::Shared => vec![cx.sub_pipeline(&layout, false, 0)],
            Plan::Cloned(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, vars)| {
                    let child = cx.context().fork();
                    if let (Some(vars), Some(module)) = (vars, self.assign_vars) {
                        assign_vars(&child, module, vars);
                    }
                    cx.sub_pipeline_in(&layout, child, i)
                })
                .collect(),
        };
        Some(branches)
    }
}

/// Sets the context variables named by `vars`' keys in `child` (era A fork initializers).
fn assign_vars(child: &Rc<Context>, module: usize, vars: Persistent<Object<'static>>) {
    let Some(p) = crate::module::program() else {
        return;
    };
    let Some(m) = p.module(module) else { return };
    let Some(slots) = child.data_as::<Slots>() else {
        return;
    };
    crate::js::enter_keep(|ctx| {
        let (Ok(vars), Ok(arr)) = (vars.restore(ctx), slots.0.clone().restore(ctx)) else {
            return;
        };
        let arr: Array = arr;
        for key in vars.keys::<String>().flatten() {
            let slot = m.vars.borrow().get(&key).copied();
            match slot {
                Some(slot) => {
                    if let Ok(v) = vars.get::<_, Value>(&key) {
                        let _ = arr.set(slot, v);
                    }
                }
                None => tracing::warn!(
                    "[script] fork(): '{key}' is not a context variable of {}",
                    m.display()
                ),
            }
        }
    });
}

impl Filter for ForkFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.branches.is_none() {
            match self.start(cx, &evt) {
                Some(b) => self.branches = Some(b),
                None => {
                    self.branches = Some(Vec::new());
                }
            }
        }
        if let Some(branches) = &self.branches {
            for b in branches {
                weir_engine::sched::emit(&b.input(), evt.clone());
            }
        }
        cx.output(evt);
    }

    fn on_sub_event(&mut self, _cx: &FilterCx, _key: usize, _evt: Event) {}
}
