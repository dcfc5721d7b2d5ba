//! Body decoding: content-length, chunked (RFC 9112 §7.1) and until-close bodies.
//!
//! Body bytes are never copied: each data item is `input.split_to(n)`. Only the chunk framing
//! (size lines, CRLFs) is consumed byte by byte, and only a trailer section is buffered.

use bytes::{Buf, Bytes, BytesMut};

use super::head::{is_field_byte, parse_trailers};
use super::scan::{Scanner, Section};
use super::{Error, Header, Limits};

/// What one step of body decoding produced.
#[derive(Debug)]
pub(crate) enum BodyEvent {
    /// Body bytes (non-empty), sliced from the input.
    Data(Bytes),
    /// The body is complete, with these trailers.
    End(Vec<Header>),
}

/// State of a body being decoded.
#[derive(Debug)]
pub(crate) enum Body {
    /// This many bytes are left.
    Length(u64),
    /// Chunked, at this point of the framing.
    Chunked(Chunked),
    /// Everything until the connection closes.
    UntilClose,
}

/// Where in the chunked framing the decoder is.
#[derive(Debug)]
pub(crate) enum Chunked {
    /// Reading a chunk-size line.
    Size(SizeLine),
    /// Inside chunk data, with this many bytes left.
    Data(u64),
    /// After chunk data: expecting CR.
    DataCr,
    /// After chunk data and CR: expecting LF.
    DataLf,
    /// After the last chunk: reading the trailer section.
    Trailers(Scanner),
}

impl Chunked {
    pub(crate) fn new() -> Chunked {
        Chunked::Size(SizeLine::default())
    }
}

/// Incremental parser for `chunk-size [ ";" chunk-ext ] CRLF`.
#[derive(Debug, Default)]
pub(crate) struct SizeLine {
    size: u64,
    /// Bytes of the line seen, CRLF included.
    len: usize,
    state: SizeState,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum SizeState {
    /// No hex digit yet.
    #[default]
    Start,
    /// At least one hex digit.
    Digits,
    /// In the extension (after `;`).
    Ext,
    /// Saw the CR; expecting LF.
    Cr,
}

impl SizeLine {
    /// Feeds one byte; returns the chunk size when the line is complete.
    ///
    /// Strict: the size is hex digits only (no whitespace, sign or `0x`); after the digits comes
    /// either CRLF or `;` and an extension of field-value bytes (any byte but CTLs other than
    /// HTAB). The extension's inner grammar is not checked, since it is discarded, but a CR or
    /// LF inside it is an error, so it can never hide a line break.
    fn feed(&mut self, b: u8, limits: &Limits) -> Result<Option<u64>, Error> {
        self.len += 1;
        if self.len > limits.max_chunk_line {
            return Err(Error::ChunkLineTooLong);
        }
        self.state = match (self.state, b) {
            (SizeState::Start | SizeState::Digits, _) if b.is_ascii_hexdigit() => {
                let digit = u64::from(hex_value(b));
                self.size = self
                    .size
                    .checked_mul(16)
                    .and_then(|n| n.checked_add(digit))
                    .ok_or(Error::ChunkSizeOverflow)?;
                SizeState::Digits
            }
            (SizeState::Digits, b';') => SizeState::Ext,
            (SizeState::Digits | SizeState::Ext, b'\r') => SizeState::Cr,
            (SizeState::Digits | SizeState::Ext, b'\n') => return Err(Error::BareLf),
            (SizeState::Ext, _) if is_field_byte(b) => SizeState::Ext,
            (SizeState::Ext, _) => return Err(Error::InvalidChunkExtension),
            (SizeState::Cr, b'\n') => return Ok(Some(self.size)),
            _ => return Err(Error::InvalidChunkSize),
        };
        Ok(None)
    }
}

fn hex_value(b: u8) -> u8 {
    match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        b'A'..=b'F' => b - b'A' + 10,
        _ => 0,
    }
}

/// Removes and returns up to `n` bytes from the front of `input`, or `None` if it is empty.
fn take(input: &mut Bytes, n: u64) -> Option<Bytes> {
    let len = usize::try_from(n).unwrap_or(usize::MAX).min(input.len());
    (len > 0).then(|| input.split_to(len))
}

/// Removes the first byte of `input`.
fn next_byte(input: &mut Bytes) -> Option<u8> {
    let b = *input.first()?;
    input.advance(1);
    Some(b)
}

