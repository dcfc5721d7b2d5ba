//! `algo.URLRouter`: maps `host/path` URLs to values.
//!
//! # Patterns
//!
//! A pattern is `host/path`, split at its first `/`:
//!
//! * the **host** part may be empty (matches any host), a name (`example.com`), or a name
//!   whose *first* label is `*` (`*.example.com` matches `www.example.com`, but neither
//!   `example.com` nor `a.b.example.com`). A `:port` is rejected;
//! * a **path** ending in the segment `*` is a prefix route: `/api/*` matches `/api`, `/api/`
//!   and everything below; empty segments in the pattern are ignored;
//! * any other path is an exact route, compared byte for byte.
//!
//! A pattern with no `/` at all — including a bare `*` — is an error, as in Pipy (`/*` is the
//! catch-all).
//!
//! # Lookup order (Pipy's precedence)
//!
//! `find` joins its segments like `path.join`, takes everything before the first `/` as the
//! host (minus a `:port`), and drops the query string. Then:
//!
//! 1. routes of the exact host: an exact path first, then the longest matching prefix route;
//! 2. if that found nothing, routes of `*.` + the host minus its first label, same order;
//! 3. if that found nothing either, host-less routes, same order.
//!
//! Prefix matching walks the path one segment at a time as far as routes go and takes the
//! deepest `*` seen, so `/a/*` still answers `/a/b/x` when only `/a/b/c/*` is deeper.
//! A `//` in the path stops the walk (empty segments never match).
//!
//! # Differences from Pipy
//!
//! * Host names are compared **ASCII case-insensitively** (both patterns and lookups are
//!   lowercased). Pipy compares them byte for byte. Paths stay case-sensitive in both.
//! * Pipy has one quirk kept on purpose: a `*` in the *middle* of a prefix pattern
//!   (`/a/*/c/*`) creates an intermediate node without a value; a lookup that stops there
//!   (`/a/x`) answers "no value" and does not fall back to other hosts or to host-less routes.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::AlgoError;

const ROOT: usize = 0;
const SLASH: &str = "/";
const STAR: &str = "*";

#[derive(Debug, Clone)]
struct Node<T> {
    /// Host labels, the `/` marker, path segments, and exact paths (which start with `/`,
    /// so they never collide with segments) share one map, as in Pipy's trie.
    children: HashMap<Box<str>, usize, BuildHasherDefault<WordHasher>>,
    value: Option<T>,
}

impl<T> Node<T> {
    fn new() -> Self {
        Node {
            children: HashMap::default(),
            value: None,
        }
    }
}

/// A URL router: see the module docs for patterns and precedence.
#[derive(Debug, Clone)]
pub struct UrlRouter<T> {
    nodes: Vec<Node<T>>,
    routes: usize,
}

impl<T> Default for UrlRouter<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> UrlRouter<T> {
    /// An empty router.
    pub fn new() -> Self {
        UrlRouter {
            nodes: vec![Node::new()],
            routes: 0,
        }
    }

