//! Sans-IO protocol codecs for weir.
//!
//! Every codec here is a pure state machine over [`bytes::Bytes`]: decoders take a buffer and
//! return `Ok(Some(item))`, `Ok(None)` (need more bytes) or a typed error; encoders write into a
//! [`bytes::BytesMut`]. Nothing in this crate touches sockets, async runtimes or the JS engine,
//! so each codec is unit-tested on every prefix and split point and fuzzed (see `fuzz/`).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod compress;
pub mod http1;
