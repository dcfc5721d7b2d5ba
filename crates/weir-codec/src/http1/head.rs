//! Parsing a complete head (or trailer) section, and deciding body framing from it.
//!
//! Input is one section as found by the scanner: CRLF-terminated lines ending in an empty
//! line, within the limits. Here every line is checked against the grammar of RFC 9112 and the
//! framing fields (`content-length`, `transfer-encoding`) against the stricter rules described
//! in the module docs.

use std::ops::Range;

use bytes::{Bytes, BytesMut};

use super::{BodyKind, Error, Header, RequestHead, ResponseFor, ResponseHead, Version};

/// Whether `b` may appear in an RFC 9110 token (`tchar`).
const fn is_tchar(b: u8) -> bool {
    matches!(b,
        b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_'
        | b'`' | b'|' | b'~' | b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z')
}

/// [`is_tchar`] as a lookup table: one load per byte instead of a chain of comparisons.
static TCHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 256 {
        table[i] = is_tchar(i as u8);
        i += 1;
    }
    table
};

/// Whether `s` is an RFC 9110 token: one or more tchars.
pub(crate) fn is_token(s: &[u8]) -> bool {
    // No early exit: a branch-free loop is faster on the short, valid strings seen in practice.
    !s.is_empty() && s.iter().fold(true, |ok, &b| ok & TCHAR[usize::from(b)])
}

/// Whether `b` may appear in a field value (or reason phrase, or chunk extension): HTAB, SP,
/// visible ASCII or obs-text. Every other control character (CR, LF, NUL, DEL, ...) is refused.
pub(crate) const fn is_field_byte(b: u8) -> bool {
    b == b'\t' || (b >= 0x20 && b != 0x7f)
}

/// Whether every byte of `s` may appear in a field value.
///
/// Eight bytes at a time (SWAR, as in `scan.rs`): a word with no byte below 0x20 and no DEL
/// is clean; one that has either is looked at byte by byte (HTAB is allowed). A short value
/// is looked at byte by byte; the last word of a longer one overlaps the one before.
pub(crate) fn is_field_value(s: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    const SPACES: u64 = u64::from_ne_bytes([0x20; 8]);
    const DELS: u64 = u64::from_ne_bytes([0x7f; 8]);
    let clean = |word: &[u8]| {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let x = u64::from_ne_bytes(w);
        // Exact as a whole: non-zero iff some byte is below 0x20 (borrows only start there).
        let control = x.wrapping_sub(SPACES) & !x & HIGHS;
        let y = x ^ DELS;
        let del = y.wrapping_sub(ONES) & !y & HIGHS;
        control | del == 0 || word.iter().all(|&b| is_field_byte(b))
    };
    if s.len() < 8 {
        return s.iter().fold(true, |ok, &b| ok & is_field_byte(b));
    }
    let mut words = s.chunks_exact(8);
    if !words.by_ref().all(clean) {
        return false;
    }
    s.len().is_multiple_of(8) || s.get(s.len() - 8..).is_some_and(clean)
}

/// The static spelling of common (lowercased) field names, used as `Bytes::from_static`: no
/// reference count to touch when the header is cloned or dropped, and the head buffer is not
/// kept alive by the name.
fn well_known(name: &[u8]) -> Option<&'static [u8]> {
    // A `match` on byte strings compiles to a switch on the length, then compares.
    Some(match name {
        b"accept" => b"accept",
        b"accept-encoding" => b"accept-encoding",
        b"accept-language" => b"accept-language",
        b"authorization" => b"authorization",
        b"cache-control" => b"cache-control",
        b"connection" => b"connection",
        b"content-encoding" => b"content-encoding",
        b"content-length" => b"content-length",
        b"content-type" => b"content-type",
        b"cookie" => b"cookie",
        b"date" => b"date",
        b"etag" => b"etag",
        b"expect" => b"expect",
        b"host" => b"host",
        b"if-modified-since" => b"if-modified-since",
        b"if-none-match" => b"if-none-match",
        b"keep-alive" => b"keep-alive",
        b"last-modified" => b"last-modified",
        b"location" => b"location",
        b"origin" => b"origin",
        b"referer" => b"referer",
        b"server" => b"server",
        b"set-cookie" => b"set-cookie",
        b"transfer-encoding" => b"transfer-encoding",
        b"upgrade" => b"upgrade",
        b"user-agent" => b"user-agent",
        b"vary" => b"vary",
        b"via" => b"via",
        b"x-forwarded-for" => b"x-forwarded-for",
        b"x-forwarded-proto" => b"x-forwarded-proto",
        b"x-request-id" => b"x-request-id",
        _ => return None,
    })
}

