//! `exec(command, {env, stderr, onExit})`: a child process in the middle of a pipeline.
//!
//! On the first event the child is started (`tokio::process`, never blocking the worker):
//! input Data goes to its stdin (a bounded [`SocketWriter`]: past its limit the input is
//! paused), the input's `StreamEnd` closes stdin, and what the child writes to stdout comes
//! out as Data (under a back-pressure tap). With `stderr: true` its stderr is output too;
//! otherwise up to [`ExecOptions::stderr_limit`] bytes of it are kept for `onExit`. Once the
//! child has exited and both pipes are drained, `onExit(code, stderr)` may output events,
//! then `StreamEnd` ends the stream. The child is killed when the pipeline goes away.
//!
//! Consumes: Data and `StreamEnd` (message boundaries are ignored). Emits: Data, then
//! `StreamEnd` (`RuntimeError` when the command cannot be worked out or started).

use std::process::Stdio;
use std::rc::{Rc, Weak};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use weir_engine::activity::Activity;
use weir_engine::tap::Tap;
use weir_engine::{Data, Emitter, ErrorCode, Event, Filter, FilterCx, FilterFactory, Pipeline};

use crate::writer::{Ending, SocketWriter};

/// The program to run for one stream.
pub struct ExecSpec {
    /// Program and arguments; the program is looked up in `PATH`.
    pub argv: Vec<String>,
    /// Added to (or replacing entries of) weir's own environment.
    pub env: Vec<(String, String)>,
}

/// Works out the command from the first event (`Err`: the script failed, already logged).
pub type ExecResolver = Rc<dyn Fn(&FilterCx, &Event) -> Result<ExecSpec, ()>>;

/// `onExit(code, stderr)`: events to output before the `StreamEnd` (`Err`: the script
/// failed). `code` is -1 when the child was killed by a signal.
pub type OnExit = Rc<dyn Fn(&FilterCx, i32, Data) -> Result<Vec<Event>, ()>>;

pub struct ExecOptions {
    /// Output the child's stderr along with its stdout. Default: no (kept for `onExit`).
    pub stderr: bool,
    pub on_exit: Option<OnExit>,
    /// Bytes of input buffered for stdin before the input is paused. Default 1 MiB.
    pub buffer_limit: usize,
    /// Bytes of stderr kept for `onExit`; the rest is dropped. Default 1 MiB.
    pub stderr_limit: usize,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            stderr: false,
            on_exit: None,
            buffer_limit: 1 << 20,
            stderr_limit: 1 << 20,
        }
    }
}

pub struct Exec {
    pub command: ExecResolver,
    pub options: Rc<ExecOptions>,
}

impl FilterFactory for Exec {
    fn name(&self) -> &str {
        "exec"
    }
    fn create(&self) -> Box<dyn Filter> {
        Box::new(ExecFilter {
            command: self.command.clone(),
            options: self.options.clone(),
            stdin: None,
            task: None,
            state: State::Idle,
        })
    }
}

#[derive(PartialEq, Eq)]
enum State {
    Idle,
    Running,
    Done,
}

pub struct ExecFilter {
    command: ExecResolver,
    options: Rc<ExecOptions>,
    stdin: Option<Rc<SocketWriter>>,
    /// Owns the child (`kill_on_drop`): aborting it kills the process.
    task: Option<JoinHandle<()>>,
    state: State,
}

impl Drop for ExecFilter {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

impl ExecFilter {
    fn start(&mut self, cx: &FilterCx, first: &Event) {
        let spec = match (self.command)(cx, first) {
            Ok(s) => s,
            Err(()) => return self.fail(cx),
        };
        let Some((program, args)) = spec.argv.split_first() else {
            tracing::error!("[exec] the command is empty");
            return self.fail(cx);
        };
        let mut cmd = Command::new(program);
        cmd.args(args)
            .envs(spec.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!("[exec] cannot run '{}': {e}", spec.argv.join(" "));
                return self.fail(cx);
            }
        };
        tracing::debug!("[exec] started {:?} (pid {:?})", spec.argv, child.id());
        let stdin = SocketWriter::new(self.options.buffer_limit, Ending::Close);
        let run = ChildRun {
            stdin: stdin.clone(),
            out: cx.emitter(),
            home: cx.home(),
            merge_stderr: self.options.stderr,
            stderr_limit: self.options.stderr_limit,
        };
        let guard = Activity::new();
        self.task = Some(tokio::task::spawn_local(async move {
            let _guard = guard;
            run.run(child).await;
        }));
        self.stdin = Some(stdin);
        self.state = State::Running;
    }

