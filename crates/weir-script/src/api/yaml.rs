//! `YAML`: `parse(text)`, `stringify(value)`, `decode(data)` and `encode(value)` (→ `Data`).
//!
//! Reading takes the first document of the stream (an empty stream is `null`): mappings
//! become plain objects (keys turned into strings), sequences arrays, and plain scalars are
//! typed by the YAML 1.2 core schema (`null`/`~`, `true`/`false`, integers, floats,
//! `.inf`/`.nan`), quoted ones stay strings. Anchors and aliases are expanded. Malformed
//! YAML throws a `SyntaxError` naming the line and column.
//!
//! Writing is block style with 2-space indentation, no `---` header and no final line
//! break; strings that would
//! read back as something else are quoted. `undefined` and functions are skipped in
//! objects and written as `null` in arrays; a cycle, or nesting deeper than 100, is `null`
//! (as in `JSON.encode`).

use rquickjs::{Coerced, Ctx, Exception, FromJs, Function, Object, Result, Type, Value};
use weir_engine::Data;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

use crate::api::data::new_data;

const MAX_DEPTH: usize = 100;

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let yaml = Object::new(ctx.clone())?;
    yaml.set(
        "parse",
        Function::new(ctx.clone(), parse)?.with_name("parse")?,
    )?;
    yaml.set(
        "decode",
        Function::new(ctx.clone(), decode)?.with_name("decode")?,
    )?;
    yaml.set(
        "stringify",
        Function::new(ctx.clone(), stringify)?.with_name("stringify")?,
    )?;
    yaml.set(
        "encode",
        Function::new(ctx.clone(), encode)?.with_name("encode")?,
    )?;
    ctx.globals().set("YAML", yaml)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Reading

fn read<'js>(ctx: &Ctx<'js>, api: &str, text: &str) -> Result<Value<'js>> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| {
        let m = e.marker();
        Exception::throw_syntax(
            ctx,
            &format!(
                "YAML.{api}(): {} at line {} column {}",
                e.info(),
                m.line(),
                m.col() + 1
            ),
        )
    })?;
    match docs.first() {
        Some(doc) => to_js(ctx, doc),
        None => Ok(Value::new_null(ctx.clone())),
    }
}

fn key_string(y: &Yaml) -> String {
    match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => "null".to_owned(),
        Yaml::Array(_) | Yaml::Hash(_) => {
            let mut out = String::new();
            let mut em = YamlEmitter::new(&mut out);
            em.compact(true);
            let _ = em.dump(y);
            out.trim_start_matches("---").trim().to_owned()
        }
    }
}

fn to_js<'js>(ctx: &Ctx<'js>, y: &Yaml) -> Result<Value<'js>> {
    Ok(match y {
        Yaml::Null | Yaml::BadValue | Yaml::Alias(_) => Value::new_null(ctx.clone()),
        Yaml::Boolean(b) => Value::new_bool(ctx.clone(), *b),
        Yaml::Integer(i) => Value::new_number(ctx.clone(), *i as f64),
        Yaml::Real(_) => Value::new_number(ctx.clone(), y.as_f64().unwrap_or(f64::NAN)),
        Yaml::String(s) => rquickjs::String::from_str(ctx.clone(), s)?.into_value(),
        Yaml::Array(items) => {
            let arr = rquickjs::Array::new(ctx.clone())?;
            for (i, item) in items.iter().enumerate() {
                arr.set(i, to_js(ctx, item)?)?;
            }
            arr.into_value()
        }
        Yaml::Hash(map) => {
            let obj = Object::new(ctx.clone())?;
            for (k, v) in map {
                obj.set(key_string(k), to_js(ctx, v)?)?;
            }
            obj.into_value()
        }
    })
}

fn parse<'js>(ctx: Ctx<'js>, text: Coerced<String>) -> Result<Value<'js>> {
    read(&ctx, "parse", &text.0)
}