/// `s` without leading and trailing SP/HTAB (RFC 9110 OWS).
pub(crate) fn trim_ows(s: &[u8]) -> &[u8] {
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = s.iter().position(|b| !is_ows(b)).unwrap_or(s.len());
    let end = s.iter().rposition(|b| !is_ows(b)).map_or(start, |i| i + 1);
    s.get(start..end).unwrap_or_default()
}

/// Checks that `name: value` is a valid field line: `name` a token, `value` without control
/// characters other than HTAB. The encoders do not validate (they only neutralise CR, LF and
/// NUL); call this on names and values that came from outside before putting them in a head.
pub fn check_field(name: &[u8], value: &[u8]) -> Result<(), Error> {
    if !is_token(name) {
        return Err(Error::InvalidHeaderName);
    }
    if !is_field_value(value) {
        return Err(Error::InvalidHeaderValue);
    }
    Ok(())
}

/// Content ranges (without CRLF) of the lines of a section, from the line ends the scanner
/// recorded, stopping at the empty line.
struct Lines<'a> {
    ends: std::slice::Iter<'a, usize>,
    start: usize,
}

impl Iterator for Lines<'_> {
    type Item = Range<usize>;

    fn next(&mut self) -> Option<Range<usize>> {
        let end = *self.ends.next()?;
        // The scanner has checked that every line ends in CRLF.
        let line = self.start..end.saturating_sub(2).max(self.start);
        self.start = end;
        (!line.is_empty()).then_some(line)
    }
}

fn lines(ends: &[usize]) -> Lines<'_> {
    Lines {
        ends: ends.iter(),
        start: 0,
    }
}

/// Lowercases field names in place: each line's bytes (but the first line's, when
/// `skip_first`) up to its colon. Done on the decoder's own copy so names can be zero-copy
/// slices afterwards. Lines that turn out invalid are rejected later either way.
fn lowercase_names(buf: &mut [u8], ends: &[usize], skip_first: bool) {
    for line in lines(ends).skip(usize::from(skip_first)) {
        if let Some(bytes) = buf.get_mut(line) {
            for b in bytes.iter_mut().take_while(|b| **b != b':') {
                b.make_ascii_lowercase();
            }
        }
    }
}

/// Field-name bytes: [`NOT_TCHAR`], [`TCHAR_UPPER`] (an uppercase letter) or any other
/// value for the other tchars.
static NAME_CLASS: [u8; 256] = {
    let mut table = [NOT_TCHAR; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        if b.is_ascii_uppercase() {
            table[i] = TCHAR_UPPER;
        } else if is_tchar(b) {
            table[i] = 1;
        }
        i += 1;
    }
    table
};
const NOT_TCHAR: u8 = 0;
const TCHAR_UPPER: u8 = 2;

/// Parses one field line (content range `line` of `section`) and appends it to `out`.
///
/// The usual line (a token right up to the colon, then a value of field bytes) is taken in
/// one pass over the name and one over the value. Any other line, every invalid one
/// included, goes to [`parse_field_checked`], which finds the error; both accept exactly the
/// same lines and make the same header from them.
/// (Pushing here rather than returning `Result<Header, _>` avoids copying the header through
/// a differently laid-out `Result`, which measurably stalled the hot loop.)
fn parse_field(
    section: &Bytes,
    line: Range<usize>,
    out: &mut Vec<Header>,
    lowered: bool,
) -> Result<(), Error> {
    let bytes = section.get(line.clone()).unwrap_or_default();
    let (colon, upper) = name_end(bytes);
    if colon == 0 || bytes.get(colon) != Some(&b':') {
        return parse_field_checked(section, line, out, lowered);
    }
    let (name, raw) = bytes.split_at(colon);
    let raw = raw.get(1..).unwrap_or_default();
    // SP and HTAB are field bytes: checking the untrimmed value checks the trimmed one.
    if !is_field_value(raw) {
        return parse_field_checked(section, line, out, lowered);
    }
    let is_ows = |b: &u8| *b == b' ' || *b == b'\t';
    let start = raw.iter().position(|b| !is_ows(b)).unwrap_or(raw.len());
    let end = raw
        .iter()
        .rposition(|b| !is_ows(b))
        .map_or(start, |i| i + 1);
    let name = if upper && !lowered {
        lowered_name(name)
    } else {
        match well_known(name) {
            Some(known) => Bytes::from_static(known),
            None => section.slice(line.start..line.start + colon),
        }
    };
    let value_at = line.start + colon + 1;
    out.push(Header {
        name,
        value: section.slice(value_at + start..value_at + end),
    });
    Ok(())
}

