//! HTTP heads between Rust and JS, in Pipy's shapes:
//! request `{method, path, protocol, headers, headerNames, authority}`,
//! response `{status, statusText, protocol, headers}`. Header names are lowercase keys;
//! a repeated header becomes an array of values.

use std::rc::Rc;

use bytes::Bytes;
use rquickjs::{Array, Ctx, Object, Persistent, Result, Value};
use weir_codec::http1::{Header, RequestHead, ResponseHead, Version};
use weir_engine::http::{BareHead, HttpRequest, HttpResponse};
use weir_engine::Head;

use crate::value::JsHead;

fn headers_to_js<'js>(ctx: &Ctx<'js>, headers: &[Header]) -> Result<(Object<'js>, Object<'js>)> {
    let obj = Object::new(ctx.clone())?;
    let names = Object::new(ctx.clone())?;
    for (i, h) in headers.iter().enumerate() {
        // Borrowed when valid UTF-8 (the rule): no copy on the Rust side.
        let name = String::from_utf8_lossy(&h.name);
        let value = String::from_utf8_lossy(&h.value);
        // Repeats are rare: look for one among the earlier names in Rust, not in JS.
        let repeated = headers
            .get(..i)
            .is_some_and(|before| before.iter().any(|p| p.name == h.name));
        if !repeated {
            obj.set(&*name, &*value)?;
            names.set(&*name, &*name)?;
            continue;
        }
        let prev: Value = obj.get(&*name)?;
        if let Some(arr) = prev.as_array() {
            arr.set(arr.len(), &*value)?;
        } else {
            let arr = Array::new(ctx.clone())?;
            arr.set(0, prev)?;
            arr.set(1, &*value)?;
            obj.set(&*name, arr)?;
        }
    }
    Ok((obj, names))
}

fn headers_from_js<'js>(v: Value<'js>) -> Vec<Header> {
    let mut out = Vec::new();
    let Some(obj) = v.into_object() else {
        return out;
    };
    for key in obj.keys::<String>().flatten() {
        let Ok(value) = obj.get::<_, Value>(key.as_str()) else {
            continue;
        };
        let name = Bytes::from(key.to_ascii_lowercase());
        let mut push = |v: &Value<'js>| {
            if let Some(s) = scalar(v) {
                out.push(Header {
                    name: name.clone(),
                    value: Bytes::from(s),
                });
            }
        };
        match value.as_array() {
            Some(arr) => {
                for item in arr.iter::<Value>().flatten() {
                    push(&item);
                }
            }
            None => push(&value),
        }
    }
    out
}

/// A header value from a script: strings as they are, numbers and booleans as text.
fn scalar(v: &Value<'_>) -> Option<String> {
    if let Some(s) = v.as_string() {
        return s.to_string().ok();
    }
    if let Some(i) = v.as_int() {
        return Some(i.to_string());
    }
    if let Some(n) = v.as_number() {
        return Some(if n.fract() == 0.0 && n.abs() < 1e15 {
            format!("{}", n as i64)
        } else {
            n.to_string()
        });
    }
    v.as_bool().map(|b| b.to_string())
}

fn version_of(s: Option<String>) -> Version {
    match s.as_deref() {
        Some("HTTP/1.0") => Version::Http10,
        _ => Version::Http11,
    }
}

pub fn request_to_js<'js>(ctx: &Ctx<'js>, h: &RequestHead) -> Result<Object<'js>> {
    let o = Object::new(ctx.clone())?;
    o.set("method", h.method.as_str())?;
    o.set("path", h.path.as_str())?;
    o.set("protocol", h.version.as_str())?;
    let (headers, names) = headers_to_js(ctx, &h.headers)?;
    if let Some(host) = h.header("host") {
        o.set("authority", String::from_utf8_lossy(host).into_owned())?;
    }
    o.set("headers", headers)?;
    o.set("headerNames", names)?;
    Ok(o)
}

pub fn response_to_js<'js>(ctx: &Ctx<'js>, h: &ResponseHead) -> Result<Object<'js>> {
    let o = Object::new(ctx.clone())?;
    o.set("status", h.status)?;
    o.set("statusText", h.reason.as_str())?;
    o.set("protocol", h.version.as_str())?;
    let (headers, _) = headers_to_js(ctx, &h.headers)?;
    o.set("headers", headers)?;
    Ok(o)
}

