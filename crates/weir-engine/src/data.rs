//! [`Data`]: the byte-stream value carried by data events through pipelines.
//!
//! A proxy mostly moves bytes it did not produce: it reads a buffer from a
//! socket, peels a header off the front, forwards the rest. `Data` is built so
//! that all of those steps are cheap. It is a queue of reference-counted
//! [`Bytes`] chunks; cutting, splitting, appending and cloning only adjust
//! reference counts and offsets, they never copy payload bytes. The only
//! operations that copy are the ones that must produce contiguous memory
//! (`to_vec`, `make_contiguous`, `encode`, multi-chunk `to_bytes`) or that take
//! borrowed input (`push_slice`, `From<&str>`).

use std::fmt;
use std::ops::{Bound, RangeBounds};

use crate::chunks::Chunks;
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use bytes::Bytes;
use thiserror::Error;

/// Standard alphabet; emits `=` padding, accepts input with or without it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// URL-safe alphabet; emits no padding (as is usual for base64url, e.g. in
/// JWTs), accepts input with or without it.
const BASE64_URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// How many bytes the `Debug` output shows before eliding the rest.
const DEBUG_PREVIEW: usize = 32;

/// A text encoding for converting between [`Data`] and strings.
///
/// The names accepted by [`Encoding::parse`] are the ones Pipy scripts use
/// (`"utf8"`, `"hex"`, `"base64"`, ...), so script-facing code can hand the
/// user's string straight through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// UTF-8 text; the bytes are the string's own bytes.
    #[default]
    Utf8,
    /// Two hex digits per byte; lowercase on output, either case on input.
    Hex,
    /// Standard base64; padded on output, padding optional on input.
    Base64,
    /// URL-safe base64; unpadded on output, padding optional on input.
    Base64Url,
    /// UTF-16, little-endian code units, no byte-order mark.
    Utf16le,
    /// UTF-16, big-endian code units, no byte-order mark.
    Utf16be,
    /// ISO-8859-1: one byte per character, U+0000..=U+00FF only.
    Latin1,
}

impl Encoding {
    /// Looks up an encoding by its script-facing name.
    ///
    /// Names are matched exactly (lowercase), like Pipy's own enum lookup;
    /// `"utf-8"` is accepted as an alias of `"utf8"` because it is by far the
    /// most common spelling people reach for. Returns `None` for anything else.
    pub fn parse(name: &str) -> Option<Encoding> {
        Some(match name {
            "utf8" | "utf-8" => Encoding::Utf8,
            "hex" => Encoding::Hex,
            "base64" => Encoding::Base64,
            "base64url" => Encoding::Base64Url,
            "utf16le" => Encoding::Utf16le,
            "utf16be" => Encoding::Utf16be,
            "latin1" => Encoding::Latin1,
            _ => return None,
        })
    }

    /// The canonical name, which [`Encoding::parse`] maps back to `self`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
            Encoding::Base64Url => "base64url",
            Encoding::Utf16le => "utf16le",
            Encoding::Utf16be => "utf16be",
            Encoding::Latin1 => "latin1",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a string could not be turned into [`Data`] by [`Data::from_encoded`].
///
/// Offsets are byte offsets into the input string.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    /// Hex input must have two digits per byte.
    #[error("hex string has odd length {0}")]
    OddHexLength(usize),
    /// A character that is not a hex digit.
    #[error("invalid hex character {ch:?} at offset {index}")]
    InvalidHex {
        /// The offending character.
        ch: char,
        /// Its byte offset in the input.
        index: usize,
    },
    /// Malformed base64 or base64url input.
    #[error("invalid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// A character outside U+0000..=U+00FF cannot be stored as one latin1 byte.
    #[error("character {ch:?} at offset {index} is not representable in latin1")]
    NotLatin1 {
        /// The offending character.
        ch: char,
        /// Its byte offset in the input.
        index: usize,
    },
}

/// A byte string made of shared, immutable chunks.
///
/// This is what a data event carries. Chunks are kept as they arrived rather
/// than merged, because merging would mean copying; consumers that need one
/// contiguous slice can ask for it explicitly ([`Data::make_contiguous`],
/// [`Data::to_bytes`]).
///
/// Chunks live in a deque (one chunk inline, see `chunks.rs`) so that both ends can be trimmed in O(1) per
/// chunk: parsers shift from the front again and again while producers keep
/// pushing at the back, and a buffered body can grow to many chunks.
///
/// Invariants: no chunk is ever empty, and `len` is the sum of chunk lengths.
/// Keeping empty chunks out means "has a first chunk" is the same as "has a
/// first byte", which keeps every loop below simple.
///
/// Equality compares the logical bytes, not how they happen to be chunked.
#[derive(Clone, Default)]
pub struct Data {
    chunks: Chunks,
    len: usize,
}

impl Data {
    /// An empty `Data`. Does not allocate.
    pub fn new() -> Data {
        Data::default()
    }

