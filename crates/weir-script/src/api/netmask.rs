//! `Netmask` (also `IPMask`): an IPv4 or IPv6 address block; and `IP`: one address.
//!
//! `new Netmask('10.0.0.0/8' | 'fe80::/10' | '192.168.1.1')` (a bare address is a /32 or
//! /128) or `new Netmask(bitmask, bytes)`; fields `version`, `ip`, `bitmask`, `base`,
//! `mask`, `hostmask`, `broadcast`, `size`, `first`, `last`; methods `contains(ip)`,
//! `next()` (hands out host addresses, then `''`), `decompose()`, `toBytes()`.
//! A malformed block throws a `TypeError`; `contains()` of a malformed address is `false`.
//!
//! `first`/`last` are Pipy's: the base (or broadcast) with its lowest host bit set (or
//! cleared), so a /31 has `first` .1 and `last` .0 and a /32 has both equal to its address.

use std::net::{Ipv4Addr, Ipv6Addr};

use rquickjs::class::Trace;
use rquickjs::function::Opt;
use rquickjs::{Class, Ctx, Exception, JsLifetime, Result, Value};

pub fn install(ctx: &Ctx<'_>) -> Result<()> {
    let g = ctx.globals();
    if let Some(ctor) = Class::<Netmask>::create_constructor(ctx)? {
        g.set("Netmask", ctor.clone())?;
        g.set("IPMask", ctor)?;
    }
    Class::<Ip>::define(&g)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Addresses and blocks (pure)

/// One address; an IPv6 address is its 128 bits, first hextet highest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Addr {
    V4(u32),
    V6(u128),
}

impl Addr {
    /// Dotted quad or RFC 4291 text; nothing else (no leading zeros, no zone, no spaces).
    pub fn parse(s: &str) -> Option<Addr> {
        if let Ok(a) = s.parse::<Ipv4Addr>() {
            return Some(Addr::V4(a.into()));
        }
        s.parse::<Ipv6Addr>().ok().map(|a| Addr::V6(a.into()))
    }

    /// From 4 bytes, or 16 when there are more than 4 (missing bytes are 0).
    pub fn from_bytes(bytes: &[u8]) -> Addr {
        let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
        if bytes.len() > 4 {
            Addr::V6((0..16).fold(0u128, |n, i| (n << 8) | u128::from(byte(i))))
        } else {
            Addr::V4((0..4).fold(0u32, |n, i| (n << 8) | u32::from(byte(i))))
        }
    }

    pub fn version(self) -> u8 {
        match self {
            Addr::V4(_) => 4,
            Addr::V6(_) => 6,
        }
    }

    fn width(self) -> u32 {
        match self {
            Addr::V4(_) => 32,
            Addr::V6(_) => 128,
        }
    }

    fn bits(self) -> u128 {
        match self {
            Addr::V4(n) => u128::from(n),
            Addr::V6(n) => n,
        }
    }

    /// An address of the same family as `self` with the given bits.
    fn with(self, bits: u128) -> Addr {
        match self {
            Addr::V4(_) => Addr::V4(bits as u32),
            Addr::V6(_) => Addr::V6(bits),
        }
    }

    /// `[a, b, c, d]` or the eight hextets.
    pub fn decompose(self) -> Vec<u32> {
        match self {
            Addr::V4(n) => n.to_be_bytes().iter().map(|&b| u32::from(b)).collect(),
            Addr::V6(n) => (0..8)
                .rev()
                .map(|i| ((n >> (i * 16)) & 0xffff) as u32)
                .collect(),
        }
    }

    pub fn to_bytes(self) -> Vec<u8> {
        match self {
            Addr::V4(n) => n.to_be_bytes().to_vec(),
            Addr::V6(n) => n.to_be_bytes().to_vec(),
        }
    }
}

impl std::fmt::Display for Addr {
    /// IPv6 as lowercase hextets without leading zeros, the first longest run of two or
    /// more zero hextets shortened to `::` (never dotted IPv4, even for mapped addresses).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = match *self {
            Addr::V4(n) => return write!(f, "{}", Ipv4Addr::from(n)),
            Addr::V6(n) => n,
        };
        let h: Vec<u32> = Addr::V6(n).decompose();
        let (mut best, mut best_len, mut run) = (0usize, 0usize, 0usize);
        for (i, &x) in h.iter().enumerate() {
            run = if x == 0 { run + 1 } else { 0 };
            if run > best_len {
                best_len = run;
                best = i + 1 - run;
            }
        }
        let join = |xs: &[u32]| {
            xs.iter()
                .map(|x| format!("{x:x}"))
                .collect::<Vec<_>>()
                .join(":")
        };
        if best_len > 1 {
            write!(f, "{}::{}", join(&h[..best]), join(&h[best + best_len..]))
        } else {
            write!(f, "{}", join(&h))
        }
    }
}

