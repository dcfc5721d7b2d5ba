//! The `pipy` global (`pipy({...})`, `pipy.load`, `pipy.solve`, `pipy.argv`, `pipy.exit`, ...),
//! `__thread`, `print`/`println` (stdout) and `console.*` (the log).

use std::io::Write;

use rquickjs::function::{Opt, Rest};
use rquickjs::{Class, Ctx, Function, Object, Persistent, Result, Value};

use crate::api::data::new_data;
use crate::config::{prog, throw, Configuration};
use crate::module::eval_expression;

/// Text of values as `console.log` and `print` show them.
pub fn show<'js>(ctx: &Ctx<'js>, args: &[Value<'js>]) -> String {
    let mut out = String::new();
    for (i, v) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if let Some(s) = v.as_string() {
            out.push_str(&s.to_string().unwrap_or_default());
        } else if v.is_function() {
            out.push_str("[Function]");
        } else if let Ok(d) = Class::<crate::api::data::JsData>::from_value(v) {
            out.push_str(&d.borrow().data.to_string_lossy());
        } else if let Some(s) = own_to_string(ctx, v) {
            // A class with its own toString (Int, URL, Netmask...) prints as that string.
            out.push_str(&s);
        } else if v.is_object() && !v.is_error() {
            match ctx.json_stringify(v.clone()) {
                Ok(Some(s)) => out.push_str(&s.to_string().unwrap_or_default()),
                _ => out.push_str("[object]"),
            }
        } else {
            let s = rquickjs::convert::Coerced::<String>::from_js(ctx, v.clone());
            out.push_str(&s.map(|c| c.0).unwrap_or_default());
        }
    }
    out
}

use rquickjs::FromJs;

/// `v.toString()` when `v` is an object (not an array) whose `toString` is not the one every
/// object inherits from `Object.prototype`.
fn own_to_string<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Option<String> {
    let obj = v.as_object().filter(|_| !v.is_array() && !v.is_error())?;
    let f: Function = obj.get("toString").ok()?;
    let object: Object = ctx.globals().get("Object").ok()?;
    let proto: Object = object.get("prototype").ok()?;
    let plain: Value = proto.get("toString").ok()?;
    if f.as_value() == &plain {
        return None;
    }
    f.call::<_, String>((rquickjs::function::This(v.clone()),))
        .ok()
}

fn pipy_call<'js>(ctx: Ctx<'js>, vars: Opt<Value<'js>>) -> Result<Class<'js, Configuration>> {
    let p = prog(&ctx)?;
    let module = p
        .current_module()
        .ok_or_else(|| throw(&ctx, "pipy() can only be called while a module loads"))?;
    let mut vars = vars.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if let Some(f) = vars.as_function() {
        vars = f.call(())?;
    }
    if let Some(obj) = vars.as_object() {
        for key in obj.keys::<String>() {
            let key = key?;
            let init: Value = obj.get(&key)?;
            if module.vars.borrow().contains_key(&key) {
                return Err(throw(
                    &ctx,
                    format!("pipy(): context variable '{key}' is defined twice"),
                ));
            }
            let slot = p.new_slot(&ctx, init)?;
            module.vars.borrow_mut().insert(key.clone(), slot);
            p.define_var(&ctx, &module, &key, slot)?;
        }
    } else if !vars.is_undefined() && !vars.is_null() {
        return Err(throw(
            &ctx,
            "pipy(): expected an object of context variables",
        ));
    }
    Class::instance(ctx.clone(), Configuration::new(module.id, None))
}

fn load<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
    let p = prog(&ctx)?;
    let path = crate::module::normalize(&path);
    match p.read_file(&path) {
        Ok(bytes) => new_data(&ctx, weir_engine::Data::from(bytes)),
        Err(_) => Ok(Value::new_null(ctx.clone())),
    }
}

fn solve<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
    let p = prog(&ctx)?;
    let path = crate::module::normalize(&path);
    if let Some(v) = p.solved.borrow().get(&path) {
        return v.clone().restore(&ctx);
    }
    if p.solving.borrow().contains(&path) {
        return Err(throw(
            &ctx,
            format!("pipy.solve(): recursive solving of {path}"),
        ));
    }
    let source = p
        .read_file(&path)
        .map_err(|e| throw(&ctx, format!("pipy.solve(): cannot read {path}: {e}")))?;
    let source = String::from_utf8_lossy(&source).into_owned();
    p.solving.borrow_mut().push(path.clone());
    let r = eval_expression(&ctx, path.trim_start_matches('/'), &source);
    p.solving.borrow_mut().retain(|x| x != &path);
    let v = r?;
    p.solved
        .borrow_mut()
        .insert(path, Persistent::save(&ctx, v.clone()));
    Ok(v)
}

/// `pipy.exit(code)` stops gracefully with `code`; `pipy.exit(fn)` registers a shutdown
/// hook that may return a Promise to delay the exit.
fn exit<'js>(ctx: Ctx<'js>, code: Opt<Value<'js>>) -> Result<()> {
    let p = prog(&ctx)?;
    if let Some(f) = code.0.as_ref().and_then(|v| v.as_function()) {
        p.exit_hooks
            .borrow_mut()
            .push(crate::js::Callback::new(&ctx, f.clone()));
        return Ok(());
    }
    let code = code
        .0
        .and_then(|v| v.as_number().or_else(|| v.as_int().map(f64::from)))
        .unwrap_or(0.0) as i32;
    p.exit_code.set(Some(code));
    crate::request_exit(code);
    Ok(())
}

