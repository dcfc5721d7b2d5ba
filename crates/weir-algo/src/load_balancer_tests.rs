use super::*;

type Lb = LoadBalancer<&'static str, &'static str>;

fn ok(_: &&'static str) -> bool {
    false
}

fn lb(targets: &[(&'static str, f64)], algorithm: Algorithm, capacity: i32) -> Lb {
    let specs = targets.iter().map(|&(k, w)| TargetSpec {
        weight: w,
        ..TargetSpec::new(k, k)
    });
    match LoadBalancer::new(
        specs,
        LoadBalancerOptions {
            algorithm,
            capacity,
        },
    ) {
        Ok(lb) => lb,
        Err(e) => panic!("{e}"),
    }
}

fn pick(lb: &mut Lb, tag: Option<&'static str>) -> Option<&'static str> {
    let r = lb.allocate(tag.as_ref(), &ok)?;
    lb.target(r).copied()
}

fn picks(lb: &mut Lb, n: usize) -> Vec<&'static str> {
    (0..n).filter_map(|_| pick(lb, None)).collect()
}

#[test]
fn round_robin_equal_weights() {
    let mut b = lb(
        &[("a", 1.0), ("b", 1.0), ("c", 1.0)],
        Algorithm::RoundRobin,
        0,
    );
    assert_eq!(picks(&mut b, 6), ["a", "b", "c", "a", "b", "c"]);
}

#[test]
fn round_robin_weighted_stride_order() {
    let mut b = lb(
        &[("a", 3.0), ("b", 2.0), ("c", 1.0)],
        Algorithm::RoundRobin,
        0,
    );
    let cycle = ["a", "b", "a", "c", "b", "a"];
    let want: Vec<_> = cycle.iter().cycle().take(24).copied().collect();
    assert_eq!(picks(&mut b, 24), want);
}

#[test]
fn round_robin_free_does_not_change_order() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0)], Algorithm::RoundRobin, 0);
    let Some(r) = b.allocate(None, &ok) else {
        panic!("no pick")
    };
    assert!(b.free(r));
    assert_eq!(picks(&mut b, 3), ["b", "a", "b"]);
}

#[test]
fn least_load_prefers_the_least_busy() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0)], Algorithm::LeastLoad, 0);
    let ra = b.allocate(None, &ok);
    let rb = b.allocate(None, &ok);
    assert_eq!(ra.and_then(|r| b.target(r).copied()), Some("a"));
    assert_eq!(rb.and_then(|r| b.target(r).copied()), Some("b"));
    if let Some(r) = rb {
        assert!(b.free(r));
        assert!(!b.free(r), "second free of one use is ignored");
    }
    assert_eq!(picks(&mut b, 1), ["b"]);
}

#[test]
fn capacity_limits_resources_per_target() {
    let mut b = lb(&[("a", 1.0)], Algorithm::RoundRobin, 2);
    let ids: Vec<_> = (0..4).filter_map(|_| b.allocate(None, &ok)).collect();
    assert_eq!(b.resource_count(&"a"), 2);
    assert_ne!(ids[0], ids[1]);
    // Once at capacity, the least used resource is shared.
    assert_eq!(ids[2], ids[0]);
    assert_eq!(ids[3], ids[1]);
    assert_eq!(b.uses(ids[0]), Some(2));
}

#[test]
fn unlimited_capacity_reuses_only_idle_resources() {
    let mut b = lb(&[("a", 1.0)], Algorithm::RoundRobin, 0);
    let r1 = b.allocate(None, &ok);
    let r2 = b.allocate(None, &ok);
    assert_ne!(r1, r2);
    if let Some(r) = r1 {
        b.free(r);
    }
    assert_eq!(b.allocate(None, &ok), r1, "the idle one is reused");
    assert_eq!(b.resource_count(&"a"), 2);
    let r3 = b.allocate(None, &ok);
    assert!(r3 != r1 && r3 != r2);
}

#[test]
fn per_target_capacity_overrides_the_default() {
    let specs = [
        TargetSpec {
            capacity: Some(1),
            ..TargetSpec::new("a", "a")
        },
        TargetSpec::new("b", "b"),
    ];
    let opts = LoadBalancerOptions {
        algorithm: Algorithm::RoundRobin,
        capacity: 3,
    };
    let Ok(mut b) = LoadBalancer::new(specs, opts) else {
        panic!("new")
    };
    for _ in 0..12 {
        b.allocate(None, &ok);
    }
    assert_eq!(b.resource_count(&"a"), 1);
    assert_eq!(b.resource_count(&"b"), 3);
}