    /// Builds a router from `(pattern, value)` pairs in order (`new URLRouter({...})`).
    pub fn from_routes<'p, I>(routes: I) -> Result<Self, AlgoError>
    where
        I: IntoIterator<Item = (&'p str, T)>,
    {
        let mut router = Self::new();
        for (pattern, value) in routes {
            router.add(pattern, value)?;
        }
        Ok(router)
    }

    /// Number of patterns with a value.
    pub fn len(&self) -> usize {
        self.routes
    }

    /// True when no pattern has been added.
    pub fn is_empty(&self) -> bool {
        self.routes == 0
    }

    /// Adds (or replaces) a route; returns the value it replaced.
    pub fn add(&mut self, pattern: &str, value: T) -> Result<Option<T>, AlgoError> {
        let Some(slash) = pattern.find('/') else {
            return Err(AlgoError::pattern(
                pattern,
                "expected 'host/path' or '/path'",
            ));
        };
        let (host, path) = pattern.split_at(slash);
        if host.contains(':') {
            return Err(AlgoError::pattern(pattern, "a port is not allowed"));
        }

        let mut node = ROOT;
        if !host.is_empty() {
            for label in host.to_ascii_lowercase().split('.') {
                node = self.child_or_insert(node, label);
            }
        }
        node = self.child_or_insert(node, SLASH);

        let segments = &path[1..];
        if segments.rsplit('/').next() == Some(STAR) {
            for segment in segments.split('/').filter(|s| !s.is_empty()) {
                node = self.child_or_insert(node, segment);
            }
        } else {
            node = self.child_or_insert(node, path);
        }

        let old = self.nodes[node].value.replace(value);
        if old.is_none() {
            self.routes += 1;
        }
        Ok(old)
    }

    /// `router.find(...segments)`: joins the segments like a path join (the binding drops
    /// `null`/`undefined` arguments first) and looks the result up.
    pub fn find(&self, segments: &[&str]) -> Option<&T> {
        self.find_url(&join_segments(segments))
    }

    /// Looks up one already-joined `host[:port]/path[?query]` string.
    pub fn find_url(&self, url: &str) -> Option<&T> {
        let path_start = url.find('/')?;
        let path_end = url[path_start..]
            .find('?')
            .map_or(url.len(), |i| path_start + i);
        let host_end = url[..path_start].rfind(':').unwrap_or(path_start);
        let host = lowercase(&url[..host_end]);
        let path = &url[path_start..path_end];

        let node = self
            .find_in_host(ROOT, &host, path)
            .or_else(|| {
                let dot = host.find('.')?;
                let star = self.child(ROOT, STAR)?;
                self.find_in_host(star, &host[dot + 1..], path)
            })
            .or_else(|| {
                let any_host = self.child(ROOT, SLASH)?;
                self.find_in_paths(any_host, path)
            })?;
        self.nodes[node].value.as_ref()
    }

    fn child(&self, node: usize, name: &str) -> Option<usize> {
        self.nodes[node].children.get(name).copied()
    }

    fn child_or_insert(&mut self, node: usize, name: &str) -> usize {
        if let Some(child) = self.child(node, name) {
            return child;
        }
        let child = self.nodes.len();
        self.nodes.push(Node::new());
        self.nodes[node].children.insert(name.into(), child);
        child
    }

    /// Follows every label of `host` exactly, then looks for the path below it.
    fn find_in_host(&self, mut node: usize, host: &str, path: &str) -> Option<usize> {
        for label in host.split('.') {
            node = self.child(node, label)?;
        }
        let paths = self.child(node, SLASH)?;
        self.find_in_paths(paths, path)
    }

    /// Exact path first, then the deepest prefix route.
    fn find_in_paths(&self, node: usize, path: &str) -> Option<usize> {
        self.child(node, path)
            .or_else(|| self.find_prefix(node, path))
    }

    fn find_prefix(&self, mut node: usize, path: &str) -> Option<usize> {
        let mut deepest_star = None;
        let mut rest = path.get(1..).unwrap_or("");
        loop {
            if let Some(star) = self.child(node, STAR) {
                deepest_star = Some(star);
            }
            let (segment, remaining) = match rest.find('/') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => (rest, ""),
            };
            let Some(next) = self.child(node, segment) else {
                return deepest_star;
            };
            if remaining.is_empty() {
                return self.child(next, STAR).or(deepest_star);
            }
            node = next;
            rest = remaining;
        }
    }
}

/// A fast word-at-a-time hash for the trie's child maps. The maps hold only the script's
/// own pattern pieces, so lookups of hostile URL segments cannot flood them; SipHash's
/// protection is not needed here and would cost most of a lookup.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(w)).wrapping_mul(K);
        }
        for b in chunks.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(K);
        }
    }
}

fn lowercase(host: &str) -> Cow<'_, str> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(host.to_ascii_lowercase())
    } else {
        Cow::Borrowed(host)
    }
}

/// Pipy's `path_join` applied left to right; the first segment is taken as is.
fn join_segments<'a>(segments: &[&'a str]) -> Cow<'a, str> {
    match segments {
        [] => Cow::Borrowed(""),
        [one] => Cow::Borrowed(one),
        [first, rest @ ..] => {
            let mut url = String::from(*first);
            for seg in rest {
                if url.is_empty() {
                    url.push_str(seg);
                    continue;
                }
                match (url.ends_with('/'), seg.starts_with('/')) {
                    (true, true) => url.push_str(&seg[1..]),
                    (false, false) => {
                        url.push('/');
                        url.push_str(seg);
                    }
                    _ => url.push_str(seg),
                }
            }
            Cow::Owned(url)
        }
    }
}

#[cfg(test)]
#[path = "url_router_tests.rs"]
mod tests;
