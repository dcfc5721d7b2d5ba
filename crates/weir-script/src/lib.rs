//! PipyJS for weir. The only crate that names the JS engine (QuickJS, through rquickjs).
//!
//! One [`Worker`] per thread: its own JS runtime and context, the program's modules, and the
//! listeners and tasks the program declared. See `docs/architecture.md` for how context
//! variables follow the running stream.

mod api;
mod config;
mod esm;
mod filters;
mod http_head;
mod js;
mod module;
mod opts;
mod value;

use std::cell::{Cell, RefCell};
use std::mem::ManuallyDrop;
use std::path::PathBuf;
use std::rc::Rc;

use rquickjs::{Array, Ctx, Function, Object, Persistent, Value};
use weir_engine::{sched, Context, EventSink, InboundInfo, Layout, Pipeline, Target};

use module::{Program, Slots, TaskWhen};

pub use js::current_stream;

/// Waits (a few seconds at most) until the lines queued for `logging` files are written;
/// call before the process exits.
pub fn flush_logs() {
    api::logging::flush_files(api::logging::EXIT_FLUSH_LIMIT);
}

pub(crate) fn data_truthy(v: &Value<'_>) -> bool {
    api::data::truthy(v)
}

/// What to run.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A script file; its directory is the codebase root.
    File(PathBuf),
    /// Script text (`-e`); the codebase root is the current directory.
    Source(String),
}

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub entry: Entry,
    pub argv: Vec<String>,
    pub thread_id: usize,
    pub concurrency: usize,
    pub reuse_port: bool,
}

thread_local! {
    static EXIT: RefCell<Option<Rc<dyn Fn(i32)>>> = const { RefCell::new(None) };
    static RELOAD: RefCell<Option<Rc<dyn Fn()>>> = const { RefCell::new(None) };
}

/// Sets what `pipy.exit()` does on this thread.
pub fn on_exit_request(f: Rc<dyn Fn(i32)>) {
    EXIT.with(|e| *e.borrow_mut() = Some(f));
}

pub(crate) fn request_exit(code: i32) {
    if let Some(f) = EXIT.with(|e| e.borrow().clone()) {
        sched::defer(move || f(code));
    }
}

/// Sets what `pipy.restart()` does on this thread.
pub fn on_reload_request(f: Rc<dyn Fn()>) {
    RELOAD.with(|r| *r.borrow_mut() = Some(f));
}

/// `pipy.restart()`: returns false when nothing on this thread can reload the program
/// (`--check`, or a call while the program is still loading).
pub(crate) fn request_reload() -> bool {
    match RELOAD.with(|r| r.borrow().clone()) {
        Some(f) => {
            sched::defer(move || f());
            true
        }
        None => false,
    }
}

/// One thread's copy of the program.
pub struct Worker {
    program: Rc<Program>,
    listeners: Vec<weir_net::Listener>,
    /// The sockets `listeners` accept on, by the address the program declared.
    sockets: Vec<weir_net::SocketKey>,
    /// Sockets opened and not yet accepted on (index into the program's listens).
    opened: Vec<(usize, std::net::TcpListener)>,
    /// Repeating and signal tasks, stopped when the worker retires.
    tasks: Vec<tokio::task::AbortHandle>,
    context: ManuallyDrop<rquickjs::Context>,
    // Freed only by `Worker::unload`, once nothing on the thread can hold a JS value.
    runtime: ManuallyDrop<rquickjs::Runtime>,
}

const PRELUDE: &str = include_str!("prelude.js");