/// How many tchars `line` starts with, and whether there is an uppercase letter among them.
/// (A function of its own: inlined, the loop carried every offset derived from its counter.)
#[inline(never)]
fn name_end(line: &[u8]) -> (usize, bool) {
    let mut classes = 0;
    let mut n = 0;
    while let Some(&b) = line.get(n) {
        let class = NAME_CLASS[usize::from(b)];
        if class == NOT_TCHAR {
            break;
        }
        classes |= class;
        n += 1;
    }
    (n, classes & TCHAR_UPPER != 0)
}

/// [`parse_field`] checking each rule in turn, to report the first that a line breaks.
#[cold]
fn parse_field_checked(
    section: &Bytes,
    line: Range<usize>,
    out: &mut Vec<Header>,
    lowered: bool,
) -> Result<(), Error> {
    let bytes = section.get(line.clone()).unwrap_or_default();
    if matches!(bytes.first(), Some(b' ' | b'\t')) {
        return Err(Error::ObsFold);
    }
    let colon = bytes
        .iter()
        .position(|&b| b == b':')
        .ok_or(Error::MissingColon)?;
    let name = bytes.get(..colon).unwrap_or_default();
    if matches!(name.last(), Some(b' ' | b'\t')) {
        return Err(Error::WhitespaceBeforeColon);
    }
    if !is_token(name) {
        return Err(Error::InvalidHeaderName);
    }
    let raw = bytes.get(colon + 1..).unwrap_or_default();
    let value = trim_ows(raw);
    if !is_field_value(value) {
        return Err(Error::InvalidHeaderValue);
    }
    let name = match well_known(name) {
        Some(known) => Bytes::from_static(known),
        None if !lowered && name.iter().any(u8::is_ascii_uppercase) => lowered_name(name),
        None => section.slice(line.start..line.start + colon),
    };
    out.push(Header {
        name,
        value: section.slice_ref(value),
    });
    Ok(())
}

/// Parses field lines into headers; `count` is how many there are (from the scanner).
fn parse_fields(
    section: &Bytes,
    lines: Lines<'_>,
    count: usize,
    lowered: bool,
) -> Result<Vec<Header>, Error> {
    let mut headers = Vec::with_capacity(count);
    for line in lines {
        parse_field(section, line, &mut headers, lowered)?;
    }
    Ok(headers)
}

/// A head section as the decoder hands it over: copied (it arrived in pieces; names get
/// lowercased in place) or shared with the input (it arrived whole; no copy, and names that
/// are not lowercase are lowered one by one while parsing).
pub(crate) enum HeadSection {
    Copied(BytesMut),
    Shared(Bytes),
}

impl From<BytesMut> for HeadSection {
    fn from(b: BytesMut) -> HeadSection {
        HeadSection::Copied(b)
    }
}

impl From<Bytes> for HeadSection {
    fn from(b: Bytes) -> HeadSection {
        HeadSection::Shared(b)
    }
}

impl HeadSection {
    /// The bytes, and whether the field names in them are already lowercase.
    fn prepare(self, ends: &[usize]) -> (Bytes, bool) {
        match self {
            HeadSection::Copied(mut b) => {
                lowercase_names(&mut b, ends, true);
                (b.freeze(), true)
            }
            HeadSection::Shared(b) => (b, false),
        }
    }
}

/// The lowercase form of a field name (a token) that has uppercase letters: a static name
/// when it is a well-known one, else a new buffer.
fn lowered_name(name: &[u8]) -> Bytes {
    // Well-known names are lowercase letters and '-'. In a token, `b | 0x20` lowers the
    // letters and makes no other byte into one of those (only CR would become '-'), so the
    // OR-ed bytes match a well-known name exactly when the lowercase name does. Eight bytes
    // at a time.
    let mut buf = [0u8; 24];
    if let Some(dst) = buf.get_mut(..name.len()) {
        dst.copy_from_slice(name);
        for word in buf.chunks_exact_mut(8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            let lowered = u64::from_ne_bytes(w) | 0x2020_2020_2020_2020;
            word.copy_from_slice(&lowered.to_ne_bytes());
        }
        if let Some(known) = buf.get(..name.len()).and_then(well_known) {
            return Bytes::from_static(known);
        }
    }
    Bytes::from(name.to_ascii_lowercase())
}

