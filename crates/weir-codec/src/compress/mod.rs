//! Streaming compression of message bodies: gzip, deflate (zlib) and brotli, both ways.
//!
//! An [`Encoder`] or [`Decoder`] is fed one input chunk at a time and hands out what it
//! produced through a callback, in pieces of at most [`CHUNK`] bytes, so a body is never
//! held whole: memory stays bounded by the codec's window plus one output piece.
//!
//! The decoders accept what HTTP clients send in practice:
//! - `gzip`: one or more members (RFC 1952), with the optional header fields; the CRC-32
//!   and length of each member are checked; bytes after a member that do not start another
//!   one are ignored.
//! - `deflate`: zlib-wrapped (RFC 1950, what the RFC means) or raw deflate (what some
//!   servers send), told apart by the first two bytes as browsers do.
//! - `br`: brotli (RFC 7932).
//!
//! An empty input is a valid empty body for every decoder (a `HEAD` or `304` answer keeps
//! its `content-encoding` but has no bytes). After an error a decoder stays failed.
//!
//! A few hundred compressed bytes can stand for gigabytes (a "decompression bomb"), so a
//! decoder given [`Limits`] counts every piece as the codec produces it and fails with
//! [`Error::TooLarge`] or [`Error::TooExpanded`] the moment a limit is passed: it never
//! produces more than the limit, however much one input chunk would expand to.

mod gzip;
mod limits;
#[cfg(test)]
mod tests;

use bytes::Bytes;
use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use gzip::GzipDecoder;
use limits::Output;
pub use limits::{Limits, RATIO_GRACE};

/// The most bytes handed out in one piece.
pub const CHUNK: usize = 16 * 1024;

/// Brotli window (log2 of its size in bytes) used for compression.
const BROTLI_LGWIN: u32 = 22;

/// A content coding this module can write and read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `gzip` (RFC 1952).
    Gzip,
    /// `deflate`: zlib format when encoding; zlib or raw when decoding.
    Deflate,
    /// `br` (RFC 7932).
    Brotli,
}

impl Method {
    /// The `content-encoding` token for this method.
    pub fn token(self) -> &'static str {
        match self {
            Method::Gzip => "gzip",
            Method::Deflate => "deflate",
            Method::Brotli => "br",
        }
    }

    /// The method named by a `content-encoding` value holding a single coding
    /// (`gzip`, `x-gzip`, `deflate`, `br`; any case, blanks around it ignored).
    pub fn from_content_encoding(value: &[u8]) -> Option<Method> {
        let v = value.trim_ascii();
        if v.eq_ignore_ascii_case(b"gzip") || v.eq_ignore_ascii_case(b"x-gzip") {
            Some(Method::Gzip)
        } else if v.eq_ignore_ascii_case(b"deflate") {
            Some(Method::Deflate)
        } else if v.eq_ignore_ascii_case(b"br") {
            Some(Method::Brotli)
        } else {
            None
        }
    }
}

/// How hard to compress (Pipy's four levels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Level {
    /// zlib level 6, brotli quality 5.
    #[default]
    Default,
    /// Stored blocks only (zlib level 0, brotli quality 0).
    None,
    /// Fastest (zlib level 1, brotli quality 1).
    Speed,
    /// Smallest (zlib level 9, brotli quality 11).
    Best,
}

impl Level {
    fn zlib(self) -> Compression {
        match self {
            Level::Default => Compression::new(6),
            Level::None => Compression::new(0),
            Level::Speed => Compression::new(1),
            Level::Best => Compression::new(9),
        }
    }

    fn brotli(self) -> u32 {
        match self {
            Level::Default => 5,
            Level::None => 0,
            Level::Speed => 1,
            Level::Best => 11,
        }
    }
}

/// Why a compressed body could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The gzip header is malformed (bad magic, method or flags, or oversized).
    #[error("malformed gzip header")]
    GzipHeader,
    /// The deflate stream inside gzip or zlib is corrupt.
    #[error("corrupt deflate data")]
    Deflate,
    /// The brotli stream is corrupt.
    #[error("corrupt brotli data")]
    Brotli,
    /// A gzip member's CRC-32 does not match its data.
    #[error("gzip CRC-32 mismatch")]
    Checksum,
    /// A gzip member's recorded length does not match its data.
    #[error("gzip length mismatch")]
    Length,
    /// The input ended inside a compressed stream.
    #[error("compressed data ends early")]
    Truncated,
    /// The decoded body grew past [`Limits::max_size`] bytes (the limit).
    #[error("the decoded body exceeds the limit of {0} bytes")]
    TooLarge(u64),
    /// The decoded body grew past [`Limits::max_ratio`] (given) times the compressed bytes
    /// received so far.
    #[error("the decoded body expands more than {0} times its compressed size")]
    TooExpanded(u64),
}

