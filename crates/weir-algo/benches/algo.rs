//! Micro-benchmarks of the hot `algo.*` paths, timed with `std::time` (no harness).
//!
//! Run: `cargo bench -p weir-algo`. Prints nanoseconds per operation.

use std::hint::black_box;
use std::time::{Duration, Instant};

use weir_algo::{
    algo_hash, Algorithm, Balancer, BorrowerId, Cache, CacheOptions, HashValue, LoadBalancer,
    LoadBalancerOptions, RoundRobin, TargetSpec, UrlRouter,
};

/// Runs `op` in batches until about `budget` has passed; returns ns per call.
fn time_per_op(mut op: impl FnMut(u64), budget: Duration) -> f64 {
    let mut i = 0u64;
    for _ in 0..10_000 {
        op(i);
        i += 1;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            op(i);
            i += 1;
        }
        n += 1000;
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

fn report(name: &str, ns: f64) {
    println!("{name:<46} {ns:>9.1} ns/op");
}

fn router_with_100_routes() -> UrlRouter<usize> {
    let mut r = UrlRouter::new();
    let mut n = 0;
    let mut add = |r: &mut UrlRouter<usize>, p: String| {
        if r.add(&p, n).is_err() {
            eprintln!("bad pattern {p}");
        }
        n += 1;
    };
    for i in 0..50 {
        add(&mut r, format!("/api/v{}/service{i}/*", i % 3));
    }
    for i in 0..25 {
        add(&mut r, format!("/static/file{i}.js"));
    }
    for i in 0..24 {
        add(&mut r, format!("svc{i}.example.com/*"));
    }
    add(&mut r, "/*".to_owned());
    r
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("WEIR_BENCH_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(500),
    );

    let router = router_with_100_routes();
    let urls = [
        ("svc7.example.com", "/anything/here?x=1"),
        ("www.other.org:8080", "/api/v1/service13/users/42"),
        ("", "/static/file9.js"),
        ("localhost", "/not/routed/at/all"),
    ];
    report(
        &format!("UrlRouter::find ({} routes, 4 urls mixed)", router.len()),
        time_per_op(
            |i| {
                let (host, path) = urls[(i % 4) as usize];
                black_box(router.find(black_box(&[host, path])));
            },
            budget,
        ),
    );
    report(
        "UrlRouter::find_url (one joined url)",
        time_per_op(
            |_| {
                black_box(router.find_url(black_box("/api/v1/service13/users/42")));
            },
            budget,
        ),
    );

    let never = |_: &&str| false;
    let mut rr = RoundRobin::new([("a", 3), ("b", 2), ("c", 1)]);
    report(
        "RoundRobin::select (3 weighted targets)",
        time_per_op(
            |_| {
                black_box(weir_algo::Selector::select(&mut rr, None, &never));
            },
            budget,
        ),
    );
    let ids: Vec<String> = (0..32).map(|i| format!("10.0.0.{i}:8080")).collect();
    let mut rr32 = RoundRobin::new(ids.iter().map(|s| (s.as_str(), 1 + (s.len() as i32 % 3))));
    let never_s = |_: &&str| false;
    report(
        "RoundRobin::select (32 targets)",
        time_per_op(
            |_| {
                black_box(weir_algo::Selector::select(&mut rr32, None, &never_s));
            },
            budget,
        ),
    );
    let mut sticky = Balancer::new(RoundRobin::new([("a", 1), ("b", 1), ("c", 1)]));
    report(
        "RoundRobinLoadBalancer::next + release",
        time_per_op(
            |i| {
                black_box(sticky.next(BorrowerId(i), None, &never));
                sticky.release(BorrowerId(i));
            },
            budget,
        ),
    );

    let specs = ["a", "b", "c", "d"].map(|k| TargetSpec::new(k, k));
    let opts = LoadBalancerOptions {
        algorithm: Algorithm::LeastLoad,
        capacity: 0,
    };
    if let Ok(mut lb) = LoadBalancer::new(specs, opts) {
        report(
            "LoadBalancer::allocate + free (least-load, 4)",
            time_per_op(
                |_| {
                    if let Some(r) = lb.allocate(None, &never) {
                        lb.free(r);
                    }
                },
                budget,
            ),
        );
    }

    let now = Instant::now();
    let mut cache: Cache<u64, u64> = Cache::new(CacheOptions {
        size: 1000,
        ttl: None,
    });
    report(
        "Cache::set + get (size 1000, 2000 keys)",
        time_per_op(
            |i| {
                let k = i.wrapping_mul(0x9e37_79b9) % 2000;
                black_box(cache.set(k, i, now));
                black_box(cache.get(&(k ^ 1), now));
            },
            budget,
        ),
    );

    report(
        "algo_hash (11-byte string)",
        time_per_op(
            |_| {
                black_box(algo_hash(black_box(&HashValue::String("10.0.0.1:80"))));
            },
            budget,
        ),
    );
}