/// Parses an `HTTP-version`; a malformed one is `malformed`, a well-formed one other than 1.0
/// or 1.1 is [`Error::UnsupportedVersion`].
fn parse_version(v: &[u8], malformed: Error) -> Result<Version, Error> {
    match v {
        b"HTTP/1.1" => Ok(Version::Http11),
        b"HTTP/1.0" => Ok(Version::Http10),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() =>
        {
            Err(Error::UnsupportedVersion)
        }
        _ => Err(malformed),
    }
}

/// Checks the form of a request-target against the method (RFC 9112 §3.2).
fn check_target(method: &str, target: &[u8]) -> Result<(), Error> {
    let ok_bytes = target
        .iter()
        .all(|&b| (0x21..0x7f).contains(&b) || b >= 0x80);
    let ok_form = match (method, target) {
        // authority-form: host ":" port, nothing else.
        ("CONNECT", t) => t.contains(&b':') && !t.contains(&b'/') && t.first() != Some(&b':'),
        ("OPTIONS", b"*") => true,
        (_, [b'/', ..]) => true,
        // absolute-form: scheme ":" ...
        (_, [first, rest @ ..]) if first.is_ascii_alphabetic() => {
            let scheme_len = rest
                .iter()
                .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
                .unwrap_or(rest.len());
            rest.get(scheme_len) == Some(&b':')
        }
        _ => false,
    };
    if ok_bytes && ok_form {
        Ok(())
    } else {
        Err(Error::InvalidTarget)
    }
}

/// Parses `method SP request-target SP HTTP-version`.
fn parse_request_line(line: &[u8]) -> Result<(String, String, Version), Error> {
    let mut parts = line.splitn(3, |&b| b == b' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(Error::InvalidRequestLine);
    };
    if !is_token(method) {
        return Err(Error::InvalidMethod);
    }
    let version = parse_version(version, Error::InvalidRequestLine)?;
    // A token is ASCII, so this cannot fail.
    let method = String::from_utf8(method.to_vec()).map_err(|_| Error::InvalidMethod)?;
    check_target(&method, target)?;
    let target = String::from_utf8(target.to_vec()).map_err(|_| Error::InvalidTarget)?;
    Ok((method, target, version))
}

/// Parses a complete request head section (starting at the request line, ending with the
/// empty line) and decides its body framing.
/// `ends` are the line ends recorded by the scanner.
pub(crate) fn parse_request(
    section: impl Into<HeadSection>,
    ends: &[usize],
) -> Result<(RequestHead, BodyKind), Error> {
    let (section, lowered) = section.into().prepare(ends);
    let fields = ends.len().saturating_sub(2);
    let mut lines = lines(ends);
    let first = lines.next().ok_or(Error::InvalidRequestLine)?;
    let (method, path, version) = parse_request_line(section.get(first).unwrap_or_default())?;
    let headers = parse_fields(&section, lines, fields, lowered)?;
    let body = request_body(version, &headers)?;
    Ok((
        RequestHead {
            method,
            path,
            version,
            headers,
        },
        body,
    ))
}

/// Parses `HTTP-version SP 3DIGIT [SP reason-phrase]`. The SP before an empty reason may be
/// missing (`HTTP/1.1 200`): many servers send that, and it is unambiguous.
fn parse_status_line(line: &[u8]) -> Result<(Version, u16, String), Error> {
    let (version, rest) = line.split_at_checked(8).ok_or(Error::InvalidStatusLine)?;
    let version = parse_version(version, Error::InvalidStatusLine)?;
    let (code, reason) = match rest {
        [b' ', a, b, c, tail @ ..] if [a, b, c].iter().all(|d| d.is_ascii_digit()) => {
            let code = [a, b, c]
                .iter()
                .fold(0u16, |n, &&d| n * 10 + u16::from(d - b'0'));
            let reason: &[u8] = match tail {
                [] => b"",
                [b' ', reason @ ..] => reason,
                _ => return Err(Error::InvalidStatusLine),
            };
            (code, reason)
        }
        _ => return Err(Error::InvalidStatusLine),
    };
    if code < 100 || !reason.iter().all(|&b| is_field_byte(b)) {
        return Err(Error::InvalidStatusLine);
    }
    Ok((version, code, String::from_utf8_lossy(reason).into_owned()))
}

