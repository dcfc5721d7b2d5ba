//! `algo.LoadBalancer` (Pipy 1.x): targets with weights and a per-target resource capacity.
//!
//! `new LoadBalancer(targets, { algorithm, key, weight, capacity })`: the binding evaluates the
//! `key`/`weight`/`capacity` callbacks per target and passes the results as [`TargetSpec`]s.
//! `allocate(tag?, validator?)` returns a resource of the chosen target; `resource.free()` ends
//! that use; `provision(targets)` replaces the target list; `schedule(n)` lists the next `n`
//! picks.
//!
//! # Behaviour (as in Pipy)
//!
//! * Every target has `step = total weight / weight` and a running `load`; targets wait in a
//!   queue ordered by load (ties: earlier first), and a pick takes the first eligible target
//!   in the queue (weight above 0, not unhealthy) and adds `step` to its load.
//! * `round-robin`: provisioning restarts every load at one `step`, so the picks form a
//!   stride schedule (`{a: 3, b: 2, c: 1}` repeats `a b a c b a`); `free` does not touch
//!   loads.
//! * `least-load`: loads persist across provisioning and `free` takes the `step` back off.
//! * `allocate(tag)` with a tag equal to a target's key goes straight to that target if it is
//!   eligible, without counting a pick in round-robin.
//! * Within a target, resources are kept least loaded first. A new resource is made when the
//!   least loaded one is busy and the target is under its `capacity` (`0` = no limit);
//!   otherwise the least loaded one is shared.
//!
//! Resources live until the binding says their JS object was collected ([`LoadBalancer::discard`]).
//! A target dropped by `provision` lives on while it still has resources.
//!
//! # Differences from Pipy
//!
//! * `hashing` is an extra algorithm (not in Pipy): a tag that is not a target key picks a
//!   target by weighted rendezvous hashing among eligible targets, so a tag keeps its target
//!   while that target stays; without a tag it behaves as round-robin.
//! * With `least-load`, a tag-directed `allocate` also counts a pick, so that the `free`
//!   that follows does not drive the target's load below where it started (Pipy subtracts
//!   without having added). A second `free` of the same use is ignored.
//! * A key listed twice in one `provision` is one target (its last weight and capacity win);
//!   a weight of `+∞` is an error; a NaN or negative weight counts as `0`, as in Pipy.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use crate::{AlgoError, ResourceId};

/// `options.algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Algorithm {
    /// `'round-robin'` (Pipy's default).
    #[default]
    RoundRobin,
    /// `'least-load'`.
    LeastLoad,
    /// `'hashing'` (weir extension, see the module docs).
    Hashing,
}

impl Algorithm {
    /// Parses the option string.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "round-robin" => Some(Algorithm::RoundRobin),
            "least-load" => Some(Algorithm::LeastLoad),
            "hashing" => Some(Algorithm::Hashing),
            _ => None,
        }
    }
}

/// `new LoadBalancer(targets, options)` options other than the per-target callbacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LoadBalancerOptions {
    /// The algorithm.
    pub algorithm: Algorithm,
    /// Default resources per target when a spec gives none; `0` or less = unlimited.
    pub capacity: i32,
}

/// One target as the binding evaluated it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetSpec<K, T> {
    /// Identity (`options.key(target)`, or the target itself).
    pub key: K,
    /// The script's target value (returned as `resource.target`).
    pub target: T,
    /// `options.weight(target)`; `1` when absent.
    pub weight: f64,
    /// `options.capacity(target)`; `None` = the options' `capacity`.
    pub capacity: Option<i32>,
}

impl<K, T> TargetSpec<K, T> {
    /// A spec of weight 1 with the default capacity.
    pub fn new(key: K, target: T) -> Self {
        TargetSpec {
            key,
            target,
            weight: 1.0,
            capacity: None,
        }
    }
}

#[derive(Debug, Clone)]
struct Resource {
    id: ResourceId,
    uses: u32,
}

#[derive(Debug, Clone)]
struct Pool<K, T> {
    key: K,
    target: T,
    weight: f64,
    step: f64,
    load: f64,
    capacity: i32,
    /// Least used first.
    resources: Vec<Resource>,
    retired: bool,
}

