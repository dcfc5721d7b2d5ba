//! Rows for the HTTP/1 filters (the filters live in `weir_engine::filters::http`).

use std::rc::Rc;

use rquickjs::{Ctx, Object, Result, Value};
use weir_engine::filters::http::codec::{DecodeHttp, Direction, EncodeHttp};
use weir_engine::filters::http::demux::{DemuxHttp, Handler, Responder};
use weir_engine::filters::http::mux::{KeyFn, MuxHttp, MuxOptions, SessionKey};
use weir_engine::filters::http::HttpOptions;
use weir_engine::{sched, ErrorCode, Event, LayoutRef};

use crate::config::{named_ref, throw, Builder};
use crate::js::{on_settled, Callback};
use crate::value::{message_to_js, push_events, type_name};

fn http_options<'js>(ctx: &Ctx<'js>, o: Option<&Object<'js>>, what: &str) -> Result<HttpOptions> {
    let mut opts = HttpOptions::default();
    let Some(o) = o else { return Ok(opts) };
    if let Some(n) = crate::opts::size(ctx, o, "bufferSize", what)? {
        opts.buffer_size = n as usize;
    }
    if let Some(n) = crate::opts::size(ctx, o, "maxHeaderSize", what)? {
        opts.limits.max_header_size = n as usize;
    }
    Ok(opts)
}

/// `to()` placeholder, or era A's leading pipeline name.
pub(crate) fn sub_layout<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    args: &mut &[Value<'js>],
) -> Result<Rc<LayoutRef>> {
    if let Some(name) = args.first().and_then(|v| v.as_string()) {
        let name = name.to_string()?;
        *args = &args[1..];
        return named_ref(ctx, b, name, None, false);
    }
    Ok(b.expect_to())
}

pub fn demux_http<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let mut rest = args;
    let layout = sub_layout(ctx, b, &mut rest)?;
    let options = http_options(ctx, rest.first().and_then(|v| v.as_object()), "demuxHTTP()")?;
    b.add(
        ctx,
        "demuxHTTP",
        Rc::new(DemuxHttp {
            method: "demuxHTTP",
            responder: Responder::Layout(layout),
            options: Rc::new(options),
        }),
    )
}

pub fn serve_http<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let arg = args
        .first()
        .cloned()
        .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    let responder = if let Some(f) = arg.as_function() {
        Responder::Handler(message_handler(ctx, f, "serveHTTP()", None))
    } else {
        let mut events = Vec::new();
        push_events(ctx, arg, &mut events).map_err(|e| throw(ctx, format!("serveHTTP(): {e}")))?;
        // A constant response's head is read from JS once, here, not once per request.
        for e in &mut events {
            if let Event::MessageStart(m) = e {
                if let Some(head) = m.head.as_ref().and_then(|h| h.to_response()) {
                    m.head = Some(weir_engine::http::HttpResponse::scripted(head));
                }
            }
        }
        Responder::Constant(Rc::new(events))
    };
    let options = http_options(ctx, args.get(1).and_then(|v| v.as_object()), "serveHTTP()")?;
    b.add(
        ctx,
        "serveHTTP",
        Rc::new(DemuxHttp {
            method: "serveHTTP",
            responder,
            options: Rc::new(options),
        }),
    )
}

/// Wraps a script function `(request) => Message | Promise` as a handler that emits the
/// answer's events to the reply target. `undefined` answers with `default` if given.
pub(crate) fn message_handler<'js>(
    ctx: &Ctx<'js>,
    f: &rquickjs::Function<'js>,
    what: &'static str,
    default: Option<Vec<Event>>,
) -> Handler {
    let cb = Callback::new(ctx, f.clone());
    let default = Rc::new(default);
    Rc::new(move |cx, msg, reply| {
        let r2 = reply.clone();
        let default = default.clone();
        let r = cb.call(
            cx.context(),
            what,
            |ctx| Ok(vec![message_to_js(ctx, &msg)?]),
            move |ctx, v| {
                if let Some(p) = v.as_promise() {
                    on_settled(ctx, p, what, move |r| match r {
                        Ok(events) if events.is_empty() && default.is_some() => {
                            let events = default.as_ref().clone().unwrap_or_default();
                            events.into_iter().for_each(|e| sched::emit(&r2, e))
                        }
                        Ok(events) => events.into_iter().for_each(|e| sched::emit(&r2, e)),
                        Err(()) => sched::emit(&r2, Event::end(Some(ErrorCode::RuntimeError))),
                    })?;
                    return Ok(Vec::new());
                }
                if v.is_undefined() {
                    if let Some(events) = default.as_ref() {
                        return Ok(events.clone());
                    }
                }
                let mut events = Vec::new();
                push_events(ctx, v.clone(), &mut events)
                    .map_err(|_| format!("{what}: expected a Message, not {}", type_name(&v)))?;
                Ok(events)
            },
        );
        match r {
            Ok(events) => events.into_iter().for_each(|e| sched::emit(&reply, e)),
            Err(()) => sched::emit(&reply, Event::end(Some(ErrorCode::RuntimeError))),
        }
    })
}

