//! The `http` global: `http.File`, static files from the codebase as ready-made responses.
//!
//! | PipyJS                          | here                                                  |
//! |---------------------------------|-------------------------------------------------------|
//! | `new http.File(path)`           | [`JsFile`]; throws `file not found: path`              |
//! | `http.File.from(path)`          | the same, or `null` when there is no such file         |
//! | `file.toMessage(acceptEncoding?)` | a `Message` with `content-type` (and `content-encoding`) |
//!
//! A file is read once, when it is made, with its pre-compressed siblings `path.gz` and
//! `path.br`. `path` is a codebase path (`'www/a.html'` and `'/www/a.html'` are the same).
//! If none of the three exists, `path/index.html` (and its siblings) is tried instead. Any
//! one of the three is enough: a file that only exists as `a.js.gz` is served compressed to
//! clients that take gzip and decompressed (once, then kept) to the others.
//!
//! `toMessage` reads the codings in an `accept-encoding` value (parameters are ignored, as
//! in Pipy, except that `q=0` refuses a coding) and answers `br` if both sides have it,
//! else `gzip`, else the plain bytes. A sibling that cannot be decompressed when the plain
//! bytes are needed gives a `400` with no body, as in Pipy. The content type comes from the
//! file's extension (Pipy's table; `application/octet-stream` otherwise).

use bytes::Bytes;
use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, JsLifetime, Object, Result, Value};
use weir_codec::compress::{Decoder, Method};
use weir_engine::{Data, Message};

use crate::config::{prog, throw};
use crate::value::{js_to_head, message_to_js};

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let http: Object = match ctx.globals().get::<_, Value>("http")?.into_object() {
        Some(o) => o,
        None => {
            let o = Object::new(ctx.clone())?;
            ctx.globals().set("http", o.clone())?;
            o
        }
    };
    http.set("File", Class::<JsFile>::create_constructor(ctx)?)?;
    Ok(())
}

/// Content types by lowercase extension (Pipy's defaults).
const CONTENT_TYPES: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("css", "text/css"),
    ("xml", "text/xml"),
    ("txt", "text/plain"),
    ("gif", "image/gif"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("svg", "image/svg+xml"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ico", "image/x-icon"),
    ("js", "application/javascript"),
    ("json", "application/json"),
];

fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    ext.and_then(|e| CONTENT_TYPES.iter().find(|(k, _)| *k == e))
        .map_or("application/octet-stream", |(_, t)| t)
}

/// Which codings an `accept-encoding` value allows: `(gzip, br)`.
fn accepted(value: &str) -> (bool, bool) {
    let (mut gzip, mut br) = (false, false);
    for item in value.split(',') {
        let mut parts = item.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let refused = parts.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        if coding.eq_ignore_ascii_case("gzip") {
            gzip = true;
        } else if coding.eq_ignore_ascii_case("br") {
            br = true;
        }
    }
    (gzip, br)
}

/// The plain bytes of a pre-compressed sibling; `None` if it is corrupt.
fn decompress(method: Method, packed: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    let mut d = Decoder::new(method);
    let mut emit = |b: Bytes| out.extend_from_slice(&b);
    d.decode(packed, &mut emit).ok()?;
    d.finish(&mut emit).ok()?;
    Some(Bytes::from(out))
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "File")]
pub struct JsFile {
    #[qjs(skip_trace)]
    plain: Option<Bytes>,
    #[qjs(skip_trace)]
    gz: Option<Bytes>,
    #[qjs(skip_trace)]
    br: Option<Bytes>,
    /// Set once the plain bytes were made from a sibling (`None` inside: it was corrupt).
    #[qjs(skip_trace)]
    unpacked: Option<Option<Bytes>>,
    #[qjs(skip_trace)]
    content_type: &'static str,
}

