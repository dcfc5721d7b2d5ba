//! Test helpers: drive a decoder over input cut in different ways and compare the results.
#![allow(dead_code)]

use std::fmt::Write as _;

use bytes::Bytes;
use weir_codec::http1::{
    Error, Header, Item, Limits, RequestDecoder, RequestHead, ResponseDecoder, ResponseFor,
    ResponseHead,
};

/// The two decoders behind one interface.
pub trait Decoder {
    type Head;
    fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<Self::Head>>, Error>;
    fn finish(&mut self) -> Result<Option<Item<Self::Head>>, Error>;
    fn is_tunnel(&self) -> bool;
    fn render_head(head: &Self::Head) -> String;
}

impl Decoder for RequestDecoder {
    type Head = RequestHead;
    fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<RequestHead>>, Error> {
        RequestDecoder::decode(self, input)
    }
    fn finish(&mut self) -> Result<Option<Item<RequestHead>>, Error> {
        RequestDecoder::finish(self)
    }
    fn is_tunnel(&self) -> bool {
        RequestDecoder::is_tunnel(self)
    }
    fn render_head(h: &RequestHead) -> String {
        format!("{} {} {}", h.method, h.path, h.version) + &render_fields(&h.headers)
    }
}

impl Decoder for ResponseDecoder {
    type Head = ResponseHead;
    fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<ResponseHead>>, Error> {
        ResponseDecoder::decode(self, input)
    }
    fn finish(&mut self) -> Result<Option<Item<ResponseHead>>, Error> {
        ResponseDecoder::finish(self)
    }
    fn is_tunnel(&self) -> bool {
        ResponseDecoder::is_tunnel(self)
    }
    fn render_head(h: &ResponseHead) -> String {
        format!("{} {} {:?}", h.version, h.status, h.reason) + &render_fields(&h.headers)
    }
}

fn render_fields(fields: &[Header]) -> String {
    fields.iter().fold(String::new(), |mut s, f| {
        let _ = write!(
            s,
            "\n  {}: {}",
            f.name.escape_ascii(),
            f.value.escape_ascii()
        );
        s
    })
}

/// What a decoder produced, with consecutive body pieces merged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outcome {
    pub events: Vec<String>,
    /// Body bytes of the current run of `Body` items.
    body: Vec<u8>,
    pub ends: usize,
    pub error: Option<Error>,
    /// Bytes left over once the decoder became a tunnel.
    pub tunnel: Option<Vec<u8>>,
}

impl Outcome {
    fn flush_body(&mut self) {
        if !self.body.is_empty() {
            let body = std::mem::take(&mut self.body);
            self.events
                .push(format!("BODY {} \"{}\"", body.len(), body.escape_ascii()));
        }
    }

    fn push<D: Decoder>(&mut self, item: Item<D::Head>) {
        match item {
            Item::Body(b) => {
                assert!(!b.is_empty(), "empty Body item");
                self.body.extend_from_slice(&b);
            }
            Item::Head(h, kind) => {
                self.flush_body();
                self.events
                    .push(format!("HEAD {kind:?} {}", D::render_head(&h)));
            }
            Item::End { trailers } => {
                self.flush_body();
                self.ends += 1;
                self.events.push(format!("END{}", render_fields(&trailers)));
            }
        }
    }

    /// The outcome as golden text, one event per line.
    pub fn render(&self) -> String {
        let mut out = self.clone();
        out.flush_body();
        let mut text = out.events.join("\n");
        if let Some(e) = out.error {
            text += &format!("\nERROR {e:?} ({})", e.status());
        }
        if let Some(t) = &out.tunnel {
            text += &format!("\nTUNNEL \"{}\"", t.escape_ascii());
        }
        text + "\n"
    }
}

/// Feeds `chunks` in order (then calls `finish` until `None` if `eof`), collecting items.
/// Checks along the way that `Ok(None)` always leaves the input consumed (outside a tunnel).
pub fn run<D: Decoder>(decoder: &mut D, chunks: &[&[u8]], eof: bool) -> Outcome {
    let mut out = Outcome::default();
    for chunk in chunks {
        let mut input = Bytes::copy_from_slice(chunk);
        loop {
            match decoder.decode(&mut input) {
                Ok(Some(item)) => out.push::<D>(item),
                Ok(None) if decoder.is_tunnel() => {
                    out.tunnel
                        .get_or_insert_with(Vec::new)
                        .extend_from_slice(&input);
                    break;
                }
                Ok(None) => {
                    assert!(input.is_empty(), "Ok(None) left {} bytes", input.len());
                    break;
                }
                Err(e) => {
                    out.error = Some(e);
                    return out;
                }
            }
        }
    }
    if !eof {
        return out;
    }
    loop {
        match decoder.finish() {
            Ok(Some(item)) => out.push::<D>(item),
            Ok(None) => break,
            Err(e) => {
                out.error = Some(e);
                break;
            }
        }
    }
    out
}

/// Decodes `input` whole, split in two at every position, and one byte at a time; asserts all
/// give the same outcome, and (when the whole input decodes without error) that no strict
/// prefix gives an error or the `End` of the last message. Returns the outcome.
pub fn check_all_cuts<D: Decoder>(make: impl Fn() -> D, input: &[u8]) -> Outcome {
    let whole = run(&mut make(), &[input], true);
    for i in 0..=input.len() {
        let (a, b) = input.split_at(i);
        let split = run(&mut make(), &[a, b], true);
        assert_eq!(split.render(), whole.render(), "split at {i}");
    }
    let bytes: Vec<&[u8]> = input.chunks(1).collect();
    let one_by_one = run(&mut make(), &bytes, true);
    assert_eq!(one_by_one.render(), whole.render(), "one byte at a time");
    if whole.error.is_none() {
        for i in 0..input.len() {
            let prefix = run(&mut make(), &[&input[..i]], false);
            assert_eq!(prefix.error, None, "prefix of {i} bytes");
            assert!(
                prefix.ends < whole.ends || whole.tunnel.is_some(),
                "prefix of {i} bytes already ended the last message"
            );
        }
    }
    whole
}

pub fn requests() -> RequestDecoder {
    RequestDecoder::new(Limits::default())
}

pub fn responses(expect: &[ResponseFor]) -> impl Fn() -> ResponseDecoder + '_ {
    move || {
        let mut d = ResponseDecoder::new(Limits::default());
        for &e in expect {
            d.expect(e);
        }
        d
    }
}

/// Decodes all of `input` as requests (whole) and returns the error, if any.
pub fn request_error(input: &[u8]) -> Option<Error> {
    run(&mut requests(), &[input], false).error
}

/// Like [`request_error`], but also asserts every cut gives the same error.
pub fn request_error_all_cuts(input: &[u8]) -> Option<Error> {
    check_all_cuts(requests, input).error
}
