//! `algo.Quota`: a token bucket that refills on a timer.
//!
//! # Behaviour (as in Pipy)
//!
//! * The bucket starts at `initial`. `consume(n)` grants `min(n, current)` and takes it out;
//!   a request for `n <= 0` grants `0` and changes nothing.
//! * The refill timer is **started by a consume** (any consume of `n > 0`, even one granted
//!   nothing) when `per` is set and no refill is pending; it fires `per` later. It is not a
//!   fixed wall-clock grid: an idle quota has no timer.
//! * When it fires, the deficit `initial - current` is produced. With a `produce` option
//!   smaller than the deficit, only `produce` is added and the timer is re-armed for another
//!   `per`, until a firing can fill the bucket completely.
//! * `produce(n)` adds `n` (ignored when `n <= 0`), never above `max` (default: unlimited).
//! * `reset()` puts `current` back to `initial`: down at once if above it, otherwise by
//!   producing the difference (so `max` still caps it).
//!
//! Nothing runs by itself here: the binding arms a timer for [`Quota::next_refill`] and calls
//! [`Quota::advance`] when it fires (every other method accepts `now` too and catches up first,
//! so a late timer never loses refills). When `advance` or `produce` report that quota was
//! added, the binding wakes the consumers queued on it (the throttle filters' waiting events),
//! which is Pipy's `on_produce`.
//!
//! # Differences from Pipy
//!
//! * Pipy re-arms the partial-refill timer relative to when the timer callback ran; here the
//!   next firing is exactly `per` after the previous due time, so late timers do not drift.
//! * When `max < initial`, Pipy keeps re-arming the timer forever (the deficit can never be
//!   filled); here refilling stops once `current` reaches `max`. `current` is the same.
//! * Non-finite numbers are rejected at construction, and a NaN given to `consume`/`produce`
//!   is treated as `0` (in Pipy it poisons `current`).
//! * Pipy's `key` option (one bucket shared by every thread) is not handled here: a shared
//!   quota is this type behind a lock, owned by the binding.

use std::time::{Duration, Instant};

use crate::AlgoError;

/// Most refill firings replayed one by one in a single catch-up; beyond that the rest are
/// applied arithmetically, so a long-idle quota with a tiny `per` costs O(1).
const MAX_REPLAYED_FIRINGS: u32 = 1024;

/// `new Quota(initial, { per, produce, max })` options.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaOptions {
    /// Refill interval; `None` (or zero) means the quota is never refilled by itself.
    pub per: Option<Duration>,
    /// Amount added per interval; `0` means "refill to `initial` in one go" (Pipy's default).
    pub produce: f64,
    /// Upper bound of `current` when producing; `f64::INFINITY` by default.
    pub max: f64,
}

impl Default for QuotaOptions {
    fn default() -> Self {
        QuotaOptions {
            per: None,
            produce: 0.0,
            max: f64::INFINITY,
        }
    }
}

/// A quota; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Quota {
    initial: f64,
    current: f64,
    per: Option<Duration>,
    produce: f64,
    max: f64,
    refill_at: Option<Instant>,
}

impl Quota {
    /// A full quota. `initial` must be finite, `produce` finite and not negative, `max` not
    /// NaN.
    pub fn new(initial: f64, options: QuotaOptions) -> Result<Self, AlgoError> {
        if !initial.is_finite() {
            return Err(AlgoError::number("initial quota", initial));
        }
        if !options.produce.is_finite() || options.produce < 0.0 {
            return Err(AlgoError::number("quota option 'produce'", options.produce));
        }
        if options.max.is_nan() {
            return Err(AlgoError::number("quota option 'max'", options.max));
        }
        Ok(Quota {
            initial,
            current: initial,
            per: options.per.filter(|d| !d.is_zero()),
            produce: options.produce,
            max: options.max,
            refill_at: None,
        })
    }

    /// `quota.initial`.
    pub fn initial(&self) -> f64 {
        self.initial
    }

    /// `quota.current`, as of the last call that was given a time (call [`Quota::advance`]
    /// first to include refills that have come due since).
    pub fn current(&self) -> f64 {
        self.current
    }

    /// When the pending refill is due, if one is pending.
    pub fn next_refill(&self) -> Option<Instant> {
        self.refill_at
    }

    /// `quota.consume(n)`: returns the amount granted.
    pub fn consume(&mut self, n: f64, now: Instant) -> f64 {
        self.advance(now);
        if n.is_nan() || n <= 0.0 {
            return 0.0;
        }
        let granted = n.min(self.current).max(0.0);
        self.current -= granted;
        if self.refill_at.is_none() {
            self.refill_at = self.per.and_then(|per| now.checked_add(per));
        }
        granted
    }

    /// `quota.produce(n)`: returns true when quota was actually added (wake the waiters).
    pub fn produce(&mut self, n: f64) -> bool {
        if n.is_nan() || n <= 0.0 {
            return false;
        }
        let before = self.current;
        self.current = self.max.min(self.current + n);
        self.current > before
    }

    /// `quota.reset()`: returns true when quota was added (wake the waiters).
    pub fn reset(&mut self) -> bool {
        if self.current >= self.initial {
            self.current = self.initial;
            false
        } else {
            self.produce(self.initial - self.current)
        }
    }

    /// Applies every refill due at or before `now`. Returns true when quota was added.
    pub fn advance(&mut self, now: Instant) -> bool {
        let before = self.current;
        let mut replayed = 0;
        while let Some(due) = self.refill_at.filter(|t| *t <= now) {
            if replayed == MAX_REPLAYED_FIRINGS {
                self.catch_up(due, now);
                break;
            }
            replayed += 1;
            self.fire(due);
        }
        self.current > before
    }

    /// One timer firing at `due`.
    fn fire(&mut self, due: Instant) {
        self.refill_at = None;
        let deficit = self.initial - self.current;
        if self.produce > 0.0 && self.produce < deficit && self.current < self.max {
            self.refill_at = self.per.and_then(|per| due.checked_add(per));
            self.produce(self.produce);
        } else {
            self.produce(deficit);
        }
    }

    /// All firings from `due` up to `now` at once (only partial refills can be pending).
    fn catch_up(&mut self, due: Instant, now: Instant) {
        let Some(per) = self.per else {
            self.refill_at = None;
            return;
        };
        let per_ns = per.as_nanos().max(1);
        let firings = now.saturating_duration_since(due).as_nanos() / per_ns + 1;
        let deficit = self.initial - self.current;
        // Partial steps possible before one firing can fill the rest.
        let partial_steps = ((deficit / self.produce).ceil() - 1.0).max(0.0);
        if (firings as f64) <= partial_steps {
            self.produce(self.produce * firings as f64);
            let next = u64::try_from(firings.saturating_mul(per_ns))
                .ok()
                .and_then(|ns| due.checked_add(Duration::from_nanos(ns)));
            self.refill_at = next.or_else(|| now.checked_add(per));
        } else {
            self.refill_at = None;
            self.produce(deficit);
        }
    }
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
