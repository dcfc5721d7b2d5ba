//! The pure algorithms behind PipyJS's `algo.*` globals.
//!
//! Nothing here knows about JavaScript, sockets or tokio. Whatever a script hands to these
//! objects — route values, target ids, cache keys and values, pooled resources — is a type
//! parameter or an opaque id chosen by the binding, and time is always passed in as an
//! [`std::time::Instant`], so every behaviour can be tested deterministically.
//!
//! | PipyJS                                   | here                                        |
//! |------------------------------------------|---------------------------------------------|
//! | `new algo.URLRouter(rules)`              | [`UrlRouter`]                               |
//! | `new algo.RoundRobinLoadBalancer(t, u)`  | [`RoundRobinLoadBalancer`] (`Balancer<RoundRobin<K>, K>`) |
//! | `new algo.LeastWorkLoadBalancer(t, u)`   | [`LeastWorkLoadBalancer`]                   |
//! | `new algo.HashingLoadBalancer(t, u)`     | [`HashingLoadBalancer`]                     |
//! | `new algo.LoadBalancer(targets, opts)`   | [`LoadBalancer`]                            |
//! | `new algo.Cache(allocate, free, opts)`   | [`Cache`]                                   |
//! | `new algo.Quota(initial, opts)`          | [`Quota`]                                   |
//! | `new algo.Percentile(buckets)`           | [`Percentile`]                              |
//! | `new algo.ResourcePool(allocator)`       | [`ResourcePool`]                            |
//! | `algo.hash(v)`, `algo.uuid()`            | [`algo_hash`], [`uuid_v4`]                  |
//!
//! Behaviour follows Pipy's C++ implementation (read for behaviour only); every place where
//! this crate knowingly differs is called out in the item's docs under "Differences from Pipy".

#![forbid(unsafe_code)]

mod error;

pub mod balancer;
pub mod cache;
pub mod hash;
pub mod load_balancer;
pub mod percentile;
pub mod quota;
pub mod resource_pool;
pub mod url_router;

pub use balancer::{
    Balancer, BorrowerId, Hashing, HashingLoadBalancer, Lease, LeastWork, LeastWorkLoadBalancer,
    ResourceId, RoundRobin, RoundRobinLoadBalancer, Selector,
};
pub use cache::{Cache, CacheOptions, Evicted, Removed};
pub use error::AlgoError;
pub use hash::{algo_hash, pipy_hash, uuid_v4, uuid_v4_from_bytes, HashValue, KeyBuf};
pub use load_balancer::{Algorithm, LoadBalancer, LoadBalancerOptions, TargetSpec};
pub use percentile::Percentile;
pub use quota::{Quota, QuotaOptions};
pub use resource_pool::ResourcePool;
pub use url_router::UrlRouter;
