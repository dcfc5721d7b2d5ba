//! `algo.Percentile`: percentiles estimated from bucketed counts.
//!
//! # Behaviour (as in Pipy)
//!
//! * Buckets are given by their upper limits, meant to be ascending. Pipy only logs a warning
//!   for a limit that is not above the previous one; [`Percentile::first_unsorted`] tells the
//!   binding where, so it can log the same warning.
//! * `observe(x)` counts `x` in the first bucket whose limit is `>= x`. A sample above every
//!   limit (or NaN) is **dropped**: it is not counted anywhere, not even in the total.
//! * `calculate(p)`: `p <= 0` gives `0`. Otherwise the target rank is
//!   `floor(total * p / 100)` (integer arithmetic); walking the buckets in order, the first
//!   bucket where the running count reaches the rank answers, interpolated linearly inside
//!   the bucket: `limit - (limit - previous_limit) * (running - rank) / count`, with
//!   `previous_limit = 0` for the first bucket. If no bucket reaches the rank (`p > 100`), the
//!   answer is `+∞`.
//!
//! # Differences from Pipy
//!
//! * When the rank is `0` and the first bucket is empty (no samples yet, or a tiny `p`), Pipy
//!   divides `0 / 0` and returns NaN; here the answer is the bucket's lower edge (`0` for the
//!   first bucket).
//! * A NaN bucket limit is an error here (Pipy accepts it; no sample could ever land there).

use crate::AlgoError;

/// Bucketed percentile estimator; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentile {
    limits: Vec<f64>,
    counts: Vec<u64>,
    total: u64,
}

impl Percentile {
    /// `new Percentile(buckets)`: one bucket per upper limit.
    pub fn new(limits: &[f64]) -> Result<Self, AlgoError> {
        if let Some(i) = limits.iter().position(|l| l.is_nan()) {
            return Err(AlgoError::number(format!("bucket limit #{i}"), f64::NAN));
        }
        Ok(Percentile {
            limits: limits.to_vec(),
            counts: vec![0; limits.len()],
            total: 0,
        })
    }

    /// Index of the first limit that is not above the one before it (Pipy warns about it).
    pub fn first_unsorted(&self) -> Option<usize> {
        self.limits
            .windows(2)
            .position(|w| w[1] <= w[0])
            .map(|i| i + 1)
    }

    /// Number of buckets.
    pub fn len(&self) -> usize {
        self.limits.len()
    }

    /// True when there are no buckets.
    pub fn is_empty(&self) -> bool {
        self.limits.is_empty()
    }

    /// Samples counted so far (dropped ones excluded).
    pub fn total(&self) -> u64 {
        self.total
    }

    /// `percentile.reset()`: zero every count.
    pub fn reset(&mut self) {
        self.counts.iter_mut().for_each(|c| *c = 0);
        self.total = 0;
    }

    /// Count of one bucket; `0` for an index out of range.
    pub fn get(&self, bucket: usize) -> u64 {
        self.counts.get(bucket).copied().unwrap_or(0)
    }

    /// Overwrites one bucket's count (keeping the total in step); ignored out of range.
    pub fn set(&mut self, bucket: usize, count: u64) {
        if let Some(c) = self.counts.get_mut(bucket) {
            self.total = self.total - *c + count;
            *c = count;
        }
    }

    /// `percentile.observe(sample)`.
    pub fn observe(&mut self, sample: f64) {
        if let Some(i) = self.limits.iter().position(|l| sample <= *l) {
            self.counts[i] += 1;
            self.total += 1;
        }
    }

    /// `percentile.calculate(percentage)`.
    pub fn calculate(&self, percentage: i32) -> f64 {
        let Ok(p) = u64::try_from(percentage) else {
            return 0.0;
        };
        if p == 0 {
            return 0.0;
        }
        let rank = u128::from(self.total) * u128::from(p) / 100;
        let mut running: u128 = 0;
        let mut lower = 0.0;
        for (limit, count) in self.limits.iter().zip(&self.counts) {
            running += u128::from(*count);
            if running >= rank {
                if *count == 0 {
                    return lower;
                }
                if running == rank {
                    return *limit;
                }
                let over = (running - rank) as f64;
                return limit - (limit - lower) * over / *count as f64;
            }
            lower = *limit;
        }
        f64::INFINITY
    }

