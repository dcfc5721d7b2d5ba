//! Properties checked on arbitrary input for the HTTP/1 decoders:
//!
//! 1. no panic;
//! 2. the input decoded whole, split in two at a point chosen by the data, and (when short)
//!    one byte at a time gives the same items (bodies concatenated) and the same error;
//! 3. `Ok(None)` leaves the input consumed unless the decoder became a tunnel; `Body` items
//!    are never empty;
//! 4. a decoded head, encoded again and decoded, is the same head.
//!
//! Input layout: 2 bytes split point, 1 byte of flags, then the bytes to decode. Flag bit 0
//! selects small limits (to reach the limit paths); for responses, bits 1..=6 say which of the
//! first three responses answer a HEAD or a CONNECT.

use bytes::{Bytes, BytesMut};
use weir_codec::http1::{
    reason_phrase, write_request_head, write_response_head, Error, Item, Limits, RequestDecoder,
    RequestHead, ResponseDecoder, ResponseFor, ResponseHead,
};

/// What a run produced, with consecutive body pieces merged.
#[derive(Debug, PartialEq, Eq)]
enum Event<H> {
    Head(H, weir_codec::http1::BodyKind),
    Body(Vec<u8>),
    End(Vec<weir_codec::http1::Header>),
    Error(Error),
    Tunnel(Vec<u8>),
}

trait Decoder {
    type Head: std::fmt::Debug + PartialEq + Clone;
    fn decode(&mut self, input: &mut Bytes) -> Result<Option<Item<Self::Head>>, Error>;
    fn finish(&mut self) -> Result<Option<Item<Self::Head>>, Error>;
    fn is_tunnel(&self) -> bool;
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
}

fn push<H>(events: &mut Vec<Event<H>>, item: Item<H>) {
    match item {
        Item::Head(h, k) => events.push(Event::Head(h, k)),
        Item::Body(b) => {
            assert!(!b.is_empty(), "empty Body item");
            if let Some(Event::Body(acc)) = events.last_mut() {
                acc.extend_from_slice(&b);
            } else {
                events.push(Event::Body(b.to_vec()));
            }
        }
        Item::End { trailers } => events.push(Event::End(trailers)),
    }
}

/// Decodes `chunks` in order, then EOF.
fn run<D: Decoder>(mut d: D, chunks: &[&[u8]]) -> Vec<Event<D::Head>> {
    let mut events = Vec::new();
    let mut tunnel = Vec::new();
    for chunk in chunks {
        let mut input = Bytes::copy_from_slice(chunk);
        loop {
            match d.decode(&mut input) {
                Ok(Some(item)) => push(&mut events, item),
                Ok(None) => {
                    if d.is_tunnel() {
                        tunnel.extend_from_slice(&input);
                    } else {
                        assert!(input.is_empty(), "Ok(None) with input left");
                    }
                    break;
                }
                Err(e) => {
                    events.push(Event::Error(e));
                    return events;
                }
            }
        }
    }
    loop {
        match d.finish() {
            Ok(Some(item)) => push(&mut events, item),
            Ok(None) => break,
            Err(e) => {
                events.push(Event::Error(e));
                break;
            }
        }
    }
    if d.is_tunnel() {
        events.push(Event::Tunnel(tunnel));
    }
    events
}

/// Runs whole, split and byte by byte; asserts they agree; returns the whole run's events.
fn check_cuts<D: Decoder>(make: impl Fn() -> D, data: &[u8]) -> Option<Vec<Event<D::Head>>> {
    let (split, _, input) = layout(data)?;
    let whole = run(make(), &[input]);
    let at = split % (input.len() + 1);
    let (a, b) = input.split_at(at);
    assert_eq!(run(make(), &[a, b]), whole, "split at {at}");
    if input.len() <= 256 {
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(run(make(), &bytes), whole, "one byte at a time");
    }
    Some(whole)
}

/// Split point, flags, payload.
fn layout(data: &[u8]) -> Option<(usize, u8, &[u8])> {
    match data {
        [a, b, flags, rest @ ..] => Some((usize::from(u16::from_le_bytes([*a, *b])), *flags, rest)),
        _ => None,
    }
}

fn limits(flags: u8) -> Limits {
    if flags & 1 == 0 {
        Limits::default()
    } else {
        Limits {
            max_request_line: 40,
            max_header_size: 96,
            max_headers: 4,
            max_chunk_line: 12,
        }
    }
}

/// Limits big enough for any re-encoded head.
fn roomy() -> Limits {
    Limits {
        max_request_line: 1 << 20,
        max_header_size: 1 << 20,
        max_headers: 1 << 16,
        max_chunk_line: 1 << 10,
    }
}

/// Checks the request decoder on `data`.
pub fn check_requests(data: &[u8]) {
    let Some((_, flags, _)) = layout(data) else {
        return;
    };
    let Some(events) = check_cuts(|| RequestDecoder::new(limits(flags)), data) else {
        return;
    };
    for event in events {
        if let Event::Head(head, kind) = event {
            let mut wire = BytesMut::new();
            write_request_head(&head, &mut wire);
            let mut input = wire.freeze();
            let again = RequestDecoder::new(roomy()).decode(&mut input);
            assert_eq!(again, Ok(Some(Item::Head(head, kind))), "re-encoded head");
        }
    }
}

/// Checks the response decoder on `data`.
pub fn check_responses(data: &[u8]) {
    let Some((_, flags, _)) = layout(data) else {
        return;
    };
    let make = || {
        let mut d = ResponseDecoder::new(limits(flags));
        for i in 0..3 {
            let bits = flags >> (1 + 2 * i);
            d.expect(ResponseFor {
                head_request: bits & 1 != 0,
                connect: bits & 2 != 0,
            });
        }
        d
    };
    let Some(events) = check_cuts(make, data) else {
        return;
    };
    for event in events {
        if let Event::Head(mut head, _) = event {
            let mut wire = BytesMut::new();
            write_response_head(&head, &mut wire);
            let mut input = wire.freeze();
            let again = ResponseDecoder::new(roomy()).decode(&mut input);
            if head.reason.is_empty() {
                head.reason = reason_phrase(head.status).to_owned();
            }
            assert!(
                matches!(&again, Ok(Some(Item::Head(h, _))) if *h == head),
                "re-encoded head: {again:?} vs {head:?}"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The checks themselves work on a few known inputs (run with `cargo test` in `fuzz/`).
    #[test]
    fn smoke() {
        check_requests(b"\x05\x00\x00GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
        check_requests(
            b"\x05\x00\x01GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n",
        );
        check_responses(
            b"\x09\x00\x02HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nHTTP/1.1 200 OK\r\n\r\nbody",
        );
        check_responses(b"\x09\x00\x00HTTP/1.1 101 S\r\n\r\n\x81\x00");
    }
}
