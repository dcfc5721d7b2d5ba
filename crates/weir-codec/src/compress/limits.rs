//! Bounds on how far a compressed body may expand, and the output side of a decoder that
//! counts every piece against them as it is produced.

use super::{Error, CHUNK};

/// Output up to this many bytes is never refused for its ratio: short bodies (a page of
/// zeros, a small JSON array of equal records) can legitimately compress a thousandfold,
/// and letting them through costs nothing.
pub const RATIO_GRACE: u64 = 1024 * 1024;

/// How much one body may decode to, so that a few hundred compressed bytes cannot stand for
/// gigabytes (a "decompression bomb").
///
/// The decoder checks both after every step of the codec (at most [`CHUNK`] bytes), so it
/// stops within one piece of the limit whatever a single input chunk would expand to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most bytes one body may decode to; `u64::MAX` for no limit.
    pub max_size: u64,
    /// Past [`RATIO_GRACE`] bytes of output, the most decoded bytes per compressed byte
    /// received so far (counted over the whole body, as Envoy's `max_inflate_ratio`
    /// does); 0 for no limit.
    pub max_ratio: u64,
}

impl Limits {
    /// No limits.
    pub const NONE: Limits = Limits {
        max_size: u64::MAX,
        max_ratio: 0,
    };

    /// How many bytes a body may have decoded to once `input` compressed bytes have come,
    /// and the error for going past it.
    fn allowance(&self, input: u64) -> (u64, Error) {
        let by_size = (self.max_size, Error::TooLarge(self.max_size));
        if self.max_ratio == 0 {
            return by_size;
        }
        let by_ratio = self.max_ratio.saturating_mul(input).max(RATIO_GRACE);
        if by_ratio < self.max_size {
            (by_ratio, Error::TooExpanded(self.max_ratio))
        } else {
            by_size
        }
    }
}

/// The output side of a decoder: the piece being filled, and the count of what has been
/// produced against what the limits allow.
pub(crate) struct Output {
    /// The piece being filled (handed out when it holds [`CHUNK`] bytes).
    pub(crate) buf: Vec<u8>,
    limits: Limits,
    /// Compressed bytes received so far.
    input: u64,
    /// Decoded bytes so far: handed out, plus those in `buf`.
    produced: u64,
    /// How far `produced` may go with the input received so far, and the error past it.
    allowed: (u64, Error),
}

impl Output {
    pub(crate) fn new(limits: Limits) -> Output {
        Output {
            buf: Vec::with_capacity(CHUNK),
            limits,
            input: 0,
            produced: 0,
            allowed: limits.allowance(0),
        }
    }

    pub(crate) fn produced(&self) -> u64 {
        self.produced
    }

    /// Notes `n` more compressed bytes; the ratio allowance grows with them.
    pub(crate) fn take_input(&mut self, n: usize) {
        self.input = self.input.saturating_add(n as u64);
        self.allowed = self.limits.allowance(self.input);
    }

    /// Counts `n` bytes the codec has just written into `buf`: an error once the body has
    /// gone past its allowance (the caller then drops `buf`, so nothing past it is handed
    /// out).
    pub(crate) fn count(&mut self, n: usize) -> Result<(), Error> {
        self.produced = self.produced.saturating_add(n as u64);
        let (allowed, err) = self.allowed;
        if self.produced > allowed {
            Err(err)
        } else {
            Ok(())
        }
    }
}
