//! `algo.Percentile`, `algo.ResourcePool`, `algo.hash(v)` and `algo.uuid()`.

use std::cell::RefCell;
use std::hash::{Hash, Hasher};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, Function, JsLifetime, Object, Persistent, Result, Value};
use weir_algo::{algo_hash, uuid_v4, Percentile, ResourcePool};

use super::{describe, number_arg, state, HashArg, JsKey};
use crate::config::throw;

/// `new Percentile(buckets)`: `.observe(x)`, `.calculate(percent)`, `.reset()`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Percentile")]
pub struct JsPercentile {
    #[qjs(skip_trace)]
    p: Percentile,
}

/// Bucket limits from an array of numbers.
pub fn limits<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<Vec<f64>> {
    let Some(arr) = v.and_then(|v| v.as_array()) else {
        return Err(throw(
            ctx,
            format!(
                "{what}: expected an array of bucket limits, got {}",
                describe(v)
            ),
        ));
    };
    let mut out = Vec::with_capacity(arr.len());
    for (i, item) in arr.iter::<Value>().enumerate() {
        let item = item?;
        out.push(number_arg(
            ctx,
            Some(&item),
            &format!("{what}: bucket #{i}"),
        )?);
    }
    Ok(out)
}

#[rquickjs::methods]
impl JsPercentile {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, buckets: Opt<Value<'js>>) -> Result<JsPercentile> {
        const WHAT: &str = "Percentile()";
        let limits = limits(&ctx, buckets.0.as_ref(), WHAT)?;
        let p = Percentile::new(&limits).map_err(|e| throw(&ctx, format!("{WHAT}: {e}")))?;
        if let Some(i) = p.first_unsorted() {
            tracing::warn!(
                "[algo] Percentile(): buckets are not in ascending order: {} after {} at #{i}",
                limits[i],
                limits[i - 1]
            );
        }
        Ok(JsPercentile { p })
    }

    pub fn observe<'js>(&mut self, ctx: Ctx<'js>, sample: Opt<Value<'js>>) -> Result<()> {
        let x = number_arg(&ctx, sample.0.as_ref(), "Percentile.observe()")?;
        self.p.observe(x);
        Ok(())
    }

    pub fn calculate<'js>(&self, ctx: Ctx<'js>, percent: Opt<Value<'js>>) -> Result<f64> {
        let p = number_arg(&ctx, percent.0.as_ref(), "Percentile.calculate()")?;
        Ok(self
            .p
            .calculate(p.clamp(i32::MIN as f64, i32::MAX as f64) as i32))
    }

    pub fn reset(&mut self) {
        self.p.reset();
    }
}

/// A pooled resource: compared by identity (objects) or value (others).
#[derive(Clone)]
struct Res {
    key: JsKey,
    value: Persistent<Value<'static>>,
}

impl PartialEq for Res {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Res {}

impl Hash for Res {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.key.hash(h);
    }
}

/// `new ResourcePool(allocator)`: `.allocate(tag?)` reuses a freed resource of the tag or
/// calls `allocator(tag)`; `.free(resource)` returns one to its tag's idle list.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "ResourcePool")]
pub struct JsResourcePool {
    #[qjs(skip_trace)]
    pool: RefCell<ResourcePool<JsKey, Res>>,
    #[qjs(skip_trace)]
    allocator: Persistent<Function<'static>>,
}

#[rquickjs::methods]
impl JsResourcePool {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, allocator: Opt<Value<'js>>) -> Result<JsResourcePool> {
        let Some(f) = allocator.0.as_ref().and_then(|v| v.as_function()) else {
            return Err(throw(
                &ctx,
                format!(
                    "ResourcePool(): expected an allocator function, got {}",
                    describe(allocator.0.as_ref())
                ),
            ));
        };
        Ok(JsResourcePool {
            pool: RefCell::new(ResourcePool::new()),
            allocator: Persistent::save(&ctx, f.clone()),
        })
    }

    pub fn allocate<'js>(&self, ctx: Ctx<'js>, tag: Opt<Value<'js>>) -> Result<Value<'js>> {
        const WHAT: &str = "ResourcePool.allocate()";
        let tag = tag.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let t = JsKey::of(&ctx, &tag)?;
        let idle = state(&ctx, &self.pool, WHAT)?.allocate(t.clone(), |_| Err(()));
        if let Ok(r) = idle {
            return r.value.restore(&ctx);
        }
        // The allocator runs with the pool free to use.
        let v: Value = self.allocator.clone().restore(&ctx)?.call((tag,))?;
        let r = Res {
            key: JsKey::of(&ctx, &v)?,
            value: Persistent::save(&ctx, v),
        };
        let got = state(&ctx, &self.pool, WHAT)?.allocate(t, |_| Ok::<_, ()>(r));
        match got {
            Ok(r) => r.value.restore(&ctx),
            Err(()) => Ok(Value::new_undefined(ctx)),
        }
    }

    pub fn free<'js>(&self, ctx: Ctx<'js>, resource: Opt<Value<'js>>) -> Result<()> {
        let v = resource
            .0
            .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let r = Res {
            key: JsKey::of(&ctx, &v)?,
            value: Persistent::save(&ctx, v),
        };
        state(&ctx, &self.pool, "ResourcePool.free()")?.free(&r);
        Ok(())
    }
}

/// `algo.hash(value)`: Pipy's hash (libstdc++ `std::hash`) of strings and numbers, the
/// identity number of objects, as a 53-bit number.
fn hash<'js>(ctx: Ctx<'js>, v: Opt<Value<'js>>) -> Result<f64> {
    let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let a = HashArg::of(&ctx, &v)?;
    Ok(algo_hash(&a.get()))
}

pub fn install<'js>(ctx: &Ctx<'js>, algo: &Object<'js>) -> Result<()> {
    algo.set(
        "Percentile",
        Class::<JsPercentile>::create_constructor(ctx)?,
    )?;
    algo.set(
        "ResourcePool",
        Class::<JsResourcePool>::create_constructor(ctx)?,
    )?;
    algo.set("hash", Function::new(ctx.clone(), hash)?.with_name("hash")?)?;
    algo.set(
        "uuid",
        Function::new(ctx.clone(), uuid_v4)?.with_name("uuid")?,
    )?;
    Ok(())
}
