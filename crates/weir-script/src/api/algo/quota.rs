//! `algo.Quota`: `new Quota(initial, {per, produce, max, key})` with `.consume(n)` (returns
//! the amount granted), `.produce(n)`, `.reset()`, `.current`, `.initial`.
//!
//! Refills are applied lazily: every call first catches up with the refills that came due
//! (`weir_algo::Quota::advance`), so a quota needs no timer of its own and never keeps a
//! worker alive. A quota with a `key` is one bucket shared by every worker thread (the first
//! `new Quota` with that key sets its parameters), as in Pipy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Ctx, FromJs, JsLifetime, Result, Value};
use weir_algo::{Quota, QuotaOptions};

use super::{describe, number_arg, number_or};
use crate::config::throw;

/// Keyed quotas, shared by all threads.
fn shared() -> &'static Mutex<HashMap<String, Arc<Mutex<Quota>>>> {
    static SHARED: OnceLock<Mutex<HashMap<String, Arc<Mutex<Quota>>>>> = OnceLock::new();
    SHARED.get_or_init(Default::default)
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Quota")]
pub struct JsQuota {
    #[qjs(skip_trace)]
    quota: Arc<Mutex<Quota>>,
}

impl JsQuota {
    /// The bucket, caught up to now. A poisoned lock only means another thread panicked
    /// between two plain number updates; the numbers are still usable.
    fn now(&self) -> MutexGuard<'_, Quota> {
        let mut q = self.quota.lock().unwrap_or_else(|e| e.into_inner());
        q.advance(Instant::now());
        q
    }
}

#[rquickjs::methods]
impl JsQuota {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        initial: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<JsQuota> {
        const WHAT: &str = "Quota()";
        let initial = number_or(
            &ctx,
            initial.0.as_ref(),
            0.0,
            &format!("{WHAT}: initial quota"),
        )?;
        let mut opts = QuotaOptions::default();
        let mut key = None;
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
            opts.per = crate::opts::time(&ctx, o, "per", WHAT)?;
            if let Some(n) = crate::opts::number(&ctx, o, "produce", WHAT)? {
                opts.produce = n;
            }
            if let Some(n) = crate::opts::number(&ctx, o, "max", WHAT)? {
                opts.max = n;
            }
            let k: Value = o.get("key")?;
            if !k.is_undefined() && !k.is_null() {
                key = Some(rquickjs::convert::Coerced::<String>::from_js(&ctx, k)?.0);
            }
        }
        let make = || Quota::new(initial, opts).map_err(|e| throw(&ctx, format!("{WHAT}: {e}")));
        let quota = match key {
            None => Arc::new(Mutex::new(make()?)),
            Some(key) => {
                let mut all = shared().lock().unwrap_or_else(|e| e.into_inner());
                match all.get(&key) {
                    Some(q) => q.clone(),
                    None => {
                        let q = Arc::new(Mutex::new(make()?));
                        all.insert(key, q.clone());
                        q
                    }
                }
            }
        };
        Ok(JsQuota { quota })
    }

    #[qjs(get)]
    pub fn initial(&self) -> f64 {
        self.now().initial()
    }

    #[qjs(get)]
    pub fn current(&self) -> f64 {
        self.now().current()
    }

    /// Takes up to `n`; returns the amount granted.
    pub fn consume<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<f64> {
        let n = number_arg(&ctx, n.0.as_ref(), "Quota.consume()")?;
        Ok(self.now().consume(n, Instant::now()))
    }

    pub fn produce<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        let n = number_arg(&ctx, n.0.as_ref(), "Quota.produce()")?;
        self.now().produce(n);
        Ok(())
    }

    pub fn reset(&self) {
        self.now().reset();
    }
}

impl JsQuota {
    /// The shared bucket, for the throttle filters.
    pub fn bucket(&self) -> Arc<Mutex<Quota>> {
        self.quota.clone()
    }
}
