//! The era-C pipeline API: `pipeline($=>$...)` layouts with `.spawn()` and `.process()`,
//! `pipy.listen()`, `pipy.read()` and `pipy.import()`.
//!
//! Pipelines started here run in *fiber* contexts: their `var $x` variables work, and the
//! start argument reaches `onStart(arg => ...)`.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use rquickjs::{
    Array, Class, Ctx, Function, JsLifetime, Object, Persistent, Promise, Result, Value,
};
use weir_engine::activity::Activity;
use weir_engine::{sched, Data, Event, EventSink, Layout, Pipeline, Target};

use crate::config::{build_sub, prog, throw};
use crate::module::ListenSpec;
use crate::value::{event_to_js, push_events, JsValue};

/// A reusable pipeline layout made by `pipeline($=>$...)`.
#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "PipelineLayout")]
pub struct PipelineLayout {
    #[qjs(skip_trace)]
    pub layout: Rc<Layout>,
}

/// Runs one root pipeline to its end and settles a promise with its result: what `onEnd`
/// returned, or else the events it output.
struct Run {
    pipeline: RefCell<Option<Rc<Pipeline>>>,
    output: RefCell<Vec<Event>>,
    resolve: RefCell<Option<Persistent<Function<'static>>>>,
    _activity: Activity,
}

impl EventSink for Run {
    fn on_event(&self, evt: Event) {
        let end = evt.is_stream_end();
        self.output.borrow_mut().push(evt);
        if !end {
            return;
        }
        let Some(p) = self.pipeline.borrow_mut().take() else {
            return;
        };
        let Some(resolve) = self.resolve.borrow_mut().take() else {
            return;
        };
        let result = p.result.borrow_mut().take();
        let output = std::mem::take(&mut *self.output.borrow_mut());
        let stream = p.context.clone();
        crate::js::enter(Some(&stream), |ctx| {
            let value = match result.as_ref().and_then(|r| r.downcast_ref::<JsValue>()) {
                Some(v) => v.0.clone().restore(ctx),
                None => events_to_js(ctx, &output),
            };
            if let (Ok(f), Ok(v)) = (resolve.restore(ctx), value) {
                let _ = f.call::<_, ()>((v,));
            }
        });
        sched::defer(move || drop(p));
    }
}

fn events_to_js<'js>(ctx: &Ctx<'js>, events: &[Event]) -> Result<Value<'js>> {
    let arr = Array::new(ctx.clone())?;
    for (i, e) in events.iter().enumerate() {
        arr.set(i, event_to_js(ctx, e)?)?;
    }
    Ok(arr.into_value())
}

/// Starts `layout` in a new fiber context with `arg`; returns the promise of its result
/// and the pipeline (already started) to feed.
fn start<'js>(
    ctx: &Ctx<'js>,
    layout: &Rc<Layout>,
    arg: Option<Value<'js>>,
) -> Result<(Promise<'js>, Rc<Pipeline>)> {
    let (promise, resolve, _reject) = ctx.promise()?;
    let stream =
        crate::new_root(None, true).ok_or_else(|| throw(ctx, "cannot create a context"))?;
    let p = layout.instantiate(stream);
    if let Some(arg) = arg {
        *p.arg.borrow_mut() = Some(Rc::new(JsValue(Persistent::save(ctx, arg))));
    }
    let run = Rc::new(Run {
        pipeline: RefCell::new(Some(p.clone())),
        output: RefCell::new(Vec::new()),
        resolve: RefCell::new(Some(Persistent::save(ctx, resolve))),
        _activity: Activity::new(),
    });
    p.set_output(Target::Sink(run));
    p.start();
    Ok((promise, p))
}

#[rquickjs::methods]
impl PipelineLayout {
    /// Starts the pipeline with `args[0]` as its start argument; a Promise of its result.
    pub fn spawn<'js>(&self, ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<Promise<'js>> {
        let arg = args.0.into_iter().next();
        Ok(start(&ctx, &self.layout, arg)?.0)
    }

    /// Runs the given events through the pipeline; a Promise of its result.
    pub fn process<'js>(&self, ctx: Ctx<'js>, input: Opt<Value<'js>>) -> Result<Promise<'js>> {
        let mut events = Vec::new();
        if let Some(v) = input.0 {
            push_events(&ctx, v, &mut events)
                .map_err(|e| throw(&ctx, format!("process(): {e}")))?;
        }
        if !events.last().is_some_and(|e| e.is_stream_end()) {
            events.push(Event::end(None));
        }
        let (promise, p) = start(&ctx, &self.layout, None)?;
        for e in events {
            sched::emit(&p.input(), e);
        }
        Ok(promise)
    }
}

