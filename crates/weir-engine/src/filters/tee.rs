//! `tee(file, {append})` and `print()`: copy every Data to a file (`'-'` is stdout) and pass
//! it on unchanged.
//!
//! Writes are synchronous: stdout and local files are fast, and the codec tests need the
//! bytes on stdout in order before the process exits.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use crate::event::Event;
use crate::pipeline::{Filter, FilterCx, FilterFactory};

#[derive(Clone)]
pub enum TeeTarget {
    Stdout,
    File { path: PathBuf, append: bool },
}

pub struct Tee {
    pub target: TeeTarget,
    pub method: &'static str,
}

impl FilterFactory for Tee {
    fn name(&self) -> &str {
        self.method
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(TeeFilter {
            target: self.target.clone(),
            file: None,
            failed: false,
        })
    }
}

struct TeeFilter {
    target: TeeTarget,
    file: Option<File>,
    failed: bool,
}

impl TeeFilter {
    fn write(&mut self, bytes: &[u8]) {
        match &self.target {
            TeeTarget::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(bytes).and_then(|_| out.flush());
            }
            TeeTarget::File { path, append } => {
                if self.failed {
                    return;
                }
                if self.file.is_none() {
                    let opened = OpenOptions::new()
                        .create(true)
                        .write(true)
                        .append(*append)
                        .truncate(!*append)
                        .open(path);
                    match opened {
                        Ok(f) => self.file = Some(f),
                        Err(e) => {
                            tracing::error!("[tee] cannot open {}: {e}", path.display());
                            self.failed = true;
                            return;
                        }
                    }
                }
                if let Some(f) = self.file.as_mut() {
                    if let Err(e) = f.write_all(bytes) {
                        tracing::error!("[tee] cannot write {}: {e}", path.display());
                        self.failed = true;
                    }
                }
            }
        }
    }
}

impl Filter for TeeFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if let Event::Data(d) = &evt {
            for chunk in d.chunks() {
                self.write(chunk);
            }
        }
        cx.output(evt);
    }
}
