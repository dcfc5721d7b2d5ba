//! `compressHTTP(method | fn | options)` and `decompressHTTP(enable?)`: HTTP message
//! bodies compressed or decompressed as they stream, with the `content-encoding` header kept
//! right. Either works on requests and on responses alike.
//!
//! `compressHTTP` looks at each `MessageStart`: a message that already has a
//! `content-encoding` (of any kind) passes untouched, so nothing is compressed twice; so do
//! responses that carry no body (1xx, 204, 304) and messages with `content-length: 0`.
//! Otherwise the head gets `content-encoding: gzip | deflate | br`, loses its
//! `content-length` (the encoder frames the new body), and the body is compressed chunk by
//! chunk. A message without a head gets one (`{headers}`), as in Pipy. Heads are changed on
//! a copy, never in place: a script's constant `new Message({headers}, ...)` is shared by
//! every stream (Pipy edits it in place, so its second answer claims a coding it lacks).
//!
//! `decompressHTTP` decodes bodies whose `content-encoding` is exactly one of `gzip`,
//! `x-gzip`, `deflate` (zlib or raw) or `br`, and removes that header and `content-length`.
//! Other codings pass as they are. If `enable` is given it is asked per such message (with
//! the `MessageStart`) and a falsy answer leaves the message alone. A corrupt or truncated
//! body is logged and ends the stream with `StreamEnd('ProtocolError')`; nothing after it
//! is passed on.
//!
//! Decompression bombs: each body decodes to at most `maxSize` bytes (64 MiB by default)
//! and, once past 1 MiB, to at most `maxRatio` times the compressed bytes received so far
//! (100 by default, Envoy's `max_inflate_ratio`). The decoder checks as it produces each
//! piece of at most 16 KiB, so one small chunk cannot expand past the limit before the
//! check: what one event queues downstream is bounded by the limits. Going past either is
//! logged and ends the stream with `StreamEnd('BufferOverflow')`.
//!
//! Consumes: every event. Emits: the same messages with their bodies (de)compressed; Data
//! outside messages and `StreamEnd` pass through. A stream that ends inside a message drops
//! the codec without writing the end of the compressed stream (a cut body stays visibly cut).

use std::rc::Rc;

use bytes::Bytes;
use weir_codec::compress::{Decoder, Encoder, Level, Limits, Method};

use crate::data::Data;
use crate::event::{ErrorCode, Event, Head, HeadValue, MessageStart};
use crate::http::{BareHead, HttpResponse};
use crate::pipeline::{Filter, FilterCx, FilterFactory};

/// Picks the method for one message from its `MessageStart`; `Ok(None)` leaves it
/// uncompressed; `Err` means the script failed (already logged).
pub type MethodFn = Rc<dyn Fn(&FilterCx, &MessageStart) -> Result<Option<Method>, ()>>;

/// Says whether to decompress one message; `Err` means the script failed (already logged).
pub type EnableFn = Rc<dyn Fn(&FilterCx, &MessageStart) -> Result<bool, ()>>;

/// How `compressHTTP` chooses a method.
#[derive(Clone)]
pub enum Choice {
    /// The same for every message; `None` is `enabled: false`.
    Fixed(Option<Method>),
    /// Asked per message.
    PerMessage(MethodFn),
}

/// The `compressHTTP` recipe.
pub struct CompressHttp {
    pub choice: Choice,
    pub level: Level,
}

impl FilterFactory for CompressHttp {
    fn name(&self) -> &str {
        "compressHTTP"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(CompressFilter {
            choice: self.choice.clone(),
            level: self.level,
            encoder: None,
            failed: false,
        })
    }
}

struct CompressFilter {
    choice: Choice,
    level: Level,
    /// The current message's compressor, if it is being compressed.
    encoder: Option<Encoder>,
    failed: bool,
}