/// Parses a complete response head section and decides its body framing, given what request
/// it answers.
pub(crate) fn parse_response(
    section: impl Into<HeadSection>,
    ends: &[usize],
    answers: ResponseFor,
) -> Result<(ResponseHead, BodyKind), Error> {
    let (section, lowered) = section.into().prepare(ends);
    let fields = ends.len().saturating_sub(2);
    let mut lines = lines(ends);
    let first = lines.next().ok_or(Error::InvalidStatusLine)?;
    let (version, status, reason) = parse_status_line(section.get(first).unwrap_or_default())?;
    let headers = parse_fields(&section, lines, fields, lowered)?;
    let body = response_body(status, version, &headers, answers)?;
    Ok((
        ResponseHead {
            status,
            reason,
            version,
            headers,
        },
        body,
    ))
}

/// Parses a complete trailer section (field lines and the empty line).
pub(crate) fn parse_trailers(mut section: BytesMut, ends: &[usize]) -> Result<Vec<Header>, Error> {
    lowercase_names(&mut section, ends, false);
    let section = section.freeze();
    let fields = ends.len().saturating_sub(1);
    let trailers = parse_fields(&section, lines(ends), fields, true)?;
    let forbidden = [&b"content-length"[..], b"transfer-encoding", b"host"];
    if trailers.iter().any(|t| forbidden.contains(&&t.name[..])) {
        return Err(Error::ForbiddenTrailer);
    }
    Ok(trailers)
}

/// What the framing fields of a head say.
#[derive(Debug, Default)]
struct Framing {
    /// `content-length`, if present (all elements identical).
    content_length: Option<u64>,
    /// `Some(chunked_is_final)` if `transfer-encoding` is present.
    transfer_encoding: Option<bool>,
    /// How many `host` fields.
    hosts: usize,
}

fn framing(headers: &[Header]) -> Result<Framing, Error> {
    let mut f = Framing::default();
    let mut cl_text: Option<&[u8]> = None;
    let mut chunked_last = false;
    for h in headers {
        match &h.name[..] {
            b"content-length" => {
                for elem in h.value.split(|&b| b == b',').map(trim_ows) {
                    let n = parse_decimal(elem).ok_or(Error::InvalidContentLength)?;
                    match cl_text {
                        Some(first) if first != elem => {
                            return Err(Error::ConflictingContentLength)
                        }
                        _ => cl_text = Some(elem),
                    }
                    f.content_length = Some(n);
                }
            }
            b"transfer-encoding" => {
                for coding in h.value.split(|&b| b == b',').map(trim_ows) {
                    // `chunked` must be applied last, and only once.
                    if chunked_last || !is_token(coding) {
                        return Err(Error::InvalidTransferEncoding);
                    }
                    chunked_last = coding.eq_ignore_ascii_case(b"chunked");
                }
                f.transfer_encoding = Some(chunked_last);
            }
            b"host" => f.hosts += 1,
            _ => {}
        }
    }
    Ok(f)
}

/// `1*DIGIT` as a u64; `None` if empty, not digits, or too large.
fn parse_decimal(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |n, &b| {
        let d = b.is_ascii_digit().then(|| u64::from(b - b'0'))?;
        n.checked_mul(10)?.checked_add(d)
    })
}

/// Body framing of a request (RFC 9112 §6.3, strict).
fn request_body(version: Version, headers: &[Header]) -> Result<BodyKind, Error> {
    let f = framing(headers)?;
    if f.hosts > 1 {
        return Err(Error::DuplicateHost);
    }
    match (f.transfer_encoding, f.content_length) {
        (Some(_), _) if version == Version::Http10 => Err(Error::TransferEncodingInHttp10),
        (Some(_), Some(_)) => Err(Error::TransferEncodingWithContentLength),
        (Some(true), None) => Ok(BodyKind::Chunked),
        (Some(false), None) => Err(Error::InvalidTransferEncoding),
        (None, Some(n)) => Ok(BodyKind::Length(n)),
        (None, None) => Ok(BodyKind::None),
    }
}

