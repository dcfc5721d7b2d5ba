//! Log lines in Pipy's shape: `2026-11-26 05:37:28.123 [INF] message`, to stderr.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

struct PipyFormat;

impl<S, N> FormatEvent<S, N> for PipyFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut w: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let now = chrono::Local::now();
        let level = match *event.metadata().level() {
            Level::ERROR => "ERR",
            Level::WARN => "WRN",
            Level::INFO => "INF",
            Level::DEBUG => "DBG",
            Level::TRACE => "TRC",
        };
        write!(w, "{} [{level}] ", now.format("%Y-%m-%d %H:%M:%S%.3f"))?;
        ctx.field_format().format_fields(w.by_ref(), event)?;
        writeln!(w)
    }
}

/// Sets up logging; `level` is Pipy's `--log-level` value (`debug[:topics]`, `info`, ...).
pub fn init(level: &str) -> Result<(), String> {
    let base = level.split(':').next().unwrap_or("info");
    let max = match base {
        "debug" => Level::DEBUG,
        "info" => Level::INFO,
        "warn" => Level::WARN,
        "error" => Level::ERROR,
        other => {
            return Err(format!(
                "invalid --log-level '{other}' (debug, info, warn or error)"
            ))
        }
    };
    tracing_subscriber::fmt()
        .with_max_level(max)
        .with_writer(std::io::stderr)
        .event_format(PipyFormat)
        .try_init()
        .map_err(|e| e.to_string())
}