impl Body {
    /// Decodes from `input` until one event is ready (`Some`) or `input` is used up (`None`).
    /// `buf` holds a trailer section that spans calls.
    pub(crate) fn decode(
        &mut self,
        input: &mut Bytes,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<BodyEvent>, Error> {
        match self {
            Body::Length(0) => Ok(Some(BodyEvent::End(Vec::new()))),
            Body::Length(left) => {
                let Some(data) = take(input, *left) else {
                    return Ok(None);
                };
                // `data.len() <= *left`, so this cannot underflow.
                *left -= data.len() as u64;
                Ok(Some(BodyEvent::Data(data)))
            }
            Body::UntilClose => Ok(take(input, u64::MAX).map(BodyEvent::Data)),
            Body::Chunked(chunked) => chunked.decode(input, buf, limits),
        }
    }
}

impl Chunked {
    fn decode(
        &mut self,
        input: &mut Bytes,
        buf: &mut BytesMut,
        limits: &Limits,
    ) -> Result<Option<BodyEvent>, Error> {
        loop {
            match self {
                Chunked::Size(line) => {
                    let Some(b) = next_byte(input) else {
                        return Ok(None);
                    };
                    *self = match line.feed(b, limits)? {
                        None => continue,
                        Some(0) => Chunked::Trailers(Scanner::new(Section::Trailers)),
                        Some(n) => Chunked::Data(n),
                    };
                }
                Chunked::Data(left) => {
                    let Some(data) = take(input, *left) else {
                        return Ok(None);
                    };
                    *left -= data.len() as u64;
                    if *left == 0 {
                        *self = Chunked::DataCr;
                    }
                    return Ok(Some(BodyEvent::Data(data)));
                }
                Chunked::DataCr | Chunked::DataLf => {
                    let Some(b) = next_byte(input) else {
                        return Ok(None);
                    };
                    *self = match (&*self, b) {
                        (Chunked::DataCr, b'\r') => Chunked::DataLf,
                        (Chunked::DataLf, b'\n') => Chunked::new(),
                        _ => return Err(Error::MissingChunkCrlf),
                    };
                }
                Chunked::Trailers(scanner) => {
                    let found = scanner.scan(input, limits)?;
                    let n = found.unwrap_or(input.len());
                    buf.extend_from_slice(input.get(..n).unwrap_or_default());
                    input.advance(n);
                    if found.is_none() {
                        return Ok(None);
                    }
                    let trailers = parse_trailers(buf.split(), scanner.line_ends())?;
                    return Ok(Some(BodyEvent::End(trailers)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn size_line(line: &[u8], limits: &Limits) -> Result<Option<u64>, Error> {
        let mut s = SizeLine::default();
        let mut out = None;
        for &b in line {
            out = s.feed(b, limits)?;
        }
        Ok(out)
    }

    #[test]
    fn size_lines() {
        let l = Limits::default();
        assert_eq!(size_line(b"1a\r\n", &l), Ok(Some(26)));
        assert_eq!(size_line(b"000F\r\n", &l), Ok(Some(15)));
        assert_eq!(size_line(b"5;name=\"v a\"\t;x\r\n", &l), Ok(Some(5)));
        assert_eq!(size_line(b"ffffffffffffffff\r\n", &l), Ok(Some(u64::MAX)));
        assert_eq!(
            size_line(b"10000000000000000\r\n", &l),
            Err(Error::ChunkSizeOverflow)
        );
        for bad in [
            &b"0x5\r\n"[..],
            b"-5\r\n",
            b"+5\r\n",
            b" 5\r\n",
            b"5 \r\n",
            b"\r\n",
            b";x\r\n",
            b"5\rx",
        ] {
            assert_eq!(size_line(bad, &l), Err(Error::InvalidChunkSize), "{bad:?}");
        }
        assert_eq!(size_line(b"5\n", &l), Err(Error::BareLf));
        assert_eq!(size_line(b"5;a\nb\r\n", &l), Err(Error::BareLf));
        assert_eq!(
            size_line(b"5;a\x00\r\n", &l),
            Err(Error::InvalidChunkExtension)
        );
        let small = Limits {
            max_chunk_line: 4,
            ..l
        };
        assert_eq!(size_line(b"ab\r\n", &small), Ok(Some(0xab)));
        assert_eq!(size_line(b"abc\r\n", &small), Err(Error::ChunkLineTooLong));
    }

    #[test]
    fn length_body_is_zero_copy() -> Result<(), Error> {
        let mut body = Body::Length(3);
        let mut buf = BytesMut::new();
        let source = Bytes::from_static(b"abcdef");
        let mut input = source.clone();
        let Some(BodyEvent::Data(d)) = body.decode(&mut input, &mut buf, &Limits::default())?
        else {
            panic!("expected data");
        };
        assert_eq!((&d[..], d.as_ptr()), (&b"abc"[..], source.as_ptr()));
        assert!(matches!(
            body.decode(&mut input, &mut buf, &Limits::default())?,
            Some(BodyEvent::End(_))
        ));
        assert_eq!(&input[..], b"def");
        Ok(())
    }
}