    /// Builds `Data` from a string in the given encoding (Pipy's
    /// `Data.from(text, encoding)` / `new Data(text, encoding)`).
    ///
    /// * `Utf8`: the string's bytes.
    /// * `Hex`: pairs of hex digits, either case; odd length is an error.
    /// * `Base64` / `Base64Url`: the respective alphabet, trailing `=` padding
    ///   optional. Whitespace is not skipped.
    /// * `Utf16le` / `Utf16be`: the string re-encoded as UTF-16 code units
    ///   (surrogate pairs for non-BMP characters), no byte-order mark. Cannot fail.
    /// * `Latin1`: one byte per character; characters above U+00FF are an
    ///   error rather than being silently truncated.
    pub fn from_encoded(s: &str, enc: Encoding) -> Result<Data, DecodeError> {
        let bytes: Vec<u8> = match enc {
            Encoding::Utf8 => return Ok(Data::from(s)),
            Encoding::Hex => decode_hex(s)?,
            Encoding::Base64 => BASE64.decode(s)?,
            Encoding::Base64Url => BASE64_URL.decode(s)?,
            Encoding::Utf16le => s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Encoding::Utf16be => s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Encoding::Latin1 => {
                let mut out = Vec::with_capacity(s.len());
                for (index, ch) in s.char_indices() {
                    match u8::try_from(u32::from(ch)) {
                        Ok(b) => out.push(b),
                        Err(_) => return Err(DecodeError::NotLatin1 { ch, index }),
                    }
                }
                out
            }
        };
        Ok(Data::from(bytes))
    }

    // ----- queries -------------------------------------------------------