impl Worker {
    /// Creates the JS engine on this thread and loads the program. Errors are one line,
    /// with `file:line:col` where the script is at fault.
    pub fn load(cfg: &WorkerConfig) -> Result<Worker, LoadError> {
        let failed = |message: String| LoadError {
            message,
            engine: None,
        };
        let runtime = rquickjs::Runtime::new().map_err(|e| failed(e.to_string()))?;
        runtime.set_max_stack_size(1 << 20);
        let context = rquickjs::Context::full(&runtime).map_err(|e| failed(e.to_string()))?;
        let (runtime, context) = (ManuallyDrop::new(runtime), ManuallyDrop::new(context));
        match Self::load_program(cfg, &context) {
            Ok(program) => Ok(Worker {
                program,
                listeners: Vec::new(),
                sockets: Vec::new(),
                opened: Vec::new(),
                tasks: Vec::new(),
                context,
                runtime,
            }),
            Err(message) => Err(LoadError {
                message,
                engine: Some((context, runtime)),
            }),
        }
    }

    fn load_program(
        cfg: &WorkerConfig,
        context: &rquickjs::Context,
    ) -> Result<Rc<Program>, String> {
        let (root, entry_path, entry_source) = match &cfg.entry {
            Entry::File(p) => {
                let root = p
                    .parent()
                    .map(|d| {
                        if d.as_os_str().is_empty() {
                            PathBuf::from(".")
                        } else {
                            d.to_path_buf()
                        }
                    })
                    .unwrap_or_else(|| PathBuf::from("."));
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .ok_or_else(|| format!("{}: not a file", p.display()))?;
                (root, format!("/{name}"), None)
            }
            Entry::Source(s) => (PathBuf::from("."), "/(eval)".to_string(), Some(s.clone())),
        };
        let program = Rc::new(Program {
            root,
            modules: RefCell::new(Vec::new()),
            by_path: RefCell::new(Default::default()),
            slot_api: RefCell::new(None),
            exports: RefCell::new(Default::default()),
            listens: RefCell::new(Vec::new()),
            tasks: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            loading: RefCell::new(Vec::new()),
            template: RefCell::new(None),
            solved: RefCell::new(Default::default()),
            solving: RefCell::new(Vec::new()),
            thread_id: cfg.thread_id,
            exit_code: Cell::new(None),
            exit_hooks: RefCell::new(Vec::new()),
        });
        module::install_program(program.clone());
        api::stats::set_thread_index(cfg.thread_id);
        let set_cur = context.with(|ctx| -> Result<Persistent<Function<'static>>, String> {
            let err = |e: rquickjs::Error| js::describe_exception(&ctx, e);
            ctx.globals()
                .set(
                    "Data",
                    rquickjs::Class::<api::data::JsData>::create_constructor(&ctx).map_err(err)?,
                )
                .map_err(err)?;
            rquickjs::Class::<api::timeout::Timeout>::define(&ctx.globals()).map_err(err)?;
            let host = Object::new(ctx.clone()).map_err(err)?;
            let codes: Vec<&str> = weir_engine::ErrorCode::ALL
                .iter()
                .map(|c| c.name())
                .collect();
            host.set("errorCodes", codes).map_err(err)?;
            let mut opts = rquickjs::context::EvalOptions::default();
            opts.global = true;
            opts.strict = false;
            opts.filename = Some("<prelude>".to_string());
            let f: Function = ctx.eval_with_options(PRELUDE, opts).map_err(err)?;
            let api: Object = f.call((host,)).map_err(err)?;
            let get = |k: &str| -> Result<Function, String> { api.get(k).map_err(err) };
            value::install_classes(value::Classes {
                message_start: Persistent::save(
                    &ctx,
                    api.get::<_, rquickjs::Constructor>("MessageStart")
                        .map_err(err)?,
                ),
                message_end: Persistent::save(
                    &ctx,
                    api.get::<_, rquickjs::Constructor>("MessageEnd")
                        .map_err(err)?,
                ),
                stream_end: Persistent::save(
                    &ctx,
                    api.get::<_, rquickjs::Constructor>("StreamEnd")
                        .map_err(err)?,
                ),
                message: Persistent::save(
                    &ctx,
                    api.get::<_, rquickjs::Constructor>("Message")
                        .map_err(err)?,
                ),
            });
            *program.slot_api.borrow_mut() = Some(Persistent::save(&ctx, api.clone()));
            api::pipy::install(&ctx, &cfg.argv, cfg.thread_id, cfg.concurrency).map_err(err)?;
            api::install_all(&ctx).map_err(err)?;
            config::install(&ctx).map_err(err)?;
            let scopes = Array::new(ctx.clone()).map_err(err)?;
            ctx.globals().set("__weir_scopes", scopes).map_err(err)?;
            let _ = ctx.eval::<(), _>(
                "Object.defineProperty(globalThis, '__weir_scopes', {enumerable: false})",
            );
            Ok(Persistent::save(&ctx, get("setCur")?))
        })?;
        js::install(js::Engine {
            context: context.clone(),
            set_cur,
        });
        let loaded = js::enter(None, |ctx| -> Result<(), String> {
            match &entry_source {
                None => program.load_module(ctx, &entry_path).map(|_| ()),
                Some(src) => program.load_source(ctx, &entry_path, src).map(|_| ()),
            }?;
            program.bind(ctx)
        });
        loaded.unwrap_or_else(|| Err("no JS engine".to_string()))?;
        Ok(program)
    }

    /// Frees this worker's JS engine; returns the bytes QuickJS held just before the
    /// runtime was freed, after a GC (the old load's context and what host objects held).
    ///
    /// Call only when nothing runs on the thread any more: its tokio runtime and tasks are
    /// gone, as when a reload replaced the worker and its last stream has ended. Every JS
    /// value the thread keeps outside the pipelines is dropped first, then the program (its
    /// layouts and their values), the context, and the runtime. Values that host objects
    /// still hold in a reference cycle the GC cannot see stay allocated, never touched
    /// again (QuickJS is built without its assertions, which would abort here; see
    /// `docs/architecture.md`, "Hot reload").
    pub fn unload(self) -> usize {
        let Worker {
            program,
            listeners,
            tasks,
            context,
            runtime,
            ..
        } = self;
        drop(listeners);
        drop(tasks);
        program.clear();
        drop(program);
        free_engine(context, runtime)
    }

    /// A text picture of every pipeline, for the startup log.
    pub fn graph(&self) -> String {
        let mut out = String::new();
        let p = &self.program;
        for m in p.modules.borrow().iter() {
            let mut layouts: Vec<Rc<Layout>> = m.named.borrow().values().cloned().collect();
            layouts.sort_by(|a, b| a.name.cmp(&b.name));
            if let Some(e) = m.entrance.borrow().clone() {
                layouts.push(e);
            }
            for l in layouts {
                out.push_str(&format!("[{}] {}\n", m.display(), l.name));
                l.graph(&mut out, 2);
            }
        }
        for l in p.listens.borrow().iter() {
            out.push_str(&format!("{}\n", l.layout.name));
            l.layout.graph(&mut out, 2);
        }
        for t in p.tasks.borrow().iter() {
            out.push_str(&format!("{}\n", t.layout.name));
            t.layout.graph(&mut out, 2);
        }
        out
    }

    /// The listening addresses the program declared (for `--check` and logs).
    pub fn listen_addresses(&self) -> Vec<std::net::SocketAddr> {
        self.program
            .listens
            .borrow()
            .iter()
            .filter_map(|l| l.addr)
            .collect()
    }

    /// Opens the listening sockets the program declared, without accepting on them yet. A
    /// port that an earlier load of the program still listens on is taken over, not bound
    /// again (see [`weir_net::listen_socket`]).
    pub fn open(&mut self, reuse_port: bool) -> Result<(), String> {
        let p = self.program.clone();
        for (i, spec) in p.listens.borrow().iter().enumerate() {
            let Some(addr) = spec.addr else { continue };
            let key = (p.thread_id, addr);
            if self.sockets.contains(&key) {
                return Err(format!("cannot listen on {addr}: declared twice"));
            }
            let socket = weir_net::listen_socket(key, reuse_port)
                .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
            self.sockets.push(key);
            self.opened.push((i, socket));
        }
        Ok(())
    }

    /// Starts accepting on the sockets [`Worker::open`] opened, and starts the tasks. Must
    /// run inside the worker's `LocalSet`. A listener that cannot start is logged; the
    /// others run.
    pub fn run(&mut self) {
        let p = self.program.clone();
        let listens = p.listens.borrow();
        for (i, socket) in std::mem::take(&mut self.opened) {
            let Some(spec) = listens.get(i) else { continue };
            let layout = spec.layout.clone();
            let fiber = spec.fiber;
            let make: weir_net::PipelineMaker = Rc::new(move |inbound: Rc<InboundInfo>| {
                let ctx = new_root(Some(inbound), fiber)?;
                Some(layout.instantiate(ctx))
            });
            match weir_net::Listener::start(socket, spec.options.clone(), make) {
                Ok(listener) => {
                    if p.thread_id == 0 {
                        tracing::info!(
                            "[listener] Listening on TCP port {} at {}",
                            listener.addr.port(),
                            listener.addr.ip()
                        );
                    }
                    self.listeners.push(listener);
                }
                Err(e) => tracing::error!("[listener] cannot listen on {:?}: {e}", spec.addr),
            }
        }
        for task in p.tasks.borrow().iter() {
            self.tasks
                .extend(start_task(&task.when, task.layout.clone()));
        }
    }

    /// The sockets this worker listens on (see [`weir_net::retain_sockets`]).
    pub fn sockets(&self) -> &[weir_net::SocketKey] {
        &self.sockets
    }

    /// Stops accepting new connections and stops the repeating and signal tasks (graceful
    /// shutdown, or a reload that replaced this worker). Streams already running carry on
    /// to their end, except that HTTP servers close idle kept-alive connections now and
    /// busy ones after the response in progress (`weir_net::drain_connections`), and idle
    /// upstream sessions close.
    pub fn stop_listening(&mut self) {
        self.opened.clear();
        for l in self.listeners.drain(..) {
            l.stop();
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
        sched::defer(weir_net::drain_connections);
        sched::defer(weir_engine::filters::http::mux::close_idle_sessions);
    }

    /// Runs the `pipy.exit(fn)` hooks and waits for the promises they return to settle.
    pub async fn run_exit_hooks(&self) {
        let hooks = std::mem::take(&mut *self.program.exit_hooks.borrow_mut());
        if hooks.is_empty() {
            return;
        }
        let pending = Rc::new(Cell::new(0usize));
        let done = Rc::new(tokio::sync::Notify::new());
        let stream = new_root_context(None);
        for hook in hooks {
            let (pending, done) = (pending.clone(), done.clone());
            let Some(stream) = stream.as_ref() else { break };
            let _ = hook.call(
                stream,
                "pipy.exit() hook",
                |_| Ok(Vec::new()),
                move |ctx, v| {
                    if let Some(p) = v.as_promise() {
                        pending.set(pending.get() + 1);
                        let settle = Function::new(ctx.clone(), move || {
                            pending.set(pending.get().saturating_sub(1));
                            done.notify_one();
                        })
                        .map_err(|e| e.to_string())?;
                        let then: Function = p.get("then").map_err(|e| e.to_string())?;
                        then.call::<_, Value>((
                            rquickjs::function::This(p.clone()),
                            settle.clone(),
                            settle,
                        ))
                        .map_err(|e| e.to_string())?;
                    }
                    Ok(())
                },
            );
        }
        let _activity = weir_engine::activity::Activity::new();
        while pending.get() > 0 {
            done.notified().await;
        }
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.program.exit_code.get()
    }
}

