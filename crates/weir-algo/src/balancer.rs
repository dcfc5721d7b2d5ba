//! The classic balancers: `algo.RoundRobinLoadBalancer`, `algo.LeastWorkLoadBalancer` and
//! `algo.HashingLoadBalancer`, plus the borrower stickiness they share.
//!
//! A [`Selector`] is the bare algorithm (`select` / `deselect`); [`Balancer`] wraps one and adds
//! what Pipy's common base class does: `next`/`borrow` sessions that stay on one target per
//! borrower until the borrower goes away ([`Balancer::release`]), with per-target recycling of
//! the resource objects handed out.
//!
//! Targets are any `K: Clone + Eq` (the binding uses its JS string handle); the optional
//! per-call key is a [`HashValue`]; "unhealthy" is a predicate the binding builds from the
//! constructor's and the call's `unhealthy` caches (a target counts as unhealthy when either
//! cache holds a truthy value for it).
//!
//! # Differences from Pipy
//!
//! * `LeastWorkLoadBalancer` breaks ties in declaration order; Pipy keeps its targets in a
//!   map ordered by string address, so its tie order is arbitrary.
//! * A key remembered by `select(key)` whose target was since removed by `set()` is
//!   re-selected by all three balancers; Pipy checks that only in the round-robin one.
//! * Pipy's key → target memory never forgets a key; here it can be bounded with
//!   `set_key_memory` (unbounded by default, as in Pipy).

use std::time::Instant;

use crate::cache::{Cache, CacheOptions};
use crate::hash::{pipy_hash, HashValue, KeyBuf};

/// Who borrows a target: the binding's id for a borrower object (by default the inbound
/// connection). A session lasts until [`Balancer::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BorrowerId(pub u64);

/// Identity of a resource object handed out by `next()`/`allocate()`. Pipy hands the same
/// object to successive borrowers of a target, so scripts that key `muxHTTP` by it share
/// upstream sessions; the binding keeps one JS object per id to preserve that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceId(pub u64);

/// What `next()` returns: a resource of a target (`{ id }` in PipyJS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease<K> {
    /// The resource object's identity.
    pub resource: ResourceId,
    /// The target it belongs to (the `id` property).
    pub target: K,
}

/// A balancing algorithm without sessions.
pub trait Selector<K> {
    /// `select(key?, unhealthy?)`: picks a target, or `None` when none is eligible.
    fn select(&mut self, key: Option<HashValue<'_>>, unhealthy: &dyn Fn(&K) -> bool) -> Option<K>;

    /// `deselect(target)`: a pick of `target` has ended (only least-work keeps count).
    fn deselect(&mut self, target: &K);
}

/// Remembers `select(key)` answers (Pipy's internal target cache).
#[derive(Debug, Clone)]
struct KeyMemory<K> {
    cache: Cache<KeyBuf, K>,
    epoch: Instant,
}

impl<K: Clone> KeyMemory<K> {
    fn new() -> Self {
        KeyMemory {
            cache: Cache::new(CacheOptions::default()),
            epoch: Instant::now(),
        }
    }

    fn resize(&mut self, size: usize) {
        let old = std::mem::replace(
            &mut self.cache,
            Cache::new(CacheOptions { size, ttl: None }),
        );
        for (k, v) in old.iter() {
            self.cache.set(k.clone(), v.clone(), self.epoch);
        }
    }

    fn get(&mut self, key: &KeyBuf) -> Option<K> {
        self.cache.get(key, self.epoch).cloned()
    }

    fn set(&mut self, key: KeyBuf, target: K) {
        self.cache.set(key, target, self.epoch);
    }

