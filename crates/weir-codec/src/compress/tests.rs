use bytes::Bytes;

use super::gzip::header_len;
use super::*;

fn sample(n: usize) -> Vec<u8> {
    // Text-like and compressible, but not trivially so.
    (0..n)
        .map(|i| b"the quick brown fox jumps over the lazy dog 0123456789\n"[(i * 7 + i / 13) % 55])
        .collect()
}

fn encode_split(method: Method, input: &[u8], split: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = Encoder::new(method, Level::Default);
    let mut emit = |b: Bytes| out.extend_from_slice(&b);
    e.encode(&input[..split], &mut emit);
    e.encode(&input[split..], &mut emit);
    e.finish(&mut emit);
    out
}

fn decode_split(method: Method, input: &[u8], splits: &[usize]) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut d = Decoder::new(method);
    let mut emit = |b: Bytes| {
        assert!(!b.is_empty() && b.len() <= CHUNK);
        out.extend_from_slice(&b);
    };
    let mut at = 0;
    for &s in splits {
        d.decode(&input[at..s], &mut emit)?;
        at = s;
    }
    d.decode(&input[at..], &mut emit)?;
    d.finish(&mut emit)?;
    Ok(out)
}

fn decode_all(method: Method, input: &[u8]) -> Result<Vec<u8>, Error> {
    decode_split(method, input, &[])
}

const METHODS: [Method; 3] = [Method::Gzip, Method::Deflate, Method::Brotli];

#[test]
fn round_trip_every_split_point() {
    for method in METHODS {
        for n in [0, 1, 2, 7, 100] {
            let plain = sample(n);
            let reference = encode_split(method, &plain, 0);
            for split in 0..=n {
                let packed = encode_split(method, &plain, split);
                assert_eq!(decode_all(method, &packed).as_deref(), Ok(&plain[..]));
            }
            for split in 0..=reference.len() {
                assert_eq!(
                    decode_split(method, &reference, &[split]).as_deref(),
                    Ok(&plain[..]),
                    "{method:?} n={n} split={split}"
                );
            }
            // Byte by byte.
            let splits: Vec<usize> = (1..reference.len()).collect();
            assert_eq!(
                decode_split(method, &reference, &splits).as_deref(),
                Ok(&plain[..])
            );
        }
    }
}

#[test]
fn every_proper_prefix_is_truncated() {
    for method in METHODS {
        let packed = encode_split(method, &sample(100), 50);
        assert_eq!(
            decode_all(method, &[]),
            Ok(Vec::new()),
            "empty body is fine"
        );
        for end in 1..packed.len() {
            assert_eq!(
                decode_all(method, &packed[..end]),
                Err(Error::Truncated),
                "{method:?} prefix {end}"
            );
        }
    }
}

#[test]
fn large_bodies_come_out_in_bounded_pieces() {
    let plain = vec![b'a'; 5 * CHUNK + 123];
    for method in METHODS {
        let packed = encode_split(method, &plain, 3 * CHUNK);
        assert!(packed.len() < plain.len() / 20, "{method:?} compresses");
        assert_eq!(decode_all(method, &packed).as_deref(), Ok(&plain[..]));
    }
}

#[test]
fn gzip_matches_the_reference_implementation() {
    use std::io::{Read, Write};
    let plain = sample(3000);
    // Ours → flate2's reader.
    let ours = encode_split(Method::Gzip, &plain, 1000);
    let mut back = Vec::new();
    flate2::read::GzDecoder::new(&ours[..])
        .read_to_end(&mut back)
        .expect("valid gzip");
    assert_eq!(back, plain);
    // flate2's writer (with a file name in the header) → ours.
    let mut w = flate2::GzBuilder::new()
        .filename("x.txt")
        .comment("hello")
        .extra(vec![1, 2, 3])
        .write(Vec::new(), flate2::Compression::best());
    w.write_all(&plain).expect("write to Vec");
    let theirs = w.finish().expect("finish into Vec");
    for split in [1, 5, 10, 12, 17, 20, 26, 40] {
        assert_eq!(
            decode_split(Method::Gzip, &theirs, &[split]).as_deref(),
            Ok(&plain[..])
        );
    }
}