    /// `(limit, cumulative count)` per bucket, as Pipy's metrics dump uses.
    pub fn cumulative(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.limits
            .iter()
            .zip(&self.counts)
            .scan(0u64, |sum, (limit, count)| {
                *sum += count;
                Some((*limit, *sum))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(limits: &[f64]) -> Percentile {
        match Percentile::new(limits) {
            Ok(p) => p,
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn observe_counts_in_first_fitting_bucket_and_drops_overflow() {
        let mut pc = p(&[10.0, 20.0, 50.0]);
        for x in [1.0, 10.0, 10.5, 20.0, 49.0, 51.0, f64::NAN, -5.0] {
            pc.observe(x);
        }
        assert_eq!((pc.get(0), pc.get(1), pc.get(2)), (3, 2, 1));
        assert_eq!(pc.total(), 6);
        assert_eq!(pc.get(3), 0);
    }

    #[test]
    fn calculate_interpolates_inside_the_bucket() {
        let mut pc = p(&[10.0, 20.0, 30.0, 40.0]);
        for bucket in 0..4 {
            for _ in 0..25 {
                pc.observe(f64::from(bucket) * 10.0 + 5.0);
            }
        }
        // counts: [25, 25, 25, 25]
        assert_eq!(
            pc.cumulative().map(|c| c.1).collect::<Vec<_>>(),
            [25, 50, 75, 100]
        );
        assert_eq!(pc.calculate(50), 20.0);
        assert_eq!(pc.calculate(10), 4.0); // 10 - 10 * (25 - 10) / 25
        assert_eq!(pc.calculate(90), 36.0); // 40 - 10 * (100 - 90) / 25
        assert_eq!(pc.calculate(100), 40.0);
        assert_eq!(pc.calculate(101), f64::INFINITY);
        assert_eq!(pc.calculate(0), 0.0);
        assert_eq!(pc.calculate(-7), 0.0);
        assert_eq!(pc.calculate(i32::MAX), f64::INFINITY);
    }

    #[test]
    fn integer_rank_truncates() {
        let mut pc = p(&[1.0, 2.0]);
        pc.observe(0.5);
        pc.observe(1.5);
        pc.observe(1.5);
        // rank = 3 * 50 / 100 = 1 → first bucket exactly
        assert_eq!(pc.calculate(50), 1.0);
        // rank = 3 * 99 / 100 = 2 → second bucket, 2 - 1 * (3 - 2) / 2
        assert_eq!(pc.calculate(99), 1.5);
    }

    #[test]
    fn empty_buckets_do_not_give_nan() {
        let pc = p(&[10.0, 20.0]);
        assert_eq!(pc.calculate(50), 0.0);
        let mut pc = p(&[10.0, 20.0]);
        pc.observe(15.0);
        assert_eq!(pc.calculate(1), 0.0);
        assert_eq!(pc.calculate(100), 20.0);
        let none = p(&[]);
        assert!(none.is_empty());
        assert_eq!(none.calculate(50), f64::INFINITY);
    }

    #[test]
    fn reset_and_set() {
        let mut pc = p(&[1.0, 2.0]);
        pc.observe(1.0);
        pc.set(1, 5);
        assert_eq!(pc.total(), 6);
        pc.set(1, 2);
        assert_eq!(pc.total(), 3);
        pc.set(9, 100);
        assert_eq!(pc.total(), 3);
        pc.reset();
        assert_eq!((pc.total(), pc.get(0), pc.get(1)), (0, 0, 0));
        assert_eq!(pc.len(), 2);
    }

    #[test]
    fn unsorted_and_bad_limits() {
        assert_eq!(p(&[1.0, 2.0, 3.0]).first_unsorted(), None);
        assert_eq!(p(&[1.0, 3.0, 2.0]).first_unsorted(), Some(2));
        assert_eq!(p(&[1.0, 1.0]).first_unsorted(), Some(1));
        assert!(matches!(
            Percentile::new(&[1.0, f64::NAN]),
            Err(AlgoError::InvalidNumber { .. })
        ));
        let mut inf = p(&[f64::INFINITY]);
        inf.observe(1e300);
        assert_eq!(inf.calculate(100), f64::INFINITY);
    }
}
