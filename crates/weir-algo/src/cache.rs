//! `algo.Cache`: a map with an optional size limit (least-recently-used eviction) and an
//! optional time to live.
//!
//! The script's `allocate(key)` and `free(key, value)` callbacks stay in the binding:
//! [`Cache::get_or_insert_with`] takes the allocation as a closure, and every call that drops
//! entries the script should hear about ([`Cache::set`], [`Cache::get_or_insert_with`],
//! [`Cache::remove`], [`Cache::clear`]) hands them back so the binding can call `free`.
//!
//! # Behaviour (as in Pipy)
//!
//! * Entries are kept in use order. `get`, `find` and `has` move the entry to the
//!   most-recent end; `set` on an existing key replaces the value and restarts its TTL but does
//!   **not** move it.
//! * Adding a new key beyond `size` evicts from the least-recent end, expired or not.
//! * An expired entry is "not there": `get` then allocates a fresh value in its place (the old
//!   value is dropped without `free`), and `find`/`has` delete it (also without `free`).
//! * `remove` of an expired entry still removes it and reports `expired`, so the binding can
//!   call `free` and return `false` as Pipy does.
//!
//! # Differences from Pipy
//!
//! Pipy enforces `size` only in `set`; a value created by `get`'s `allocate` callback is
//! inserted without any eviction, so a cache filled only through `get` grows without bound.
//! Here `get_or_insert_with` evicts like `set` does (and returns the evicted entries).

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// `new Cache(allocate, free, { size, ttl })` options.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheOptions {
    /// Maximum number of entries; `0` means unlimited (Pipy's default).
    pub size: usize,
    /// Time to live of an entry from when it was stored; `None` (or zero) means forever.
    pub ttl: Option<Duration>,
}

/// An entry taken out by [`Cache::remove`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed<V> {
    /// The value that was stored.
    pub value: V,
    /// True when the entry had already expired (Pipy's `remove` then returns `false`).
    pub expired: bool,
}

/// Entries dropped by a call, least recently used first, for the binding's `free` callback.
pub type Evicted<K, V> = Vec<(K, V)>;

const NIL: usize = usize::MAX;

#[derive(Debug, Clone)]
struct Entry<K, V> {
    key: K,
    value: V,
    expires: Option<Instant>,
    prev: usize,
    next: usize,
}

/// A cache; see the module docs for the exact semantics.
#[derive(Debug, Clone)]
pub struct Cache<K, V> {
    options: CacheOptions,
    index: HashMap<K, usize>,
    /// Dense storage; a removed entry's slot is filled by the last one.
    slots: Vec<Entry<K, V>>,
    /// Least recently used.
    head: usize,
    /// Most recently used.
    tail: usize,
}

impl<K: Eq + Hash + Clone, V> Default for Cache<K, V> {
    fn default() -> Self {
        Self::new(CacheOptions::default())
    }
}

impl<K: Eq + Hash + Clone, V> Cache<K, V> {
    /// An empty cache.
    pub fn new(options: CacheOptions) -> Self {
        Cache {
            options,
            index: HashMap::new(),
            slots: Vec::new(),
            head: NIL,
            tail: NIL,
        }
    }

    /// The options the cache was made with.
    pub fn options(&self) -> CacheOptions {
        self.options
    }

