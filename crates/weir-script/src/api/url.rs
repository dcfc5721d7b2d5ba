//! `URL` and `URLSearchParams`, in Pipy's shapes.
//!
//! `new URL(url, base?)` never rejects a string: like Pipy it splits what it is given into
//! `protocol` (default `http:`), `auth`/`username`/`password`, `host`/`hostname`/`port`
//! (the port defaults from the protocol), `path` (= `pathname` + `search`), `query`,
//! `hash`, `origin` and `href`, and keeps a live `searchParams`. Paths are not normalised.
//! `URL.encode`/`decode`/`encodeComponent`/`decodeComponent` are the static helpers.
//!
//! Where Pipy's splitter goes wrong on a common input, weir is right instead: the host ends
//! at `?` and `#` as well as at `/` (Pipy reads `http://a.com?x=1` as host `a.com?x=1`).

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Array, Class, Ctx, Exception, JsLifetime, Object, Result, Value};

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    Class::<JsUrl>::define(&ctx.globals())?;
    Class::<SearchParams>::define(&ctx.globals())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Splitting (pure)

/// A URL split into Pipy's fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parts {
    pub protocol: String,
    pub auth: String,
    pub username: String,
    pub password: String,
    pub host: String,
    pub hostname: String,
    pub port: String,
    pub path: String,
    pub pathname: String,
    pub search: String,
    pub query: String,
    pub hash: String,
    pub origin: String,
    pub href: String,
}

/// The scheme with its colon (`"https:"`), or `""` when `url` does not start with one.
fn scheme_of(url: &str) -> &str {
    for (i, c) in url.char_indices() {
        match c {
            ':' if i > 0 => return &url[..=i],
            c if i == 0 && c.is_ascii_alphabetic() => {}
            c if i > 0 && (c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) => {}
            _ => break,
        }
    }
    ""
}

/// Splits `rest` (after the scheme) into the authority with its leading slashes, and the
/// rest. There is an authority only after `//`.
fn split_authority(rest: &str) -> (&str, &str) {
    if !rest.starts_with("//") {
        return ("", rest);
    }
    let Some(start) = rest.find(|c| c != '/') else {
        return ("", rest);
    };
    let end = rest[start..]
        .find(['/', '?', '#'])
        .map_or(rest.len(), |j| start + j);
    (&rest[..end], &rest[end..])
}

fn default_port(protocol: &str) -> &'static str {
    match protocol {
        "ftp:" => "21",
        "gopher:" => "70",
        "http:" | "ws:" => "80",
        "https:" | "wss:" => "443",
        _ => "",
    }
}

/// Splits `url` as Pipy does; a URL without a host takes protocol, host and (for a
/// relative path) the directory of its path from `base`.
pub fn parse(url: &str, base: Option<&str>) -> Parts {
    let mut protocol = scheme_of(url).to_string();
    let (authority, rest) = split_authority(&url[protocol.len()..]);
    let mut host = authority.trim_start_matches('/').to_string();
    let mut path = rest.to_string();
    if host.is_empty() {
        if let Some(base) = base.filter(|b| !b.is_empty()) {
            protocol = scheme_of(base).to_string();
            let (b_authority, b_path) = split_authority(&base[protocol.len()..]);
            if path.is_empty() {
                path = b_path.to_string();
            } else if !path.starts_with('/') {
                let dir = b_path.rfind('/').map_or(b_path, |i| &b_path[..i]);
                path = format!("{dir}/{path}");
            }
            host = b_authority.trim_start_matches('/').to_string();
        }
    }

    let mut p = Parts::default();
    if let Some(i) = host.find('@') {
        p.auth = host[..i].to_string();
        host = host[i + 1..].to_string();
        match p.auth.split_once(':') {
            Some((u, pw)) => (p.username, p.password) = (u.to_string(), pw.to_string()),
            None => p.username = p.auth.clone(),
        }
    }
    let split = if host.starts_with('[') {
        host.find("]:").map(|i| i + 1)
    } else {
        host.find(':')
    };
    match split {
        Some(i) => (p.hostname, p.port) = (host[..i].to_string(), host[i + 1..].to_string()),
        None => p.hostname = host.clone(),
    }

    if let Some(i) = path.rfind('#') {
        p.hash = path[i..].to_string();
        path.truncate(i);
    }
    match path.find('?') {
        Some(i) => {
            p.pathname = path[..i].to_string();
            p.search = path[i..].to_string();
            p.query = path[i + 1..].to_string();
        }
        None => p.pathname = path.clone(),
    }
    if p.pathname.is_empty() {
        p.pathname = "/".to_string();
        path.insert(0, '/');
    }
    if protocol.is_empty() {
        protocol = "http:".to_string();
    }
    if p.port.is_empty() {
        p.port = default_port(&protocol).to_string();
    }
    p.origin = format!("{protocol}//{host}");
    let auth = if p.auth.is_empty() {
        String::new()
    } else {
        format!("{}@", p.auth)
    };
    p.href = format!("{protocol}//{auth}{host}{path}{}", p.hash);
    p.protocol = protocol;
    p.host = host;
    p.path = path;
    p
}

