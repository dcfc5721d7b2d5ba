//! `algo.LoadBalancer` (Pipy 1.x): `new LoadBalancer(targets, {algorithm, key, weight,
//! capacity})`, `.allocate(tag?, validator?)` returning a resource `{target, free()}`,
//! `.provision(targets)` and `.schedule(n, validator?)`.
//!
//! Targets are any script values; `key(target)` gives their identity (the target itself by
//! default), `weight(target)` their weight (1), `capacity` a number or `capacity(target)`
//! the resources per target (0 = unlimited). The validator is either a function (a target
//! is eligible when it returns a truthy value) or an `algo.Cache` of excluded target keys,
//! the two forms Pipy versions have used.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Array, Ctx, Function, JsLifetime, Object, Persistent, Result, Value};
use weir_algo::{Algorithm, LoadBalancer, LoadBalancerOptions, ResourceId, TargetSpec};

use super::cache::{contains, SharedCache};
use super::{cache_arg, describe, number_arg, state, JsKey};
use crate::config::throw;

#[derive(Clone)]
struct Target {
    value: Persistent<Value<'static>>,
    key: JsKey,
}

struct State {
    lb: LoadBalancer<JsKey, Target>,
    /// One `{target, free()}` object per resource (shared by its concurrent uses).
    resources: HashMap<ResourceId, Persistent<Object<'static>>>,
}

type Shared = Rc<RefCell<State>>;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "LoadBalancer")]
pub struct JsLoadBalancer {
    #[qjs(skip_trace)]
    st: Shared,
    #[qjs(skip_trace)]
    key: Option<Persistent<Function<'static>>>,
    #[qjs(skip_trace)]
    weight: Option<Persistent<Function<'static>>>,
    #[qjs(skip_trace)]
    capacity: Option<Persistent<Function<'static>>>,
}

fn function_option<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    name: &str,
) -> Result<Option<Persistent<Function<'static>>>> {
    let v: Value = o.get(name)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_function() {
        Some(f) => Ok(Some(Persistent::save(ctx, f.clone()))),
        None => Err(throw(
            ctx,
            format!(
                "LoadBalancer(): option '{name}' must be a function, got {}",
                describe(Some(&v))
            ),
        )),
    }
}

/// Where an eligibility check comes from.
enum Validator<'js> {
    None,
    Function(Function<'js>),
    Exclude(SharedCache),
}

impl<'js> Validator<'js> {
    fn of(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<Validator<'js>> {
        if let Some(f) = v.and_then(|v| v.as_function()) {
            return Ok(Validator::Function(f.clone()));
        }
        Ok(match cache_arg(ctx, v, what) {
            Ok(Some(c)) => Validator::Exclude(c),
            Ok(None) => Validator::None,
            Err(_) => {
                return Err(throw(
                    ctx,
                    format!(
                        "{what}: expected a validator function or an algo.Cache, got {}",
                        describe(v)
                    ),
                ))
            }
        })
    }

    /// `unhealthy(target)`; the first exception a validator throws is kept in `err`.
    fn unhealthy(
        &self,
        ctx: &Ctx<'js>,
        t: &Target,
        err: &RefCell<Option<rquickjs::Error>>,
    ) -> bool {
        match self {
            Validator::None => false,
            Validator::Exclude(c) => contains(c, &t.key),
            Validator::Function(f) => {
                let ok = t
                    .value
                    .clone()
                    .restore(ctx)
                    .and_then(|v| f.call::<_, Value>((v,)));
                match ok {
                    Ok(v) => !crate::data_truthy(&v),
                    Err(e) => {
                        err.borrow_mut().get_or_insert(e);
                        true
                    }
                }
            }
        }
    }
}

impl JsLoadBalancer {
    /// Evaluates the option callbacks for every target (no state borrowed meanwhile).
    fn specs<'js>(
        &self,
        ctx: &Ctx<'js>,
        targets: Option<&Value<'js>>,
        what: &str,
    ) -> Result<Vec<TargetSpec<JsKey, Target>>> {
        let Some(v) = targets.filter(|v| !v.is_undefined() && !v.is_null()) else {
            return Ok(Vec::new());
        };
        let Some(arr) = v.as_array() else {
            return Err(throw(
                ctx,
                format!(
                    "{what}: expected an array of targets, got {}",
                    describe(Some(v))
                ),
            ));
        };
        let call = |f: &Option<Persistent<Function<'static>>>,
                    t: &Value<'js>|
         -> Result<Option<Value<'js>>> {
            match f {
                Some(f) => Ok(Some(f.clone().restore(ctx)?.call((t.clone(),))?)),
                None => Ok(None),
            }
        };
        let mut out = Vec::with_capacity(arr.len());
        for item in arr.iter::<Value>() {
            let t = item?;
            let key = call(&self.key, &t)?.unwrap_or_else(|| t.clone());
            let key = JsKey::of(ctx, &key)?;
            let weight = match call(&self.weight, &t)? {
                Some(w) if !w.is_undefined() => {
                    number_arg(ctx, Some(&w), &format!("{what}: weight()"))?
                }
                _ => 1.0,
            };
            let capacity = match call(&self.capacity, &t)? {
                Some(c) if !c.is_undefined() => {
                    Some(number_arg(ctx, Some(&c), &format!("{what}: capacity()"))? as i32)
                }
                _ => None,
            };
            out.push(TargetSpec {
                key: key.clone(),
                target: Target {
                    value: Persistent::save(ctx, t),
                    key,
                },
                weight,
                capacity,
            });
        }
        Ok(out)
    }
}

fn free(weak: &Weak<RefCell<State>>, id: ResourceId) {
    if let Some(st) = weak.upgrade() {
        if let Ok(mut s) = st.try_borrow_mut() {
            s.lb.free(id);
        }
    }
}