impl Error {
    /// Whether this is a limit being reached ([`Error::TooLarge`], [`Error::TooExpanded`])
    /// rather than bad data.
    pub fn is_limit(&self) -> bool {
        matches!(self, Error::TooLarge(_) | Error::TooExpanded(_))
    }
}

/// Hands out `out` when it holds at least `min` bytes, leaving a fresh buffer behind.
fn emit_if(out: &mut Vec<u8>, min: usize, emit: &mut dyn FnMut(Bytes)) {
    if !out.is_empty() && out.len() >= min {
        let full = std::mem::replace(out, Vec::with_capacity(CHUNK));
        emit(Bytes::from(full));
    }
}

// ---------------------------------------------------------------------------------------
// encoding

/// A streaming compressor for one body.
pub struct Encoder {
    inner: EncInner,
    out: Vec<u8>,
}

enum EncInner {
    Gzip {
        z: Compress,
        crc: flate2::Crc,
        header_written: bool,
    },
    Deflate(Compress),
    Brotli(Box<brotli::CompressorWriter<Vec<u8>>>),
    Finished,
}

/// The fixed gzip header weir writes: no name, no time, unknown OS.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];

impl Encoder {
    /// A compressor for `method` at `level`.
    pub fn new(method: Method, level: Level) -> Encoder {
        let inner = match method {
            Method::Gzip => EncInner::Gzip {
                z: Compress::new(level.zlib(), false),
                crc: flate2::Crc::new(),
                header_written: false,
            },
            Method::Deflate => EncInner::Deflate(Compress::new(level.zlib(), true)),
            Method::Brotli => EncInner::Brotli(Box::new(brotli::CompressorWriter::new(
                Vec::new(),
                4096,
                level.brotli(),
                BROTLI_LGWIN,
            ))),
        };
        Encoder {
            inner,
            out: Vec::with_capacity(CHUNK),
        }
    }

    /// Compresses one chunk; whatever output is ready is handed to `emit`.
    pub fn encode(&mut self, input: &[u8], emit: &mut dyn FnMut(Bytes)) {
        match &mut self.inner {
            EncInner::Gzip {
                z,
                crc,
                header_written,
            } => {
                if !*header_written {
                    *header_written = true;
                    self.out.extend_from_slice(&GZIP_HEADER);
                }
                crc.update(input);
                deflate_into(z, input, FlushCompress::None, &mut self.out, emit);
            }
            EncInner::Deflate(z) => {
                deflate_into(z, input, FlushCompress::None, &mut self.out, emit)
            }
            EncInner::Brotli(w) => {
                // Writing into a Vec cannot fail, and the encoder accepts any input.
                let _ = std::io::Write::write_all(w.as_mut(), input);
                self.out.append(w.get_mut());
            }
            EncInner::Finished => return,
        }
        emit_if(&mut self.out, 1, emit);
    }

    /// Ends the body: the rest of the compressed stream (and the gzip trailer).
    pub fn finish(&mut self, emit: &mut dyn FnMut(Bytes)) {
        match std::mem::replace(&mut self.inner, EncInner::Finished) {
            EncInner::Gzip {
                mut z,
                crc,
                header_written,
            } => {
                if !header_written {
                    self.out.extend_from_slice(&GZIP_HEADER);
                }
                deflate_into(&mut z, &[], FlushCompress::Finish, &mut self.out, emit);
                self.out.extend_from_slice(&crc.sum().to_le_bytes());
                self.out.extend_from_slice(&crc.amount().to_le_bytes());
            }
            EncInner::Deflate(mut z) => {
                deflate_into(&mut z, &[], FlushCompress::Finish, &mut self.out, emit)
            }
            EncInner::Brotli(w) => {
                let rest = w.into_inner();
                self.out.extend_from_slice(&rest);
            }
            EncInner::Finished => {}
        }
        emit_if(&mut self.out, 1, emit);
    }
}

