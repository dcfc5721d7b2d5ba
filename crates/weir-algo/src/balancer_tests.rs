use super::*;
use std::collections::HashMap;

fn healthy(_: &&'static str) -> bool {
    false
}

fn rr(targets: &[(&'static str, i32)]) -> RoundRobin<&'static str> {
    RoundRobin::new(targets.iter().copied())
}

fn picks<S: Selector<&'static str>>(s: &mut S, n: usize) -> Vec<&'static str> {
    (0..n).filter_map(|_| s.select(None, &healthy)).collect()
}

#[test]
fn round_robin_single_target() {
    assert_eq!(picks(&mut rr(&[("a", 1)]), 4), ["a", "a", "a", "a"]);
}

#[test]
fn round_robin_equal_weights() {
    let mut r = rr(&[("a", 1), ("b", 1), ("c", 1)]);
    assert_eq!(
        picks(&mut r, 9),
        ["a", "b", "c", "a", "b", "c", "a", "b", "c"]
    );
}

#[test]
fn round_robin_weighted_sequence() {
    let mut r = rr(&[("a", 3), ("b", 2), ("c", 1)]);
    let cycle = ["a", "b", "c", "a", "b", "a"];
    let want: Vec<_> = cycle.iter().cycle().take(18).copied().collect();
    assert_eq!(picks(&mut r, 18), want);
}

#[test]
fn round_robin_weighted_sequences_of_pipys_mux_test() {
    let mut r = rr(&[("8080", 2), ("8081", 1), ("8082", 1)]);
    assert_eq!(picks(&mut r, 8), ["8080", "8081", "8082", "8080"].repeat(2));
    let mut r = rr(&[("8088", 2), ("8089", 8)]);
    assert_eq!(
        picks(&mut r, 10),
        ["8088", "8089", "8089", "8089", "8089", "8088", "8089", "8089", "8089", "8089"]
    );
}

/// Pipy's `test/mux/003-load-balancing` check: after the first full cycle, every target's
/// count stays within 3 of its weighted share.
fn assert_tracks_weights(targets: &[(&'static str, i32)], n: usize) {
    let total: i32 = targets.iter().map(|t| t.1).sum();
    let mut r = rr(targets);
    let mut counts: HashMap<&str, f64> = HashMap::new();
    for i in 1..=n {
        let Some(t) = r.select(None, &healthy) else {
            panic!("no pick");
        };
        *counts.entry(t).or_default() += 1.0;
        if i > total as usize {
            for (id, w) in targets {
                let want = i as f64 * f64::from(*w) / f64::from(total);
                let got = counts.get(id).copied().unwrap_or(0.0);
                assert!((got - want).abs() <= 3.0, "pick {i}: {id} {got} vs {want}");
            }
        }
    }
    for (id, w) in targets {
        let got = counts.get(id).copied().unwrap_or(0.0);
        let want = n as f64 * f64::from(*w) / f64::from(total);
        assert!((got - want).abs() <= 3.0, "{id}: {got} vs {want}");
    }
}

#[test]
fn round_robin_1000_picks_track_weights() {
    assert_tracks_weights(&[("a", 3), ("b", 2), ("c", 1)], 1000);
    assert_tracks_weights(&[("a", 2), ("b", 1), ("c", 1)], 1000);
    assert_tracks_weights(&[("a", 2), ("b", 8)], 1000);
    assert_tracks_weights(&[("a", 7), ("b", 5), ("c", 3), ("d", 1)], 1000);
}

#[test]
fn round_robin_zero_and_negative_weights_disable() {
    let mut r = rr(&[("a", 0), ("b", 1), ("c", -5)]);
    assert_eq!(picks(&mut r, 3), ["b", "b", "b"]);
    assert_eq!(r.targets().map(|t| t.1).collect::<Vec<_>>(), [0, 1, 0]);
    assert_eq!(rr(&[("a", 0)]).select(None, &healthy), None);
    assert_eq!(rr(&[]).select(None, &healthy), None);
    assert_eq!(
        rr(&[("a", i32::MIN), ("b", i32::MAX)]).select(None, &healthy),
        Some("b")
    );
}

#[test]
fn round_robin_skips_unhealthy_and_rejoins_without_burst() {
    let mut r = rr(&[("a", 1), ("b", 1), ("c", 1)]);
    let b_down = |t: &&str| *t == "b";
    let seq: Vec<_> = (0..4).filter_map(|_| r.select(None, &b_down)).collect();
    assert_eq!(seq, ["a", "c", "a", "c"]);
    // b comes back at the lowest usage: it is not picked several times in a row.
    let seq = picks(&mut r, 6);
    assert_eq!(seq.iter().filter(|t| **t == "b").count(), 2, "{seq:?}");
    assert!(seq.windows(2).all(|w| w[0] != w[1]), "{seq:?}");
    let all_down = |_: &&str| true;
    assert_eq!(r.select(None, &all_down), None);
}

#[test]
fn round_robin_key_sticks_without_counting() {
    let mut r = rr(&[("a", 1), ("b", 1)]);
    let k = Some(HashValue::String("client-1"));
    let first = r.select(k, &healthy);
    assert_eq!(first, Some("a"));
    for _ in 0..5 {
        assert_eq!(r.select(k, &healthy), first);
    }
    assert_eq!(
        r.select(None, &healthy),
        Some("b"),
        "keyed repeats did not advance"
    );
    assert_eq!(r.select(Some(HashValue::Number(7.0)), &healthy), Some("a"));
    // A remembered target removed by set() is forgotten.
    r.set([("b", 1)]);
    assert_eq!(r.select(k, &healthy), Some("b"));
}

#[test]
fn round_robin_key_memory_can_be_bounded() {
    let mut r = rr(&[("a", 1), ("b", 1)]);
    r.set_key_memory(1);
    assert_eq!(r.select(Some(HashValue::String("x")), &healthy), Some("a"));
    assert_eq!(r.select(Some(HashValue::String("y")), &healthy), Some("b"));
    // "x" was evicted: it gets a fresh pick.
    assert_eq!(r.select(Some(HashValue::String("x")), &healthy), Some("a"));
    assert_eq!(r.select(Some(HashValue::String("y")), &healthy), Some("b"));
}

#[test]
fn round_robin_set_replaces_targets() {
    let mut r = rr(&[("a", 1), ("b", 1), ("c", 1)]);
    assert_eq!(picks(&mut r, 1), ["a"]);
    r.set([("c", 1), ("b", 1), ("d", 1)]);
    let ids: Vec<_> = r.targets().map(|t| *t.0).collect();
    assert_eq!(
        ids,
        ["b", "c", "d"],
        "kept targets keep their place, new ones go last"
    );
    assert_eq!(picks(&mut r, 3), ["b", "c", "d"]);
    r.set_weight("b", 2);
    r.set([]);
    assert_eq!(r.select(None, &healthy), None);
}

#[test]
fn round_robin_new_target_joins_at_lowest_usage() {
    let mut r = rr(&[("a", 1), ("b", 1), ("c", 1), ("d", 1)]);
    assert_eq!(picks(&mut r, 2), ["a", "b"]);
    r.set_weight("e", 1);
    // c and d (usage 0) come first, then e joins at usage 0 as well.
    assert_eq!(picks(&mut r, 3), ["c", "d", "e"]);
}

#[test]
fn least_work_balances_open_picks() {
    let mut lw = LeastWork::new([("a", 1), ("b", 1)]);
    assert_eq!(picks(&mut lw, 4), ["a", "b", "a", "b"]);
    lw.deselect(&"a");
    lw.deselect(&"a");
    assert_eq!(lw.load(&"a"), Some(0));
    assert_eq!(picks(&mut lw, 2), ["a", "a"]);
    lw.deselect(&"zzz");
    lw.deselect(&"a");
    lw.deselect(&"a");
    lw.deselect(&"a");
    assert_eq!(lw.load(&"a"), Some(0), "never below zero");
}

#[test]
fn least_work_weights_and_health() {
    let mut lw = LeastWork::new([("a", 2), ("b", 1), ("c", 0)]);
    assert_eq!(picks(&mut lw, 6), ["a", "b", "a", "a", "b", "a"]);
    let a_down = |t: &&str| *t == "a";
    assert_eq!(lw.select(None, &a_down), Some("b"));
    lw.set([("c", 1)]);
    assert_eq!(picks(&mut lw, 2), ["c", "c"]);
    assert_eq!(lw.load(&"a"), None);
    lw.set_weight("c", 0);
    assert_eq!(lw.select(None, &healthy), None);
}

#[test]
fn least_work_key_memory() {
    let mut lw = LeastWork::new([("a", 1), ("b", 1)]);
    let k = Some(HashValue::String("k"));
    assert_eq!(lw.select(k, &healthy), Some("a"));
    assert_eq!(lw.select(k, &healthy), Some("a"));
    assert_eq!(lw.load(&"a"), Some(1));
}

#[test]
fn hashing_is_deterministic_and_pipy_compatible() {
    let mut h = Hashing::new(["a", "b", "c"]);
    let key = HashValue::String("hello world");
    let want = ["a", "b", "c"][(5577293430985752569u64 % 3) as usize];
    assert_eq!(h.select(Some(key), &healthy), Some(want));
    assert_eq!(h.select(Some(key), &healthy), Some(want));
    assert_eq!(h.select(None, &healthy), Some("a"), "undefined hashes to 0");
    let down = move |t: &&str| *t == want;
    assert_eq!(h.select(Some(key), &down), None, "no fallback");
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for i in 0..3000 {
        let ip = format!("10.0.{}.{}", i / 256, i % 256);
        if let Some(t) = h.select(Some(HashValue::String(&ip)), &healthy) {
            *counts.entry(t).or_default() += 1;
        }
    }
    assert!(
        counts.values().all(|c| (800..1200).contains(c)),
        "{counts:?}"
    );
    h.add("d");
    assert_eq!(h.targets().len(), 4);
    h.set([]);
    assert_eq!(h.select(Some(key), &healthy), None);
}

#[test]
fn borrow_is_sticky_per_borrower_until_release() {
    let mut lb: RoundRobinLoadBalancer<&str> = Balancer::new(rr(&[("a", 1), ("b", 1)]));
    let (x, y) = (BorrowerId(1), BorrowerId(2));
    let lx = lb.borrow(x, None, &healthy);
    let ly = lb.next(y, None, &healthy);
    assert_eq!(lx.as_ref().map(|l| l.target), Some("a"));
    assert_eq!(ly.as_ref().map(|l| l.target), Some("b"));
    for _ in 0..3 {
        assert_eq!(lb.borrow(x, None, &healthy), lx);
        assert_eq!(lb.borrow(y, None, &healthy), ly);
    }
    assert_eq!(lb.session_count(), 2);
    assert!(lb.release(x));
    assert!(!lb.release(x));
    assert_eq!(lb.lease(x), None);
    // The next borrower of "a" gets the very same resource back.
    let z = lb.borrow(BorrowerId(3), None, &healthy);
    assert_eq!(z, lx);
}

#[test]
fn concurrent_borrowers_of_one_target_get_distinct_resources() {
    let mut lb = Balancer::new(rr(&[("a", 1)]));
    let r1 = lb.borrow(BorrowerId(1), None, &healthy).map(|l| l.resource);
    let r2 = lb.borrow(BorrowerId(2), None, &healthy).map(|l| l.resource);
    assert_ne!(r1, r2);
    lb.release(BorrowerId(2));
    lb.release(BorrowerId(1));
    // Most recently returned first.
    assert_eq!(
        lb.borrow(BorrowerId(3), None, &healthy).map(|l| l.resource),
        r1
    );
    assert_eq!(
        lb.borrow(BorrowerId(4), None, &healthy).map(|l| l.resource),
        r2
    );
}

#[test]
fn borrow_moves_off_an_unhealthy_target() {
    let mut lb = Balancer::new(LeastWork::new([("a", 1), ("b", 1)]));
    let x = BorrowerId(9);
    assert_eq!(lb.borrow(x, None, &healthy).map(|l| l.target), Some("a"));
    let a_down = |t: &&str| *t == "a";
    assert_eq!(lb.borrow(x, None, &a_down).map(|l| l.target), Some("b"));
    assert_eq!(lb.selector().load(&"a"), Some(0), "the old pick was closed");
    let all_down = |_: &&str| true;
    assert_eq!(lb.borrow(x, None, &all_down), None);
    assert_eq!(lb.lease(x), None);
    assert_eq!(lb.borrow(x, None, &healthy).map(|l| l.target), Some("a"));
}

#[test]
fn release_closes_least_work_picks() {
    let mut lb: LeastWorkLoadBalancer<&str> = Balancer::new(LeastWork::new([("a", 1), ("b", 1)]));
    for i in 0..4 {
        lb.borrow(BorrowerId(i), None, &healthy);
    }
    assert_eq!(lb.selector().load(&"a"), Some(2));
    lb.release(BorrowerId(0));
    lb.release(BorrowerId(2));
    assert_eq!(lb.selector().load(&"a"), Some(0));
    assert_eq!(
        lb.borrow(BorrowerId(7), None, &healthy).map(|l| l.target),
        Some("a")
    );
}

#[test]
fn borrow_on_empty_balancers() {
    let mut lb: HashingLoadBalancer<&str> = Balancer::new(Hashing::new([]));
    assert_eq!(
        lb.borrow(BorrowerId(1), Some(HashValue::String("k")), &healthy),
        None
    );
    assert!(lb.release(BorrowerId(1)), "an empty session still exists");
    let mut lb = Balancer::new(rr(&[]));
    assert_eq!(lb.select(None, &healthy), None);
    lb.deselect(&"nothing");
    lb.selector_mut().set_weight("a", 1);
    assert_eq!(lb.select(None, &healthy), Some("a"));
}

/// Random operations on every balancer with odd weights: no panics, and every answer is a
/// current, healthy, positively weighted target.
#[test]
fn random_operations_never_panic() {
    let ids = ["a", "b", "c", "d", "e"];
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut rrb = Balancer::new(rr(&[]));
    let mut lwb = Balancer::new(LeastWork::new([]));
    let mut hb = Balancer::new(Hashing::new([]));
    for _ in 0..20_000 {
        let x = next();
        let id = ids[(x % 5) as usize];
        let weight = [-3, 0, 1, 2, 7, i32::MAX][((x >> 8) % 6) as usize];
        let down = ids[((x >> 16) % 5) as usize];
        let unhealthy = move |t: &&str| *t == down;
        let key_s = format!("k{}", (x >> 24) % 7);
        let key = ((x >> 20) % 2 == 0).then_some(HashValue::String(&key_s));
        let borrower = BorrowerId((x >> 32) % 6);
        match (x >> 40) % 6 {
            0 => {
                rrb.selector_mut().set_weight(id, weight);
                lwb.selector_mut().set_weight(id, weight);
                hb.selector_mut().add(id);
            }
            1 => {
                let list: Vec<_> = ids
                    .iter()
                    .take((x % 6) as usize)
                    .map(|i| (*i, weight))
                    .collect();
                rrb.selector_mut().set(list.clone());
                lwb.selector_mut().set(list.clone());
                hb.selector_mut().set(list.iter().map(|t| t.0));
            }
            2 => {
                if key.is_none() {
                    if let Some(t) = rrb.select(None, &unhealthy) {
                        assert_ne!(t, down);
                        assert!(rrb.selector().targets().any(|(i, w)| *i == t && w > 0));
                    }
                    if let Some(t) = lwb.select(None, &unhealthy) {
                        assert_ne!(t, down);
                    }
                }
                if let Some(t) = hb.select(key, &unhealthy) {
                    assert_ne!(t, down);
                }
            }
            3 => {
                rrb.borrow(borrower, key, &unhealthy);
                lwb.borrow(borrower, key, &unhealthy);
                hb.borrow(borrower, key, &unhealthy);
            }
            4 => {
                rrb.release(borrower);
                lwb.release(borrower);
                hb.release(borrower);
            }
            _ => {
                lwb.deselect(&id);
                rrb.deselect(&id);
            }
        }
    }
}
