use super::*;

fn quota(initial: f64, per_ms: u64, produce: f64, max: f64) -> Quota {
    let options = QuotaOptions {
        per: (per_ms > 0).then(|| Duration::from_millis(per_ms)),
        produce,
        max,
    };
    match Quota::new(initial, options) {
        Ok(q) => q,
        Err(e) => panic!("{e}"),
    }
}

fn ms(base: Instant, n: u64) -> Instant {
    base + Duration::from_millis(n)
}

#[test]
fn consume_grants_what_is_left() {
    let t = Instant::now();
    let mut q = quota(10.0, 0, 0.0, f64::INFINITY);
    assert_eq!(q.initial(), 10.0);
    assert_eq!(q.consume(4.0, t), 4.0);
    assert_eq!(q.consume(10.0, t), 6.0);
    assert_eq!(q.consume(1.0, t), 0.0);
    assert_eq!(q.current(), 0.0);
    assert_eq!(q.next_refill(), None, "no 'per': never refilled");
}

#[test]
fn non_positive_or_nan_requests_grant_nothing_and_arm_nothing() {
    let t = Instant::now();
    let mut q = quota(5.0, 100, 0.0, f64::INFINITY);
    for n in [0.0, -1.0, f64::NAN] {
        assert_eq!(q.consume(n, t), 0.0);
    }
    assert_eq!(q.current(), 5.0);
    assert_eq!(q.next_refill(), None);
}

#[test]
fn first_consume_arms_a_full_refill() {
    let t = Instant::now();
    let mut q = quota(10.0, 1000, 0.0, f64::INFINITY);
    assert_eq!(q.consume(3.0, t), 3.0);
    assert_eq!(q.next_refill(), Some(ms(t, 1000)));
    assert_eq!(q.consume(3.0, ms(t, 500)), 3.0);
    assert_eq!(
        q.next_refill(),
        Some(ms(t, 1000)),
        "a pending refill is not moved"
    );
    assert!(!q.advance(ms(t, 999)));
    assert_eq!(q.current(), 4.0);
    assert!(q.advance(ms(t, 1000)));
    assert_eq!(q.current(), 10.0);
    assert_eq!(q.next_refill(), None);
}

#[test]
fn a_consume_granted_nothing_still_arms_the_timer() {
    let t = Instant::now();
    let mut q = quota(0.0, 200, 0.0, f64::INFINITY);
    assert_eq!(q.consume(1.0, t), 0.0);
    assert_eq!(q.next_refill(), Some(ms(t, 200)));
}

#[test]
fn partial_refills_step_by_produce() {
    let t = Instant::now();
    let mut q = quota(10.0, 1000, 3.0, f64::INFINITY);
    assert_eq!(q.consume(10.0, t), 10.0);
    let mut seen = Vec::new();
    for s in 1..=5 {
        q.advance(ms(t, 1000 * s));
        seen.push((q.current(), q.next_refill()));
    }
    assert_eq!(
        seen,
        vec![
            (3.0, Some(ms(t, 2000))),
            (6.0, Some(ms(t, 3000))),
            (9.0, Some(ms(t, 4000))),
            (10.0, None),
            (10.0, None),
        ]
    );
}

#[test]
fn late_advance_catches_up_every_firing() {
    let t = Instant::now();
    let mut q = quota(10.0, 1000, 3.0, f64::INFINITY);
    q.consume(10.0, t);
    assert!(q.advance(ms(t, 2500)));
    assert_eq!(q.current(), 6.0);
    assert_eq!(q.next_refill(), Some(ms(t, 3000)));
    // consume() catches up by itself too
    assert_eq!(q.consume(100.0, ms(t, 60_000)), 10.0);
    assert_eq!(q.next_refill(), Some(ms(t, 61_000)));
}

#[test]
fn long_idle_with_tiny_interval_is_cheap_and_exact() {
    let t = Instant::now();
    let options = QuotaOptions {
        per: Some(Duration::from_nanos(1)),
        produce: 1.0,
        max: f64::INFINITY,
    };
    let mut q = match Quota::new(1e12, options) {
        Ok(q) => q,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(q.consume(1e12, t), 1e12);
    assert!(q.advance(t + Duration::from_secs(1)));
    assert_eq!(q.current(), 1e9);
    assert_eq!(
        q.next_refill(),
        Some(t + Duration::from_secs(1) + Duration::from_nanos(1))
    );
    // And far enough ahead, full.
    assert!(q.advance(t + Duration::from_secs(100_000)));
    assert_eq!(q.current(), 1e12);
    assert_eq!(q.next_refill(), None);
}

#[test]
fn produce_respects_max() {
    let t = Instant::now();
    let mut q = quota(10.0, 0, 0.0, 12.0);
    assert!(q.produce(5.0));
    assert_eq!(q.current(), 12.0);
    assert!(!q.produce(1.0), "already at max");
    assert!(!q.produce(-3.0));
    assert!(!q.produce(f64::NAN));
    assert_eq!(q.consume(12.0, t), 12.0);
    assert!(q.produce(f64::INFINITY));
    assert_eq!(q.current(), 12.0);
}

#[test]
fn refill_stops_at_max_below_initial() {
    let t = Instant::now();
    let mut q = quota(10.0, 100, 2.0, 5.0);
    q.consume(10.0, t);
    for s in 1..=5 {
        q.advance(ms(t, 100 * s));
    }
    assert_eq!(q.current(), 5.0);
    assert_eq!(q.next_refill(), None);
}

#[test]
fn reset_goes_back_to_initial() {
    let t = Instant::now();
    let mut q = quota(10.0, 0, 0.0, f64::INFINITY);
    q.produce(5.0);
    assert!(!q.reset());
    assert_eq!(q.current(), 10.0);
    q.consume(7.0, t);
    assert!(q.reset());
    assert_eq!(q.current(), 10.0);
}

#[test]
fn bad_options_are_errors() {
    let bad = [
        (f64::NAN, QuotaOptions::default()),
        (f64::INFINITY, QuotaOptions::default()),
        (
            1.0,
            QuotaOptions {
                produce: -1.0,
                ..QuotaOptions::default()
            },
        ),
        (
            1.0,
            QuotaOptions {
                produce: f64::NAN,
                ..QuotaOptions::default()
            },
        ),
        (
            1.0,
            QuotaOptions {
                max: f64::NAN,
                ..QuotaOptions::default()
            },
        ),
    ];
    for (initial, options) in bad {
        assert!(matches!(
            Quota::new(initial, options),
            Err(AlgoError::InvalidNumber { .. })
        ));
    }
}

#[test]
fn zero_interval_means_no_refill_and_huge_interval_does_not_panic() {
    let t = Instant::now();
    let mut q = quota(1.0, 0, 0.0, f64::INFINITY);
    q.consume(1.0, t);
    assert_eq!(q.next_refill(), None);

    let mut q = match Quota::new(
        1.0,
        QuotaOptions {
            per: Some(Duration::MAX),
            ..QuotaOptions::default()
        },
    ) {
        Ok(q) => q,
        Err(e) => panic!("{e}"),
    };
    q.consume(1.0, t);
    assert!(!q.advance(t + Duration::from_secs(1 << 40)));
}

#[test]
fn negative_initial_grants_nothing() {
    let t = Instant::now();
    let mut q = quota(-5.0, 0, 0.0, f64::INFINITY);
    assert_eq!(q.consume(3.0, t), 0.0);
    assert_eq!(q.current(), -5.0);
}