impl JsFile {
    /// Reads `path` and its siblings (or `path/index.html` and its siblings); `None` if
    /// none of them exists.
    fn load(ctx: &Ctx<'_>, path: &str) -> Result<Option<JsFile>> {
        let p = prog(ctx)?;
        let read = |path: &str| p.read_file(path).ok().map(Bytes::from);
        let base = crate::module::normalize(path);
        let index = format!("{}/index.html", base.trim_end_matches('/'));
        for candidate in [base, index] {
            let (plain, gz, br) = (
                read(&candidate),
                read(&format!("{candidate}.gz")),
                read(&format!("{candidate}.br")),
            );
            if plain.is_some() || gz.is_some() || br.is_some() {
                return Ok(Some(JsFile {
                    plain,
                    gz,
                    br,
                    unpacked: None,
                    content_type: content_type(&candidate),
                }));
            }
        }
        Ok(None)
    }

    fn plain_bytes(&mut self) -> Option<Bytes> {
        if let Some(b) = &self.plain {
            return Some(b.clone());
        }
        if self.unpacked.is_none() {
            let unpacked = match (&self.gz, &self.br) {
                (Some(gz), _) => decompress(Method::Gzip, gz),
                (None, Some(br)) => decompress(Method::Brotli, br),
                (None, None) => None,
            };
            self.unpacked = Some(unpacked);
        }
        self.unpacked.clone().flatten()
    }
}

fn response<'js>(
    ctx: &Ctx<'js>,
    status: u16,
    headers: &[(&str, &str)],
    body: Option<Bytes>,
) -> Result<Value<'js>> {
    let head = Object::new(ctx.clone())?;
    head.set("status", status)?;
    let h = Object::new(ctx.clone())?;
    for (k, v) in headers {
        h.set(*k, *v)?;
    }
    head.set("headers", h)?;
    let msg = Message {
        head: js_to_head(ctx, head.into_value()),
        body: body.map(Data::from).unwrap_or_default(),
        ..Message::default()
    };
    message_to_js(ctx, &msg)
}

#[rquickjs::methods]
impl JsFile {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, path: String) -> Result<JsFile> {
        JsFile::load(&ctx, &path)?.ok_or_else(|| throw(&ctx, format!("file not found: {path}")))
    }

    #[qjs(static)]
    pub fn from<'js>(ctx: Ctx<'js>, path: String) -> Result<Value<'js>> {
        match JsFile::load(&ctx, &path)? {
            Some(f) => Ok(Class::instance(ctx.clone(), f)?.into_value()),
            None => Ok(Value::new_null(ctx)),
        }
    }

    #[qjs(rename = "toMessage")]
    pub fn message<'js>(
        &mut self,
        ctx: Ctx<'js>,
        accept_encoding: Opt<Value<'js>>,
    ) -> Result<Value<'js>> {
        let accept = accept_encoding
            .0
            .and_then(|v| v.as_string().and_then(|s| s.to_string().ok()))
            .unwrap_or_default();
        let (gzip, br) = accepted(&accept);
        let ct = self.content_type;
        if let (true, Some(body)) = (br, &self.br) {
            let headers = [("content-type", ct), ("content-encoding", "br")];
            return response(&ctx, 200, &headers, Some(body.clone()));
        }
        if let (true, Some(body)) = (gzip, &self.gz) {
            let headers = [("content-type", ct), ("content-encoding", "gzip")];
            return response(&ctx, 200, &headers, Some(body.clone()));
        }
        match self.plain_bytes() {
            Some(body) => response(&ctx, 200, &[("content-type", ct)], Some(body)),
            None => response(&ctx, 400, &[], None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_by_extension() {
        assert_eq!(content_type("/www/index.html"), "text/html");
        assert_eq!(content_type("/a/B.JSON"), "application/json");
        assert_eq!(content_type("/a.b/noext"), "application/octet-stream");
        assert_eq!(content_type("/x.tar.gz"), "application/octet-stream");
        assert_eq!(content_type("/app.js"), "application/javascript");
    }

    #[test]
    fn accept_encoding_tokens() {
        assert_eq!(accepted(""), (false, false));
        assert_eq!(accepted("gzip, deflate, br"), (true, true));
        assert_eq!(accepted("deflate,GZIP;q=0.5"), (true, false));
        assert_eq!(accepted("br;q=0, gzip"), (true, false));
        assert_eq!(accepted("gzipx, xbr"), (false, false));
    }
}
