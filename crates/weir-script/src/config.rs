//! The legacy `pipy({...})` Configuration: a builder whose methods add layouts (`listen`,
//! `task`, `pipeline`) and filters to the layout being built. Filter methods are rows of the
//! table in `filters/mod.rs`; this file holds the builder and the layout-level methods.

use std::cell::RefCell;
use std::net::SocketAddr;
use std::rc::Rc;

use rquickjs::class::Trace;
use rquickjs::function::{Rest, This};
use rquickjs::{Class, Ctx, Exception, Function, JsLifetime, Object, Result, Value};
use weir_engine::{Layout, LayoutRef};

use crate::module::{program, ListenSpec, PendingName, Program, TaskSpec, TaskWhen};
use crate::opts;

/// The state behind one `Configuration` object (or one `$` of a `.to($=>$...)` builder).
pub struct Builder {
    pub module: usize,
    pub current: RefCell<Option<Rc<Layout>>>,
    /// Joint filters waiting for their `.to(...)`.
    pub pending_to: RefCell<Vec<Rc<LayoutRef>>>,
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class]
pub struct Configuration {
    #[qjs(skip_trace)]
    pub builder: Rc<Builder>,
}

impl Configuration {
    pub fn new(module: usize, layout: Option<Rc<Layout>>) -> Configuration {
        Configuration {
            builder: Rc::new(Builder {
                module,
                current: RefCell::new(layout),
                pending_to: RefCell::new(Vec::new()),
            }),
        }
    }
}

pub fn throw(ctx: &Ctx<'_>, msg: impl AsRef<str>) -> rquickjs::Error {
    Exception::throw_type(ctx, msg.as_ref())
}

pub fn prog(ctx: &Ctx<'_>) -> Result<Rc<Program>> {
    program().ok_or_else(|| throw(ctx, "no program is loading"))
}

impl Builder {
    /// The layout filters are added to; an error before any `listen`/`task`/`pipeline`.
    pub fn layout(&self, ctx: &Ctx<'_>, method: &str) -> Result<Rc<Layout>> {
        self.current
            .borrow()
            .clone()
            .ok_or_else(|| throw(ctx, format!("{method}(): no pipeline to add a filter to (call listen(), task() or pipeline() first)")))
    }

    /// Adds a filter to the current layout.
    pub fn add(
        &self,
        ctx: &Ctx<'_>,
        method: &str,
        f: Rc<dyn weir_engine::FilterFactory>,
    ) -> Result<()> {
        let layout = self.layout(ctx, method)?;
        layout.append(f);
        Ok(())
    }

    /// A sub-pipeline slot that a following `.to(...)` fills.
    pub fn expect_to(&self) -> Rc<LayoutRef> {
        let r = LayoutRef::named("");
        self.pending_to.borrow_mut().push(r.clone());
        r
    }

    fn start_layout(&self, layout: Rc<Layout>) {
        *self.current.borrow_mut() = Some(layout);
        self.pending_to.borrow_mut().clear();
    }
}

/// A pipeline named `name` (in `in_module`, or else the builder's own module), resolved
/// once every module has loaded; a missing one is a load error unless `optional`.
pub fn named_ref(
    ctx: &Ctx<'_>,
    b: &Builder,
    name: String,
    in_module: Option<usize>,
    optional: bool,
) -> Result<Rc<LayoutRef>> {
    let r = LayoutRef::named(name.clone());
    prog(ctx)?.pending.borrow_mut().push(PendingName {
        target: r.clone(),
        module: b.module,
        name,
        in_module,
        optional,
    });
    Ok(r)
}

/// A layout reference from a name or a builder function: `'name'` or `$=>$...`.
pub fn layout_ref<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    v: &Value<'js>,
    what: &str,
) -> Result<Rc<LayoutRef>> {
    if let Some(s) = v.as_string() {
        return named_ref(ctx, b, s.to_string()?, None, false);
    }
    if let Some(f) = v.as_function() {
        let layout = build_sub(ctx, b.module, f.clone())?;
        return Ok(LayoutRef::of(layout));
    }
    Err(throw(
        ctx,
        format!("{what}: expected a pipeline name or a builder function"),
    ))
}

/// Runs a `$=>$...` builder over a new anonymous layout.
pub fn build_sub<'js>(ctx: &Ctx<'js>, module: usize, f: Function<'js>) -> Result<Rc<Layout>> {
    let layout = Layout::new("");
    let sub = Class::instance(
        ctx.clone(),
        Configuration::new(module, Some(layout.clone())),
    )?;
    f.call::<_, Value>((sub,))?;
    Ok(layout)
}

