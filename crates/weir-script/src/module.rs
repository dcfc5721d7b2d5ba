//! Modules (one per file), their context variables and the worker-wide slot table.
//!
//! A legacy module is evaluated as a sloppy script inside `with (scope) { ... }`, where
//! `scope` is the module's own object. `pipy({...})`, `.export()` and `.import()` define
//! accessors on it, so every free name a callback uses that is one of the module's context
//! variables resolves, when the callback *runs*, against the slots of the stream that is
//! current — including in functions built at load time and in promise continuations.
//! All other names fall through to the global object.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use rquickjs::{Array, Ctx, Function, Object, Persistent, Value};
use weir_engine::{ContextData, Layout, LayoutRef};

use crate::js;

/// Per-stream storage: one JS array, one element per context variable of every module.
pub struct Slots(pub Persistent<Array<'static>>);

impl Slots {
    pub fn value<'js>(&self, ctx: &Ctx<'js>) -> Value<'js> {
        self.0
            .clone()
            .restore(ctx)
            .map(|a| a.into_value())
            .unwrap_or_else(|_| Value::new_undefined(ctx.clone()))
    }
}

thread_local! {
    /// Slots defined so far on this thread (`__inbound`, the fiber flag, then variables).
    static SLOT_COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(FIRST_VAR_SLOT) };
}

/// The first slot that holds a script variable.
const FIRST_VAR_SLOT: usize = 2;

impl ContextData for Slots {
    fn fork(self: Rc<Self>) -> Rc<dyn ContextData> {
        // With no variables, a copy would hold exactly what the original holds, none of it
        // writable by scripts (`__inbound`, the fiber flag): share it.
        if SLOT_COUNT.with(|c| c.get()) <= FIRST_VAR_SLOT {
            return self;
        }
        let copy = js::enter_keep(|ctx| {
            let src = self.0.clone().restore(ctx).ok()?;
            let dst = Array::new(ctx.clone()).ok()?;
            for i in 0..src.len() {
                let v: Value = src.get(i).ok()?;
                dst.set(i, v).ok()?;
            }
            Some(Slots(Persistent::save(ctx, dst)))
        })
        .flatten();
        match copy {
            Some(s) => Rc::new(s),
            None => self,
        }
    }
}

/// Slot 0 of every stream holds its `__inbound` object.
pub const INBOUND_SLOT: usize = 0;

pub struct Module {
    pub id: usize,
    /// Codebase path, e.g. `/main.js`.
    pub path: String,
    pub scope: Persistent<Object<'static>>,
    pub vars: RefCell<HashMap<String, usize>>,
    pub imports: RefCell<Vec<(String, String)>>,
    pub named: RefCell<HashMap<String, Rc<Layout>>>,
    pub entrance: RefCell<Option<Rc<Layout>>>,
    /// What `import` and `pipy.import()` of this module give (era C; empty for legacy).
    pub exports: Persistent<Object<'static>>,
}

impl Module {
    /// The path as shown in messages (`main.js`).
    pub fn display(&self) -> &str {
        self.path.trim_start_matches('/')
    }
}

/// A listener declared by a script.
pub struct ListenSpec {
    pub addr: Option<std::net::SocketAddr>,
    pub options: weir_net::ListenOptions,
    pub layout: Rc<Layout>,
    /// Declared with `pipy.listen()` (era C): streams have fiber variables.
    pub fiber: bool,
}

/// A task declared by a script.
pub struct TaskSpec {
    pub when: TaskWhen,
    pub layout: Rc<Layout>,
}

pub enum TaskWhen {
    Once,
    Every(std::time::Duration),
    Signal(String),
}

/// A `.to('name')` / `link('name')` reference, resolved once every module has loaded.
pub struct PendingName {
    pub target: Rc<LayoutRef>,
    pub module: usize,
    pub name: String,
    /// The module path it points into, for `use('file', 'name')`.
    pub in_module: Option<usize>,
    /// A module without that pipeline is skipped instead of being an error (`use` lists).
    pub optional: bool,
}

