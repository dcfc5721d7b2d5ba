//! `algo.RoundRobinLoadBalancer`, `algo.LeastWorkLoadBalancer`, `algo.HashingLoadBalancer`.
//!
//! * `next(borrower?, key?, unhealthy?)` (alias `borrow`) returns a resource `{id}` that
//!   stays with its borrower: by default the stream's root context (the inbound connection
//!   or task run), released when that context is dropped; an object borrower is released
//!   when it is garbage-collected (a `FinalizationRegistry`), so `next({})` is a fresh
//!   choice per call. Resource objects are recycled per target, as in Pipy, so a script
//!   that keys `muxHTTP` by them shares upstream sessions.
//! * `select(key?, unhealthy?)` returns a target id with no stickiness; `deselect(id)` ends
//!   a pick (least-work counts them).
//! * `set(targets)` replaces the targets (`set(id, weight)` for one, round-robin and
//!   least-work); `add(id)` appends one (hashing).
//!
//! `unhealthy` (given to the constructor and/or a call) is an `algo.Cache`; a target is
//! unhealthy while either cache holds a truthy value for its id.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{
    Class, Constructor, Ctx, FromJs, Function, JsLifetime, Object, Persistent, Result, Value,
};
use weir_algo::{
    BorrowerId, Hashing, HashingLoadBalancer, Lease, LeastWork, LeastWorkLoadBalancer, ResourceId,
    RoundRobin, RoundRobinLoadBalancer,
};

use super::cache::{holds_truthy, SharedCache};
use super::{cache_arg, describe, object_id, state, HashArg};
use crate::config::throw;

enum Algo {
    RoundRobin(RoundRobinLoadBalancer<Rc<str>>),
    LeastWork(LeastWorkLoadBalancer<Rc<str>>),
    Hashing(HashingLoadBalancer<Rc<str>>),
}

/// Runs the same expression on whichever balancer it is.
macro_rules! each {
    ($algo:expr, $lb:ident => $e:expr) => {
        match $algo {
            Algo::RoundRobin($lb) => $e,
            Algo::LeastWork($lb) => $e,
            Algo::Hashing($lb) => $e,
        }
    };
}

impl Algo {
    fn knows(&self, id: &str) -> bool {
        match self {
            Algo::RoundRobin(lb) => lb.selector().targets().any(|(t, _)| &**t == id),
            Algo::LeastWork(lb) => lb.selector().load(&Rc::from(id)).is_some(),
            Algo::Hashing(lb) => lb.selector().targets().iter().any(|t| &**t == id),
        }
    }

    fn set(&mut self, targets: Vec<(Rc<str>, i32)>) {
        match self {
            Algo::RoundRobin(lb) => lb.selector_mut().set(targets),
            Algo::LeastWork(lb) => lb.selector_mut().set(targets),
            Algo::Hashing(lb) => lb.selector_mut().set(targets.into_iter().map(|(t, _)| t)),
        }
    }
}

struct State {
    algo: Algo,
    unhealthy: Option<SharedCache>,
    /// One `{id}` object per resource, handed out again to the next borrower of its target.
    resources: HashMap<ResourceId, Persistent<Object<'static>>>,
    /// Releases object borrowers when they are collected (made on first use).
    registry: Option<Persistent<Object<'static>>>,
}

type Shared = Rc<RefCell<State>>;

fn release(weak: &Weak<RefCell<State>>, borrower: BorrowerId) {
    if let Some(st) = weak.upgrade() {
        if let Ok(mut s) = st.try_borrow_mut() {
            each!(&mut s.algo, lb => lb.release(borrower));
        }
    }
}

/// Target ids and weights from `['a', 'b']` (weight 1 each) or `{a: 2, b: 1}`.
fn targets<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<Vec<(Rc<str>, i32)>> {
    let mut out = Vec::new();
    let Some(v) = v.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(out);
    };
    if let Some(arr) = v.as_array() {
        for item in arr.iter::<Value>() {
            let item = item?;
            out.push((target_id(ctx, &item, what)?, 1));
        }
    } else if let Some(obj) = v.as_object().filter(|_| !v.is_function()) {
        for prop in obj.props::<String, Value>() {
            let (k, w) = prop?;
            out.push((Rc::from(k.as_str()), weight(ctx, &k, &w, what)?));
        }
    } else {
        return Err(throw(
            ctx,
            format!(
                "{what}: expected an array of targets or an object of weights, got {}",
                describe(Some(v))
            ),
        ));
    }
    Ok(out)
}

