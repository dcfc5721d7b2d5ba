//! Writing heads and chunk framing. Body bytes are appended by the caller.
//!
//! The writers do not validate (use [`check_field`](super::check_field) on input from outside),
//! but they never let a CR, LF or NUL through: each is written as SP, so a value can never end
//! a line early and inject another header or message (response splitting).

use bytes::{BufMut, BytesMut};

use super::{Header, RequestHead, ResponseHead};

/// Writes `bytes` with CR, LF and NUL replaced by SP.
fn put_clean(out: &mut BytesMut, bytes: &[u8]) {
    let bad = |b: &u8| matches!(b, b'\r' | b'\n' | 0);
    if bytes.iter().any(bad) {
        out.extend(bytes.iter().map(|b| if bad(b) { b' ' } else { *b }));
    } else {
        out.extend_from_slice(bytes);
    }
}

/// Bytes needed for `headers` plus the final empty line.
fn fields_len(headers: &[Header]) -> usize {
    headers
        .iter()
        .map(|h| h.name.len() + h.value.len() + 4)
        .sum::<usize>()
        + 2
}

/// Writes `name: value\r\n` per header, in order, then the empty line.
fn write_fields(headers: &[Header], out: &mut BytesMut) {
    for h in headers {
        write_field(&h.name, &h.value, out);
    }
    out.put_slice(b"\r\n");
}

/// Appends one `name: value\r\n` line (name lowercased; CR, LF and NUL written as SP), for
/// callers that build a head field by field without a header list. End the head with
/// `b"\r\n"`.
pub fn write_field(name: &[u8], value: &[u8], out: &mut BytesMut) {
    // One branch-free pass over each part decides; a clean line (the rule) is one reserve
    // and straight copies.
    let odd_name = name.iter().fold(false, |odd, &b| {
        odd | b.is_ascii_uppercase() | matches!(b, b'\r' | b'\n' | 0)
    });
    let odd_value = value
        .iter()
        .fold(false, |odd, &b| odd | matches!(b, b'\r' | b'\n' | 0));
    out.reserve(name.len() + value.len() + 4);
    if odd_name {
        put_clean(out, &name.to_ascii_lowercase());
    } else {
        out.extend_from_slice(name);
    }
    out.extend_from_slice(b": ");
    if odd_value {
        put_clean(out, value);
    } else {
        out.extend_from_slice(value);
    }
    out.extend_from_slice(b"\r\n");
}

/// Appends `content-length: n\r\n` without allocating.
pub fn write_content_length(n: u64, out: &mut BytesMut) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut v = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.reserve(18 + digits.len() - i);
    out.extend_from_slice(b"content-length: ");
    out.extend_from_slice(&digits[i..]);
    out.extend_from_slice(b"\r\n");
}

/// Appends the request line `METHOD path HTTP/1.x\r\n`.
pub fn write_request_line(method: &str, path: &str, version: super::Version, out: &mut BytesMut) {
    put_clean(out, method.as_bytes());
    out.put_u8(b' ');
    put_clean(out, path.as_bytes());
    out.put_u8(b' ');
    out.put_slice(version.as_str().as_bytes());
    out.put_slice(b"\r\n");
}

/// Appends the status line `HTTP/1.x NNN reason\r\n` (an empty reason is the standard one).
pub fn write_status_line(version: super::Version, status: u16, reason: &str, out: &mut BytesMut) {
    let reason = if reason.is_empty() {
        reason_phrase(status)
    } else {
        reason
    };
    out.put_slice(version.as_str().as_bytes());
    let code = status % 1000;
    let digits = [code / 100, code / 10 % 10, code % 10].map(|d| b'0' + d as u8);
    out.put_u8(b' ');
    out.put_slice(&digits);
    out.put_u8(b' ');
    put_clean(out, reason.as_bytes());
    out.put_slice(b"\r\n");
}