/// Why a program did not load (`message`: one line, with `file:line:col` where the script
/// is at fault), holding the half-loaded JS engine until [`LoadError::unload`].
pub struct LoadError {
    pub message: String,
    engine: Option<(
        ManuallyDrop<rquickjs::Context>,
        ManuallyDrop<rquickjs::Runtime>,
    )>,
}

impl LoadError {
    /// Frees the half-loaded JS engine, under the same conditions as [`Worker::unload`]
    /// (tasks the program started while loading may hold JS values).
    pub fn unload(self) {
        if let Some((context, runtime)) = self.engine {
            free_engine(context, runtime);
        }
    }
}

/// Drops every JS value this thread keeps outside the program's pipelines, then the JS
/// context, runs the GC and frees the runtime; returns the bytes QuickJS held just before.
fn free_engine(
    context: ManuallyDrop<rquickjs::Context>,
    runtime: ManuallyDrop<rquickjs::Runtime>,
) -> usize {
    if let Some(p) = module::uninstall_program() {
        p.clear();
    }
    value::uninstall_classes();
    api::clear_thread();
    drop(js::uninstall());
    drop(ManuallyDrop::into_inner(context));
    runtime.run_gc();
    let left = usize::try_from(runtime.memory_usage().malloc_size).unwrap_or(0);
    drop(ManuallyDrop::into_inner(runtime));
    left
}

