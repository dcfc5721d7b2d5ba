//! `algo.URLRouter`: `new URLRouter({pattern: value, ...})`, `.add(pattern, value)`,
//! `.find(...segments)`. Values are any script values, kept alive by the router.

use rquickjs::class::Trace;
use rquickjs::function::{Opt, Rest};
use std::cell::RefCell;

use rquickjs::convert::Coerced;
use rquickjs::{Ctx, FromJs, JsLifetime, Persistent, Result, Value};
use weir_algo::UrlRouter;

use super::describe;
use crate::config::throw;

type Routes = UrlRouter<Persistent<Value<'static>>>;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "URLRouter")]
pub struct URLRouter {
    #[qjs(skip_trace)]
    routes: Routes,
}

fn add<'js>(
    ctx: &Ctx<'js>,
    routes: &mut Routes,
    pattern: &str,
    value: Value<'js>,
    what: &str,
) -> Result<()> {
    routes
        .add(pattern, Persistent::save(ctx, value))
        .map(|_| ())
        .map_err(|e| throw(ctx, format!("{what}: {e}")))
}

#[rquickjs::methods]
impl URLRouter {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, rules: Opt<Value<'js>>) -> Result<URLRouter> {
        let mut routes = Routes::new();
        match rules.0 {
            None => {}
            Some(v) if v.is_undefined() || v.is_null() => {}
            Some(v) => {
                let Some(obj) = v.as_object().filter(|_| !v.is_array() && !v.is_function()) else {
                    return Err(throw(
                        &ctx,
                        format!(
                            "URLRouter(): expected an object of routes, got {}",
                            describe(Some(&v))
                        ),
                    ));
                };
                for prop in obj.props::<String, Value>() {
                    let (k, v) = prop?;
                    add(&ctx, &mut routes, &k, v, "URLRouter()")?;
                }
            }
        }
        Ok(URLRouter { routes })
    }

    pub fn add<'js>(
        &mut self,
        ctx: Ctx<'js>,
        pattern: Value<'js>,
        value: Opt<Value<'js>>,
    ) -> Result<()> {
        let Some(p) = pattern.as_string() else {
            return Err(throw(
                &ctx,
                format!(
                    "URLRouter.add(): the pattern must be a string, got {}",
                    describe(Some(&pattern))
                ),
            ));
        };
        let p = p.to_string()?;
        let value = value.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        add(&ctx, &mut self.routes, &p, value, "URLRouter.add()")
    }

    /// `find(...segments)`: the segments are joined like a path (`null`/`undefined` skipped,
    /// others converted to strings) and looked up. Strings are read without copying them
    /// and joined in a reused per-thread buffer, so the usual `find(host, path)` allocates
    /// nothing.
    pub fn find<'js>(
        &self,
        ctx: Ctx<'js>,
        first: Opt<Value<'js>>,
        second: Opt<Value<'js>>,
        rest: Rest<Value<'js>>,
    ) -> Result<Value<'js>> {
        if let (Some(v), None) = (&first.0, &second.0) {
            if let Some(s) = v.as_string() {
                let s = rquickjs::CString::from_string(s.clone())?;
                return found(&ctx, self.routes.find_url(s.as_str()));
            }
        }
        let segments = first.0.iter().chain(second.0.iter()).chain(rest.0.iter());
        URL.with(|buf| {
            let mut own = String::new();
            let mut shared = buf.try_borrow_mut();
            let url = match &mut shared {
                Ok(b) => &mut **b,
                Err(_) => &mut own,
            };
            url.clear();
            for v in segments {
                if v.is_undefined() || v.is_null() {
                    continue;
                }
                match v.as_string() {
                    Some(s) => {
                        push_segment(url, rquickjs::CString::from_string(s.clone())?.as_str())
                    }
                    None => push_segment(url, &Coerced::<String>::from_js(&ctx, v.clone())?.0),
                }
            }
            found(&ctx, self.routes.find_url(url))
        })
    }
}

thread_local! {
    /// The join buffer of `find` with several segments.
    static URL: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Appends a segment as `UrlRouter::find` joins them (Pipy's `path_join`): the first as is,
/// then exactly one `/` between segments.
fn push_segment(url: &mut String, seg: &str) {
    if url.is_empty() {
        url.push_str(seg);
        return;
    }
    match (url.ends_with('/'), seg.strip_prefix('/')) {
        (true, Some(tail)) => url.push_str(tail),
        (false, None) => {
            url.push('/');
            url.push_str(seg);
        }
        _ => url.push_str(seg),
    }
}

fn found<'js>(ctx: &Ctx<'js>, v: Option<&Persistent<Value<'static>>>) -> Result<Value<'js>> {
    match v {
        Some(v) => v.clone().restore(ctx),
        None => Ok(Value::new_undefined(ctx.clone())),
    }
}