/// Everything one worker thread knows about the loaded program.
pub struct Program {
    pub root: PathBuf,
    pub modules: RefCell<Vec<Rc<Module>>>,
    pub by_path: RefCell<HashMap<String, usize>>,
    /// Prelude functions: `defineVar(scope, name, slot, fiber)`, `newSlot(init)`,
    /// `newSlots(inbound, fiber)`.
    pub slot_api: RefCell<Option<Persistent<Object<'static>>>>,
    pub exports: RefCell<HashMap<(String, String), usize>>,
    pub listens: RefCell<Vec<ListenSpec>>,
    pub tasks: RefCell<Vec<TaskSpec>>,
    pub pending: RefCell<Vec<PendingName>>,
    pub loading: RefCell<Vec<usize>>,
    pub template: RefCell<Option<Persistent<Array<'static>>>>,
    pub solved: RefCell<HashMap<String, Persistent<Value<'static>>>>,
    pub solving: RefCell<Vec<String>>,
    pub thread_id: usize,
    pub exit_code: Cell<Option<i32>>,
    pub exit_hooks: RefCell<Vec<crate::js::Callback>>,
}

thread_local! {
    static PROGRAM: RefCell<Option<Rc<Program>>> = const { RefCell::new(None) };
}

pub fn program() -> Option<Rc<Program>> {
    PROGRAM.with(|p| p.borrow().clone())
}

pub(crate) fn install_program(p: Rc<Program>) {
    PROGRAM.with(|x| *x.borrow_mut() = Some(p));
}

impl Program {
    /// Drops the modules, layouts and JS values the program holds (the worker is unloading).
    pub(crate) fn clear(&self) {
        self.modules.borrow_mut().clear();
        self.slot_api.borrow_mut().take();
        self.listens.borrow_mut().clear();
        self.tasks.borrow_mut().clear();
        self.pending.borrow_mut().clear();
        self.template.borrow_mut().take();
        self.solved.borrow_mut().clear();
        self.exit_hooks.borrow_mut().clear();
    }
}

pub(crate) fn uninstall_program() -> Option<Rc<Program>> {
    PROGRAM.with(|x| x.borrow_mut().take())
}

