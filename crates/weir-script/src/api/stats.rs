//! The `stats` global: `stats.Counter`, `stats.Gauge`, `stats.Histogram`, and the
//! process-wide registry behind them, rendered by [`prometheus_text`].
//!
//! # Model (as in Pipy)
//!
//! A metric is a tree: the root (no labels), one child per value of the first label, one
//! grandchild per value of the second, and so on (`withLabels('GET', 200)` walks two levels).
//! Every node has its **own** value: `withLabels('GET').increase()` does not touch the root,
//! which is why scripts (Pipy's own stress client among them) increase both the total and
//! the labelled series. A node appears in the exposition once something set it.
//!
//! # Threads
//!
//! Metrics are registered by name in one registry for the whole process, so every worker
//! thread that runs `new stats.Counter('x')` gets the same metric. Each node keeps one
//! shard per thread, written only by that thread (plain atomic loads and stores, no
//! contention, no allocation once the series exists), and a read — `valueOf()`, `.value`,
//! [`prometheus_text`] — sums the shards, which is what Pipy does when it aggregates worker
//! metrics. `zero()` and `Gauge.set()` act on the calling thread's shard.
//!
//! A second registration of a name with the same kind and label names shares the metric
//! (values survive a reload); with a different shape it replaces it, as in Pipy.

mod registry;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::rc::Rc;
use std::sync::Arc;

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use rquickjs::{
    Array, Class, Ctx, FromJs, Function, JsLifetime, Object, Persistent, Result, Value,
};

use crate::config::throw;
#[allow(unused_imports)] // for the admin API's /metrics once it is wired in
pub use registry::prometheus_text;
pub use registry::set_thread_index;
use registry::{register, Family, Kind, Node, Shard};

/// A `withLabels` result: the child and the JS object handed out for it.
type Child = (Rc<Local>, Persistent<Object<'static>>);

/// A metric node as one thread's scripts see it.
struct Local {
    family: Arc<Family>,
    node: Arc<Node>,
    shard: Arc<Shard>,
    depth: usize,
    /// `withLabels` results, so a repeated label costs a map lookup and no allocation.
    children: RefCell<HashMap<Box<str>, Child>>,
}

impl Local {
    fn new(family: Arc<Family>, node: Arc<Node>, depth: usize) -> Rc<Local> {
        Rc::new(Local {
            shard: node.shard(),
            family,
            node,
            depth,
            children: RefCell::new(HashMap::new()),
        })
    }
}

thread_local! {
    /// Gauges with an `onCollect` callback on this thread.
    static COLLECT: RefCell<Vec<(Persistent<Function<'static>>, Rc<Local>)>> = const { RefCell::new(Vec::new()) };
}

/// Forgets this thread's `onCollect` callbacks (the worker is unloading).
pub fn clear_thread() {
    COLLECT.with(|c| c.borrow_mut().clear());
}

/// Runs this thread's `Gauge` `onCollect(gauge)` callbacks (errors are logged). The admin
/// API runs it on every worker before [`prometheus_text`], as Pipy collects before it
/// reports.
#[allow(dead_code)] // called by the admin API's /metrics once it is wired in
pub fn collect_local() {
    let list = COLLECT.with(|c| c.borrow().clone());
    for (f, local) in list {
        crate::js::enter_keep(|ctx| {
            let r = f
                .restore(ctx)
                .and_then(|f| f.call::<_, Value>((wrap(ctx, local)?,)));
            if let Err(e) = r {
                tracing::error!(
                    "[stats] Gauge onCollect: {}",
                    crate::js::describe_exception(ctx, e)
                );
            }
        });
    }
}

fn wrap<'js>(ctx: &Ctx<'js>, m: Rc<Local>) -> Result<Value<'js>> {
    Ok(match m.family.kind {
        Kind::Counter => Class::instance(ctx.clone(), Counter { m })?.into_value(),
        Kind::Gauge => Class::instance(ctx.clone(), Gauge { m })?.into_value(),
        Kind::Histogram(_) => Class::instance(ctx.clone(), Histogram { m })?.into_value(),
    })
}

/// A label value as text; strings and integers are read without a heap copy.
fn with_label<'js, R>(ctx: &Ctx<'js>, v: &Value<'js>, f: impl FnOnce(&str) -> R) -> Result<R> {
    if let Some(s) = v.as_string() {
        let c = rquickjs::CString::from_string(s.clone())?;
        return Ok(f(c.as_str()));
    }
    if let Some(i) = v.as_int() {
        let mut buf = [0u8; 12];
        let n = {
            let mut w = Cursor {
                buf: &mut buf,
                len: 0,
            };
            let _ = write!(w, "{i}");
            w.len
        };
        return Ok(f(std::str::from_utf8(&buf[..n]).unwrap_or("")));
    }
    let s = rquickjs::convert::Coerced::<String>::from_js(ctx, v.clone())?.0;
    Ok(f(&s))
}

