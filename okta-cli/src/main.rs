//! `okta-lua`: runs a Lua workflow against an Okta org and reports the result.
//!
//! Exit status: 0 on success, 1 when the script or an Okta call failed, 2 on
//! a usage or configuration error.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use okta_runtime::lua::sandbox::format_bytes;
use okta_runtime::{AccountConfig, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString};
use serde::Serialize;

/// Run a Lua workflow against an Okta org.
///
/// The script sees `app.integrations.okta.*` (one function per tool), `docs`,
/// `json`, `regex`, `print` and `dump`. Write tools are rejected unless
/// --force is given.
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

    /// Allow write tools (create, update, deactivate, group changes).
    #[arg(long)]
    force: bool,

    /// Start the built-in fake Okta org with demo data and use it as the default account.
    #[arg(long)]
    demo: bool,

    /// Bytes of memory the script may allocate.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().memory)]
    memory_limit: usize,

    /// Seconds of CPU time the script may use, not counting waits for Okta.
    #[arg(long, value_name = "SECONDS", default_value_t = Limits::default().cpu.as_secs_f64())]
    cpu_limit: f64,

    /// Log level for diagnostics on stderr: error, warn, info, debug or trace.
    #[arg(
        long,
        value_name = "LEVEL",
        env = "OKTA_LUA_LOG",
        default_value = "warn"
    )]
    log_level: String,
}

#[derive(Debug, Serialize)]
struct Meta {
    account: String,
    org_url: String,
    demo: bool,
    writes_forced: bool,
}

#[derive(Debug, Serialize)]
struct Envelope<'a> {
    #[serde(flatten)]
    outcome: &'a RunOutcome,
    meta: Meta,
}

fn usage_error(message: &str, json: bool) -> ExitCode {
    if json {
        let envelope = serde_json::json!({
            "success": false,
            "result": [],
            "output": [],
            "error": { "message": message, "kind": "usage" },
            "execution_time_ms": 0,
            "integration_calls": [],
        });
        println!("{envelope}");
    } else {
        eprintln!("okta-lua: {message}");
    }
    ExitCode::from(2)
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

fn init_logging(level: &str) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(level).map_err(|error| {
        format!("invalid --log-level \"{level}\": {error}; use error, warn, info, debug or trace")
    })?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    Ok(())
}

fn main() -> ExitCode {
    let args = Args::parse();
    if let Err(message) = init_logging(&args.log_level) {
        return usage_error(&message, args.json);
    }
    let (code, chunk_name) = match read_code(&args) {
        Ok(code) => code,
        Err(message) => return usage_error(&message, args.json),
    };
    if !(args.cpu_limit.is_finite() && args.cpu_limit > 0.0) {
        return usage_error(
            &format!(
                "invalid --cpu-limit {}: give a positive number of seconds",
                args.cpu_limit
            ),
            args.json,
        );
    }

    // The fake org must outlive the host that talks to it.
    let mut demo_server = None;
    let account = if args.demo {
        match okta_mock::MockServer::start_blocking(okta_mock::MockOptions::default()) {
            Ok(server) => {
                let account = AccountConfig::with_api_token(
                    "default",
                    &server.url(),
                    SecretString::new(server.token()),
                );
                demo_server = Some(server);
                account
            }
            Err(error) => {
                return usage_error(&format!("cannot start the demo org: {error}"), args.json);
            }
        }
    } else {
        match AccountConfig::from_env() {
            Ok(account) => account,
            Err(error) => return usage_error(&error.to_string(), args.json),
        }
    };
    let org_url = account.org_url.clone();

    let limits = Limits {
        memory: args.memory_limit,
        cpu: std::time::Duration::from_secs_f64(args.cpu_limit),
        ..Limits::default()
    };
    let policy = Policy {
        force: args.force,
        ..Policy::default()
    };
    let options = HostOptions {
        accounts: vec![account],
        default_account: "default".to_string(),
        policy,
        limits,
    };
    let host = match LuaHost::new(options) {
        Ok(host) => host,
        Err(error) => return usage_error(&error.to_string(), args.json),
    };
    tracing::debug!(memory_limit = %format_bytes(limits.memory), "running {chunk_name}");

    let outcome = host.run(&code, &chunk_name);
    let meta = Meta {
        account: "default".to_string(),
        org_url,
        demo: args.demo,
        writes_forced: args.force,
    };
    report(&outcome, meta, args.json);
    drop(host);
    if let Some(server) = demo_server {
        server.shutdown();
    }
    if outcome.success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn report(outcome: &RunOutcome, meta: Meta, json: bool) {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if json {
        let envelope = Envelope { outcome, meta };
        let text = serde_json::to_string(&envelope).unwrap_or_else(|error| format!("{{\"success\":false,\"error\":{{\"message\":\"cannot encode the result: {error}\"}}}}"));
        let _ = writeln!(out, "{text}");
        return;
    }
    for line in &outcome.output {
        let _ = writeln!(out, "{line}");
    }
    for value in &outcome.result {
        let text = serde_json::to_string_pretty(value).unwrap_or_default();
        let _ = writeln!(out, "{text}");
    }
    if let Some(error) = &outcome.error {
        eprintln!("error: {}", error.message);
    }
}