fn resource_object<'js>(
    ctx: &Ctx<'js>,
    st: &Shared,
    s: &mut State,
    id: ResourceId,
) -> Result<Value<'js>> {
    if let Some(o) = s.resources.get(&id) {
        return Ok(o.clone().restore(ctx)?.into_value());
    }
    let o = Object::new(ctx.clone())?;
    let target = match s.lb.target(id) {
        Some(t) => t.value.clone().restore(ctx)?,
        None => Value::new_undefined(ctx.clone()),
    };
    o.set("target", target)?;
    let weak = Rc::downgrade(st);
    o.set("free", Function::new(ctx.clone(), move || free(&weak, id))?)?;
    s.resources.insert(id, Persistent::save(ctx, o.clone()));
    Ok(o.into_value())
}

#[rquickjs::methods]
impl JsLoadBalancer {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        targets: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<JsLoadBalancer> {
        const WHAT: &str = "LoadBalancer()";
        let mut opts = LoadBalancerOptions::default();
        let mut this = JsLoadBalancer {
            st: Rc::new(RefCell::new(State {
                lb: LoadBalancer::new(Vec::new(), opts)
                    .map_err(|e| throw(&ctx, format!("{WHAT}: {e}")))?,
                resources: HashMap::new(),
            })),
            key: None,
            weight: None,
            capacity: None,
        };
        if let Some(v) = options.0.filter(|v| !v.is_undefined() && !v.is_null()) {
            let Some(o) = v.as_object().filter(|_| !v.is_function()) else {
                return Err(throw(
                    &ctx,
                    format!(
                        "{WHAT}: options must be an object, got {}",
                        describe(Some(&v))
                    ),
                ));
            };
            if let Some(name) = o.get::<_, Option<String>>("algorithm")? {
                opts.algorithm = Algorithm::from_name(&name).ok_or_else(|| {
                    throw(&ctx, format!("{WHAT}: unknown algorithm '{name}' (expected 'round-robin', 'least-load' or 'hashing')"))
                })?;
            }
            this.key = function_option(&ctx, o, "key")?;
            this.weight = function_option(&ctx, o, "weight")?;
            let cap: Value = o.get("capacity")?;
            if cap.is_function() {
                this.capacity = function_option(&ctx, o, "capacity")?;
            } else if !cap.is_undefined() && !cap.is_null() {
                opts.capacity =
                    number_arg(&ctx, Some(&cap), &format!("{WHAT}: option 'capacity'"))? as i32;
            }
        }
        let specs = this.specs(&ctx, targets.0.as_ref(), WHAT)?;
        let lb = LoadBalancer::new(specs, opts).map_err(|e| throw(&ctx, format!("{WHAT}: {e}")))?;
        this.st.borrow_mut().lb = lb;
        Ok(this)
    }

    pub fn provision<'js>(&self, ctx: Ctx<'js>, targets: Opt<Value<'js>>) -> Result<()> {
        const WHAT: &str = "LoadBalancer.provision()";
        let specs = self.specs(&ctx, targets.0.as_ref(), WHAT)?;
        state(&ctx, &self.st, WHAT)?
            .lb
            .provision(specs)
            .map_err(|e| throw(&ctx, format!("{WHAT}: {e}")))
    }

    /// A resource of the next target (or of the target whose key is `tag`), or `undefined`
    /// when no target is eligible.
    pub fn allocate<'js>(
        &self,
        ctx: Ctx<'js>,
        tag: Opt<Value<'js>>,
        validator: Opt<Value<'js>>,
    ) -> Result<Value<'js>> {
        const WHAT: &str = "LoadBalancer.allocate()";
        let tag = match tag.0 {
            Some(v) if !v.is_undefined() => Some(JsKey::of(&ctx, &v)?),
            _ => None,
        };
        let validator = Validator::of(&ctx, validator.0.as_ref(), WHAT)?;
        let err = RefCell::new(None);
        let mut s = state(&ctx, &self.st, WHAT)?;
        let id =
            s.lb.allocate(tag.as_ref(), &|t| validator.unhealthy(&ctx, t, &err));
        if let Some(e) = err.into_inner() {
            return Err(e);
        }
        match id {
            Some(id) => resource_object(&ctx, &self.st, &mut s, id),
            None => Ok(Value::new_undefined(ctx)),
        }
    }

    /// The targets of the next `size` picks (counted as picks).
    pub fn schedule<'js>(
        &self,
        ctx: Ctx<'js>,
        size: Opt<Value<'js>>,
        validator: Opt<Value<'js>>,
    ) -> Result<Array<'js>> {
        const WHAT: &str = "LoadBalancer.schedule()";
        let n = number_arg(&ctx, size.0.as_ref(), WHAT)?;
        if !(0.0..=1e6).contains(&n) {
            return Err(throw(
                &ctx,
                format!("{WHAT}: the size must be between 0 and 1000000, got {n}"),
            ));
        }
        let validator = Validator::of(&ctx, validator.0.as_ref(), WHAT)?;
        let err = RefCell::new(None);
        let picks = state(&ctx, &self.st, WHAT)?
            .lb
            .schedule(n as usize, &|t| validator.unhealthy(&ctx, t, &err));
        if let Some(e) = err.into_inner() {
            return Err(e);
        }
        let out = Array::new(ctx.clone())?;
        for (i, t) in picks.into_iter().enumerate() {
            let v = match t {
                Some(t) => t.value.restore(&ctx)?,
                None => Value::new_undefined(ctx.clone()),
            };
            out.set(i, v)?;
        }
        Ok(out)
    }
}