pub(crate) fn parse_listen_addr(ctx: &Ctx<'_>, v: &Value<'_>) -> Result<Option<SocketAddr>> {
    if v.is_null() || v.is_undefined() {
        return Ok(None);
    }
    if let Some(n) = v.as_number() {
        if n.fract() != 0.0 || !(0.0..=65535.0).contains(&n) {
            return Err(throw(ctx, format!("listen(): invalid port {n}")));
        }
        return Ok(Some(SocketAddr::from(([0, 0, 0, 0], n as u16))));
    }
    if let Some(s) = v.as_string() {
        let s = s.to_string()?;
        if let Ok(port) = s.parse::<u16>() {
            return Ok(Some(SocketAddr::from(([0, 0, 0, 0], port))));
        }
        if let Ok(a) = s.parse::<SocketAddr>() {
            return Ok(Some(a));
        }
        if let Some((host, port)) = s.rsplit_once(':') {
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if let (Ok(ip), Ok(port)) = (host.parse::<std::net::IpAddr>(), port.parse::<u16>()) {
                return Ok(Some(SocketAddr::new(ip, port)));
            }
            if host == "localhost" {
                if let Ok(port) = port.parse::<u16>() {
                    return Ok(Some(SocketAddr::from(([127, 0, 0, 1], port))));
                }
            }
        }
        return Err(throw(ctx, format!("listen(): invalid address '{s}'")));
    }
    Err(throw(ctx, "listen(): expected a port number or 'ip:port'"))
}

pub fn listen<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let arg = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let addr = parse_listen_addr(ctx, &arg)?;
    let mut options = weir_net::ListenOptions::default();
    if let Some(o) = args.get(1).and_then(|v| v.as_object()) {
        opts::listen_options(ctx, o, &mut options)?;
    }
    let name = match addr {
        Some(a) => format!("Listen on {}", a.port()),
        None => "Listen (disabled)".to_string(),
    };
    let layout = Layout::new(name);
    prog(ctx)?.listens.borrow_mut().push(ListenSpec {
        addr,
        options,
        layout: layout.clone(),
        fiber: false,
    });
    b.start_layout(layout);
    Ok(())
}

pub fn task<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let when = match args.first() {
        None => TaskWhen::Once,
        Some(v) if v.is_undefined() || v.is_null() => TaskWhen::Once,
        Some(v) => {
            if let Some(n) = v.as_number() {
                TaskWhen::Every(
                    weir_engine::options::seconds(n)
                        .map_err(|e| throw(ctx, format!("task(): {e}")))?,
                )
            } else if let Some(s) = v.as_string() {
                let s = s.to_string()?;
                if s.starts_with("SIG") {
                    TaskWhen::Signal(s)
                } else {
                    TaskWhen::Every(
                        weir_engine::options::parse_time(&s)
                            .map_err(|e| throw(ctx, format!("task(): {e}")))?,
                    )
                }
            } else {
                return Err(throw(ctx, "task(): expected an interval or a signal name"));
            }
        }
    };
    let name = match &when {
        TaskWhen::Once => "Task".to_string(),
        TaskWhen::Every(d) => format!("Task every {}s", d.as_secs_f64()),
        TaskWhen::Signal(s) => format!("Task on {s}"),
    };
    let layout = Layout::new(name);
    prog(ctx)?.tasks.borrow_mut().push(TaskSpec {
        when,
        layout: layout.clone(),
    });
    b.start_layout(layout);
    Ok(())
}

pub fn pipeline<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let p = prog(ctx)?;
    let module = p
        .module(b.module)
        .ok_or_else(|| throw(ctx, "pipeline(): no module"))?;
    match args.first().and_then(|v| v.as_string()) {
        Some(name) => {
            let name = name.to_string()?;
            if module.named.borrow().contains_key(&name) {
                return Err(throw(
                    ctx,
                    format!("pipeline(): duplicated pipeline name '{name}'"),
                ));
            }
            let layout = Layout::new(name.clone());
            module.named.borrow_mut().insert(name, layout.clone());
            b.start_layout(layout);
        }
        None => {
            if module.entrance.borrow().is_some() {
                return Err(throw(
                    ctx,
                    "pipeline(): the module entrance is defined twice",
                ));
            }
            let layout = Layout::new(format!("{} (entrance)", module.display()));
            *module.entrance.borrow_mut() = Some(layout.clone());
            b.start_layout(layout);
        }
    }
    Ok(())
}

pub fn to<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let Some(target) = b.pending_to.borrow_mut().pop() else {
        return Err(throw(
            ctx,
            "to(): there is no joint filter waiting for a sub-pipeline",
        ));
    };
    let v = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let r = layout_ref(ctx, b, &v, "to()")?;
    match r.get() {
        Some(l) => target.resolve(l.clone()),
        None => {
            // A name: resolve the placeholder along with the name later.
            let p = prog(ctx)?;
            let mut pending = p.pending.borrow_mut();
            if let Some(last) = pending.last_mut() {
                last.target = target;
            }
        }
    }
    Ok(())
}

