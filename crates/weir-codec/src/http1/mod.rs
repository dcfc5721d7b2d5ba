//! HTTP/1.0 and HTTP/1.1 message codec (RFC 9112), sans-IO.
//!
//! This codec sits at the edge of a proxy, where request smuggling (two parties disagreeing on
//! where a message ends) is the most common class of vulnerability. It is therefore **strict**:
//! anything that RFC 9112 allows a recipient to "handle leniently" and that has been used to
//! desynchronise a front end from a back end is rejected with an [`Error`] instead. Notably:
//!
//! - lines must end in CRLF; a bare LF is an error (many servers accept it; mixing the two
//!   interpretations is a smuggling vector);
//! - obs-fold (a header line starting with SP/HTAB) and whitespace between a field name and its
//!   colon are errors;
//! - `Transfer-Encoding` in a request must end in `chunked` and may not come with
//!   `Content-Length`; duplicate `Content-Length` values must be byte-identical;
//! - chunk-size lines are hex digits only, optionally followed by `;extension`, and chunk data
//!   must be followed by exactly CRLF.
//!
//! Decoding: [`RequestDecoder`] and [`ResponseDecoder`] turn bytes into a stream of [`Item`]s:
//! one [`Item::Head`], zero or more [`Item::Body`] slices and one [`Item::End`] per message.
//! Encoding: [`write_request_head`], [`write_response_head`], [`write_chunk`],
//! [`write_last_chunk`]; the caller writes body bytes itself.
//!
//! ```
//! use bytes::Bytes;
//! use weir_codec::http1::{BodyKind, Item, Limits, RequestDecoder};
//!
//! let mut decoder = RequestDecoder::new(Limits::default());
//! let mut input = Bytes::from_static(b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET");
//! let Ok(Some(Item::Head(head, BodyKind::Length(2)))) = decoder.decode(&mut input) else {
//!     panic!("expected a head");
//! };
//! assert_eq!((head.method.as_str(), head.header("host").map(|v| &v[..])), ("POST", Some(&b"a"[..])));
//! assert_eq!(decoder.decode(&mut input), Ok(Some(Item::Body(Bytes::from_static(b"hi")))));
//! assert_eq!(decoder.decode(&mut input), Ok(Some(Item::End { trailers: vec![] })));
//! // The start of the next request is kept in the decoder; `input` is used up.
//! assert_eq!(decoder.decode(&mut input), Ok(None));
//! assert!(input.is_empty());
//! ```

mod body;
mod decode;
mod encode;
mod error;
mod head;
mod scan;

use std::fmt;

use bytes::Bytes;

pub use decode::{RequestDecoder, ResponseDecoder, ResponseFor};
pub use encode::{
    reason_phrase, write_chunk, write_content_length, write_field, write_last_chunk,
    write_request_head, write_request_line, write_response_head, write_status_line,
};
pub use error::Error;
pub use head::check_field;

/// The HTTP/1.x protocol version of a message.
///
/// Only 1.0 and 1.1 exist on the wire for this codec; any other `HTTP/x.y` is
/// [`Error::UnsupportedVersion`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Version {
    /// `HTTP/1.0`: no chunked encoding; connections close unless `connection: keep-alive`.
    Http10,
    /// `HTTP/1.1`: persistent connections unless `connection: close`.
    Http11,
}

impl Version {
    /// The version as written on the wire (`"HTTP/1.0"` or `"HTTP/1.1"`); Pipy's `protocol`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::Http10 => "HTTP/1.0",
            Version::Http11 => "HTTP/1.1",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One header (or trailer) field, in the order it appeared on the wire.
///
/// Decoders store `name` lowercased (Pipy exposes lowercase header keys) and `value` with
/// leading and trailing whitespace (SP/HTAB) removed. Both are slices of the decoder's copy of
/// the head, so keeping a `Header` keeps that (small) buffer alive.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// Field name, lowercased by the decoder. Encoders write it as given.
    pub name: Bytes,
    /// Field value without surrounding whitespace; may contain any byte except CTLs other than
    /// HTAB (see [`check_field`]).
    pub value: Bytes,
}

impl Header {
    /// A header with `name` lowercased (copied only if it had uppercase letters) and `value` as
    /// given. Nothing is validated here: use [`check_field`] for values that came from outside.
    pub fn new(name: impl Into<Bytes>, value: impl Into<Bytes>) -> Header {
        let name = name.into();
        let name = if name.iter().any(u8::is_ascii_uppercase) {
            Bytes::from(name.to_ascii_lowercase())
        } else {
            name
        };
        Header {
            name,
            value: value.into(),
        }
    }
}

