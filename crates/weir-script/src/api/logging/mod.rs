//! `logging.TextLogger`, `logging.JSONLogger`, `logging.BinaryLogger`: named loggers that
//! write each `log(...)` call as one message to their targets: `toStdout()`, `toStderr()`,
//! `toFile(path)` and `toHTTP(url, options)`.
//!
//! What one call writes:
//! - `TextLogger`: the arguments as strings, joined by spaces; an object argument is also
//!   followed by `:` and its JSON (`log('x', {a: 1})` → `x [object Object]:{"a":1}`).
//! - `JSONLogger`: the JSON of each argument, run together.
//! - `BinaryLogger`: the bytes of each argument (a Data, a string as UTF-8, an array of byte
//!   values, anything else as its string), run together.
//!
//! Stdout, stderr and files get one message per line; HTTP bodies are batches of messages
//! (see `http.rs`). Loggers live per worker thread, as in Pipy; files are shared by all.

mod file;
mod http;

use std::cell::RefCell;
use std::io::Write;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use rquickjs::class::Trace;
use rquickjs::convert::Coerced;
use rquickjs::function::{Opt, Rest, This};
use rquickjs::{Class, Ctx, JsLifetime, Object, Result, Value};
use weir_net::post::PostTarget;

use crate::api::data::JsData;
use crate::config::throw;

pub use file::flush_all as flush_files;

#[derive(Clone, Copy)]
enum Format {
    Text,
    Json,
    Binary,
}

enum Target {
    Stdout,
    Stderr,
    File(Arc<file::FileSink>),
    Http(Rc<http::HttpSink>),
}

/// What the three logger classes share.
struct Core {
    name: String,
    format: Format,
    targets: RefCell<Vec<Target>>,
}

impl Core {
    fn new<'js>(
        ctx: &Ctx<'js>,
        name: Opt<Value<'js>>,
        format: Format,
        class: &str,
    ) -> Result<Core> {
        let name = match name.0.as_ref().and_then(|v| v.as_string()) {
            Some(s) => s.to_string()?,
            None => {
                return Err(throw(
                    ctx,
                    format!("new logging.{class}(): expected a logger name"),
                ))
            }
        };
        Ok(Core {
            name,
            format,
            targets: RefCell::new(Vec::new()),
        })
    }

    fn log<'js>(&self, ctx: &Ctx<'js>, args: &[Value<'js>]) -> Result<()> {
        if self.targets.borrow().is_empty() {
            return Ok(());
        }
        let msg = match self.format {
            Format::Text => text(ctx, args)?,
            Format::Json => json(ctx, args)?,
            Format::Binary => binary(ctx, args)?,
        };
        for t in self.targets.borrow().iter() {
            match t {
                Target::Stdout => write_line(&mut std::io::stdout().lock(), &msg),
                Target::Stderr => write_line(&mut std::io::stderr().lock(), &msg),
                Target::File(f) => f.write(&msg),
                Target::Http(h) => h.write(&msg),
            }
        }
        Ok(())
    }

    fn to_file<'js>(
        &self,
        ctx: &Ctx<'js>,
        path: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<()> {
        let Some(path) = path.0.as_ref().and_then(|v| v.as_string()) else {
            return Err(throw(ctx, "toFile(): expected a file name"));
        };
        let path = path.to_string()?;
        if let Some(o) = options.0.as_ref().and_then(|v| v.as_object()) {
            for key in ["maxFileSize", "maxFileCount", "rotateInterval"] {
                let v: Value = o.get(key)?;
                if !v.is_undefined() && !v.is_null() {
                    tracing::warn!(
                        "[logging] {}: toFile('{path}'): log rotation ('{key}') is not supported; the file grows without rotation",
                        self.name
                    );
                }
            }
        }
        let sink = file::open(&path).map_err(|e| throw(ctx, format!("toFile(): {e}")))?;
        self.targets.borrow_mut().push(Target::File(sink));
        Ok(())
    }

    fn to_http<'js>(
        &self,
        ctx: &Ctx<'js>,
        url: Opt<Value<'js>>,
        options: Opt<Value<'js>>,
    ) -> Result<()> {
        let Some(url) = url.0.as_ref().and_then(|v| v.as_string()) else {
            return Err(throw(ctx, "toHTTP(): expected a URL"));
        };
        let url = url.to_string()?;
        let (address, host, path) =
            split_url(&url).map_err(|e| throw(ctx, format!("toHTTP('{url}'): {e}")))?;
        let mut method = "POST".to_string();
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut batch = http::Batch::default();
        if let Some(o) = options.0.as_ref().and_then(|v| v.as_object()) {
            let what = "toHTTP()";
            if let Some(m) = o.get::<_, Option<String>>("method")? {
                method = m;
            }
            if let Some(h) = o.get::<_, Option<Object>>("headers")? {
                for entry in h.props::<String, Coerced<String>>() {
                    let (k, v) = entry?;
                    headers.push((k, v.0));
                }
            }
            if let Some(n) = crate::opts::size(ctx, o, "bufferLimit", what)? {
                batch.buffer_limit = usize::try_from(n).unwrap_or(usize::MAX);
            }
            if let Some(b) = o.get::<_, Option<Object>>("batch")? {
                let what = "toHTTP(): batch";
                if let Some(n) = crate::opts::number(ctx, &b, "size", what)? {
                    if n.is_nan() || n < 1.0 {
                        return Err(throw(
                            ctx,
                            format!("{what}: option 'size' must be at least 1"),
                        ));
                    }
                    batch.size = n as usize;
                }
                batch.timeout =
                    crate::opts::time(ctx, &b, "timeout", what)?.filter(|d| !d.is_zero());
                batch.interval =
                    crate::opts::time(ctx, &b, "interval", what)?.filter(|d| !d.is_zero());
                batch.prefix = bytes_option(ctx, &b, "prefix", what)?;
                batch.postfix = bytes_option(ctx, &b, "postfix", what)?;
                batch.separator = bytes_option(ctx, &b, "separator", what)?;
            }
        }
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
            headers.insert(0, ("host".to_string(), host));
        }
        let target = PostTarget::new(&address, &method, &path, &headers)
            .map_err(|e| throw(ctx, format!("toHTTP('{url}'): {e}")))?;
        let label = format!("{} -> {url}", self.name);
        let sink = http::HttpSink::new(label, batch, target);
        self.targets.borrow_mut().push(Target::Http(sink));
        Ok(())
    }
}

