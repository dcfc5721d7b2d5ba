//! `weir`: runs a PipyJS program. Options follow Pipy's (`--threads`, `--reuse-port`,
//! `--log-level`, `--no-graph`, `-e`, `--args`), plus `-t/--check`.

mod alloc;
mod log;

use std::collections::HashSet;
use std::path::PathBuf;
use std::process::ExitCode;
use std::rc::Rc;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc;

use clap::Parser;
use weir_net::SocketKey;
use weir_script::{Entry, Worker, WorkerConfig};

#[derive(Parser, Debug)]
#[command(
    name = "weir",
    version,
    disable_version_flag = true,
    about = "A programmable network proxy that runs Pipy (PipyJS) programs",
    after_help = "Arguments after --args (or --) are passed to the script as pipy.argv."
)]
struct Cli {
    /// Print the version.
    #[arg(short = 'v', long = "version", action = clap::ArgAction::Version)]
    version: Option<bool>,
    /// The script file to run (its directory is the codebase root), or script text with -e.
    target: Option<String>,
    /// Treat TARGET as script text.
    #[arg(short = 'e', long = "eval")]
    eval: bool,
    /// Treat TARGET as a file path; a missing file is an error.
    #[arg(short = 'f', long = "file")]
    file: bool,
    /// Worker threads, each running its own copy of the program: a number or "max".
    #[arg(long, default_value = "1")]
    threads: String,
    /// Set SO_REUSEPORT on listeners (always on with more than one thread).
    #[arg(long)]
    reuse_port: bool,
    /// debug[:topics], info, warn or error.
    #[arg(long, default_value = "info")]
    log_level: String,
    /// Do not print the pipeline graph at startup.
    #[arg(long)]
    no_graph: bool,
    /// Load the program on one thread, bind nothing, print OK or the error, and exit.
    #[arg(short = 't', long = "check")]
    check: bool,
}

fn split_args() -> (Vec<String>, Vec<String>) {
    let all: Vec<String> = std::env::args().collect();
    match all.iter().position(|a| a == "--args" || a == "--") {
        Some(i) => (all[..i].to_vec(), all[i + 1..].to_vec()),
        None => (all, Vec::new()),
    }
}

fn entry(cli: &Cli) -> Result<Entry, String> {
    let Some(target) = &cli.target else {
        return Err(
            "no script given (usage: weir [options] <script.js> | -e '<script>')".to_string(),
        );
    };
    if cli.eval {
        return Ok(Entry::Source(target.clone()));
    }
    let path = PathBuf::from(target);
    if path.is_file() {
        return Ok(Entry::File(path));
    }
    if cli.file || target.ends_with(".js") {
        return Err(format!("{target}: no such file"));
    }
    // Like Pipy: an argument that is not a file is script text.
    Ok(Entry::Source(target.clone()))
}

/// mimalloc instead of the system allocator: the per-request allocations (heads, header
/// lists, contexts) cost about a third of glibc's here (see bench/README.md).
#[global_allocator]
static ALLOCATOR: alloc::MiMalloc = alloc::MiMalloc;

static EXIT_CODE: AtomicI32 = AtomicI32::new(0);

fn main() -> ExitCode {
    let (args, script_args) = split_args();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    if let Err(e) = log::init(&cli.log_level) {
        eprintln!("weir: {e}");
        return ExitCode::from(2);
    }
    let entry = match entry(&cli) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("weir: {e}");
            return ExitCode::FAILURE;
        }
    };
    let threads = match cli.threads.as_str() {
        "max" => std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        n => match n.parse::<usize>() {
            Ok(n) if n >= 1 => n,
            _ => {
                eprintln!("weir: invalid --threads '{n}' (a number of at least 1, or max)");
                return ExitCode::from(2);
            }
        },
    };
    let mut argv = vec![args.first().cloned().unwrap_or_else(|| "weir".to_string())];
    argv.extend(script_args);
    let config = WorkerConfig {
        entry,
        argv,
        thread_id: 0,
        concurrency: threads,
        reuse_port: cli.reuse_port || threads > 1,
    };
    if cli.check {
        return check(&config);
    }
    run(config, threads, cli.no_graph)
}