    /// Total number of bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The chunks in order. None of them is empty.
    pub fn chunks(&self) -> impl ExactSizeIterator<Item = &Bytes> + '_ {
        self.chunks.iter()
    }

    /// Consumes `self`, yielding its chunks in order (for vectored writes).
    pub fn into_chunks(self) -> impl ExactSizeIterator<Item = Bytes> {
        self.chunks.into_iter()
    }

    /// Number of chunks.
    pub fn chunk_count(&self) -> usize {
        self.chunks.len()
    }

    /// Iterates over every byte, across chunk boundaries.
    pub fn bytes(&self) -> impl Iterator<Item = u8> + '_ {
        self.chunks.iter().flat_map(|c| c.iter().copied())
    }

    /// Copies all bytes into a new `Vec`.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in &self.chunks {
            out.extend_from_slice(c);
        }
        out
    }

    /// All bytes as a single `Bytes`. Zero-copy when there is at most one
    /// chunk; otherwise the chunks are copied into a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        match self.chunks.len() {
            0 => Bytes::new(),
            1 => self.chunks[0].clone(),
            _ => Bytes::from(self.to_vec()),
        }
    }

    /// Like [`Data::to_bytes`] but consumes `self`, saving a refcount bump.
    pub fn into_bytes(mut self) -> Bytes {
        match self.chunks.len() {
            0 => Bytes::new(),
            1 => self.chunks.pop_front().unwrap_or_default(),
            _ => Bytes::from(self.to_vec()),
        }
    }

    /// Decodes the bytes as UTF-8, replacing invalid sequences with U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        match String::from_utf8(self.to_vec()) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }
    }

    /// Decodes the bytes as UTF-8, or `None` if they are not valid UTF-8.
    ///
    /// This mirrors Pipy's `toString()`, which yields `undefined` rather than
    /// a mangled string for invalid input.
    pub fn to_utf8(&self) -> Option<String> {
        String::from_utf8(self.to_vec()).ok()
    }

    /// Renders the bytes as a string in the given encoding (Pipy's
    /// `data.toString(encoding)`).
    ///
    /// * `Utf8`: lossy, see [`Data::to_string_lossy`]; use [`Data::to_utf8`]
    ///   to detect invalid input instead.
    /// * `Hex`: lowercase digits.
    /// * `Base64`: padded. `Base64Url`: unpadded.
    /// * `Utf16le` / `Utf16be`: the bytes are *decoded* as UTF-16 code units
    ///   into a Rust string, so that `from_encoded(s, e).encode(e) == s`.
    ///   Unpaired surrogates and a dangling odd final byte each become U+FFFD.
    /// * `Latin1`: each byte becomes the character with the same code point;
    ///   never fails.
    pub fn encode(&self, enc: Encoding) -> String {
        match enc {
            Encoding::Utf8 => self.to_string_lossy(),
            Encoding::Hex => {
                const DIGITS: &[u8; 16] = b"0123456789abcdef";
                let mut out = String::with_capacity(self.len * 2);
                for b in self.bytes() {
                    out.push(char::from(DIGITS[usize::from(b >> 4)]));
                    out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
                }
                out
            }
            // base64 works on 3-byte groups, so it needs contiguous input;
            // to_bytes is free in the common single-chunk case.
            Encoding::Base64 => BASE64.encode(self.to_bytes()),
            Encoding::Base64Url => BASE64_URL.encode(self.to_bytes()),
            Encoding::Utf16le => self.decode_utf16(u16::from_le_bytes),
            Encoding::Utf16be => self.decode_utf16(u16::from_be_bytes),
            Encoding::Latin1 => self.bytes().map(char::from).collect(),
        }
    }

    fn decode_utf16(&self, unit: fn([u8; 2]) -> u16) -> String {
        let mut bytes = self.bytes();
        let mut dangling = false;
        let units = std::iter::from_fn(|| {
            let hi = bytes.next()?;
            match bytes.next() {
                Some(lo) => Some(unit([hi, lo])),
                None => {
                    dangling = true;
                    None
                }
            }
        });
        let mut out: String = char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        if dangling {
            out.push(char::REPLACEMENT_CHARACTER);
        }
        out
    }

    /// The byte at position `i`, or `None` past the end.
    pub fn byte_at(&self, mut i: usize) -> Option<u8> {
        for c in &self.chunks {
            if i < c.len() {
                return Some(c[i]);
            }
            i -= c.len();
        }
        None
    }

    /// Whether the bytes begin with `prefix` (an empty prefix always matches).
    pub fn starts_with(&self, prefix: &[u8]) -> bool {
        prefix.len() <= self.len && self.matches_at(0, 0, prefix)
    }

    /// Position of the first occurrence of `needle`, which may straddle chunk
    /// boundaries. An empty needle is found at 0.
    pub fn find(&self, needle: &[u8]) -> Option<usize> {
        let Some(&first) = needle.first() else {
            return Some(0);
        };
        if needle.len() > self.len {
            return None;
        }
        let last_start = self.len - needle.len();
        let mut base = 0;
        for (ci, c) in self.chunks.iter().enumerate() {
            for (off, _) in c.iter().enumerate().filter(|&(_, &b)| b == first) {
                let pos = base + off;
                if pos > last_start {
                    return None;
                }
                if self.matches_at(ci, off, needle) {
                    return Some(pos);
                }
            }
            base += c.len();
        }
        None
    }

    /// Position of the first byte satisfying `pred`. `pred` is called once per
    /// byte, in order, up to and including the first match.
    pub fn position(&self, mut pred: impl FnMut(u8) -> bool) -> Option<usize> {
        let mut base = 0;
        for c in &self.chunks {
            if let Some(i) = c.iter().position(|&b| pred(b)) {
                return Some(base + i);
            }
            base += c.len();
        }
        None
    }

    /// A zero-copy view of a byte range. Bounds are clamped to the data (an
    /// inverted range yields empty `Data`), so this never panics.
    pub fn slice(&self, range: impl RangeBounds<usize>) -> Data {
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.saturating_add(1),
            Bound::Unbounded => 0,
        }
        .min(self.len);
        let end = match range.end_bound() {
            Bound::Included(&e) => e.saturating_add(1),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => self.len,
        }
        .min(self.len);
        let mut out = Data::new();
        if start >= end {
            return out;
        }
        let mut base = 0;
        for c in &self.chunks {
            let c_end = base + c.len();
            if c_end > start && base < end {
                let from = start.saturating_sub(base);
                let to = end.min(c_end) - base;
                out.push_bytes(c.slice(from..to));
            }
            if c_end >= end {
                break;
            }
            base = c_end;
        }
        out
    }

    // ----- mutation ------------------------------------------------------

    /// Appends all of `other`'s chunks (no bytes are copied).
    pub fn push(&mut self, other: Data) {
        self.len += other.len;
        self.chunks.extend(other.chunks);
    }

    /// Appends one chunk (no copy). Empty chunks are dropped.
    pub fn push_bytes(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.len += chunk.len();
            self.chunks.push_back(chunk);
        }
    }

    /// Appends a copy of `bytes` as a new chunk.
    pub fn push_slice(&mut self, bytes: &[u8]) {
        self.push_bytes(Bytes::copy_from_slice(bytes));
    }

    /// Prepends all of `other`'s chunks (no copy).
    ///
    /// The counterpart of [`Data::shift`]: a parser that took more than it
    /// could use puts the excess back in front.
    pub fn unshift(&mut self, other: Data) {
        self.len += other.len;
        for c in other.chunks.into_iter().rev() {
            self.chunks.push_front(c);
        }
    }

    /// Removes and returns the first `n` bytes (all of them if `n >= len`).
    pub fn shift(&mut self, n: usize) -> Data {
        if n >= self.len {
            return std::mem::take(self);
        }
        let mut out = Data::new();
        let mut remaining = n;
        while remaining > 0 {
            let Some(front) = self.chunks.front_mut() else {
                break;
            };
            if front.len() <= remaining {
                remaining -= front.len();
                if let Some(c) = self.chunks.pop_front() {
                    out.push_bytes(c);
                }
            } else {
                out.push_bytes(front.split_to(remaining));
                remaining = 0;
            }
        }
        self.len -= out.len;
        out
    }

    /// Removes and returns the last `n` bytes (all of them if `n >= len`).
    pub fn pop(&mut self, n: usize) -> Data {
        if n >= self.len {
            return std::mem::take(self);
        }
        let mut out = Data::new();
        let mut remaining = n;
        while remaining > 0 {
            let Some(back) = self.chunks.back_mut() else {
                break;
            };
            if back.len() <= remaining {
                remaining -= back.len();
                if let Some(c) = self.chunks.pop_back() {
                    out.unshift_bytes(c);
                }
            } else {
                let at = back.len() - remaining;
                out.unshift_bytes(back.split_off(at));
                remaining = 0;
            }
        }
        self.len -= out.len;
        out
    }

    /// Removes and returns everything up to *and including* the first byte for
    /// which `pred` returns true; if no byte matches, removes everything.
    ///
    /// This is Pipy's `shiftTo()`, typically used to cut one line or one
    /// delimited token off the front (`shift_to(|b| b == b'\n')`). Taking all
    /// bytes when there is no delimiter lets a caller accumulate a partial
    /// token and keep scanning the next event.
    pub fn shift_to(&mut self, pred: impl FnMut(u8) -> bool) -> Data {
        match self.position(pred) {
            Some(i) => self.shift(i + 1),
            None => std::mem::take(self),
        }
    }

    /// Removes and returns the leading bytes for which `pred` is true; the
    /// first byte failing `pred` stays. Pipy's `shiftWhile()`.
    pub fn shift_while(&mut self, mut pred: impl FnMut(u8) -> bool) -> Data {
        match self.position(|b| !pred(b)) {
            Some(i) => self.shift(i),
            None => std::mem::take(self),
        }
    }

    /// Splits at `at`: `self` keeps `[..at]`, the rest is returned. Unlike
    /// `Vec::split_off`, an `at` past the end is clamped instead of panicking.
    pub fn split_off(&mut self, at: usize) -> Data {
        self.pop(self.len.saturating_sub(at))
    }

    /// Removes all bytes.
    pub fn clear(&mut self) {
        self.chunks.clear();
        self.len = 0;
    }

    /// Merges all chunks into one (copying only if there was more than one)
    /// and returns it, for parsers that need a single slice.
    pub fn make_contiguous(&mut self) -> &[u8] {
        if self.chunks.len() > 1 {
            let merged = Bytes::from(self.to_vec());
            self.chunks.clear();
            self.chunks.push_back(merged);
        }
        self.chunks.front().map_or(&[], |c| &c[..])
    }

    // ----- internals -----------------------------------------------------

    fn unshift_bytes(&mut self, chunk: Bytes) {
        if !chunk.is_empty() {
            self.len += chunk.len();
            self.chunks.push_front(chunk);
        }
    }

    /// Whether `needle` occurs starting at offset `off` of chunk `ci`,
    /// continuing into following chunks as needed. `off` must be within the
    /// chunk (or 0 when `ci` is past the end).
    fn matches_at(&self, mut ci: usize, mut off: usize, mut needle: &[u8]) -> bool {
        while !needle.is_empty() {
            let Some(c) = self.chunks.get(ci) else {
                return false;
            };
            let avail = c.get(off..).unwrap_or_default();
            let n = avail.len().min(needle.len());
            if avail[..n] != needle[..n] {
                return false;
            }
            needle = &needle[n..];
            ci += 1;
            off = 0;
        }
        true
    }

    /// Asserts the structural invariants (no empty chunks, cached length).
    #[cfg(test)]
    fn check_invariants(&self) {
        assert!(
            self.chunks.iter().all(|c| !c.is_empty()),
            "empty chunk in {self:?}"
        );
        let total: usize = self.chunks.iter().map(Bytes::len).sum();
        assert_eq!(total, self.len, "cached length out of sync");
    }
}