    /// Number of entries, expired ones included.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// `cache.get(key)` without an allocator: the live value, marked as recently used.
    pub fn get<Q>(&mut self, key: &Q, now: Instant) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.index.get(key)?;
        self.touch(i);
        let entry = &self.slots[i];
        (!is_expired(entry, now)).then_some(&entry.value)
    }

    /// `cache.get(key)` with an allocator: on a miss (absent or expired), `allocate(&key)`
    /// makes the value, which is stored with a fresh TTL. Returns the value and any entries
    /// evicted to make room (for the binding's `free` callback). An allocation error leaves
    /// the cache as it was, apart from the use order.
    pub fn get_or_insert_with<E>(
        &mut self,
        key: K,
        now: Instant,
        allocate: impl FnOnce(&K) -> Result<V, E>,
    ) -> Result<(&V, Evicted<K, V>), E> {
        if let Some(&i) = self.index.get(&key) {
            self.touch(i);
            if is_expired(&self.slots[i], now) {
                let value = allocate(&key)?;
                let expires = self.expiry(now);
                let entry = &mut self.slots[i];
                entry.value = value;
                entry.expires = expires;
            }
            return Ok((&self.slots[i].value, Vec::new()));
        }
        let value = allocate(&key)?;
        let (i, evicted) = self.insert_new(key, value, now);
        Ok((&self.slots[i].value, evicted))
    }

    /// `cache.set(key, value)`: stores the value with a fresh TTL. Returns entries evicted
    /// to stay within `size`, least recently used first.
    pub fn set(&mut self, key: K, value: V, now: Instant) -> Evicted<K, V> {
        if let Some(&i) = self.index.get(&key) {
            let expires = self.expiry(now);
            let entry = &mut self.slots[i];
            entry.value = value;
            entry.expires = expires;
            return Vec::new();
        }
        self.insert_new(key, value, now).1
    }

    /// `cache.find(key)`: the live value, marked as recently used; an expired entry is
    /// deleted (without `free`, as in Pipy).
    pub fn find<Q>(&mut self, key: &Q, now: Instant) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.index.get(key)?;
        if is_expired(&self.slots[i], now) {
            self.take(i);
            return None;
        }
        self.touch(i);
        Some(&self.slots[i].value)
    }

    /// `cache.has(key)`: same as [`Cache::find`] without the value.
    pub fn has<Q>(&mut self, key: &Q, now: Instant) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find(key, now).is_some()
    }

    /// `cache.remove(key)`: takes the entry out, live or expired.
    pub fn remove<Q>(&mut self, key: &Q, now: Instant) -> Option<Removed<V>>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let i = *self.index.get(key)?;
        let entry = self.take(i);
        let expired = is_expired(&entry, now);
        Some(Removed {
            value: entry.value,
            expired,
        })
    }

    /// `cache.clear()`: empties the cache and returns every entry, least recently used
    /// first, for the binding's `free` callback.
    pub fn clear(&mut self) -> Evicted<K, V> {
        let mut out = Vec::with_capacity(self.len());
        while self.head != NIL {
            let e = self.take(self.head);
            out.push((e.key, e.value));
        }
        out
    }

    /// Entries from least to most recently used, expired ones included.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> + '_ {
        let mut i = self.head;
        std::iter::from_fn(move || {
            let e = self.slots.get(i)?;
            i = e.next;
            Some((&e.key, &e.value))
        })
    }

    fn expiry(&self, now: Instant) -> Option<Instant> {
        match self.options.ttl {
            Some(ttl) if !ttl.is_zero() => now.checked_add(ttl),
            _ => None,
        }
    }

    /// Appends a new entry at the most-recent end, then evicts from the least-recent end
    /// down to `size`. With `size >= 1` the new entry (the tail) is never evicted.
    fn insert_new(&mut self, key: K, value: V, now: Instant) -> (usize, Evicted<K, V>) {
        let i = self.slots.len();
        self.slots.push(Entry {
            key: key.clone(),
            value,
            expires: self.expiry(now),
            prev: NIL,
            next: NIL,
        });
        self.index.insert(key, i);
        self.link_at_tail(i);

        let mut evicted = Vec::new();
        if self.options.size > 0 {
            while self.slots.len() > self.options.size {
                let e = self.take(self.head);
                evicted.push((e.key, e.value));
            }
        }
        (self.tail, evicted)
    }

    fn link_at_tail(&mut self, i: usize) {
        let old_tail = self.tail;
        self.slots[i].prev = old_tail;
        self.slots[i].next = NIL;
        match self.slots.get_mut(old_tail) {
            Some(t) => t.next = i,
            None => self.head = i,
        }
        self.tail = i;
    }

    fn detach(&mut self, i: usize) {
        let (prev, next) = (self.slots[i].prev, self.slots[i].next);
        match self.slots.get_mut(prev) {
            Some(p) => p.next = next,
            None => self.head = next,
        }
        match self.slots.get_mut(next) {
            Some(n) => n.prev = prev,
            None => self.tail = prev,
        }
    }

    fn touch(&mut self, i: usize) {
        if self.tail != i {
            self.detach(i);
            self.link_at_tail(i);
        }
    }

    /// Unlinks and removes slot `i`, moving the last slot into its place.
    fn take(&mut self, i: usize) -> Entry<K, V> {
        self.detach(i);
        let entry = self.slots.swap_remove(i);
        self.index.remove(&entry.key);
        if let Some(moved) = self.slots.get(i) {
            let (prev, next) = (moved.prev, moved.next);
            if let Some(slot) = self.index.get_mut(&moved.key) {
                *slot = i;
            }
            match self.slots.get_mut(prev) {
                Some(p) => p.next = i,
                None => self.head = i,
            }
            match self.slots.get_mut(next) {
                Some(n) => n.prev = i,
                None => self.tail = i,
            }
        }
        entry
    }
}

fn is_expired<K, V>(entry: &Entry<K, V>, now: Instant) -> bool {
    entry.expires.is_some_and(|t| now >= t)
}

#[cfg(test)]
#[path = "cache_tests.rs"]
mod tests;
