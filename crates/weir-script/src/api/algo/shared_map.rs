//! `algo.SharedMap(name)`: a string-keyed map shared by every worker thread (the same name
//! gives the same map). It holds plain data only: `undefined`, `null`, booleans, numbers,
//! strings, `Data`, and values JSON can carry (objects and arrays are stored as JSON text
//! and come back as fresh copies). `.get/.set/.has/.delete/.clear/.size`, and `.add(key, n)`
//! / `.sub(key, n)`, which update a number atomically and return the new value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, JsLifetime, Result, Value};

use super::{describe, number_arg};
use crate::api::data::{new_data, JsData};
use crate::config::throw;

enum Shared {
    Undefined,
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Data(Vec<u8>),
    Json(String),
}

type Map = Arc<Mutex<HashMap<String, Shared>>>;

fn maps() -> &'static Mutex<HashMap<String, Map>> {
    static MAPS: OnceLock<Mutex<HashMap<String, Map>>> = OnceLock::new();
    MAPS.get_or_init(Default::default)
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "SharedMap")]
pub struct JsSharedMap {
    #[qjs(skip_trace)]
    map: Map,
}

fn key<'js>(ctx: &Ctx<'js>, v: Option<&Value<'js>>, what: &str) -> Result<String> {
    match v.and_then(|v| v.as_string()) {
        Some(s) => s.to_string(),
        None => Err(throw(
            ctx,
            format!("{what}: the key must be a string, got {}", describe(v)),
        )),
    }
}

fn to_shared<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<Shared> {
    if v.is_undefined() {
        return Ok(Shared::Undefined);
    }
    if v.is_null() {
        return Ok(Shared::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Shared::Bool(b));
    }
    if let Some(n) = v.as_number() {
        return Ok(Shared::Number(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Shared::Str(s.to_string()?));
    }
    if let Ok(d) = Class::<JsData>::from_value(v) {
        return Ok(Shared::Data(d.borrow().data.to_vec()));
    }
    if v.is_object() && !v.is_function() {
        if let Some(s) = ctx.json_stringify(v.clone())? {
            return Ok(Shared::Json(s.to_string()?));
        }
    }
    Err(throw(
        ctx,
        format!(
            "SharedMap.set(): only plain data can be shared across threads, not {}",
            describe(Some(v))
        ),
    ))
}

fn to_js<'js>(ctx: &Ctx<'js>, v: &Shared) -> Result<Value<'js>> {
    Ok(match v {
        Shared::Undefined => Value::new_undefined(ctx.clone()),
        Shared::Null => Value::new_null(ctx.clone()),
        Shared::Bool(b) => Value::new_bool(ctx.clone(), *b),
        Shared::Number(n) => Value::new_number(ctx.clone(), *n),
        Shared::Str(s) => rquickjs::String::from_str(ctx.clone(), s)?.into_value(),
        Shared::Data(b) => new_data(ctx, weir_engine::Data::from(b.clone()))?,
        Shared::Json(s) => ctx.json_parse(s.as_str())?,
    })
}

impl JsSharedMap {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Shared>> {
        // Poisoning means a panic elsewhere mid-update of a plain map; its data is intact.
        self.map.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn update<'js>(
        &self,
        ctx: &Ctx<'js>,
        k: Opt<Value<'js>>,
        n: Opt<Value<'js>>,
        sign: f64,
        what: &str,
    ) -> Result<f64> {
        let k = key(ctx, k.0.as_ref(), what)?;
        let n = number_arg(ctx, n.0.as_ref(), what)?;
        let mut map = self.lock();
        let old = match map.get(&k) {
            None => 0.0,
            Some(Shared::Number(x)) => *x,
            Some(_) => {
                return Err(throw(
                    ctx,
                    format!("{what}: the value of '{k}' is not a number"),
                ))
            }
        };
        let new = old + sign * n;
        map.insert(k, Shared::Number(new));
        Ok(new)
    }
}

#[rquickjs::methods]
impl JsSharedMap {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, name: Opt<Value<'js>>) -> Result<JsSharedMap> {
        let name = key(&ctx, name.0.as_ref(), "SharedMap()")?;
        let mut all = maps().lock().unwrap_or_else(|e| e.into_inner());
        let map = all.entry(name).or_default().clone();
        Ok(JsSharedMap { map })
    }

    #[qjs(get)]
    pub fn size(&self) -> f64 {
        self.lock().len() as f64
    }

    pub fn get<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>) -> Result<Value<'js>> {
        let k = key(&ctx, k.0.as_ref(), "SharedMap.get()")?;
        let map = self.lock();
        match map.get(&k) {
            Some(v) => to_js(&ctx, v),
            None => Ok(Value::new_undefined(ctx.clone())),
        }
    }

    pub fn set<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>, v: Opt<Value<'js>>) -> Result<()> {
        let k = key(&ctx, k.0.as_ref(), "SharedMap.set()")?;
        let v = v.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        let v = to_shared(&ctx, &v)?;
        self.lock().insert(k, v);
        Ok(())
    }

    pub fn has<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>) -> Result<bool> {
        let k = key(&ctx, k.0.as_ref(), "SharedMap.has()")?;
        Ok(self.lock().contains_key(&k))
    }

    pub fn delete<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>) -> Result<bool> {
        let k = key(&ctx, k.0.as_ref(), "SharedMap.delete()")?;
        Ok(self.lock().remove(&k).is_some())
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    pub fn add<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>, n: Opt<Value<'js>>) -> Result<f64> {
        self.update(&ctx, k, n, 1.0, "SharedMap.add()")
    }

    pub fn sub<'js>(&self, ctx: Ctx<'js>, k: Opt<Value<'js>>, n: Opt<Value<'js>>) -> Result<f64> {
        self.update(&ctx, k, n, -1.0, "SharedMap.sub()")
    }
}