    fn forget(&mut self, key: &KeyBuf) {
        self.cache.remove(key, self.epoch);
    }
}

#[derive(Debug, Clone)]
struct RoundRobinTarget<K> {
    id: K,
    weight: i64,
    hits: i64,
    usage: f64,
    healthy: bool,
}

/// `algo.RoundRobinLoadBalancer`'s algorithm: smooth weighted round robin.
///
/// Each pick takes the healthy target with the lowest `hits / weight` (ties go to the
/// earliest declared), and once the picks since the last reset reach the total weight of the
/// healthy targets, every count starts over. Weights `{a: 3, b: 2, c: 1}` thus repeat
/// `a b c a b a`. A weight of `0` (negative weights count as `0`) disables a target. A target
/// coming back from unhealthy restarts at the lowest current usage, so it does not get a
/// burst of catch-up picks. `select` with a key answers the same target for that key for as
/// long as it exists, without counting a pick.
#[derive(Debug, Clone)]
pub struct RoundRobin<K> {
    targets: Vec<RoundRobinTarget<K>>,
    keys: KeyMemory<K>,
}

impl<K: Clone + Eq> RoundRobin<K> {
    /// `new RoundRobinLoadBalancer({id: weight, …})` (for the array form, weight 1 each).
    pub fn new(targets: impl IntoIterator<Item = (K, i32)>) -> Self {
        let mut rr = RoundRobin {
            targets: Vec::new(),
            keys: KeyMemory::new(),
        };
        for (id, weight) in targets {
            rr.set_weight(id, weight);
        }
        rr
    }

    /// Bounds the key → target memory of `select(key)` (0 = unbounded).
    pub fn set_key_memory(&mut self, size: usize) {
        self.keys.resize(size);
    }

    /// The targets and their weights, in declaration order.
    pub fn targets(&self) -> impl Iterator<Item = (&K, i32)> + '_ {
        self.targets
            .iter()
            .map(|t| (&t.id, i32::try_from(t.weight).unwrap_or(i32::MAX)))
    }

    /// `set(target, weight)`: adds a target at the end or changes its weight. Either way it
    /// restarts at the lowest usage among all targets.
    pub fn set_weight(&mut self, id: K, weight: i32) {
        let weight = i64::from(weight.max(0));
        let usage = self
            .targets
            .iter()
            .map(|t| t.usage)
            .reduce(f64::min)
            .unwrap_or(0.0);
        let target = RoundRobinTarget {
            id,
            weight,
            hits: (weight as f64 * usage) as i64,
            usage,
            healthy: weight > 0,
        };
        match self.targets.iter_mut().find(|t| t.id == target.id) {
            Some(t) => *t = target,
            None => self.targets.push(target),
        }
    }

    /// `set(targets)`: replaces the target list. Targets whose weight is unchanged keep
    /// their counts and place; changed or new ones are set as by [`RoundRobin::set_weight`]
    /// (new ones go at the end); unlisted ones are removed.
    pub fn set(&mut self, targets: impl IntoIterator<Item = (K, i32)>) {
        let mut keep = vec![false; self.targets.len()];
        for (id, weight) in targets {
            let weight_i64 = i64::from(weight.max(0));
            match self.targets.iter().position(|t| t.id == id) {
                Some(i) if self.targets[i].weight == weight_i64 => keep[i] = true,
                Some(i) => {
                    self.set_weight(id, weight);
                    keep[i] = true;
                }
                None => {
                    self.set_weight(id, weight);
                    keep.push(true);
                }
            }
        }
        let mut keep = keep.into_iter();
        self.targets.retain(|_| keep.next().unwrap_or(false));
    }
}

