//! `toFile(path)`: one writer thread per file for the whole process, shared by every worker
//! and logger that names the same file, so lines from different threads never interleave
//! and a slow disk never stalls a worker.
//!
//! Workers hand complete lines to the thread over a channel; the thread writes them through
//! a buffer and flushes whenever it has caught up. The file is truncated when first opened
//! (Pipy's default). Lines queued beyond [`MAX_QUEUED`] bytes are dropped and counted, with
//! an error logged, so a stuck disk cannot make the process grow without bound.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Bytes that may wait for the writer thread, per file.
const MAX_QUEUED: usize = 64 * 1024 * 1024;

enum Cmd {
    Line(Vec<u8>),
    Flush(mpsc::SyncSender<()>),
}

pub struct FileSink {
    path: PathBuf,
    tx: Sender<Cmd>,
    queued: Arc<AtomicUsize>,
    dropped: AtomicU64,
}

fn sinks() -> &'static Mutex<HashMap<PathBuf, Arc<FileSink>>> {
    static SINKS: OnceLock<Mutex<HashMap<PathBuf, Arc<FileSink>>>> = OnceLock::new();
    SINKS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The sink for `path` (relative to the working directory), started on first use.
pub fn open(path: &str) -> Result<Arc<FileSink>, String> {
    let abs = std::path::absolute(path).map_err(|e| format!("bad file name '{path}': {e}"))?;
    let mut all = sinks()
        .lock()
        .map_err(|_| "the log file table is broken".to_string())?;
    if let Some(s) = all.get(&abs) {
        return Ok(s.clone());
    }
    let (tx, rx) = mpsc::channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let q = queued.clone();
    let p = abs.clone();
    std::thread::Builder::new()
        .name("weir-log-file".into())
        .spawn(move || write_loop(&p, rx, &q))
        .map_err(|e| format!("cannot start a writer thread for '{path}': {e}"))?;
    let sink = Arc::new(FileSink {
        path: abs.clone(),
        tx,
        queued,
        dropped: AtomicU64::new(0),
    });
    all.insert(abs, sink.clone());
    Ok(sink)
}

impl FileSink {
    /// Queues one line (the newline is added here).
    pub fn write(&self, msg: &[u8]) {
        let mut line = Vec::with_capacity(msg.len() + 1);
        line.extend_from_slice(msg);
        line.push(b'\n');
        let n = line.len();
        if self.queued.load(Ordering::Relaxed) + n > MAX_QUEUED {
            if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                tracing::error!(
                    "[logging] {} is not keeping up: dropping log lines until it does",
                    self.path.display()
                );
            }
            return;
        }
        let dropped = self.dropped.swap(0, Ordering::Relaxed);
        if dropped > 0 {
            tracing::error!(
                "[logging] {}: {dropped} log lines were dropped",
                self.path.display()
            );
        }
        self.queued.fetch_add(n, Ordering::Relaxed);
        if self.tx.send(Cmd::Line(line)).is_err() {
            self.queued.fetch_sub(n, Ordering::Relaxed);
        }
    }
}

/// Waits (at most `limit` per file) until every line queued so far is written and flushed.
pub fn flush_all(limit: Duration) {
    let all: Vec<Arc<FileSink>> = match sinks().lock() {
        Ok(m) => m.values().cloned().collect(),
        Err(_) => return,
    };
    for sink in all {
        let (ack, done) = mpsc::sync_channel(1);
        if sink.tx.send(Cmd::Flush(ack)).is_ok() {
            let _ = done.recv_timeout(limit);
        }
    }
}

fn write_loop(path: &Path, rx: Receiver<Cmd>, queued: &AtomicUsize) {
    let file = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(path);
    let mut out = match file {
        Ok(f) => Some(BufWriter::with_capacity(64 * 1024, f)),
        Err(e) => {
            tracing::error!(
                "[logging] cannot open {}: {e}; its log lines are lost",
                path.display()
            );
            None
        }
    };
    let mut failed = false;
    let mut next = rx.recv();
    loop {
        match next {
            Err(_) => break,
            Ok(Cmd::Line(line)) => {
                queued.fetch_sub(line.len(), Ordering::Relaxed);
                if let Some(w) = out.as_mut() {
                    report(path, w.write_all(&line), &mut failed);
                }
            }
            Ok(Cmd::Flush(ack)) => {
                if let Some(w) = out.as_mut() {
                    report(path, w.flush(), &mut failed);
                }
                let _ = ack.send(());
            }
        }
        next = match rx.try_recv() {
            Ok(cmd) => Ok(cmd),
            Err(TryRecvError::Empty) => {
                // Caught up: make what we have visible, then sleep until more comes.
                if let Some(w) = out.as_mut() {
                    report(path, w.flush(), &mut failed);
                }
                rx.recv().map_err(|_| ())
            }
            Err(TryRecvError::Disconnected) => Err(()),
        }
        .map_err(|_| mpsc::RecvError);
    }
    if let Some(w) = out.as_mut() {
        let _ = w.flush();
    }
}

/// Logs the first error of a run of failed writes, and the recovery.
fn report(path: &Path, r: std::io::Result<()>, failed: &mut bool) {
    match r {
        Err(e) if !*failed => {
            *failed = true;
            tracing::error!("[logging] cannot write {}: {e}", path.display());
        }
        Ok(()) if *failed => {
            *failed = false;
            tracing::info!("[logging] writing {} again", path.display());
        }
        _ => {}
    }
}