#[test]
fn tag_equal_to_a_key_goes_to_that_target() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0)], Algorithm::RoundRobin, 0);
    assert_eq!(pick(&mut b, Some("b")), Some("b"));
    assert_eq!(pick(&mut b, Some("b")), Some("b"));
    assert_eq!(picks(&mut b, 2), ["a", "b"], "tagged picks are not counted");
    assert_eq!(
        pick(&mut b, Some("zzz")),
        Some("a"),
        "unknown tag: normal pick"
    );
    let b_down = |t: &&str| *t == "b";
    let r = b.allocate(Some(&"b"), &b_down);
    assert_eq!(r.and_then(|r| b.target(r).copied()), Some("a"));
}

#[test]
fn least_load_tagged_use_is_balanced_by_free() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0)], Algorithm::LeastLoad, 0);
    for _ in 0..3 {
        if let Some(r) = b.allocate(Some(&"a"), &ok) {
            b.free(r);
        }
    }
    // Loads are back to even, so the next two picks cover both targets.
    let mut two = picks(&mut b, 2);
    two.sort_unstable();
    assert_eq!(two, ["a", "b"]);
}

#[test]
fn unhealthy_zero_weight_and_empty() {
    let mut b = lb(
        &[("a", 0.0), ("b", 1.0), ("c", -2.0), ("d", f64::NAN)],
        Algorithm::RoundRobin,
        0,
    );
    assert_eq!(picks(&mut b, 3), ["b", "b", "b"]);
    let b_down = |t: &&str| *t == "b";
    assert_eq!(b.allocate(None, &b_down), None);
    let mut empty = lb(&[], Algorithm::LeastLoad, 0);
    assert_eq!(empty.allocate(None, &ok), None);
    assert_eq!(empty.schedule(3, &ok), vec![None, None, None]);
    let mut zero = lb(&[("a", 0.0)], Algorithm::RoundRobin, 0);
    assert_eq!(zero.allocate(None, &ok), None);
}

#[test]
fn infinite_weight_is_an_error_and_changes_nothing() {
    let mut b = lb(&[("a", 1.0)], Algorithm::RoundRobin, 0);
    let bad = [TargetSpec {
        weight: f64::INFINITY,
        ..TargetSpec::new("x", "x")
    }];
    assert!(matches!(
        b.provision(bad),
        Err(AlgoError::InvalidNumber { .. })
    ));
    assert_eq!(b.targets().map(|t| *t.0).collect::<Vec<_>>(), ["a"]);
}

#[test]
fn provision_keeps_known_targets_and_retires_old_ones() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0)], Algorithm::RoundRobin, 0);
    let Some(ra) = b.allocate(None, &ok) else {
        panic!("no pick")
    };
    let specs = [TargetSpec::new("c", "c"), TargetSpec::new("b", "b")];
    assert!(b.provision(specs).is_ok());
    assert_eq!(b.targets().map(|t| *t.0).collect::<Vec<_>>(), ["c", "b"]);
    // The old target's resource still works until discarded.
    assert_eq!(b.target(ra), Some(&"a"));
    assert!(b.free(ra));
    assert!(b.discard(ra));
    assert!(!b.discard(ra));
    assert_eq!(b.target(ra), None);
    assert_eq!(picks(&mut b, 4), ["c", "b", "c", "b"]);
}

#[test]
fn duplicate_keys_are_one_target() {
    let specs = [
        TargetSpec::new("a", "a"),
        TargetSpec::new("b", "b"),
        TargetSpec {
            weight: 2.0,
            ..TargetSpec::new("a", "a2")
        },
    ];
    let Ok(mut b) = LoadBalancer::new(specs, LoadBalancerOptions::default()) else {
        panic!("new")
    };
    assert_eq!(b.targets().count(), 2);
    let six = picks(&mut b, 6);
    assert_eq!(six.iter().filter(|t| **t == "a").count(), 4, "{six:?}");
}

#[test]
fn schedule_lists_next_picks() {
    let mut b = lb(&[("a", 2.0), ("b", 1.0)], Algorithm::RoundRobin, 0);
    let s = b.schedule(6, &ok);
    let got: Vec<_> = s.into_iter().flatten().collect();
    assert_eq!(got.iter().filter(|t| **t == "a").count(), 4);
    assert_eq!(got.len(), 6);
}