/// Appends `METHOD path HTTP/1.x\r\n`, then `name: value\r\n` per header in order, then `\r\n`.
/// Header names are written as given (decoded heads have them lowercased, which is what Pipy
/// writes). No framing header is added: the caller puts `content-length` or
/// `transfer-encoding` in `headers`.
pub fn write_request_head(head: &RequestHead, out: &mut BytesMut) {
    out.reserve(head.method.len() + head.path.len() + 12 + fields_len(&head.headers));
    write_request_line(&head.method, &head.path, head.version, out);
    write_fields(&head.headers, out);
}

/// Appends `HTTP/1.x NNN reason\r\n`, the headers and `\r\n`. An empty `reason` is replaced by
/// [`reason_phrase`]`(status)`; a status outside 100..=999 is written as 3 digits anyway
/// (mod 1000, zero-padded) so the line stays well-formed.
pub fn write_response_head(head: &ResponseHead, out: &mut BytesMut) {
    out.reserve(head.reason.len().max(24) + 15 + fields_len(&head.headers));
    write_status_line(head.version, head.status, &head.reason, out);
    write_fields(&head.headers, out);
}

/// Appends the size line of a chunk of `data_len` bytes: lowercase hex and CRLF. The caller
/// appends the data and then `b"\r\n"`. Writes nothing for `data_len == 0`, since a zero-size
/// chunk would end the body: use [`write_last_chunk`] for that.
pub fn write_chunk(data_len: usize, out: &mut BytesMut) {
    if data_len == 0 {
        return;
    }
    let digits = (usize::BITS - data_len.leading_zeros()).div_ceil(4);
    for i in (0..digits).rev() {
        let nibble = (data_len >> (i * 4)) & 0xf;
        out.put_u8(b"0123456789abcdef".get(nibble).copied().unwrap_or(b'0'));
    }
    out.put_slice(b"\r\n");
}

/// Appends the last chunk `0\r\n`, the `trailers` (as header lines) and the final `\r\n`.
pub fn write_last_chunk(trailers: &[Header], out: &mut BytesMut) {
    out.reserve(3 + fields_len(trailers));
    out.put_slice(b"0\r\n");
    write_fields(trailers, out);
}

/// The standard reason phrase for `status` (RFC 9110 §15, plus 418, 425, 429, 431, 451 from
/// later RFCs), or `""` for a code with none.
pub fn reason_phrase(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        101 => "Switching Protocols",
        102 => "Processing",
        103 => "Early Hints",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        207 => "Multi-Status",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        305 => "Use Proxy",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        418 => "I'm a teapot",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        511 => "Network Authentication Required",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(n: usize) -> BytesMut {
        let mut out = BytesMut::new();
        write_chunk(n, &mut out);
        out
    }

    #[test]
    fn content_length_digits() {
        for n in [0u64, 7, 10, 99, 100, 123_456_789, u64::MAX] {
            let mut b = BytesMut::new();
            write_content_length(n, &mut b);
            assert_eq!(&b[..], format!("content-length: {n}\r\n").as_bytes());
        }
    }

    #[test]
    fn chunk_sizes() {
        assert_eq!(&chunk(0)[..], b"");
        assert_eq!(&chunk(1)[..], b"1\r\n");
        assert_eq!(&chunk(15)[..], b"f\r\n");
        assert_eq!(&chunk(16)[..], b"10\r\n");
        assert_eq!(&chunk(0xabcdef)[..], b"abcdef\r\n");
        assert_eq!(
            &chunk(usize::MAX)[..],
            format!("{:x}\r\n", usize::MAX).as_bytes()
        );
    }

    #[test]
    fn injection_is_neutralised() {
        let mut out = BytesMut::new();
        write_last_chunk(&[Header::new("x", "a\r\nb\0")], &mut out);
        assert_eq!(&out[..], b"0\r\nx: a  b \r\n\r\n");
    }

    #[test]
    fn odd_status_stays_three_digits() {
        let head = ResponseHead {
            status: 42,
            reason: String::new(),
            version: super::super::Version::Http10,
            headers: vec![],
        };
        let mut out = BytesMut::new();
        write_response_head(&head, &mut out);
        assert_eq!(&out[..], b"HTTP/1.0 042 \r\n\r\n");
    }
}
