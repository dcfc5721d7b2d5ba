//! `algo.hash(value)` and `algo.uuid()`.
//!
//! # What Pipy's `algo.hash` returns
//!
//! Pipy hashes a value with the C++ standard library's `std::hash` and returns the low 53 bits
//! as a number (so it is exact in a JS double). Pipy is built against GNU libstdc++, where:
//!
//! * a **string** is hashed with libstdc++'s 64-bit Murmur-style byte hash over its UTF-8
//!   bytes, seeded with `0xc70f6907`;
//! * a **number** is hashed the same way over the 8 little-endian bytes of the double, except
//!   that `0` and `-0` hash to `0`;
//! * an **object** (and `null`, a null object) hashes to its address, which is not stable
//!   from run to run. Here the binding passes an opaque identity number instead, returned as is;
//! * `undefined` and booleans read whatever the number slot of Pipy's value union holds.
//!   This crate assumes an all-zero slot, so `undefined` and `false` hash to `0` and `true`
//!   hashes like the bit pattern `1`. **Unverified guess**.
//!
//! [`hash_bytes`] is an independent implementation of the byte hash, checked against values
//! printed by a libstdc++ build (see the tests). A libc++ (macOS) build of Pipy would give other
//! numbers; only the libstdc++ ones are matched.
//!
//! The same full 64-bit hash drives `HashingLoadBalancer`'s `hash % targets`.
//!
//! # `algo.uuid()`
//!
//! Random version-4 UUID text, lowercase, `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` with `y` in
//! `8..=b`. Randomness: each thread keeps a [`RandomState`] (whose SipHash keys std seeds from
//! the operating system's random source) and a counter; each UUID is the keyed hash of the next
//! counter value. That is unpredictable without the keys, but it is **not** a vetted CSPRNG and
//! must not be used for secrets — the same caveat as Pipy, which uses a Mersenne Twister seeded
//! from `std::random_device`.

use std::cell::Cell;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

/// Multiplier of libstdc++'s 64-bit byte hash.
const MIX: u64 = 0xc6a4_a793_5bd1_e995;

/// Seed libstdc++ uses for `std::hash<std::string>` and `std::hash<double>`.
pub const STD_HASH_SEED: u64 = 0xc70f_6907;

/// A borrowed script value, as far as hashing and balancer keys care.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HashValue<'a> {
    /// `undefined` (also what the binding passes for "no key given").
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// A string.
    String(&'a str),
    /// An object, by an identity number the binding chooses (stable while the object lives).
    Object(u64),
}

impl<'a> From<&'a str> for HashValue<'a> {
    fn from(s: &'a str) -> Self {
        HashValue::String(s)
    }
}

impl From<f64> for HashValue<'_> {
    fn from(n: f64) -> Self {
        HashValue::Number(n)
    }
}

fn shift_mix(v: u64) -> u64 {
    v ^ (v >> 47)
}

/// libstdc++'s 64-bit `_Hash_bytes` algorithm (a MurmurHash2 variant), written from its
/// description: 8-byte little-endian words are mixed in, then the 1–7 byte tail, then a final
/// avalanche.
pub fn hash_bytes(bytes: &[u8], seed: u64) -> u64 {
    let mut h = seed ^ (bytes.len() as u64).wrapping_mul(MIX);
    let mut words = bytes.chunks_exact(8);
    for chunk in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        h ^= shift_mix(w.wrapping_mul(MIX)).wrapping_mul(MIX);
        h = h.wrapping_mul(MIX);
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        let w = tail
            .iter()
            .enumerate()
            .fold(0u64, |acc, (i, b)| acc | (u64::from(*b) << (8 * i)));
        h ^= w;
        h = h.wrapping_mul(MIX);
    }
    shift_mix(shift_mix(h).wrapping_mul(MIX))
}

fn hash_number(n: f64) -> u64 {
    if n == 0.0 {
        0
    } else {
        hash_bytes(&n.to_le_bytes(), STD_HASH_SEED)
    }
}

/// The full 64-bit hash Pipy computes for a value (see the module docs for each kind).
pub fn pipy_hash(value: &HashValue<'_>) -> u64 {
    match *value {
        HashValue::String(s) => hash_bytes(s.as_bytes(), STD_HASH_SEED),
        HashValue::Number(n) => hash_number(n),
        HashValue::Object(id) => id,
        HashValue::Null | HashValue::Undefined | HashValue::Bool(false) => 0,
        HashValue::Bool(true) => hash_bytes(&1u64.to_le_bytes(), STD_HASH_SEED),
    }
}

/// `algo.hash(value)`: the low 53 bits of [`pipy_hash`], as the JS number Pipy returns.
pub fn algo_hash(value: &HashValue<'_>) -> f64 {
    (pipy_hash(value) & ((1u64 << 53) - 1)) as f64
}

/// An owned [`HashValue`], usable as a map key with Pipy's equality: strings by content,
/// numbers by value (`-0 == 0`; all NaNs are one key here, where Pipy never matches NaN),
/// objects by identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyBuf {
    /// `undefined`.
    Undefined,
    /// `null`.
    Null,
    /// A boolean.
    Bool(bool),
    /// A number, stored as its normalised bit pattern.
    Number(u64),
    /// A string.
    String(Box<str>),
    /// An object identity.
    Object(u64),
}

impl From<&HashValue<'_>> for KeyBuf {
    fn from(v: &HashValue<'_>) -> Self {
        match *v {
            HashValue::Undefined => KeyBuf::Undefined,
            HashValue::Null => KeyBuf::Null,
            HashValue::Bool(b) => KeyBuf::Bool(b),
            HashValue::Number(n) => KeyBuf::Number(normalised_bits(n)),
            HashValue::String(s) => KeyBuf::String(s.into()),
            HashValue::Object(id) => KeyBuf::Object(id),
        }
    }
}