fn write_line(out: &mut dyn Write, msg: &[u8]) {
    let _ = out
        .write_all(msg)
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush());
}

/// `http://host[:port][/path]` → the address to connect to, the `host` header, the path.
fn split_url(url: &str) -> std::result::Result<(String, String, String), String> {
    let Some(rest) = url.strip_prefix("http://") else {
        if url.starts_with("https://") {
            return Err("https is not supported yet (no TLS in weir)".into());
        }
        return Err("expected an http:// URL".into());
    };
    let (authority, path) = match rest.find(['/', '?']) {
        Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
        Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    if authority.is_empty() {
        return Err("no host in the URL".into());
    }
    let has_port = match authority.rfind(':') {
        Some(i) => !authority[i..].contains(']'),
        None => false,
    };
    let address = if has_port {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    Ok((address, authority.to_string(), path))
}

fn bytes_option<'js>(ctx: &Ctx<'js>, o: &Object<'js>, key: &str, what: &str) -> Result<Bytes> {
    let v: Value = o.get(key)?;
    if v.is_undefined() || v.is_null() {
        return Ok(Bytes::new());
    }
    if let Some(s) = v.as_string() {
        return Ok(Bytes::from(s.to_string()?));
    }
    if let Ok(d) = Class::<JsData>::from_value(&v) {
        return Ok(d.borrow().data.to_bytes());
    }
    Err(throw(
        ctx,
        format!("{what}: option '{key}' expects a string or a Data"),
    ))
}

fn js_string<'js>(v: &Value<'js>) -> Result<String> {
    Ok(v.get::<Coerced<String>>()?.0)
}

fn text<'js>(ctx: &Ctx<'js>, args: &[Value<'js>]) -> Result<Vec<u8>> {
    let mut out = String::new();
    for (i, v) in args.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(&js_string(v)?);
        if v.as_object().is_some() && !v.is_function() {
            out.push(':');
            if let Some(j) = ctx.json_stringify(v.clone())? {
                out.push_str(&j.to_string()?);
            }
        }
    }
    Ok(out.into_bytes())
}

fn json<'js>(ctx: &Ctx<'js>, args: &[Value<'js>]) -> Result<Vec<u8>> {
    let mut out = String::new();
    for v in args {
        match ctx.json_stringify(v.clone())? {
            Some(j) => out.push_str(&j.to_string()?),
            None => out.push_str("undefined"),
        }
    }
    Ok(out.into_bytes())
}