#[test]
fn unknown_resources_are_ignored() {
    let mut b = lb(&[("a", 1.0)], Algorithm::LeastLoad, 0);
    assert!(!b.free(ResourceId(12345)));
    assert!(!b.discard(ResourceId(12345)));
    assert_eq!(b.target(ResourceId(12345)), None);
    assert_eq!(b.uses(ResourceId(12345)), None);
}

#[test]
fn hashing_keeps_tags_on_their_target() {
    let mut b = lb(&[("a", 1.0), ("b", 1.0), ("c", 1.0)], Algorithm::Hashing, 0);
    let tags: Vec<String> = (0..300).map(|i| format!("client-{i}")).collect();
    let tags: Vec<&'static str> = tags
        .into_iter()
        .map(|s| &*Box::leak(s.into_boxed_str()))
        .collect();
    let before: Vec<_> = tags.iter().map(|t| pick(&mut b, Some(t))).collect();
    let again: Vec<_> = tags.iter().map(|t| pick(&mut b, Some(t))).collect();
    assert_eq!(before, again);
    for t in ["a", "b", "c"] {
        let n = before.iter().filter(|x| **x == Some(t)).count();
        assert!((60..140).contains(&n), "{t}: {n}");
    }
    // Dropping "c" moves only the tags that were on "c".
    let specs = [TargetSpec::new("a", "a"), TargetSpec::new("b", "b")];
    assert!(b.provision(specs).is_ok());
    for (tag, old) in tags.iter().zip(&before) {
        let new = pick(&mut b, Some(tag));
        if *old != Some("c") {
            assert_eq!(new, *old, "{tag}");
        }
    }
    // Unhealthy targets are skipped, with a fallback.
    let a_down = |t: &&str| *t == "a";
    for tag in &tags {
        let r = b.allocate(Some(tag), &a_down);
        assert_eq!(r.and_then(|r| b.target(r).copied()), Some("b"));
    }
    assert_eq!(picks(&mut b, 2).len(), 2, "no tag: round robin");
}

#[test]
fn algorithm_names() {
    assert_eq!(
        Algorithm::from_name("round-robin"),
        Some(Algorithm::RoundRobin)
    );
    assert_eq!(
        Algorithm::from_name("least-load"),
        Some(Algorithm::LeastLoad)
    );
    assert_eq!(Algorithm::from_name("hashing"), Some(Algorithm::Hashing));
    assert_eq!(Algorithm::from_name("random"), None);
}

/// Random provision/allocate/free/discard sequences: no panics, no unhealthy answers.
#[test]
fn random_operations_never_panic() {
    let keys = ["a", "b", "c", "d"];
    let mut seed: u64 = 0x1234_5678_9abc_def1;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for algorithm in [
        Algorithm::RoundRobin,
        Algorithm::LeastLoad,
        Algorithm::Hashing,
    ] {
        let mut b = lb(&[("a", 1.0)], algorithm, (next() % 3) as i32);
        let mut live: Vec<ResourceId> = Vec::new();
        for _ in 0..5000 {
            let x = next();
            let down = keys[(x % 4) as usize];
            let unhealthy = move |t: &&str| *t == down;
            match (x >> 8) % 5 {
                0 => {
                    let specs = keys
                        .iter()
                        .take(((x >> 16) % 5) as usize)
                        .map(|k| TargetSpec {
                            weight: [0.0, 1.0, 2.5, -1.0, f64::NAN][((x >> 24) % 5) as usize],
                            capacity: Some(((x >> 28) % 3) as i32),
                            ..TargetSpec::new(*k, *k)
                        });
                    assert!(b.provision(specs).is_ok());
                }
                1 | 2 => {
                    let tag = keys.get(((x >> 16) % 6) as usize);
                    if let Some(r) = b.allocate(tag, &unhealthy) {
                        assert_ne!(b.target(r), Some(&down));
                        live.push(r);
                    }
                }
                3 => {
                    if !live.is_empty() {
                        let r = live[(x >> 16) as usize % live.len()];
                        b.free(r);
                    }
                }
                _ => {
                    if !live.is_empty() {
                        let r = live.swap_remove((x >> 16) as usize % live.len());
                        b.discard(r);
                    }
                }
            }
        }
    }
}
