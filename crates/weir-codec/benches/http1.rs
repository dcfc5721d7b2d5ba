//! HTTP/1 codec micro-benchmarks (std::time, no framework): `cargo bench -p weir-codec`.
//! Prints ns per operation; each case runs for about half a second after a warm-up.
//! `cargo bench -p weir-codec --bench http1 -- GET` runs only cases whose name contains `GET`
//! (handy under `perf record`).

use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use weir_codec::http1::{
    write_response_head, Header, Item, Limits, RequestDecoder, ResponseDecoder, ResponseHead,
    Version,
};

/// A browser-like GET of about 400 bytes.
const GET: &[u8] = b"GET /static/js/app.3f9c2b.js?v=12 HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0\r\n\
Accept: */*\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://www.example.com/\r\n\
Connection: keep-alive\r\n\
Cookie: sid=8f14e45fceea167a5a36dedd4bea2543\r\n\
Sec-Fetch-Dest: script\r\n\
Sec-Fetch-Mode: no-cors\r\n\
DNT: 1\r\n\
\r\n";

fn response_1k() -> Bytes {
    let mut wire = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
Content-Length: 1024\r\nDate: Mon, 01 Jun 2026 00:00:00 GMT\r\nConnection: keep-alive\r\n\r\n"
        .to_vec();
    wire.extend(std::iter::repeat_n(b'x', 1024));
    Bytes::from(wire)
}

/// Runs `op` repeatedly for about `budget` and returns ns per call.
fn measure(budget: Duration, mut op: impl FnMut()) -> f64 {
    for _ in 0..1000 {
        op();
    }
    let mut iters = 0u64;
    let start = Instant::now();
    while start.elapsed() < budget {
        for _ in 0..1000 {
            op();
        }
        iters += 1000;
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

/// Decodes one whole message from `wire` with the decoder (a `&mut`), returning the number
/// of items.
macro_rules! decode_all {
    ($decoder:expr, $wire:expr) => {{
        let d = $decoder;
        let mut input = $wire.clone();
        let mut n = 0usize;
        while let Ok(Some(item)) = d.decode(&mut input) {
            n += 1;
            if let Item::End { .. } = item {
                break;
            }
        }
        n
    }};
}

/// Whether the case called `name` was selected on the command line (all when none given).
fn selected(name: &str) -> bool {
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()))
}

/// Measures and prints one case if it is selected.
fn case(name: &str, op: impl FnMut()) {
    if selected(name) {
        let ns = measure(Duration::from_millis(500), op);
        println!("{name}: {ns:.0} ns/op");
    }
}

fn main() {
    let get = Bytes::from_static(GET);
    let resp = response_1k();
    let headers = GET.windows(2).filter(|w| w == b"\r\n").count() - 2;

    let name = format!(
        "decode GET request ({} bytes, {headers} headers), new decoder",
        GET.len()
    );
    case(&name, || {
        black_box(decode_all!(
            &mut RequestDecoder::new(Limits::default()),
            black_box(&get)
        ));
    });

    // One decoder per connection is the real pattern: its buffers are reused.
    let mut reused = RequestDecoder::new(Limits::default());
    let name = format!(
        "decode GET request ({} bytes, {headers} headers), keep-alive decoder",
        GET.len()
    );
    case(&name, || {
        black_box(decode_all!(&mut reused, black_box(&get)));
    });

    let name = format!("decode response with 1 KiB body ({} bytes)", resp.len());
    case(&name, || {
        black_box(decode_all!(
            &mut ResponseDecoder::new(Limits::default()),
            black_box(&resp)
        ));
    });

    let head = ResponseHead {
        status: 200,
        reason: String::new(),
        version: Version::Http11,
        headers: vec![
            Header::new("content-type", "application/json"),
            Header::new("content-length", "1024"),
            Header::new("connection", "keep-alive"),
        ],
    };
    let mut out = BytesMut::with_capacity(256);
    case("encode response head (3 headers)", || {
        out.clear();
        write_response_head(black_box(&head), &mut out);
        black_box(&out);
    });
}