/// Body framing of a response (RFC 9112 §6.3). Framing fields are validated even when the
/// status says there is no body, so a malformed upstream is noticed early.
fn response_body(
    status: u16,
    version: Version,
    headers: &[Header],
    answers: ResponseFor,
) -> Result<BodyKind, Error> {
    let f = framing(headers)?;
    let kind = match (f.transfer_encoding, f.content_length) {
        (Some(_), _) if version == Version::Http10 => return Err(Error::TransferEncodingInHttp10),
        (Some(_), Some(_)) => return Err(Error::TransferEncodingWithContentLength),
        (Some(true), None) => BodyKind::Chunked,
        // RFC 9112 §6.3 rule 4: a response not ending in chunked is read until close.
        (Some(false), None) => BodyKind::UntilClose,
        (None, Some(n)) => BodyKind::Length(n),
        (None, None) => BodyKind::UntilClose,
    };
    let no_body = answers.head_request
        || status < 200
        || status == 204
        || status == 304
        || (answers.connect && (200..300).contains(&status));
    Ok(if no_body { BodyKind::None } else { kind })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Line ends as the scanner would record them.
    fn ends(s: &[u8]) -> Vec<usize> {
        (0..s.len())
            .filter(|&i| s[i] == b'\n')
            .map(|i| i + 1)
            .collect()
    }

    fn req(s: &str) -> Result<(RequestHead, BodyKind), Error> {
        parse_request(BytesMut::from(s), &ends(s.as_bytes()))
    }

    fn resp(s: &str, answers: ResponseFor) -> Result<(ResponseHead, BodyKind), Error> {
        parse_response(BytesMut::from(s), &ends(s.as_bytes()), answers)
    }

    #[test]
    fn request_basics() -> Result<(), Error> {
        let (h, body) = req("GET /a?b HTTP/1.1\r\nHost: x\r\nX-Y:  z \t\r\n\r\n")?;
        assert_eq!((h.method.as_str(), h.path.as_str()), ("GET", "/a?b"));
        assert_eq!(h.version, Version::Http11);
        assert_eq!(
            h.headers,
            vec![Header::new("host", "x"), Header::new("x-y", "z")]
        );
        assert_eq!(body, BodyKind::None);
        Ok(())
    }

    #[test]
    fn empty_value_and_colon_in_value() -> Result<(), Error> {
        let (h, _) = req("GET / HTTP/1.0\r\na:\r\nb: http://x:1\r\n\r\n")?;
        assert_eq!(
            h.headers,
            vec![Header::new("a", ""), Header::new("b", "http://x:1")]
        );
        Ok(())
    }

    #[test]
    fn request_line_errors() {
        let cases = [
            ("GET /\r\n\r\n", Error::InvalidRequestLine),
            ("GET  / HTTP/1.1\r\n\r\n", Error::InvalidRequestLine),
            ("GET / HTTP/1.1 \r\n\r\n", Error::InvalidRequestLine),
            ("G(T / HTTP/1.1\r\n\r\n", Error::InvalidMethod),
            (" GET / HTTP/1.1\r\n\r\n", Error::InvalidMethod),
            ("GET / HTTP/2.0\r\n\r\n", Error::UnsupportedVersion),
            ("GET / http/1.1\r\n\r\n", Error::InvalidRequestLine),
            ("GET /\x01 HTTP/1.1\r\n\r\n", Error::InvalidTarget),
            ("GET * HTTP/1.1\r\n\r\n", Error::InvalidTarget),
            ("GET x HTTP/1.1\r\n\r\n", Error::InvalidTarget),
            ("CONNECT /x HTTP/1.1\r\n\r\n", Error::InvalidTarget),
            ("GET /\r HTTP/1.1\r\n\r\n", Error::InvalidTarget),
        ];
        for (input, err) in cases {
            assert_eq!(req(input).err(), Some(err), "{input:?}");
        }
    }

    #[test]
    fn target_forms() {
        for ok in [
            "OPTIONS * HTTP/1.1\r\n\r\n",
            "CONNECT example.com:443 HTTP/1.1\r\n\r\n",
            "GET http://example.com/x HTTP/1.1\r\n\r\n",
            "GET /caf\u{e9} HTTP/1.1\r\n\r\n",
        ] {
            assert!(req(ok).is_ok(), "{ok:?}");
        }
        let bad_utf8 = &b"GET /\xff HTTP/1.1\r\n\r\n"[..];
        let parsed = parse_request(BytesMut::from(bad_utf8), &ends(bad_utf8));
        assert_eq!(parsed.err(), Some(Error::InvalidTarget));
    }

    #[test]
    fn field_errors() {
        let cases = [
            ("a b: c", Error::InvalidHeaderName),
            (": c", Error::InvalidHeaderName),
            ("a : c", Error::WhitespaceBeforeColon),
            ("a\t: c", Error::WhitespaceBeforeColon),
            (" a: c", Error::ObsFold),
            ("\ta: c", Error::ObsFold),
            ("abc", Error::MissingColon),
            ("a: b\x00c", Error::InvalidHeaderValue),
            ("a: b\rc", Error::InvalidHeaderValue),
            ("a: b\x7f", Error::InvalidHeaderValue),
            ("a: b\x1b", Error::InvalidHeaderValue),
        ];
        for (line, err) in cases {
            let input = format!("GET / HTTP/1.1\r\n{line}\r\n\r\n");
            assert_eq!(req(&input).err(), Some(err), "{line:?}");
        }
        assert!(req("GET / HTTP/1.1\r\na: b\tc \u{e9}\r\n\r\n").is_ok());
    }

    #[test]
    fn field_values_word_by_word() {
        for len in 0..40 {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    let want = v.iter().all(|&b| is_field_byte(b));
                    assert_eq!(is_field_value(&v), want, "{v:?}");
                }
            }
        }
    }

    #[test]
    fn fast_and_checked_field_paths_agree() {
        let mut lines: Vec<Vec<u8>> = [
            "a: b",
            "Host: x",
            "X-Y:  z \t",
            "a:",
            "b: http://x:1",
            "a b: c",
            ": c",
            "a : c",
            "a\t: c",
            " a: c",
            "\ta: c",
            "abc",
            "a: b\x00c",
            "a: b\rc",
            "a: b\x7f",
            "a: b\x1b",
            "Content-Length: 5",
            "CONTENT-TYPE:text/plain",
            "x-\u{e9}: 1",
            "a: \u{e9}\t",
            "a:\t\t",
            "A:B:C",
            "Set-Cookie: a=b; Path=/",
        ]
        .iter()
        .map(|l| l.as_bytes().to_vec())
        .collect();
        // Every byte in the name and in the value.
        for b in 0..=255u8 {
            lines.push([&b"x"[..], &[b], b": v"].concat());
            lines.push([&b"x: v"[..], &[b], b"w"].concat());
        }
        for lowered in [false, true] {
            for line in &lines {
                let section = Bytes::from(line.clone());
                let (mut fast, mut checked) = (Vec::new(), Vec::new());
                let f = parse_field(&section, 0..line.len(), &mut fast, lowered);
                let c = parse_field_checked(&section, 0..line.len(), &mut checked, lowered);
                assert_eq!((f, fast), (c, checked), "{line:?}");
            }
        }
    }

    #[test]
    fn framing_rules() {
        let body =
            |fields: &str, v: &str| req(&format!("POST / {v}\r\n{fields}\r\n")).map(|(_, b)| b);
        use BodyKind as B;
        let cases: [(&str, &str, Result<BodyKind, Error>); 16] = [
            ("content-length: 5\r\n", "HTTP/1.1", Ok(B::Length(5))),
            (
                "content-length: 5\r\nContent-Length: 5\r\n",
                "HTTP/1.1",
                Ok(B::Length(5)),
            ),
            ("content-length: 5, 5\r\n", "HTTP/1.1", Ok(B::Length(5))),
            (
                "content-length: 5\r\ncontent-length: 6\r\n",
                "HTTP/1.1",
                Err(Error::ConflictingContentLength),
            ),
            (
                "content-length: 5, 6\r\n",
                "HTTP/1.1",
                Err(Error::ConflictingContentLength),
            ),
            (
                "content-length: 5, 05\r\n",
                "HTTP/1.1",
                Err(Error::ConflictingContentLength),
            ),
            (
                "content-length: +5\r\n",
                "HTTP/1.1",
                Err(Error::InvalidContentLength),
            ),
            (
                "content-length: 5,\r\n",
                "HTTP/1.1",
                Err(Error::InvalidContentLength),
            ),
            (
                "content-length: 18446744073709551616\r\n",
                "HTTP/1.1",
                Err(Error::InvalidContentLength),
            ),
            (
                "transfer-encoding: gzip, CHUNKED\r\n",
                "HTTP/1.1",
                Ok(B::Chunked),
            ),
            (
                "transfer-encoding: gzip\r\ntransfer-encoding: chunked\r\n",
                "HTTP/1.1",
                Ok(B::Chunked),
            ),
            (
                "transfer-encoding: chunked, chunked\r\n",
                "HTTP/1.1",
                Err(Error::InvalidTransferEncoding),
            ),
            (
                "transfer-encoding: gzip\r\n",
                "HTTP/1.1",
                Err(Error::InvalidTransferEncoding),
            ),
            (
                "transfer-encoding: chunked\r\n",
                "HTTP/1.0",
                Err(Error::TransferEncodingInHttp10),
            ),
            (
                "host: a\r\nhost: a\r\n",
                "HTTP/1.1",
                Err(Error::DuplicateHost),
            ),
            ("", "HTTP/1.0", Ok(B::None)),
        ];
        for (fields, v, want) in cases {
            assert_eq!(body(fields, v), want, "{fields:?}");
        }
    }

    #[test]
    fn status_lines() -> Result<(), Error> {
        let any = ResponseFor::default();
        let (h, b) = resp("HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n", any)?;
        assert_eq!(
            (h.status, h.reason.as_str(), b),
            (200, "OK", BodyKind::Length(3))
        );
        let (h, b) = resp("HTTP/1.0 404\r\n\r\n", any)?;
        assert_eq!(
            (h.status, h.reason.as_str(), b),
            (404, "", BodyKind::UntilClose)
        );
        let (h, _) = resp("HTTP/1.1 200 \r\n\r\n", any)?;
        assert_eq!(h.reason, "");
        for bad in [
            "HTTP/1.1 20 OK\r\n\r\n",
            "HTTP/1.1 2000 OK\r\n\r\n",
            "HTTP/1.1 099 OK\r\n\r\n",
            "HTTP/1.1  200 OK\r\n\r\n",
            "HTTP/1.1 200 O\x00K\r\n\r\n",
            "HTTP/1.1\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
        ] {
            assert_eq!(
                resp(bad, any).err(),
                Some(Error::InvalidStatusLine),
                "{bad:?}"
            );
        }
        assert_eq!(
            resp("HTTP/2.0 200 OK\r\n\r\n", any).err(),
            Some(Error::UnsupportedVersion)
        );
        Ok(())
    }

    #[test]
    fn response_framing() {
        let kind = |s: &str, answers| resp(s, answers).map(|(_, b)| b);
        let any = ResponseFor::default();
        let head = ResponseFor {
            head_request: true,
            connect: false,
        };
        let connect = ResponseFor {
            head_request: false,
            connect: true,
        };
        use BodyKind as B;
        assert_eq!(
            kind("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", any),
            Ok(B::Chunked)
        );
        assert_eq!(
            kind("HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n", any),
            Ok(B::UntilClose)
        );
        assert_eq!(
            kind("HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n", head),
            Ok(B::None)
        );
        assert_eq!(kind("HTTP/1.1 204 No Content\r\n\r\n", any), Ok(B::None));
        assert_eq!(
            kind(
                "HTTP/1.1 304 Not Modified\r\ncontent-length: 9\r\n\r\n",
                any
            ),
            Ok(B::None)
        );
        assert_eq!(kind("HTTP/1.1 100 Continue\r\n\r\n", any), Ok(B::None));
        assert_eq!(kind("HTTP/1.1 200 OK\r\n\r\n", connect), Ok(B::None));
        assert_eq!(
            kind("HTTP/1.1 407 Auth\r\ncontent-length: 1\r\n\r\n", connect),
            Ok(B::Length(1))
        );
        assert_eq!(
            kind(
                "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-length: 1\r\n\r\n",
                any
            ),
            Err(Error::TransferEncodingWithContentLength)
        );
        assert_eq!(
            kind("HTTP/1.0 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", any),
            Err(Error::TransferEncodingInHttp10)
        );
    }

    #[test]
    fn trailers() {
        let t = parse_trailers(
            BytesMut::from("X-Sum: 1\r\n\r\n"),
            &ends("X-Sum: 1\r\n\r\n".as_bytes()),
        );
        assert_eq!(t, Ok(vec![Header::new("x-sum", "1")]));
        assert_eq!(
            parse_trailers(BytesMut::from("\r\n"), &ends("\r\n".as_bytes())),
            Ok(vec![])
        );
        assert_eq!(
            parse_trailers(
                BytesMut::from("Content-Length: 1\r\n\r\n"),
                &ends("Content-Length: 1\r\n\r\n".as_bytes())
            ),
            Err(Error::ForbiddenTrailer)
        );
    }

    #[test]
    fn check_field_rules() {
        assert_eq!(check_field(b"x-a", b"b c"), Ok(()));
        assert_eq!(check_field(b"x a", b"b"), Err(Error::InvalidHeaderName));
        assert_eq!(
            check_field(b"x", b"a\r\nb: c"),
            Err(Error::InvalidHeaderValue)
        );
    }
}
