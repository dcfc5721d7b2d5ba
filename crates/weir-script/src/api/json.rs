//! `JSON.decode(data, reviver?)` and `JSON.encode(value, replacer?, space?)`: JSON to and
//! from `Data`, added to the engine's own `JSON` (whose `parse`/`stringify` stay QuickJS's).
//!
//! Both follow Pipy rather than ECMAScript where the two differ:
//! - `decode` reads bytes (a `Data`, or a string), throws a `SyntaxError` naming the byte
//!   position on bad JSON, and calls `reviver(key, value, holder)` bottom-up (the root's
//!   key is `''` and its holder `null`).
//! - `encode` never throws for a value: a cycle, or nesting deeper than 100, is written as
//!   `null`; `toJSON` is not called; `replacer(key, value, holder)` sees the root with key
//!   `undefined` and array elements with numeric keys; `space` is 0..10 spaces, and an empty
//!   container still gets its line breaks (`[\n\n]`), as in Pipy.

use rquickjs::function::Opt;
use rquickjs::object::Property;
use rquickjs::{Array, Ctx, Exception, FromJs, Function, Object, Result, Type, Value};
use weir_engine::Data;

use crate::api::data::new_data;

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let json: Object = ctx.globals().get("JSON")?;
    json.set(
        "decode",
        Function::new(ctx.clone(), decode)?.with_name("decode")?,
    )?;
    json.set(
        "encode",
        Function::new(ctx.clone(), encode)?.with_name("encode")?,
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// decode

fn decode<'js>(
    ctx: Ctx<'js>,
    input: Value<'js>,
    reviver: Opt<Value<'js>>,
    _options: Opt<Value<'js>>,
) -> Result<Value<'js>> {
    let bytes = crate::api::data::input_bytes(&ctx, &input, "JSON.decode()")?;
    let reviver = reviver.0.and_then(|v| v.into_function());
    Decoder {
        ctx: ctx.clone(),
        s: &bytes,
        i: 0,
        reviver,
    }
    .run()
}

/// Why a document is not JSON, and the byte offset where that was seen.
struct SyntaxError {
    at: usize,
    what: String,
}

enum Fail {
    Syntax(SyntaxError),
    Js(rquickjs::Error),
}

impl From<rquickjs::Error> for Fail {
    fn from(e: rquickjs::Error) -> Fail {
        Fail::Js(e)
    }
}

type Step<T> = std::result::Result<T, Fail>;