fn check(config: &WorkerConfig) -> ExitCode {
    match Worker::load(config) {
        Ok(w) => {
            println!("OK");
            std::mem::forget(w);
            std::process::exit(0);
        }
        Err(e) => {
            eprintln!("{}", e.message);
            std::process::exit(1);
        }
    }
}

/// Messages to the main thread, from the worker threads and the signal handler.
enum Msg {
    /// A worker thread of load `gen` has loaded the program (`graph`: thread 0's picture).
    Loaded { gen: u64, graph: String },
    /// A worker thread could not load the program or open its ports.
    Failed { gen: u64, error: String },
    /// A worker thread has opened (or taken over) its ports; it accepts once told to run.
    Opened { gen: u64, sockets: Vec<SocketKey> },
    /// A worker thread has ended (sent once by every thread, even one that panicked).
    Finished,
    /// SIGHUP or `pipy.restart()`: load the program again and switch to it.
    Reload,
    /// SIGINT, SIGTERM or `pipy.exit()`.
    Shutdown,
}

/// What the main thread tells the worker threads of one load.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Command {
    /// Loading: wait until every thread has loaded.
    Wait,
    /// Every thread has loaded: open the ports, but do not accept yet.
    Open,
    /// Every thread has opened its ports: accept, start the tasks, run.
    Run,
    /// Run the `pipy.exit()` hooks, stop listening, let the client connections finish.
    Shutdown,
    /// A newer load took over, or this one failed: stop listening and the tasks, let the
    /// client connections finish on this load's pipelines. Before `Run`: end at once.
    Retire,
}

/// One load of the program: a worker thread per `--threads`, each with its own JS runtime.
///
/// Hot reload (SIGHUP, `pipy.restart()`) starts a new load on new threads. Every thread
/// loads, then every thread opens its ports (taking over the ones the running load has,
/// see `weir_net::listen_socket`), and only then does the new load start accepting and the
/// old one stop: ports the new load no longer declares close, and the old load's threads
/// finish their client connections and end. If the new load fails anywhere before that, it
/// is dropped, having accepted nothing, and the old one runs on unchanged.
struct Load {
    gen: u64,
    command: tokio::sync::watch::Sender<Command>,
    loaded: usize,
    opened: usize,
    sockets: HashSet<SocketKey>,
}

struct Supervisor {
    config: WorkerConfig,
    threads: usize,
    no_graph: bool,
    tx: mpsc::Sender<Msg>,
    next_gen: u64,
    /// Worker threads not yet ended, of every load.
    live: usize,
    /// The load serving now (none until the first one runs).
    current: Option<Load>,
    /// A load on its way in.
    pending: Option<Load>,
    /// A reload was asked for while one was in progress.
    reload_again: bool,
    shutting_down: bool,
}

fn run(config: WorkerConfig, threads: usize, no_graph: bool) -> ExitCode {
    let (tx, rx) = mpsc::channel::<Msg>();
    let mut sup = Supervisor {
        config,
        threads,
        no_graph,
        tx: tx.clone(),
        next_gen: 0,
        live: 0,
        current: None,
        pending: None,
        reload_again: false,
        shutting_down: false,
    };
    if let Err(e) = sup.spawn_load() {
        eprintln!("weir: {e}");
        return ExitCode::FAILURE;
    }
    spawn_signal_handler(tx);
    while sup.live > 0 {
        match rx.recv() {
            Ok(msg) => sup.handle(msg),
            Err(_) => break,
        }
    }
    let code = EXIT_CODE.load(Ordering::SeqCst);
    weir_script::flush_logs();
    std::process::exit(code);
}

impl Supervisor {
    /// Starts the worker threads of a new load; it becomes `pending`.
    fn spawn_load(&mut self) -> Result<(), String> {
        let gen = self.next_gen;
        self.next_gen += 1;
        let (command, watch) = tokio::sync::watch::channel(Command::Wait);
        // Pending from the start, so that the threads already spawned are told to end if
        // spawning another fails.
        self.pending = Some(Load {
            gen,
            command,
            loaded: 0,
            opened: 0,
            sockets: HashSet::new(),
        });
        for id in 0..self.threads {
            let mut cfg = self.config.clone();
            cfg.thread_id = id;
            let (tx, watch) = (self.tx.clone(), watch.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("weir-worker-{id}"))
                .spawn(move || {
                    let run = std::panic::AssertUnwindSafe(|| worker_thread(gen, cfg, &tx, watch));
                    if std::panic::catch_unwind(run).is_err() {
                        let error = format!("worker thread {id} stopped on an internal error");
                        let _ = tx.send(Msg::Failed { gen, error });
                    }
                    let _ = tx.send(Msg::Finished);
                });
            match spawned {
                Ok(_) => self.live += 1,
                Err(e) => {
                    if let Some(p) = self.pending.take() {
                        let _ = p.command.send(Command::Retire);
                    }
                    return Err(format!("cannot start a worker thread: {e}"));
                }
            }
        }
        Ok(())
    }

