//! `decodeHTTPRequest`, `decodeHTTPResponse`, `encodeHTTPRequest`, `encodeHTTPResponse`:
//! the HTTP/1 codec as plain filters (bytes ⇄ messages), without connection handling.
//!
//! A decoding error ends the stream with `StreamEnd('ProtocolError')`. After a CONNECT or
//! upgrade request, or a 101 / 2xx-to-CONNECT response, the decoder stops and the bytes
//! that follow pass through as plain Data (the tunnel).

use std::rc::Rc;

use weir_codec::http1::{RequestDecoder, ResponseDecoder};

use super::{decode_requests, decode_responses, Decoded, HttpOptions};
use crate::event::{ErrorCode, Event};
use crate::http::{EncodeFor, MessageEncoder};
use crate::pipeline::{Filter, FilterCx, FilterFactory};
use crate::Data;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Request,
    Response,
}

pub struct DecodeHttp {
    pub direction: Direction,
    pub options: Rc<HttpOptions>,
}

impl FilterFactory for DecodeHttp {
    fn name(&self) -> &str {
        match self.direction {
            Direction::Request => "decodeHTTPRequest",
            Direction::Response => "decodeHTTPResponse",
        }
    }
    fn create(&self) -> Box<dyn Filter> {
        let limits = self.options.limits;
        Box::new(match self.direction {
            Direction::Request => DecodeFilter::Request(RequestDecoder::new(limits), false),
            Direction::Response => DecodeFilter::Response(ResponseDecoder::new(limits), false),
        })
    }
}

enum DecodeFilter {
    Request(RequestDecoder, bool),
    Response(ResponseDecoder, bool),
}

impl Filter for DecodeFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        match (self, evt) {
            (DecodeFilter::Request(_, true) | DecodeFilter::Response(_, true), _) => {}
            (DecodeFilter::Request(dec, failed), Event::Data(d)) => {
                let r = decode_requests(dec, &d, &mut |item| match item {
                    Decoded::Request(e, _) | Decoded::Event(e) => cx.output(e),
                });
                pass_tunnel(cx, r, failed);
            }
            (DecodeFilter::Response(dec, failed), Event::Data(d)) => {
                // With no request to pair with, every response is taken as a GET's.
                let r = decode_responses(dec, &d, &mut |e| {
                    cx.output(e);
                });
                pass_tunnel(cx, r, failed);
            }
            (DecodeFilter::Response(dec, _), Event::StreamEnd(end)) => {
                if let Ok(Some(item)) = dec.finish() {
                    cx.output(super::response_item(item));
                }
                cx.output(Event::StreamEnd(end));
            }
            (_, Event::StreamEnd(end)) => cx.output(Event::StreamEnd(end)),
            _ => {}
        }
    }
}

/// Outputs the tunnel bytes a decoder left, or ends the stream on a decoding error.
fn pass_tunnel(cx: &FilterCx, r: Result<Data, weir_codec::http1::Error>, failed: &mut bool) {
    match r {
        Ok(left) if !left.is_empty() => cx.output(Event::Data(left)),
        Ok(_) => {}
        Err(_) => {
            *failed = true;
            cx.output(Event::end(Some(ErrorCode::ProtocolError)));
        }
    }
}

pub struct EncodeHttp {
    pub direction: Direction,
    pub options: Rc<HttpOptions>,
}

impl FilterFactory for EncodeHttp {
    fn name(&self) -> &str {
        match self.direction {
            Direction::Request => "encodeHTTPRequest",
            Direction::Response => "encodeHTTPResponse",
        }
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(EncodeFilter {
            encoder: MessageEncoder::new(
                self.direction == Direction::Request,
                self.options.buffer_size,
            ),
        })
    }
}

struct EncodeFilter {
    encoder: MessageEncoder,
}

impl Filter for EncodeFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        let how = EncodeFor {
            head_request: false,
            keep_alive: true,
            connect: false,
        };
        let mut out = Data::new();
        match evt {
            Event::MessageStart(m) => self.encoder.start(m.head),
            Event::Data(d) => self.encoder.data(d, how, &mut out),
            Event::MessageEnd(_) => self.encoder.end(how, &mut out),
            Event::StreamEnd(e) => {
                cx.output(Event::StreamEnd(e));
                return;
            }
        }
        if !out.is_empty() {
            cx.output(Event::Data(out));
        }
    }
}
