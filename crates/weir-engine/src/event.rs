//! The four events that flow through every pipeline.
//!
//! Pipy's model: a stream is a sequence of `MessageStart`, `Data`, `MessageEnd` and finally
//! `StreamEnd`. Heads, tails and payloads are opaque to the engine: a codec puts a typed Rust
//! value there, the script layer a JS value; both implement [`HeadValue`].

use std::any::Any;
use std::fmt;
use std::rc::Rc;

use crate::Data;

/// Something carried by a `MessageStart` (head) or `MessageEnd` (tail, payload).
pub trait HeadValue: Any {
    fn as_any(&self) -> &dyn Any;
    /// A short text form for `dump()` and logs.
    fn describe(&self) -> String {
        "[object]".to_string()
    }
    /// This head read as an HTTP request head (for encoders), whatever made it.
    fn to_request(&self) -> Option<weir_codec::http1::RequestHead> {
        None
    }
    /// This head read as an HTTP response head.
    fn to_response(&self) -> Option<weir_codec::http1::ResponseHead> {
        None
    }
    /// The value of HTTP header `name` (lowercase; the first one if repeated), for filters
    /// that look at one header without converting the whole head.
    fn header(&self, _name: &str) -> Option<String> {
        None
    }
    /// A copy of this head with some HTTP headers changed: each `(name, Some(value))`
    /// replaces every `name` field with one (lowercase `name`), each `(name, None)` removes
    /// them. Heads can be shared (a script's constant message, a forked stream), so filters
    /// never edit one in place. `None` if this head cannot carry headers.
    fn with_headers(&self, _edits: &[(&str, Option<&str>)]) -> Option<Head> {
        None
    }
}

/// A shared, immutable head value.
pub type Head = Rc<dyn HeadValue>;

#[derive(Clone, Default)]
pub struct MessageStart {
    pub head: Option<Head>,
}

#[derive(Clone, Default)]
pub struct MessageEnd {
    pub tail: Option<Head>,
    pub payload: Option<Head>,
}

/// Why a stream ended; `None` in [`StreamEnd::error`] is a normal end.
///
/// The names are Pipy's, and scripts compare them as strings (`e.error === 'ReadTimeout'`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    Replay,
    RuntimeError,
    ReadError,
    WriteError,
    CannotResolve,
    ConnectionAborted,
    ConnectionReset,
    ConnectionRefused,
    ConnectionTimeout,
    ReadTimeout,
    WriteTimeout,
    IdleTimeout,
    BufferOverflow,
    ProtocolError,
    Unauthorized,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 15] = [
        ErrorCode::Replay,
        ErrorCode::RuntimeError,
        ErrorCode::ReadError,
        ErrorCode::WriteError,
        ErrorCode::CannotResolve,
        ErrorCode::ConnectionAborted,
        ErrorCode::ConnectionReset,
        ErrorCode::ConnectionRefused,
        ErrorCode::ConnectionTimeout,
        ErrorCode::ReadTimeout,
        ErrorCode::WriteTimeout,
        ErrorCode::IdleTimeout,
        ErrorCode::BufferOverflow,
        ErrorCode::ProtocolError,
        ErrorCode::Unauthorized,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ErrorCode::Replay => "Replay",
            ErrorCode::RuntimeError => "RuntimeError",
            ErrorCode::ReadError => "ReadError",
            ErrorCode::WriteError => "WriteError",
            ErrorCode::CannotResolve => "CannotResolve",
            ErrorCode::ConnectionAborted => "ConnectionAborted",
            ErrorCode::ConnectionReset => "ConnectionReset",
            ErrorCode::ConnectionRefused => "ConnectionRefused",
            ErrorCode::ConnectionTimeout => "ConnectionTimeout",
            ErrorCode::ReadTimeout => "ReadTimeout",
            ErrorCode::WriteTimeout => "WriteTimeout",
            ErrorCode::IdleTimeout => "IdleTimeout",
            ErrorCode::BufferOverflow => "BufferOverflow",
            ErrorCode::ProtocolError => "ProtocolError",
            ErrorCode::Unauthorized => "Unauthorized",
        }
    }

    pub fn parse(name: &str) -> Option<ErrorCode> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Classify an I/O error the way Pipy reports it.
    pub fn from_io(err: &std::io::Error, reading: bool) -> ErrorCode {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::ConnectionRefused => ErrorCode::ConnectionRefused,
            K::ConnectionReset => ErrorCode::ConnectionReset,
            K::ConnectionAborted | K::BrokenPipe => ErrorCode::ConnectionAborted,
            K::TimedOut => ErrorCode::ConnectionTimeout,
            _ if reading => ErrorCode::ReadError,
            _ => ErrorCode::WriteError,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StreamEnd {
    pub error: Option<ErrorCode>,
}

impl StreamEnd {
    pub fn ok() -> StreamEnd {
        StreamEnd { error: None }
    }
    pub fn error(code: ErrorCode) -> StreamEnd {
        StreamEnd { error: Some(code) }
    }
}

#[derive(Clone)]
pub enum Event {
    MessageStart(MessageStart),
    Data(Data),
    MessageEnd(MessageEnd),
    StreamEnd(StreamEnd),
}

impl Event {
    pub fn kind(&self) -> EventKind {
        match self {
            Event::MessageStart(_) => EventKind::MessageStart,
            Event::Data(_) => EventKind::Data,
            Event::MessageEnd(_) => EventKind::MessageEnd,
            Event::StreamEnd(_) => EventKind::StreamEnd,
        }
    }
    pub fn is_stream_end(&self) -> bool {
        matches!(self, Event::StreamEnd(_))
    }
    pub fn end(code: Option<ErrorCode>) -> Event {
        Event::StreamEnd(StreamEnd { error: code })
    }
}

impl From<Data> for Event {
    fn from(d: Data) -> Event {
        Event::Data(d)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    MessageStart,
    Data,
    MessageEnd,
    StreamEnd,
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::MessageStart(m) => match &m.head {
                Some(h) => write!(f, "MessageStart {}", h.describe()),
                None => f.write_str("MessageStart"),
            },
            Event::Data(d) => write!(f, "Data [{}]", d.len()),
            Event::MessageEnd(_) => f.write_str("MessageEnd"),
            Event::StreamEnd(s) => match s.error {
                Some(e) => write!(f, "StreamEnd {e}"),
                None => f.write_str("StreamEnd"),
            },
        }
    }
}