/// An address block: the address as written and the prefix length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub ip: Addr,
    pub bitmask: u32,
}

impl Block {
    /// `addr/len` or a bare address (the whole width). Errors say what is wrong.
    pub fn parse(cidr: &str) -> std::result::Result<Block, String> {
        let (addr, len) = match cidr.split_once('/') {
            Some((a, l)) => (a, Some(l)),
            None => (cidr, None),
        };
        let ip = Addr::parse(addr).ok_or_else(|| {
            format!("invalid CIDR notation '{cidr}': '{addr}' is not an IP address")
        })?;
        let bitmask = match len {
            None => ip.width(),
            Some(l) => {
                let n = if !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()) {
                    l.parse::<u32>().ok()
                } else {
                    None
                };
                match n {
                    Some(n) if n <= ip.width() => n,
                    Some(_) => {
                        return Err(format!(
                        "invalid CIDR notation '{cidr}': IPv{} prefix length out of range (0-{})",
                        ip.version(),
                        ip.width()
                    ))
                    }
                    None => {
                        return Err(format!(
                            "invalid CIDR notation '{cidr}': bad prefix length '{l}'"
                        ))
                    }
                }
            }
        };
        Ok(Block { ip, bitmask })
    }

    fn mask_bits(&self) -> u128 {
        let w = self.ip.width();
        let all = if w == 128 {
            u128::MAX
        } else {
            (1u128 << w) - 1
        };
        if self.bitmask == 0 {
            0
        } else {
            (all << (w - self.bitmask)) & all
        }
    }

    fn host_bits(&self) -> u128 {
        let w = self.ip.width();
        let all = if w == 128 {
            u128::MAX
        } else {
            (1u128 << w) - 1
        };
        !self.mask_bits() & all
    }

    pub fn mask(&self) -> Addr {
        self.ip.with(self.mask_bits())
    }
    pub fn hostmask(&self) -> Addr {
        self.ip.with(self.host_bits())
    }
    pub fn base(&self) -> Addr {
        self.ip.with(self.ip.bits() & self.mask_bits())
    }
    pub fn broadcast(&self) -> Addr {
        self.ip.with(self.ip.bits() | self.host_bits())
    }
    /// Number of addresses: 2^(width - bitmask).
    pub fn size(&self) -> f64 {
        2f64.powi((self.ip.width() - self.bitmask) as i32)
    }
    pub fn first(&self) -> Addr {
        let base = self.ip.bits() & self.mask_bits();
        self.ip.with(base | (self.host_bits() & 1))
    }
    /// The broadcast address with the lowest set host bit of its last 16 (IPv6) or 32
    /// (IPv4) bits cleared.
    pub fn last(&self) -> Addr {
        let base = self.ip.bits() & self.mask_bits();
        let hm = self.host_bits();
        let low_width = if self.ip.width() == 128 { 16 } else { 32 };
        let low_mask = (1u128 << low_width) - 1;
        let low = hm & low_mask;
        let low = low & low.wrapping_sub(1) & low_mask;
        self.ip.with((base | (hm & !low_mask)) | low)
    }
    pub fn contains(&self, a: Addr) -> bool {
        a.version() == self.ip.version()
            && (a.bits() & self.mask_bits()) == (self.ip.bits() & self.mask_bits())
    }
    /// The `n`th host address (n from 1), while it is below the host mask (of the low
    /// 64 bits for IPv6); `None` after the last.
    pub fn nth_host(&self, n: u64) -> Option<Addr> {
        let limit = self.host_bits() & u128::from(u64::MAX);
        if u128::from(n) >= limit {
            return None;
        }
        Some(
            self.ip
                .with((self.ip.bits() & self.mask_bits()) | u128::from(n)),
        )
    }
}

// ---------------------------------------------------------------------------------------
// JS classes

fn type_error(ctx: &Ctx<'_>, what: &str, msg: &str) -> rquickjs::Error {
    Exception::throw_type(ctx, &format!("{what}: {msg}"))
}

fn byte_array<'js>(ctx: &Ctx<'js>, v: &Value<'js>) -> Result<Option<Vec<u8>>> {
    let Some(arr) = v.as_array() else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(arr.len());
    for x in arr.iter::<Value>() {
        let x = x?;
        let n = rquickjs::convert::Coerced::<i32>::from_js(ctx, x)?.0;
        out.push(n as u8);
    }
    Ok(Some(out))
}

use rquickjs::FromJs;

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "Netmask")]
pub struct Netmask {
    #[qjs(skip_trace)]
    block: Block,
    #[qjs(skip_trace)]
    text: String,
    #[qjs(skip_trace)]
    next: u64,
}