impl CompressFilter {
    fn start(&mut self, cx: &FilterCx, mut ms: MessageStart) {
        self.encoder = None;
        let method = match &self.choice {
            Choice::Fixed(m) => *m,
            Choice::PerMessage(f) => match f(cx, &ms) {
                Ok(m) => m,
                Err(()) => {
                    self.failed = true;
                    cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                    return;
                }
            },
        };
        if let Some(method) = method {
            if should_compress(ms.head.as_ref()) {
                let edits = [
                    ("content-encoding", Some(method.token())),
                    ("content-length", None),
                ];
                let head = match &ms.head {
                    Some(h) => h.with_headers(&edits),
                    None => Some(BareHead::with(Vec::new()) as Head)
                        .and_then(|h| h.with_headers(&edits)),
                };
                if head.is_some() {
                    ms.head = head;
                    self.encoder = Some(Encoder::new(method, self.level));
                }
            }
        }
        cx.output(Event::MessageStart(ms));
    }
}

impl Filter for CompressFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        match evt {
            Event::MessageStart(ms) => self.start(cx, ms),
            Event::Data(d) => match self.encoder.as_mut() {
                Some(enc) => {
                    let mut out = Data::new();
                    for chunk in d.chunks() {
                        enc.encode(chunk, &mut |b: Bytes| out.push_bytes(b));
                    }
                    if !out.is_empty() {
                        cx.output(Event::Data(out));
                    }
                }
                None => cx.output(Event::Data(d)),
            },
            Event::MessageEnd(end) => {
                if let Some(mut enc) = self.encoder.take() {
                    let mut out = Data::new();
                    enc.finish(&mut |b: Bytes| out.push_bytes(b));
                    if !out.is_empty() {
                        cx.output(Event::Data(out));
                    }
                }
                cx.output(Event::MessageEnd(end));
            }
            Event::StreamEnd(e) => {
                self.encoder = None;
                cx.output(Event::StreamEnd(e));
            }
        }
    }
}

/// Whether a message with this head may be compressed: not already encoded, and with a body.
fn should_compress(head: Option<&Head>) -> bool {
    let Some(head) = head else { return true };
    if head.header("content-encoding").is_some() {
        return false;
    }
    if head
        .header("content-length")
        .is_some_and(|v| v.trim() == "0")
    {
        return false;
    }
    let status = match head.as_any().downcast_ref::<HttpResponse>() {
        Some(r) if r.mirror.borrow().is_none() => Some(r.head.borrow().status),
        Some(r) => r.to_response().map(|h| h.status),
        None => None,
    };
    !matches!(status, Some(100..=199 | 204 | 304))
}

/// The `decompressHTTP` recipe.
pub struct DecompressHttp {
    pub enable: Option<EnableFn>,
    /// How far one body may expand ([`DecompressHttp::DEFAULT_LIMITS`] unless the script
    /// says otherwise).
    pub limits: Limits,
}

impl DecompressHttp {
    /// 64 MiB per body (a whole body a script could still buffer), and at most 100 times
    /// the compressed size past the first 1 MiB (Envoy's default `max_inflate_ratio`).
    pub const DEFAULT_LIMITS: Limits = Limits {
        max_size: 64 * 1024 * 1024,
        max_ratio: 100,
    };
}

impl FilterFactory for DecompressHttp {
    fn name(&self) -> &str {
        "decompressHTTP"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(DecompressFilter {
            enable: self.enable.clone(),
            limits: self.limits,
            decoder: None,
            failed: false,
        })
    }
}

struct DecompressFilter {
    enable: Option<EnableFn>,
    limits: Limits,
    /// The current message's decompressor and its coding, if it is being decoded.
    decoder: Option<(Decoder, Method)>,
    failed: bool,
}