fn target_id<'js>(ctx: &Ctx<'js>, v: &Value<'js>, what: &str) -> Result<Rc<str>> {
    if let Some(s) = v.as_string() {
        return Ok(Rc::from(s.to_string()?));
    }
    if v.as_number().is_some() {
        let s = rquickjs::convert::Coerced::<String>::from_js(ctx, v.clone())?.0;
        return Ok(Rc::from(s));
    }
    Err(throw(
        ctx,
        format!(
            "{what}: a target id must be a string, got {}",
            describe(Some(v))
        ),
    ))
}

fn weight<'js>(ctx: &Ctx<'js>, id: &str, v: &Value<'js>, what: &str) -> Result<i32> {
    match v.as_number() {
        Some(n) if !n.is_nan() => Ok(n.clamp(i32::MIN as f64, i32::MAX as f64) as i32),
        _ => Err(throw(
            ctx,
            format!(
                "{what}: the weight of target '{id}' must be a number, got {}",
                describe(Some(v))
            ),
        )),
    }
}

/// Who borrows: the current stream's root context by default, or an object.
enum Borrower {
    Root(Rc<weir_engine::Context>),
    Object(u64),
    /// No stream (module load time) and no object: a choice with no session.
    Nobody,
}

impl Borrower {
    fn of<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<Borrower> {
        match v {
            Some(v) if v.is_object() => Ok(Borrower::Object(object_id(ctx, v)?)),
            Some(v) if !v.is_undefined() && !v.is_null() => Err(throw(
                ctx,
                format!(
                    "{what}: the borrower must be an object, got {}",
                    describe(Some(v))
                ),
            )),
            _ => Ok(match crate::js::current_stream() {
                Some(s) => Borrower::Root(s.root_context()),
                None => Borrower::Nobody,
            }),
        }
    }

    fn id(&self) -> Option<BorrowerId> {
        match self {
            Borrower::Root(c) => Some(BorrowerId(c.id << 1)),
            Borrower::Object(id) => Some(BorrowerId((id << 1) | 1)),
            Borrower::Nobody => None,
        }
    }
}

fn resource_object<'js>(
    ctx: &Ctx<'js>,
    s: &mut State,
    lease: &Lease<Rc<str>>,
) -> Result<Value<'js>> {
    if let Some(o) = s.resources.get(&lease.resource) {
        return Ok(o.clone().restore(ctx)?.into_value());
    }
    let o = Object::new(ctx.clone())?;
    o.set("id", &*lease.target)?;
    s.resources
        .insert(lease.resource, Persistent::save(ctx, o.clone()));
    Ok(o.into_value())
}

/// Arranges for the borrower's session to end when it goes away.
fn watch<'js>(
    ctx: &Ctx<'js>,
    st: &Shared,
    s: &mut State,
    who: &Borrower,
    borrower: &Value<'js>,
    id: BorrowerId,
) -> Result<()> {
    let weak = Rc::downgrade(st);
    match who {
        Borrower::Root(root) => root.on_drop(move || release(&weak, id)),
        Borrower::Object(_) => {
            let registry = match &s.registry {
                Some(r) => r.clone().restore(ctx)?,
                None => {
                    let cb = Function::new(ctx.clone(), move |held: f64| {
                        release(&weak, BorrowerId(held as u64));
                    })?;
                    let ctor: Constructor = ctx.globals().get("FinalizationRegistry")?;
                    let r: Object = ctor.construct((cb,))?;
                    s.registry = Some(Persistent::save(ctx, r.clone()));
                    r
                }
            };
            let register: Function = registry.get("register")?;
            register.call::<_, ()>((
                rquickjs::function::This(registry),
                borrower.clone(),
                id.0 as f64,
            ))?;
        }
        Borrower::Nobody => {}
    }
    Ok(())
}

/// A key argument: `undefined` (or missing) means none; `null` is a key, as in Pipy.
fn key_arg<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>) -> Result<Option<HashArg<'js>>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_undefined() => Ok(None),
        Some(v) => HashArg::of(ctx, v).map(Some),
    }
}