/// Normalises a codebase path: `x.js`, `/x.js` and `./x.js` are all `/x.js`.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Program {
    pub fn module(&self, id: usize) -> Option<Rc<Module>> {
        self.modules.borrow().get(id).cloned()
    }

    pub fn current_module(&self) -> Option<Rc<Module>> {
        let id = *self.loading.borrow().last()?;
        self.module(id)
    }

    pub fn file_path(&self, codebase_path: &str) -> PathBuf {
        self.root.join(codebase_path.trim_start_matches('/'))
    }

    pub fn read_file(&self, codebase_path: &str) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.file_path(codebase_path))
    }

    fn slot_fn<'js>(&self, ctx: &Ctx<'js>, name: &str) -> rquickjs::Result<Function<'js>> {
        let api = self
            .slot_api
            .borrow()
            .clone()
            .ok_or_else(|| rquickjs::Exception::throw_internal(ctx, "no slot API"))?
            .restore(ctx)?;
        api.get(name)
    }

    /// A new slot holding `init` in every new root context.
    pub fn new_slot<'js>(&self, ctx: &Ctx<'js>, init: Value<'js>) -> rquickjs::Result<usize> {
        let slot: usize = self.slot_fn(ctx, "newSlot")?.call((init,))?;
        SLOT_COUNT.with(|c| c.set(c.get().max(slot + 1)));
        Ok(slot)
    }

    /// The slots of a new root context: every variable's initial value, `__inbound` and
    /// whether the stream has fiber variables (era C).
    pub fn new_slots<'js>(
        &self,
        ctx: &Ctx<'js>,
        inbound: Value<'js>,
        fiber: bool,
    ) -> rquickjs::Result<Array<'js>> {
        self.slot_fn(ctx, "newSlots")?.call((inbound, fiber))
    }

    /// Makes `name` in `module` read and write `slot` of the current stream.
    pub fn define_var<'js>(
        &self,
        ctx: &Ctx<'js>,
        module: &Module,
        name: &str,
        slot: usize,
    ) -> rquickjs::Result<()> {
        self.define_slot(ctx, module, name, slot, false)
    }

    fn define_slot<'js>(
        &self,
        ctx: &Ctx<'js>,
        module: &Module,
        name: &str,
        slot: usize,
        fiber: bool,
    ) -> rquickjs::Result<()> {
        let scope = module.scope.clone().restore(ctx)?;
        self.slot_fn(ctx, "defineVar")?
            .call((scope, name, slot, fiber))
    }

    /// Resolves an import specifier against the importing module's path.
    pub fn resolve(&self, from: &str, spec: &str) -> String {
        if spec.starts_with('/') {
            return normalize(spec);
        }
        let dir = match from.rfind('/') {
            Some(i) => &from[..i],
            None => "",
        };
        normalize(&format!("{dir}/{spec}"))
    }

    /// The exports object of a module.
    pub fn exports<'js>(&self, ctx: &Ctx<'js>, id: usize) -> rquickjs::Result<Object<'js>> {
        match self.module(id) {
            Some(m) => m.exports.clone().restore(ctx),
            None => Object::new(ctx.clone()),
        }
    }

    /// Loads (once) the module at a codebase path and returns its id.
    pub fn load_module(&self, ctx: &Ctx<'_>, path: &str) -> Result<usize, String> {
        let path = normalize(path);
        if let Some(id) = self.by_path.borrow().get(&path) {
            return Ok(*id);
        }
        let source = self
            .read_file(&path)
            .map_err(|e| format!("{}: cannot read module: {e}", path.trim_start_matches('/')))?;
        let source = String::from_utf8(source)
            .map_err(|_| format!("{}: not valid UTF-8", path.trim_start_matches('/')))?;
        self.load_text(ctx, &path, &source)
    }

    /// Evaluates module text under a codebase path.
    pub fn load_text(&self, ctx: &Ctx<'_>, path: &str, source: &str) -> Result<usize, String> {
        let path = normalize(path);
        let id = self.modules.borrow().len();
        let scope = Object::new(ctx.clone()).map_err(|e| e.to_string())?;
        let _ = scope.set("__filename", path.clone());
        let module = Rc::new(Module {
            id,
            path: path.clone(),
            scope: Persistent::save(ctx, scope.clone()),
            vars: RefCell::new(HashMap::new()),
            imports: RefCell::new(Vec::new()),
            named: RefCell::new(HashMap::new()),
            entrance: RefCell::new(None),
            exports: Persistent::save(ctx, Object::new(ctx.clone()).map_err(|e| e.to_string())?),
        });
        self.define_var(ctx, &module, "__inbound", INBOUND_SLOT)
            .map_err(|e| e.to_string())?;
        self.modules.borrow_mut().push(module.clone());
        self.by_path.borrow_mut().insert(path.clone(), id);
        let scopes: Array = ctx
            .globals()
            .get("__weir_scopes")
            .map_err(|e| e.to_string())?;
        scopes.set(id, scope).map_err(|e| e.to_string())?;

        self.loading.borrow_mut().push(id);
        let result = if crate::esm::is_module(source) {
            self.eval_esm(ctx, &module, source)
        } else {
            eval_module(ctx, id, module.display(), source)
                .map(|_| ())
                .map_err(|e| js::describe_exception(ctx, e))
        };
        self.loading.borrow_mut().pop();
        result.map(|_| id)
    }

    /// Runs an era-C module: ES imports/exports, fiber variables, top-level `return`.
    fn eval_esm<'js>(
        &self,
        ctx: &Ctx<'js>,
        module: &Rc<Module>,
        source: &str,
    ) -> Result<(), String> {
        let scope = format!("__weir_scopes[{}]", module.id);
        let t = crate::esm::transform(source, module.display(), &scope)?;
        let err = |e: rquickjs::Error| js::describe_exception(ctx, e);
        for name in &t.fiber_vars {
            let slot = self
                .new_slot(ctx, Value::new_undefined(ctx.clone()))
                .map_err(err)?;
            module.vars.borrow_mut().insert(name.clone(), slot);
            self.define_slot(ctx, module, name, slot, true)
                .map_err(err)?;
        }
        let f: Function = eval_script(ctx, module.display(), t.code).map_err(err)?;
        let exports = module.exports.clone().restore(ctx).map_err(err)?;
        let from = module.path.clone();
        let file = module.display().to_string();
        let import = Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  spec: String,
                  names: rquickjs::function::Opt<Vec<String>>,
                  line: rquickjs::function::Opt<u32>|
                  -> rquickjs::Result<Object<'js>> {
                let p = program()
                    .ok_or_else(|| rquickjs::Exception::throw_internal(&ctx, "no program"))?;
                let path = p.resolve(&from, &spec);
                let at = line.0.map(|l| format!("{file}:{l}: ")).unwrap_or_default();
                let id = p.load_module(&ctx, &path).map_err(|e| {
                    // An error inside the imported module already names its own place.
                    let own_place = e
                        .split(':')
                        .nth(1)
                        .is_some_and(|n| n.parse::<u32>().is_ok());
                    let msg = if own_place {
                        e
                    } else {
                        format!("{at}cannot import '{spec}': {e}")
                    };
                    rquickjs::Exception::throw_reference(&ctx, &msg)
                })?;
                let exports = p.exports(&ctx, id)?;
                // A module still loading (an import cycle) cannot be checked yet.
                if !p.loading.borrow().contains(&id) {
                    for name in names.0.unwrap_or_default() {
                        if !exports.contains_key(name.as_str())? {
                            return Err(rquickjs::Exception::throw_syntax(
                                &ctx,
                                &format!("{at}'{spec}' does not export '{name}'"),
                            ));
                        }
                    }
                }
                Ok(exports)
            },
        )
        .map_err(err)?;
        f.call::<_, Value>((exports, import)).map_err(err)?;
        Ok(())
    }
}