/// An open container while its members are read.
enum Open<'js> {
    Array(Array<'js>, usize),
    Object(Object<'js>, String),
}

/// An iterative reader (no recursion, so nesting depth is bounded by memory only) that
/// builds JS values as it goes.
struct Decoder<'a, 'js> {
    ctx: Ctx<'js>,
    s: &'a [u8],
    i: usize,
    reviver: Option<Function<'js>>,
}

impl<'js> Decoder<'_, 'js> {
    fn run(mut self) -> Result<Value<'js>> {
        match self.document() {
            Ok(v) => Ok(v),
            Err(Fail::Js(e)) => Err(e),
            Err(Fail::Syntax(e)) => Err(Exception::throw_syntax(
                &self.ctx,
                &format!("{} in JSON at position {}", e.what, e.at),
            )),
        }
    }

    fn fail<T>(&self, what: impl Into<String>) -> Step<T> {
        Err(Fail::Syntax(SyntaxError {
            at: self.i,
            what: what.into(),
        }))
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    fn unexpected<T>(&self) -> Step<T> {
        match self.peek() {
            None => self.fail("Unexpected end of input"),
            Some(c) if c.is_ascii_graphic() => {
                self.fail(format!("Unexpected token '{}'", c as char))
            }
            Some(c) => self.fail(format!("Unexpected byte 0x{c:02x}")),
        }
    }

    fn document(&mut self) -> Step<Value<'js>> {
        let mut stack: Vec<Open<'js>> = Vec::new();
        loop {
            let Some(mut value) = self.begin(&mut stack)? else {
                continue;
            };
            // Add the finished value to its container; close containers that end here.
            loop {
                let Some(top) = stack.last_mut() else {
                    return self.finish(value);
                };
                if self.add(top, value)? {
                    break;
                }
                value = match stack.pop() {
                    Some(Open::Array(arr, _)) => arr.into_value(),
                    Some(Open::Object(obj, _)) => obj.into_value(),
                    None => return self.unexpected(),
                };
            }
        }
    }

    /// Reads the start of a value: a whole scalar or empty container (returned), or the
    /// opening of a container (pushed; `None`).
    fn begin(&mut self, stack: &mut Vec<Open<'js>>) -> Step<Option<Value<'js>>> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                self.skip_ws();
                let obj = Object::new(self.ctx.clone())?;
                if self.peek() == Some(b'}') {
                    self.i += 1;
                    return Ok(Some(obj.into_value()));
                }
                let key = self.member_name()?;
                stack.push(Open::Object(obj, key));
                Ok(None)
            }
            Some(b'[') => {
                self.i += 1;
                self.skip_ws();
                let arr = Array::new(self.ctx.clone())?;
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return Ok(Some(arr.into_value()));
                }
                stack.push(Open::Array(arr, 0));
                Ok(None)
            }
            _ => self.scalar().map(Some),
        }
    }

    /// Adds a finished member to `open`, then reads `,` (true: more members follow, and for
    /// an object the next name is read) or the closing bracket (false).
    fn add(&mut self, open: &mut Open<'js>, value: Value<'js>) -> Step<bool> {
        match open {
            Open::Array(arr, n) => {
                let v = self.revive(arr.clone().into_value(), &n.to_string(), value)?;
                arr.set(*n, v)?;
                *n += 1;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        Ok(true)
                    }
                    Some(b']') => {
                        self.i += 1;
                        Ok(false)
                    }
                    _ => self.fail("Expected ',' or ']' after an array element"),
                }
            }
            Open::Object(obj, key) => {
                let v = self.revive(obj.clone().into_value(), key, value)?;
                let prop = Property::from(v).writable().enumerable().configurable();
                obj.prop(key.as_str(), prop)?;
                self.skip_ws();
                match self.peek() {
                    Some(b',') => {
                        self.i += 1;
                        self.skip_ws();
                        *key = self.member_name()?;
                        Ok(true)
                    }
                    Some(b'}') => {
                        self.i += 1;
                        Ok(false)
                    }
                    _ => self.fail("Expected ',' or '}' after an object member"),
                }
            }
        }
    }

    /// The root value, revived, and nothing but white space after it.
    fn finish(&mut self, value: Value<'js>) -> Step<Value<'js>> {
        let root = self.revive(Value::new_null(self.ctx.clone()), "", value)?;
        self.skip_ws();
        if self.peek().is_some() {
            return self.fail("Unexpected data after the JSON value");
        }
        Ok(root)
    }

    /// `"name" :` (leading white space already skipped).
    fn member_name(&mut self) -> Step<String> {
        if self.peek() != Some(b'"') {
            return self.fail("Expected a string as an object member name");
        }
        let key = self.string()?;
        self.skip_ws();
        if self.peek() != Some(b':') {
            return self.fail("Expected ':' after an object member name");
        }
        self.i += 1;
        Ok(key)
    }

    fn revive(&self, holder: Value<'js>, key: &str, value: Value<'js>) -> Step<Value<'js>> {
        match &self.reviver {
            None => Ok(value),
            Some(f) => Ok(f.call((key, value, holder))?),
        }
    }

    fn scalar(&mut self) -> Step<Value<'js>> {
        let ctx = self.ctx.clone();
        match self.peek() {
            Some(b'"') => {
                let s = self.string()?;
                Ok(rquickjs::String::from_str(ctx, &s)?.into_value())
            }
            Some(b't') => self.literal(b"true", Value::new_bool(ctx, true)),
            Some(b'f') => self.literal(b"false", Value::new_bool(ctx, false)),
            Some(b'n') => self.literal(b"null", Value::new_null(ctx)),
            Some(b'-' | b'0'..=b'9') => {
                let n = self.number()?;
                Ok(Value::new_number(ctx, n))
            }
            _ => self.unexpected(),
        }
    }

    fn literal(&mut self, word: &[u8], v: Value<'js>) -> Step<Value<'js>> {
        if self.s[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(v)
        } else {
            self.unexpected()
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.i;
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Step<f64> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return self.fail("No digits after the minus sign"),
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if self.digits() == 0 {
                return self.fail("No digits after the decimal point");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            if self.digits() == 0 {
                return self.fail("No digits in the exponent");
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap_or("");
        match text.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(n),
            _ => Err(Fail::Syntax(SyntaxError {
                at: start,
                what: "Number too large".to_string(),
            })),
        }
    }

    fn hex4(&mut self) -> Step<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let d = match self.peek() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return self.fail("Bad hex digit in a \\u escape"),
            };
            n = (n << 4) | u32::from(d);
            self.i += 1;
        }
        Ok(n)
    }

    /// A string at `"`; invalid UTF-8 inside becomes U+FFFD.
    fn string(&mut self) -> Step<String> {
        self.i += 1;
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let run = self.i;
            while let Some(c) = self.peek() {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            buf.extend_from_slice(&self.s[run..self.i]);
            match self.peek() {
                None => return self.fail("Unterminated string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(match String::from_utf8(buf) {
                        Ok(s) => s,
                        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    });
                }
                Some(b'\\') => {
                    self.i += 1;
                    let one = |c: char| Some(c);
                    let c = match self.peek() {
                        Some(b'"') => one('"'),
                        Some(b'\\') => one('\\'),
                        Some(b'/') => one('/'),
                        Some(b'b') => one('\u{8}'),
                        Some(b'f') => one('\u{c}'),
                        Some(b'n') => one('\n'),
                        Some(b'r') => one('\r'),
                        Some(b't') => one('\t'),
                        Some(b'u') => None,
                        _ => return self.fail("Bad escape character in string"),
                    };
                    self.i += 1;
                    let c = match c {
                        Some(c) => c,
                        None => self.unicode_escape()?,
                    };
                    let mut tmp = [0u8; 4];
                    buf.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
                }
                Some(_) => return self.fail("Bad control character in string"),
            }
        }
    }

    /// After `\u`: four hex digits, and a low surrogate after a high one. Surrogate
    /// errors point at the escape's backslash.
    fn unicode_escape(&mut self) -> Step<char> {
        let escape = self.i - 2;
        let hi = self.hex4()?;
        let lone = |d: &mut Self| {
            d.i = escape;
            d.fail("Lone surrogate in string")
        };
        let code = if (0xD800..0xDC00).contains(&hi) {
            if !self.s[self.i..].starts_with(b"\\u") {
                return lone(self);
            }
            self.i += 2;
            let lo = self.hex4()?;
            if !(0xDC00..0xE000).contains(&lo) {
                return lone(self);
            }
            0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
        } else if (0xDC00..0xE000).contains(&hi) {
            return lone(self);
        } else {
            hi
        };
        char::from_u32(code).map_or_else(|| lone(self), Ok)
    }
}

