//! Encoder output, byte for byte (Pipy's tests compare exact bytes: lowercase names,
//! `content-length` then `connection: keep-alive`, `HTTP/1.1 200 OK`).

mod support;

use bytes::{Bytes, BytesMut};
use weir_codec::http1::{
    reason_phrase, write_chunk, write_last_chunk, write_request_head, write_response_head,
    BodyKind, Header, Item, Limits, RequestDecoder, RequestHead, ResponseHead, Version,
};

fn response(status: u16, reason: &str, headers: Vec<Header>) -> Vec<u8> {
    let head = ResponseHead {
        status,
        reason: reason.into(),
        version: Version::Http11,
        headers,
    };
    let mut out = BytesMut::new();
    write_response_head(&head, &mut out);
    out.to_vec()
}

#[test]
fn response_head_default_reason() {
    let bytes = response(
        200,
        "",
        vec![
            Header::new("content-length", "7"),
            Header::new("connection", "keep-alive"),
        ],
    );
    assert_eq!(
        bytes,
        b"HTTP/1.1 200 OK\r\ncontent-length: 7\r\nconnection: keep-alive\r\n\r\n"
    );
}

#[test]
fn response_head_given_reason_and_unknown_status() {
    assert_eq!(response(404, "Nope", vec![]), b"HTTP/1.1 404 Nope\r\n\r\n");
    assert_eq!(response(599, "", vec![]), b"HTTP/1.1 599 \r\n\r\n");
    assert_eq!(
        response(503, "", vec![]),
        b"HTTP/1.1 503 Service Unavailable\r\n\r\n"
    );
}

#[test]
fn request_head() {
    let head = RequestHead {
        method: "POST".into(),
        path: "/submit?x=1".into(),
        version: Version::Http10,
        headers: vec![
            Header::new("Host", "example.com"),
            Header::new("content-length", "3"),
        ],
    };
    let mut out = BytesMut::new();
    write_request_head(&head, &mut out);
    assert_eq!(
        &out[..],
        b"POST /submit?x=1 HTTP/1.0\r\nhost: example.com\r\ncontent-length: 3\r\n\r\n"
    );
}

#[test]
fn chunked_body() {
    let mut out = BytesMut::new();
    for data in [&b"hello"[..], b"", &[b'x'; 300]] {
        write_chunk(data.len(), &mut out);
        if !data.is_empty() {
            out.extend_from_slice(data);
            out.extend_from_slice(b"\r\n");
        }
    }
    write_last_chunk(&[Header::new("x-sum", "1")], &mut out);
    let want = [
        &b"5\r\nhello\r\n12c\r\n"[..],
        &[b'x'; 300],
        b"\r\n0\r\nx-sum: 1\r\n\r\n",
    ]
    .concat();
    assert_eq!(&out[..], &want[..]);
    let mut empty = BytesMut::new();
    write_last_chunk(&[], &mut empty);
    assert_eq!(&empty[..], b"0\r\n\r\n");
}

#[test]
fn reason_phrases() {
    assert_eq!(reason_phrase(200), "OK");
    assert_eq!(reason_phrase(101), "Switching Protocols");
    assert_eq!(reason_phrase(431), "Request Header Fields Too Large");
    assert_eq!(reason_phrase(999), "");
}

#[test]
fn header_injection_is_neutralised() {
    let bytes = response(
        200,
        "OK\r\nX-Evil: 1",
        vec![Header::new("x", "a\r\n\r\nHTTP/1.1 200 OK")],
    );
    assert_eq!(
        bytes,
        b"HTTP/1.1 200 OK  X-Evil: 1\r\nx: a    HTTP/1.1 200 OK\r\n\r\n"
    );
}

#[test]
fn decode_encode_round_trip() {
    let wire = b"PUT /a HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n";
    let mut d = RequestDecoder::new(Limits::default());
    let mut input = Bytes::from_static(wire);
    let mut out = BytesMut::new();
    while let Ok(Some(item)) = d.decode(&mut input) {
        match item {
            Item::Head(head, kind) => {
                assert_eq!(kind, BodyKind::Chunked);
                write_request_head(&head, &mut out);
            }
            Item::Body(data) => {
                write_chunk(data.len(), &mut out);
                out.extend_from_slice(&data);
                out.extend_from_slice(b"\r\n");
            }
            Item::End { trailers } => write_last_chunk(&trailers, &mut out),
        }
    }
    assert_eq!(
        &out[..],
        b"PUT /a HTTP/1.1\r\nhost: h\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nx-t: 1\r\n\r\n"
    );
}
