//! `okta-lua`: runs a Lua workflow against an Okta org and reports the result.
//!
//! Exit status: 0 on success, 1 when the script or an Okta call failed, 2 on
//! a usage or configuration error.

mod logging;
mod report;
mod setup;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use okta_runtime::lua::sandbox::format_bytes;
use okta_runtime::{Limits, LuaHost};

use report::{Meta, report, usage_error};

/// Run a Lua workflow against an Okta org.
///
/// The script can use `app.integrations.okta.*` (one function per tool, and
/// `app.integrations.okta.NAME.*` per configured account), `docs`, `json`,
/// `regex`, `print` and `dump`. Write tools need approval, which a headless
/// run cannot give: allow them with --force, in the config file, or
/// describe them without sending anything with --dry-run.
#[derive(Debug, Parser)]
#[command(name = "okta-lua", version, about, long_about = None)]
struct Args {
    /// Lua file to run; `-` or nothing (without --eval) reads the code from stdin.
    file: Option<PathBuf>,

    /// Lua code to run instead of a file.
    #[arg(long, short = 'e', value_name = "CODE", conflicts_with = "file")]
    eval: Option<String>,

    /// Print one JSON object with the result, output, error and calls.
    #[arg(long)]
    json: bool,

    /// Allow every tool call: write tools, and calls whose account
    /// permission is `ask` or `deny`.
    #[arg(long)]
    force: bool,

    /// Send no write request: each write tool returns a description of the
    /// exact request it would send. Read tools still run.
    #[arg(long)]
    dry_run: bool,

    /// Account behind the flat namespace `app.integrations.okta.*`.
    #[arg(long, value_name = "NAME")]
    account: Option<String>,

    /// Config file listing the accounts (default: $OKTA_LUA_CONFIG, else
    /// $XDG_CONFIG_HOME/okta-lua/config.yaml or ~/.config/okta-lua/config.yaml
    /// when it exists).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,

    /// Start the built-in fake Okta org with demo data and use it as the
    /// only account, `default`; the config file is not read.
    #[arg(long)]
    demo: bool,

    /// Bytes of memory the script may allocate; output and JSON values may
    /// not exceed it either.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().memory)]
    memory_limit: usize,

    /// Seconds the script may spend running Lua code, not counting waits for Okta.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().cpu.as_secs_f64())]
    cpu_limit: f64,

    /// Seconds the whole run may take, waits for Okta included.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().wall.as_secs_f64())]
    wall_limit: f64,

    /// Log level for diagnostics on stderr: error, warn, info, debug or trace.
    #[arg(
        long,
        value_name = "LEVEL",
        env = "OKTA_LUA_LOG",
        default_value = "warn"
    )]
    log_level: String,

    /// Also write the diagnostics to this file, appending to it.
    #[arg(long, value_name = "PATH")]
    log_file: Option<PathBuf>,
}

fn read_code(args: &Args) -> Result<(String, String), String> {
    if let Some(code) = &args.eval {
        return Ok((code.clone(), "eval".to_string()));
    }
    match &args.file {
        Some(path) if path.as_os_str() != "-" => std::fs::read_to_string(path)
            .map(|code| (code, path.display().to_string()))
            .map_err(|error| format!("cannot read {}: {error}", path.display())),
        _ => {
            if std::io::stdin().is_terminal() {
                return Err(
                    "no code given: pass a file, --eval CODE, or pipe the code on stdin"
                        .to_string(),
                );
            }
            let mut code = String::new();
            std::io::stdin()
                .read_to_string(&mut code)
                .map_err(|error| format!("cannot read stdin: {error}"))?;
            Ok((code, "stdin".to_string()))
        }
    }
}

/// Reads a limit in seconds given on the command line.
fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    if value.is_finite() && value > 0.0 {
        Duration::try_from_secs_f64(value)
            .map_err(|_| format!("invalid {flag} {value}: the number is too large"))
    } else {
        Err(format!(
            "invalid {flag} {value}: give a positive number of seconds"
        ))
    }
}

fn limits(args: &Args) -> Result<Limits, String> {
    Ok(Limits {
        memory: args.memory_limit,
        cpu: seconds("--cpu-limit", args.cpu_limit)?,
        wall: seconds("--wall-limit", args.wall_limit)?,
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(message) = logging::init(&args.log_level, args.log_file.as_deref()) {
        return usage_error(&message, args.json);
    }
    let (code, chunk_name) = match read_code(&args) {
        Ok(code) => code,
        Err(message) => return usage_error(&message, args.json),
    };
    let limits = match limits(&args) {
        Ok(limits) => limits,
        Err(message) => return usage_error(&message, args.json),
    };

    // The fake org of --demo must outlive the host that talks to it.
    let setup = match setup::Setup::new(&args) {
        Ok(setup) => setup,
        Err(message) => return usage_error(&message, args.json),
    };
    let policy = setup.accounts.policy(args.force, args.dry_run);
    let host = match LuaHost::new(setup.accounts.host_options(policy, limits)) {
        Ok(host) => host,
        Err(error) => return usage_error(&error.to_string(), args.json),
    };
    tracing::debug!(
        memory_limit = %format_bytes(limits.memory),
        account = %setup.accounts.default_account,
        dry_run = args.dry_run,
        "running {chunk_name}"
    );

    let outcome = host.run(&code, &chunk_name);
    let meta = Meta::new(&setup, &args);
    report(&outcome, meta, args.json);
    drop(host);
    setup.shutdown();
    if outcome.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