/// A layout from a builder function or a `pipeline()` object.
pub fn layout_of<'js>(ctx: &Ctx<'js>, v: &Value<'js>, what: &str) -> Result<Rc<Layout>> {
    if let Ok(l) = Class::<PipelineLayout>::from_value(v) {
        return Ok(l.borrow().layout.clone());
    }
    if let Some(f) = v.as_function() {
        let module = prog(ctx)?.current_module().map_or(0, |m| m.id);
        return build_sub(ctx, module, f.clone());
    }
    Err(throw(
        ctx,
        format!("{what}: expected a pipeline layout or a builder function"),
    ))
}

fn pipeline_fn<'js>(ctx: Ctx<'js>, builder: Value<'js>) -> Result<Class<'js, PipelineLayout>> {
    let layout = layout_of(&ctx, &builder, "pipeline()")?;
    Class::instance(ctx, PipelineLayout { layout })
}

/// `pipy.listen(port | 'ip:port', ['tcp'], [options], builder | layout)`.
fn listen<'js>(ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<()> {
    let args = args.0;
    let mut rest = args.iter();
    let addr = crate::config::parse_listen_addr(
        &ctx,
        rest.next()
            .ok_or_else(|| throw(&ctx, "pipy.listen(): expected a port"))?,
    )?;
    let mut options = weir_net::ListenOptions::default();
    let mut target = None;
    for v in rest {
        if let Some(s) = v.as_string() {
            let proto = s.to_string()?;
            if proto != "tcp" {
                return Err(throw(
                    &ctx,
                    format!("pipy.listen(): protocol '{proto}' is not supported yet (only 'tcp')"),
                ));
            }
        } else if v.is_function() || Class::<PipelineLayout>::from_value(v).is_ok() {
            target = Some(v.clone());
        } else if let Some(o) = v.as_object() {
            crate::opts::listen_options(&ctx, o, &mut options)?;
        }
    }
    let target = target.ok_or_else(|| {
        throw(
            &ctx,
            "pipy.listen(): expected a builder function or a pipeline layout",
        )
    })?;
    let layout = layout_of(&ctx, &target, "pipy.listen()")?;
    prog(&ctx)?.listens.borrow_mut().push(ListenSpec {
        addr,
        options,
        layout,
        fiber: true,
    });
    Ok(())
}

/// `pipy.read(file, builder | layout, arg?)`: streams a codebase file through a pipeline;
/// a Promise of the pipeline's result.
fn read<'js>(
    ctx: Ctx<'js>,
    file: String,
    target: Value<'js>,
    arg: Opt<Value<'js>>,
) -> Result<Promise<'js>> {
    let p = prog(&ctx)?;
    let layout = layout_of(&ctx, &target, "pipy.read()")?;
    let path = p.file_path(&crate::module::normalize(&file));
    let (promise, pipeline) = start(&ctx, &layout, arg.0)?;
    let input = pipeline.input();
    let guard = Activity::new();
    tokio::task::spawn_local(async move {
        let _guard = guard;
        match tokio::fs::read(&path).await {
            Ok(bytes) => {
                let data = Data::from(bytes);
                sched::emit(&input, Event::Data(data));
                sched::emit(&input, Event::end(None));
            }
            Err(e) => {
                tracing::error!("[script] pipy.read(): cannot read {}: {e}", path.display());
                sched::emit(&input, Event::end(Some(weir_engine::ErrorCode::ReadError)));
            }
        }
        drop(pipeline);
    });
    Ok(promise)
}

/// `pipy.import(path)`: the exports of a module (relative to the loading module).
fn import<'js>(ctx: Ctx<'js>, path: String) -> Result<Object<'js>> {
    let p = prog(&ctx)?;
    let from = p
        .current_module()
        .map(|m| m.path.clone())
        .unwrap_or_else(|| "/".to_string());
    let resolved = p.resolve(&from, &path);
    let id = p.load_module(&ctx, &resolved).map_err(|e| throw(&ctx, e))?;
    p.exports(&ctx, id)
}

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    Class::<PipelineLayout>::define(&ctx.globals())?;
    ctx.globals()
        .set("pipeline", Function::new(ctx.clone(), pipeline_fn)?)?;
    let pipy: Object = ctx.globals().get("pipy")?;
    pipy.set("listen", Function::new(ctx.clone(), listen)?)?;
    pipy.set("read", Function::new(ctx.clone(), read)?)?;
    pipy.set("import", Function::new(ctx.clone(), import)?)?;
    Ok(())
}
