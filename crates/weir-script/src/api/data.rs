//! `Data`: the byte chunks that flow through pipelines, as a JS class.

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, Exception, Function, JsLifetime, Result, Value};
use weir_engine::{Data, Encoding};

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Data")]
pub struct JsData {
    #[qjs(skip_trace)]
    pub data: Data,
}

fn encoding(ctx: &Ctx<'_>, enc: Opt<String>) -> Result<Encoding> {
    match enc.0 {
        None => Ok(Encoding::Utf8),
        Some(name) => Encoding::parse(&name)
            .ok_or_else(|| Exception::throw_type(ctx, &format!("unknown encoding '{name}'"))),
    }
}

/// Reads a JS value as bytes: a Data, a string (UTF-8) or an array of byte values.
pub fn to_data<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<Data> {
    if v.is_undefined() || v.is_null() {
        return Ok(Data::new());
    }
    if let Ok(d) = Class::<JsData>::from_value(v) {
        return Ok(d.borrow().data.clone());
    }
    if let Some(s) = v.as_string() {
        return Ok(Data::from(s.to_string()?));
    }
    if let Some(arr) = v.as_array() {
        let mut bytes = Vec::with_capacity(arr.len());
        for b in arr.iter::<f64>() {
            bytes.push(b? as i64 as u8);
        }
        return Ok(Data::from(bytes));
    }
    if let Some(n) = v.as_number() {
        return Ok(Data::from(n.to_string()));
    }
    Err(Exception::throw_type(
        ctx,
        "expected a Data, a string or an array of bytes",
    ))
}

/// The bytes of a `Data` or a string (as UTF-8), for the `decode()` functions; `what`
/// names the caller in the error.
pub fn input_bytes<'js>(ctx: &Ctx<'js>, input: &Value<'js>, what: &str) -> Result<bytes::Bytes> {
    if let Ok(d) = Class::<JsData>::from_value(input) {
        return Ok(d.borrow().data.to_bytes());
    }
    if let Some(s) = input.as_string() {
        return Ok(bytes::Bytes::from(s.to_string()?));
    }
    Err(Exception::throw_type(
        ctx,
        &format!(
            "{what}: expected a Data, got {}",
            crate::value::type_name(input)
        ),
    ))
}

pub fn new_data<'js>(ctx: &Ctx<'js>, data: Data) -> Result<Value<'js>> {
    Ok(Class::instance(ctx.clone(), JsData { data })?.into_value())
}

fn predicate<'js>(f: Function<'js>) -> impl FnMut(u8) -> bool + 'js {
    move |b| {
        f.call::<_, Value>((b,))
            .map(|v| truthy(&v))
            .unwrap_or(false)
    }
}

pub fn truthy(v: &Value<'_>) -> bool {
    if let Some(b) = v.as_bool() {
        return b;
    }
    if let Some(n) = v.as_number() {
        return n != 0.0 && !n.is_nan();
    }
    if let Some(s) = v.as_string() {
        return s.to_string().map(|s| !s.is_empty()).unwrap_or(false);
    }
    !(v.is_undefined() || v.is_null())
}

#[rquickjs::methods]
impl JsData {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, init: Opt<Value<'js>>) -> Result<JsData> {
        let data = match init.0 {
            Some(v) => to_data(&ctx, &v)?,
            None => Data::new(),
        };
        Ok(JsData { data })
    }

    #[qjs(static)]
    pub fn from<'js>(ctx: Ctx<'js>, s: String, enc: Opt<String>) -> Result<JsData> {
        let enc = encoding(&ctx, enc)?;
        match Data::from_encoded(&s, enc) {
            Ok(data) => Ok(JsData { data }),
            Err(e) => Err(Exception::throw_type(&ctx, &e.to_string())),
        }
    }

    #[qjs(get)]
    pub fn size(&self) -> f64 {
        self.data.len() as f64
    }

    pub fn push<'js>(&mut self, ctx: Ctx<'js>, v: Value<'js>) -> Result<()> {
        let d = to_data(&ctx, &v)?;
        self.data.push(d);
        Ok(())
    }

    pub fn shift<'js>(&mut self, ctx: Ctx<'js>, n: f64) -> Result<Value<'js>> {
        let n = if n.is_finite() && n > 0.0 {
            n as usize
        } else {
            0
        };
        new_data(&ctx, self.data.shift(n))
    }

    pub fn pop<'js>(&mut self, ctx: Ctx<'js>, n: f64) -> Result<Value<'js>> {
        let n = if n.is_finite() && n > 0.0 {
            n as usize
        } else {
            0
        };
        new_data(&ctx, self.data.pop(n))
    }

    #[qjs(rename = "shiftTo")]
    pub fn shift_to<'js>(&mut self, ctx: Ctx<'js>, f: Function<'js>) -> Result<Value<'js>> {
        let d = self.data.shift_to(predicate(f));
        new_data(&ctx, d)
    }

    #[qjs(rename = "shiftWhile")]
    pub fn shift_while<'js>(&mut self, ctx: Ctx<'js>, f: Function<'js>) -> Result<Value<'js>> {
        let d = self.data.shift_while(predicate(f));
        new_data(&ctx, d)
    }

    #[qjs(rename = "toArray")]
    pub fn to_array(&self) -> Vec<u8> {
        self.data.to_vec()
    }

    #[qjs(rename = "toString")]
    pub fn to_string<'js>(&self, ctx: Ctx<'js>, enc: Opt<String>) -> Result<String> {
        let enc = encoding(&ctx, enc)?;
        Ok(self.data.encode(enc))
    }
}