    fn pending_is(&mut self, gen: u64) -> Option<&mut Load> {
        self.pending.as_mut().filter(|p| p.gen == gen)
    }

    /// Closes the listening sockets that no running load declares. Also called when a
    /// dropped load's thread reports late: it may have opened a port since the last call.
    fn release_sockets(&self) {
        match (&self.current, self.shutting_down) {
            (Some(c), false) => weir_net::retain_sockets(&c.sockets),
            _ => weir_net::retain_sockets(&HashSet::new()),
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Loaded { gen, graph } => {
                let (threads, no_graph, stopping) =
                    (self.threads, self.no_graph, self.shutting_down);
                let Some(p) = self.pending_is(gen) else {
                    return;
                };
                if !no_graph {
                    for line in graph.lines() {
                        tracing::info!("{line}");
                    }
                }
                p.loaded += 1;
                if p.loaded == threads && !stopping {
                    let _ = p.command.send(Command::Open);
                }
            }
            Msg::Failed { gen, error } => {
                if self.pending_is(gen).is_none() {
                    if self.current.as_ref().is_some_and(|c| c.gen == gen) {
                        tracing::error!("{error}");
                    }
                    self.release_sockets();
                    return;
                }
                if self.current.is_none() {
                    if self.shutting_down {
                        tracing::error!("{error}");
                    } else {
                        // The first load: nothing to fall back to.
                        eprintln!("{error}");
                        weir_script::flush_logs();
                        std::process::exit(1);
                    }
                } else {
                    tracing::error!("[reload] {error}");
                    tracing::error!("[reload] reload failed: the running program is kept");
                }
                if let Some(p) = self.pending.take() {
                    let _ = p.command.send(Command::Retire);
                }
                self.release_sockets();
                self.reload_if_asked();
            }
            Msg::Opened { gen, sockets } => {
                let threads = self.threads;
                let Some(p) = self.pending_is(gen) else {
                    self.release_sockets();
                    return;
                };
                p.opened += 1;
                p.sockets.extend(sockets);
                if p.opened < threads {
                    return;
                }
                let Some(p) = self.pending.take() else { return };
                let _ = p.command.send(Command::Run);
                if let Some(old) = self.current.replace(p) {
                    let _ = old.command.send(Command::Retire);
                    tracing::info!("[reload] reloaded: new connections run the new program");
                }
                self.release_sockets();
                self.reload_if_asked();
            }
            Msg::Finished => self.live = self.live.saturating_sub(1),
            Msg::Reload => {
                if self.shutting_down {
                    tracing::info!("[reload] not reloading: shutting down");
                    return;
                }
                if self.pending.is_some() {
                    tracing::info!("[reload] a load is in progress; reloading again after it");
                    self.reload_again = true;
                    return;
                }
                tracing::info!("[reload] loading the program again");
                if let Err(e) = self.spawn_load() {
                    tracing::error!("[reload] {e}");
                }
            }
            Msg::Shutdown => {
                if self.shutting_down {
                    return;
                }
                self.shutting_down = true;
                if let Some(c) = &self.current {
                    let _ = c.command.send(Command::Shutdown);
                }
                if let Some(p) = self.pending.take() {
                    // A load that has not run yet ends without running (no exit hooks).
                    let _ = p.command.send(Command::Retire);
                }
                // Ports close now: clients get refused instead of waiting in a backlog
                // nobody accepts from any more.
                self.release_sockets();
            }
        }
    }

    fn reload_if_asked(&mut self) {
        if std::mem::take(&mut self.reload_again) {
            self.handle(Msg::Reload);
        }
    }
}

