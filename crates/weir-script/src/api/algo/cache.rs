//! `algo.Cache`: `new Cache(allocate?, free?, {size, ttl})` with `.get` (calls `allocate`
//! on a miss), `.set`, `.has`, `.find`, `.remove`, `.clear`. Keys are compared as Pipy
//! does (see [`JsKey`]); `free(key, value)` is called for entries evicted by `size`, removed
//! or cleared. The callbacks run after the cache has been updated, never while it is
//! borrowed, so they may use the cache themselves.
//!
//! The entries live in an `Rc<RefCell<..>>` so the balancers can consult a cache given to
//! them as their "unhealthy" set without going through JS.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant;

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Ctx, Function, JsLifetime, Persistent, Result, Value};
use weir_algo::{Cache, CacheOptions, Evicted};

use super::{describe, state, JsKey};
use crate::config::throw;

/// One entry: the key is kept as the script gave it, for `free(key, value)`.
pub struct Entry {
    key: Persistent<Value<'static>>,
    value: Persistent<Value<'static>>,
}

pub type SharedCache = Rc<RefCell<Cache<JsKey, Entry>>>;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Cache")]
pub struct JsCache {
    #[qjs(skip_trace)]
    entries: SharedCache,
    #[qjs(skip_trace)]
    allocate: Option<Persistent<Function<'static>>>,
    #[qjs(skip_trace)]
    free: Option<Persistent<Function<'static>>>,
}

fn callback<'js>(
    ctx: &Ctx<'js>,
    v: Option<Value<'js>>,
    what: &str,
) -> Result<Option<Persistent<Function<'static>>>> {
    match v {
        None => Ok(None),
        Some(v) if v.is_undefined() || v.is_null() => Ok(None),
        Some(v) => match v.as_function() {
            Some(f) => Ok(Some(Persistent::save(ctx, f.clone()))),
            None => Err(throw(
                ctx,
                format!(
                    "Cache(): {what} must be a function, got {}",
                    describe(Some(&v))
                ),
            )),
        },
    }
}

fn options<'js>(ctx: &Ctx<'js>, v: Option<Value<'js>>) -> Result<CacheOptions> {
    let mut out = CacheOptions::default();
    let Some(v) = v.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(out);
    };
    let Some(o) = v.as_object().filter(|_| !v.is_function()) else {
        return Err(throw(
            ctx,
            format!(
                "Cache(): options must be an object, got {}",
                describe(Some(&v))
            ),
        ));
    };
    let size: Value = o.get("size")?;
    if !size.is_undefined() && !size.is_null() {
        match size.as_number() {
            Some(n) if n >= 0.0 && n.is_finite() => out.size = n as usize,
            _ => {
                return Err(throw(
                    ctx,
                    format!(
                        "Cache(): option 'size' must be a number not below 0, got {}",
                        describe(Some(&size))
                    ),
                ))
            }
        }
    }
    out.ttl = crate::opts::time(ctx, o, "ttl", "Cache()")?.filter(|t| !t.is_zero());
    Ok(out)
}

/// True when `cache` holds a truthy value for the string `key` (balancers' unhealthy sets).
pub fn holds_truthy(ctx: &Ctx<'_>, cache: &SharedCache, key: &Rc<str>) -> bool {
    let Ok(mut c) = cache.try_borrow_mut() else {
        return false;
    };
    let k = JsKey::Str(key.clone());
    match c.find(&k, Instant::now()) {
        Some(e) => e
            .value
            .clone()
            .restore(ctx)
            .is_ok_and(|v| crate::data_truthy(&v)),
        None => false,
    }
}

/// True when `cache` has an entry for `key`, whatever its value (`LoadBalancer` exclusions).
pub fn contains(cache: &SharedCache, key: &JsKey) -> bool {
    cache
        .try_borrow_mut()
        .is_ok_and(|mut c| c.has(key, Instant::now()))
}

impl JsCache {
    pub fn shared(&self) -> SharedCache {
        self.entries.clone()
    }

