//! The one table from PipyJS method names to what they build.
//!
//! `grep '"handleData"'` finds one row here and the filter's file. Rows for layout-level
//! methods (`listen`, `task`, `pipeline`, `to`, ...) point into `config.rs`.

pub mod body;
pub mod compress;
pub mod event;
pub mod fork;
pub mod fork_join;
pub mod http;
pub mod io;
pub mod link;
pub mod misc;
pub mod pipe;
pub mod repeat;
pub mod swap;
pub mod throttle;
pub mod tunnel;
pub mod wait;

use std::rc::Rc;

use rquickjs::{Class, Ctx, Result, Value};

use crate::config::{self, Builder, Configuration};
use event::Kind;

pub type Row =
    for<'js> fn(&Ctx<'js>, &Rc<Builder>, &Class<'js, Configuration>, Vec<Value<'js>>) -> Result<()>;

macro_rules! row {
    ($name:literal, |$ctx:ident, $b:ident, $this:ident, $args:ident| $body:expr) => {
        ($name, {
            fn f<'js>(
                $ctx: &Ctx<'js>,
                $b: &Rc<Builder>,
                $this: &Class<'js, Configuration>,
                $args: Vec<Value<'js>>,
            ) -> Result<()> {
                let _ = ($this, $b);
                $body
            }
            f as Row
        })
    };
}

