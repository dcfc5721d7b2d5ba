//! Properties checked for the streaming (de)compressors in `weir_codec::compress`:
//!
//! `check_decoders` (arbitrary bytes into the gzip, deflate or brotli decoder):
//! 1. no panic; every piece handed out is non-empty and at most `CHUNK` bytes;
//! 2. the output never passes the size limit, nor (with a ratio limit) the ratio allowance;
//! 3. the input decoded whole, split in two at a point chosen by the data and (when short)
//!    one byte at a time gives the same outcome: both succeed with the same output, or both
//!    fail with the same error (a limit error may stand in for a corruption error found in
//!    the same step) after outputs one of which is a prefix of the other. For brotli two
//!    failures may differ in kind: its decoder sizes its ring buffer by peeking at the next
//!    meta-block header when the input holds it, so a *corrupt* stream can be caught at a
//!    different point (`Truncated` vs `Brotli`) depending on the cut (weir-codec's
//!    `corrupt_brotli_fails_however_it_is_cut`);
//! 4. after an error the decoder stays failed with that error.
//!
//! Input layout: 2 bytes split point, 1 byte of flags, then the compressed bytes. Flag bits
//! 0..=1 choose the method (3 is brotli too); bit 2 sets a 4 KiB size limit instead of
//! 1 MiB (to reach the limit paths often).
//!
//! `check_round_trip` (arbitrary bytes compressed, then decompressed):
//! 1. our decoder gives back the input, however encoder and decoder input are cut, under a
//!    size limit of exactly the input's length;
//! 2. the reference decoders (flate2's gzip and zlib readers, brotli's reader) agree.
//!
//! Input layout: 1 byte of flags (bits 0..=1 method, bits 2..=3 level), 1 byte encoder
//! piece size − 1, 1 byte decoder piece size − 1, then the plain bytes. Brotli at its best
//! quality (11) takes only the first 512 plain bytes: it costs tens of milliseconds a
//! kilobyte, which would slow the whole target to a crawl.

use std::io::Read;

use bytes::Bytes;
use weir_codec::compress::{Decoder, Encoder, Error, Level, Limits, Method, CHUNK, RATIO_GRACE};

fn method(bits: u8) -> Method {
    match bits & 3 {
        0 => Method::Gzip,
        1 => Method::Deflate,
        _ => Method::Brotli,
    }
}

/// What one run of a decoder produced.
#[derive(Debug)]
struct Outcome {
    out: Vec<u8>,
    result: Result<(), Error>,
}

/// Decodes `chunks` in order, then the end of the body.
fn run(method: Method, limits: Limits, chunks: &[&[u8]]) -> Outcome {
    let mut d = Decoder::with_limits(method, limits);
    let mut out = Vec::new();
    let mut emit = |b: Bytes| {
        assert!(!b.is_empty(), "empty piece");
        assert!(b.len() <= CHUNK, "piece of {} bytes", b.len());
        out.extend_from_slice(&b);
    };
    let mut result = Ok(());
    for chunk in chunks {
        result = d.decode(chunk, &mut emit);
        if result.is_err() {
            break;
        }
    }
    if result.is_ok() {
        result = d.finish(&mut emit);
    }
    if let Err(e) = result {
        assert_eq!(d.decode(b"\x1f\x8b", &mut emit), Err(e), "stays failed");
        assert_eq!(d.finish(&mut emit), Err(e), "stays failed");
    } else {
        assert_eq!(d.total_out(), out.len() as u64);
    }
    let given: usize = chunks.iter().map(|c| c.len()).sum();
    let allowed = if limits.max_ratio == 0 {
        limits.max_size
    } else {
        limits
            .max_size
            .min((limits.max_ratio * given as u64).max(RATIO_GRACE))
    };
    assert!(
        out.len() as u64 <= allowed,
        "{} bytes out, {allowed} allowed",
        out.len()
    );
    Outcome { out, result }
}

/// Whether two runs over the same bytes, cut differently, agree.
fn same(method: Method, a: &Outcome, b: &Outcome) -> bool {
    match (&a.result, &b.result) {
        (Ok(()), Ok(())) => a.out == b.out,
        (Err(x), Err(y)) => {
            let (short, long) = if a.out.len() <= b.out.len() {
                (&a.out, &b.out)
            } else {
                (&b.out, &a.out)
            };
            let kinds = x == y || x.is_limit() || y.is_limit() || method == Method::Brotli;
            kinds && long.starts_with(short)
        }
        _ => false,
    }
}