/// A small stack buffer for formatting integers.
struct Cursor<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl std::fmt::Write for Cursor<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.buf.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn with_labels<'js>(
    ctx: &Ctx<'js>,
    m: &Rc<Local>,
    first: Opt<Value<'js>>,
    rest: Rest<Value<'js>>,
) -> Result<Value<'js>> {
    let remaining = m.family.labels.len() - m.depth;
    if remaining == 0 {
        return Err(throw(
            ctx,
            format!(
                "{}.withLabels(): metric '{}' has no {}labels",
                m.family.kind.class(),
                m.family.name,
                if m.depth > 0 { "more " } else { "" }
            ),
        ));
    }
    let mut cur = m.clone();
    let mut obj: Option<Persistent<Object<'static>>> = None;
    for v in first.0.iter().chain(rest.0.iter()).take(remaining) {
        let hit = with_label(ctx, v, |label| cur.children.borrow().get(label).cloned())?;
        let (next, o) = match hit {
            Some(x) => x,
            None => {
                let (label, node) =
                    with_label(ctx, v, |l| (Box::<str>::from(l), cur.node.child(l)))?;
                let local = Local::new(cur.family.clone(), node, cur.depth + 1);
                let o = match wrap(ctx, local.clone())?.into_object() {
                    Some(o) => Persistent::save(ctx, o),
                    None => return Err(throw(ctx, "withLabels(): cannot make a metric object")),
                };
                cur.children
                    .borrow_mut()
                    .insert(label, (local.clone(), o.clone()));
                (local, o)
            }
        };
        cur = next;
        obj = Some(o);
    }
    match obj {
        Some(o) => Ok(o.restore(ctx)?.into_value()),
        None => wrap(ctx, cur),
    }
}

fn name_arg<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<String> {
    match v
        .and_then(|v| v.as_string())
        .map(|s| s.to_string())
        .transpose()?
    {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(throw(
            ctx,
            format!(
                "{what}: the metric name must be a non-empty string, got {}",
                super::algo::describe(v)
            ),
        )),
    }
}

fn label_names<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<Vec<String>> {
    let Some(v) = v.filter(|v| !v.is_undefined() && !v.is_null()) else {
        return Ok(Vec::new());
    };
    let Some(arr) = v.as_array() else {
        return Err(throw(
            ctx,
            format!(
                "{what}: label names must be an array of strings, got {}",
                super::algo::describe(Some(v))
            ),
        ));
    };
    let mut out = Vec::with_capacity(arr.len());
    for item in arr.iter::<Value>() {
        out.push(rquickjs::convert::Coerced::<String>::from_js(ctx, item?)?.0);
    }
    Ok(out)
}

fn amount<'js>(ctx: &Ctx<'js>, v: Opt<Value<'js>>, what: &str) -> Result<f64> {
    super::algo::number_or(ctx, v.0.as_ref(), 1.0, what)
}

/// The methods every metric class has: `name`, `withLabels(...)`, `valueOf()`, `value`,
/// `zero()`; `$extra` adds the class's own.
macro_rules! metric_class {
    ($name:ident, $js:literal, { $($extra:tt)* }) => {
        #[derive(Trace, JsLifetime)]
        #[rquickjs::class(rename = $js)]
        pub struct $name {
            #[qjs(skip_trace)]
            m: Rc<Local>,
        }

        #[rquickjs::methods]
        impl $name {
            #[qjs(get)]
            pub fn name(&self) -> String {
                self.m.family.name.clone()
            }

            #[qjs(rename = "withLabels")]
            pub fn with_labels<'js>(&self, ctx: Ctx<'js>, first: Opt<Value<'js>>, rest: Rest<Value<'js>>) -> Result<Value<'js>> {
                with_labels(&ctx, &self.m, first, rest)
            }

            #[qjs(rename = "valueOf")]
            pub fn value_of<'js>(&self, ctx: Ctx<'js>) -> Result<Value<'js>> {
                value(&ctx, &self.m)
            }

            #[qjs(get, rename = "value")]
            pub fn value<'js>(&self, ctx: Ctx<'js>) -> Result<Value<'js>> {
                value(&ctx, &self.m)
            }

            pub fn zero(&self) {
                self.m.shard.zero();
            }

            $($extra)*
        }
    };
}

