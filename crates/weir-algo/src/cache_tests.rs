use super::*;
use std::convert::Infallible;

fn t0() -> Instant {
    Instant::now()
}

fn secs(base: Instant, s: u64) -> Instant {
    base + Duration::from_secs(s)
}

fn keys<V>(c: &Cache<&'static str, V>) -> Vec<&'static str> {
    c.iter().map(|(k, _)| *k).collect()
}

fn sized(size: usize) -> Cache<&'static str, i32> {
    Cache::new(CacheOptions { size, ttl: None })
}

#[test]
fn set_get_find_has_remove() {
    let now = t0();
    let mut c = sized(0);
    assert!(c.set("a", 1, now).is_empty());
    assert_eq!(c.get("a", now), Some(&1));
    assert_eq!(c.find("a", now), Some(&1));
    assert!(c.has("a", now));
    assert!(!c.has("b", now));
    assert_eq!(c.get("b", now), None);
    assert_eq!(
        c.remove("a", now),
        Some(Removed {
            value: 1,
            expired: false
        })
    );
    assert_eq!(c.remove("a", now), None);
    assert!(c.is_empty());
}

#[test]
fn size_limit_evicts_least_recently_used() {
    let now = t0();
    let mut c = sized(2);
    assert!(c.set("a", 1, now).is_empty());
    assert!(c.set("b", 2, now).is_empty());
    assert_eq!(c.get("a", now), Some(&1)); // a is now most recent
    assert_eq!(c.set("c", 3, now), vec![("b", 2)]);
    assert_eq!(keys(&c), ["a", "c"]);
    assert_eq!(c.len(), 2);
}

#[test]
fn set_on_existing_key_does_not_refresh_order() {
    let now = t0();
    let mut c = sized(2);
    c.set("a", 1, now);
    c.set("b", 2, now);
    assert!(c.set("a", 10, now).is_empty());
    assert_eq!(keys(&c), ["a", "b"]);
    assert_eq!(c.set("c", 3, now), vec![("a", 10)]);
}

#[test]
fn find_and_has_refresh_order() {
    let now = t0();
    let mut c = sized(3);
    c.set("a", 1, now);
    c.set("b", 2, now);
    c.set("c", 3, now);
    c.find("a", now);
    c.has("b", now);
    assert_eq!(keys(&c), ["c", "a", "b"]);
}

#[test]
fn ttl_expiry() {
    let base = t0();
    let mut c: Cache<&str, i32> = Cache::new(CacheOptions {
        size: 0,
        ttl: Some(Duration::from_secs(10)),
    });
    c.set("a", 1, base);
    assert_eq!(c.get("a", secs(base, 9)), Some(&1));
    assert_eq!(c.get("a", secs(base, 10)), None, "expires at exactly ttl");
    assert_eq!(c.len(), 1, "get leaves the expired entry in place");
    assert_eq!(c.find("a", secs(base, 10)), None);
    assert_eq!(c.len(), 0, "find deletes it");

    c.set("b", 2, base);
    c.set("b", 3, secs(base, 8)); // set restarts the TTL
    assert_eq!(c.get("b", secs(base, 17)), Some(&3));
    assert_eq!(
        c.remove("b", secs(base, 18)),
        Some(Removed {
            value: 3,
            expired: true
        })
    );
}

#[test]
fn get_or_insert_with_allocates_on_miss_only() {
    let now = t0();
    let mut c = sized(0);
    let mut calls = 0;
    let (v, ev) = c
        .get_or_insert_with("a", now, |_| {
            calls += 1;
            Ok::<_, Infallible>(7)
        })
        .unwrap_or_else(|e| match e {});
    assert_eq!((*v, ev.len()), (7, 0));
    let (v, _) = c
        .get_or_insert_with("a", now, |_| {
            calls += 1;
            Ok::<_, Infallible>(8)
        })
        .unwrap_or_else(|e| match e {});
    assert_eq!(*v, 7);
    assert_eq!(calls, 1);
}