fn binary<'js>(_ctx: &Ctx<'js>, args: &[Value<'js>]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for v in args {
        if let Ok(d) = Class::<JsData>::from_value(v) {
            for chunk in d.borrow().data.chunks() {
                out.extend_from_slice(chunk);
            }
        } else if let Some(s) = v.as_string() {
            out.extend_from_slice(s.to_string()?.as_bytes());
        } else if let Some(arr) = v.as_array() {
            for b in arr.iter::<Coerced<f64>>() {
                out.push(b?.0 as i64 as u8);
            }
        } else {
            out.extend_from_slice(js_string(v)?.as_bytes());
        }
    }
    Ok(out)
}

macro_rules! logger_class {
    ($ty:ident, $js:literal, $format:expr) => {
        #[derive(Trace, JsLifetime)]
        #[rquickjs::class(rename = $js)]
        pub struct $ty {
            #[qjs(skip_trace)]
            core: Core,
        }

        #[rquickjs::methods]
        impl $ty {
            #[qjs(constructor)]
            pub fn new<'js>(ctx: Ctx<'js>, name: Opt<Value<'js>>) -> Result<$ty> {
                Ok($ty {
                    core: Core::new(&ctx, name, $format, $js)?,
                })
            }

            #[qjs(get)]
            pub fn name(&self) -> String {
                self.core.name.clone()
            }

            pub fn log<'js>(&self, ctx: Ctx<'js>, args: Rest<Value<'js>>) -> Result<()> {
                self.core.log(&ctx, &args.0)
            }

            #[qjs(rename = "toStdout")]
            pub fn to_stdout<'js>(this: This<Class<'js, $ty>>) -> Class<'js, $ty> {
                this.0
                    .borrow()
                    .core
                    .targets
                    .borrow_mut()
                    .push(Target::Stdout);
                this.0
            }

            #[qjs(rename = "toStderr")]
            pub fn to_stderr<'js>(this: This<Class<'js, $ty>>) -> Class<'js, $ty> {
                this.0
                    .borrow()
                    .core
                    .targets
                    .borrow_mut()
                    .push(Target::Stderr);
                this.0
            }

            #[qjs(rename = "toFile")]
            pub fn to_file<'js>(
                ctx: Ctx<'js>,
                this: This<Class<'js, $ty>>,
                path: Opt<Value<'js>>,
                options: Opt<Value<'js>>,
            ) -> Result<Class<'js, $ty>> {
                this.0.borrow().core.to_file(&ctx, path, options)?;
                Ok(this.0)
            }

            #[qjs(rename = "toHTTP")]
            pub fn to_http<'js>(
                ctx: Ctx<'js>,
                this: This<Class<'js, $ty>>,
                url: Opt<Value<'js>>,
                options: Opt<Value<'js>>,
            ) -> Result<Class<'js, $ty>> {
                this.0.borrow().core.to_http(&ctx, url, options)?;
                Ok(this.0)
            }
        }
    };
}

logger_class!(TextLogger, "TextLogger", Format::Text);
logger_class!(JSONLogger, "JSONLogger", Format::Json);
logger_class!(BinaryLogger, "BinaryLogger", Format::Binary);

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let logging = Object::new(ctx.clone())?;
    logging.set("TextLogger", Class::<TextLogger>::create_constructor(ctx)?)?;
    logging.set("JSONLogger", Class::<JSONLogger>::create_constructor(ctx)?)?;
    logging.set(
        "BinaryLogger",
        Class::<BinaryLogger>::create_constructor(ctx)?,
    )?;
    ctx.globals().set("logging", logging)?;
    Ok(())
}

/// How long the process waits at exit for log files to be written out.
pub const EXIT_FLUSH_LIMIT: Duration = Duration::from_secs(5);

#[cfg(test)]
mod tests {
    use super::split_url;

    #[test]
    fn urls() {
        let s = |u: &str| split_url(u).map(|(a, h, p)| format!("{a} {h} {p}"));
        let ok = |u: &str| s(u).ok();
        assert_eq!(
            ok("http://127.0.0.1:8123/log").as_deref(),
            Some("127.0.0.1:8123 127.0.0.1:8123 /log")
        );
        assert_eq!(
            ok("http://example.com").as_deref(),
            Some("example.com:80 example.com /")
        );
        assert_eq!(ok("http://h?x=1").as_deref(), Some("h:80 h /?x=1"));
        assert_eq!(ok("http://[::1]/a").as_deref(), Some("[::1]:80 [::1] /a"));
        assert_eq!(
            ok("http://[::1]:9/a").as_deref(),
            Some("[::1]:9 [::1]:9 /a")
        );
        assert!(s("https://h/").is_err());
        assert!(s("ftp://h/").is_err());
        assert!(s("http:///x").is_err());
    }
}
