//! Request-smuggling and strictness suite: every ambiguous or lenient form is a specific
//! error with the right status, however the input is cut.

mod support;

use support::request_error_all_cuts as err;
use weir_codec::http1::{Error, Limits, RequestDecoder};

/// Asserts `input` fails with `want` (and status `status`) for every cut of the input.
fn rejects(input: &str, want: Error, status: u16) {
    assert_eq!(err(input.as_bytes()), Some(want), "{input:?}");
    assert_eq!(want.status(), status);
}

#[test]
fn cl_te() {
    rejects(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
        Error::TransferEncodingWithContentLength,
        400,
    );
}

#[test]
fn te_cl() {
    rejects(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n8\r\nSMUGGLED\r\n0\r\n\r\n",
        Error::TransferEncodingWithContentLength,
        400,
    );
}

#[test]
fn duplicate_different_content_length() {
    rejects(
        "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 50\r\n\r\nhello",
        Error::ConflictingContentLength,
        400,
    );
    rejects(
        "POST / HTTP/1.1\r\nContent-Length: 5, 50\r\n\r\nhello",
        Error::ConflictingContentLength,
        400,
    );
}

#[test]
fn identical_duplicate_content_length_is_accepted() {
    let input = "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5, 5\r\n\r\nhello";
    assert_eq!(err(input.as_bytes()), None);
}

#[test]
fn content_length_not_digits() {
    for cl in ["-1", "+5", "0x5", "5 5", "", "1e3", "99999999999999999999"] {
        let input = format!("POST / HTTP/1.1\r\nContent-Length: {cl}\r\n\r\n");
        rejects(&input, Error::InvalidContentLength, 400);
    }
}

#[test]
fn transfer_encoding_xchunked() {
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
        Error::InvalidTransferEncoding,
        400,
    );
}

#[test]
fn transfer_encoding_chunked_identity() {
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
        Error::InvalidTransferEncoding,
        400,
    );
}

#[test]
fn transfer_encoding_other_malformed() {
    for te in [
        "chunked, gzip",
        "chunked;x",
        "chunked ;x",
        "\"chunked\"",
        "",
        ", chunked",
        "chunked,",
        "ch unked",
    ] {
        let input = format!("POST / HTTP/1.1\r\nTransfer-Encoding: {te}\r\n\r\n0\r\n\r\n");
        rejects(&input, Error::InvalidTransferEncoding, 400);
    }
    // chunked split over two fields, then something after it.
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
        Error::InvalidTransferEncoding,
        400,
    );
}

#[test]
fn transfer_encoding_in_http10() {
    rejects(
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        Error::TransferEncodingInHttp10,
        400,
    );
}

#[test]
fn obs_fold() {
    rejects(
        "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
        Error::ObsFold,
        400,
    );
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: gzip,\r\n\tchunked\r\n\r\n",
        Error::ObsFold,
        400,
    );
}

#[test]
fn space_before_colon() {
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
        Error::WhitespaceBeforeColon,
        400,
    );
}

#[test]
fn bare_lf() {
    rejects("GET / HTTP/1.1\nHost: a\r\n\r\n", Error::BareLf, 400);
    rejects("GET / HTTP/1.1\r\nHost: a\n\r\n", Error::BareLf, 400);
    rejects("GET / HTTP/1.1\r\nHost: a\r\n\n", Error::BareLf, 400);
    rejects("\nGET / HTTP/1.1\r\n\r\n", Error::BareLf, 400);
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n",
        Error::BareLf,
        400,
    );
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: y\n\r\n",
        Error::BareLf,
        400,
    );
}

#[test]
fn bare_cr() {
    rejects(
        "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n",
        Error::InvalidHeaderValue,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\nA\r: b\r\n\r\n",
        Error::InvalidHeaderName,
        400,
    );
}

#[test]
fn nul_and_controls_in_value() {
    rejects(
        "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n",
        Error::InvalidHeaderValue,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\nX: a\x0bb\r\n\r\n",
        Error::InvalidHeaderValue,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n",
        Error::InvalidHeaderValue,
        400,
    );
}

#[test]
fn bad_header_names() {
    rejects(
        "GET / HTTP/1.1\r\nX Y: a\r\n\r\n",
        Error::InvalidHeaderName,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\n: a\r\n\r\n",
        Error::InvalidHeaderName,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\nX\0: a\r\n\r\n",
        Error::InvalidHeaderName,
        400,
    );
    rejects(
        "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        Error::MissingColon,
        400,
    );
}

#[test]
fn duplicate_host() {
    rejects(
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        Error::DuplicateHost,
        400,
    );
}

