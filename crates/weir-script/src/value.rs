//! Events between Rust and JS.
//!
//! Heads and tails made by scripts stay JS values ([`JsHead`]); Data is wrapped without
//! copying bytes. A value returned by `onStart` or `replace*` must be events: a Data, a
//! Message, a MessageStart/MessageEnd/StreamEnd, or an array of those; anything else is
//! an error the caller reports.

use std::cell::RefCell;
use std::rc::Rc;

use rquickjs::{Class, Constructor, Ctx, Object, Persistent, Result, Value};
use weir_engine::{
    ErrorCode, Event, Head, HeadValue, Message, MessageEnd, MessageStart, StreamEnd,
};

use crate::api::data::{new_data, to_data, JsData};

/// A head, tail or payload that is a JS value.
pub struct JsHead(pub Persistent<Value<'static>>);

impl HeadValue for JsHead {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn describe(&self) -> String {
        crate::js::enter_keep(|ctx| {
            self.0
                .clone()
                .restore(ctx)
                .ok()
                .and_then(|v| ctx.json_stringify(v).ok().flatten())
                .and_then(|s| s.to_string().ok())
                .unwrap_or_else(|| "[object]".to_string())
        })
        .unwrap_or_default()
    }
    fn to_request(&self) -> Option<weir_codec::http1::RequestHead> {
        crate::js::enter_keep(|ctx| {
            let v = self.0.clone().restore(ctx).ok()?;
            v.as_object().map(crate::http_head::request_from_js)
        })
        .flatten()
    }
    fn to_response(&self) -> Option<weir_codec::http1::ResponseHead> {
        crate::js::enter_keep(|ctx| {
            let v = self.0.clone().restore(ctx).ok()?;
            v.as_object().map(crate::http_head::response_from_js)
        })
        .flatten()
    }
    fn header(&self, name: &str) -> Option<String> {
        crate::js::enter_keep(|ctx| {
            let v = self.0.clone().restore(ctx).ok()?;
            crate::http_head::get_header(v.as_object()?, name)
        })
        .flatten()
    }
    fn with_headers(&self, edits: &[(&str, Option<&str>)]) -> Option<Head> {
        crate::js::enter_keep(|ctx| {
            let v = self.0.clone().restore(ctx).ok()?;
            let copy = crate::http_head::copy_with_headers(ctx, v.as_object()?, edits).ok()?;
            Some(Rc::new(JsHead(Persistent::save(ctx, copy.into_value()))) as Head)
        })
        .flatten()
    }
}

/// A JS value kept by the engine (a pipeline's start argument or result).
pub struct JsValue(pub Persistent<Value<'static>>);

/// The pipeline's start argument: what was passed in, else its inbound object (if any).
pub fn start_arg<'js>(ctx: &Ctx<'js>, p: &weir_engine::Pipeline) -> Result<Value<'js>> {
    if let Some(v) = p
        .arg
        .borrow()
        .as_ref()
        .and_then(|a| a.downcast_ref::<JsValue>())
    {
        return v.0.clone().restore(ctx);
    }
    if p.context.inbound.is_some() {
        if let Some(slots) = p.context.data_as::<crate::module::Slots>() {
            let arr = slots.0.clone().restore(ctx)?;
            return arr.get(crate::module::INBOUND_SLOT);
        }
    }
    Ok(Value::new_undefined(ctx.clone()))
}

/// The prelude's event classes, kept per thread.
pub(crate) struct Classes {
    pub message_start: Persistent<Constructor<'static>>,
    pub message_end: Persistent<Constructor<'static>>,
    pub stream_end: Persistent<Constructor<'static>>,
    pub message: Persistent<Constructor<'static>>,
}

thread_local! {
    static CLASSES: RefCell<Option<Rc<Classes>>> = const { RefCell::new(None) };
}

pub(crate) fn install_classes(c: Classes) {
    CLASSES.with(|x| *x.borrow_mut() = Some(Rc::new(c)));
}

pub(crate) fn uninstall_classes() {
    CLASSES.with(|x| x.borrow_mut().take());
}

fn classes(ctx: &Ctx<'_>) -> Result<Rc<Classes>> {
    CLASSES
        .with(|x| x.borrow().clone())
        .ok_or_else(|| rquickjs::Exception::throw_internal(ctx, "event classes are not set up"))
}

fn is_instance<'js>(ctx: &Ctx<'js>, v: &Object<'js>, c: &Persistent<Constructor<'static>>) -> bool {
    c.clone()
        .restore(ctx)
        .ok()
        .and_then(|c| c.get::<_, Object>("prototype").ok())
        .is_some_and(|proto| v.get_prototype().is_some_and(|p| p == proto))
}

pub fn head_to_js<'js>(ctx: &Ctx<'js>, head: &Option<Head>) -> Result<Value<'js>> {
    match head {
        Some(h) => match h.as_any().downcast_ref::<JsHead>() {
            Some(j) => j.0.clone().restore(ctx),
            None => crate::http_head::typed_head_to_js(ctx, h)
                .unwrap_or_else(|| Ok(Value::new_undefined(ctx.clone()))),
        },
        None => Ok(Value::new_undefined(ctx.clone())),
    }
}

