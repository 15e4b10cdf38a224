//! Diagnostics on stderr and, with --log-file, in a file as well.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::fmt::writer::MakeWriterExt;

/// Sets up logging at `level`, to stderr and to `file` when given.
pub fn init(level: &str, file: Option<&Path>) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(level).map_err(|error| {
        format!("invalid --log-level \"{level}\": {error}; use error, warn, info, debug or trace")
    })?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match file {
        None => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .init(),
        Some(path) => {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|error| format!("cannot open the log file {}: {error}", path.display()))?;
            // Escape codes for colour would end up in the file too.
            builder
                .with_ansi(false)
                .with_writer(std::io::stderr.and(Mutex::new(file)))
                .init();
        }
    }
    Ok(())
}
