//! `read(file | fn, {seek, size})` (weir-engine) and `exec(command | argv | fn, {env,
//! stderr, onExit})` (weir-net): the script side, which turns the arguments into what the
//! filters need per stream.
//!
//! `read` paths are relative to the codebase root, like `pipy.read()` and `pipy.load()`.
//! An `exec` command string is split into arguments at spaces (quotes group, a backslash
//! escapes); an array is taken as is.

use std::path::PathBuf;
use std::rc::Rc;

use rquickjs::{Ctx, Object, Result, Value};
use weir_engine::filters::read::{Read, ReadResolver, ReadSpec};
use weir_engine::{Event, FilterCx};
use weir_net::exec::{Exec, ExecOptions, ExecSpec, OnExit};

use crate::api::data::new_data;
use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{event_to_js, push_events, type_name};

/// A value known at load time or computed per stream by a script function.
enum Param<T> {
    Fixed(T),
    Call(Callback),
}

/// The codebase file `name` names.
fn codebase_path(name: &str) -> std::result::Result<PathBuf, String> {
    let p = crate::module::program().ok_or("no program is loaded")?;
    Ok(p.file_path(&crate::module::normalize(name)))
}

fn as_string(v: &Value<'_>, what: &str) -> std::result::Result<String, String> {
    match v.as_string() {
        Some(s) => s.to_string().map_err(|e| e.to_string()),
        None => Err(format!("{what}: expected a string, not {}", type_name(v))),
    }
}

fn as_count(v: &Value<'_>, what: &str) -> std::result::Result<Option<u64>, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_number() {
        Some(n) if n >= 0.0 && n.is_finite() => Ok(Some(n as u64)),
        _ => Err(format!(
            "{what}: expected a number of bytes, not {}",
            type_name(v)
        )),
    }
}

fn count_param<'js>(
    ctx: &Ctx<'js>,
    o: Option<&Object<'js>>,
    key: &str,
) -> Result<Param<Option<u64>>> {
    let Some(o) = o else {
        return Ok(Param::Fixed(None));
    };
    let v: Value = o.get(key)?;
    match v.as_function() {
        Some(f) => Ok(Param::Call(Callback::new(ctx, f.clone()))),
        None => as_count(&v, &format!("read(): option '{key}'"))
            .map(Param::Fixed)
            .map_err(|e| throw(ctx, e)),
    }
}

fn eval_count(
    p: &Param<Option<u64>>,
    cx: &FilterCx,
    what: &'static str,
) -> std::result::Result<Option<u64>, ()> {
    match p {
        Param::Fixed(n) => Ok(*n),
        Param::Call(cb) => cb.call(
            cx.context(),
            what,
            |_| Ok(Vec::new()),
            |_, v| as_count(&v, what),
        ),
    }
}

pub fn read<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let first = args
        .first()
        .ok_or_else(|| throw(ctx, "read(): expected a file name or a function"))?;
    let file = match first.as_function() {
        Some(f) => Param::Call(Callback::new(ctx, f.clone())),
        None => {
            let name = as_string(first, "read()").map_err(|e| throw(ctx, e))?;
            Param::Fixed(codebase_path(&name).map_err(|e| throw(ctx, e))?)
        }
    };
    let options = args.get(1).and_then(|v| v.as_object());
    let seek = count_param(ctx, options, "seek")?;
    let size = count_param(ctx, options, "size")?;
    let resolve: ReadResolver = Rc::new(move |cx| {
        let path = match &file {
            Param::Fixed(p) => p.clone(),
            Param::Call(cb) => cb.call(
                cx.context(),
                "read()",
                |_| Ok(Vec::new()),
                |_, v| codebase_path(&as_string(&v, "read()")?),
            )?,
        };
        Ok(ReadSpec {
            path,
            seek: eval_count(&seek, cx, "read() seek")?.unwrap_or(0),
            size: eval_count(&size, cx, "read() size")?,
        })
    });
    b.add(ctx, "read", Rc::new(Read { resolve }))
}

/// Splits a command line into arguments: spaces separate, quotes group, `\` escapes.
pub(crate) fn split_command(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut cur = String::new();
    let mut has = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                has = true;
            }
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                has = true;
            }
            (None, c) if c.is_whitespace() => {
                if has {
                    args.push(std::mem::take(&mut cur));
                    has = false;
                }
            }
            (None, c) => {
                cur.push(c);
                has = true;
            }
        }
    }
    if has {
        args.push(cur);
    }
    args
}