/// Finds the first header called `name` (compared ASCII case-insensitively).
fn find_header<'a>(headers: &'a [Header], name: &str) -> Option<&'a Bytes> {
    headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name.as_bytes()))
        .map(|h| &h.value)
}

/// The head of a request: request line and header section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Request method as sent (case-sensitive token, e.g. `GET`).
    pub method: String,
    /// The request-target exactly as sent: origin-form `/p?q`, absolute-form `http://h/p`,
    /// authority-form `host:port` (CONNECT) or `*` (OPTIONS).
    pub path: String,
    /// Protocol version from the request line.
    pub version: Version,
    /// Header fields in wire order, names lowercased.
    pub headers: Vec<Header>,
}

impl RequestHead {
    /// Value of the first header named `lowercase_name`, if any.
    pub fn header(&self, lowercase_name: &str) -> Option<&Bytes> {
        find_header(&self.headers, lowercase_name)
    }

    /// Whether the connection may be reused after this message; see [`keep_alive`].
    pub fn keep_alive(&self) -> bool {
        keep_alive(self.version, &self.headers)
    }

    /// An HTTP/1.1 upgrade request (RFC 9110 §7.8): an `upgrade` field that a `connection`
    /// field names. A `101` answer turns the connection into a tunnel.
    pub fn is_upgrade(&self) -> bool {
        is_upgrade(self.version, &self.headers)
    }
}

/// The head of a response: status line and header section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// Status code, 100..=999.
    pub status: u16,
    /// Reason phrase as sent (may be empty; invalid UTF-8 is replaced by U+FFFD). When encoding,
    /// an empty reason is replaced by [`reason_phrase`]`(status)`.
    pub reason: String,
    /// Protocol version from the status line.
    pub version: Version,
    /// Header fields in wire order, names lowercased.
    pub headers: Vec<Header>,
}

impl ResponseHead {
    /// Value of the first header named `lowercase_name`, if any.
    pub fn header(&self, lowercase_name: &str) -> Option<&Bytes> {
        find_header(&self.headers, lowercase_name)
    }

    /// Whether the connection may be reused after this message; see [`keep_alive`].
    pub fn keep_alive(&self) -> bool {
        keep_alive(self.version, &self.headers)
    }
}

/// Size limits enforced while decoding. Exceeding one is an error before more than the limit
/// has been buffered, so a peer cannot make the decoder hold more than these many bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (or status line) in bytes, counting its CRLF. Default 8 KiB.
    /// Exceeding it is [`Error::RequestLineTooLong`] (414) or [`Error::StatusLineTooLong`].
    pub max_request_line: usize,
    /// Largest whole head in bytes: start line, all field lines and the final empty line (also
    /// any empty lines skipped before a request line). Applies to a trailer section too.
    /// Default 16 KiB. Exceeding it is [`Error::HeadTooLarge`] (431).
    pub max_header_size: usize,
    /// Most header (or trailer) field lines in one section. Default 100. Exceeding it is
    /// [`Error::TooManyHeaders`] (431).
    pub max_headers: usize,
    /// Longest chunk-size line in bytes, counting extensions and CRLF. Default 4 KiB.
    /// Exceeding it is [`Error::ChunkLineTooLong`] (400).
    pub max_chunk_line: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_request_line: 8 * 1024,
            max_header_size: 16 * 1024,
            max_headers: 100,
            max_chunk_line: 4 * 1024,
        }
    }
}

/// How the body of a message is delimited, decided from its head by RFC 9112 §6.3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// No body: [`Item::End`] follows the head directly.
    None,
    /// `content-length` bytes (may be 0, in which case `End` follows directly).
    Length(u64),
    /// `transfer-encoding: ..., chunked`: chunks until the zero-size chunk and trailers.
    Chunked,
    /// Responses only: the body runs until the connection closes ([`ResponseDecoder::finish`]).
    UntilClose,
}

/// One step of a decoded message stream: `Head`, then `Body`*, then `End`, per message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item<H> {
    /// A complete head and how its body is delimited.
    Head(H, BodyKind),
    /// A piece of the body (chunk framing removed), a zero-copy slice of the caller's input.
    /// Never empty.
    Body(Bytes),
    /// The message is complete. `trailers` is the chunked trailer section (names lowercased),
    /// empty for other framings.
    End {
        /// Trailer fields of a chunked body; empty otherwise.
        trailers: Vec<Header>,
    },
}

