//! HTTP/1 filters: `demuxHTTP`/`serveHTTP` (server side), `muxHTTP` (client side, pooled
//! sessions), and the raw `decodeHTTP*`/`encodeHTTP*` codecs.

pub mod codec;
pub mod compress;
pub mod demux;
pub mod mux;
pub mod tunnel;

use std::rc::Rc;

use bytes::Bytes;
use weir_codec::http1::{self, RequestDecoder, ResponseDecoder};

use crate::event::{Event, MessageEnd, MessageStart};
use crate::http::{HttpRequest, HttpResponse};
use crate::Data;

/// Most bytes held after a CONNECT / upgrade request while its answer is awaited (a client
/// should wait for the answer; one that does not cannot make weir buffer without bound).
pub(crate) const MAX_HELD: usize = 1 << 20;

/// Options shared by the HTTP filters, parsed once at load time.
#[derive(Clone, Debug)]
pub struct HttpOptions {
    /// Decoder limits (request line, header size and count, chunk line).
    pub limits: http1::Limits,
    /// A body that ends within this many bytes is sent with `content-length`; longer ones
    /// are streamed chunked. Default 16 KiB.
    pub buffer_size: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            limits: http1::Limits::default(),
            buffer_size: 16 * 1024,
        }
    }
}

/// What a decoded request says about its response.
#[derive(Clone, Copy, Debug)]
pub struct RequestInfo {
    pub keep_alive: bool,
    pub head_request: bool,
    pub connect: bool,
    /// An upgrade request (WebSocket...): a 101 answer opens a tunnel.
    pub upgrade: bool,
}

/// Turns decoder items into events.
pub(crate) enum Decoded {
    Request(Event, RequestInfo),
    Event(Event),
}

/// The two decoders, as the loop below needs them.
trait ItemDecoder {
    type Head;
    fn decode(
        &mut self,
        input: &mut Bytes,
    ) -> Result<Option<http1::Item<Self::Head>>, http1::Error>;
    fn is_tunnel(&self) -> bool;
}

impl ItemDecoder for RequestDecoder {
    type Head = http1::RequestHead;
    fn decode(
        &mut self,
        input: &mut Bytes,
    ) -> Result<Option<http1::Item<Self::Head>>, http1::Error> {
        RequestDecoder::decode(self, input)
    }
    fn is_tunnel(&self) -> bool {
        RequestDecoder::is_tunnel(self)
    }
}

impl ItemDecoder for ResponseDecoder {
    type Head = http1::ResponseHead;
    fn decode(
        &mut self,
        input: &mut Bytes,
    ) -> Result<Option<http1::Item<Self::Head>>, http1::Error> {
        ResponseDecoder::decode(self, input)
    }
    fn is_tunnel(&self) -> bool {
        ResponseDecoder::is_tunnel(self)
    }
}

/// Feeds Data through a decoder, item by item; stops at the first error. Returns the bytes
/// the decoder left alone because it stopped for a tunnel (after a CONNECT or upgrade
/// request; after a 101, or a 2xx to CONNECT).
fn decode_items<D: ItemDecoder>(
    dec: &mut D,
    data: &Data,
    out: &mut impl FnMut(http1::Item<D::Head>),
) -> Result<Data, http1::Error> {
    let mut left = Data::new();
    for chunk in data.chunks() {
        if dec.is_tunnel() {
            left.push_bytes(chunk.clone());
            continue;
        }
        let mut input = chunk.clone();
        while let Some(item) = dec.decode(&mut input)? {
            out(item);
        }
        if !input.is_empty() {
            left.push_bytes(input);
        }
    }
    Ok(left)
}

/// Request bytes to events (see [`decode_items`]).
pub(crate) fn decode_requests(
    dec: &mut RequestDecoder,
    data: &Data,
    out: &mut impl FnMut(Decoded),
) -> Result<Data, http1::Error> {
    decode_items(dec, data, &mut |item| match item {
        http1::Item::Head(head, _kind) => {
            let info = RequestInfo {
                keep_alive: http1::keep_alive(head.version, &head.headers),
                head_request: head.method == "HEAD",
                connect: head.method == "CONNECT",
                upgrade: head.is_upgrade(),
            };
            let evt = Event::MessageStart(MessageStart {
                head: Some(HttpRequest::new(head)),
            });
            out(Decoded::Request(evt, info));
        }
        http1::Item::Body(b) => out(Decoded::Event(Event::Data(Data::from(b)))),
        http1::Item::End { .. } => out(Decoded::Event(Event::MessageEnd(MessageEnd::default()))),
    })
}

/// Response bytes to events (see [`decode_items`]).
pub(crate) fn decode_responses(
    dec: &mut ResponseDecoder,
    data: &Data,
    out: &mut impl FnMut(Event),
) -> Result<Data, http1::Error> {
    decode_items(dec, data, &mut |item| out(response_item(item)))
}

pub(crate) fn response_item(item: http1::Item<http1::ResponseHead>) -> Event {
    match item {
        http1::Item::Head(head, _) => Event::MessageStart(MessageStart {
            head: Some(HttpResponse::new(head) as Rc<dyn crate::HeadValue>),
        }),
        http1::Item::Body(b) => Event::Data(Data::from(b)),
        http1::Item::End { .. } => Event::MessageEnd(MessageEnd::default()),
    }
}