impl KeyBuf {
    /// Borrows this key back as a [`HashValue`].
    pub fn as_value(&self) -> HashValue<'_> {
        match self {
            KeyBuf::Undefined => HashValue::Undefined,
            KeyBuf::Null => HashValue::Null,
            KeyBuf::Bool(b) => HashValue::Bool(*b),
            KeyBuf::Number(bits) => HashValue::Number(f64::from_bits(*bits)),
            KeyBuf::String(s) => HashValue::String(s),
            KeyBuf::Object(id) => HashValue::Object(*id),
        }
    }
}

fn normalised_bits(n: f64) -> u64 {
    if n == 0.0 {
        0
    } else if n.is_nan() {
        f64::NAN.to_bits()
    } else {
        n.to_bits()
    }
}

thread_local! {
    static UUID_KEYS: RandomState = RandomState::new();
    static UUID_COUNTER: Cell<u64> = const { Cell::new(0) };
}

fn random_u64(counter: u64, lane: u8) -> u64 {
    UUID_KEYS.with(|keys| {
        let mut h = keys.build_hasher();
        counter.hash(&mut h);
        lane.hash(&mut h);
        h.finish()
    })
}

/// `algo.uuid()`: a random version-4 UUID (see the module docs for the randomness source).
pub fn uuid_v4() -> String {
    let n = UUID_COUNTER.with(|c| {
        let n = c.get().wrapping_add(1);
        c.set(n);
        n
    });
    let mut bytes = [0u8; 16];
    bytes[..8].copy_from_slice(&random_u64(n, 0).to_le_bytes());
    bytes[8..].copy_from_slice(&random_u64(n, 1).to_le_bytes());
    uuid_v4_from_bytes(bytes)
}

/// Formats 16 random bytes as version-4 UUID text, overwriting the version nibble with `4`
/// and the top two variant bits with `10`.
pub fn uuid_v4_from_bytes(mut bytes: [u8; 16]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let mut out = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Printed by `std::hash<std::string>` of a libstdc++ (GCC) build on x86-64.
    const STRING_VECTORS: &[(&str, u64)] = &[
        ("", 6142509188972423790),
        ("a", 4993892634952068459),
        ("ab", 5498234120169091963),
        ("abc", 3663726644998027833),
        ("abcdefg", 16063891478991045295),
        ("abcdefgh", 8664279048047335611),
        ("abcdefghi", 13036955925923793583),
        ("hello world", 5577293430985752569),
        ("10.0.0.1", 3356155023850515770),
        (
            "The quick brown fox jumps over the lazy dog",
            15910076551593770101,
        ),
    ];

    /// Printed by `std::hash<double>` of the same build.
    const NUMBER_VECTORS: &[(f64, u64)] = &[
        (0.0, 0),
        (-0.0, 0),
        (1.0, 8386164645967068059),
        (-1.0, 11078049357879903929),
        (42.0, 3535062431529909971),
        (3.5, 11581743530953563784),
        (1e100, 7520205313921544799),
        (12345678.0, 17630635669567516084),
    ];

    #[test]
    fn strings_match_libstdcxx() {
        for (s, want) in STRING_VECTORS {
            assert_eq!(pipy_hash(&HashValue::String(s)), *want, "{s:?}");
        }
    }

    #[test]
    fn numbers_match_libstdcxx() {
        for (n, want) in NUMBER_VECTORS {
            assert_eq!(pipy_hash(&HashValue::Number(*n)), *want, "{n}");
        }
    }

    #[test]
    fn algo_hash_keeps_53_bits() {
        let h = algo_hash(&HashValue::String("hello world"));
        assert_eq!(h, (5577293430985752569u64 & ((1 << 53) - 1)) as f64);
        assert!(h < 9007199254740992.0);
        assert_eq!(algo_hash(&HashValue::Undefined), 0.0);
        assert_eq!(algo_hash(&HashValue::Null), 0.0);
        assert_eq!(algo_hash(&HashValue::Object(77)), 77.0);
    }

    #[test]
    fn odd_numbers_do_not_panic() {
        for n in [
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ] {
            let _ = algo_hash(&HashValue::Number(n));
        }
        let _ = algo_hash(&HashValue::Bool(true));
    }

    #[test]
    fn keybuf_equality_follows_pipy() {
        assert_eq!(
            KeyBuf::from(&HashValue::Number(0.0)),
            KeyBuf::from(&HashValue::Number(-0.0))
        );
        assert_ne!(
            KeyBuf::from(&HashValue::Number(1.0)),
            KeyBuf::from(&HashValue::String("1"))
        );
        let k = KeyBuf::from(&HashValue::String("x"));
        assert_eq!(k.as_value(), HashValue::String("x"));
    }

    fn is_v4(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 36
            && [8, 13, 18, 23].iter().all(|&i| b[i] == b'-')
            && b[14] == b'4'
            && matches!(b[19], b'8' | b'9' | b'a' | b'b')
            && b.iter().enumerate().all(|(i, c)| {
                [8, 13, 18, 23].contains(&i) || c.is_ascii_hexdigit() && !c.is_ascii_uppercase()
            })
    }

    #[test]
    fn uuid_format_and_uniqueness() {
        let mut seen = HashSet::new();
        for _ in 0..1000 {
            let u = uuid_v4();
            assert!(is_v4(&u), "{u}");
            assert!(seen.insert(u));
        }
    }

    #[test]
    fn uuid_from_fixed_bytes() {
        assert_eq!(
            uuid_v4_from_bytes([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            uuid_v4_from_bytes([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }
}