/// `algo.LoadBalancer`; see the module docs.
#[derive(Debug, Clone)]
pub struct LoadBalancer<K, T> {
    options: LoadBalancerOptions,
    pools: HashMap<u64, Pool<K, T>>,
    by_key: HashMap<K, u64>,
    /// Declaration order.
    order: Vec<u64>,
    /// Pick order: ascending load.
    queue: Vec<u64>,
    owner: HashMap<ResourceId, u64>,
    next_pool: u64,
    next_resource: u64,
}

impl<K: Eq + Hash + Clone, T> LoadBalancer<K, T> {
    /// `new LoadBalancer(targets, options)`.
    pub fn new(
        targets: impl IntoIterator<Item = TargetSpec<K, T>>,
        options: LoadBalancerOptions,
    ) -> Result<Self, AlgoError> {
        let mut lb = LoadBalancer {
            options,
            pools: HashMap::new(),
            by_key: HashMap::new(),
            order: Vec::new(),
            queue: Vec::new(),
            owner: HashMap::new(),
            next_pool: 0,
            next_resource: 0,
        };
        lb.provision(targets)?;
        Ok(lb)
    }

    /// The options given at construction.
    pub fn options(&self) -> LoadBalancerOptions {
        self.options
    }

    /// `provision(targets)`: replaces the target list. Targets whose key is already known
    /// keep their resources (and, with least-load, their load). Nothing changes on error.
    pub fn provision(
        &mut self,
        targets: impl IntoIterator<Item = TargetSpec<K, T>>,
    ) -> Result<(), AlgoError> {
        let specs: Vec<_> = targets.into_iter().collect();
        for (i, spec) in specs.iter().enumerate() {
            if spec.weight == f64::INFINITY {
                return Err(AlgoError::number(
                    format!("weight of target #{i}"),
                    spec.weight,
                ));
            }
        }

        let mut by_key: HashMap<K, u64> = HashMap::new();
        let mut order = Vec::new();
        let mut queue = Vec::new();
        for spec in specs {
            let weight = if spec.weight > 0.0 { spec.weight } else { 0.0 };
            let capacity = spec.capacity.unwrap_or(self.options.capacity);
            if let Some(pid) = by_key.get(&spec.key) {
                if let Some(p) = self.pools.get_mut(pid) {
                    p.weight = weight;
                    p.capacity = capacity;
                }
                continue;
            }
            let pid = match self.by_key.get(&spec.key) {
                Some(&pid) => pid,
                None => {
                    self.next_pool += 1;
                    let pool = Pool {
                        key: spec.key.clone(),
                        target: spec.target,
                        weight,
                        step: 0.0,
                        load: 0.0,
                        capacity,
                        resources: Vec::new(),
                        retired: false,
                    };
                    self.pools.insert(self.next_pool, pool);
                    self.next_pool
                }
            };
            if let Some(p) = self.pools.get_mut(&pid) {
                p.weight = weight;
                p.capacity = capacity;
            }
            by_key.insert(spec.key, pid);
            order.push(pid);
            queue.insert(0, pid);
            sort_forward(&self.pools, &mut queue, 0);
        }

        for (key, pid) in self.by_key.drain() {
            if by_key.contains_key(&key) {
                continue;
            }
            let empty = self.pools.get(&pid).is_none_or(|p| p.resources.is_empty());
            if empty {
                self.pools.remove(&pid);
            } else if let Some(p) = self.pools.get_mut(&pid) {
                p.retired = true;
            }
        }
        self.by_key = by_key;
        self.order = order;
        self.queue = queue;

        let total: f64 = self
            .order
            .iter()
            .filter_map(|p| self.pools.get(p))
            .map(|p| p.weight)
            .sum();
        for pid in &self.order {
            if let Some(p) = self.pools.get_mut(pid) {
                p.step = if p.weight > 0.0 {
                    total / p.weight
                } else {
                    f64::INFINITY
                };
            }
        }
        if self.options.algorithm != Algorithm::LeastLoad {
            for pid in &self.order {
                if let Some(p) = self.pools.get_mut(pid) {
                    p.load = 0.0;
                }
            }
            for pid in self.order.clone() {
                if let Some(p) = self.pools.get_mut(&pid) {
                    p.load = p.step;
                }
                if let Some(i) = self.queue.iter().position(|q| *q == pid) {
                    sort_forward(&self.pools, &mut self.queue, i);
                }
            }
        }
        Ok(())
    }