pub fn export<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let p = prog(ctx)?;
    let module = p
        .module(b.module)
        .ok_or_else(|| throw(ctx, "export(): no module"))?;
    let ns = args
        .first()
        .and_then(|v| v.as_string())
        .ok_or_else(|| throw(ctx, "export(): expected a namespace string"))?
        .to_string()?;
    let vars = args
        .get(1)
        .and_then(|v| v.as_object())
        .ok_or_else(|| throw(ctx, "export(): expected an object of variables"))?;
    for key in vars.keys::<String>() {
        let key = key?;
        let init: Value = vars.get(&key)?;
        if p.exports.borrow().contains_key(&(ns.clone(), key.clone())) {
            return Err(throw(
                ctx,
                format!("export(): duplicated variable exporting name '{key}' in namespace '{ns}'"),
            ));
        }
        if module.vars.borrow().contains_key(&key) {
            return Err(throw(
                ctx,
                format!(
                    "export(): variable '{key}' is already defined in {}",
                    module.display()
                ),
            ));
        }
        let slot = p.new_slot(ctx, init)?;
        p.exports
            .borrow_mut()
            .insert((ns.clone(), key.clone()), slot);
        module.vars.borrow_mut().insert(key.clone(), slot);
        p.define_var(ctx, &module, &key, slot)?;
    }
    Ok(())
}

pub fn import<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let p = prog(ctx)?;
    let module = p
        .module(b.module)
        .ok_or_else(|| throw(ctx, "import(): no module"))?;
    let vars = args
        .first()
        .and_then(|v| v.as_object())
        .ok_or_else(|| throw(ctx, "import(): expected an object {name: namespace}"))?;
    for key in vars.keys::<String>() {
        let key = key?;
        let ns: Value = vars.get(&key)?;
        let ns = ns
            .as_string()
            .ok_or_else(|| {
                throw(
                    ctx,
                    format!("import(): namespace of '{key}' must be a string"),
                )
            })?
            .to_string()?;
        module.imports.borrow_mut().push((key, ns));
    }
    Ok(())
}

pub fn on_end<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let layout = b.layout(ctx, "onEnd")?;
    let f = args
        .first()
        .and_then(|v| v.as_function())
        .ok_or_else(|| throw(ctx, "onEnd(): expected a function"))?;
    let cb = crate::js::Callback::new(ctx, f.clone());
    layout.set_on_end(Rc::new(move |p| {
        let result = cb.call(
            &p.context,
            "onEnd()",
            |_| Ok(Vec::new()),
            |ctx, v| Ok(crate::value::JsValue(rquickjs::Persistent::save(ctx, v))),
        );
        if let Ok(v) = result {
            *p.result.borrow_mut() = Some(Box::new(v));
        }
    }));
    Ok(())
}

/// Config-time `repeat(count | array, ($, value, index) => ...)`.
pub fn repeat<'js>(
    ctx: &Ctx<'js>,
    this: &Class<'js, Configuration>,
    args: &[Value<'js>],
) -> Result<()> {
    let f = args
        .get(1)
        .and_then(|v| v.as_function())
        .ok_or_else(|| throw(ctx, "repeat(): expected a function as the second argument"))?;
    let first = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if let Some(arr) = first.as_array() {
        for (i, v) in arr.iter::<Value>().enumerate() {
            f.call::<_, Value>((this.clone(), v?, i))?;
        }
    } else if let Some(n) = first.as_number() {
        for i in 0..(n.max(0.0) as usize) {
            f.call::<_, Value>((this.clone(), i, i))?;
        }
    } else {
        return Err(throw(ctx, "repeat(): expected a count or an array"));
    }
    Ok(())
}

/// Defines every Configuration method on its prototype.
pub fn install<'js>(ctx: &Ctx<'js>) -> Result<()> {
    Class::<Configuration>::define(&ctx.globals())?;
    let proto: Object = Class::<Configuration>::prototype(ctx)?
        .ok_or_else(|| throw(ctx, "no Configuration prototype"))?;
    for row in crate::filters::TABLE {
        let method = row.0;
        let run = row.1;
        let f = Function::new(
            ctx.clone(),
            move |ctx: Ctx<'js>,
                  this: This<Class<'js, Configuration>>,
                  args: Rest<Value<'js>>|
                  -> Result<Class<'js, Configuration>> {
                let builder = this.0.borrow().builder.clone();
                run(&ctx, &builder, &this.0, args.0)?;
                Ok(this.0)
            },
        )?
        .with_name(method)?;
        proto.set(method, f)?;
    }
    // A misspelt or unsupported method names itself instead of "not a function".
    let guard: Function = ctx.eval(
        r#"(function (proto) {
            var known = Object.prototype;
            Object.setPrototypeOf(proto, new Proxy(known, {
                get: function (t, k, r) {
                    if (typeof k === 'string' && !(k in known) && k !== 'then' && k !== 'toJSON') {
                        throw new TypeError('unknown filter or method ' + k + '()');
                    }
                    return Reflect.get(t, k, r);
                },
            }));
        })"#,
    )?;
    guard.call::<_, ()>((proto,))?;
    Ok(())
}