    /// Calls `free(key, value)` for entries taken out, in order; the first error is
    /// returned after all of them have been offered.
    fn free_all<'js>(&self, ctx: &Ctx<'js>, gone: Evicted<JsKey, Entry>) -> Result<()> {
        let Some(f) = &self.free else { return Ok(()) };
        if gone.is_empty() {
            return Ok(());
        }
        let f = f.clone().restore(ctx)?;
        let mut first_err = Ok(());
        for (_, e) in gone {
            let r = f.call::<_, Value>((e.key.restore(ctx)?, e.value.restore(ctx)?));
            if let (Err(e), true) = (r, first_err.is_ok()) {
                first_err = Err(e);
            }
        }
        first_err
    }
}

#[rquickjs::methods]
impl JsCache {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        allocate: Opt<Value<'js>>,
        free: Opt<Value<'js>>,
        opts: Opt<Value<'js>>,
    ) -> Result<JsCache> {
        let allocate = callback(&ctx, allocate.0, "allocate")?;
        let free = callback(&ctx, free.0, "free")?;
        let options = options(&ctx, opts.0)?;
        Ok(JsCache {
            entries: Rc::new(RefCell::new(Cache::new(options))),
            allocate,
            free,
        })
    }

    /// The value for `key`; on a miss, the value `allocate(key)` returns (stored), or
    /// `undefined` without an `allocate` callback.
    pub fn get<'js>(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>) -> Result<Value<'js>> {
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let k = JsKey::of(&ctx, &key)?;
        let now = Instant::now();
        if let Some(e) = state(&ctx, &self.entries, "Cache.get()")?.get(&k, now) {
            return e.value.clone().restore(&ctx);
        }
        let Some(allocate) = &self.allocate else {
            return Ok(Value::new_undefined(ctx));
        };
        let v: Value = allocate.clone().restore(&ctx)?.call((key.clone(),))?;
        let entry = Entry {
            key: Persistent::save(&ctx, key),
            value: Persistent::save(&ctx, v.clone()),
        };
        let gone = state(&ctx, &self.entries, "Cache.get()")?.set(k, entry, Instant::now());
        self.free_all(&ctx, gone)?;
        Ok(v)
    }

    pub fn set<'js>(
        &self,
        ctx: Ctx<'js>,
        key: Opt<Value<'js>>,
        value: Opt<Value<'js>>,
    ) -> Result<()> {
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let value = value.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let k = JsKey::of(&ctx, &key)?;
        let entry = Entry {
            key: Persistent::save(&ctx, key),
            value: Persistent::save(&ctx, value),
        };
        let gone = state(&ctx, &self.entries, "Cache.set()")?.set(k, entry, Instant::now());
        self.free_all(&ctx, gone)
    }

    /// The value for `key` or `undefined`; never allocates.
    pub fn find<'js>(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>) -> Result<Value<'js>> {
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let k = JsKey::of(&ctx, &key)?;
        match state(&ctx, &self.entries, "Cache.find()")?.find(&k, Instant::now()) {
            Some(e) => e.value.clone().restore(&ctx),
            None => Ok(Value::new_undefined(ctx)),
        }
    }

    pub fn has<'js>(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>) -> Result<bool> {
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let k = JsKey::of(&ctx, &key)?;
        Ok(state(&ctx, &self.entries, "Cache.has()")?.has(&k, Instant::now()))
    }

    /// Removes the entry (calling `free`). As in Pipy: with a `free` callback the answer is
    /// whether a live entry was removed; without one, whether any entry was.
    pub fn remove<'js>(&self, ctx: Ctx<'js>, key: Opt<Value<'js>>) -> Result<bool> {
        let key = key.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let k = JsKey::of(&ctx, &key)?;
        let removed = state(&ctx, &self.entries, "Cache.remove()")?.remove(&k, Instant::now());
        let Some(r) = removed else { return Ok(false) };
        if self.free.is_none() {
            return Ok(true);
        }
        self.free_all(&ctx, vec![(k, r.value)])?;
        Ok(!r.expired)
    }

    pub fn clear<'js>(&self, ctx: Ctx<'js>) -> Result<()> {
        let gone = state(&ctx, &self.entries, "Cache.clear()")?.clear();
        self.free_all(&ctx, gone)
    }
}