// ---------------------------------------------------------------------------------------
// encode

/// Containers nested deeper than this are written as `null`, as in Pipy.
const MAX_DEPTH: usize = 100;

fn encode<'js>(
    ctx: Ctx<'js>,
    value: Opt<Value<'js>>,
    replacer: Opt<Value<'js>>,
    space: Opt<Value<'js>>,
) -> Result<Value<'js>> {
    let value = value.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
    if value.is_undefined() {
        return Ok(value);
    }
    let space = space
        .0
        .and_then(|v| v.as_number())
        .filter(|n| n.is_finite())
        .map_or(0, |n| n.clamp(0.0, 10.0) as usize);
    let mut enc = Encoder {
        ctx: ctx.clone(),
        replacer: replacer.0.and_then(|v| v.into_function()),
        space,
        out: Vec::new(),
        open: Vec::new(),
    };
    let root = enc.replace(
        Value::new_null(ctx.clone()),
        Value::new_undefined(ctx.clone()),
        value,
    )?;
    enc.write(&root, 0)?;
    new_data(&ctx, Data::from(enc.out))
}

struct Encoder<'js> {
    ctx: Ctx<'js>,
    replacer: Option<Function<'js>>,
    space: usize,
    out: Vec<u8>,
    /// Containers being written, for cycle detection.
    open: Vec<Value<'js>>,
}