/// The summed value: a number, or a histogram's cumulative bucket counts.
fn value<'js>(ctx: &Ctx<'js>, m: &Local) -> Result<Value<'js>> {
    match m.family.kind {
        Kind::Histogram(_) => {
            let (cumulative, _, _) = m.node.histogram();
            let arr = Array::new(ctx.clone())?;
            for (i, n) in cumulative.into_iter().enumerate() {
                arr.set(i, n as f64)?;
            }
            Ok(arr.into_value())
        }
        _ => Ok(Value::new_number(ctx.clone(), m.node.sum())),
    }
}

metric_class!(Counter, "Counter", {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        name: Opt<Value<'js>>,
        labels: Opt<Value<'js>>,
    ) -> Result<Counter> {
        const WHAT: &str = "Counter()";
        let name = name_arg(&ctx, name.0.as_ref(), WHAT)?;
        let labels = label_names(&ctx, labels.0.as_ref(), WHAT)?;
        let family = register(&name, Kind::Counter, labels);
        Ok(Counter {
            m: Local::new(family.clone(), family.root.clone(), 0),
        })
    }

    pub fn increase<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        self.m.shard.add(amount(&ctx, n, "Counter.increase()")?);
        Ok(())
    }

    /// Documented by Pipy for counters too (a counter that is not monotonic).
    pub fn decrease<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        self.m.shard.add(-amount(&ctx, n, "Counter.decrease()")?);
        Ok(())
    }
});

metric_class!(Gauge, "Gauge", {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        name: Opt<Value<'js>>,
        labels: Opt<Value<'js>>,
        on_collect: Opt<Value<'js>>,
    ) -> Result<Gauge> {
        const WHAT: &str = "Gauge()";
        let name = name_arg(&ctx, name.0.as_ref(), WHAT)?;
        let labels = label_names(&ctx, labels.0.as_ref(), WHAT)?;
        let collect = match on_collect.0 {
            Some(v) if v.is_function() => v.into_function(),
            Some(v) if !v.is_undefined() && !v.is_null() => {
                return Err(throw(
                    &ctx,
                    format!(
                        "{WHAT}: onCollect must be a function, got {}",
                        super::algo::describe(Some(&v))
                    ),
                ))
            }
            _ => None,
        };
        let family = register(&name, Kind::Gauge, labels);
        let m = Local::new(family.clone(), family.root.clone(), 0);
        if let Some(f) = collect {
            let f = Persistent::save(&ctx, f);
            COLLECT.with(|c| c.borrow_mut().push((f, m.clone())));
        }
        Ok(Gauge { m })
    }

    pub fn set<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        let n = super::algo::number_arg(&ctx, n.0.as_ref(), "Gauge.set()")?;
        self.m.shard.set(n);
        Ok(())
    }

    pub fn increase<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        self.m.shard.add(amount(&ctx, n, "Gauge.increase()")?);
        Ok(())
    }

    pub fn decrease<'js>(&self, ctx: Ctx<'js>, n: Opt<Value<'js>>) -> Result<()> {
        self.m.shard.add(-amount(&ctx, n, "Gauge.decrease()")?);
        Ok(())
    }
});

metric_class!(Histogram, "Histogram", {
    #[qjs(constructor)]
    pub fn new<'js>(
        ctx: Ctx<'js>,
        name: Opt<Value<'js>>,
        buckets: Opt<Value<'js>>,
        labels: Opt<Value<'js>>,
    ) -> Result<Histogram> {
        const WHAT: &str = "Histogram()";
        let name = name_arg(&ctx, name.0.as_ref(), WHAT)?;
        let limits = super::algo::bucket_limits(&ctx, buckets.0.as_ref(), WHAT)?;
        if limits.iter().any(|l| l.is_nan()) {
            return Err(throw(&ctx, format!("{WHAT}: a bucket limit is NaN")));
        }
        let labels = label_names(&ctx, labels.0.as_ref(), WHAT)?;
        let family = register(&name, Kind::Histogram(limits.into()), labels);
        Ok(Histogram {
            m: Local::new(family.clone(), family.root.clone(), 0),
        })
    }

    pub fn observe<'js>(&self, ctx: Ctx<'js>, x: Opt<Value<'js>>) -> Result<()> {
        let x = super::algo::number_arg(&ctx, x.0.as_ref(), "Histogram.observe()")?;
        self.m.shard.observe(self.m.family.kind.buckets(), x);
        Ok(())
    }
});

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let stats = Object::new(ctx.clone())?;
    stats.set("Counter", Class::<Counter>::create_constructor(ctx)?)?;
    stats.set("Gauge", Class::<Gauge>::create_constructor(ctx)?)?;
    stats.set("Histogram", Class::<Histogram>::create_constructor(ctx)?)?;
    ctx.globals().set("stats", stats)?;
    Ok(())
}