#[test]
fn gzip_header_parsing_is_prefix_safe() {
    let mut h = vec![0x1f, 0x8b, 8, FLAGS, 0, 0, 0, 0, 0, 3];
    const FLAGS: u8 = 0x02 | 0x04 | 0x08 | 0x10;
    h.extend_from_slice(&[2, 0, b'x', b'y']); // extra
    h.extend_from_slice(b"name\0comment\0");
    h.extend_from_slice(&[0xaa, 0xbb]); // header CRC
    for end in 0..h.len() {
        assert_eq!(header_len(&h[..end]), Ok(None), "prefix {end}");
    }
    assert_eq!(header_len(&h), Ok(Some(h.len())));
    assert_eq!(header_len(&[0x1f, 0x8c]), Err(Error::GzipHeader));
    assert_eq!(header_len(&[0x1f, 0x8b, 7]), Err(Error::GzipHeader));
    assert_eq!(header_len(&[0x1f, 0x8b, 8, 0x20]), Err(Error::GzipHeader));
}

#[test]
fn gzip_members_follow_each_other_and_garbage_is_ignored() {
    let a = encode_split(Method::Gzip, b"hello, ", 3);
    let b = encode_split(Method::Gzip, b"world", 0);
    let both = [a.clone(), b].concat();
    for split in 0..=both.len() {
        assert_eq!(
            decode_split(Method::Gzip, &both, &[split]).as_deref(),
            Ok(&b"hello, world"[..])
        );
    }
    let padded = [a, vec![0, 0, 0]].concat();
    assert_eq!(
        decode_all(Method::Gzip, &padded).as_deref(),
        Ok(&b"hello, "[..])
    );
}

#[test]
fn corrupt_input_is_an_error_not_a_panic() {
    let packed = encode_split(Method::Gzip, &sample(500), 0);
    // Not gzip at all.
    assert_eq!(
        decode_all(Method::Gzip, b"this is not gzip"),
        Err(Error::GzipHeader)
    );
    // A flipped byte in the trailer's CRC.
    let mut bad = packed.clone();
    let n = bad.len();
    bad[n - 6] ^= 0xff;
    assert_eq!(decode_all(Method::Gzip, &bad), Err(Error::Checksum));
    // A flipped length.
    let mut bad = packed.clone();
    bad[n - 1] ^= 0x01;
    assert_eq!(decode_all(Method::Gzip, &bad), Err(Error::Length));
    // Garbage in the middle of the deflate stream: some error, never a panic, and the
    // decoder stays failed.
    for i in 10..packed.len() {
        let mut bad = packed.clone();
        bad[i] = bad[i].wrapping_add(0x55);
        let mut d = Decoder::new(Method::Gzip);
        let first = d
            .decode(&bad, &mut |_| {})
            .and_then(|_| d.finish(&mut |_| {}));
        if let Err(e) = first {
            assert_eq!(d.decode(b"more", &mut |_| {}), Err(e));
        }
    }
    for method in [Method::Deflate, Method::Brotli] {
        let packed = encode_split(method, &sample(500), 0);
        for i in 0..packed.len() {
            let mut bad = packed.clone();
            bad[i] ^= 0xa5;
            let _ = decode_all(method, &bad); // must not panic
        }
        assert!(decode_all(method, &[0xff; 64]).is_err());
    }
}

#[test]
fn deflate_accepts_zlib_and_raw() {
    let plain = sample(777);
    let mut raw = Vec::new();
    let mut z = flate2::Compress::new(flate2::Compression::default(), false);
    let mut buf = Vec::with_capacity(4096);
    z.compress_vec(&plain, &mut buf, flate2::FlushCompress::Finish)
        .expect("compress into Vec");
    raw.extend_from_slice(&buf);
    assert!(!is_zlib_header(raw[0], raw[1]));
    for split in 0..=raw.len() {
        assert_eq!(
            decode_split(Method::Deflate, &raw, &[split]).as_deref(),
            Ok(&plain[..])
        );
    }
    let zlib = encode_split(Method::Deflate, &plain, 100);
    assert!(is_zlib_header(zlib[0], zlib[1]));
    // A wrong Adler-32 in the zlib trailer is caught.
    let mut bad = zlib.clone();
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert!(decode_all(Method::Deflate, &bad).is_err());
}