impl DecompressFilter {
    fn start(&mut self, cx: &FilterCx, ms: MessageStart) {
        self.decoder = None;
        let method = ms
            .head
            .as_ref()
            .and_then(|h| h.header("content-encoding"))
            .and_then(|v| Method::from_content_encoding(v.as_bytes()));
        if let (Some(method), Some(head)) = (method, ms.head.as_ref()) {
            let wanted = match &self.enable {
                None => true,
                Some(f) => match f(cx, &ms) {
                    Ok(yes) => yes,
                    Err(()) => return self.fail(cx, ErrorCode::RuntimeError),
                },
            };
            if wanted {
                if let Some(h) =
                    head.with_headers(&[("content-encoding", None), ("content-length", None)])
                {
                    self.decoder = Some((Decoder::with_limits(method, self.limits), method));
                    return cx.output(Event::MessageStart(MessageStart { head: Some(h) }));
                }
            }
        }
        cx.output(Event::MessageStart(ms));
    }

    fn fail(&mut self, cx: &FilterCx, code: ErrorCode) {
        self.failed = true;
        self.decoder = None;
        cx.output(Event::end(Some(code)));
    }

    fn corrupt(&mut self, cx: &FilterCx, method: Method, e: weir_codec::compress::Error) {
        if e.is_limit() {
            tracing::error!(
                "[decompressHTTP] refusing the '{}' body: {e} (a decompression bomb? the \
                 limits are decompressHTTP's maxSize and maxRatio options); ending the stream",
                method.token(),
            );
            return self.fail(cx, ErrorCode::BufferOverflow);
        }
        tracing::error!(
            "[decompressHTTP] cannot decode the '{}' body: {e}; ending the stream",
            method.token()
        );
        self.fail(cx, ErrorCode::ProtocolError);
    }
}