/// A whole message: what `handleMessage` sees and `replaceMessage` builds.
#[derive(Clone, Default)]
pub struct Message {
    pub head: Option<Head>,
    pub body: Data,
    pub tail: Option<Head>,
    pub payload: Option<Head>,
}

impl Message {
    /// The events that carry this message, in order.
    pub fn into_events(self, out: &mut impl FnMut(Event)) {
        out(Event::MessageStart(MessageStart { head: self.head }));
        if !self.body.is_empty() {
            out(Event::Data(self.body));
        }
        out(Event::MessageEnd(MessageEnd {
            tail: self.tail,
            payload: self.payload,
        }));
    }
}

/// Collects events into whole messages (for `handleMessage`, `replaceMessage`, ...).
///
/// Data outside a message is ignored, as in Pipy. `limit` bounds the buffered body; past it
/// the rest is dropped and [`MessageReader::overflowed`] says so.
#[derive(Default)]
pub struct MessageReader {
    current: Option<Message>,
    limit: Option<usize>,
    overflowed: bool,
}

impl MessageReader {
    pub fn new(limit: Option<usize>) -> MessageReader {
        MessageReader {
            current: None,
            limit,
            overflowed: false,
        }
    }

    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    pub fn in_message(&self) -> bool {
        self.current.is_some()
    }

    /// Feed one event; returns a message when a `MessageEnd` completes one.
    pub fn read(&mut self, evt: &Event) -> Option<Message> {
        match evt {
            Event::MessageStart(start) => {
                self.overflowed = false;
                self.current = Some(Message {
                    head: start.head.clone(),
                    ..Message::default()
                });
                None
            }
            Event::Data(d) => {
                if let Some(msg) = self.current.as_mut() {
                    match self.limit {
                        Some(limit) if msg.body.len() + d.len() > limit => {
                            let room = limit.saturating_sub(msg.body.len());
                            let mut d = d.clone();
                            msg.body.push(d.shift(room));
                            self.overflowed = true;
                        }
                        _ => msg.body.push(d.clone()),
                    }
                }
                None
            }
            Event::MessageEnd(end) => {
                let mut msg = self.current.take()?;
                msg.tail = end.tail.clone();
                msg.payload = end.payload.clone();
                Some(msg)
            }
            Event::StreamEnd(_) => {
                self.current = None;
                None
            }
        }
    }
}