#[test]
fn brotli_matches_the_reference_implementation() {
    let plain = sample(4000);
    let ours = encode_split(Method::Brotli, &plain, 2000);
    let mut back = Vec::new();
    brotli::BrotliDecompress(&mut &ours[..], &mut back).expect("valid brotli");
    assert_eq!(back, plain);
    let mut theirs = Vec::new();
    let params = brotli::enc::BrotliEncoderParams::default();
    brotli::BrotliCompress(&mut &plain[..], &mut theirs, &params).expect("compress");
    assert_eq!(
        decode_all(Method::Brotli, &theirs).as_deref(),
        Ok(&plain[..])
    );
}

#[test]
fn levels_and_tokens() {
    let plain = sample(20000);
    for method in METHODS {
        let mut sizes = Vec::new();
        for level in [Level::None, Level::Speed, Level::Default, Level::Best] {
            let mut out = Vec::new();
            let mut e = Encoder::new(method, level);
            e.encode(&plain, &mut |b| out.extend_from_slice(&b));
            e.finish(&mut |b| out.extend_from_slice(&b));
            assert_eq!(decode_all(method, &out).as_deref(), Ok(&plain[..]));
            sizes.push(out.len());
        }
        assert!(sizes[0] > sizes[3], "{method:?}: {sizes:?}");
        assert_eq!(
            Method::from_content_encoding(method.token().as_bytes()),
            Some(method)
        );
    }
    assert_eq!(Method::from_content_encoding(b" GZip "), Some(Method::Gzip));
    assert_eq!(Method::from_content_encoding(b"x-gzip"), Some(Method::Gzip));
    assert_eq!(Method::from_content_encoding(b"gzip, br"), None);
    assert_eq!(Method::from_content_encoding(b"identity"), None);
}

/// `n` zero bytes compressed with `method` (a decompression bomb), fed to the encoder
/// 1 MiB at a time.
fn zeros_packed(method: Method, n: usize) -> Vec<u8> {
    let block = vec![0u8; 1 << 20];
    let mut out = Vec::new();
    // Best packs zeros about 1000:1 with deflate; brotli does far better even at its fastest.
    let level = match method {
        Method::Brotli => Level::Speed,
        _ => Level::Best,
    };
    let mut e = Encoder::new(method, level);
    let mut emit = |b: Bytes| out.extend_from_slice(&b);
    let mut left = n;
    while left > 0 {
        let k = left.min(block.len());
        e.encode(&block[..k], &mut emit);
        left -= k;
    }
    e.finish(&mut emit);
    out
}

/// Decodes `packed` in chunks of `chunk` bytes with `limits`; returns the result, the bytes
/// handed out and the largest piece. The output is counted, not kept.
fn decode_counting(
    method: Method,
    packed: &[u8],
    chunk: usize,
    limits: Limits,
) -> (Result<(), Error>, u64, usize) {
    let mut d = Decoder::with_limits(method, limits);
    let (mut total, mut largest) = (0u64, 0usize);
    let mut emit = |b: Bytes| {
        assert!(b.iter().all(|&x| x == 0), "only zeros were packed");
        total += b.len() as u64;
        largest = largest.max(b.len());
    };
    let mut r = Ok(());
    for c in packed.chunks(chunk.max(1)) {
        r = d.decode(c, &mut emit);
        if r.is_err() {
            break;
        }
    }
    if r.is_ok() {
        r = d.finish(&mut emit);
    }
    (r, total, largest)
}

