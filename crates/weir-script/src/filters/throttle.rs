//! Rows for `throttleMessageRate`, `throttleDataRate` and `throttleConcurrency` (the filter
//! is `weir_engine::filters::throttle`). The quota can be an `algo.Quota`, a number or a
//! size string (per second for the rates), or a function returning either per stream; the
//! old `(quota, account)` form keeps one bucket per account key.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rquickjs::{Class, Ctx, Result, Value};
use weir_algo::{Quota, QuotaOptions};
use weir_engine::filters::throttle::{Bucket, BucketFn, Measure, Throttle};

use crate::api::algo::quota::JsQuota;
use crate::config::{throw, Builder};
use crate::js::Callback;

/// A bucket from a script value: an `algo.Quota`, or an amount (number or size string).
fn bucket_of<'js>(v: &Value<'js>, measure: Measure) -> std::result::Result<Bucket, String> {
    if let Ok(q) = Class::<JsQuota>::from_value(v) {
        return Ok(q.borrow().bucket());
    }
    let amount = if let Some(n) = v.as_number().or_else(|| v.as_int().map(f64::from)) {
        n
    } else if let Some(s) = v.as_string() {
        let s = s.to_string().map_err(|e| e.to_string())?;
        weir_engine::options::parse_size(&s).map_err(|e| e.to_string())? as f64
    } else {
        return Err(format!(
            "expected an algo.Quota, a number or a size, not {}",
            crate::value::type_name(v)
        ));
    };
    let per = (measure != Measure::Concurrency).then_some(Duration::from_secs(1));
    let q = Quota::new(
        amount,
        QuotaOptions {
            per,
            ..QuotaOptions::default()
        },
    )
    .map_err(|e| e.to_string())?;
    Ok(Arc::new(Mutex::new(q)))
}

pub fn throttle<'js>(
    ctx: &Ctx<'js>,
    b: &Rc<Builder>,
    method: &'static str,
    measure: Measure,
    args: &[Value<'js>],
) -> Result<()> {
    let quota = args
        .first()
        .cloned()
        .ok_or_else(|| throw(ctx, format!("{method}(): expected a quota")))?;
    let second = args.get(1).cloned();
    let block_input = match second
        .as_ref()
        .and_then(|v| v.as_object())
        .filter(|_| !second.as_ref().is_some_and(|v| v.is_function()))
    {
        Some(o) => crate::opts::boolean(ctx, o, "blockInput", method)?.unwrap_or(false),
        None => false,
    };
    // Era A: a second argument that is a string or a function is the account key.
    let account: Option<Callback> = second
        .as_ref()
        .and_then(|v| v.as_function())
        .map(|f| Callback::new(ctx, f.clone()));
    let fixed_account = second
        .as_ref()
        .and_then(|v| v.as_string())
        .map(|s| s.to_string())
        .transpose()?;

    let find: BucketFn = if let Some(f) = quota.as_function() {
        let cb = Callback::new(ctx, f.clone());
        Rc::new(move |cx| {
            cb.call(
                cx.context(),
                method,
                |_| Ok(Vec::new()),
                |_, v| bucket_of(&v, measure).map_err(|e| format!("{method}(): {e}")),
            )
        })
    } else if account.is_some() || fixed_account.is_some() {
        let buckets: Rc<RefCell<HashMap<String, Bucket>>> = Rc::new(RefCell::new(HashMap::new()));
        let template = quota.clone();
        let amount =
            bucket_of(&template, measure).map_err(|e| throw(ctx, format!("{method}(): {e}")))?;
        let amount = amount.lock().map(|q| q.initial()).unwrap_or(0.0);
        Rc::new(move |cx| {
            let key = match (&account, &fixed_account) {
                (Some(cb), _) => cb.call(
                    cx.context(),
                    method,
                    |_| Ok(Vec::new()),
                    |_, v| Ok(crate::api::pipy::show(v.ctx(), std::slice::from_ref(&v))),
                )?,
                (None, Some(k)) => k.clone(),
                (None, None) => String::new(),
            };
            let mut map = buckets.borrow_mut();
            if let Some(b) = map.get(&key) {
                return Ok(b.clone());
            }
            let per = (measure != Measure::Concurrency).then_some(Duration::from_secs(1));
            let q = Quota::new(
                amount,
                QuotaOptions {
                    per,
                    ..QuotaOptions::default()
                },
            )
            .map_err(|_| ())?;
            let b = Arc::new(Mutex::new(q));
            map.insert(key, b.clone());
            Ok(b)
        })
    } else {
        let b = bucket_of(&quota, measure).map_err(|e| throw(ctx, format!("{method}(): {e}")))?;
        Rc::new(move |_| Ok(b.clone()))
    };
    b.add(
        ctx,
        method,
        Rc::new(Throttle {
            measure,
            bucket: find,
            block_input,
        }),
    )
}
