//! Decoder behaviour across calls: pipelining, zero-copy bodies, leftovers, EOF.

mod support;

use bytes::Bytes;
use support::{check_all_cuts, requests, responses};
use weir_codec::http1::{
    BodyKind, Error, Item, Limits, RequestDecoder, ResponseDecoder, ResponseFor,
};

#[test]
fn pipelined_requests_in_one_buffer() {
    let wire = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nPOST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n!";
    let outcome = check_all_cuts(requests, wire);
    let heads: Vec<&String> = outcome
        .events
        .iter()
        .filter(|e| e.starts_with("HEAD"))
        .collect();
    assert_eq!(heads.len(), 3);
    assert_eq!(outcome.ends, 3);
    assert_eq!(outcome.error, None);
}

#[test]
fn leftover_stays_in_input() {
    let mut d = RequestDecoder::new(Limits::default());
    let mut input = Bytes::from_static(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET /next");
    assert!(matches!(
        d.decode(&mut input),
        Ok(Some(Item::Head(_, BodyKind::Length(2))))
    ));
    assert_eq!(&input[..], b"okGET /next");
    assert_eq!(
        d.decode(&mut input),
        Ok(Some(Item::Body(Bytes::from_static(b"ok"))))
    );
    assert_eq!(
        d.decode(&mut input),
        Ok(Some(Item::End { trailers: vec![] }))
    );
    assert_eq!(&input[..], b"GET /next");
    assert!(d.is_idle());
}

#[test]
fn body_is_a_slice_of_the_input() {
    let source = Bytes::from_static(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n",
    );
    let mut d = ResponseDecoder::new(Limits::default());
    let mut input = source.clone();
    assert!(matches!(d.decode(&mut input), Ok(Some(Item::Head(..)))));
    let Ok(Some(Item::Body(data))) = d.decode(&mut input) else {
        panic!("expected body");
    };
    let offset = data.as_ptr() as usize - source.as_ptr() as usize;
    assert_eq!((offset, &data[..]), (50, &b"abcd"[..]));
}

#[test]
fn one_body_item_per_call() {
    let mut d = RequestDecoder::new(Limits::default());
    let mut input = Bytes::from_static(
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n",
    );
    let mut items = Vec::new();
    while let Ok(Some(item)) = d.decode(&mut input) {
        items.push(item);
    }
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[1], Item::Body(Bytes::from_static(b"a")));
    assert_eq!(items[2], Item::Body(Bytes::from_static(b"b")));
}

#[test]
fn end_right_after_bodyless_head_without_more_input() {
    let mut d = RequestDecoder::new(Limits::default());
    let mut input = Bytes::from_static(b"GET / HTTP/1.1\r\n\r\n");
    assert!(matches!(
        d.decode(&mut input),
        Ok(Some(Item::Head(_, BodyKind::None)))
    ));
    assert!(input.is_empty());
    assert_eq!(
        d.decode(&mut input),
        Ok(Some(Item::End { trailers: vec![] }))
    );
    assert_eq!(d.decode(&mut input), Ok(None));
}

#[test]
fn eof_mid_message_is_an_error() {
    for wire in [
        &b"GET / HTTP/1.1\r\nHost"[..],
        b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n",
    ] {
        let outcome = support::run(&mut requests(), &[wire], true);
        assert_eq!(
            outcome.error,
            Some(Error::UnexpectedEof),
            "{:?}",
            wire.escape_ascii()
        );
    }
    let outcome = support::run(&mut requests(), &[b"\r\n\r\n"], true);
    assert_eq!(outcome.error, None, "empty lines only: clean close");
}

#[test]
fn response_eof_rules() {
    let until_close = support::run(
        &mut ResponseDecoder::new(Limits::default()),
        &[b"HTTP/1.1 200 OK\r\n\r\nab"],
        true,
    );
    assert_eq!((until_close.ends, until_close.error), (1, None));
    let cut = support::run(
        &mut ResponseDecoder::new(Limits::default()),
        &[b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab"],
        true,
    );
    assert_eq!(cut.error, Some(Error::UnexpectedEof));
}

#[test]
fn response_strictness() {
    let head = [ResponseFor {
        head_request: true,
        connect: false,
    }];
    for (wire, want) in [
        (
            &b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"[..],
            Error::TransferEncodingWithContentLength,
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            Error::ConflictingContentLength,
        ),
        (b"HTTP/1.1 200 OK\nContent-Length: 1\r\n\r\n", Error::BareLf),
        (b"HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n", Error::ObsFold),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcdeXY",
            Error::MissingChunkCrlf,
        ),
        (b"\r\nHTTP/1.1 200 OK\r\n\r\n", Error::InvalidStatusLine),
    ] {
        let outcome = check_all_cuts(responses(&head[..0]), wire);
        assert_eq!(outcome.error, Some(want), "{:?}", wire.escape_ascii());
    }
    let long = format!("HTTP/1.1 200 {}\r\n\r\n", "x".repeat(8 * 1024));
    let outcome = support::run(
        &mut ResponseDecoder::new(Limits::default()),
        &[long.as_bytes()],
        true,
    );
    assert_eq!(outcome.error, Some(Error::StatusLineTooLong));
    let outcome = check_all_cuts(
        responses(&head),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    assert_eq!(
        (outcome.ends, outcome.error),
        (1, None),
        "HEAD response ignores framing"
    );
}

#[test]
fn small_limits_and_split_points_agree() {
    // Both the start-line and the head limit are crossed; every cut must report the same one.
    let limits = Limits {
        max_request_line: 20,
        max_header_size: 24,
        max_headers: 2,
        max_chunk_line: 8,
    };
    for wire in [
        &b"\r\n\r\n\r\nGET /aaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n"[..],
        b"\r\n\r\nGET /aaaaaaaaaaaaaaaaa HTTP/1.1\r\n",
        b"GET / HTTP/1.1\r\na:1\r\nb:2\r\nc:3\r\n\r\n",
        b"GET / HTTP/1.1\r\na:11111111\r\n\r\n",
    ] {
        let outcome = check_all_cuts(|| RequestDecoder::new(limits), wire);
        assert!(outcome.error.is_some(), "{:?}", wire.escape_ascii());
    }
}