/// One worker thread of load `gen`: load the program, open its ports and run it when the
/// main thread says so, until nothing is left to do or the main thread says stop.
fn worker_thread(
    gen: u64,
    cfg: WorkerConfig,
    tx: &mpsc::Sender<Msg>,
    mut command: tokio::sync::watch::Receiver<Command>,
) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            let error = format!("cannot start a runtime: {e}");
            let _ = tx.send(Msg::Failed { gen, error });
            return;
        }
    };
    let local = tokio::task::LocalSet::new();
    let loaded = local.block_on(&rt, async move {
        let id = cfg.thread_id;
        let mut worker = match Worker::load(&cfg) {
            Ok(w) => w,
            Err(e) => {
                let error = e.message.clone();
                let _ = tx.send(Msg::Failed { gen, error });
                return Err(e);
            }
        };
        let t = tx.clone();
        weir_script::on_exit_request(Rc::new(move |code| {
            EXIT_CODE.store(code, Ordering::SeqCst);
            let _ = t.send(Msg::Shutdown);
        }));
        let t = tx.clone();
        weir_script::on_reload_request(Rc::new(move || {
            let _ = t.send(Msg::Reload);
        }));
        let graph = if id == 0 {
            worker.graph()
        } else {
            String::new()
        };
        let _ = tx.send(Msg::Loaded { gen, graph });
        if next(&mut command, Command::Wait).await == Command::Open {
            match worker.open(cfg.reuse_port) {
                Ok(()) => {
                    let sockets = worker.sockets().to_vec();
                    let _ = tx.send(Msg::Opened { gen, sockets });
                    if next(&mut command, Command::Open).await == Command::Run {
                        serve(&mut worker, &cfg, &mut command).await;
                    }
                }
                Err(error) => {
                    let _ = tx.send(Msg::Failed { gen, error });
                }
            }
        }
        worker.stop_listening();
        if let Some(code) = worker.exit_code() {
            EXIT_CODE.store(code, Ordering::SeqCst);
        }
        Ok(worker)
    });
    // Nothing of this load runs any more: free its JS engine (after a reload, the process
    // goes on without it).
    drop(local);
    drop(rt);
    match loaded {
        Ok(worker) => {
            let held = worker.unload();
            tracing::debug!(
                "[thread] Load {gen} ended; its JS runtime is freed ({held} bytes after GC)"
            );
        }
        Err(e) => e.unload(),
    }
}

/// The main thread's next command after `now` (a closed channel reads as `Retire`).
async fn next(command: &mut tokio::sync::watch::Receiver<Command>, now: Command) -> Command {
    match command.wait_for(|c| *c != now).await {
        Ok(c) => *c,
        Err(_) => Command::Retire,
    }
}

/// Runs a worker until it is idle, or until it is told to stop and its client connections
/// have finished (its timers and tasks end with it then).
async fn serve(
    worker: &mut Worker,
    cfg: &WorkerConfig,
    command: &mut tokio::sync::watch::Receiver<Command>,
) {
    use weir_engine::activity::{idle, streams_done};
    worker.run();
    tracing::debug!("[thread] Thread {} started", cfg.thread_id);
    loop {
        tokio::select! {
            _ = idle() => return,
            c = next(command, Command::Run) => match c {
                Command::Shutdown => {
                    worker.run_exit_hooks().await;
                    break;
                }
                Command::Retire => break,
                Command::Wait | Command::Open | Command::Run => {}
            }
        }
    }
    worker.stop_listening();
    streams_done().await;
}

/// SIGHUP reloads the program. SIGINT/SIGTERM: stop accepting and let streams finish; a
/// second one exits at once.
fn spawn_signal_handler(tx: mpsc::Sender<Msg>) {
    let _ = std::thread::Builder::new().name("weir-signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term), Ok(mut hup)) = (
                signal(SignalKind::interrupt()),
                signal(SignalKind::terminate()),
                signal(SignalKind::hangup()),
            ) else {
                return;
            };
            let mut count = 0;
            loop {
                tokio::select! {
                    _ = hup.recv() => {
                        let _ = tx.send(Msg::Reload);
                        continue;
                    }
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                count += 1;
                if count == 1 {
                    tracing::info!("[shutdown] stopping: no new connections; waiting for streams to finish (signal again to force)");
                    let _ = tx.send(Msg::Shutdown);
                } else {
                    tracing::warn!("[shutdown] forced");
                    std::process::exit(1);
                }
            }
        });
    });
}