#[test]
fn oversize_chunk_line() {
    let ext = "x".repeat(Limits::default().max_chunk_line + 100);
    let input = format!(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;{ext}\r\nhello\r\n0\r\n\r\n"
    );
    assert_eq!(
        support::request_error(input.as_bytes()),
        Some(Error::ChunkLineTooLong)
    );
    assert_eq!(Error::ChunkLineTooLong.status(), 400);
    // The check happens while reading the line, before its end arrives.
    let mut d = RequestDecoder::new(Limits::default());
    let mut input = bytes::Bytes::from(input[..input.len() - 50].to_owned());
    let mut result = Ok(None);
    for _ in 0..3 {
        result = d.decode(&mut input);
    }
    assert_eq!(result, Err(Error::ChunkLineTooLong));
}

#[test]
fn huge_chunk_size() {
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n",
        Error::ChunkSizeOverflow,
        400,
    );
}

#[test]
fn chunk_size_forms() {
    for size in ["0x5", "-5", "+5", " 5", "5 ", "", "g"] {
        let input = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nhello\r\n0\r\n\r\n"
        );
        rejects(&input, Error::InvalidChunkSize, 400);
    }
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a\0b\r\nhello\r\n0\r\n\r\n",
        Error::InvalidChunkExtension,
        400,
    );
}

#[test]
fn chunk_data_must_end_in_crlf() {
    for after in ["X\r\n", "\n", "\rX", "\r\r\n"] {
        let input = format!(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello{after}0\r\n\r\n"
        );
        rejects(&input, Error::MissingChunkCrlf, 400);
    }
    // A chunk claiming fewer bytes than sent.
    rejects(
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
        Error::MissingChunkCrlf,
        400,
    );
}

#[test]
fn framing_fields_in_trailers() {
    for field in [
        "Content-Length: 5",
        "Transfer-Encoding: chunked",
        "Host: evil",
    ] {
        let input =
            format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n{field}\r\n\r\n");
        rejects(&input, Error::ForbiddenTrailer, 400);
    }
}

#[test]
fn request_line_strictness() {
    rejects("GET  / HTTP/1.1\r\n\r\n", Error::InvalidRequestLine, 400);
    rejects("GET / HTTP/1.1 \r\n\r\n", Error::InvalidRequestLine, 400);
    rejects("GET\t/ HTTP/1.1\r\n\r\n", Error::InvalidRequestLine, 400);
    rejects("GET /\tx HTTP/1.1\r\n\r\n", Error::InvalidTarget, 400);
    rejects("GET / HTTP/1.2\r\n\r\n", Error::UnsupportedVersion, 400);
    rejects("GET / HTTP/1\r\n\r\n", Error::InvalidRequestLine, 400);
    rejects("G@T / HTTP/1.1\r\n\r\n", Error::InvalidMethod, 400);
    rejects(
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        Error::UnsupportedVersion,
        400,
    );
}

#[test]
fn limits_give_414_and_431() {
    let long_target = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(8 * 1024));
    rejects(&long_target, Error::RequestLineTooLong, 414);
    let big_value = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "v".repeat(16 * 1024));
    rejects(&big_value, Error::HeadTooLarge, 431);
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    rejects(
        &format!("GET / HTTP/1.1\r\n{many}\r\n"),
        Error::TooManyHeaders,
        431,
    );
    let hundred: String = (0..100).map(|i| format!("X-{i}: v\r\n")).collect();
    assert_eq!(
        err(format!("GET / HTTP/1.1\r\n{hundred}\r\n").as_bytes()),
        None
    );
}

#[test]
fn limits_hold_before_the_line_ends() {
    // No CRLF ever arrives: the decoder must give up once it has the limit, not buffer on.
    let limits = Limits::default();
    let mut d = RequestDecoder::new(limits);
    let mut first = bytes::Bytes::from_static(b"GET /");
    assert_eq!(d.decode(&mut first), Ok(None));
    let mut rest = bytes::Bytes::from(vec![b'a'; limits.max_request_line]);
    assert_eq!(d.decode(&mut rest), Err(Error::RequestLineTooLong));

    let mut d = RequestDecoder::new(limits);
    let mut head = bytes::Bytes::from(format!("GET / HTTP/1.1\r\nX: {}", "v".repeat(16 * 1024)));
    assert_eq!(d.decode(&mut head), Err(Error::HeadTooLarge));
}

#[test]
fn trailer_limits() {
    let many: String = (0..101).map(|i| format!("X-{i}: v\r\n")).collect();
    rejects(
        &format!("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n{many}\r\n"),
        Error::TooManyHeaders,
        431,
    );
}
