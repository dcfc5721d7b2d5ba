//! The one place that enters the JS engine.
//!
//! Every entry from the host goes through [`enter`]: it selects the stream whose context
//! variables scripts will see, holds the event queue (events emitted by JS are delivered
//! after it returns), and drains the promise job queue *before* another stream can become
//! current, so `.then()` continuations always see the stream that created them.

#![allow(unsafe_code)] // Ctx::from_raw for nested entries; see `enter`.

use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::Rc;

use rquickjs::{Ctx, Function, Persistent, Value};
use weir_engine::{sched, Context};

use crate::module::Slots;

/// Per-thread handles to the engine, set up by `Worker::new`.
pub(crate) struct Engine {
    pub context: rquickjs::Context,
    pub set_cur: Persistent<Function<'static>>,
}

thread_local! {
    // Never dropped: freeing the engine while pipelines still hold values aborts in QuickJS.
    static ENGINE: std::mem::ManuallyDrop<RefCell<Option<Rc<Engine>>>> = const { std::mem::ManuallyDrop::new(RefCell::new(None)) };
    static INSIDE: Cell<Option<NonNull<rquickjs::qjs::JSContext>>> = const { Cell::new(None) };
    /// The stream whose variables JS sees (by context id), 0 for none.
    static CURRENT: Cell<u64> = const { Cell::new(0) };
    static CURRENT_CTX: RefCell<Option<Rc<Context>>> = const { RefCell::new(None) };
}

pub(crate) fn install(engine: Engine) {
    ENGINE.with(|e| *e.borrow_mut() = Some(Rc::new(engine)));
}

/// Takes the engine off this thread (the worker is unloading); JS can no longer be entered.
pub(crate) fn uninstall() -> Option<Rc<Engine>> {
    CURRENT.with(|c| c.set(0));
    CURRENT_CTX.with(|c| c.borrow_mut().take());
    ENGINE.with(|e| e.borrow_mut().take())
}

pub(crate) fn engine() -> Option<Rc<Engine>> {
    ENGINE.with(|e| e.borrow().clone())
}

/// The stream that is current in JS now (for host functions that must remember it).
pub fn current_stream() -> Option<Rc<Context>> {
    CURRENT_CTX.with(|c| c.borrow().clone())
}

fn select<'js>(ctx: &Ctx<'js>, engine: &Engine, stream: Option<&Rc<Context>>) {
    let id = stream.map_or(0, |s| s.id);
    if CURRENT.with(|c| c.get()) == id {
        return;
    }
    CURRENT.with(|c| c.set(id));
    CURRENT_CTX.with(|c| *c.borrow_mut() = stream.cloned());
    let slots: Value = match stream.and_then(|s| s.data_as::<Slots>()) {
        Some(slots) => slots.value(ctx),
        None => Value::new_undefined(ctx.clone()),
    };
    if let Ok(f) = engine.set_cur.clone().restore(ctx) {
        let _ = f.call::<_, ()>((slots,));
    }
}