/// A command value: a string (split) or an array of arguments.
fn argv_of(v: &Value<'_>) -> std::result::Result<Vec<String>, String> {
    if let Some(s) = v.as_string() {
        return Ok(split_command(&s.to_string().map_err(|e| e.to_string())?));
    }
    if let Some(arr) = v.as_array() {
        let mut argv = Vec::with_capacity(arr.len());
        for item in arr.iter::<Value>() {
            let item = item.map_err(|e| e.to_string())?;
            argv.push(match item.as_string() {
                Some(s) => s.to_string().map_err(|e| e.to_string())?,
                None => match item.as_number() {
                    Some(n) => format!("{n}"),
                    None => {
                        return Err(format!(
                            "exec(): arguments must be strings, not {}",
                            type_name(&item)
                        ))
                    }
                },
            });
        }
        return Ok(argv);
    }
    Err(format!(
        "exec(): expected a command string or an array of arguments, not {}",
        type_name(v)
    ))
}

fn env_of(v: &Value<'_>) -> std::result::Result<Vec<(String, String)>, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let o = v.as_object().ok_or_else(|| {
        format!(
            "exec(): option 'env' expects an object, not {}",
            type_name(v)
        )
    })?;
    let mut env = Vec::new();
    for key in o.keys::<String>() {
        let key = key.map_err(|e| e.to_string())?;
        let val: Value = o.get(&key).map_err(|e| e.to_string())?;
        let val = match val.as_string() {
            Some(s) => s.to_string().map_err(|e| e.to_string())?,
            None => match val.as_number() {
                Some(n) => format!("{n}"),
                None => {
                    return Err(format!(
                        "exec(): env '{key}' must be a string, not {}",
                        type_name(&val)
                    ))
                }
            },
        };
        env.push((key, val));
    }
    Ok(env)
}

pub fn exec<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let first = args
        .first()
        .ok_or_else(|| throw(ctx, "exec(): expected a command"))?;
    let command = match first.as_function() {
        Some(f) => Param::Call(Callback::new(ctx, f.clone())),
        None => {
            let argv = argv_of(first).map_err(|e| throw(ctx, e))?;
            if argv.is_empty() {
                return Err(throw(ctx, "exec(): the command is empty"));
            }
            Param::Fixed(argv)
        }
    };
    let mut options = ExecOptions::default();
    let mut env = Param::Fixed(Vec::new());
    if let Some(o) = args.get(1).and_then(|v| v.as_object()) {
        options.stderr = crate::opts::boolean(ctx, o, "stderr", "exec()")?.unwrap_or(false);
        let e: Value = o.get("env")?;
        env = match e.as_function() {
            Some(f) => Param::Call(Callback::new(ctx, f.clone())),
            None => Param::Fixed(env_of(&e).map_err(|e| throw(ctx, e))?),
        };
        let f: Value = o.get("onExit")?;
        if let Some(f) = f.as_function() {
            options.on_exit = Some(on_exit(ctx, f));
        } else if !f.is_undefined() && !f.is_null() {
            return Err(throw(ctx, "exec(): option 'onExit' expects a function"));
        }
    }
    let resolve = Rc::new(move |cx: &FilterCx, evt: &Event| {
        let argv = match &command {
            Param::Fixed(a) => a.clone(),
            Param::Call(cb) => {
                let evt = evt.clone();
                cb.call(
                    cx.context(),
                    "exec()",
                    move |ctx| Ok(vec![event_to_js(ctx, &evt)?]),
                    |_, v| argv_of(&v),
                )?
            }
        };
        let env = match &env {
            Param::Fixed(e) => e.clone(),
            Param::Call(cb) => cb.call(
                cx.context(),
                "exec() env",
                |_| Ok(Vec::new()),
                |_, v| env_of(&v),
            )?,
        };
        Ok(ExecSpec { argv, env })
    });
    b.add(
        ctx,
        "exec",
        Rc::new(Exec {
            command: resolve,
            options: Rc::new(options),
        }),
    )
}

/// `onExit(code, stderr)` → events to output before the `StreamEnd`.
fn on_exit<'js>(ctx: &Ctx<'js>, f: &rquickjs::Function<'js>) -> OnExit {
    let cb = Callback::new(ctx, f.clone());
    Rc::new(move |cx, code, stderr| {
        cb.call(
            cx.context(),
            "exec() onExit",
            move |ctx| {
                Ok(vec![
                    Value::new_int(ctx.clone(), code),
                    new_data(ctx, stderr)?,
                ])
            },
            |ctx, v| {
                let mut events = Vec::new();
                push_events(ctx, v, &mut events)?;
                Ok(events)
            },
        )
    })
}
