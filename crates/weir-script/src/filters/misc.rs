//! Rows whose filters live in other crates: `connect` (weir-net), `replay`, `dump`,
//! `print`, `tee`, `dummy` (weir-engine).

use std::rc::Rc;
use std::time::Duration;

use rquickjs::{Ctx, Result, Value};
use weir_engine::filters::{dummy::Dummy, dump::Dump, replay::Replay, tee::Tee, tee::TeeTarget};
use weir_net::{Connect, ConnectOptions, ConnectTarget};

use crate::config::{throw, Builder};
use crate::js::Callback;

pub fn connect<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let first = args
        .first()
        .ok_or_else(|| throw(ctx, "connect(): expected a target 'host:port'"))?;
    let target = if let Some(s) = first.as_string() {
        ConnectTarget::Fixed(s.to_string()?)
    } else if let Some(n) = first.as_number().or_else(|| first.as_int().map(f64::from)) {
        ConnectTarget::Fixed(format!("127.0.0.1:{n}"))
    } else if let Some(f) = first.as_function() {
        let cb = Callback::new(ctx, f.clone());
        ConnectTarget::Dynamic(Rc::new(move |cx| {
            cb.call(
                cx.context(),
                "connect()",
                |_| Ok(Vec::new()),
                |_, v| {
                    if let Some(s) = v.as_string() {
                        s.to_string().map_err(|e| e.to_string())
                    } else if let Some(n) = v.as_number().or_else(|| v.as_int().map(f64::from)) {
                        Ok(format!("127.0.0.1:{n}"))
                    } else {
                        Err(format!(
                            "connect(): the target must be a 'host:port' string, not {}",
                            crate::value::type_name(&v)
                        ))
                    }
                },
            )
        }))
    } else {
        return Err(throw(
            ctx,
            "connect(): expected a target 'host:port' or a function",
        ));
    };
    let mut options = ConnectOptions::default();
    if let Some(o) = args.get(1).and_then(|v| v.as_object()) {
        crate::opts::connect_options(ctx, o, &mut options)?;
    }
    b.add(
        ctx,
        "connect",
        Rc::new(Connect {
            target,
            options: Rc::new(options),
        }),
    )
}

pub fn replay<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let mut delay: Rc<dyn Fn(&weir_engine::FilterCx) -> Duration> = Rc::new(|_| Duration::ZERO);
    if let Some(o) = args.first().and_then(|v| v.as_object()) {
        let d: Value = o.get("delay")?;
        if let Some(f) = d.as_function() {
            let cb = Callback::new(ctx, f.clone());
            delay = Rc::new(move |cx| {
                cb.call(
                    cx.context(),
                    "replay() delay",
                    |_| Ok(Vec::new()),
                    |ctx, v| {
                        crate::opts::time_value(ctx, &v, "replay() delay")
                            .map_err(|e| e.to_string())
                            .map(|d| d.unwrap_or_default())
                    },
                )
                .unwrap_or_default()
            });
        } else if let Some(t) = crate::opts::time_value(ctx, &d, "replay(): option 'delay'")? {
            delay = Rc::new(move |_| t);
        }
    }
    let layout = b.expect_to();
    b.add(ctx, "replay", Rc::new(Replay { layout, delay }))
}

pub fn dump<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let tag = match args.first() {
        Some(v) if v.is_string() => v
            .as_string()
            .map(|s| s.to_string())
            .transpose()?
            .unwrap_or_default(),
        _ => String::new(),
    };
    b.add(ctx, "dump", Rc::new(Dump { tag }))
}

pub fn print<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, _args: &[Value<'js>]) -> Result<()> {
    b.add(
        ctx,
        "print",
        Rc::new(Tee {
            target: TeeTarget::Stdout,
            method: "print",
        }),
    )
}

pub fn tee<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let file = args
        .first()
        .and_then(|v| v.as_string())
        .ok_or_else(|| throw(ctx, "tee(): expected a file name ('-' for stdout)"))?
        .to_string()?;
    let append = match args.get(1).and_then(|v| v.as_object()) {
        Some(o) => crate::opts::boolean(ctx, o, "append", "tee()")?.unwrap_or(false),
        None => false,
    };
    let target = if file == "-" {
        TeeTarget::Stdout
    } else {
        TeeTarget::File {
            path: file.into(),
            append,
        }
    };
    b.add(
        ctx,
        "tee",
        Rc::new(Tee {
            target,
            method: "tee",
        }),
    )
}

pub fn dummy<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, _args: &[Value<'js>]) -> Result<()> {
    b.add(ctx, "dummy", Rc::new(Dummy))
}