#[test]
fn get_or_insert_with_replaces_expired_value() {
    let base = t0();
    let mut c: Cache<&str, i32> = Cache::new(CacheOptions {
        size: 0,
        ttl: Some(Duration::from_secs(1)),
    });
    c.set("a", 1, base);
    let r = c.get_or_insert_with("a", secs(base, 5), |k| {
        assert_eq!(*k, "a");
        Ok::<_, ()>(2)
    });
    assert_eq!(r.map(|(v, e)| (*v, e.len())), Ok((2, 0)));
    assert_eq!(c.get("a", secs(base, 5)), Some(&2));
    assert_eq!(
        c.get("a", secs(base, 6)),
        None,
        "fresh TTL from the allocation"
    );
}

#[test]
fn get_or_insert_with_error_inserts_nothing() {
    let now = t0();
    let mut c = sized(0);
    let r = c.get_or_insert_with("a", now, |_| Err("boom"));
    assert_eq!(r.map(|(v, _)| *v), Err("boom"));
    assert!(c.is_empty());
}

#[test]
fn get_or_insert_with_evicts_too() {
    let now = t0();
    let mut c = sized(1);
    c.set("a", 1, now);
    let r = c.get_or_insert_with("b", now, |_| Ok::<_, ()>(2));
    assert_eq!(r.map(|(v, e)| (*v, e)), Ok((2, vec![("a", 1)])));
    assert_eq!(keys(&c), ["b"]);
}

#[test]
fn clear_returns_everything_in_order() {
    let now = t0();
    let mut c = sized(0);
    c.set("a", 1, now);
    c.set("b", 2, now);
    c.set("c", 3, now);
    c.get("a", now);
    assert_eq!(c.clear(), vec![("b", 2), ("c", 3), ("a", 1)]);
    assert!(c.is_empty());
    assert!(c.clear().is_empty());
    c.set("d", 4, now);
    assert_eq!(keys(&c), ["d"]);
}

#[test]
fn borrowed_key_lookup() {
    let now = t0();
    let mut c: Cache<String, u8> = Cache::default();
    c.set("k".to_owned(), 1, now);
    assert_eq!(c.get("k", now), Some(&1));
    assert!(c.has("k", now));
}

#[test]
fn ttl_overflow_means_forever() {
    let now = t0();
    let mut c: Cache<u8, u8> = Cache::new(CacheOptions {
        size: 0,
        ttl: Some(Duration::MAX),
    });
    c.set(1, 1, now);
    assert_eq!(c.get(&1, now + Duration::from_secs(1 << 40)), Some(&1));
}

/// A slow model of the same semantics, used to cross-check a long pseudo-random run.
#[test]
fn random_operations_agree_with_a_model() {
    let now = t0();
    let size = 5;
    let mut c: Cache<u32, u32> = Cache::new(CacheOptions { size, ttl: None });
    let mut model: Vec<(u32, u32)> = Vec::new(); // least recent first
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for step in 0..20_000u32 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let key = (x % 9) as u32;
        match (x >> 8) % 4 {
            0 => {
                let ev = c.set(key, step, now);
                let mut want = Vec::new();
                if let Some(p) = model.iter().position(|e| e.0 == key) {
                    model[p].1 = step;
                } else {
                    model.push((key, step));
                    while model.len() > size {
                        want.push(model.remove(0));
                    }
                }
                assert_eq!(ev, want);
            }
            1 => {
                let got = c.get(&key, now).copied();
                let want = model.iter().position(|e| e.0 == key).map(|p| {
                    let e = model.remove(p);
                    model.push(e);
                    e.1
                });
                assert_eq!(got, want);
            }
            2 => {
                let got = c.remove(&key, now).map(|r| r.value);
                let want = model
                    .iter()
                    .position(|e| e.0 == key)
                    .map(|p| model.remove(p).1);
                assert_eq!(got, want);
            }
            _ => {
                let got: Vec<(u32, u32)> = c.iter().map(|(k, v)| (*k, *v)).collect();
                assert_eq!(got, model);
            }
        }
    }
}
