//! Rows for `compressHTTP` and `decompressHTTP` (the filters live in
//! `weir_engine::filters::http::compress`).
//!
//! `compressHTTP()` takes what Pipy has taken over time:
//! - nothing: gzip;
//! - a method name: `'gzip'`, `'deflate'` or `'brotli'` (`'br'` too);
//! - a function of the `MessageStart` returning a method name, or `null`/`undefined` to
//!   leave that message alone (Pipy 1.x);
//! - an options object `{enabled, method, level}` (the 0.x reference docs), where `level`
//!   is `'default'`, `'none'`, `'speed'` or `'best'`.
//!
//! `decompressHTTP(enable?, options?)` or `decompressHTTP(options)`: `enable` is a function
//! of the `MessageStart`, asked for each message that has a coding weir can decode. Pipy
//! has no options here; weir adds two against decompression bombs (Pipy has no limit):
//! - `maxSize`: the most bytes one body may decode to, a size (`65536`, `'64k'`, `'64m'`);
//!   default `'64m'`; `0` for no limit;
//! - `maxRatio`: past the first 1 MiB of output, the most decoded bytes per compressed byte
//!   received; default `100` (Envoy's `max_inflate_ratio`); `0` for no limit.
//!
//! A body going past either ends the stream with `BufferOverflow` (see the filter).

use std::rc::Rc;

use rquickjs::{Ctx, Object, Result, Value};
use weir_codec::compress::{Level, Limits, Method};
use weir_engine::filters::http::compress::{
    Choice, CompressHttp, DecompressHttp, EnableFn, MethodFn,
};
use weir_engine::Event;

use crate::api::data::truthy;
use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{event_to_js, type_name};

fn method_named(name: &str) -> Option<Method> {
    match name {
        "gzip" => Some(Method::Gzip),
        "deflate" => Some(Method::Deflate),
        "brotli" | "br" => Some(Method::Brotli),
        _ => None,
    }
}

fn level_named(name: &str) -> Option<Level> {
    match name {
        "default" => Some(Level::Default),
        "none" => Some(Level::None),
        "speed" => Some(Level::Speed),
        "best" => Some(Level::Best),
        _ => None,
    }
}

const METHODS: &str = "'gzip', 'deflate' or 'brotli'";

/// What a per-message callback returned, as a method.
fn method_of(v: &Value<'_>) -> std::result::Result<Option<Method>, String> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let Some(s) = v.as_string().and_then(|s| s.to_string().ok()) else {
        return Err(format!("expected a method name, not {}", type_name(v)));
    };
    method_named(&s)
        .map(Some)
        .ok_or_else(|| format!("unknown compression method '{s}' (expected {METHODS})"))
}

