//! The `algo` global: thin JS bindings over the pure algorithms in `weir-algo`.
//!
//! | PipyJS                                         | here                    |
//! |------------------------------------------------|-------------------------|
//! | `new algo.URLRouter(rules)`                    | [`router`]              |
//! | `new algo.Cache(allocate, free, opts)`         | [`cache`]               |
//! | `new algo.RoundRobinLoadBalancer(t, u)` …      | [`balancer`]            |
//! | `new algo.LoadBalancer(targets, opts)`         | [`load_balancer`]       |
//! | `new algo.Quota(initial, opts)`                | [`quota`]               |
//! | `algo.Percentile`, `algo.ResourcePool`, `algo.hash`, `algo.uuid` | [`misc`] |
//! | `new algo.SharedMap(name)`                     | [`shared_map`]          |
//!
//! Everything here is per worker thread (one JS heap each), except `SharedMap` and keyed
//! `Quota`s, which are process-wide. Script callbacks (`allocate`, `free`, validators, the
//! `LoadBalancer` option functions) are never called while a binding holds a borrow of its
//! own state, so a callback may use the same object again; a genuine re-entry that cannot
//! work throws a `TypeError` instead of panicking.

mod balancer;
mod cache;
mod load_balancer;
mod misc;
pub(crate) mod quota;
mod router;
mod shared_map;

use std::cell::{RefCell, RefMut};
use std::rc::Rc;

use rquickjs::{Class, Ctx, Function, Object, Persistent, Result, Type, Value};
use weir_algo::HashValue;

use crate::config::throw;

pub use cache::JsCache;
pub use misc::limits as bucket_limits;

thread_local! {
    /// The prelude's `__weir_objectId`, saved once so scripts cannot replace it.
    static OBJECT_ID: RefCell<Option<Persistent<Function<'static>>>> = const { RefCell::new(None) };
}

/// Forgets the saved prelude function (the worker is unloading).
pub fn clear_thread() {
    OBJECT_ID.with(|o| o.borrow_mut().take());
}

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let id: Function = ctx.globals().get("__weir_objectId")?;
    OBJECT_ID.with(|o| *o.borrow_mut() = Some(Persistent::save(ctx, id)));

    let algo = Object::new(ctx.clone())?;
    algo.set(
        "URLRouter",
        Class::<router::URLRouter>::create_constructor(ctx)?,
    )?;
    algo.set("Cache", Class::<cache::JsCache>::create_constructor(ctx)?)?;
    balancer::install(ctx, &algo)?;
    algo.set(
        "LoadBalancer",
        Class::<load_balancer::JsLoadBalancer>::create_constructor(ctx)?,
    )?;
    algo.set("Quota", Class::<quota::JsQuota>::create_constructor(ctx)?)?;
    algo.set(
        "SharedMap",
        Class::<shared_map::JsSharedMap>::create_constructor(ctx)?,
    )?;
    misc::install(ctx, &algo)?;
    ctx.globals().set("algo", algo)?;
    Ok(())
}

/// A script value as a map key, with Pipy's equality: strings and numbers by value (`1` and
/// `'1'` differ; `-0 == 0`), objects by identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JsKey {
    Undefined,
    Null,
    Bool(bool),
    /// Normalised bits of the number.
    Number(u64),
    Str(Rc<str>),
    /// `__weir_objectId` of the object (ids are never reused).
    Object(u64),
}

impl JsKey {
    pub fn number(n: f64) -> JsKey {
        JsKey::Number(if n == 0.0 {
            0
        } else if n.is_nan() {
            f64::NAN.to_bits()
        } else {
            n.to_bits()
        })
    }

