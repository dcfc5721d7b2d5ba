//! The process-wide metric registry behind `stats.*`: families registered by name, trees
//! of labelled series, one shard per thread in each series, and the Prometheus text.
//! Nothing here touches JS.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Counter,
    Gauge,
    /// Upper bucket limits.
    Histogram(Arc<[f64]>),
}

impl Kind {
    fn name(&self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram(_) => "histogram",
        }
    }

    pub(super) fn class(&self) -> &'static str {
        match self {
            Kind::Counter => "Counter",
            Kind::Gauge => "Gauge",
            Kind::Histogram(_) => "Histogram",
        }
    }

    pub(super) fn buckets(&self) -> &[f64] {
        match self {
            Kind::Histogram(b) => b,
            _ => &[],
        }
    }
}

pub(super) struct Family {
    pub(super) name: String,
    pub(super) kind: Kind,
    pub(super) labels: Vec<String>,
    pub(super) root: Arc<Node>,
}

/// One series of values: one shard per thread that touched it.
pub(super) struct Node {
    /// The value of this node's label (`None` for the root).
    label: Option<Box<str>>,
    buckets: usize,
    children: Mutex<Children>,
    shards: Mutex<Vec<(u64, Arc<Shard>)>>,
}

#[derive(Default)]
struct Children {
    order: Vec<Arc<Node>>,
    index: HashMap<Box<str>, usize>,
}

/// One thread's part of a node. Only that thread writes it.
pub(super) struct Shard {
    has_value: AtomicBool,
    /// Counter/gauge value, or a histogram's sum (f64 bits).
    value: AtomicU64,
    /// A histogram's sample count.
    count: AtomicU64,
    /// A histogram's per-bucket counts (not cumulative).
    buckets: Box<[AtomicU64]>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave a half-made update that
    // matters (each update is one push or one atomic store), so poisoning is ignored.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn registry() -> &'static Mutex<Vec<Arc<Family>>> {
    static REGISTRY: OnceLock<Mutex<Vec<Arc<Family>>>> = OnceLock::new();
    REGISTRY.get_or_init(Default::default)
}

thread_local! {
    /// Which shard this thread writes: its worker index once [`set_thread_index`] ran, so
    /// that a reloaded program's thread goes on with the values of the thread it replaced
    /// (Pipy keeps metric values across reloads); other threads get a key of their own.
    static THREAD: Cell<u64> = Cell::new({
        static NEXT: AtomicU64 = AtomicU64::new(1 << 32);
        NEXT.fetch_add(1, Relaxed)
    });
}

/// Makes this thread write the shards of worker `index`. While a reload drains, the old and
/// the new thread of one index write the same shard, so every update is an atomic
/// read-modify-write.
pub fn set_thread_index(index: usize) {
    THREAD.with(|t| t.set(index as u64));
}

pub(super) fn register(name: &str, kind: Kind, labels: Vec<String>) -> Arc<Family> {
    let mut all = lock(registry());
    let pos = all.iter().position(|f| f.name == name);
    if let Some(i) = pos {
        if all[i].kind == kind && all[i].labels == labels {
            return all[i].clone();
        }
        tracing::warn!("[stats] metric '{name}' is redefined with another type or labels");
    }
    let family = Arc::new(Family {
        name: name.to_string(),
        root: Node::new(None, kind.buckets().len()),
        kind,
        labels,
    });
    match pos {
        Some(i) => all[i] = family.clone(),
        None => all.push(family.clone()),
    }
    family
}

impl Node {
    fn new(label: Option<Box<str>>, buckets: usize) -> Arc<Node> {
        Arc::new(Node {
            label,
            buckets,
            children: Mutex::new(Children::default()),
            shards: Mutex::new(Vec::new()),
        })
    }

    /// This thread's shard.
    pub(super) fn shard(&self) -> Arc<Shard> {
        let me = THREAD.with(|t| t.get());
        let mut shards = lock(&self.shards);
        if let Some((_, s)) = shards.iter().find(|(t, _)| *t == me) {
            return s.clone();
        }
        let s = Arc::new(Shard {
            has_value: AtomicBool::new(false),
            value: AtomicU64::new(0),
            count: AtomicU64::new(0),
            buckets: (0..self.buckets).map(|_| AtomicU64::new(0)).collect(),
        });
        shards.push((me, s.clone()));
        s
    }

    pub(super) fn child(&self, label: &str) -> Arc<Node> {
        let mut c = lock(&self.children);
        if let Some(&i) = c.index.get(label) {
            return c.order[i].clone();
        }
        let node = Node::new(Some(label.into()), self.buckets);
        let i = c.order.len();
        c.order.push(node.clone());
        c.index.insert(label.into(), i);
        node
    }

    fn shards(&self) -> Vec<Arc<Shard>> {
        lock(&self.shards).iter().map(|(_, s)| s.clone()).collect()
    }

    fn has_value(&self) -> bool {
        lock(&self.shards)
            .iter()
            .any(|(_, s)| s.has_value.load(Relaxed))
    }