/// Characters `encodeURIComponent` leaves alone.
fn component_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b)
}

/// Characters `encodeURI` leaves alone: the above plus the URL delimiters.
fn uri_safe(b: u8) -> bool {
    component_safe(b) || b";,/?:@&=+$#".contains(&b)
}

fn percent_encode(s: &str, safe: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `encodeURIComponent`: everything but letters, digits and `-_.!~*'()` as `%XX` (UTF-8).
pub fn encode_component(s: &str) -> String {
    percent_encode(s, component_safe)
}

/// `encodeURI`: like [`encode_component`] but keeps the delimiters `;,/?:@&=+$#`.
pub fn encode(s: &str) -> String {
    percent_encode(s, uri_safe)
}

/// Decodes every `%XX`; anything else, including a malformed `%`, stays as it is. Never
/// fails: bytes that are not UTF-8 become U+FFFD.
pub fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

// ---------------------------------------------------------------------------------------
// URLSearchParams

/// One name's value: Pipy keeps a single value as a string and repeats as an array, and
/// `toObject()` shows which.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Param {
    One(String),
    Many(Vec<String>),
}

/// Name/value pairs of a query string, in first-seen order of names.
#[derive(Trace, JsLifetime, Default)]
#[rquickjs::class(rename = "URLSearchParams")]
pub struct SearchParams {
    #[qjs(skip_trace)]
    params: Vec<(String, Param)>,
}

impl SearchParams {
    /// Parses `a=1&b=2&a=3` (a leading `?` is skipped; `x` alone is `x=`).
    pub fn parse(search: &str) -> SearchParams {
        let mut sp = SearchParams::default();
        let search = search.strip_prefix('?').unwrap_or(search);
        for pair in search.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            sp.append(decode(k), decode(v));
        }
        sp
    }

    fn append(&mut self, name: String, value: String) {
        match self.params.iter_mut().find(|(k, _)| *k == name) {
            Some((_, Param::Many(vs))) => vs.push(value),
            Some((_, p @ Param::One(_))) => {
                if let Param::One(old) = std::mem::replace(p, Param::Many(Vec::new())) {
                    *p = Param::Many(vec![old, value]);
                }
            }
            None => self.params.push((name, Param::One(value))),
        }
    }

    fn first(&self, name: &str) -> Option<&str> {
        match self.find(name)? {
            Param::One(v) => Some(v),
            Param::Many(vs) => vs.first().map(String::as_str),
        }
    }

    fn find(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, p)| p)
    }

    fn put(&mut self, name: String, value: Option<Param>) {
        let at = self.params.iter().position(|(k, _)| *k == name);
        match (at, value) {
            (Some(i), None) => {
                self.params.remove(i);
            }
            (Some(i), Some(v)) => self.params[i].1 = v,
            (None, Some(v)) => self.params.push((name, v)),
            (None, None) => {}
        }
    }

    fn query_string(&self) -> String {
        let mut out = String::new();
        let mut pair = |k: &str, v: &str| {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&encode_component(k));
            out.push('=');
            out.push_str(&encode_component(v));
        };
        for (k, p) in &self.params {
            match p {
                Param::One(v) => pair(k, v),
                Param::Many(vs) => vs.iter().for_each(|v| pair(k, v)),
            }
        }
        out
    }
}

fn text<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> Result<String> {
    use rquickjs::FromJs;
    Ok(rquickjs::convert::Coerced::<String>::from_js(ctx, v)?.0)
}

/// A value given to `set()`: `null`/`undefined` removes the name, an array sets several.
fn param_of<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> Result<Option<Param>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if let Some(arr) = v.as_array() {
        let vs = arr
            .iter::<Value>()
            .map(|x| x.and_then(|x| text(ctx, x)))
            .collect::<Result<Vec<_>>>()?;
        return Ok(Some(Param::Many(vs)));
    }
    Ok(Some(Param::One(text(ctx, v)?)))
}