    fn fail(&mut self, cx: &FilterCx) {
        self.state = State::Done;
        cx.output(Event::end(Some(ErrorCode::RuntimeError)));
    }

    /// The child has exited and its pipes are drained.
    fn exited(&mut self, cx: &FilterCx, code: i32, stderr: Data) {
        if self.state != State::Running {
            return;
        }
        self.state = State::Done;
        self.stdin = None;
        let mut end = Some(Event::end(None));
        if let Some(f) = &self.options.on_exit {
            match f(cx, code, stderr) {
                Ok(events) => {
                    for e in events {
                        if e.is_stream_end() {
                            end = None;
                            cx.output(e);
                            break;
                        }
                        cx.output(e);
                    }
                }
                Err(()) => end = Some(Event::end(Some(ErrorCode::RuntimeError))),
            }
        }
        if let Some(e) = end {
            cx.output(e);
        }
    }
}

impl Filter for ExecFilter {
    fn process(&mut self, cx: &FilterCx, evt: Event) {
        if self.state == State::Idle {
            self.start(cx, &evt);
        }
        let Some(stdin) = &self.stdin else { return };
        match evt {
            Event::Data(d) if !d.is_empty() => stdin.push(d),
            Event::StreamEnd(_) => stdin.end(Ending::Close, None),
            _ => {}
        }
    }
}

/// The async side of one child: feeds stdin, reads stdout and stderr, waits for the exit.
struct ChildRun {
    stdin: Rc<SocketWriter>,
    out: Emitter,
    home: (Weak<Pipeline>, usize),
    merge_stderr: bool,
    stderr_limit: usize,
}

impl ChildRun {
    async fn run(self, mut child: Child) {
        let ChildRun {
            stdin: writer,
            out,
            home,
            merge_stderr,
            stderr_limit,
        } = self;
        let stdin = child.stdin.take();
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let tap = Tap::new();
        let write_side = async move {
            if let Some(w) = stdin {
                // A child that stops reading early makes this fail: nothing to report.
                let _ = writer.run(w, None).await;
            }
        };
        let read_out = async {
            if let Some(r) = stdout {
                pump(r, &tap, &out).await;
            }
        };
        let read_err = async {
            let Some(r) = stderr else { return Data::new() };
            if merge_stderr {
                pump(r, &tap, &out).await;
                Data::new()
            } else {
                keep(r, stderr_limit).await
            }
        };
        let readers = async { tokio::join!(read_out, read_err).1 };
        tokio::pin!(write_side);
        tokio::pin!(readers);
        let mut written = false;
        let kept = loop {
            tokio::select! {
                kept = &mut readers => break kept,
                _ = &mut write_side, if !written => written = true,
            }
        };
        let code = match child.wait().await {
            Ok(status) => status.code().unwrap_or(-1),
            Err(e) => {
                tracing::error!("[exec] waiting for the child failed: {e}");
                -1
            }
        };
        tracing::debug!("[exec] child exited with {code}");
        let (pipeline, index) = home;
        weir_engine::sched::defer(move || {
            if let Some(p) = pipeline.upgrade() {
                p.with_filter(index, |f, cx| {
                    let any: &mut dyn std::any::Any = f;
                    if let Some(f) = any.downcast_mut::<ExecFilter>() {
                        f.exited(cx, code, kept);
                    }
                });
            }
        });
    }
}

/// Copies a pipe to the pipeline's output until EOF (or an error, which ends it too).
async fn pump(mut r: impl AsyncRead + Unpin, tap: &Rc<Tap>, out: &Emitter) {
    let mut buf = BytesMut::with_capacity(16 * 1024);
    loop {
        tap.wait_open().await;
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(16 * 1024);
        }
        match r.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let data = Data::from(buf.split().freeze());
                tap.enter(|| out.emit(Event::Data(data)));
            }
        }
    }
}

/// Reads a pipe to EOF, keeping the first `limit` bytes.
async fn keep(mut r: impl AsyncRead + Unpin, limit: usize) -> Data {
    let mut kept = Data::new();
    let mut buf = BytesMut::with_capacity(4096);
    loop {
        match r.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return kept,
            Ok(_) => {
                let chunk = buf.split().freeze();
                let room = limit.saturating_sub(kept.len());
                if room > 0 {
                    kept.push_bytes(chunk.slice(..chunk.len().min(room)));
                }
                buf.reserve(4096);
            }
        }
    }
}
