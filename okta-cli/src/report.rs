//! Output of the runner: the JSON envelope, or plain output and errors.

use std::io::Write;

use okta_runtime::RunOutcome;
use serde::Serialize;

use crate::Args;
use crate::setup::Setup;

/// The run's settings, reported as `meta` in the JSON envelope.
#[derive(Debug, Serialize)]
pub struct Meta {
    /// The account behind the flat namespace.
    account: String,
    /// Every configured account.
    accounts: Vec<String>,
    org_url: String,
    /// The config file the accounts come from; null for the environment
    /// and --demo.
    config_file: Option<String>,
    demo: bool,
    /// True when --force allowed every call.
    writes_forced: bool,
    /// True when write tools only described their requests.
    dry_run: bool,
}

impl Meta {
    pub fn new(setup: &Setup, args: &Args) -> Meta {
        let accounts = &setup.accounts;
        let org_url = accounts
            .accounts
            .iter()
            .find(|account| account.name == accounts.default_account)
            .map(|account| account.org_url.clone())
            .unwrap_or_default();
        Meta {
            account: accounts.default_account.clone(),
            accounts: accounts.names().into_iter().map(str::to_string).collect(),
            org_url,
            config_file: accounts
                .config_file
                .as_ref()
                .map(|path| path.display().to_string()),
            demo: setup.is_demo(),
            writes_forced: args.force,
            dry_run: args.dry_run,
        }
    }
}

#[derive(Debug, Serialize)]
struct Envelope<'a> {
    #[serde(flatten)]
    outcome: &'a RunOutcome,
    meta: Meta,
}

/// Reports a usage or configuration error and returns exit status 2.
pub fn usage_error(message: &str, json: bool) -> std::process::ExitCode {
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
    std::process::ExitCode::from(2)
}

/// Prints the outcome of a run.
pub fn report(outcome: &RunOutcome, meta: Meta, json: bool) {
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