fn next<'js>(
    ctx: &Ctx<'js>,
    st: &Shared,
    args: [Option<Value<'js>>; 3],
    what: &str,
) -> Result<Value<'js>> {
    let [borrower_v, key, unhealthy] = args;
    let who = Borrower::of(ctx, borrower_v.as_ref(), what)?;
    let key = key_arg(ctx, key.as_ref())?;
    let extra = cache_arg(ctx, unhealthy.as_ref(), what)?;
    let mut guard = state(ctx, st, what)?;
    let s = &mut *guard;
    let own = s.unhealthy.clone();
    let sick = |t: &Rc<str>| {
        own.as_ref().is_some_and(|c| holds_truthy(ctx, c, t))
            || extra.as_ref().is_some_and(|c| holds_truthy(ctx, c, t))
    };
    let key = key.as_ref().map(HashArg::get);
    let Some(id) = who.id() else {
        let Some(t) = each!(&mut s.algo, lb => lb.select(key, &sick)) else {
            return Ok(Value::new_undefined(ctx.clone()));
        };
        let o = Object::new(ctx.clone())?;
        o.set("id", &*t)?;
        return Ok(o.into_value());
    };
    let had = each!(&s.algo, lb => lb.lease(id).is_some());
    let lease = each!(&mut s.algo, lb => lb.borrow(id, key, &sick));
    let Some(lease) = lease else {
        each!(&mut s.algo, lb => lb.release(id));
        return Ok(Value::new_undefined(ctx.clone()));
    };
    if !had {
        let b = borrower_v.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        watch(ctx, st, s, &who, &b, id)?;
    }
    resource_object(ctx, s, &lease)
}

fn select<'js>(
    ctx: &Ctx<'js>,
    st: &Shared,
    key: Opt<Value<'js>>,
    unhealthy: Opt<Value<'js>>,
    what: &str,
) -> Result<Value<'js>> {
    let key = key_arg(ctx, key.0.as_ref())?;
    let extra = cache_arg(ctx, unhealthy.0.as_ref(), what)?;
    let mut s = state(ctx, st, what)?;
    let own = s.unhealthy.clone();
    let sick = |t: &Rc<str>| {
        own.as_ref().is_some_and(|c| holds_truthy(ctx, c, t))
            || extra.as_ref().is_some_and(|c| holds_truthy(ctx, c, t))
    };
    let key = key.as_ref().map(HashArg::get);
    match each!(&mut s.algo, lb => lb.select(key, &sick)) {
        Some(t) => Ok(rquickjs::String::from_str(ctx.clone(), &t)?.into_value()),
        None => Ok(Value::new_undefined(ctx.clone())),
    }
}

fn deselect<'js>(ctx: &Ctx<'js>, st: &Shared, id: Opt<Value<'js>>, what: &str) -> Result<()> {
    let Some(id) =
        id.0.as_ref()
            .and_then(|v| v.as_string())
            .map(|s| s.to_string())
            .transpose()?
    else {
        return Err(throw(
            ctx,
            format!(
                "{what}: expected a target id string, got {}",
                describe(id.0.as_ref())
            ),
        ));
    };
    let mut s = state(ctx, st, what)?;
    if !s.algo.knows(&id) {
        return Err(throw(ctx, format!("{what}: unknown target '{id}'")));
    }
    let id: Rc<str> = Rc::from(id);
    each!(&mut s.algo, lb => lb.deselect(&id));
    Ok(())
}

/// `set(targets)`, or `set(id, weight)` for the weighted balancers.
fn set<'js>(
    ctx: &Ctx<'js>,
    st: &Shared,
    a: Opt<Value<'js>>,
    b: Opt<Value<'js>>,
    what: &str,
) -> Result<()> {
    let weighted = matches!(
        state(ctx, st, what)?.algo,
        Algo::RoundRobin(_) | Algo::LeastWork(_)
    );
    if let (true, Some(id)) = (weighted, a.0.as_ref().filter(|v| v.is_string())) {
        let id = target_id(ctx, id, what)?;
        let w = b.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let w = weight(ctx, &id, &w, what)?;
        let mut s = state(ctx, st, what)?;
        match &mut s.algo {
            Algo::RoundRobin(lb) => lb.selector_mut().set_weight(id, w),
            Algo::LeastWork(lb) => lb.selector_mut().set_weight(id, w),
            Algo::Hashing(_) => {}
        }
        return Ok(());
    }
    if !a.0.as_ref().is_some_and(|v| v.is_object()) {
        return Err(throw(
            ctx,
            format!(
                "{what}: expected an array of targets or an object of weights, got {}",
                describe(a.0.as_ref())
            ),
        ));
    }
    let list = targets(ctx, a.0.as_ref(), what)?;
    state(ctx, st, what)?.algo.set(list);
    Ok(())
}