    pub(super) fn sum(&self) -> f64 {
        self.shards().iter().map(|s| s.get()).sum()
    }

    /// Cumulative bucket counts, sample count and sum over all threads.
    pub(super) fn histogram(&self) -> (Vec<u64>, u64, f64) {
        let mut buckets = vec![0u64; self.buckets];
        let (mut count, mut sum) = (0, 0.0);
        for s in self.shards() {
            for (b, x) in buckets.iter_mut().zip(s.buckets.iter()) {
                *b += x.load(Relaxed);
            }
            count += s.count.load(Relaxed);
            sum += s.get();
        }
        let mut running = 0;
        for b in &mut buckets {
            running += *b;
            *b = running;
        }
        (buckets, count, sum)
    }
}

impl Shard {
    fn get(&self) -> f64 {
        f64::from_bits(self.value.load(Relaxed))
    }

    fn mark(&self) {
        if !self.has_value.load(Relaxed) {
            self.has_value.store(true, Relaxed);
        }
    }

    pub(super) fn set(&self, x: f64) {
        self.value.store(x.to_bits(), Relaxed);
        self.mark();
    }

    pub(super) fn add(&self, n: f64) {
        let _ = self.value.fetch_update(Relaxed, Relaxed, |bits| {
            Some((f64::from_bits(bits) + n).to_bits())
        });
        self.mark();
    }

    pub(super) fn zero(&self) {
        self.count.store(0, Relaxed);
        for b in self.buckets.iter() {
            b.store(0, Relaxed);
        }
        self.set(0.0);
    }

    pub(super) fn observe(&self, limits: &[f64], x: f64) {
        if let Some(i) = limits.iter().position(|l| x <= *l) {
            if let Some(b) = self.buckets.get(i) {
                b.fetch_add(1, Relaxed);
            }
        }
        self.count.fetch_add(1, Relaxed);
        self.add(x);
    }
}

// ---------------------------------------------------------------------------------------
// Prometheus exposition

/// Numbers as JavaScript (and Pipy) print them: `3`, not `3.0`.
fn number(out: &mut String, x: f64) {
    if x.is_nan() {
        out.push_str("NaN");
    } else if x.is_infinite() {
        out.push_str(if x > 0.0 { "Infinity" } else { "-Infinity" });
    } else if x.fract() == 0.0 && x.abs() < 1e21 {
        let _ = write!(out, "{x:.0}");
    } else {
        let _ = write!(out, "{x}");
    }
}

