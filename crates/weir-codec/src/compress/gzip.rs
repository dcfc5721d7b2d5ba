//! The gzip container (RFC 1952) around a raw deflate stream: header, body, trailer,
//! member after member.

use bytes::Bytes;
use flate2::Decompress;

use super::{inflate_into, Error, Output};

/// A header longer than this (a huge name or comment field) is refused.
const MAX_HEADER: usize = 64 * 1024;

const FTEXT_FHCRC: u8 = 0x02;
const FEXTRA: u8 = 0x04;
const FNAME: u8 = 0x08;
const FCOMMENT: u8 = 0x10;
const FRESERVED: u8 = 0xe0;

/// The length of the gzip header at the start of `buf`: `Ok(None)` while it is
/// incomplete, an error if it is not a gzip header. Prefix-safe: a prefix of a valid header
/// gives `Ok(None)`, never an error.
pub(crate) fn header_len(buf: &[u8]) -> Result<Option<usize>, Error> {
    let check = |i: usize, want: u8| match buf.get(i) {
        Some(&b) if b != want => Err(Error::GzipHeader),
        _ => Ok(()),
    };
    check(0, 0x1f)?;
    check(1, 0x8b)?;
    check(2, 8)?; // deflate, the only method defined
    let Some(&flags) = buf.get(3) else {
        return Ok(None);
    };
    if flags & FRESERVED != 0 {
        return Err(Error::GzipHeader);
    }
    let mut pos = 10; // magic, method, flags, mtime, xfl, os
    if flags & FEXTRA != 0 {
        let (Some(&lo), Some(&hi)) = (buf.get(pos), buf.get(pos + 1)) else {
            return Ok(None);
        };
        pos += 2 + usize::from(u16::from_le_bytes([lo, hi]));
    }
    for field in [FNAME, FCOMMENT] {
        if flags & field != 0 {
            match buf
                .get(pos..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
            {
                Some(nul) => pos += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & FTEXT_FHCRC != 0 {
        pos += 2;
    }
    Ok((buf.len() >= pos).then_some(pos))
}

enum State {
    /// Reading a member's header (the bytes so far).
    Header(Vec<u8>),
    Body {
        z: Box<Decompress>,
        crc: flate2::Crc,
    },
    Trailer {
        crc: u32,
        size: u32,
        buf: [u8; 8],
        n: usize,
    },
    /// A member ended; the input may go on with another one.
    Between,
    /// What followed the last member was not another member: ignored.
    Ignoring,
}

pub(crate) struct GzipDecoder {
    state: State,
}

impl GzipDecoder {
    pub(crate) fn new() -> GzipDecoder {
        GzipDecoder {
            state: State::Header(Vec::new()),
        }
    }

    pub(crate) fn decode(
        &mut self,
        mut input: &[u8],
        out: &mut Output,
        emit: &mut dyn FnMut(Bytes),
    ) -> Result<(), Error> {
        while !input.is_empty() {
            match &mut self.state {
                State::Header(buf) => {
                    let had = buf.len();
                    buf.extend_from_slice(input);
                    match header_len(buf)? {
                        Some(len) => {
                            input = &input[len - had..];
                            self.state = State::Body {
                                z: Box::new(Decompress::new(false)),
                                crc: flate2::Crc::new(),
                            };
                        }
                        None if buf.len() > MAX_HEADER => return Err(Error::GzipHeader),
                        None => input = &[],
                    }
                }
                State::Body { z, crc } => {
                    let (used, ended) = inflate_into(z, input, out, emit, &mut |b| crc.update(b))?;
                    input = &input[used..];
                    if ended {
                        self.state = State::Trailer {
                            crc: crc.sum(),
                            size: crc.amount(),
                            buf: [0; 8],
                            n: 0,
                        };
                    }
                }
                State::Trailer { crc, size, buf, n } => {
                    let take = (8 - *n).min(input.len());
                    buf[*n..*n + take].copy_from_slice(&input[..take]);
                    *n += take;
                    input = &input[take..];
                    if *n == 8 {
                        let want_crc = u32::from_le_bytes([buf[0], buf[1], buf[2], buf[3]]);
                        let want_size = u32::from_le_bytes([buf[4], buf[5], buf[6], buf[7]]);
                        if want_crc != *crc {
                            return Err(Error::Checksum);
                        }
                        if want_size != *size {
                            return Err(Error::Length);
                        }
                        self.state = State::Between;
                    }
                }
                State::Between => {
                    self.state = if input[0] == 0x1f {
                        State::Header(Vec::new())
                    } else {
                        State::Ignoring
                    };
                }
                State::Ignoring => input = &[],
            }
        }
        Ok(())
    }

    pub(crate) fn finish(&mut self) -> Result<(), Error> {
        match &self.state {
            State::Header(buf) if buf.is_empty() => Ok(()),
            State::Between | State::Ignoring => Ok(()),
            _ => Err(Error::Truncated),
        }
    }
}