/// Checks one decoder on `data` (layout above).
pub fn check_decoders(data: &[u8]) {
    let [s0, s1, flags, input @ ..] = data else {
        return;
    };
    let method = method(*flags);
    let max_size = if flags & 4 != 0 { 4096 } else { 1 << 20 };
    let limits = Limits {
        max_size,
        max_ratio: 0,
    };
    let whole = run(method, limits, &[input]);
    let at = usize::from(u16::from_le_bytes([*s0, *s1])) % (input.len() + 1);
    let (a, b) = input.split_at(at);
    let split = run(method, limits, &[a, b]);
    assert!(
        same(method, &whole, &split),
        "split at {at}: {whole:?} vs {split:?}"
    );
    if input.len() <= 256 {
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        let one = run(method, limits, &bytes);
        assert!(
            same(method, &whole, &one),
            "byte by byte: {whole:?} vs {one:?}"
        );
    }
    // A ratio limit: bounded output (checked in `run`) and the same bytes while it holds.
    let ratio = Limits {
        max_size: 4 << 20,
        max_ratio: 2,
    };
    let r = run(method, ratio, &[a, b]);
    if r.result.is_ok() && whole.result.is_ok() {
        assert_eq!(r.out, whole.out, "ratio-limited run");
    }
}

/// Checks compression then decompression of `data` (layout above).
pub fn check_round_trip(data: &[u8]) {
    let [flags, enc_piece, dec_piece, plain @ ..] = data else {
        return;
    };
    let method = method(*flags);
    let level = match (flags >> 2) & 3 {
        0 => Level::Default,
        1 => Level::None,
        2 => Level::Speed,
        _ => Level::Best,
    };
    let plain = match (method, level) {
        (Method::Brotli, Level::Best) => &plain[..plain.len().min(512)],
        _ => plain,
    };
    let mut packed = Vec::new();
    let mut e = Encoder::new(method, level);
    let mut emit = |b: Bytes| {
        assert!(!b.is_empty(), "empty piece");
        packed.extend_from_slice(&b);
    };
    for piece in plain.chunks(usize::from(*enc_piece) + 1) {
        e.encode(piece, &mut emit);
    }
    e.finish(&mut emit);

    let limits = Limits {
        max_size: plain.len() as u64,
        max_ratio: 0,
    };
    let pieces: Vec<&[u8]> = packed.chunks(usize::from(*dec_piece) + 1).collect();
    let back = run(method, limits, &pieces);
    assert_eq!(back.result, Ok(()), "{method:?} {level:?}");
    assert!(
        back.out == plain,
        "{method:?} {level:?}: round trip differs"
    );

    let mut theirs = Vec::new();
    let r = match method {
        Method::Gzip => flate2::read::GzDecoder::new(&packed[..]).read_to_end(&mut theirs),
        Method::Deflate => flate2::read::ZlibDecoder::new(&packed[..]).read_to_end(&mut theirs),
        Method::Brotli => brotli::BrotliDecompress(&mut &packed[..], &mut theirs).map(|_| 0),
    };
    assert!(r.is_ok(), "{method:?} {level:?}: reference decoder: {r:?}");
    assert!(
        theirs == plain,
        "{method:?} {level:?}: reference decoder differs"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks themselves work on a few known inputs (run with `cargo test` in `fuzz/`).
    #[test]
    fn smoke() {
        for flags in 0..16u8 {
            check_round_trip(&[&[flags, 7, 3][..], b"hello hello hello hello"].concat());
            check_round_trip(&[flags, 0, 0]);
        }
        let mut packed = Vec::new();
        let mut e = Encoder::new(Method::Gzip, Level::Best);
        e.encode(&[0; 100_000], &mut |b| packed.extend_from_slice(&b));
        e.finish(&mut |b| packed.extend_from_slice(&b));
        for flags in [0, 4] {
            check_decoders(&[&[9, 0, flags][..], &packed].concat());
        }
        check_decoders(b"\x03\x00\x01not deflate at all");
        // The first crash (see `same`): corrupt brotli, caught at a cut-dependent point.
        check_decoders(b"\x21\x00\x1f\x8b\x08\x00\x00\x00\x27\x08\x2e\x10\x1f\x06\x1c\x70\xa3\x09\x30\x8e\x00\x22");
        check_decoders(b"\x03\x00\x02\xff\xff\xff\xff");
    }
}