/// A fresh root context: initial values of every context variable, and `__inbound`.
/// `fiber`: the stream runs era-C pipelines (its `$x` variables are usable).
fn new_root_context(inbound: Option<Rc<InboundInfo>>) -> Option<Rc<Context>> {
    new_root(inbound, false)
}

pub(crate) fn new_root(inbound: Option<Rc<InboundInfo>>, fiber: bool) -> Option<Rc<Context>> {
    let p = module::program()?;
    let slots = js::enter_keep(|ctx| -> Option<Slots> {
        let inbound_obj = match &inbound {
            Some(info) => inbound_to_js(ctx, info).ok()?.into_value(),
            None => Value::new_null(ctx.clone()),
        };
        let arr = p.new_slots(ctx, inbound_obj, fiber).ok()?;
        Some(Slots(Persistent::save(ctx, arr)))
    })
    .flatten()?;
    Some(Context::root(inbound, Some(Rc::new(slots))))
}

/// The `Inbound` object scripts see (`__inbound`, `onStart(inbound => ...)`).
fn inbound_to_js<'js>(ctx: &Ctx<'js>, info: &InboundInfo) -> rquickjs::Result<Object<'js>> {
    let o = Object::new(ctx.clone())?;
    o.set("id", info.id as f64)?;
    o.set("localAddress", info.local.ip().to_string())?;
    o.set("localPort", info.local.port())?;
    o.set("remoteAddress", info.remote.ip().to_string())?;
    o.set("remotePort", info.remote.port())?;
    o.set("destinationAddress", info.destination.ip().to_string())?;
    o.set("destinationPort", info.destination.port())?;
    Ok(o)
}