impl Filter for DecompressFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.failed {
            return;
        }
        match evt {
            Event::MessageStart(ms) => self.start(cx, ms),
            Event::Data(d) => {
                let Some((dec, method)) = self.decoder.as_mut() else {
                    return cx.output(Event::Data(d));
                };
                let mut out = Data::new();
                let mut r = Ok(());
                for chunk in d.chunks() {
                    r = dec.decode(chunk, &mut |b: Bytes| out.push_bytes(b));
                    if r.is_err() {
                        break;
                    }
                }
                if !out.is_empty() {
                    cx.output(Event::Data(out));
                }
                if let Err(e) = r {
                    let method = *method;
                    self.corrupt(cx, method, e);
                }
            }
            Event::MessageEnd(end) => {
                if let Some((mut dec, method)) = self.decoder.take() {
                    let mut out = Data::new();
                    let r = dec.finish(&mut |b: Bytes| out.push_bytes(b));
                    if !out.is_empty() {
                        cx.output(Event::Data(out));
                    }
                    if let Err(e) = r {
                        return self.corrupt(cx, method, e);
                    }
                }
                cx.output(Event::MessageEnd(end));
            }
            Event::StreamEnd(e) => {
                self.decoder = None;
                cx.output(Event::StreamEnd(e));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::Context;
    use crate::event::{MessageEnd, StreamEnd};
    use crate::pipeline::Layout;
    use crate::sched::{self, Collector};
    use weir_codec::http1::{Header, ResponseHead, Version};

    fn response(headers: &[(&str, &str)], status: u16) -> Head {
        HttpResponse::new(ResponseHead {
            status,
            reason: String::new(),
            version: Version::Http11,
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: Bytes::copy_from_slice(n.as_bytes()),
                    value: Bytes::copy_from_slice(v.as_bytes()),
                })
                .collect(),
        })
    }

    /// Runs one message (head, body chunks) through `filters` and returns the output head,
    /// the body and the stream's end.
    fn run(
        filters: Vec<Rc<dyn FilterFactory>>,
        head: Option<Head>,
        chunks: &[&[u8]],
    ) -> (Option<Head>, Vec<u8>, Option<StreamEnd>) {
        let layout = Layout::new("test");
        for f in filters {
            layout.append(f);
        }
        let out = Rc::new(Collector::default());
        let p = layout.instantiate(Context::root(None, None));
        p.set_output(out.target());
        p.start();
        sched::emit(&p.input(), Event::MessageStart(MessageStart { head }));
        for c in chunks {
            sched::emit(&p.input(), Event::Data(Data::from(c.to_vec())));
        }
        sched::emit(&p.input(), Event::MessageEnd(MessageEnd::default()));
        sched::emit(&p.input(), Event::end(None));
        let (mut head, mut body, mut end) = (None, Vec::new(), None);
        for e in out.take() {
            match e {
                Event::MessageStart(m) => head = m.head,
                Event::Data(d) => body.extend(d.to_vec()),
                Event::MessageEnd(_) => {}
                Event::StreamEnd(e) => {
                    end.get_or_insert(e);
                }
            }
        }
        (head, body, end)
    }

    fn compress(m: Method) -> Rc<dyn FilterFactory> {
        Rc::new(CompressHttp {
            choice: Choice::Fixed(Some(m)),
            level: Level::Default,
        })
    }

    fn decompress() -> Rc<dyn FilterFactory> {
        Rc::new(DecompressHttp {
            enable: None,
            limits: DecompressHttp::DEFAULT_LIMITS,
        })
    }

    #[test]
    fn round_trip_sets_and_clears_the_headers() {
        let body = b"hello hello hello hello hello hello hello".repeat(50);
        let chunks: Vec<&[u8]> = body.chunks(333).collect();
        for m in [Method::Gzip, Method::Deflate, Method::Brotli] {
            let head = response(
                &[("content-type", "text/plain"), ("content-length", "2050")],
                200,
            );
            let (h, packed, end) = run(vec![compress(m)], Some(head), &chunks);
            let h = h.expect("head kept");
            assert_eq!(h.header("content-encoding").as_deref(), Some(m.token()));
            assert_eq!(h.header("content-length"), None);
            assert_eq!(h.header("content-type").as_deref(), Some("text/plain"));
            assert!(packed.len() < body.len() / 4);
            assert_eq!(end, Some(StreamEnd::ok()));

            let (h, plain, end) = run(vec![decompress()], Some(h), &[&packed]);
            let h = h.expect("head kept");
            assert_eq!(h.header("content-encoding"), None);
            assert_eq!(plain, body);
            assert_eq!(end, Some(StreamEnd::ok()));
        }
    }

    #[test]
    fn already_encoded_and_bodiless_messages_pass() {
        let encoded = response(&[("content-encoding", "identity")], 200);
        let (h, body, _) = run(vec![compress(Method::Gzip)], Some(encoded), &[b"abc"]);
        assert_eq!(body, b"abc");
        assert_eq!(
            h.and_then(|h| h.header("content-encoding")).as_deref(),
            Some("identity")
        );
        for (status, len) in [(204, None), (304, None), (200, Some("0"))] {
            let headers: Vec<(&str, &str)> =
                len.map(|l| ("content-length", l)).into_iter().collect();
            let (h, body, _) = run(
                vec![compress(Method::Gzip)],
                Some(response(&headers, status)),
                &[],
            );
            assert!(body.is_empty());
            assert_eq!(h.and_then(|h| h.header("content-encoding")), None);
        }
        // Unknown codings are left to the next hop.
        let zstd = response(&[("content-encoding", "zstd")], 200);
        let (h, body, _) = run(vec![decompress()], Some(zstd), &[b"xyz"]);
        assert_eq!(body, b"xyz");
        assert_eq!(
            h.and_then(|h| h.header("content-encoding")).as_deref(),
            Some("zstd")
        );
    }

    #[test]
    fn a_headless_message_gets_a_head() {
        let (h, packed, _) = run(vec![compress(Method::Gzip)], None, &[b"body"]);
        let h = h.expect("a head was made");
        assert_eq!(h.header("content-encoding").as_deref(), Some("gzip"));
        let r = h.to_response().expect("readable as a response");
        assert_eq!(r.status, 200);
        let (_, plain, _) = run(vec![decompress()], Some(h), &[&packed]);
        assert_eq!(plain, b"body");
    }

    #[test]
    fn corrupt_bodies_end_the_stream_with_an_error() {
        let head = response(&[("content-encoding", "gzip")], 200);
        let (_, body, end) = run(
            vec![decompress()],
            Some(head),
            &[b"\x1f\x8b\x08\x00garbage!"],
        );
        assert!(body.is_empty());
        assert_eq!(end, Some(StreamEnd::error(ErrorCode::ProtocolError)));
        // Truncated: the end of the message comes inside the stream.
        let (_, packed, _) = run(vec![compress(Method::Gzip)], None, &[b"some text"]);
        let head = response(&[("content-encoding", "gzip")], 200);
        let (_, _, end) = run(
            vec![decompress()],
            Some(head),
            &[&packed[..packed.len() - 3]],
        );
        assert_eq!(end, Some(StreamEnd::error(ErrorCode::ProtocolError)));
    }

    /// 100 MB of zeros, compressed: about 100 KB of gzip, or a few hundred bytes of brotli.
    fn bomb(method: Method) -> Vec<u8> {
        let block = vec![0u8; 1 << 20];
        let level = match method {
            Method::Brotli => Level::Speed,
            _ => Level::Best,
        };
        let mut e = Encoder::new(method, level);
        let mut out = Vec::new();
        for _ in 0..100 {
            e.encode(&block, &mut |b| out.extend_from_slice(&b));
        }
        e.finish(&mut |b| out.extend_from_slice(&b));
        out
    }

    #[test]
    fn decompression_bombs_end_the_stream_with_bounded_output() {
        const ZEROS: usize = 100 << 20;
        for method in [Method::Gzip, Method::Deflate, Method::Brotli] {
            let packed = bomb(method);
            assert!(packed.len() < ZEROS / 900, "{method:?}: {}", packed.len());
            let head = || response(&[("content-encoding", method.token())], 200);
            // The default limits, the whole bomb in one event: the ratio limit stops it.
            let (_, body, end) = run(vec![decompress()], Some(head()), &[&packed]);
            assert_eq!(end, Some(StreamEnd::error(ErrorCode::BufferOverflow)));
            let allowed = (100 * packed.len()).max(1 << 20);
            assert!(
                body.len() <= allowed,
                "{method:?}: {} > {allowed}",
                body.len()
            );
            assert!(body.iter().all(|&b| b == 0));
            // A size limit, the bomb in 16 KiB events.
            let max = 2 << 20;
            let sized = Rc::new(DecompressHttp {
                enable: None,
                limits: Limits {
                    max_size: max,
                    max_ratio: 0,
                },
            });
            let chunks: Vec<&[u8]> = packed.chunks(16 * 1024).collect();
            let (_, body, end) = run(vec![sized], Some(head()), &chunks);
            assert_eq!(end, Some(StreamEnd::error(ErrorCode::BufferOverflow)));
            assert!(body.len() as u64 <= max, "{method:?}: {}", body.len());
            // With no limits the same body decodes in full: the limits are what stop it.
            let open = Rc::new(DecompressHttp {
                enable: None,
                limits: Limits::NONE,
            });
            let (_, body, end) = run(vec![open], Some(head()), &chunks);
            assert_eq!((body.len(), end), (ZEROS, Some(StreamEnd::ok())));
        }
    }

    #[test]
    fn enable_and_per_message_choice() {
        let never: EnableFn = Rc::new(|_, _| Ok(false));
        let head = response(&[("content-encoding", "gzip")], 200);
        let (h, body, _) = run(
            vec![Rc::new(DecompressHttp {
                enable: Some(never),
                limits: DecompressHttp::DEFAULT_LIMITS,
            })],
            Some(head),
            &[b"not really gzip"],
        );
        assert_eq!(body, b"not really gzip");
        assert!(h.and_then(|h| h.header("content-encoding")).is_some());
        let pick: MethodFn = Rc::new(|_, _| Ok(None));
        let (h, body, _) = run(
            vec![Rc::new(CompressHttp {
                choice: Choice::PerMessage(pick),
                level: Level::Best,
            })],
            None,
            &[b"plain"],
        );
        assert_eq!(body, b"plain");
        assert!(h.is_none());
    }
}