pub fn request_from_js(o: &Object<'_>) -> RequestHead {
    RequestHead {
        method: o
            .get::<_, Option<String>>("method")
            .ok()
            .flatten()
            .unwrap_or_else(|| "GET".to_string()),
        path: o
            .get::<_, Option<String>>("path")
            .ok()
            .flatten()
            .unwrap_or_else(|| "/".to_string()),
        version: version_of(o.get("protocol").ok().flatten()),
        headers: o
            .get::<_, Value>("headers")
            .map(headers_from_js)
            .unwrap_or_default(),
    }
}

pub fn response_from_js(o: &Object<'_>) -> ResponseHead {
    let status = o
        .get::<_, Value>("status")
        .ok()
        .and_then(|v| v.as_int().map(f64::from).or_else(|| v.as_number()))
        .filter(|n| (100.0..1000.0).contains(n))
        .map(|n| n as u16)
        .unwrap_or(200);
    ResponseHead {
        status,
        reason: o
            .get::<_, Option<String>>("statusText")
            .ok()
            .flatten()
            .unwrap_or_default(),
        version: version_of(o.get("protocol").ok().flatten()),
        headers: o
            .get::<_, Value>("headers")
            .map(headers_from_js)
            .unwrap_or_default(),
    }
}

/// The value of header `name` (lowercase) in a script's head object: the key as written or
/// in any case; the first value of an array; numbers and booleans as text.
pub fn get_header(head: &Object<'_>, name: &str) -> Option<String> {
    let headers = head.get::<_, Value>("headers").ok()?.into_object()?;
    let mut v: Value = headers.get(name).ok()?;
    if v.is_undefined() {
        let key = headers
            .keys::<String>()
            .flatten()
            .find(|k| k.eq_ignore_ascii_case(name))?;
        v = headers.get(key.as_str()).ok()?;
    }
    match v.as_array() {
        Some(arr) => arr.get::<Value>(0).ok().as_ref().and_then(scalar),
        None => scalar(&v),
    }
}

/// A shallow copy of a script's head object with some headers changed (see
/// `HeadValue::with_headers`); the original may be shared, so it is left alone.
pub fn copy_with_headers<'js>(
    ctx: &Ctx<'js>,
    head: &Object<'js>,
    edits: &[(&str, Option<&str>)],
) -> Result<Object<'js>> {
    let copy = Object::new(ctx.clone())?;
    for key in head.keys::<String>() {
        let key = key?;
        copy.set(key.as_str(), head.get::<_, Value>(key.as_str())?)?;
    }
    let headers = Object::new(ctx.clone())?;
    if let Some(old) = head.get::<_, Value>("headers")?.into_object() {
        for key in old.keys::<String>() {
            let key = key?;
            if !edits.iter().any(|(n, _)| key.eq_ignore_ascii_case(n)) {
                headers.set(key.as_str(), old.get::<_, Value>(key.as_str())?)?;
            }
        }
    }
    for (name, value) in edits {
        if let Some(v) = value {
            headers.set(*name, *v)?;
        }
    }
    copy.set("headers", headers)?;
    Ok(copy)
}

/// The JS object for a typed HTTP head, made on first use and kept as its mirror.
pub fn typed_head_to_js<'js>(ctx: &Ctx<'js>, head: &Head) -> Option<Result<Value<'js>>> {
    let any = head.as_any();
    let (mirror, make): (
        &std::cell::RefCell<Option<Head>>,
        Box<dyn Fn() -> Result<Object<'js>>>,
    ) = if let Some(r) = any.downcast_ref::<HttpRequest>() {
        let c = ctx.clone();
        (
            &r.mirror,
            Box::new(move || request_to_js(&c, &r.head.borrow())),
        )
    } else if let Some(r) = any.downcast_ref::<HttpResponse>() {
        let c = ctx.clone();
        (
            &r.mirror,
            Box::new(move || response_to_js(&c, &r.head.borrow())),
        )
    } else if let Some(r) = any.downcast_ref::<BareHead>() {
        let c = ctx.clone();
        (
            &r.mirror,
            Box::new(move || {
                let o = Object::new(c.clone())?;
                let (headers, _) = headers_to_js(&c, &r.headers.borrow())?;
                o.set("headers", headers)?;
                Ok(o)
            }),
        )
    } else {
        return None;
    };
    if let Some(m) = mirror.borrow().as_ref() {
        if let Some(j) = m.as_any().downcast_ref::<JsHead>() {
            return Some(j.0.clone().restore(ctx));
        }
    }
    Some(make().map(|o| {
        let v = o.into_value();
        *mirror.borrow_mut() = Some(Rc::new(JsHead(Persistent::save(ctx, v.clone()))));
        v
    }))
}