/// Whether a connection can carry another message after one with this `version` and
/// `headers`: HTTP/1.1 unless a `connection` header lists `close`; HTTP/1.0 only if a
/// `connection` header lists `keep-alive` (and none lists `close`). `connection` values are
/// comma-separated token lists, compared case-insensitively, across all `connection` fields.
pub fn keep_alive(version: Version, headers: &[Header]) -> bool {
    // One pass over the `connection` fields (usually none or one).
    let mut close = false;
    let mut keep = false;
    // Decoded names and the usual values are lowercase: an exact comparison settles them
    // before a case-insensitive one.
    let is = |s: &[u8], word: &[u8]| s == word || s.eq_ignore_ascii_case(word);
    for h in headers
        .iter()
        .filter(|h| h.name.len() == 10 && is(&h.name, b"connection"))
    {
        // The usual values, whole, without splitting.
        match &h.value[..] {
            b"keep-alive" => {
                keep = true;
                continue;
            }
            b"close" => {
                close = true;
                continue;
            }
            _ => {}
        }
        for token in h.value.split(|&b| b == b',').map(head::trim_ows) {
            close |= is(token, b"close");
            keep |= is(token, b"keep-alive");
        }
    }
    match version {
        Version::Http11 => !close,
        Version::Http10 => keep && !close,
    }
}

/// Whether some `connection` field lists `token` (case-insensitive).
pub fn connection_lists(headers: &[Header], token: &[u8]) -> bool {
    headers
        .iter()
        .filter(|h| h.name.eq_ignore_ascii_case(b"connection"))
        .flat_map(|h| h.value.split(|&b| b == b','))
        .map(head::trim_ows)
        .any(|t| t.eq_ignore_ascii_case(token))
}

/// See [`RequestHead::is_upgrade`]. HTTP/1.0 has no upgrade mechanism.
pub fn is_upgrade(version: Version, headers: &[Header]) -> bool {
    version == Version::Http11
        && find_header(headers, "upgrade").is_some()
        && connection_lists(headers, b"upgrade")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(name: &'static str, value: &'static str) -> Header {
        Header::new(name, value)
    }

    #[test]
    fn version_display() {
        assert_eq!(Version::Http10.to_string(), "HTTP/1.0");
        assert_eq!(Version::Http11.to_string(), "HTTP/1.1");
    }

    #[test]
    fn header_new_lowercases_name_only() {
        let x = h("Content-Type", "Text/HTML");
        assert_eq!(&x.name[..], b"content-type");
        assert_eq!(&x.value[..], b"Text/HTML");
    }

    #[test]
    fn keep_alive_rules() {
        use Version::*;
        assert!(keep_alive(Http11, &[]));
        assert!(!keep_alive(Http11, &[h("connection", "close")]));
        assert!(!keep_alive(Http11, &[h("connection", "Upgrade, CLOSE")]));
        assert!(!keep_alive(
            Http11,
            &[h("x", "y"), h("Connection", " close ")]
        ));
        assert!(keep_alive(Http11, &[h("connection", "closed")]));
        assert!(!keep_alive(Http10, &[]));
        assert!(keep_alive(Http10, &[h("connection", "Keep-Alive")]));
        // The whole-value shortcuts, alone and with another field.
        assert!(keep_alive(Http10, &[h("connection", "keep-alive")]));
        assert!(!keep_alive(
            Http10,
            &[h("connection", "keep-alive"), h("connection", "close")]
        ));
        assert!(!keep_alive(
            Http11,
            &[h("connection", "close"), h("connection", "keep-alive")]
        ));
        assert!(keep_alive(Http10, &[h("connection", "foo,keep-alive")]));
        assert!(!keep_alive(Http10, &[h("connection", "keep-alive, close")]));
    }

    #[test]
    fn header_lookup() {
        let head = RequestHead {
            method: "GET".into(),
            path: "/".into(),
            version: Version::Http11,
            headers: vec![h("host", "a"), h("host", "b")],
        };
        assert_eq!(head.header("host").map(|v| &v[..]), Some(&b"a"[..]));
        assert_eq!(head.header("Host").map(|v| &v[..]), Some(&b"a"[..]));
        assert_eq!(head.header("x"), None);
        assert!(head.keep_alive());
    }
}
