//! Rows for `acceptHTTPTunnel` and `connectHTTPTunnel` (the filters live in
//! `weir_engine::filters::http::tunnel`).

use std::rc::Rc;

use rquickjs::{Ctx, Result, Value};
use weir_codec::http1::{Header, RequestHead, Version};
use weir_engine::event::MessageStart;
use weir_engine::filters::http::tunnel::{AcceptTunnel, ConnectTunnel, RequestFn};
use weir_engine::http::{status_head, HttpRequest};
use weir_engine::{Event, LayoutRef};

use super::http::{message_handler, sub_layout};
use crate::config::{throw, Builder};
use crate::js::Callback;
use crate::value::{push_events, type_name};

/// `acceptHTTPTunnel(handler).to(...)`, era A `acceptHTTPTunnel('name', handler)`. The
/// handler answers the request; `undefined` accepts with `200 OK`.
pub fn accept<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let mut rest = args;
    let layout = sub_layout(ctx, b, &mut rest)?;
    let Some(f) = rest.first().and_then(|v| v.as_function()) else {
        return Err(throw(
            ctx,
            "acceptHTTPTunnel(): expected a function (request) => response",
        ));
    };
    let accepted = vec![
        Event::MessageStart(MessageStart {
            head: Some(status_head(200)),
        }),
        Event::MessageEnd(Default::default()),
    ];
    let handler = message_handler(ctx, f, "acceptHTTPTunnel()", Some(accepted));
    b.add(
        ctx,
        "acceptHTTPTunnel",
        Rc::new(AcceptTunnel { handler, layout }),
    )
}

/// `connectHTTPTunnel(target | Message | fn).to(...)`, era A
/// `connectHTTPTunnel('name', target)`. A target string `host:port` becomes
/// `CONNECT host:port` with a `host` field.
pub fn connect<'js>(ctx: &Ctx<'js>, b: &Rc<Builder>, args: &[Value<'js>]) -> Result<()> {
    let mut rest = args;
    let layout: Rc<LayoutRef> = if args.len() >= 2 {
        sub_layout(ctx, b, &mut rest)?
    } else {
        b.expect_to()
    };
    let Some(arg) = rest.first().cloned() else {
        return Err(throw(
            ctx,
            "connectHTTPTunnel(): expected a target, a CONNECT Message or a function",
        ));
    };
    let request: RequestFn = if let Some(f) = arg.as_function() {
        let cb = Callback::new(ctx, f.clone());
        Rc::new(move |cx| {
            cb.call(
                cx.context(),
                "connectHTTPTunnel()",
                |_| Ok(Vec::new()),
                request_events,
            )
        })
    } else {
        let events = request_events(ctx, arg)
            .map_err(|e| throw(ctx, format!("connectHTTPTunnel(): {e}")))?;
        Rc::new(move |_| Ok(events.clone()))
    };
    b.add(
        ctx,
        "connectHTTPTunnel",
        Rc::new(ConnectTunnel { request, layout }),
    )
}

/// The CONNECT request's events from a target string or a Message.
fn request_events<'js>(ctx: &Ctx<'js>, v: Value<'js>) -> std::result::Result<Vec<Event>, String> {
    if let Some(s) = v.as_string() {
        let target = s.to_string().map_err(|e| e.to_string())?;
        if target.is_empty() || target.bytes().any(|c| c <= b' ' || c == 0x7f) {
            return Err(format!("bad tunnel target '{target}'"));
        }
        let head = RequestHead {
            method: "CONNECT".to_string(),
            path: target.clone(),
            version: Version::Http11,
            headers: vec![Header::new("host", target)],
        };
        return Ok(vec![
            Event::MessageStart(MessageStart {
                head: Some(HttpRequest::new(head)),
            }),
            Event::MessageEnd(Default::default()),
        ]);
    }
    let mut events = Vec::new();
    let r = push_events(ctx, v.clone(), &mut events);
    if r.is_err() || !matches!(events.first(), Some(Event::MessageStart(_))) {
        return Err(format!(
            "expected a target or a CONNECT Message, not {}",
            type_name(&v)
        ));
    }
    Ok(events)
}