/// Decodes pairs of hex digits. Written by hand so the error can name the
/// real offending character (the first non-hex byte is always at a char
/// boundary, since everything before it is ASCII).
fn decode_hex(s: &str) -> Result<Vec<u8>, DecodeError> {
    fn nibble(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let raw = s.as_bytes();
    let bad = |index: usize| DecodeError::InvalidHex {
        ch: s
            .get(index..)
            .and_then(|t| t.chars().next())
            .unwrap_or(char::REPLACEMENT_CHARACTER),
        index,
    };
    if let Some(index) = raw.iter().position(|&b| nibble(b).is_none()) {
        return Err(bad(index));
    }
    let pairs = raw.chunks_exact(2);
    if !pairs.remainder().is_empty() {
        return Err(DecodeError::OddHexLength(raw.len()));
    }
    Ok(pairs
        .map(|p| (nibble(p[0]).unwrap_or(0) << 4) | nibble(p[1]).unwrap_or(0))
        .collect())
}

/// Compares two chunk sequences as flat byte strings, one run at a time
/// rather than byte by byte.
fn chunks_eq<'a>(
    mut a: impl Iterator<Item = &'a [u8]>,
    mut b: impl Iterator<Item = &'a [u8]>,
) -> bool {
    let (mut x, mut y): (&[u8], &[u8]) = (&[], &[]);
    loop {
        while x.is_empty() {
            match a.next() {
                Some(c) => x = c,
                None => return y.is_empty() && b.all(<[u8]>::is_empty),
            }
        }
        while y.is_empty() {
            match b.next() {
                Some(c) => y = c,
                None => return false,
            }
        }
        let n = x.len().min(y.len());
        if x[..n] != y[..n] {
            return false;
        }
        x = &x[n..];
        y = &y[n..];
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Data(len={}, chunks={}, \"", self.len, self.chunks.len())?;
        for b in self.bytes().take(DEBUG_PREVIEW) {
            write!(f, "{}", std::ascii::escape_default(b))?;
        }
        f.write_str("\"")?;
        if self.len > DEBUG_PREVIEW {
            f.write_str("...")?;
        }
        f.write_str(")")
    }
}

impl PartialEq for Data {
    fn eq(&self, other: &Data) -> bool {
        self.len == other.len
            && chunks_eq(
                self.chunks.iter().map(|c| &c[..]),
                other.chunks.iter().map(|c| &c[..]),
            )
    }
}

impl Eq for Data {}

impl PartialEq<[u8]> for Data {
    fn eq(&self, other: &[u8]) -> bool {
        self.len == other.len()
            && chunks_eq(self.chunks.iter().map(|c| &c[..]), std::iter::once(other))
    }
}

