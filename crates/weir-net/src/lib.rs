//! weir's socket layer: TCP listeners, inbound connections and the `connect` filter.
//!
//! Sockets are driven by tasks on the worker's current-thread runtime. They talk to the
//! pipelines only through the engine's event queue: readers push events (under their
//! back-pressure [`weir_engine::tap::Tap`]), writers are event sinks with bounded buffers.

pub mod connect;
pub mod exec;
pub mod listener;
mod notify;
pub mod post;
pub mod writer;

pub use connect::{Connect, ConnectOptions, ConnectTarget};
pub use listener::{
    bind_tcp, drain_connections, listen_socket, retain_sockets, ListenOptions, Listener,
    PipelineMaker, SocketKey,
};