/// `pipy.list(dir)`: the codebase files under `dir`, as paths relative to it.
fn list<'js>(ctx: Ctx<'js>, dir: Opt<String>) -> Result<Vec<String>> {
    let p = prog(&ctx)?;
    let dir = crate::module::normalize(dir.0.as_deref().unwrap_or("/"));
    let base = p.file_path(&dir);
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(rel) = path.strip_prefix(&base) {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `pipy.watch(path)`: a Promise of the changed paths under `path`, resolved at the first
/// change (checked twice a second).
fn watch<'js>(ctx: Ctx<'js>, path: String) -> Result<rquickjs::Promise<'js>> {
    let p = prog(&ctx)?;
    let codebase_path = crate::module::normalize(&path);
    let base = p.file_path(&codebase_path);
    let (promise, resolve, _reject) = ctx.promise()?;
    let resolve = Persistent::save(&ctx, resolve);
    let stream = crate::js::current_stream();
    let snapshot = |base: &std::path::Path| {
        let mut seen = std::collections::BTreeMap::new();
        let mut stack = vec![base.to_path_buf()];
        while let Some(d) = stack.pop() {
            let Ok(meta) = std::fs::metadata(&d) else {
                continue;
            };
            if meta.is_dir() {
                if let Ok(entries) = std::fs::read_dir(&d) {
                    stack.extend(entries.flatten().map(|e| e.path()));
                }
            } else {
                seen.insert(d.clone(), meta.modified().ok());
            }
        }
        seen
    };
    let before = snapshot(&base);
    let guard = weir_engine::activity::Activity::new();
    tokio::task::spawn_local(async move {
        let _guard = guard;
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            let now = snapshot(&base);
            if now == before {
                continue;
            }
            let mut changed: Vec<String> = Vec::new();
            for (k, v) in now.iter() {
                if before.get(k) != Some(v) {
                    changed.push(k.to_string_lossy().into_owned());
                }
            }
            for k in before.keys() {
                if !now.contains_key(k) {
                    changed.push(k.to_string_lossy().into_owned());
                }
            }
            let root = base.to_string_lossy().into_owned();
            let changed: Vec<String> = changed
                .into_iter()
                .map(|c| {
                    format!(
                        "{}{}",
                        codebase_path.trim_end_matches('/'),
                        c.strip_prefix(&root).unwrap_or(&c)
                    )
                })
                .collect();
            crate::js::enter(stream.as_ref(), |ctx| {
                if let Ok(f) = resolve.restore(ctx) {
                    let _ = f.call::<_, ()>((changed,));
                }
            });
            return;
        }
    });
    Ok(promise)
}

fn log_line<'js>(ctx: Ctx<'js>, level: &str, args: Rest<Value<'js>>) {
    let text = show(&ctx, &args.0);
    match level {
        "error" => tracing::error!(target: "user", "{text}"),
        "warn" => tracing::warn!(target: "user", "{text}"),
        "debug" => tracing::debug!(target: "user", "{text}"),
        _ => tracing::info!(target: "user", "{text}"),
    }
}

pub fn install<'js>(
    ctx: &Ctx<'js>,
    argv: &[String],
    thread_id: usize,
    concurrency: usize,
) -> Result<()> {
    let g = ctx.globals();
    let pipy = Function::new(ctx.clone(), pipy_call)?.with_name("pipy")?;
    pipy.set("load", Function::new(ctx.clone(), load)?)?;
    pipy.set("solve", Function::new(ctx.clone(), solve)?)?;
    pipy.set("exit", Function::new(ctx.clone(), exit)?)?;
    pipy.set(
        "restart",
        Function::new(ctx.clone(), || {
            if !crate::request_reload() {
                tracing::warn!("[reload] pipy.restart() ignored: the program is not running");
            }
        })?,
    )?;
    pipy.set("argv", argv.to_vec())?;
    pipy.set("version", env!("CARGO_PKG_VERSION"))?;
    pipy.set("pid", std::process::id())?;
    pipy.set(
        "now",
        Function::new(ctx.clone(), || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs_f64() * 1000.0)
                .unwrap_or(0.0)
        })?,
    )?;
    pipy.set("list", Function::new(ctx.clone(), list)?)?;
    pipy.set("watch", Function::new(ctx.clone(), watch)?)?;
    let performance = Object::new(ctx.clone())?;
    let origin = std::time::Instant::now();
    performance.set(
        "now",
        Function::new(ctx.clone(), move || origin.elapsed().as_secs_f64() * 1000.0)?,
    )?;
    performance.set(
        "timeOrigin",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0),
    )?;
    pipy.set("performance", performance)?;
    let thread = Object::new(ctx.clone())?;
    thread.set("id", thread_id)?;
    thread.set("concurrency", concurrency)?;
    pipy.set("thread", thread.clone())?;
    g.set("__thread", thread)?;
    g.set("pipy", pipy)?;

    g.set(
        "print",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
            let s = show(&ctx, &args.0);
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(s.as_bytes()).and_then(|_| out.flush());
        })?,
    )?;
    g.set(
        "println",
        Function::new(ctx.clone(), |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
            let s = show(&ctx, &args.0);
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{s}").and_then(|_| out.flush());
        })?,
    )?;
    let console = Object::new(ctx.clone())?;
    for level in ["log", "info", "debug", "warn", "error"] {
        console.set(
            level,
            Function::new(ctx.clone(), move |ctx: Ctx<'js>, args: Rest<Value<'js>>| {
                log_line(ctx, level, args)
            })?,
        )?;
    }
    g.set("console", console)?;
    Ok(())
}