impl PartialEq<&[u8]> for Data {
    fn eq(&self, other: &&[u8]) -> bool {
        *self == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Data {
    fn eq(&self, other: &[u8; N]) -> bool {
        *self == other[..]
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Data {
    fn eq(&self, other: &&[u8; N]) -> bool {
        *self == other[..]
    }
}

impl PartialEq<str> for Data {
    fn eq(&self, other: &str) -> bool {
        *self == *other.as_bytes()
    }
}

impl PartialEq<&str> for Data {
    fn eq(&self, other: &&str) -> bool {
        *self == *other.as_bytes()
    }
}

impl From<Bytes> for Data {
    fn from(b: Bytes) -> Data {
        let mut d = Data::new();
        d.push_bytes(b);
        d
    }
}

impl From<Vec<u8>> for Data {
    fn from(v: Vec<u8>) -> Data {
        Data::from(Bytes::from(v))
    }
}

impl From<&'static [u8]> for Data {
    fn from(s: &'static [u8]) -> Data {
        Data::from(Bytes::from_static(s))
    }
}

/// Copies the string (it may not be `'static`).
impl From<&str> for Data {
    fn from(s: &str) -> Data {
        Data::from(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl From<String> for Data {
    fn from(s: String) -> Data {
        Data::from(Bytes::from(s))
    }
}

impl Extend<Bytes> for Data {
    fn extend<I: IntoIterator<Item = Bytes>>(&mut self, iter: I) {
        for b in iter {
            self.push_bytes(b);
        }
    }
}

impl FromIterator<Bytes> for Data {
    fn from_iter<I: IntoIterator<Item = Bytes>>(iter: I) -> Data {
        let mut d = Data::new();
        d.extend(iter);
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &[u8] = b"GET /\r\nab\nc";

    /// The same logical bytes split every possible way into up to three
    /// chunks (empty pieces are offered too, and must be dropped), plus one
    /// chunk per byte.
    fn splits(bytes: &'static [u8]) -> Vec<Data> {
        let whole = Bytes::from_static(bytes);
        let n = bytes.len();
        let mut out = Vec::new();
        for i in 0..=n {
            for j in i..=n {
                let d: Data = [whole.slice(..i), whole.slice(i..j), whole.slice(j..)]
                    .into_iter()
                    .collect();
                d.check_invariants();
                out.push(d);
            }
        }
        let per_byte: Data = (0..n).map(|i| whole.slice(i..i + 1)).collect();
        per_byte.check_invariants();
        out.push(per_byte);
        out
    }

    fn naive_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        if needle.is_empty() {
            return Some(0);
        }
        hay.windows(needle.len()).position(|w| w == needle)
    }

    #[test]
    fn constructors_and_basic_queries() {
        let empty = Data::new();
        assert!(empty.is_empty());
        assert_eq!(empty.len(), 0);
        assert_eq!(empty.chunk_count(), 0);
        assert_eq!(empty.to_vec(), Vec::<u8>::new());
        empty.check_invariants();

        for d in [
            Data::from(Bytes::from_static(b"abc")),
            Data::from(b"abc".to_vec()),
            Data::from(&b"abc"[..]),
            Data::from("abc"),
            Data::from(String::from("abc")),
        ] {
            d.check_invariants();
            assert_eq!(d.len(), 3);
            assert_eq!(d.chunk_count(), 1);
            assert_eq!(d, "abc");
            assert_eq!(d, b"abc");
            assert_eq!(d.to_vec(), b"abc");
            assert_eq!(d.chunks().count(), 1);
        }

        // Empty inputs never create chunks.
        for d in [
            Data::from(Bytes::new()),
            Data::from(Vec::new()),
            Data::from(""),
            Data::from(String::new()),
        ] {
            d.check_invariants();
            assert_eq!(d.chunk_count(), 0);
        }
    }

    #[test]
    fn push_variants_never_keep_empty_chunks() {
        let mut d = Data::new();
        d.push_bytes(Bytes::new());
        d.push_slice(b"");
        d.push(Data::new());
        d.unshift(Data::new());
        d.check_invariants();
        assert_eq!(d.chunk_count(), 0);

        d.push_slice(b"ab");
        d.push_bytes(Bytes::from_static(b"cd"));
        d.push(Data::from("ef"));
        d.unshift(Data::from("01"));
        d.check_invariants();
        assert_eq!(d, "01abcdef");
        assert_eq!(d.chunk_count(), 4);

        d.extend([Bytes::new(), Bytes::from_static(b"g")]);
        d.check_invariants();
        assert_eq!(d, "01abcdefg");

        d.clear();
        d.check_invariants();
        assert!(d.is_empty());
        assert_eq!(d.chunk_count(), 0);
    }

    #[test]
    fn push_and_clone_do_not_copy() {
        let chunk = Bytes::from(vec![1u8, 2, 3, 4]);
        let mut d = Data::from(chunk.clone());
        let c = d.clone();
        assert_eq!(c.chunks().next().map(|b| b.as_ptr()), Some(chunk.as_ptr()));
        assert_eq!(d.to_bytes().as_ptr(), chunk.as_ptr());
        let head = d.shift(1);
        assert_eq!(
            head.chunks().next().map(|b| b.as_ptr()),
            Some(chunk.as_ptr())
        );
        assert_eq!(d.to_bytes().as_ptr(), chunk[1..].as_ptr());
        assert_eq!(d.clone().into_bytes().as_ptr(), chunk[1..].as_ptr());
    }

    #[test]
    fn to_bytes_multi_chunk() {
        let d: Data = [Bytes::from_static(b"ab"), Bytes::from_static(b"cd")]
            .into_iter()
            .collect();
        assert_eq!(d.to_bytes(), Bytes::from_static(b"abcd"));
        assert_eq!(d.clone().into_bytes(), Bytes::from_static(b"abcd"));
        assert_eq!(Data::new().to_bytes(), Bytes::new());
        assert_eq!(Data::new().into_bytes(), Bytes::new());
        let chunks: Vec<Bytes> = d.into_chunks().collect();
        assert_eq!(chunks.len(), 2);
    }

    #[test]
    fn equality_ignores_chunking() {
        let all = splits(SAMPLE);
        for a in &all {
            assert_eq!(a, &all[0]);
            assert_eq!(*a, SAMPLE);
            assert_ne!(*a, &SAMPLE[1..]);
            let mut changed = SAMPLE.to_vec();
            changed[SAMPLE.len() - 1] ^= 1;
            assert_ne!(*a, changed[..]);
        }
        assert_ne!(Data::from("ab"), Data::from("abc"));
        assert_eq!(Data::new(), Data::from(""));
    }

    #[test]
    fn byte_at_every_split() {
        for d in splits(SAMPLE) {
            for (i, &b) in SAMPLE.iter().enumerate() {
                assert_eq!(d.byte_at(i), Some(b), "{d:?} at {i}");
            }
            assert_eq!(d.byte_at(SAMPLE.len()), None);
            assert_eq!(d.bytes().collect::<Vec<_>>(), SAMPLE);
        }
    }

    #[test]
    fn starts_with_every_split() {
        for d in splits(SAMPLE) {
            for k in 0..=SAMPLE.len() {
                assert!(d.starts_with(&SAMPLE[..k]), "{d:?} prefix {k}");
            }
            assert!(!d.starts_with(b"GET /\r\nab\nc!"));
            assert!(!d.starts_with(b"GET /\r\nax"));
            assert!(!d.starts_with(b"x"));
        }
        assert!(Data::new().starts_with(b""));
        assert!(!Data::new().starts_with(b"a"));
    }

    #[test]
    fn find_every_split() {
        let needles: &[&[u8]] = &[b"", b"z", b"\r\n\r\n", b"GET /\r\nab\nc!", b"\n", b"b\nc"];
        for d in splits(SAMPLE) {
            for start in 0..SAMPLE.len() {
                for end in start..=SAMPLE.len().min(start + 5) {
                    let needle = &SAMPLE[start..end];
                    assert_eq!(
                        d.find(needle),
                        naive_find(SAMPLE, needle),
                        "{d:?} find {needle:?}"
                    );
                }
            }
            for needle in needles {
                assert_eq!(d.find(needle), naive_find(SAMPLE, needle), "{needle:?}");
            }
        }
        // A false start that only fails across the boundary.
        let d: Data = [Bytes::from_static(b"aab"), Bytes::from_static(b"abc")]
            .into_iter()
            .collect();
        assert_eq!(d.find(b"abc"), Some(3));
        assert_eq!(d.find(b"baba"), None);
        assert_eq!(Data::new().find(b""), Some(0));
        assert_eq!(Data::new().find(b"a"), None);
    }

    #[test]
    fn position_every_split() {
        for d in splits(SAMPLE) {
            assert_eq!(d.position(|b| b == b'\n'), Some(6));
            assert_eq!(d.position(|b| b == b'c'), Some(SAMPLE.len() - 1));
            assert_eq!(d.position(|b| b == b'!'), None);
        }
    }

    #[test]
    fn shift_every_split() {
        for d in splits(SAMPLE) {
            for n in 0..=SAMPLE.len() + 2 {
                let mut rest = d.clone();
                let head = rest.shift(n);
                head.check_invariants();
                rest.check_invariants();
                let k = n.min(SAMPLE.len());
                assert_eq!(head, SAMPLE[..k], "{d:?} shift {n}");
                assert_eq!(rest, SAMPLE[k..], "{d:?} shift {n}");
            }
        }
    }

    #[test]
    fn pop_every_split() {
        for d in splits(SAMPLE) {
            for n in 0..=SAMPLE.len() + 2 {
                let mut rest = d.clone();
                let tail = rest.pop(n);
                tail.check_invariants();
                rest.check_invariants();
                let k = SAMPLE.len() - n.min(SAMPLE.len());
                assert_eq!(tail, SAMPLE[k..], "{d:?} pop {n}");
                assert_eq!(rest, SAMPLE[..k], "{d:?} pop {n}");
            }
        }
    }

    #[test]
    fn split_off_and_unshift_every_split() {
        for d in splits(SAMPLE) {
            for at in 0..=SAMPLE.len() + 1 {
                let mut head = d.clone();
                let tail = head.split_off(at);
                head.check_invariants();
                tail.check_invariants();
                let k = at.min(SAMPLE.len());
                assert_eq!(head, SAMPLE[..k]);
                assert_eq!(tail, SAMPLE[k..]);
                let mut back = tail;
                back.unshift(head);
                back.check_invariants();
                assert_eq!(back, SAMPLE);
            }
        }
    }

    #[test]
    fn shift_to_every_split() {
        for d in splits(SAMPLE) {
            // Delimiter present: up to and including it.
            let mut rest = d.clone();
            let line = rest.shift_to(|b| b == b'\n');
            line.check_invariants();
            rest.check_invariants();
            assert_eq!(line, "GET /\r\n");
            assert_eq!(rest, "ab\nc");
            let line2 = rest.shift_to(|b| b == b'\n');
            assert_eq!(line2, "ab\n");
            assert_eq!(rest, "c");

            // Matching the last byte takes everything.
            let mut rest = d.clone();
            assert_eq!(rest.shift_to(|b| b == b'c'), SAMPLE);
            assert!(rest.is_empty());

            // No match: everything.
            let mut rest = d.clone();
            let all = rest.shift_to(|b| b == b'!');
            all.check_invariants();
            rest.check_invariants();
            assert_eq!(all, SAMPLE);
            assert!(rest.is_empty());

            // Always true: exactly one byte.
            let mut rest = d.clone();
            assert_eq!(rest.shift_to(|_| true), "G");
            assert_eq!(rest, SAMPLE[1..]);
        }
        // Predicate is called once per byte up to the match.
        let mut d = Data::from("abc");
        let mut seen = Vec::new();
        d.shift_to(|b| {
            seen.push(b);
            b == b'b'
        });
        assert_eq!(seen, b"ab");
        assert!(Data::new().shift_to(|_| true).is_empty());
    }

    #[test]
    fn shift_while_every_split() {
        for d in splits(SAMPLE) {
            let mut rest = d.clone();
            let word = rest.shift_while(|b| b.is_ascii_uppercase());
            word.check_invariants();
            rest.check_invariants();
            assert_eq!(word, "GET");
            assert_eq!(rest, SAMPLE[3..]);

            let mut rest = d.clone();
            assert!(rest.shift_while(|_| false).is_empty());
            assert_eq!(rest, SAMPLE);

            let mut rest = d.clone();
            assert_eq!(rest.shift_while(|_| true), SAMPLE);
            assert!(rest.is_empty());
            rest.check_invariants();

            let mut rest = d.clone();
            assert_eq!(rest.shift_while(|b| b != b'c'), SAMPLE[..SAMPLE.len() - 1]);
            assert_eq!(rest, "c");
        }
        assert!(Data::new().shift_while(|_| true).is_empty());
    }

    #[test]
    fn slice_every_split() {
        let n = SAMPLE.len();
        for d in splits(SAMPLE) {
            for s in 0..=n {
                for e in s..=n {
                    let v = d.slice(s..e);
                    v.check_invariants();
                    assert_eq!(v, SAMPLE[s..e], "{d:?} slice {s}..{e}");
                }
            }
            assert_eq!(d.slice(..), SAMPLE);
            assert_eq!(d.slice(2..=3), SAMPLE[2..=3]);
            assert_eq!(d.slice(n - 2..n + 10), SAMPLE[n - 2..]);
            assert!(d.slice(n + 1..).is_empty());
            #[allow(clippy::reversed_empty_ranges)]
            let inverted = d.slice(5..2);
            assert!(inverted.is_empty());
            assert_eq!(d.slice((Bound::Excluded(0), Bound::Unbounded)), SAMPLE[1..]);
            // Source is untouched.
            assert_eq!(d, SAMPLE);
        }
    }

    #[test]
    fn make_contiguous_merges() {
        for d in splits(SAMPLE) {
            let mut d = d;
            assert_eq!(d.make_contiguous(), SAMPLE);
            d.check_invariants();
            assert_eq!(d.chunk_count(), 1);
        }
        let mut e = Data::new();
        assert_eq!(e.make_contiguous(), b"");
        assert_eq!(e.chunk_count(), 0);
    }

    #[test]
    fn encoding_names() {
        let all = [
            Encoding::Utf8,
            Encoding::Hex,
            Encoding::Base64,
            Encoding::Base64Url,
            Encoding::Utf16le,
            Encoding::Utf16be,
            Encoding::Latin1,
        ];
        for e in all {
            assert_eq!(Encoding::parse(e.name()), Some(e));
            assert_eq!(e.to_string(), e.name());
        }
        assert_eq!(Encoding::parse("utf-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::parse("UTF8"), None);
        assert_eq!(Encoding::parse("binary"), None);
        assert_eq!(Encoding::parse(""), None);
        assert_eq!(Encoding::default(), Encoding::Utf8);
    }

    #[test]
    fn binary_round_trips() {
        let bytes: Vec<u8> = (0..=255u8).chain([0, 0xff, 0xfb]).collect();
        for enc in [
            Encoding::Hex,
            Encoding::Base64,
            Encoding::Base64Url,
            Encoding::Latin1,
        ] {
            for len in [0, 1, 2, 3, 4, 5, bytes.len()] {
                let src = &bytes[..len];
                // Also exercise multi-chunk input.
                let mut d = Data::from(src.to_vec());
                let tail = d.split_off(len / 2);
                d.push(tail);
                let text = d.encode(enc);
                let back = Data::from_encoded(&text, enc).expect("round trip");
                back.check_invariants();
                assert_eq!(back, *src, "{enc} len {len}: {text}");
            }
        }
    }

    #[test]
    fn hex_details() {
        let d = Data::from(vec![0x00, 0xab, 0xff]);
        assert_eq!(d.encode(Encoding::Hex), "00abff");
        assert_eq!(
            Data::from_encoded("00ABff", Encoding::Hex).expect("hex"),
            [0x00, 0xab, 0xff]
        );
        assert_eq!(
            Data::from_encoded("abc", Encoding::Hex),
            Err(DecodeError::OddHexLength(3))
        );
        assert_eq!(
            Data::from_encoded("0g", Encoding::Hex),
            Err(DecodeError::InvalidHex { ch: 'g', index: 1 })
        );
        assert_eq!(
            Data::from_encoded("00é1", Encoding::Hex),
            Err(DecodeError::InvalidHex { ch: 'é', index: 2 })
        );
        assert!(Data::from_encoded("", Encoding::Hex)
            .expect("empty")
            .is_empty());
    }

    #[test]
    fn base64_details() {
        let d = Data::from(vec![0xfb, 0xff]);
        assert_eq!(d.encode(Encoding::Base64), "+/8=");
        assert_eq!(d.encode(Encoding::Base64Url), "-_8");
        assert_eq!(Data::from("hi").encode(Encoding::Base64), "aGk=");

        for (text, enc) in [
            ("aGk=", Encoding::Base64),
            ("aGk", Encoding::Base64),
            ("aGk=", Encoding::Base64Url),
            ("aGk", Encoding::Base64Url),
        ] {
            assert_eq!(Data::from_encoded(text, enc).expect("base64"), "hi");
        }
        assert_eq!(
            Data::from_encoded("-_8", Encoding::Base64Url).expect("url"),
            [0xfb, 0xff]
        );
        for (bad, enc) in [
            ("a$b=", Encoding::Base64),
            ("-_8=", Encoding::Base64),
            ("+/8=", Encoding::Base64Url),
            ("a", Encoding::Base64),
            ("aGk=x", Encoding::Base64),
        ] {
            assert!(
                matches!(Data::from_encoded(bad, enc), Err(DecodeError::Base64(_))),
                "{bad} as {enc}"
            );
        }
    }

    #[test]
    fn utf8_details() {
        let text = "héllo, wörld 😀";
        let d = Data::from_encoded(text, Encoding::Utf8).expect("utf8");
        assert_eq!(d, text);
        assert_eq!(d.encode(Encoding::Utf8), text);
        assert_eq!(d.to_utf8().as_deref(), Some(text));

        // A multi-byte character split across chunks still decodes.
        let mut split = d.clone();
        let tail = split.split_off(2);
        split.push(tail);
        assert_eq!(split.chunk_count(), 2);
        assert_eq!(split.to_string_lossy(), text);

        let bad = Data::from(vec![b'a', 0xff, b'b']);
        assert_eq!(bad.to_utf8(), None);
        assert_eq!(bad.to_string_lossy(), "a\u{fffd}b");
        assert_eq!(bad.encode(Encoding::Utf8), "a\u{fffd}b");
    }

    #[test]
    fn utf16_details() {
        let text = "Aé😀";
        let le = Data::from_encoded(text, Encoding::Utf16le).expect("utf16le");
        assert_eq!(le, [0x41, 0x00, 0xe9, 0x00, 0x3d, 0xd8, 0x00, 0xde]);
        let be = Data::from_encoded(text, Encoding::Utf16be).expect("utf16be");
        assert_eq!(be, [0x00, 0x41, 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00]);
        for (d, enc) in [(le, Encoding::Utf16le), (be, Encoding::Utf16be)] {
            assert_eq!(d.encode(enc), text);
            // Split inside a code unit and inside a surrogate pair.
            for at in 0..=d.len() {
                let mut head = d.clone();
                let tail = head.split_off(at);
                head.push(tail);
                assert_eq!(head.encode(enc), text, "split at {at}");
            }
        }
        // Dangling odd byte and unpaired surrogate become U+FFFD.
        assert_eq!(
            Data::from(vec![0x41, 0x00, 0x42]).encode(Encoding::Utf16le),
            "A\u{fffd}"
        );
        assert_eq!(
            Data::from(vec![0x3d, 0xd8]).encode(Encoding::Utf16le),
            "\u{fffd}"
        );
        assert_eq!(Data::new().encode(Encoding::Utf16be), "");
    }

    #[test]
    fn latin1_details() {
        let d = Data::from_encoded("aé\u{ff}", Encoding::Latin1).expect("latin1");
        assert_eq!(d, [b'a', 0xe9, 0xff]);
        assert_eq!(d.encode(Encoding::Latin1), "aé\u{ff}");
        assert_eq!(
            Data::from_encoded("a€", Encoding::Latin1),
            Err(DecodeError::NotLatin1 {
                ch: '€', index: 1
            })
        );
    }

    #[test]
    fn error_messages() {
        assert_eq!(
            DecodeError::OddHexLength(3).to_string(),
            "hex string has odd length 3"
        );
        let e = Data::from_encoded("a$b=", Encoding::Base64).expect_err("bad");
        assert!(e.to_string().starts_with("invalid base64"));
    }

    #[test]
    fn debug_preview() {
        let d = Data::from("a\"b\n");
        assert_eq!(format!("{d:?}"), "Data(len=4, chunks=1, \"a\\\"b\\n\")");
        let long = Data::from(vec![b'x'; 40]);
        let s = format!("{long:?}");
        assert!(s.starts_with("Data(len=40, chunks=1, \"xxxx"));
        assert!(s.ends_with("\"...)"));
        assert_eq!(s.matches('x').count(), DEBUG_PREVIEW);
        assert_eq!(format!("{:?}", Data::new()), "Data(len=0, chunks=0, \"\")");
    }

    #[test]
    fn from_iterator_and_extend() {
        let d: Data = [
            Bytes::from_static(b"a"),
            Bytes::new(),
            Bytes::from_static(b"bc"),
        ]
        .into_iter()
        .collect();
        d.check_invariants();
        assert_eq!(d.chunk_count(), 2);
        assert_eq!(d, "abc");
    }
}