#[test]
fn a_bomb_stops_at_the_size_limit_within_one_chunk() {
    const BOMB: usize = 100 * 1000 * 1000; // 100 MB of zeros
    const MAX: u64 = 4 * 1024 * 1024;
    let limits = Limits {
        max_size: MAX,
        max_ratio: 0,
    };
    for method in METHODS {
        let packed = zeros_packed(method, BOMB);
        assert!(packed.len() < 200 * 1024, "{method:?}: {}", packed.len());
        // The whole bomb in one call: the decoder stops as soon as it passes the limit.
        let (r, total, largest) = decode_counting(method, &packed, packed.len(), limits);
        assert_eq!(r, Err(Error::TooLarge(MAX)), "{method:?}");
        assert!(total <= MAX, "{method:?}: handed out {total}");
        assert!(
            total + CHUNK as u64 > MAX - CHUNK as u64,
            "{method:?}: {total}"
        );
        assert!(largest <= CHUNK);
        // Without limits the same decoder gets through it all.
        let (r, total, _) = decode_counting(method, &packed, 64 * 1024, Limits::NONE);
        assert_eq!((r, total), (Ok(()), BOMB as u64), "{method:?}");
    }
}

#[test]
fn a_bomb_stops_at_the_ratio_limit() {
    const RATIO: u64 = 100;
    let limits = Limits {
        max_size: u64::MAX,
        max_ratio: RATIO,
    };
    for method in METHODS {
        let packed = zeros_packed(method, 50 * 1000 * 1000);
        for chunk in [1024, 16 * 1024, packed.len()] {
            let (r, total, _) = decode_counting(method, &packed, chunk, limits);
            assert_eq!(r, Err(Error::TooExpanded(RATIO)), "{method:?} {chunk}");
            // Never more than the allowance for the input received so far.
            let allowed = (RATIO * packed.len() as u64).max(RATIO_GRACE);
            assert!(total <= allowed, "{method:?} {chunk}: {total} > {allowed}");
        }
    }
}

#[test]
fn ordinary_bodies_pass_the_limits() {
    let limits = Limits {
        max_size: 1 << 20,
        max_ratio: 100,
    };
    let plain = sample(200_000);
    for method in METHODS {
        let packed = encode_split(method, &plain, 1000);
        let mut d = Decoder::with_limits(method, limits);
        let mut out = Vec::new();
        for c in packed.chunks(100) {
            d.decode(c, &mut |b| out.extend_from_slice(&b))
                .expect("within limits");
        }
        d.finish(&mut |b| out.extend_from_slice(&b)).expect("ends");
        assert_eq!(out, plain, "{method:?}");
        assert_eq!(d.total_out(), plain.len() as u64);
        // Exactly at the size limit is fine; one byte under is not.
        for (max, ok) in [(plain.len() as u64, true), (plain.len() as u64 - 1, false)] {
            let tight = Limits {
                max_size: max,
                max_ratio: 0,
            };
            let mut d = Decoder::with_limits(method, tight);
            let r = d
                .decode(&packed, &mut |_| {})
                .and_then(|_| d.finish(&mut |_| {}));
            assert_eq!(r.is_ok(), ok, "{method:?} max {max}");
            if !ok {
                assert!(r.is_err_and(|e| e.is_limit()));
            }
        }
    }
}

/// Found by the `compress_decode` fuzz target: a corrupt brotli stream (an uncompressed
/// meta-block) that fails with `Truncated` after 27 bytes when given whole, but with
/// `Brotli` and no output when cut at byte 13..=18. The brotli decoder sizes its ring buffer
/// by peeking at the next meta-block header when the input holds it (as the C reference
/// does), so how much input is visible can change where a *corrupt* stream is caught. What
/// must not change: it is an error however it is cut, and nothing panics.
#[test]
fn corrupt_brotli_fails_however_it_is_cut() {
    let input: &[u8] =
        b"\x8b\x08\x00\x00\x00\x27\x08\x2e\x10\x1f\x06\x1c\x70\xa3\x09\x30\x8e\x00\x22";
    for at in 0..=input.len() {
        let r = decode_split(Method::Brotli, input, &[at]);
        assert!(
            matches!(r, Err(Error::Truncated | Error::Brotli)),
            "cut at {at}: {r:?}"
        );
    }
    let bytes: Vec<usize> = (1..input.len()).collect();
    assert!(decode_split(Method::Brotli, input, &bytes).is_err());
}