/// A leading `#!` line becomes a comment (so line numbers stay right).
fn strip_shebang(source: &str) -> String {
    match source.strip_prefix("#!") {
        Some(rest) => format!("//{rest}"),
        None => source.to_string(),
    }
}

/// Evaluates script text as a sloppy global script named `file`.
pub fn eval_script<'js, V: rquickjs::FromJs<'js>>(
    ctx: &Ctx<'js>,
    file: &str,
    code: String,
) -> rquickjs::Result<V> {
    let mut opts = rquickjs::context::EvalOptions::default();
    opts.global = true;
    opts.strict = false;
    opts.filename = Some(file.to_string());
    ctx.eval_with_options(code, opts)
}

/// Evaluates a legacy module body inside its scope. The wrapper sits on the first line so
/// line numbers in errors match the file.
fn eval_module<'js>(
    ctx: &Ctx<'js>,
    id: usize,
    file: &str,
    source: &str,
) -> rquickjs::Result<Value<'js>> {
    let body = strip_shebang(source);
    eval_script(ctx, file, format!("with(__weir_scopes[{id}]){{{body}\n}}"))
}

/// Evaluates a file as one expression (for `pipy.solve`), with no module scope.
pub fn eval_expression<'js>(
    ctx: &Ctx<'js>,
    file: &str,
    source: &str,
) -> rquickjs::Result<Value<'js>> {
    let body = strip_shebang(source);
    eval_script(ctx, file, format!("({body}\n)"))
}