/// Runs `f` inside the JS engine with `stream` current, then runs pending promise jobs.
/// Returns `None` when there is no engine on this thread.
pub fn enter<R>(stream: Option<&Rc<Context>>, f: impl FnOnce(&Ctx<'_>) -> R) -> Option<R> {
    enter_as(Some(stream), f)
}

/// Like [`enter`] but leaves the current stream as it is.
pub fn enter_keep<R>(f: impl FnOnce(&Ctx<'_>) -> R) -> Option<R> {
    enter_as(None, f)
}

fn enter_as<R>(stream: Option<Option<&Rc<Context>>>, f: impl FnOnce(&Ctx<'_>) -> R) -> Option<R> {
    let engine = engine()?;
    if let Some(raw) = INSIDE.with(|i| i.get()) {
        // Re-entered from a host function JS called: the engine is already locked by the
        // outer `with`, so borrow its Ctx instead of locking again.
        // SAFETY: `raw` is the live context of the outer `Context::with` on this thread.
        let ctx = unsafe { Ctx::from_raw(raw) };
        let Some(stream) = stream else {
            return Some(f(&ctx));
        };
        let prev = current_stream();
        select(&ctx, &engine, stream);
        let r = f(&ctx);
        select(&ctx, &engine, prev.as_ref());
        return Some(r);
    }
    Some(sched::hold(|| {
        engine.context.with(|ctx| {
            INSIDE.with(|i| i.set(Some(ctx.as_raw())));
            if let Some(stream) = stream {
                select(&ctx, &engine, stream);
            }
            let r = f(&ctx);
            drain_jobs(&ctx);
            INSIDE.with(|i| i.set(None));
            r
        })
    }))
}

fn drain_jobs(ctx: &Ctx<'_>) {
    let mut n = 0u32;
    while ctx.execute_pending_job() {
        n += 1;
        if n > 1_000_000 {
            tracing::error!(
                "[script] promise jobs keep scheduling more jobs; giving up this round"
            );
            break;
        }
    }
}

/// Where an exception came from, as `file:line:col`, from its stack.
fn location_of(stack: &str) -> Option<String> {
    for line in stack.lines() {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("at ") else {
            continue;
        };
        let loc = match (rest.rfind('('), rest.rfind(')')) {
            (Some(a), Some(b)) if b > a => &rest[a + 1..b],
            _ => rest,
        };
        if loc.contains(':')
            && !loc.starts_with("native")
            && !loc.contains("<prelude>")
            && !loc.contains("eval_script")
        {
            return Some(loc.to_string());
        }
    }
    None
}

/// Turns the pending exception into one line: `file:line:col: Name: message`.
pub fn describe_exception(ctx: &Ctx<'_>, err: rquickjs::Error) -> String {
    if !matches!(err, rquickjs::Error::Exception) {
        return err.to_string();
    }
    let ex = ctx.catch();
    if let Some(obj) = ex.as_object() {
        let name: String = obj.get("name").unwrap_or_else(|_| "Error".to_string());
        let message: String = obj.get("message").unwrap_or_default();
        let stack: String = obj.get("stack").unwrap_or_default();
        let file: Option<String> = obj.get("fileName").ok();
        let line: Option<i32> = obj.get("lineNumber").ok();
        // A message that starts with its own location (`file.js:12: ...`) keeps it.
        if let Some((loc, rest)) = message.split_once(": ") {
            let mut parts = loc.rsplitn(2, ':');
            if let (Some(n), Some(f)) = (parts.next(), parts.next()) {
                if n.parse::<u32>().is_ok() && !f.is_empty() && !f.contains(' ') {
                    return format!("{loc}: {name}: {rest}");
                }
            }
        }
        let loc = location_of(&stack).or_else(|| match (file, line) {
            (Some(f), Some(l)) => Some(format!("{f}:{l}")),
            _ => None,
        });
        match loc {
            Some(loc) => format!("{loc}: {name}: {message}"),
            None => format!("{name}: {message}"),
        }
    } else {
        let s = ex
            .as_string()
            .and_then(|s| s.to_string().ok())
            .unwrap_or_else(|| format!("{ex:?}"));
        format!("uncaught exception: {s}")
    }
}

/// A script function kept by a filter recipe.
#[derive(Clone)]
pub struct Callback(pub Persistent<Function<'static>>);

impl Callback {
    pub fn new<'js>(ctx: &Ctx<'js>, f: Function<'js>) -> Callback {
        Callback(Persistent::save(ctx, f))
    }

    /// Calls the function with `stream` current. Exceptions are logged with their location
    /// (`what` names the filter) and come back as `Err`.
    pub fn call<R>(
        &self,
        stream: &Rc<Context>,
        what: &str,
        args: impl for<'js> FnOnce(&Ctx<'js>) -> rquickjs::Result<Vec<Value<'js>>>,
        result: impl for<'js> FnOnce(&Ctx<'js>, Value<'js>) -> Result<R, String>,
    ) -> Result<R, ()> {
        let r = enter(Some(stream), |ctx| {
            let outcome = (|| {
                let f = self.0.clone().restore(ctx)?;
                let args = args(ctx)?;
                let mut a = rquickjs::function::Args::new(ctx.clone(), args.len());
                for v in args {
                    a.push_arg(v)?;
                }
                f.call_arg::<Value>(a)
            })();
            match outcome {
                Ok(v) => result(ctx, v).map_err(|e| {
                    tracing::error!("[script] {what}: {e}");
                }),
                Err(e) => {
                    tracing::error!("[script] {what}: {}", describe_exception(ctx, e));
                    Err(())
                }
            }
        });
        r.unwrap_or(Err(()))
    }
}

type Settle = Box<dyn FnOnce(Result<Vec<weir_engine::Event>, ()>)>;

/// Calls `done` from the event queue once `promise` settles: with the events it resolved
/// to, or `Err` if it was rejected or resolved to something that is not events (logged).
pub fn on_settled<'js>(
    ctx: &Ctx<'js>,
    promise: &rquickjs::Promise<'js>,
    what: &'static str,
    done: impl FnOnce(Result<Vec<weir_engine::Event>, ()>) + 'static,
) -> Result<(), String> {
    let slot: Rc<RefCell<Option<Settle>>> = Rc::new(RefCell::new(Some(Box::new(done))));
    let finish = |slot: &Rc<RefCell<Option<Settle>>>, r: Result<Vec<weir_engine::Event>, ()>| {
        if let Some(f) = slot.borrow_mut().take() {
            sched::defer(move || f(r));
        }
    };
    let s1 = slot.clone();
    let on_ok = Function::new(ctx.clone(), move |ctx: Ctx<'js>, v: Value<'js>| {
        let mut events = Vec::new();
        let r = match crate::value::push_events(&ctx, v, &mut events) {
            Ok(()) => Ok(events),
            Err(e) => {
                tracing::error!("[script] {what}: the promise resolved to {e}");
                Err(())
            }
        };
        finish(&s1, r);
    })
    .map_err(|e| e.to_string())?;
    let s2 = slot;
    let on_err = Function::new(ctx.clone(), move |v: Value<'js>| {
        let why = v
            .as_object()
            .and_then(|o| o.get::<_, String>("message").ok())
            .unwrap_or_else(|| crate::value::type_name(&v));
        tracing::error!("[script] {what}: promise rejected: {why}");
        finish(&s2, Err(()));
    })
    .map_err(|e| e.to_string())?;
    let then: Function = promise.get("then").map_err(|e| e.to_string())?;
    then.call::<_, Value>((rquickjs::function::This(promise.clone()), on_ok, on_err))
        .map_err(|e| e.to_string())?;
    Ok(())
}