/// Holds a task's root pipeline until it outputs `StreamEnd`.
struct TaskRun {
    pipeline: RefCell<Option<Rc<Pipeline>>>,
    done: Cell<bool>,
}

impl EventSink for TaskRun {
    fn on_event(&self, evt: weir_engine::Event) {
        if evt.is_stream_end() {
            self.done.set(true);
            if let Some(p) = self.pipeline.borrow_mut().take() {
                sched::defer(move || drop(p));
            }
        }
    }
}

fn run_task(layout: &Rc<Layout>) -> Rc<TaskRun> {
    let run = Rc::new(TaskRun {
        pipeline: RefCell::new(None),
        done: Cell::new(false),
    });
    if let Some(ctx) = new_root_context(None) {
        let p = layout.instantiate(ctx);
        p.set_output(Target::Sink(run.clone()));
        *run.pipeline.borrow_mut() = Some(p.clone());
        p.start();
    }
    run
}

/// Starts a task; returns the handle that stops it, for the ones that repeat.
fn start_task(when: &TaskWhen, layout: Rc<Layout>) -> Option<tokio::task::AbortHandle> {
    match when {
        TaskWhen::Once => {
            sched::defer(move || {
                // The run keeps itself alive (pipeline -> sink -> run) until its StreamEnd.
                let _ = run_task(&layout);
            });
            None
        }
        TaskWhen::Every(interval) => {
            let interval = (*interval).max(std::time::Duration::from_millis(1));
            let guard = weir_engine::activity::Activity::new();
            let task = tokio::task::spawn_local(async move {
                let _guard = guard;
                let mut current: Option<Rc<TaskRun>> = None;
                loop {
                    if current.as_ref().is_none_or(|r| r.done.get()) {
                        current = Some(run_task(&layout));
                    }
                    tokio::time::sleep(interval).await;
                }
            });
            Some(task.abort_handle())
        }
        TaskWhen::Signal(name) => {
            use tokio::signal::unix::{signal, SignalKind};
            let kind = match name.as_str() {
                "SIGHUP" => SignalKind::hangup(),
                "SIGINT" => SignalKind::interrupt(),
                "SIGTERM" => SignalKind::terminate(),
                "SIGUSR1" => SignalKind::user_defined1(),
                "SIGUSR2" => SignalKind::user_defined2(),
                "SIGQUIT" => SignalKind::quit(),
                other => {
                    tracing::error!("[task] unsupported signal {other}");
                    return None;
                }
            };
            match signal(kind) {
                Ok(mut s) => {
                    let task = tokio::task::spawn_local(async move {
                        let mut runs: Vec<Rc<TaskRun>> = Vec::new();
                        while s.recv().await.is_some() {
                            runs.retain(|r| !r.done.get());
                            runs.push(run_task(&layout));
                        }
                    });
                    Some(task.abort_handle())
                }
                Err(e) => {
                    tracing::error!("[task] cannot watch {name}: {e}");
                    None
                }
            }
        }
    }
}