impl<K: Clone + Eq> Selector<K> for RoundRobin<K> {
    fn select(&mut self, key: Option<HashValue<'_>>, unhealthy: &dyn Fn(&K) -> bool) -> Option<K> {
        let key = key.map(|k| KeyBuf::from(&k));
        if let Some(key) = &key {
            if let Some(id) = self.keys.get(key) {
                if self.targets.iter().any(|t| t.id == id) {
                    return Some(id);
                }
                self.keys.forget(key);
            }
        }

        let mut best: Option<usize> = None;
        let mut min_usage = 0.0;
        let mut total_weight = 0i64;
        let mut total_hits = 0i64;
        for (i, t) in self.targets.iter_mut().enumerate() {
            if unhealthy(&t.id) {
                t.healthy = false;
            }
            if !t.healthy || t.weight == 0 {
                continue;
            }
            total_weight += t.weight;
            total_hits += t.hits;
            if best.is_none() || t.usage < min_usage {
                min_usage = t.usage;
                best = Some(i);
            }
        }
        // Targets back from unhealthy rejoin at the lowest usage seen above.
        for (i, t) in self.targets.iter_mut().enumerate() {
            if !t.healthy && !unhealthy(&t.id) {
                t.healthy = true;
                t.usage = min_usage;
                t.hits = (t.weight as f64 * t.usage) as i64;
                if t.weight != 0 {
                    total_weight += t.weight;
                    total_hits += t.hits;
                    best.get_or_insert(i);
                }
            }
        }

        let t = &mut self.targets[best?];
        t.hits += 1;
        t.usage = t.hits as f64 / t.weight as f64;
        let id = t.id.clone();
        if total_hits + 1 >= total_weight {
            for t in &mut self.targets {
                t.hits = 0;
                t.usage = 0.0;
            }
        }
        if let Some(key) = key {
            self.keys.set(key, id.clone());
        }
        Some(id)
    }

    fn deselect(&mut self, _target: &K) {}
}

#[derive(Debug, Clone)]
struct LeastWorkTarget<K> {
    id: K,
    weight: f64,
    hits: i64,
    usage: f64,
}

/// `algo.LeastWorkLoadBalancer`'s algorithm: each pick takes the healthy target with the
/// lowest `open picks / weight`; `deselect` (or a released borrower) closes a pick. Ties go
/// to the earliest declared target. Weight `0` (or negative) disables a target.
#[derive(Debug, Clone)]
pub struct LeastWork<K> {
    targets: Vec<LeastWorkTarget<K>>,
    keys: KeyMemory<K>,
}

impl<K: Clone + Eq> LeastWork<K> {
    /// `new LeastWorkLoadBalancer({id: weight, …})` (for the array form, weight 1 each).
    pub fn new(targets: impl IntoIterator<Item = (K, i32)>) -> Self {
        let mut lw = LeastWork {
            targets: Vec::new(),
            keys: KeyMemory::new(),
        };
        for (id, weight) in targets {
            lw.set_weight(id, weight);
        }
        lw
    }

    /// Bounds the key → target memory of `select(key)` (0 = unbounded).
    pub fn set_key_memory(&mut self, size: usize) {
        self.keys.resize(size);
    }

    /// Open picks of a target.
    pub fn load(&self, id: &K) -> Option<i64> {
        self.targets.iter().find(|t| t.id == *id).map(|t| t.hits)
    }

    /// `set(target, weight)`: adds a target, or changes a weight keeping its open picks.
    pub fn set_weight(&mut self, id: K, weight: i32) {
        let weight = f64::from(weight.max(0));
        match self.targets.iter_mut().find(|t| t.id == id) {
            Some(t) => {
                t.weight = weight;
                t.usage = usage(t.hits, weight);
            }
            None => self.targets.push(LeastWorkTarget {
                id,
                weight,
                hits: 0,
                usage: 0.0,
            }),
        }
    }

    /// `set(targets)`: replaces the target list; listed targets keep their open picks.
    pub fn set(&mut self, targets: impl IntoIterator<Item = (K, i32)>) {
        let mut keep = vec![false; self.targets.len()];
        for (id, weight) in targets {
            match self.targets.iter().position(|t| t.id == id) {
                Some(i) => {
                    self.set_weight(id, weight);
                    keep[i] = true;
                }
                None => {
                    self.set_weight(id, weight);
                    keep.push(true);
                }
            }
        }
        let mut keep = keep.into_iter();
        self.targets.retain(|_| keep.next().unwrap_or(false));
    }
}

