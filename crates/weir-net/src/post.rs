//! A small HTTP/1.1 client for sending one request body after another to one server (the
//! `toHTTP()` log target). One connection, kept alive while the server allows it; each call
//! waits for the whole response before the next request is written.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use weir_codec::http1::{check_field, Item, Limits, ResponseDecoder, ResponseFor};

/// How long a connect may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long writing a request and reading its whole response may take.
const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(30);
/// The most response body kept buffered per read (bodies are read and thrown away).
const READ_CHUNK: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("cannot connect to {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("timed out connecting to {0}")]
    ConnectTimeout(String),
    #[error("connection to {0} failed: {1}")]
    Io(String, std::io::Error),
    #[error("no complete response from {0} within {1:?}")]
    Timeout(String, Duration),
    #[error("{0} closed the connection before a complete response")]
    Closed(String),
    #[error("bad response from {0}: {1}")]
    Protocol(String, weir_codec::http1::Error),
}

/// A request head that is the same for every body: method, path and header fields.
pub struct PostTarget {
    /// `host:port` to connect to.
    pub address: String,
    /// Everything up to the `content-length` field: request line and header lines.
    head: Bytes,
}

impl PostTarget {
    /// Checks and joins the parts of the request head. `headers` should include `host`.
    pub fn new(
        address: &str,
        method: &str,
        path: &str,
        headers: &[(String, String)],
    ) -> Result<PostTarget, String> {
        let token = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic());
        if !token(method) {
            return Err(format!("bad method '{method}'"));
        }
        if !token(path) {
            return Err(format!("bad path '{path}'"));
        }
        let mut head = format!("{method} {path} HTTP/1.1\r\n").into_bytes();
        for (name, value) in headers {
            if name.eq_ignore_ascii_case("content-length")
                || name.eq_ignore_ascii_case("transfer-encoding")
            {
                continue;
            }
            check_field(name.as_bytes(), value.as_bytes())
                .map_err(|e| format!("bad header '{name}': {e}"))?;
            head.extend_from_slice(name.as_bytes());
            head.extend_from_slice(b": ");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        Ok(PostTarget {
            address: address.to_string(),
            head: head.into(),
        })
    }
}

struct Conn {
    stream: TcpStream,
    decoder: ResponseDecoder,
}

/// Sends bodies to a [`PostTarget`] one at a time.
pub struct Poster {
    target: PostTarget,
    conn: Option<Conn>,
}

impl Poster {
    pub fn new(target: PostTarget) -> Poster {
        Poster { target, conn: None }
    }

    /// Closes the kept-alive connection, if any (after a while with nothing to send).
    pub fn close_idle(&mut self) {
        self.conn = None;
    }

    /// Sends `body`; the response status. A kept-alive connection that turns out to be
    /// closed is replaced once.
    pub async fn send(&mut self, body: Bytes) -> Result<u16, PostError> {
        if self.conn.is_some() {
            match self.exchange(&body).await {
                Ok(status) => return Ok(status),
                // The server may have closed an idle connection: try a fresh one.
                Err(PostError::Closed(_) | PostError::Io(..)) => self.conn = None,
                Err(e) => return Err(e),
            }
        }
        self.exchange(&body).await
    }

    async fn exchange(&mut self, body: &Bytes) -> Result<u16, PostError> {
        let address = self.target.address.clone();
        if self.conn.is_none() {
            let stream = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect(&address))
                .await
                .map_err(|_| PostError::ConnectTimeout(address.clone()))?
                .map_err(|e| PostError::Connect(address.clone(), e))?;
            let _ = stream.set_nodelay(true);
            self.conn = Some(Conn {
                stream,
                decoder: ResponseDecoder::new(Limits::default()),
            });
        }
        let result = tokio::time::timeout(EXCHANGE_TIMEOUT, self.round_trip(body)).await;
        match result {
            Ok(Ok((status, keep))) => {
                if !keep {
                    self.conn = None;
                }
                Ok(status)
            }
            Ok(Err(e)) => {
                self.conn = None;
                Err(e)
            }
            Err(_) => {
                self.conn = None;
                Err(PostError::Timeout(address, EXCHANGE_TIMEOUT))
            }
        }
    }

    /// Writes the request, reads the response to its end; the status and whether the
    /// connection can be used again.
    async fn round_trip(&mut self, body: &Bytes) -> Result<(u16, bool), PostError> {
        let address = self.target.address.clone();
        let Some(conn) = self.conn.as_mut() else {
            return Err(PostError::Closed(address));
        };
        let mut req = BytesMut::with_capacity(self.target.head.len() + 32 + body.len());
        req.extend_from_slice(&self.target.head);
        req.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
        req.extend_from_slice(body);
        conn.stream
            .write_all(&req)
            .await
            .map_err(|e| PostError::Io(address.clone(), e))?;
        conn.decoder.expect(ResponseFor::default());
        let mut status = None;
        let mut keep = false;
        let mut buf = BytesMut::with_capacity(READ_CHUNK);
        let mut input = Bytes::new();
        loop {
            let item = conn
                .decoder
                .decode(&mut input)
                .map_err(|e| PostError::Protocol(address.clone(), e))?;
            match item {
                Some(Item::Head(head, _)) => {
                    if head.status >= 200 {
                        status = Some(head.status);
                        keep = head.keep_alive();
                    }
                }
                Some(Item::Body(_)) => {}
                Some(Item::End { .. }) => {
                    if let Some(s) = status {
                        return Ok((s, keep && input.is_empty()));
                    }
                }
                None => {
                    buf.reserve(READ_CHUNK);
                    let n = conn
                        .stream
                        .read_buf(&mut buf)
                        .await
                        .map_err(|e| PostError::Io(address.clone(), e))?;
                    if n == 0 {
                        // EOF: a body delimited by the close ends here.
                        while let Some(item) = conn
                            .decoder
                            .finish()
                            .map_err(|_| PostError::Closed(address.clone()))?
                        {
                            if let (Item::End { .. }, Some(s)) = (item, status) {
                                return Ok((s, false));
                            }
                        }
                        return Err(PostError::Closed(address));
                    }
                    input = buf.split().freeze();
                }
            }
        }
    }
}