fn make<'js>(
    ctx: &Ctx<'js>,
    t: Opt<Value<'js>>,
    u: Opt<Value<'js>>,
    what: &str,
    algo: impl FnOnce(Vec<(Rc<str>, i32)>) -> Algo,
) -> Result<Shared> {
    let list = targets(ctx, t.0.as_ref(), what)?;
    let unhealthy = cache_arg(ctx, u.0.as_ref(), what)?;
    Ok(Rc::new(RefCell::new(State {
        algo: algo(list),
        unhealthy,
        resources: HashMap::new(),
        registry: None,
    })))
}

/// One JS class per balancer, with the shared methods; `$extra` adds class-specific ones.
macro_rules! balancer_class {
    ($name:ident, $js:literal, $algo:expr, { $($extra:tt)* }) => {
        #[derive(Trace, JsLifetime)]
        #[rquickjs::class(rename = $js)]
        pub struct $name {
            #[qjs(skip_trace)]
            st: Shared,
        }

        #[rquickjs::methods]
        impl $name {
            #[qjs(constructor)]
            pub fn new<'js>(ctx: Ctx<'js>, targets: Opt<Value<'js>>, unhealthy: Opt<Value<'js>>) -> Result<$name> {
                Ok($name { st: make(&ctx, targets, unhealthy, concat!($js, "()"), $algo)? })
            }

            pub fn next<'js>(&self, ctx: Ctx<'js>, borrower: Opt<Value<'js>>, key: Opt<Value<'js>>, unhealthy: Opt<Value<'js>>) -> Result<Value<'js>> {
                next(&ctx, &self.st, [borrower.0, key.0, unhealthy.0], concat!($js, ".next()"))
            }

            pub fn borrow<'js>(&self, ctx: Ctx<'js>, borrower: Opt<Value<'js>>, key: Opt<Value<'js>>, unhealthy: Opt<Value<'js>>) -> Result<Value<'js>> {
                next(&ctx, &self.st, [borrower.0, key.0, unhealthy.0], concat!($js, ".borrow()"))
            }

            pub fn select<'js>(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>, unhealthy: Opt<Value<'js>>) -> Result<Value<'js>> {
                select(&ctx, &self.st, key, unhealthy, concat!($js, ".select()"))
            }

            pub fn deselect<'js>(&self, ctx: Ctx<'js>, id: Opt<Value<'js>>) -> Result<()> {
                deselect(&ctx, &self.st, id, concat!($js, ".deselect()"))
            }

            pub fn set<'js>(&self, ctx: Ctx<'js>, a: Opt<Value<'js>>, b: Opt<Value<'js>>) -> Result<()> {
                set(&ctx, &self.st, a, b, concat!($js, ".set()"))
            }

            $($extra)*
        }
    };
}

balancer_class!(
    JsRoundRobin,
    "RoundRobinLoadBalancer",
    |t| Algo::RoundRobin(RoundRobinLoadBalancer::new(RoundRobin::new(t))),
    {}
);

balancer_class!(
    JsLeastWork,
    "LeastWorkLoadBalancer",
    |t| Algo::LeastWork(LeastWorkLoadBalancer::new(LeastWork::new(t))),
    {}
);

balancer_class!(
    JsHashing,
    "HashingLoadBalancer",
    |t: Vec<(Rc<str>, i32)>| Algo::Hashing(HashingLoadBalancer::new(Hashing::new(
        t.into_iter().map(|(id, _)| id)
    ))),
    {
        /// `add(id)`: appends a target.
        pub fn add<'js>(&self, ctx: Ctx<'js>, id: Opt<Value<'js>>) -> Result<()> {
            const WHAT: &str = "HashingLoadBalancer.add()";
            let id = id.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            let id = target_id(&ctx, &id, WHAT)?;
            if let Algo::Hashing(lb) = &mut state(&ctx, &self.st, WHAT)?.algo {
                lb.selector_mut().add(id);
            }
            Ok(())
        }
    }
);

pub fn install<'js>(ctx: &Ctx<'js>, algo: &Object<'js>) -> Result<()> {
    algo.set(
        "RoundRobinLoadBalancer",
        Class::<JsRoundRobin>::create_constructor(ctx)?,
    )?;
    algo.set(
        "LeastWorkLoadBalancer",
        Class::<JsLeastWork>::create_constructor(ctx)?,
    )?;
    algo.set(
        "HashingLoadBalancer",
        Class::<JsHashing>::create_constructor(ctx)?,
    )?;
    Ok(())
}