#[rquickjs::methods]
impl SearchParams {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, init: Opt<Value<'js>>) -> Result<SearchParams> {
        let init = init.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        if let Some(s) = init.as_string() {
            return Ok(SearchParams::parse(&s.to_string()?));
        }
        if let Some(obj) = init.as_object().filter(|_| !init.is_function()) {
            let mut sp = SearchParams::default();
            for kv in obj.props::<String, Value>() {
                let (k, v) = kv?;
                let p = param_of(&ctx, v)?;
                sp.put(k, p);
            }
            return Ok(sp);
        }
        Err(Exception::throw_type(
            &ctx,
            "URLSearchParams(): expected a string or an object",
        ))
    }

    /// The first value of `name`, or `null`.
    pub fn get<'js>(&self, ctx: Ctx<'js>, name: String) -> Result<Value<'js>> {
        match self.first(&name) {
            Some(v) => Ok(rquickjs::String::from_str(ctx, v)?.into_value()),
            None => Ok(Value::new_null(ctx)),
        }
    }

    #[qjs(rename = "getAll")]
    pub fn get_all(&self, name: String) -> Vec<String> {
        match self.find(&name) {
            Some(Param::One(v)) => vec![v.clone()],
            Some(Param::Many(vs)) => vs.clone(),
            None => Vec::new(),
        }
    }

    pub fn set<'js>(&mut self, ctx: Ctx<'js>, name: String, value: Opt<Value<'js>>) -> Result<()> {
        let value = value.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let p = param_of(&ctx, value)?;
        self.put(name, p);
        Ok(())
    }

    /// `{name: value}`, with an array for a name that has several values.
    #[qjs(rename = "toObject")]
    pub fn to_object<'js>(&self, ctx: Ctx<'js>) -> Result<Object<'js>> {
        let obj = Object::new(ctx.clone())?;
        for (k, p) in &self.params {
            match p {
                Param::One(v) => obj.set(k.as_str(), v.as_str())?,
                Param::Many(vs) => {
                    let arr = Array::new(ctx.clone())?;
                    for (i, v) in vs.iter().enumerate() {
                        arr.set(i, v.as_str())?;
                    }
                    obj.set(k.as_str(), arr)?;
                }
            }
        }
        Ok(obj)
    }

    #[qjs(rename = "toString")]
    pub fn to_string_js(&self) -> String {
        self.query_string()
    }
}

// ---------------------------------------------------------------------------------------
// URL

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "URL")]
pub struct JsUrl<'js> {
    #[qjs(skip_trace)]
    parts: Parts,
    params: Class<'js, SearchParams>,
}

fn string_arg<'js>(ctx: &Ctx<'js>, v: &Value<'js>, what: &str) -> Result<String> {
    match v.as_string() {
        Some(s) => s.to_string(),
        None => Err(Exception::throw_type(
            ctx,
            &format!(
                "{what}: expected a string, got {}",
                crate::value::type_name(v)
            ),
        )),
    }
}

#[rquickjs::methods]
impl<'js> JsUrl<'js> {
    #[qjs(constructor)]
    pub fn new(ctx: Ctx<'js>, url: Opt<Value<'js>>, base: Opt<Value<'js>>) -> Result<JsUrl<'js>> {
        let url = url.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let url = string_arg(&ctx, &url, "URL()")?;
        let base = match base.0.filter(|b| !b.is_undefined() && !b.is_null()) {
            Some(b) => Some(string_arg(&ctx, &b, "URL() base")?),
            None => None,
        };
        let parts = parse(&url, base.as_deref());
        let params = Class::instance(ctx, SearchParams::parse(&parts.search))?;
        Ok(JsUrl { parts, params })
    }

    #[qjs(get)]
    pub fn protocol(&self) -> String {
        self.parts.protocol.clone()
    }
    #[qjs(get)]
    pub fn auth(&self) -> String {
        self.parts.auth.clone()
    }
    #[qjs(get)]
    pub fn username(&self) -> String {
        self.parts.username.clone()
    }
    #[qjs(get)]
    pub fn password(&self) -> String {
        self.parts.password.clone()
    }
    #[qjs(get)]
    pub fn host(&self) -> String {
        self.parts.host.clone()
    }
    #[qjs(get)]
    pub fn hostname(&self) -> String {
        self.parts.hostname.clone()
    }
    #[qjs(get)]
    pub fn port(&self) -> String {
        self.parts.port.clone()
    }
    #[qjs(get)]
    pub fn path(&self) -> String {
        self.parts.path.clone()
    }
    #[qjs(get)]
    pub fn pathname(&self) -> String {
        self.parts.pathname.clone()
    }
    #[qjs(get)]
    pub fn search(&self) -> String {
        self.parts.search.clone()
    }
    #[qjs(get)]
    pub fn query(&self) -> String {
        self.parts.query.clone()
    }
    #[qjs(get)]
    pub fn hash(&self) -> String {
        self.parts.hash.clone()
    }
    #[qjs(get)]
    pub fn origin(&self) -> String {
        self.parts.origin.clone()
    }
    #[qjs(get)]
    pub fn href(&self) -> String {
        self.parts.href.clone()
    }
    #[qjs(get, rename = "searchParams")]
    pub fn search_params(&self) -> Class<'js, SearchParams> {
        self.params.clone()
    }

