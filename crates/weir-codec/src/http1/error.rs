//! The one error type of the HTTP/1 codec.

/// Why a message could not be decoded. Every variant names one rule of RFC 9112 (or one of
/// this codec's stricter rules) that the input broke.
///
/// After a decoder returns an error it is poisoned: every later call returns the same error,
/// since the position of the next message can no longer be trusted. The caller should answer
/// with [`Error::status`] (for a request) and close the connection.
///
/// `Copy` and allocation-free so that rejecting hostile input costs nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A line ended in LF without the CR before it. Accepting bare LF (as some servers do) lets
    /// two parsers disagree on line boundaries, so it is rejected everywhere.
    #[error("line ends in a bare LF; HTTP/1.x lines must end in CRLF")]
    BareLf,
    /// The request line (with CRLF) is longer than [`Limits::max_request_line`](super::Limits).
    #[error("request line longer than the limit")]
    RequestLineTooLong,
    /// The status line (with CRLF) is longer than [`Limits::max_request_line`](super::Limits).
    #[error("status line longer than the limit")]
    StatusLineTooLong,
    /// The head or trailer section is larger than [`Limits::max_header_size`](super::Limits).
    #[error("header section larger than the limit")]
    HeadTooLarge,
    /// More field lines than [`Limits::max_headers`](super::Limits).
    #[error("more header fields than the limit")]
    TooManyHeaders,
    /// The request line is not `method SP request-target SP HTTP-version`.
    #[error("malformed request line; expected `method SP request-target SP HTTP-version`")]
    InvalidRequestLine,
    /// The method is empty or not an RFC 9110 token.
    #[error("request method is not a token")]
    InvalidMethod,
    /// The request-target is empty, has a byte other than visible ASCII or UTF-8, or its form
    /// does not suit the method (authority-form only for CONNECT, `*` only for OPTIONS).
    #[error("request-target is malformed or does not suit the method")]
    InvalidTarget,
    /// A well-formed `HTTP/x.y` other than `HTTP/1.0` and `HTTP/1.1`.
    #[error("HTTP version is not HTTP/1.0 or HTTP/1.1")]
    UnsupportedVersion,
    /// The status line is not `HTTP-version SP 3DIGIT [SP reason]`, the code is below 100, or
    /// the reason has a control character.
    #[error("malformed status line")]
    InvalidStatusLine,
    /// A field name is empty or not an RFC 9110 token.
    #[error("header field name is empty or not a token")]
    InvalidHeaderName,
    /// SP or HTAB between a field name and its colon (RFC 9112 §5.1: must be rejected).
    #[error("whitespace between header field name and colon")]
    WhitespaceBeforeColon,
    /// A field line without a colon.
    #[error("header line has no colon")]
    MissingColon,
    /// A field value contains CR, LF, NUL or another control character except HTAB.
    #[error("header value contains a control character")]
    InvalidHeaderValue,
    /// A field line starts with SP or HTAB (obsolete line folding, RFC 9112 §5.2).
    #[error("obsolete line folding (a field line starting with whitespace)")]
    ObsFold,
    /// A `content-length` element is not 1*DIGIT or does not fit in 64 bits.
    #[error("content-length is not a decimal number")]
    InvalidContentLength,
    /// `content-length` elements (in one list or over several fields) are not byte-identical.
    #[error("content-length values differ")]
    ConflictingContentLength,
    /// `transfer-encoding` has an element that is not a token (e.g. `chunked;x`), `chunked`
    /// before another coding, or (in a request) does not end in `chunked`.
    #[error("transfer-encoding is malformed or does not end in chunked")]
    InvalidTransferEncoding,
    /// Both `transfer-encoding` and `content-length`: the classic CL.TE / TE.CL smuggling
    /// shape. RFC 9112 lets a recipient drop `content-length`; a proxy refuses instead.
    #[error("both transfer-encoding and content-length")]
    TransferEncodingWithContentLength,
    /// `transfer-encoding` in an HTTP/1.0 message, whose framing RFC 9112 §6.1 says is faulty.
    #[error("transfer-encoding in an HTTP/1.0 message")]
    TransferEncodingInHttp10,
    /// More than one `host` field in a request (RFC 9112 §3.2: must be rejected with 400).
    #[error("more than one host header")]
    DuplicateHost,
    /// A chunk-size line that is not 1*HEXDIG followed by `;extension` or CRLF (so no `0x`,
    /// no sign, no whitespace), or whose CR is not followed by LF.
    #[error("chunk size is not hexadecimal")]
    InvalidChunkSize,
    /// A chunk size above 2^64 − 1.
    #[error("chunk size does not fit in 64 bits")]
    ChunkSizeOverflow,
    /// A chunk-size line longer than [`Limits::max_chunk_line`](super::Limits).
    #[error("chunk-size line longer than the limit")]
    ChunkLineTooLong,
    /// A chunk extension with a control character other than HTAB.
    #[error("chunk extension contains a control character")]
    InvalidChunkExtension,
    /// Chunk data not followed by exactly CRLF.
    #[error("chunk data is not followed by CRLF")]
    MissingChunkCrlf,
    /// `content-length`, `transfer-encoding` or `host` in a trailer section, where a recipient
    /// that merges trailers into the head could be misled about framing or routing.
    #[error("framing or routing field in trailers")]
    ForbiddenTrailer,
    /// The connection ended inside a message (see the decoders' `finish`).
    #[error("connection closed in the middle of a message")]
    UnexpectedEof,
}

impl Error {
    /// The HTTP status a server should answer a request that failed this way with: 414 for a
    /// request line that is too long, 431 for a head that is too large or has too many fields,
    /// 400 for everything else. For an error decoding a *response*, a proxy answers its own
    /// client with 502 instead, whatever this says.
    pub fn status(&self) -> u16 {
        match self {
            Error::RequestLineTooLong => 414,
            Error::HeadTooLarge | Error::TooManyHeaders => 431,
            _ => 400,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn statuses() {
        assert_eq!(Error::RequestLineTooLong.status(), 414);
        assert_eq!(Error::HeadTooLarge.status(), 431);
        assert_eq!(Error::TooManyHeaders.status(), 431);
        assert_eq!(Error::BareLf.status(), 400);
        assert_eq!(Error::ChunkLineTooLong.status(), 400);
    }

    #[test]
    fn messages_say_what_was_wrong() {
        assert_eq!(
            Error::BareLf.to_string(),
            "line ends in a bare LF; HTTP/1.x lines must end in CRLF"
        );
    }
}