impl<'js> Encoder<'js> {
    fn replace(&self, holder: Value<'js>, key: Value<'js>, v: Value<'js>) -> Result<Value<'js>> {
        match &self.replacer {
            None => Ok(v),
            Some(f) => f.call((key, v, holder)),
        }
    }

    fn indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(b' ', n));
    }

    fn write(&mut self, v: &Value<'js>, level: usize) -> Result<()> {
        match v.type_of() {
            Type::Bool => {
                let s: &[u8] = if v.as_bool() == Some(true) {
                    b"true"
                } else {
                    b"false"
                };
                self.out.extend_from_slice(s);
            }
            Type::Int => {
                let n = v.as_int().unwrap_or(0);
                self.out.extend_from_slice(n.to_string().as_bytes());
            }
            Type::Float => self.number(v.as_float().unwrap_or(f64::NAN))?,
            Type::String => {
                let s = v.as_string().map(|s| s.to_string()).transpose()?;
                write_string(&mut self.out, s.as_deref().unwrap_or(""));
            }
            Type::Array
            | Type::Object
            | Type::Function
            | Type::Constructor
            | Type::Exception
            | Type::Promise
            | Type::Proxy => {
                if level >= MAX_DEPTH || self.open.contains(v) {
                    self.out.extend_from_slice(b"null");
                    return Ok(());
                }
                self.open.push(v.clone());
                let r = match v.as_array() {
                    Some(arr) => self.array(arr, level),
                    None => match v.as_object() {
                        Some(obj) => self.object(obj, level),
                        None => Ok(()),
                    },
                };
                self.open.pop();
                r?;
            }
            _ => self.out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    fn number(&mut self, n: f64) -> Result<()> {
        if !n.is_finite() {
            self.out.extend_from_slice(b"null");
        } else if n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0 {
            self.out
                .extend_from_slice((n as i64).to_string().as_bytes());
        } else {
            // Shortest round-trip form, exactly as JavaScript prints numbers.
            let s = rquickjs::convert::Coerced::<String>::from_js(
                &self.ctx,
                Value::new_float(self.ctx.clone(), n),
            )?;
            self.out.extend_from_slice(s.0.as_bytes());
        }
        Ok(())
    }

    fn separator(&mut self, first: &mut bool, level: usize) {
        if *first {
            *first = false;
        } else {
            self.out.push(b',');
            if self.space > 0 {
                self.out.push(b'\n');
            }
        }
        if self.space > 0 {
            self.indent(self.space * (level + 1));
        }
    }

    fn close(&mut self, level: usize, bracket: u8) {
        if self.space > 0 {
            self.out.push(b'\n');
            self.indent(self.space * level);
        }
        self.out.push(bracket);
    }

    fn array(&mut self, arr: &Array<'js>, level: usize) -> Result<()> {
        self.out.push(b'[');
        if self.space > 0 {
            self.out.push(b'\n');
        }
        let mut first = true;
        for i in 0..arr.len() {
            let item: Value = arr.get(i)?;
            let item = self.replace(
                arr.clone().into_value(),
                Value::new_number(self.ctx.clone(), i as f64),
                item,
            )?;
            let item = if item.is_undefined() || item.is_function() {
                Value::new_null(self.ctx.clone())
            } else {
                item
            };
            self.separator(&mut first, level);
            self.write(&item, level + 1)?;
        }
        self.close(level, b']');
        Ok(())
    }

    fn object(&mut self, obj: &Object<'js>, level: usize) -> Result<()> {
        self.out.push(b'{');
        if self.space > 0 {
            self.out.push(b'\n');
        }
        let mut first = true;
        let keys: Vec<String> = obj.keys::<String>().collect::<Result<_>>()?;
        for key in keys {
            let item: Value = obj.get(key.as_str())?;
            let item = self.replace(
                obj.clone().into_value(),
                rquickjs::String::from_str(self.ctx.clone(), &key)?.into_value(),
                item,
            )?;
            if item.is_undefined() || item.is_function() {
                continue;
            }
            self.separator(&mut first, level);
            write_string(&mut self.out, &key);
            self.out.push(b':');
            if self.space > 0 {
                self.out.push(b' ');
            }
            self.write(&item, level + 1)?;
        }
        self.close(level, b'}');
        Ok(())
    }
}

fn write_string(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            0..=0x1f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}