pub fn js_to_head<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> Option<Head> {
    if v.is_undefined() || v.is_null() {
        None
    } else {
        Some(Rc::new(JsHead(Persistent::save(ctx, v))))
    }
}

pub fn event_to_js<'js>(ctx: &Ctx<'js>, evt: &Event) -> Result<Value<'js>> {
    let c = classes(ctx)?;
    match evt {
        Event::Data(d) => new_data(ctx, d.clone()),
        Event::MessageStart(m) => {
            let k = c.message_start.clone().restore(ctx)?;
            k.construct((head_to_js(ctx, &m.head)?,))
        }
        Event::MessageEnd(m) => {
            let k = c.message_end.clone().restore(ctx)?;
            k.construct((head_to_js(ctx, &m.tail)?, head_to_js(ctx, &m.payload)?))
        }
        Event::StreamEnd(s) => {
            let k = c.stream_end.clone().restore(ctx)?;
            let code: Value = match s.error {
                Some(e) => rquickjs::String::from_str(ctx.clone(), e.name())?.into_value(),
                None => Value::new_undefined(ctx.clone()),
            };
            k.construct((code,))
        }
    }
}

pub fn message_to_js<'js>(ctx: &Ctx<'js>, msg: &Message) -> Result<Value<'js>> {
    let c = classes(ctx)?;
    let k = c.message.clone().restore(ctx)?;
    let body = new_data(ctx, msg.body.clone())?;
    let obj: Object = k.construct((
        head_to_js(ctx, &msg.head)?,
        body,
        head_to_js(ctx, &msg.tail)?,
    ))?;
    obj.set("payload", head_to_js(ctx, &msg.payload)?)?;
    Ok(obj.into_value())
}

/// What a script value means as output events.
pub enum Output<'js> {
    Events(Vec<Event>),
    /// The caller waits for it (see `filters::event`).
    Promise(#[allow(dead_code)] rquickjs::Promise<'js>),
}

/// Converts a callback result to events. `undefined` is no events.
pub fn to_output<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> std::result::Result<Output<'js>, String> {
    if let Some(p) = v.as_promise() {
        return Ok(Output::Promise(p.clone()));
    }
    let mut out = Vec::new();
    push_events(ctx, v, &mut out)?;
    Ok(Output::Events(out))
}

pub fn push_events<'js>(
    ctx: &Ctx<'js>,
    v: Value<'js>,
    out: &mut Vec<Event>,
) -> std::result::Result<(), String> {
    if v.is_undefined() || v.is_null() {
        return Ok(());
    }
    if let Ok(d) = Class::<JsData>::from_value(&v) {
        out.push(Event::Data(d.borrow().data.clone()));
        return Ok(());
    }
    if let Some(arr) = v.as_array() {
        for item in arr.iter::<Value>() {
            push_events(ctx, item.map_err(|e| e.to_string())?, out)?;
        }
        return Ok(());
    }
    let c = classes(ctx).map_err(|e| e.to_string())?;
    let Some(obj) = v.as_object() else {
        return Err(format!("expected events but got {}", type_name(&v)));
    };
    let get = |k: &str| obj.get::<_, Value>(k).map_err(|e| e.to_string());
    if is_instance(ctx, obj, &c.message_start) {
        out.push(Event::MessageStart(MessageStart {
            head: js_to_head(ctx, get("head")?),
        }));
    } else if is_instance(ctx, obj, &c.message_end) {
        out.push(Event::MessageEnd(MessageEnd {
            tail: js_to_head(ctx, get("tail")?),
            payload: js_to_head(ctx, get("payload")?),
        }));
    } else if is_instance(ctx, obj, &c.stream_end) {
        let err = get("error")?;
        let error = match err.as_string() {
            Some(s) => {
                let name = s.to_string().map_err(|e| e.to_string())?;
                Some(
                    ErrorCode::parse(&name)
                        .ok_or_else(|| format!("unknown StreamEnd error '{name}'"))?,
                )
            }
            None => None,
        };
        out.push(Event::StreamEnd(StreamEnd { error }));
    } else if is_instance(ctx, obj, &c.message) {
        let body = to_data(ctx, &get("body")?).map_err(|e| e.to_string())?;
        let msg = Message {
            head: js_to_head(ctx, get("head")?),
            body,
            tail: js_to_head(ctx, get("tail")?),
            payload: js_to_head(ctx, get("payload")?),
        };
        msg.into_events(&mut |e| out.push(e));
    } else {
        return Err(format!("expected events but got {}", type_name(&v)));
    }
    Ok(())
}

pub fn type_name(v: &Value<'_>) -> String {
    if let Some(s) = v.as_string() {
        return format!("string '{}'", s.to_string().unwrap_or_default());
    }
    if let Some(n) = v.as_number() {
        return format!("number {n}");
    }
    if v.is_bool() {
        return format!("boolean {}", v.as_bool().unwrap_or_default());
    }
    if v.is_function() {
        return "a function".to_string();
    }
    if v.is_object() {
        return "an object".to_string();
    }
    format!("{:?}", v.type_of())
}