fn usage(hits: i64, weight: f64) -> f64 {
    if weight > 0.0 {
        hits as f64 / weight
    } else {
        f64::INFINITY
    }
}

impl<K: Clone + Eq> Selector<K> for LeastWork<K> {
    fn select(&mut self, key: Option<HashValue<'_>>, unhealthy: &dyn Fn(&K) -> bool) -> Option<K> {
        let key = key.map(|k| KeyBuf::from(&k));
        if let Some(key) = &key {
            if let Some(id) = self.keys.get(key) {
                if self.targets.iter().any(|t| t.id == id) {
                    return Some(id);
                }
                self.keys.forget(key);
            }
        }
        let mut best: Option<&mut LeastWorkTarget<K>> = None;
        for t in &mut self.targets {
            if t.weight <= 0.0 || unhealthy(&t.id) {
                continue;
            }
            if best.as_ref().is_none_or(|b| t.usage < b.usage) {
                best = Some(t);
            }
        }
        let t = best?;
        t.hits += 1;
        t.usage = usage(t.hits, t.weight);
        let id = t.id.clone();
        if let Some(key) = key {
            self.keys.set(key, id.clone());
        }
        Some(id)
    }

    fn deselect(&mut self, target: &K) {
        if let Some(t) = self.targets.iter_mut().find(|t| t.id == *target) {
            if t.hits > 0 {
                t.hits -= 1;
                t.usage = usage(t.hits, t.weight);
            }
        }
    }
}

/// `algo.HashingLoadBalancer`'s algorithm: target number `pipy_hash(key) % count`, in
/// declaration order (no key hashes like `undefined`). If that target is unhealthy the answer
/// is `None` — there is no fallback to another target, as in Pipy.
#[derive(Debug, Clone)]
pub struct Hashing<K> {
    targets: Vec<K>,
}

impl<K: Clone + Eq> Hashing<K> {
    /// `new HashingLoadBalancer(targets)`.
    pub fn new(targets: impl IntoIterator<Item = K>) -> Self {
        Hashing {
            targets: targets.into_iter().collect(),
        }
    }

    /// `add(target)`: appends a target (duplicates allowed, as in Pipy: they weigh double).
    pub fn add(&mut self, target: K) {
        self.targets.push(target);
    }

    /// `set(targets)`: replaces the target list.
    pub fn set(&mut self, targets: impl IntoIterator<Item = K>) {
        self.targets = targets.into_iter().collect();
    }

    /// The targets in order.
    pub fn targets(&self) -> &[K] {
        &self.targets
    }
}

impl<K: Clone + Eq> Selector<K> for Hashing<K> {
    fn select(&mut self, key: Option<HashValue<'_>>, unhealthy: &dyn Fn(&K) -> bool) -> Option<K> {
        let n = u64::try_from(self.targets.len()).ok().filter(|n| *n > 0)?;
        let h = pipy_hash(&key.unwrap_or(HashValue::Undefined));
        let i = usize::try_from(h % n).ok()?;
        let target = self.targets.get(i)?;
        (!unhealthy(target)).then(|| target.clone())
    }

    fn deselect(&mut self, _target: &K) {}
}

/// A selector plus Pipy's borrower sessions (`next`/`borrow`).
#[derive(Debug, Clone)]
pub struct Balancer<S, K> {
    selector: S,
    sessions: std::collections::HashMap<BorrowerId, Option<Lease<K>>>,
    idle: Vec<(K, Vec<ResourceId>)>,
    next_resource: u64,
}

/// `algo.RoundRobinLoadBalancer`.
pub type RoundRobinLoadBalancer<K> = Balancer<RoundRobin<K>, K>;
/// `algo.LeastWorkLoadBalancer`.
pub type LeastWorkLoadBalancer<K> = Balancer<LeastWork<K>, K>;
/// `algo.HashingLoadBalancer`.
pub type HashingLoadBalancer<K> = Balancer<Hashing<K>, K>;