#[rquickjs::methods]
impl Netmask {
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, a: Opt<Value<'js>>, b: Opt<Value<'js>>) -> Result<Netmask> {
        let a = a.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        if let Some(s) = a.as_string() {
            let text = s.to_string()?;
            let block = Block::parse(&text).map_err(|e| type_error(&ctx, "Netmask", &e))?;
            return Ok(Netmask {
                block,
                text,
                next: 1,
            });
        }
        if let Some(bits) = a.as_number() {
            let b = b.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            let bytes = byte_array(&ctx, &b)?.ok_or_else(|| {
                type_error(&ctx, "Netmask", "argument #2 expects an array of bytes")
            })?;
            let ip = Addr::from_bytes(&bytes);
            if !(0.0..=f64::from(ip.width())).contains(&bits) || bits.fract() != 0.0 {
                return Err(type_error(
                    &ctx,
                    "Netmask",
                    &format!(
                        "IPv{} prefix length out of range (0-{}): {bits}",
                        ip.version(),
                        ip.width()
                    ),
                ));
            }
            let block = Block {
                ip,
                bitmask: bits as u32,
            };
            let text = format!("{}/{}", ip, block.bitmask);
            return Ok(Netmask {
                block,
                text,
                next: 1,
            });
        }
        Err(type_error(
            &ctx,
            "Netmask",
            &format!(
                "expected a CIDR string, got {}",
                crate::value::type_name(&a)
            ),
        ))
    }

    #[qjs(get)]
    pub fn version(&self) -> u8 {
        self.block.ip.version()
    }
    #[qjs(get)]
    pub fn ip(&self) -> String {
        self.block.ip.to_string()
    }
    #[qjs(get)]
    pub fn bitmask(&self) -> u32 {
        self.block.bitmask
    }
    #[qjs(get)]
    pub fn base(&self) -> String {
        self.block.base().to_string()
    }
    #[qjs(get)]
    pub fn mask(&self) -> String {
        self.block.mask().to_string()
    }
    #[qjs(get)]
    pub fn hostmask(&self) -> String {
        self.block.hostmask().to_string()
    }
    #[qjs(get)]
    pub fn broadcast(&self) -> String {
        self.block.broadcast().to_string()
    }
    #[qjs(get)]
    pub fn size(&self) -> f64 {
        self.block.size()
    }
    #[qjs(get)]
    pub fn first(&self) -> String {
        self.block.first().to_string()
    }
    #[qjs(get)]
    pub fn last(&self) -> String {
        self.block.last().to_string()
    }

    /// Whether `ip` (a string or an `IP`) is in the block; `false` for a malformed address
    /// or the other IP version.
    pub fn contains<'js>(&self, ctx: Ctx<'js>, ip: Opt<Value<'js>>) -> Result<bool> {
        let ip = ip.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        if let Some(s) = ip.as_string() {
            return Ok(Addr::parse(&s.to_string()?).is_some_and(|a| self.block.contains(a)));
        }
        if let Ok(c) = Class::<Ip>::from_value(&ip) {
            return Ok(self.block.contains(c.borrow().addr));
        }
        Err(type_error(
            &ctx,
            "Netmask.contains()",
            &format!(
                "expected an IP address string, got {}",
                crate::value::type_name(&ip)
            ),
        ))
    }

    /// The next host address of the block, or `''` when all are handed out.
    pub fn next(&mut self) -> String {
        match self.block.nth_host(self.next) {
            Some(a) => {
                self.next += 1;
                a.to_string()
            }
            None => String::new(),
        }
    }

    pub fn decompose(&self) -> Vec<u32> {
        self.block.ip.decompose()
    }

    #[qjs(rename = "toBytes")]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.block.ip.to_bytes()
    }

    #[qjs(rename = "toString")]
    pub fn to_string_js(&self) -> String {
        self.text.clone()
    }
}

#[derive(Trace, JsLifetime)]
#[rquickjs::class(rename = "IP")]
pub struct Ip {
    #[qjs(skip_trace)]
    addr: Addr,
}

