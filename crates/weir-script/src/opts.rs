//! Reading filter options from script objects into typed structs, once, at load time.

use std::time::Duration;

use rquickjs::{Ctx, Object, Result, Value};
use weir_engine::options::{parse_size, parse_time, seconds};

use crate::config::throw;

/// A time option: a number of seconds or a string like `'5s'`; `None` when absent.
pub fn time<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    key: &str,
    what: &str,
) -> Result<Option<Duration>> {
    let v: Value = o.get(key)?;
    time_value(ctx, &v, &format!("{what}: option '{key}'"))
}

pub fn time_value<'js>(ctx: &Ctx<'js>, v: &Value<'js>, what: &str) -> Result<Option<Duration>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let r = if let Some(n) = v.as_number() {
        seconds(n)
    } else if let Some(s) = v.as_string() {
        parse_time(&s.to_string()?)
    } else {
        return Err(throw(
            ctx,
            format!("{what}: expected a time like 5 or '5s'"),
        ));
    };
    r.map(Some).map_err(|e| throw(ctx, format!("{what}: {e}")))
}

pub fn size<'js>(ctx: &Ctx<'js>, o: &Object<'js>, key: &str, what: &str) -> Result<Option<u64>> {
    let v: Value = o.get(key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    let r = if let Some(n) = v.as_number() {
        if n >= 0.0 && n.is_finite() {
            Ok(n as u64)
        } else {
            return Err(throw(
                ctx,
                format!("{what}: option '{key}' must not be negative"),
            ));
        }
    } else if let Some(s) = v.as_string() {
        parse_size(&s.to_string()?)
    } else {
        return Err(throw(
            ctx,
            format!("{what}: option '{key}' expects a size like 65536 or '64k'"),
        ));
    };
    r.map(Some)
        .map_err(|e| throw(ctx, format!("{what}: option '{key}': {e}")))
}

pub fn boolean<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    key: &str,
    what: &str,
) -> Result<Option<bool>> {
    let v: Value = o.get(key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_bool()
        .map(Some)
        .ok_or_else(|| throw(ctx, format!("{what}: option '{key}' expects true or false")))
}

pub fn number<'js>(ctx: &Ctx<'js>, o: &Object<'js>, key: &str, what: &str) -> Result<Option<f64>> {
    let v: Value = o.get(key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_number()
        .or_else(|| v.as_int().map(f64::from))
        .map(Some)
        .ok_or_else(|| throw(ctx, format!("{what}: option '{key}' expects a number")))
}

pub fn listen_options<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    out: &mut weir_net::ListenOptions,
) -> Result<()> {
    const W: &str = "listen()";
    if let Some(n) = number(ctx, o, "maxConnections", W)? {
        out.max_connections = (n > 0.0).then_some(n as usize);
    }
    if let Some(t) = time(ctx, o, "idleTimeout", W)? {
        out.idle_timeout = (!t.is_zero()).then_some(t);
    }
    out.read_timeout = time(ctx, o, "readTimeout", W)?.filter(|t| !t.is_zero());
    out.write_timeout = time(ctx, o, "writeTimeout", W)?.filter(|t| !t.is_zero());
    if let Some(b) = boolean(ctx, o, "keepAlive", W)? {
        out.keep_alive = b;
    }
    if let Some(b) = boolean(ctx, o, "noDelay", W)? {
        out.no_delay = b;
    }
    if let Some(s) = size(ctx, o, "bufferLimit", W)? {
        out.buffer_limit = s as usize;
    }
    if let Some(p) = o.get::<_, Option<String>>("protocol")? {
        if p != "tcp" {
            return Err(throw(
                ctx,
                format!("{W}: protocol '{p}' is not supported yet (only 'tcp')"),
            ));
        }
    }
    Ok(())
}

pub fn connect_options<'js>(
    ctx: &Ctx<'js>,
    o: &Object<'js>,
    out: &mut weir_net::ConnectOptions,
) -> Result<()> {
    const W: &str = "connect()";
    out.connect_timeout = time(ctx, o, "connectTimeout", W)?.filter(|t| !t.is_zero());
    out.read_timeout = time(ctx, o, "readTimeout", W)?.filter(|t| !t.is_zero());
    out.write_timeout = time(ctx, o, "writeTimeout", W)?.filter(|t| !t.is_zero());
    if let Some(t) = time(ctx, o, "idleTimeout", W)? {
        out.idle_timeout = (!t.is_zero()).then_some(t);
    }
    if let Some(n) = number(ctx, o, "retryCount", W)? {
        out.retry_count = if n < 0.0 { -1 } else { n as i64 };
    }
    if let Some(t) = time(ctx, o, "retryDelay", W)? {
        out.retry_delay = t;
    }
    if let Some(b) = boolean(ctx, o, "keepAlive", W)? {
        out.keep_alive = b;
    }
    if let Some(b) = boolean(ctx, o, "noDelay", W)? {
        out.no_delay = b;
    }
    if let Some(s) = size(ctx, o, "bufferLimit", W)? {
        out.buffer_limit = s as usize;
    }
    if let Some(b) = o.get::<_, Option<String>>("bind")? {
        let addr = b
            .parse()
            .or_else(|_| format!("{b}:0").parse())
            .map_err(|_| throw(ctx, format!("{W}: invalid bind address '{b}'")))?;
        out.bind = Some(addr);
    }
    if let Some(p) = o.get::<_, Option<String>>("protocol")? {
        if p != "tcp" {
            return Err(throw(
                ctx,
                format!("{W}: protocol '{p}' is not supported yet (only 'tcp')"),
            ));
        }
    }
    Ok(())
}