    /// `allocate(tag?, validator?)`: a resource of the chosen target, or `None` when no
    /// target is eligible. `unhealthy(target)` is the negation of Pipy's validator.
    pub fn allocate(
        &mut self,
        tag: Option<&K>,
        unhealthy: &dyn Fn(&T) -> bool,
    ) -> Option<ResourceId> {
        let pid = match tag.and_then(|k| self.by_key.get(k).copied()) {
            Some(pid) if self.eligible(pid, unhealthy) => {
                if self.options.algorithm == Algorithm::LeastLoad {
                    self.add_load(pid, 1.0);
                }
                pid
            }
            _ => match (self.options.algorithm, tag) {
                (Algorithm::Hashing, Some(tag)) => {
                    let pid = self.rendezvous(tag, unhealthy)?;
                    self.add_load(pid, 1.0);
                    pid
                }
                _ => self.next(unhealthy)?,
            },
        };
        self.use_resource(pid)
    }

    /// `resource.free()`: ends one use of the resource. False for an unknown resource or
    /// one with no use open.
    pub fn free(&mut self, resource: ResourceId) -> bool {
        let Some(&pid) = self.owner.get(&resource) else {
            return false;
        };
        let least_load = self.options.algorithm == Algorithm::LeastLoad;
        let Some(pool) = self.pools.get_mut(&pid) else {
            return false;
        };
        let Some(i) = pool.resources.iter().position(|r| r.id == resource) else {
            return false;
        };
        if pool.resources[i].uses == 0 {
            return false;
        }
        pool.resources[i].uses -= 1;
        let uses = pool.resources[i].uses;
        let mut j = i;
        while j > 0 && pool.resources[j - 1].uses > uses {
            j -= 1;
        }
        pool.resources[j..=i].rotate_right(1);
        let retired = pool.retired;
        if least_load && !retired {
            self.add_load(pid, -1.0);
        }
        true
    }

    /// The resource's JS object was collected: forget it. False if unknown.
    pub fn discard(&mut self, resource: ResourceId) -> bool {
        let Some(pid) = self.owner.remove(&resource) else {
            return false;
        };
        if let Some(pool) = self.pools.get_mut(&pid) {
            pool.resources.retain(|r| r.id != resource);
            if pool.retired && pool.resources.is_empty() {
                self.pools.remove(&pid);
            }
        }
        true
    }

    /// `resource.target`.
    pub fn target(&self, resource: ResourceId) -> Option<&T> {
        let pid = self.owner.get(&resource)?;
        self.pools.get(pid).map(|p| &p.target)
    }

    /// Open uses of a resource.
    pub fn uses(&self, resource: ResourceId) -> Option<u32> {
        let pid = self.owner.get(&resource)?;
        let pool = self.pools.get(pid)?;
        pool.resources
            .iter()
            .find(|r| r.id == resource)
            .map(|r| r.uses)
    }

    /// Number of live resources of the target with this key.
    pub fn resource_count(&self, key: &K) -> usize {
        self.by_key
            .get(key)
            .and_then(|pid| self.pools.get(pid))
            .map_or(0, |p| p.resources.len())
    }