/// Runs the deflater over all of `input` (and, with `Finish`, to the end of the stream).
fn deflate_into(
    z: &mut Compress,
    mut input: &[u8],
    flush: FlushCompress,
    out: &mut Vec<u8>,
    emit: &mut dyn FnMut(Bytes),
) {
    loop {
        if out.len() == out.capacity() {
            emit_if(out, 1, emit);
            out.reserve(CHUNK);
        }
        let before_in = z.total_in();
        let before_out = out.len();
        let status = z.compress_vec(input, out, flush);
        let used = (z.total_in() - before_in) as usize;
        input = &input[used.min(input.len())..];
        let produced = out.len() - before_out;
        match status {
            Ok(Status::StreamEnd) => return,
            Ok(_) if input.is_empty() && out.len() < out.capacity() => {
                if matches!(flush, FlushCompress::None) {
                    return;
                }
            }
            Ok(_) => {}
            // The deflater takes any bytes; an error here means no progress is possible.
            Err(_) => return,
        }
        if used == 0 && produced == 0 && out.len() < out.capacity() {
            return; // no progress with room to spare: nothing more to do
        }
    }
}

// ---------------------------------------------------------------------------------------
// decoding

/// A streaming decompressor for one body.
pub struct Decoder {
    inner: DecInner,
    out: Output,
    failed: Option<Error>,
}

enum DecInner {
    Gzip(GzipDecoder),
    Deflate(DeflateDecoder),
    Brotli(BrotliDecoder),
}

impl Decoder {
    /// A decompressor for bodies in `method`, without limits (for trusted input, such as
    /// files shipped with the program).
    pub fn new(method: Method) -> Decoder {
        Decoder::with_limits(method, Limits::NONE)
    }

    /// A decompressor for bodies in `method` that fails once the output passes `limits`.
    pub fn with_limits(method: Method, limits: Limits) -> Decoder {
        let inner = match method {
            Method::Gzip => DecInner::Gzip(GzipDecoder::new()),
            Method::Deflate => DecInner::Deflate(DeflateDecoder::Sniffing([0; 2], 0)),
            Method::Brotli => DecInner::Brotli(BrotliDecoder::new()),
        };
        Decoder {
            inner,
            out: Output::new(limits),
            failed: None,
        }
    }

    /// How many decoded bytes this decoder has produced so far.
    pub fn total_out(&self) -> u64 {
        self.out.produced()
    }

    /// Decompresses one chunk; decoded bytes go to `emit` as they are produced.
    pub fn decode(&mut self, input: &[u8], emit: &mut dyn FnMut(Bytes)) -> Result<(), Error> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        self.out.take_input(input.len());
        let r = match &mut self.inner {
            DecInner::Gzip(d) => d.decode(input, &mut self.out, emit),
            DecInner::Deflate(d) => d.decode(input, &mut self.out, emit),
            DecInner::Brotli(d) => d.decode(input, &mut self.out, emit),
        };
        self.settle(r, emit)
    }

    /// The end of the body: an error if it stopped inside a compressed stream.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Bytes)) -> Result<(), Error> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let r = match &mut self.inner {
            DecInner::Gzip(d) => d.finish(),
            DecInner::Deflate(d) => d.finish(),
            DecInner::Brotli(d) => d.finish(&mut self.out, emit),
        };
        self.settle(r, emit)
    }

    fn settle(&mut self, r: Result<(), Error>, emit: &mut dyn FnMut(Bytes)) -> Result<(), Error> {
        match r {
            Ok(()) => {
                emit_if(&mut self.out.buf, 1, emit);
                Ok(())
            }
            Err(e) => {
                self.failed = Some(e);
                self.out.buf.clear();
                Err(e)
            }
        }
    }
}

/// Runs the inflater over `input` until it is used up or the stream ends; returns how
/// many bytes of `input` were consumed and whether the stream ended. Every output piece
/// is handed to `emit`, after `on_output` has seen it (for the gzip CRC).
fn inflate_into(
    z: &mut Decompress,
    mut input: &[u8],
    output: &mut Output,
    emit: &mut dyn FnMut(Bytes),
    on_output: &mut dyn FnMut(&[u8]),
) -> Result<(usize, bool), Error> {
    let total = input.len();
    loop {
        let out = &mut output.buf;
        if out.len() == out.capacity() {
            emit_if(out, 1, emit);
            out.reserve(CHUNK);
        }
        let before_in = z.total_in();
        let before_out = out.len();
        let status = z
            .decompress_vec(input, out, FlushDecompress::None)
            .map_err(|_| Error::Deflate)?;
        let used = ((z.total_in() - before_in) as usize).min(input.len());
        input = &input[used..];
        let produced = out.len() - before_out;
        on_output(&out[before_out..]);
        let room = out.len() < out.capacity();
        output.count(produced)?;
        if status == Status::StreamEnd {
            return Ok((total - input.len(), true));
        }
        if input.is_empty() && room {
            return Ok((total, false));
        }
        if used == 0 && produced == 0 && room {
            // Room to write and bytes to read, yet no progress: the stream is stuck.
            return Err(Error::Deflate);
        }
    }
}