pub static TABLE: &[(&str, Row)] = &[
    // layouts and config-time helpers
    row!("listen", |ctx, b, this, args| config::listen(ctx, b, &args)),
    row!("task", |ctx, b, this, args| config::task(ctx, b, &args)),
    row!("pipeline", |ctx, b, this, args| config::pipeline(
        ctx, b, &args
    )),
    row!("to", |ctx, b, this, args| config::to(ctx, b, &args)),
    row!("export", |ctx, b, this, args| config::export(ctx, b, &args)),
    row!("import", |ctx, b, this, args| config::import(ctx, b, &args)),
    row!("onEnd", |ctx, b, this, args| config::on_end(ctx, b, &args)),
    row!(
        "repeat",
        |ctx, b, this, args| if args.len() == 1 && args[0].is_function() {
            repeat::repeat(ctx, b, &args)
        } else {
            config::repeat(ctx, this, &args)
        }
    ),
    // events
    row!("onStart", |ctx, b, this, args| event::add(
        ctx,
        b,
        "onStart",
        Kind::Start,
        event::Mode::Replace,
        &args
    )),
    row!("insert", |ctx, b, this, args| event::add(
        ctx,
        b,
        "insert",
        Kind::StreamStart,
        event::Mode::Insert,
        &args
    )),
    row!("handleStreamStart", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleStreamStart",
        Kind::StreamStart,
        event::Mode::Handle,
        &args
    )),
    row!("handleData", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleData",
        Kind::Data,
        event::Mode::Handle,
        &args
    )),
    row!("handleMessageStart", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleMessageStart",
        Kind::MessageStart,
        event::Mode::Handle,
        &args
    )),
    row!("handleMessage", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleMessage",
        Kind::Message,
        event::Mode::Handle,
        &args
    )),
    row!("handleMessageEnd", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleMessageEnd",
        Kind::MessageEnd,
        event::Mode::Handle,
        &args
    )),
    row!("handleStreamEnd", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handleStreamEnd",
        Kind::StreamEnd,
        event::Mode::Handle,
        &args
    )),
    row!("replaceStreamStart", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceStreamStart",
        Kind::StreamStart,
        event::Mode::Replace,
        &args
    )),
    row!("replaceData", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceData",
        Kind::Data,
        event::Mode::Replace,
        &args
    )),
    row!("replaceMessageStart", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceMessageStart",
        Kind::MessageStart,
        event::Mode::Replace,
        &args
    )),
    row!("replaceMessage", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceMessage",
        Kind::Message,
        event::Mode::Replace,
        &args
    )),
    row!("replaceMessageEnd", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceMessageEnd",
        Kind::MessageEnd,
        event::Mode::Replace,
        &args
    )),
    row!("replaceStreamEnd", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replaceStreamEnd",
        Kind::StreamEnd,
        event::Mode::Replace,
        &args
    )),
    // joints
    row!("link", |ctx, b, this, args| link::link(ctx, b, &args)),
    row!("use", |ctx, b, this, args| link::use_module(ctx, b, &args)),
    row!("chain", |ctx, b, this, args| link::chain(ctx, b, &args)),
    row!("branch", |ctx, b, this, args| link::branch(
        ctx,
        b,
        this,
        "branch",
        weir_engine::filters::link::Trigger::FirstEvent,
        &args
    )),
    row!("branchMessageStart", |ctx, b, this, args| link::branch(
        ctx,
        b,
        this,
        "branchMessageStart",
        weir_engine::filters::link::Trigger::MessageStart,
        &args
    )),
    row!("branchMessage", |ctx, b, this, args| link::branch(
        ctx,
        b,
        this,
        "branchMessage",
        weir_engine::filters::link::Trigger::Message,
        &args
    )),
    row!("fork", |ctx, b, this, args| fork::fork(ctx, b, &args)),
    row!("replay", |ctx, b, this, args| misc::replay(ctx, b, &args)),
    row!("wait", |ctx, b, this, args| wait::wait(ctx, b, &args)),
    row!("swap", |ctx, b, this, args| swap::swap(ctx, b, &args)),
    // throttles
    row!("throttleMessageRate", |ctx, b, this, args| {
        throttle::throttle(
            ctx,
            b,
            "throttleMessageRate",
            weir_engine::filters::throttle::Measure::MessageRate,
            &args,
        )
    }),
    row!("throttleDataRate", |ctx, b, this, args| throttle::throttle(
        ctx,
        b,
        "throttleDataRate",
        weir_engine::filters::throttle::Measure::DataRate,
        &args
    )),
    row!("throttleConcurrency", |ctx, b, this, args| {
        throttle::throttle(
            ctx,
            b,
            "throttleConcurrency",
            weir_engine::filters::throttle::Measure::Concurrency,
            &args,
        )
    }),
    // HTTP
    row!("demuxHTTP", |ctx, b, this, args| http::demux_http(
        ctx, b, &args
    )),
    row!("serveHTTP", |ctx, b, this, args| http::serve_http(
        ctx, b, &args
    )),
    row!("acceptHTTPTunnel", |ctx, b, this, args| tunnel::accept(
        ctx, b, &args
    )),
    row!("connectHTTPTunnel", |ctx, b, this, args| tunnel::connect(
        ctx, b, &args
    )),
    row!("muxHTTP", |ctx, b, this, args| http::mux_http(
        ctx, b, &args
    )),
    row!("decodeHTTPRequest", |ctx, b, this, args| http::codec(
        ctx,
        b,
        "decodeHTTPRequest",
        &args
    )),
    row!("decodeHTTPResponse", |ctx, b, this, args| http::codec(
        ctx,
        b,
        "decodeHTTPResponse",
        &args
    )),
    row!("encodeHTTPRequest", |ctx, b, this, args| http::codec(
        ctx,
        b,
        "encodeHTTPRequest",
        &args
    )),
    row!("encodeHTTPResponse", |ctx, b, this, args| http::codec(
        ctx,
        b,
        "encodeHTTPResponse",
        &args
    )),
    row!(
        "compressHTTP",
        |ctx, b, this, args| compress::compress_http(ctx, b, &args)
    ),
    row!("decompressHTTP", |ctx, b, this, args| {
        compress::decompress_http(ctx, b, &args)
    }),
    // era C, bodies, splitting, files and processes
    row!("handle", |ctx, b, this, args| event::add(
        ctx,
        b,
        "handle",
        Kind::Any,
        event::Mode::Handle,
        &args
    )),
    row!("replace", |ctx, b, this, args| event::add(
        ctx,
        b,
        "replace",
        Kind::Any,
        event::Mode::Replace,
        &args
    )),
    row!("handleMessageBody", |ctx, b, this, args| body::add(
        ctx,
        b,
        "handleMessageBody",
        body::Mode::Handle,
        &args
    )),
    row!("replaceMessageBody", |ctx, b, this, args| body::add(
        ctx,
        b,
        "replaceMessageBody",
        body::Mode::Replace,
        &args
    )),
    row!("split", |ctx, b, this, args| body::split(ctx, b, &args)),
    row!("pipe", |ctx, b, this, args| pipe::pipe(ctx, b, &args)),
    row!("pipeNext", |ctx, b, this, args| pipe::pipe_next(
        ctx, b, &args
    )),
    row!("forkJoin", |ctx, b, this, args| fork_join::fork_join(
        ctx,
        b,
        weir_engine::filters::fork_join::ForkMode::Join,
        &args
    )),
    row!("forkRace", |ctx, b, this, args| fork_join::fork_join(
        ctx,
        b,
        weir_engine::filters::fork_join::ForkMode::Race,
        &args
    )),
    row!("loop", |ctx, b, this, args| repeat::loop_filter(
        ctx, b, &args
    )),
    row!("read", |ctx, b, this, args| io::read(ctx, b, &args)),
    row!("exec", |ctx, b, this, args| io::exec(ctx, b, &args)),
    // I/O and debugging
    row!("connect", |ctx, b, this, args| misc::connect(ctx, b, &args)),
    row!("dump", |ctx, b, this, args| misc::dump(ctx, b, &args)),
    row!("print", |ctx, b, this, args| misc::print(ctx, b, &args)),
    row!("tee", |ctx, b, this, args| misc::tee(ctx, b, &args)),
    row!("dummy", |ctx, b, this, args| misc::dummy(ctx, b, &args)),
];