#[rquickjs::methods]
impl Ip {
    /// `new IP('10.0.0.1' | '::1' | [10, 0, 0, 1] | [16 bytes])`.
    #[qjs(constructor)]
    pub fn new<'js>(ctx: Ctx<'js>, a: Opt<Value<'js>>) -> Result<Ip> {
        let a = a.0.unwrap_or_else(|| Value::new_undefined(ctx.clone()));
        if let Some(s) = a.as_string() {
            let s = s.to_string()?;
            let addr = Addr::parse(&s)
                .ok_or_else(|| type_error(&ctx, "IP", &format!("invalid IP address '{s}'")))?;
            return Ok(Ip { addr });
        }
        if let Some(bytes) = byte_array(&ctx, &a)? {
            return Ok(Ip {
                addr: Addr::from_bytes(&bytes),
            });
        }
        Err(type_error(
            &ctx,
            "IP",
            &format!(
                "expected a string or an array of bytes, got {}",
                crate::value::type_name(&a)
            ),
        ))
    }

    #[qjs(get)]
    pub fn version(&self) -> u8 {
        self.addr.version()
    }

    pub fn decompose(&self) -> Vec<u32> {
        self.addr.decompose()
    }

    #[qjs(rename = "toBytes")]
    pub fn to_bytes(&self) -> Vec<u8> {
        self.addr.to_bytes()
    }

    #[qjs(rename = "toString")]
    pub fn to_string_js(&self) -> String {
        self.addr.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Addr {
        Addr::parse(s).expect(s)
    }

    fn b(s: &str) -> Block {
        Block::parse(s).expect(s)
    }

    #[test]
    fn ipv4_block() {
        let m = b("192.168.1.77/24");
        assert_eq!(m.ip.to_string(), "192.168.1.77");
        assert_eq!(m.base().to_string(), "192.168.1.0");
        assert_eq!(m.mask().to_string(), "255.255.255.0");
        assert_eq!(m.hostmask().to_string(), "0.0.0.255");
        assert_eq!(m.broadcast().to_string(), "192.168.1.255");
        assert_eq!(
            (m.first().to_string(), m.last().to_string()),
            ("192.168.1.1".into(), "192.168.1.254".into())
        );
        assert_eq!(m.size(), 256.0);
        assert!(m.contains(a("192.168.1.200")));
        assert!(!m.contains(a("192.168.2.1")));
        assert!(!m.contains(a("::1")));
        assert_eq!(m.nth_host(1).expect("a host").to_string(), "192.168.1.1");
        assert_eq!(
            m.nth_host(254).expect("a host").to_string(),
            "192.168.1.254"
        );
        assert_eq!(m.nth_host(255), None);
    }

    #[test]
    fn edges() {
        let m = b("10.1.2.3");
        assert_eq!(
            (m.bitmask, m.base().to_string(), m.size()),
            (32, "10.1.2.3".into(), 1.0)
        );
        assert_eq!(
            (m.first().to_string(), m.last().to_string()),
            ("10.1.2.3".into(), "10.1.2.3".into())
        );
        assert_eq!(m.nth_host(1), None);
        let m = b("0.0.0.0/0");
        assert_eq!(
            (m.mask().to_string(), m.size()),
            ("0.0.0.0".into(), 4294967296.0)
        );
        assert!(m.contains(a("8.8.8.8")));
        let m = b("10.0.0.0/31");
        assert_eq!(
            (m.first().to_string(), m.last().to_string()),
            ("10.0.0.1".into(), "10.0.0.0".into())
        );
    }

    #[test]
    fn ipv6_block() {
        let m = b("fe80::1:2/10");
        assert_eq!(m.base().to_string(), "fe80::");
        assert_eq!(m.mask().to_string(), "ffc0::");
        assert_eq!(
            m.hostmask().to_string(),
            "3f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        assert_eq!(
            m.broadcast().to_string(),
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        );
        assert_eq!(m.first().to_string(), "fe80::1");
        assert_eq!(
            m.last().to_string(),
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:fffe"
        );
        assert!(m.contains(a("fe80::abcd")));
        assert!(!m.contains(a("fec0::1")));
        assert_eq!(m.nth_host(2).expect("a host").to_string(), "fe80::2");
        assert_eq!(b("::/0").size(), 2f64.powi(128));
        assert_eq!(a("::ffff:1.2.3.4").to_string(), "::ffff:102:304");
        assert_eq!(a("1:0:0:2:0:0:0:3").to_string(), "1:0:0:2::3");
        assert_eq!(a("1:0:2:0:3:0:4:0").to_string(), "1:0:2:0:3:0:4:0");
        assert_eq!(a("1::").to_string(), "1::");
        assert_eq!(a("::").to_string(), "::");
    }

    #[test]
    fn malformed() {
        for bad in [
            "",
            "10.0.0/8",
            "10.0.0.256/8",
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/8x",
            "10.0.0.0/-1",
            "01.2.3.4",
            "fe80::/129",
            "fe80:::1/10",
            "hello",
            " 10.0.0.0/8",
        ] {
            assert!(Block::parse(bad).is_err(), "{bad:?} parsed");
        }
        assert_eq!(Addr::parse("1.2.3"), None);
    }
}