/// `deflate`: waits for two bytes to tell zlib from raw deflate, then inflates.
enum DeflateDecoder {
    Sniffing([u8; 2], usize),
    Inflating(Box<Decompress>),
    Ended,
}

/// Whether two bytes start a zlib stream (RFC 1950: method 8, window ≤ 32K, check bits).
fn is_zlib_header(b0: u8, b1: u8) -> bool {
    b0 & 0x0f == 8 && b0 >> 4 <= 7 && (u16::from(b0) << 8 | u16::from(b1)) % 31 == 0
}

impl DeflateDecoder {
    fn decode(
        &mut self,
        mut input: &[u8],
        out: &mut Output,
        emit: &mut dyn FnMut(Bytes),
    ) -> Result<(), Error> {
        if let DeflateDecoder::Sniffing(buf, n) = self {
            while *n < 2 && !input.is_empty() {
                buf[*n] = input[0];
                *n += 1;
                input = &input[1..];
            }
            if *n < 2 {
                return Ok(());
            }
            let head = *buf;
            let mut z = Box::new(Decompress::new(is_zlib_header(head[0], head[1])));
            let (_, ended) = inflate_into(&mut z, &head, out, emit, &mut |_| {})?;
            *self = if ended {
                DeflateDecoder::Ended
            } else {
                DeflateDecoder::Inflating(z)
            };
        }
        if let DeflateDecoder::Inflating(z) = self {
            let (_, ended) = inflate_into(z, input, out, emit, &mut |_| {})?;
            if ended {
                *self = DeflateDecoder::Ended;
            }
        }
        // Bytes after the end of the stream are ignored.
        Ok(())
    }

    fn finish(&mut self) -> Result<(), Error> {
        match self {
            DeflateDecoder::Sniffing(_, 0) | DeflateDecoder::Ended => Ok(()),
            _ => Err(Error::Truncated),
        }
    }
}

type BrotliState = brotli::BrotliState<
    brotli::enc::StandardAlloc,
    brotli::enc::StandardAlloc,
    brotli::enc::StandardAlloc,
>;

/// `br`, straight over the brotli state machine.
struct BrotliDecoder {
    state: Box<BrotliState>,
    seen_input: bool,
    ended: bool,
}

impl BrotliDecoder {
    fn new() -> BrotliDecoder {
        let a = brotli::enc::StandardAlloc::default;
        BrotliDecoder {
            state: Box::new(BrotliState::new(a(), a(), a())),
            seen_input: false,
            ended: false,
        }
    }

    /// Runs the state machine over `input`; `Ok(true)` once the stream has ended.
    fn run(
        &mut self,
        input: &[u8],
        output: &mut Output,
        emit: &mut dyn FnMut(Bytes),
    ) -> Result<bool, Error> {
        let mut avail_in = input.len();
        let mut in_off = 0;
        let mut total_out = 0;
        loop {
            let out = &mut output.buf;
            if out.len() >= CHUNK {
                emit_if(out, 1, emit);
            }
            let start = out.len();
            out.resize(CHUNK, 0);
            let mut avail_out = CHUNK - start;
            let mut out_off = start;
            let r = brotli::BrotliDecompressStream(
                &mut avail_in,
                &mut in_off,
                input,
                &mut avail_out,
                &mut out_off,
                out,
                &mut total_out,
                &mut self.state,
            );
            out.truncate(out_off);
            output.count(out_off - start)?;
            match r {
                brotli::BrotliResult::ResultSuccess => return Ok(true),
                brotli::BrotliResult::NeedsMoreOutput => continue,
                brotli::BrotliResult::NeedsMoreInput => return Ok(false),
                brotli::BrotliResult::ResultFailure => return Err(Error::Brotli),
            }
        }
    }

    fn decode(
        &mut self,
        input: &[u8],
        out: &mut Output,
        emit: &mut dyn FnMut(Bytes),
    ) -> Result<(), Error> {
        if self.ended || input.is_empty() {
            return Ok(()); // bytes after the end are ignored
        }
        self.seen_input = true;
        self.ended = self.run(input, out, emit)?;
        Ok(())
    }

    fn finish(&mut self, out: &mut Output, emit: &mut dyn FnMut(Bytes)) -> Result<(), Error> {
        if self.ended || !self.seen_input {
            return Ok(());
        }
        // Output the state machine may still hold, then it must be at the end.
        self.ended = self.run(&[], out, emit)?;
        if self.ended {
            Ok(())
        } else {
            Err(Error::Truncated)
        }
    }
}