impl Program {
    /// Inline scripts (`-e`) are evaluated from memory under a made-up codebase path.
    fn load_source(&self, ctx: &Ctx<'_>, path: &str, source: &str) -> Result<usize, String> {
        self.load_text(ctx, path, source)
    }

    /// After every module has loaded: resolve imports and pipeline names, build the context
    /// template. Errors name the module and the missing thing.
    fn bind(&self, ctx: &Ctx<'_>) -> Result<(), String> {
        for m in self.modules.borrow().iter() {
            for (name, ns) in m.imports.borrow().iter() {
                let slot = self
                    .exports
                    .borrow()
                    .get(&(ns.clone(), name.clone()))
                    .copied();
                match slot {
                    Some(slot) => {
                        if m.vars.borrow().contains_key(name) {
                            return Err(format!(
                                "{}: cannot import variable {name}: already defined in this module",
                                m.display()
                            ));
                        }
                        m.vars.borrow_mut().insert(name.clone(), slot);
                        self.define_var(ctx, m, name, slot)
                            .map_err(|e| e.to_string())?;
                    }
                    None => {
                        return Err(format!("{}: cannot import variable {name} from namespace '{ns}': nothing exports it", m.display()));
                    }
                }
            }
        }
        for pending in self.pending.borrow().iter() {
            let module_id = pending.in_module.unwrap_or(pending.module);
            let Some(m) = self.module(module_id) else {
                continue;
            };
            let found = if pending.name.is_empty() {
                m.entrance.borrow().clone()
            } else {
                m.named.borrow().get(&pending.name).cloned()
            };
            match found {
                Some(l) => pending.target.resolve(l),
                None if pending.optional => {}
                None if pending.name.is_empty() => {
                    return Err(format!(
                        "{}: module has no entrance pipeline (pipeline() with no name)",
                        m.display()
                    ));
                }
                None => {
                    let from = self
                        .module(pending.module)
                        .map(|x| x.display().to_string())
                        .unwrap_or_default();
                    return Err(format!(
                        "{from}: pipeline '{}' not found in {}",
                        pending.name,
                        m.display()
                    ));
                }
            }
        }
        let template = Array::new(ctx.clone()).map_err(|e| e.to_string())?;
        *self.template.borrow_mut() = Some(Persistent::save(ctx, template));
        Ok(())
    }
}