pub fn compress_http<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    const WHAT: &str = "compressHTTP()";
    let arg = args.first();
    let mut level = Level::Default;
    let choice = match arg {
        None => Choice::Fixed(Some(Method::Gzip)),
        Some(v) if v.is_undefined() || v.is_null() => Choice::Fixed(Some(Method::Gzip)),
        Some(v) if v.is_string() => match method_of(v) {
            Ok(Some(m)) => Choice::Fixed(Some(m)),
            Ok(None) => Choice::Fixed(Some(Method::Gzip)),
            Err(e) => return Err(throw(ctx, format!("{WHAT}: {e}"))),
        },
        Some(v) => {
            if let Some(f) = v.as_function() {
                let cb = Callback::new(ctx, f.clone());
                let pick: MethodFn = Rc::new(move |cx, ms| {
                    let ms = ms.clone();
                    cb.call(
                        cx.context(),
                        WHAT,
                        move |ctx| Ok(vec![event_to_js(ctx, &Event::MessageStart(ms))?]),
                        |_, v| method_of(&v),
                    )
                });
                Choice::PerMessage(pick)
            } else if let Some(o) = v.as_object() {
                let enabled = crate::opts::boolean(ctx, o, "enabled", WHAT)?.unwrap_or(true);
                let method: Value = o.get("method")?;
                let method = if method.is_undefined() || method.is_null() {
                    Method::Gzip
                } else {
                    match method_of(&method) {
                        Ok(Some(m)) => m,
                        Ok(None) => Method::Gzip,
                        Err(e) => return Err(throw(ctx, format!("{WHAT}: option 'method': {e}"))),
                    }
                };
                let l: Value = o.get("level")?;
                if !l.is_undefined() && !l.is_null() {
                    let name = l.as_string().and_then(|s| s.to_string().ok());
                    level = name.as_deref().and_then(level_named).ok_or_else(|| {
                        throw(
                            ctx,
                            format!(
                                "{WHAT}: option 'level' expects 'default', 'none', 'speed' or 'best'"
                            ),
                        )
                    })?;
                }
                Choice::Fixed(enabled.then_some(method))
            } else {
                return Err(throw(
                    ctx,
                    format!(
                        "{WHAT}: expected {METHODS}, a function or an options object, not {}",
                        type_name(v)
                    ),
                ));
            }
        }
    };
    b.add(ctx, "compressHTTP", Rc::new(CompressHttp { choice, level }))
}

pub fn decompress_http<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    const WHAT: &str = "decompressHTTP()";
    let absent = |v: &Value| v.is_undefined() || v.is_null();
    // `decompressHTTP(options)` or `decompressHTTP(enable, options)`.
    let (enable, options) = match args.first() {
        Some(v) if v.is_object() && v.as_function().is_none() => (None, Some(v)),
        first => (first, args.get(1)),
    };
    let limits = match options {
        None => DecompressHttp::DEFAULT_LIMITS,
        Some(v) if absent(v) => DecompressHttp::DEFAULT_LIMITS,
        Some(v) => match v.as_object() {
            Some(o) if v.as_function().is_none() => decompress_limits(ctx, o)?,
            _ => {
                return Err(throw(
                    ctx,
                    format!("{WHAT}: expected an options object, not {}", type_name(v)),
                ))
            }
        },
    };
    let enable = match enable {
        None => None,
        Some(v) if absent(v) => None,
        Some(v) => {
            let Some(f) = v.as_function() else {
                return Err(throw(
                    ctx,
                    format!(
                        "{WHAT}: expected a function or an options object, not {}",
                        type_name(v)
                    ),
                ));
            };
            let cb = Callback::new(ctx, f.clone());
            let f: EnableFn = Rc::new(move |cx, ms| {
                let ms = ms.clone();
                cb.call(
                    cx.context(),
                    WHAT,
                    move |ctx| Ok(vec![event_to_js(ctx, &Event::MessageStart(ms))?]),
                    |_, v| Ok(truthy(&v)),
                )
            });
            Some(f)
        }
    };
    b.add(
        ctx,
        "decompressHTTP",
        Rc::new(DecompressHttp { enable, limits }),
    )
}

/// `{maxSize, maxRatio}`, each defaulting to [`DecompressHttp::DEFAULT_LIMITS`]; 0 turns a
/// limit off.
fn decompress_limits<'js>(ctx: &Ctx<'js>, o: &Object<'js>) -> Result<Limits> {
    const WHAT: &str = "decompressHTTP()";
    let mut limits = DecompressHttp::DEFAULT_LIMITS;
    if let Some(n) = crate::opts::size(ctx, o, "maxSize", WHAT)? {
        limits.max_size = if n == 0 { u64::MAX } else { n };
    }
    if let Some(r) = crate::opts::number(ctx, o, "maxRatio", WHAT)? {
        if !(r >= 0.0 && r.is_finite()) {
            return Err(throw(
                ctx,
                format!("{WHAT}: option 'maxRatio' expects a number of 0 or more"),
            ));
        }
        limits.max_ratio = r.ceil() as u64;
    }
    Ok(limits)
}