impl<S: Selector<K>, K: Clone + Eq> Balancer<S, K> {
    /// Wraps a selector with no sessions yet.
    pub fn new(selector: S) -> Self {
        Balancer {
            selector,
            sessions: std::collections::HashMap::new(),
            idle: Vec::new(),
            next_resource: 0,
        }
    }

    /// The algorithm, e.g. to call its `set`.
    pub fn selector(&self) -> &S {
        &self.selector
    }

    /// The algorithm, mutably.
    pub fn selector_mut(&mut self) -> &mut S {
        &mut self.selector
    }

    /// `select(key?, unhealthy?)`: a target with no session.
    pub fn select(
        &mut self,
        key: Option<HashValue<'_>>,
        unhealthy: &dyn Fn(&K) -> bool,
    ) -> Option<K> {
        self.selector.select(key, unhealthy)
    }

    /// `deselect(target)`.
    pub fn deselect(&mut self, target: &K) {
        self.selector.deselect(target);
    }

    /// `borrow(borrower, key?, unhealthy?)`: the borrower's current lease, or a new one.
    ///
    /// A borrower keeps its target until released, unless that target has become unhealthy,
    /// in which case the old pick is closed and a new one made. (A target dropped by `set()`
    /// but still healthy stays leased, as in Pipy.) When nothing is eligible the answer is
    /// `None` and the borrower stays without a lease (the next call tries again).
    pub fn borrow(
        &mut self,
        borrower: BorrowerId,
        key: Option<HashValue<'_>>,
        unhealthy: &dyn Fn(&K) -> bool,
    ) -> Option<Lease<K>> {
        let current = self.sessions.entry(borrower).or_default().take();
        if let Some(lease) = current {
            if !unhealthy(&lease.target) {
                let out = lease.clone();
                self.sessions.insert(borrower, Some(lease));
                return Some(out);
            }
            self.close(lease);
        }
        let target = self.selector.select(key, unhealthy)?;
        let resource = self.take_resource(&target);
        let lease = Lease { resource, target };
        self.sessions.insert(borrower, Some(lease.clone()));
        Some(lease)
    }

    /// `next(borrower, key?, unhealthy?)`: the same as [`Balancer::borrow`].
    pub fn next(
        &mut self,
        borrower: BorrowerId,
        key: Option<HashValue<'_>>,
        unhealthy: &dyn Fn(&K) -> bool,
    ) -> Option<Lease<K>> {
        self.borrow(borrower, key, unhealthy)
    }

    /// The borrower is gone (Pipy: its object was collected): closes its pick and keeps the
    /// resource for the next borrower of that target. Returns false for an unknown borrower.
    pub fn release(&mut self, borrower: BorrowerId) -> bool {
        match self.sessions.remove(&borrower) {
            Some(Some(lease)) => {
                self.close(lease);
                true
            }
            Some(None) => true,
            None => false,
        }
    }

    /// The borrower's current lease, if any.
    pub fn lease(&self, borrower: BorrowerId) -> Option<&Lease<K>> {
        self.sessions.get(&borrower).and_then(Option::as_ref)
    }

    /// Number of borrowers with a session.
    pub fn session_count(&self) -> usize {
        self.sessions.len()
    }

    fn close(&mut self, lease: Lease<K>) {
        self.selector.deselect(&lease.target);
        match self.idle.iter_mut().find(|(t, _)| *t == lease.target) {
            Some((_, ids)) => ids.push(lease.resource),
            None => self.idle.push((lease.target, vec![lease.resource])),
        }
    }

    fn take_resource(&mut self, target: &K) -> ResourceId {
        let reused = self
            .idle
            .iter_mut()
            .find(|(t, _)| t == target)
            .and_then(|(_, ids)| ids.pop());
        reused.unwrap_or_else(|| {
            self.next_resource += 1;
            ResourceId(self.next_resource)
        })
    }
}

#[cfg(test)]
#[path = "balancer_tests.rs"]
mod tests;