/// A session key from what the key function returned.
fn key_of<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> std::result::Result<SessionKey, String> {
    if let Some(i) = v.as_int() {
        return Ok(SessionKey::Int(i64::from(i)));
    }
    if let Some(n) = v.as_number() {
        return Ok(if n.fract() == 0.0 {
            SessionKey::Int(n as i64)
        } else {
            SessionKey::Str(n.to_string())
        });
    }
    if let Some(s) = v.as_string() {
        return Ok(SessionKey::Str(s.to_string().map_err(|e| e.to_string())?));
    }
    if let Some(b) = v.as_bool() {
        return Ok(SessionKey::Int(i64::from(b)));
    }
    if v.is_undefined() || v.is_null() {
        return Ok(SessionKey::Str(String::new()));
    }
    // Objects are keys by identity.
    let id: f64 = ctx
        .globals()
        .get::<_, rquickjs::Function>("__weir_objectId")
        .and_then(|f| f.call((v.clone(),)))
        .map_err(|e| e.to_string())?;
    Ok(SessionKey::Int(-(id as i64) - 1))
}

pub fn mux_http<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let mut rest = args;
    let layout = sub_layout(ctx, b, &mut rest)?;
    let mut key: Option<KeyFn> = None;
    if let Some(first) = rest.first() {
        if let Some(f) = first.as_function() {
            let cb = Callback::new(ctx, f.clone());
            key = Some(Rc::new(move |cx, _evt| {
                cb.call(
                    cx.context(),
                    "muxHTTP() key",
                    |_| Ok(Vec::new()),
                    |ctx, v| key_of(ctx, &v),
                )
            }));
            rest = &rest[1..];
        } else if !first.is_object() || first.is_array() {
            let fixed = key_of(ctx, first).map_err(|e| throw(ctx, e))?;
            key = Some(Rc::new(move |_, _| Ok(fixed.clone())));
            rest = &rest[1..];
        }
    }
    let o = rest.first().and_then(|v| v.as_object());
    let mut options = MuxOptions {
        http: http_options(ctx, o, "muxHTTP()")?,
        ..MuxOptions::default()
    };
    if let Some(o) = o {
        if let Some(t) = crate::opts::time(ctx, o, "maxIdle", "muxHTTP()")? {
            options.max_idle = t;
        }
        if let Some(n) = crate::opts::number(ctx, o, "maxMessages", "muxHTTP()")? {
            options.max_messages = (n > 0.0).then_some(n as usize);
        }
        let v: Value = o.get("version")?;
        if !(v.is_undefined() || v.as_int() == Some(1) || v.as_number() == Some(1.0)) {
            return Err(throw(
                ctx,
                "muxHTTP(): only HTTP/1 (version: 1) is supported so far",
            ));
        }
    }
    b.add(ctx, "muxHTTP", Rc::new(MuxHttp::new(layout, key, options)))
}

pub fn codec<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    method: &'static str,
    args: &[Value<'js>],
) -> Result<()> {
    let options = Rc::new(http_options(
        ctx,
        args.first().and_then(|v| v.as_object()),
        method,
    )?);
    let f: Rc<dyn weir_engine::FilterFactory> = match method {
        "decodeHTTPRequest" => Rc::new(DecodeHttp {
            direction: Direction::Request,
            options,
        }),
        "decodeHTTPResponse" => Rc::new(DecodeHttp {
            direction: Direction::Response,
            options,
        }),
        "encodeHTTPRequest" => Rc::new(EncodeHttp {
            direction: Direction::Request,
            options,
        }),
        _ => Rc::new(EncodeHttp {
            direction: Direction::Response,
            options,
        }),
    };
    b.add(ctx, method, f)
}
