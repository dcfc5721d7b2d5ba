//! `algo.ResourcePool`: reuse of script-made resources (connections, buffers, …) per tag.
//!
//! # Behaviour (as in Pipy)
//!
//! * `allocate(tag)` hands out an idle resource of that tag (oldest freed first); when the
//!   tag has none, the script's `allocator(tag)` makes a new one. Either way the pool then
//!   remembers which tag the resource belongs to.
//! * `free(resource)` puts a resource it handed out back on its tag's idle list. A resource
//!   it does not know (never allocated, or already freed) is ignored.
//! * Idle resources are kept forever; the pool never drops one by itself.
//!
//! Resources are compared by the binding's notion of identity (`R: Eq + Hash`), as Pipy
//! compares values: objects by identity, strings and numbers by value. If the allocator
//! returns a value that is already out, the pool tracks it once, under the latest tag.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A per-tag pool of reusable resources; see the module docs.
#[derive(Debug, Clone)]
pub struct ResourcePool<Tag, R> {
    idle: HashMap<Tag, VecDeque<R>>,
    out: HashMap<R, Tag>,
}

impl<Tag: Eq + Hash + Clone, R: Eq + Hash + Clone> Default for ResourcePool<Tag, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Tag: Eq + Hash + Clone, R: Eq + Hash + Clone> ResourcePool<Tag, R> {
    /// An empty pool.
    pub fn new() -> Self {
        ResourcePool {
            idle: HashMap::new(),
            out: HashMap::new(),
        }
    }

    /// `pool.allocate(tag)`: an idle resource of `tag`, or a new one from `allocator`.
    /// An allocator error is passed through and nothing is recorded.
    pub fn allocate<E>(
        &mut self,
        tag: Tag,
        allocator: impl FnOnce(&Tag) -> Result<R, E>,
    ) -> Result<R, E> {
        let reused = self.idle.get_mut(&tag).and_then(VecDeque::pop_front);
        let resource = match reused {
            Some(r) => r,
            None => allocator(&tag)?,
        };
        self.out.insert(resource.clone(), tag);
        Ok(resource)
    }

    /// `pool.free(resource)`: returns true when the resource was out and is now idle again.
    pub fn free(&mut self, resource: &R) -> bool {
        let Some((resource, tag)) = self.out.remove_entry(resource) else {
            return false;
        };
        self.idle.entry(tag).or_default().push_back(resource);
        true
    }

    /// Idle resources of one tag.
    pub fn idle_count(&self, tag: &Tag) -> usize {
        self.idle.get(tag).map_or(0, VecDeque::len)
    }

    /// Resources handed out and not freed yet.
    pub fn out_count(&self) -> usize {
        self.out.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::convert::Infallible;

    fn alloc(pool: &mut ResourcePool<&'static str, u32>, tag: &'static str, next: &mut u32) -> u32 {
        pool.allocate(tag, |_| {
            *next += 1;
            Ok::<_, Infallible>(*next)
        })
        .unwrap_or_else(|e| match e {})
    }

    #[test]
    fn reuses_freed_resources_per_tag_oldest_first() {
        let mut pool = ResourcePool::new();
        let mut n = 0;
        let a1 = alloc(&mut pool, "a", &mut n);
        let a2 = alloc(&mut pool, "a", &mut n);
        let b1 = alloc(&mut pool, "b", &mut n);
        assert_eq!((a1, a2, b1), (1, 2, 3));
        assert_eq!(pool.out_count(), 3);
        assert!(pool.free(&a2));
        assert!(pool.free(&a1));
        assert_eq!(pool.idle_count(&"a"), 2);
        assert_eq!(
            alloc(&mut pool, "a", &mut n),
            2,
            "first freed, first reused"
        );
        assert_eq!(alloc(&mut pool, "a", &mut n), 1);
        assert_eq!(
            alloc(&mut pool, "a", &mut n),
            4,
            "pool empty: allocator again"
        );
        assert_eq!(alloc(&mut pool, "b", &mut n), 5, "tags do not share");
    }

    #[test]
    fn unknown_or_double_free_is_ignored() {
        let mut pool = ResourcePool::new();
        let mut n = 0;
        let r = alloc(&mut pool, "t", &mut n);
        assert!(!pool.free(&99));
        assert!(pool.free(&r));
        assert!(!pool.free(&r));
        assert_eq!(pool.idle_count(&"t"), 1);
    }

    #[test]
    fn allocator_error_records_nothing() {
        let mut pool: ResourcePool<&str, u32> = ResourcePool::default();
        assert_eq!(pool.allocate("t", |_| Err("no")), Err("no"));
        assert_eq!(pool.out_count(), 0);
    }

    #[test]
    fn allocator_sees_the_tag() {
        let mut pool: ResourcePool<String, String> = ResourcePool::new();
        let r = pool.allocate("db".to_owned(), |t| Ok::<_, ()>(format!("{t}-conn")));
        assert_eq!(r, Ok("db-conn".to_owned()));
    }
}