    #[qjs(rename = "toString")]
    pub fn to_string_js(&self) -> String {
        self.parts.href.clone()
    }

    #[qjs(static)]
    pub fn encode(s: String) -> String {
        encode(&s)
    }
    #[qjs(static)]
    pub fn decode(s: String) -> String {
        decode(&s)
    }
    #[qjs(static, rename = "encodeComponent")]
    pub fn encode_component(s: String) -> String {
        encode_component(&s)
    }
    #[qjs(static, rename = "decodeComponent")]
    pub fn decode_component(s: String) -> String {
        decode(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_a_full_url() {
        let p = parse("https://u:pw@example.com:8443/a/b?x=1&y=2#top", None);
        assert_eq!(p.protocol, "https:");
        assert_eq!(
            (p.auth.as_str(), p.username.as_str(), p.password.as_str()),
            ("u:pw", "u", "pw")
        );
        assert_eq!(
            (p.host.as_str(), p.hostname.as_str(), p.port.as_str()),
            ("example.com:8443", "example.com", "8443")
        );
        assert_eq!(
            (p.path.as_str(), p.pathname.as_str()),
            ("/a/b?x=1&y=2", "/a/b")
        );
        assert_eq!(
            (p.search.as_str(), p.query.as_str(), p.hash.as_str()),
            ("?x=1&y=2", "x=1&y=2", "#top")
        );
        assert_eq!(p.origin, "https://example.com:8443");
        assert_eq!(p.href, "https://u:pw@example.com:8443/a/b?x=1&y=2#top");
    }

    #[test]
    fn defaults_and_ipv6() {
        let p = parse("//[::1]:81", None);
        assert_eq!(
            (p.protocol.as_str(), p.hostname.as_str(), p.port.as_str()),
            ("http:", "[::1]", "81")
        );
        assert_eq!(
            (p.path.as_str(), p.href.as_str()),
            ("/", "http://[::1]:81/")
        );
        let p = parse("ws://h?q", None);
        assert_eq!(
            (
                p.host.as_str(),
                p.port.as_str(),
                p.path.as_str(),
                p.query.as_str()
            ),
            ("h", "80", "/?q", "q")
        );
        let p = parse("/just/a/path", None);
        assert_eq!(
            (p.host.as_str(), p.port.as_str(), p.href.as_str()),
            ("", "80", "http:///just/a/path")
        );
    }

    #[test]
    fn relative_to_a_base() {
        let p = parse("c?d=1", Some("https://h/a/b"));
        assert_eq!(p.href, "https://h/a/c?d=1");
        let p = parse("/x", Some("https://h/a/b"));
        assert_eq!(p.href, "https://h/x");
        let p = parse("", Some("https://h/a/b"));
        assert_eq!(p.href, "https://h/a/b");
    }

    #[test]
    fn percent_coding() {
        assert_eq!(encode_component("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("/a b?c=d#e"), "/a%20b?c=d#e");
        assert_eq!(decode("a%20b%2fc%zz%"), "a b/c%zz%");
        assert_eq!(decode("%C3%A9%FF"), "é\u{fffd}");
    }

    #[test]
    fn search_params_keep_single_and_repeated_values() {
        let sp = SearchParams::parse("?a=1&b=x%20y&a=2&c&&=e");
        assert_eq!(sp.first("a"), Some("1"));
        assert_eq!(sp.get_all("a".into()), vec!["1", "2"]);
        assert_eq!(sp.first("c"), Some(""));
        assert_eq!(sp.first("zz"), None);
        assert_eq!(sp.query_string(), "a=1&a=2&b=x%20y&c=&=e");
    }
}