    /// Current targets in declaration order, with their keys.
    pub fn targets(&self) -> impl Iterator<Item = (&K, &T)> + '_ {
        self.order
            .iter()
            .filter_map(|pid| self.pools.get(pid))
            .map(|p| (&p.key, &p.target))
    }

    /// `schedule(size, validator?)`: the targets of the next `size` picks (counted as picks).
    pub fn schedule(&mut self, size: usize, unhealthy: &dyn Fn(&T) -> bool) -> Vec<Option<T>>
    where
        T: Clone,
    {
        (0..size)
            .map(|_| {
                let pid = self.next(unhealthy)?;
                self.pools.get(&pid).map(|p| p.target.clone())
            })
            .collect()
    }

    fn eligible(&self, pid: u64, unhealthy: &dyn Fn(&T) -> bool) -> bool {
        self.pools
            .get(&pid)
            .is_some_and(|p| p.weight > 0.0 && !unhealthy(&p.target))
    }

    /// The first eligible target in the queue, charged one pick.
    fn next(&mut self, unhealthy: &dyn Fn(&T) -> bool) -> Option<u64> {
        let pid = self
            .queue
            .iter()
            .copied()
            .find(|pid| self.eligible(*pid, unhealthy))?;
        self.add_load(pid, 1.0);
        Some(pid)
    }

    /// Adds `sign * step` to a queued target's load and restores the queue order.
    fn add_load(&mut self, pid: u64, sign: f64) {
        let Some(p) = self.pools.get_mut(&pid) else {
            return;
        };
        if sign > 0.0 {
            p.load += p.step;
        } else {
            p.load -= p.step;
        }
        let Some(i) = self.queue.iter().position(|q| *q == pid) else {
            return;
        };
        if sign > 0.0 {
            sort_forward(&self.pools, &mut self.queue, i);
        } else {
            sort_backward(&self.pools, &mut self.queue, i);
        }
    }

    fn rendezvous(&self, tag: &K, unhealthy: &dyn Fn(&T) -> bool) -> Option<u64> {
        let tag_hash = stable_hash(tag);
        let mut best: Option<(f64, u64)> = None;
        for &pid in &self.order {
            let Some(p) = self.pools.get(&pid) else {
                continue;
            };
            if p.weight <= 0.0 || unhealthy(&p.target) {
                continue;
            }
            let h = mix(tag_hash ^ stable_hash(&p.key).rotate_left(32));
            let unit = ((h >> 11) as f64 + 0.5) / (1u64 << 53) as f64;
            let score = p.weight / -unit.ln();
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, pid));
            }
        }
        best.map(|(_, pid)| pid)
    }

    /// One more use of the target's least used resource (or of a new one, within capacity).
    fn use_resource(&mut self, pid: u64) -> Option<ResourceId> {
        let pool = self.pools.get_mut(&pid)?;
        let under_capacity = pool.capacity <= 0
            || usize::try_from(pool.capacity).is_ok_and(|c| c > pool.resources.len());
        let make_new = match pool.resources.first() {
            None => true,
            Some(r) => r.uses > 0 && under_capacity,
        };
        if make_new {
            self.next_resource += 1;
            let id = ResourceId(self.next_resource);
            pool.resources.insert(0, Resource { id, uses: 0 });
            self.owner.insert(id, pid);
        }
        let first = pool.resources.first_mut()?;
        first.uses += 1;
        let (id, uses) = (first.id, first.uses);
        let mut j = 1;
        while j < pool.resources.len() && pool.resources[j].uses <= uses {
            j += 1;
        }
        pool.resources[..j].rotate_left(1);
        Some(id)
    }
}

fn load_of<K, T>(pools: &HashMap<u64, Pool<K, T>>, pid: u64) -> f64 {
    pools.get(&pid).map_or(f64::INFINITY, |p| p.load)
}

/// Moves `queue[i]` forward past every following entry whose load is not above its own.
fn sort_forward<K, T>(pools: &HashMap<u64, Pool<K, T>>, queue: &mut [u64], i: usize) {
    let load = load_of(pools, queue[i]);
    let mut j = i + 1;
    while j < queue.len() && load_of(pools, queue[j]) <= load {
        j += 1;
    }
    queue[i..j].rotate_left(1);
}

/// Moves `queue[i]` back past every preceding entry whose load is above its own.
fn sort_backward<K, T>(pools: &HashMap<u64, Pool<K, T>>, queue: &mut [u64], i: usize) {
    let load = load_of(pools, queue[i]);
    let mut j = i;
    while j > 0 && load_of(pools, queue[j - 1]) > load {
        j -= 1;
    }
    queue[j..=i].rotate_right(1);
}

/// FNV-1a: a hash that does not change between builds, for rendezvous hashing.
struct StableHasher(u64);

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

fn stable_hash<K: Hash>(k: &K) -> u64 {
    let mut h = StableHasher(0xcbf2_9ce4_8422_2325);
    k.hash(&mut h);
    mix(h.finish())
}

/// splitmix64's finaliser.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
#[path = "load_balancer_tests.rs"]
mod tests;