fn decode<'js>(ctx: Ctx<'js>, input: Value<'js>) -> Result<Value<'js>> {
    let bytes = crate::api::data::input_bytes(&ctx, &input, "YAML.decode()")?;
    read(&ctx, "decode", &String::from_utf8_lossy(&bytes))
}

// ---------------------------------------------------------------------------------------
// Writing

fn number<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<Yaml> {
    let n = v.as_float().unwrap_or(f64::NAN);
    Ok(if n.is_nan() {
        Yaml::Real(".nan".to_owned())
    } else if n.is_infinite() {
        Yaml::Real(if n > 0.0 { ".inf" } else { "-.inf" }.to_owned())
    } else if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        Yaml::Integer(n as i64)
    } else {
        // JavaScript's own shortest round-trip text (`0.1`, `1e+21`), which YAML reads back.
        Yaml::Real(Coerced::<String>::from_js(ctx, v.clone())?.0)
    })
}

/// JS → YAML; `None` for what is skipped (`undefined`, functions, symbols).
fn from_js<'js>(
    ctx: &Ctx<'js>,
    v: &Value<'js>,
    seen: &mut Vec<Object<'js>>,
) -> Result<Option<Yaml>> {
    Ok(Some(match v.type_of() {
        Type::Undefined
        | Type::Uninitialized
        | Type::Function
        | Type::Constructor
        | Type::Symbol => return Ok(None),
        Type::Null => Yaml::Null,
        Type::Bool => Yaml::Boolean(v.as_bool().unwrap_or(false)),
        Type::Int => Yaml::Integer(i64::from(v.as_int().unwrap_or(0))),
        Type::Float => number(ctx, v)?,
        Type::String => Yaml::String(Coerced::<String>::from_js(ctx, v.clone())?.0),
        Type::BigInt => Yaml::Real(Coerced::<String>::from_js(ctx, v.clone())?.0),
        Type::Array | Type::Object | Type::Exception | Type::Promise | Type::Proxy => {
            let obj = v.as_object().expect("an object").clone();
            if seen.len() >= MAX_DEPTH || seen.contains(&obj) {
                return Ok(Some(Yaml::Null));
            }
            seen.push(obj.clone());
            let out = if let Some(arr) = v.as_array() {
                let mut items = Vec::with_capacity(arr.len());
                for item in arr.iter::<Value>() {
                    items.push(from_js(ctx, &item?, seen)?.unwrap_or(Yaml::Null));
                }
                Yaml::Array(items)
            } else {
                let mut map = Hash::new();
                for prop in obj.props::<String, Value>() {
                    let (k, item) = prop?;
                    if let Some(y) = from_js(ctx, &item, seen)? {
                        map.insert(Yaml::String(k), y);
                    }
                }
                Yaml::Hash(map)
            };
            seen.pop();
            out
        }
        _ => Yaml::String(Coerced::<String>::from_js(ctx, v.clone())?.0),
    }))
}

fn write<'js>(ctx: &Ctx<'js>, api: &str, v: &Value<'js>) -> Result<String> {
    let doc = from_js(ctx, v, &mut Vec::new())?.unwrap_or(Yaml::Null);
    let mut out = String::new();
    YamlEmitter::new(&mut out)
        .dump(&doc)
        .map_err(|e| Exception::throw_internal(ctx, &format!("YAML.{api}(): {e}")))?;
    // The emitter starts every document with `---`; Pipy's output has no header.
    let body = out
        .strip_prefix("---\n")
        .or_else(|| out.strip_prefix("--- "))
        .unwrap_or(&out);
    Ok(body.to_owned())
}

fn stringify<'js>(ctx: Ctx<'js>, v: Value<'js>) -> Result<String> {
    write(&ctx, "stringify", &v)
}

fn encode<'js>(ctx: Ctx<'js>, v: Value<'js>) -> Result<Value<'js>> {
    let s = write(&ctx, "encode", &v)?;
    new_data(&ctx, Data::from(s.into_bytes()))
}