/// A bucket bound for `le=`: as Pipy writes it, with `Inf` for infinity.
fn bound(out: &mut String, x: f64) {
    if x.is_infinite() {
        out.push_str(if x > 0.0 { "Inf" } else { "-Inf" });
    } else {
        number(out, x);
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// `name{a="x",b="y"}` (plus `le` for histogram buckets).
fn series(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[String],
    values: &[Box<str>],
    le: Option<f64>,
) {
    out.push_str(name);
    out.push_str(suffix);
    if values.is_empty() && le.is_none() {
        return;
    }
    out.push('{');
    for (i, (k, v)) in labels.iter().zip(values).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push_str("=\"");
        escape(out, v);
        out.push('"');
    }
    if let Some(le) = le {
        if !values.is_empty() {
            out.push(',');
        }
        out.push_str("le=\"");
        bound(out, le);
        out.push('"');
    }
    out.push('}');
}

fn sample(out: &mut String, x: f64) {
    out.push(' ');
    number(out, x);
    out.push('\n');
}

fn render(out: &mut String, f: &Family, node: &Node, values: &mut Vec<Box<str>>) {
    if node.has_value() {
        match &f.kind {
            Kind::Histogram(limits) => {
                let (cumulative, count, sum) = node.histogram();
                for (le, n) in limits.iter().zip(cumulative) {
                    series(out, &f.name, "_bucket", &f.labels, values, Some(*le));
                    sample(out, n as f64);
                }
                series(out, &f.name, "_count", &f.labels, values, None);
                sample(out, count as f64);
                series(out, &f.name, "_sum", &f.labels, values, None);
                sample(out, sum);
            }
            _ => {
                series(out, &f.name, "", &f.labels, values, None);
                sample(out, node.sum());
            }
        }
    }
    let children = lock(&node.children).order.clone();
    for c in children {
        values.push(c.label.clone().unwrap_or_default());
        render(out, f, &c, values);
        values.pop();
    }
}

/// Every metric in Prometheus text format, summed over all worker threads: `# TYPE` and,
/// for each series that has a value, the total (no labels), partial-label and full-label
/// lines in tree order (histograms: `_bucket{le=..}` cumulative counts, `_count`, `_sum`).
///
/// Gauges with an `onCollect` callback are refreshed by [`collect_local`], which each
/// worker has to run before this is rendered.
#[allow(dead_code)] // served by the admin API's /metrics once it is wired in
pub fn prometheus_text() -> String {
    let families: Vec<Arc<Family>> = lock(registry()).clone();
    let mut out = String::new();
    for f in families {
        out.push_str("# TYPE ");
        out.push_str(&f.name);
        out.push(' ');
        out.push_str(f.kind.name());
        out.push('\n');
        render(&mut out, &f, &f.root, &mut Vec::new());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The exposition block of one metric (the registry is shared by all tests).
    fn block(name: &str) -> String {
        let text = prometheus_text();
        let head = format!("# TYPE {name} ");
        let start = text.find(&head).unwrap_or(text.len());
        let rest = &text[start..];
        let end = rest[1..].find("# TYPE ").map_or(rest.len(), |i| i + 1);
        rest[..end].to_string()
    }

    #[test]
    fn counter_lines_for_total_partial_and_full_labels_summed_over_threads() {
        let f = register(
            "t_requests",
            Kind::Counter,
            vec!["method".into(), "status".into()],
        );
        f.root.shard().add(3.0);
        let get = f.root.child("GET");
        get.shard().add(2.0);
        get.child("200").shard().add(2.0);
        f.root.child("POST").child("201").shard().add(1.0);
        f.root.child("PUT");
        let other = f.clone();
        let t = std::thread::spawn(move || {
            other.root.shard().add(4.0);
            other.root.child("GET").child("200").shard().add(0.5);
        });
        assert!(t.join().is_ok());
        assert_eq!(
            block("t_requests"),
            "# TYPE t_requests counter\n\
             t_requests 7\n\
             t_requests{method=\"GET\"} 2\n\
             t_requests{method=\"GET\",status=\"200\"} 2.5\n\
             t_requests{method=\"POST\",status=\"201\"} 1\n"
        );
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_count_and_sum() {
        let limits: Arc<[f64]> = vec![1.0, 5.0, f64::INFINITY].into();
        let f = register(
            "t_latency",
            Kind::Histogram(limits.clone()),
            vec!["route".into()],
        );
        for x in [0.5, 3.0, 3.0, 100.0] {
            f.root.shard().observe(&limits, x);
        }
        f.root.child("/a").shard().observe(&limits, 2.0);
        assert_eq!(
            block("t_latency"),
            "# TYPE t_latency histogram\n\
             t_latency_bucket{le=\"1\"} 1\n\
             t_latency_bucket{le=\"5\"} 3\n\
             t_latency_bucket{le=\"Inf\"} 4\n\
             t_latency_count 4\n\
             t_latency_sum 106.5\n\
             t_latency_bucket{route=\"/a\",le=\"1\"} 0\n\
             t_latency_bucket{route=\"/a\",le=\"5\"} 1\n\
             t_latency_bucket{route=\"/a\",le=\"Inf\"} 1\n\
             t_latency_count{route=\"/a\"} 1\n\
             t_latency_sum{route=\"/a\"} 2\n"
        );
    }

    #[test]
    fn gauges_escape_label_values_and_zero_counts_as_set() {
        let f = register("t_level", Kind::Gauge, vec!["peer".into()]);
        f.root.child("a\"b\\c\nd").shard().set(-1.25);
        f.root.child("idle").shard().zero();
        assert_eq!(
            block("t_level"),
            "# TYPE t_level gauge\n\
             t_level{peer=\"a\\\"b\\\\c\\nd\"} -1.25\n\
             t_level{peer=\"idle\"} 0\n"
        );
    }

    #[test]
    fn a_reloaded_thread_goes_on_with_the_values_of_the_one_it_replaces() {
        let f = register("t_reload", Kind::Gauge, vec![]);
        let run = |f: Arc<Family>, work: fn(&Shard)| {
            std::thread::spawn(move || {
                set_thread_index(3);
                work(&f.root.shard());
            })
            .join()
            .is_ok()
        };
        // The old load's thread 3 counts 5 connections; the new load's thread 3 sees one
        // close and a thousand more come and go while both run.
        assert!(run(f.clone(), |s| s.add(5.0)));
        let (a, b) = (f.clone(), f.clone());
        let t = std::thread::spawn(move || {
            set_thread_index(3);
            let s = a.root.shard();
            for _ in 0..1000 {
                s.add(1.0);
            }
        });
        let u = std::thread::spawn(move || {
            set_thread_index(3);
            let s = b.root.shard();
            for _ in 0..1000 {
                s.add(-1.0);
            }
            s.add(-1.0);
        });
        assert!(t.join().is_ok() && u.join().is_ok());
        assert_eq!(block("t_reload"), "# TYPE t_reload gauge\nt_reload 4\n");
    }

    #[test]
    fn same_shape_shares_and_another_shape_replaces() {
        let a = register("t_shared", Kind::Counter, vec![]);
        a.root.shard().add(1.0);
        let b = register("t_shared", Kind::Counter, vec![]);
        assert!(Arc::ptr_eq(&a, &b));
        let c = register("t_shared", Kind::Gauge, vec![]);
        assert!(!Arc::ptr_eq(&a, &c));
        assert_eq!(block("t_shared"), "# TYPE t_shared gauge\n");
    }
}