    pub fn of<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<JsKey> {
        Ok(match v.type_of() {
            Type::Uninitialized | Type::Undefined => JsKey::Undefined,
            Type::Null => JsKey::Null,
            Type::Bool => JsKey::Bool(v.as_bool().unwrap_or(false)),
            Type::Int | Type::Float => JsKey::number(v.as_number().unwrap_or(f64::NAN)),
            Type::String => match v.as_string() {
                Some(s) => JsKey::Str(Rc::from(s.to_string()?)),
                None => JsKey::Undefined,
            },
            _ if v.is_object() => JsKey::Object(object_id(ctx, v)?),
            other => return Err(throw(ctx, format!("a {other:?} cannot be used as a key"))),
        })
    }

    pub fn hash_value(&self) -> HashValue<'_> {
        match self {
            JsKey::Undefined => HashValue::Undefined,
            JsKey::Null => HashValue::Null,
            JsKey::Bool(b) => HashValue::Bool(*b),
            JsKey::Number(bits) => HashValue::Number(f64::from_bits(*bits)),
            JsKey::Str(s) => HashValue::String(s),
            JsKey::Object(id) => HashValue::Object(*id),
        }
    }
}

/// The identity number of an object (stable while it lives, never reused).
pub fn object_id<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<u64> {
    let f = OBJECT_ID
        .with(|o| o.borrow().clone())
        .ok_or_else(|| throw(ctx, "algo: object identities are not set up"))?
        .restore(ctx)?;
    let id: f64 = f.call((v.clone(),))?;
    Ok(id as u64)
}

/// A value borrowed as a [`HashValue`] without copying a string into Rust's heap.
pub enum HashArg<'js> {
    Str(rquickjs::CString<'js>),
    Owned(JsKey),
}

impl<'js> HashArg<'js> {
    pub fn of(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<HashArg<'js>> {
        match v.as_string() {
            Some(s) => Ok(HashArg::Str(rquickjs::CString::from_string(s.clone())?)),
            None => JsKey::of(ctx, v).map(HashArg::Owned),
        }
    }

    pub fn get(&self) -> HashValue<'_> {
        match self {
            HashArg::Str(s) => HashValue::String(s.as_str()),
            HashArg::Owned(k) => k.hash_value(),
        }
    }
}

/// A number argument (ints and floats), or a `TypeError` naming `what`.
pub fn number_arg<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<f64> {
    v.and_then(|v| v.as_number()).ok_or_else(|| {
        throw(
            ctx,
            format!("{what}: expected a number, got {}", describe(v)),
        )
    })
}

/// Like [`number_arg`] but `undefined` gives `default`.
pub fn number_or<'js>(
    ctx: &Ctx<'js>,
    v: Option<&Value<'js>>,
    default: f64,
    what: &str,
) -> Result<f64> {
    match v {
        None => Ok(default),
        Some(x) if x.is_undefined() => Ok(default),
        Some(_) => number_arg(ctx, v, what),
    }
}

/// A short description of a bad argument for error messages.
pub fn describe(v: Option<&Value<'_>>) -> String {
    match v {
        None => "nothing".to_string(),
        Some(v) if v.is_undefined() => "undefined".to_string(),
        Some(v) if v.is_null() => "null".to_string(),
        Some(v) => crate::value::type_name(v),
    }
}

/// Mutable access to a binding's state; a re-entry from a script callback that would need
/// the state while it is in use is a `TypeError`, never a panic.
pub fn state<'a, T>(ctx: &Ctx<'_>, cell: &'a RefCell<T>, what: &str) -> Result<RefMut<'a, T>> {
    cell.try_borrow_mut().map_err(|_| {
        throw(
            ctx,
            format!("{what}: called again from one of its own callbacks"),
        )
    })
}

/// An optional `algo.Cache` argument (`undefined`/`null` for none).
pub fn cache_arg<'js>(
    ctx: &Ctx<'js>,
    v: Option<&Value<'js>>,
    what: &str,
) -> Result<Option<cache::SharedCache>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_undefined() || v.is_null() => Ok(None),
        Some(v) => match Class::<JsCache>::from_value(v) {
            Ok(c) => Ok(Some(c.borrow().shared())),
            Err(_) => Err(throw(
                ctx,
                format!("{what}: expected an algo.Cache, got {}", describe(Some(v))),
            )),
        },
    }
}
