//! weir's engine: events, `Data`, filters, pipeline recipes and instances, contexts and the
//! per-thread event queue. No sockets and no JavaScript here: those live in `weir-net` and
//! `weir-script`.

pub mod activity;
mod chunks;
pub mod context;
pub mod data;
pub mod event;
pub mod filters;
pub mod http;
pub mod options;
pub mod pipeline;
pub mod sched;
pub mod tap;

pub use context::{Context, ContextData, InboundInfo};
pub use data::{Data, DecodeError, Encoding};
pub use event::{
    ErrorCode, Event, EventKind, Head, HeadValue, Message, MessageEnd, MessageReader, MessageStart,
    StreamEnd,
};
pub use pipeline::{
    ChainPos, Emitter, Filter, FilterCx, FilterFactory, Layout, LayoutRef, Pipeline,
};
pub use sched::{EventSink, Target};
