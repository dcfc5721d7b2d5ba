//! `weir`: runs a PipyJS program. Options follow Pipy's (`--threads`, `--reuse-port`,
//! `--log-level`, `--no-graph`, `-e`, `--args`), plus `-t/--check`.

mod log;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};

use clap::Parser;
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
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}

/// What a worker thread reports back to the main thread.
enum Status {
    Loaded(usize, String),
    Failed(String),
    Finished,
}

fn run(config: WorkerConfig, threads: usize, no_graph: bool) -> ExitCode {
    let (status_tx, status_rx) = mpsc::channel::<Status>();
    let (go_tx, stop) = tokio::sync::watch::channel(0u8);
    let go_tx = Arc::new(go_tx);
    let running = Arc::new(AtomicUsize::new(threads));
    let mut handles = Vec::new();
    for id in 0..threads {
        let mut cfg = config.clone();
        cfg.thread_id = id;
        let tx = status_tx.clone();
        let mut stop = stop.clone();
        let go = go_tx.clone();
        let handle = std::thread::Builder::new()
            .name(format!("weir-worker-{id}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Status::Failed(format!("cannot start a runtime: {e}")));
                        return;
                    }
                };
                let local = tokio::task::LocalSet::new();
                local.block_on(&rt, async move {
                    let mut worker = match Worker::load(&cfg) {
                        Ok(w) => w,
                        Err(e) => {
                            let _ = tx.send(Status::Failed(e));
                            return;
                        }
                    };
                    let go2 = go.clone();
                    weir_script::on_exit_request(std::rc::Rc::new(move |code| {
                        EXIT_CODE.store(code, Ordering::SeqCst);
                        let _ = go2.send(2);
                    }));
                    let _ = tx.send(Status::Loaded(id, worker.graph()));
                    // Wait for every thread to load before opening any port.
                    loop {
                        if *stop.borrow() != 0 {
                            break;
                        }
                        if stop.changed().await.is_err() {
                            return;
                        }
                    }
                    if *stop.borrow() == 1 {
                        if let Err(e) = worker.start(cfg.reuse_port) {
                            let _ = tx.send(Status::Failed(e));
                            return;
                        }
                        tracing::debug!("[thread] Thread {id} started");
                        loop {
                            tokio::select! {
                                _ = weir_engine::activity::idle() => break,
                                r = stop.changed() => {
                                    if r.is_err() || *stop.borrow() >= 2 {
                                        worker.run_exit_hooks().await;
                                        worker.stop_listening();
                                        weir_engine::activity::idle().await;
                                        break;
                                    }
                                }
                            }
                        }
                    }
                    if let Some(code) = worker.exit_code() {
                        EXIT_CODE.store(code, Ordering::SeqCst);
                    }
                    let _ = tx.send(Status::Finished);
                    // The JS runtime stays allocated until the process exits (see Worker).
                    std::mem::forget(worker);
                });
            });
        match handle {
            Ok(h) => handles.push(h),
            Err(e) => {
                eprintln!("weir: cannot start a worker thread: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    drop(status_tx);
    let mut loaded = 0;
    while loaded < threads {
        match status_rx.recv() {
            Ok(Status::Loaded(id, graph)) => {
                loaded += 1;
                if id == 0 && !no_graph && !graph.is_empty() {
                    for line in graph.lines() {
                        tracing::info!("{line}");
                    }
                }
            }
            Ok(Status::Failed(e)) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
            Ok(Status::Finished) | Err(_) => break,
        }
    }
    let _ = go_tx.send(1);
    spawn_signal_handler(go_tx.clone());
    let mut finished = 0;
    while finished < threads {
        match status_rx.recv() {
            Ok(Status::Failed(e)) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
            Ok(Status::Finished) => finished += 1,
            Ok(Status::Loaded(..)) => {}
            Err(_) => break,
        }
        running.fetch_sub(1, Ordering::SeqCst);
    }
    let code = EXIT_CODE.load(Ordering::SeqCst);
    weir_script::flush_logs();
    // Worker threads keep their JS heaps to the end; leave without tearing them down.
    std::process::exit(code);
}

/// SIGINT/SIGTERM: stop accepting and let streams finish; a second signal exits at once.
fn spawn_signal_handler(go: Arc<tokio::sync::watch::Sender<u8>>) {
    let _ = std::thread::Builder::new().name("weir-signals".into()).spawn(move || {
        let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
        rt.block_on(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
                return;
            };
            let mut count = 0;
            loop {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                count += 1;
                if count == 1 {
                    tracing::info!("[shutdown] stopping: no new connections; waiting for streams to finish (signal again to force)");
                    let _ = go.send(2);
                } else {
                    tracing::warn!("[shutdown] forced");
                    std::process::exit(1);
                }
            }
        });
    });
}
