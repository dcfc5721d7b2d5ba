//! `read(file, {seek, size})`: on the first input event, outputs a file's contents as Data
//! and then `StreamEnd`; the input itself is discarded.
//!
//! The file is read in chunks on tokio's blocking pool, under a back-pressure tap, so a
//! large file neither blocks the worker nor piles up in front of a slow writer. A file that
//! cannot be opened or read ends the stream with `ReadError` (logged).
//!
//! Consumes: every event (only the first matters). Emits: Data chunks, then `StreamEnd`.

use std::io::SeekFrom;
use std::path::PathBuf;
use std::rc::Rc;

use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio::task::JoinHandle;

use crate::activity::Activity;
use crate::data::Data;
use crate::event::{ErrorCode, Event};
use crate::pipeline::{Emitter, Filter, FilterCx, FilterFactory};
use crate::tap::Tap;

const CHUNK: usize = 64 * 1024;

/// What to read for one stream.
pub struct ReadSpec {
    pub path: PathBuf,
    /// Bytes to skip from the start.
    pub seek: u64,
    /// Bytes to read at most; `None`: to the end.
    pub size: Option<u64>,
}

/// Works out the file for one stream (`Err`: the script failed, already logged).
pub type ReadResolver = Rc<dyn Fn(&FilterCx) -> Result<ReadSpec, ()>>;

pub struct Read {
    pub resolve: ReadResolver,
}

impl FilterFactory for Read {
    fn name(&self) -> &str {
        "read"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ReadFilter {
            resolve: self.resolve.clone(),
            started: false,
            task: None,
        })
    }
}

struct ReadFilter {
    resolve: ReadResolver,
    started: bool,
    task: Option<JoinHandle<()>>,
}

impl Drop for ReadFilter {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl Filter for ReadFilter {
    fn process(&mut self, cx: &FilterCx, _evt: Event) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        let spec = match (self.resolve)(cx) {
            Ok(s) => s,
            Err(()) => {
                cx.output(Event::end(Some(ErrorCode::RuntimeError)));
                return;
            }
        };
        let out = cx.emitter();
        let guard = Activity::new();
        self.task = Some(tokio::task::spawn_local(async move {
            let _guard = guard;
            let end = match read_file(&spec, &out).await {
                Ok(()) => None,
                Err(e) => {
                    tracing::error!("[read] cannot read {}: {e}", spec.path.display());
                    Some(ErrorCode::ReadError)
                }
            };
            out.emit(Event::end(end));
        }));
    }
}

async fn read_file(spec: &ReadSpec, out: &Emitter) -> std::io::Result<()> {
    let mut file = tokio::fs::File::open(&spec.path).await?;
    if spec.seek > 0 {
        file.seek(SeekFrom::Start(spec.seek)).await?;
    }
    let mut left = spec.size.unwrap_or(u64::MAX);
    let tap = Tap::new();
    while left > 0 {
        tap.wait_open().await;
        let want = usize::try_from(left).unwrap_or(CHUNK).min(CHUNK);
        let mut buf = vec![0u8; want];
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        buf.truncate(n);
        left -= n as u64;
        tap.enter(|| out.emit(Event::Data(Data::from(buf))));
    }
    Ok(())
}
