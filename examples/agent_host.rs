//! A minimal agent host that gives a model two tools, `lua_read_doc` and
//! `lua_execute`, over a line-based JSON protocol: one request object per
//! line on stdin, one response object per line on stdout.
//!
//! ```sh
//! cargo run -q -p okta-e2e --example agent_host -- --demo
//! {"tool":"tools"}
//! {"tool":"lua_read_doc","page":"okta.list_users"}
//! {"tool":"lua_execute","code":"return #app.integrations.okta.list_users({ limit = 3 })"}
//! ```
//!
//! `--demo` starts the built-in fake org; without it the accounts come from
//! the config file or `OKTA_ORG_URL` and `OKTA_API_TOKEN`, as for `okta-lua`.
//! Write tools ask the host's approval callback, which approves only with
//! `--approve-writes` and reports every request on stderr.

use std::io::{BufRead, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use okta_mock::{MockOptions, MockServer};
use okta_runtime::lua::{ApprovalRequest, InstallOptions, Installed, Limits, Policy, install};
use okta_runtime::{AccountConfig, Accounts, SecretString};
use serde_json::{Value, json};

/// Returns the tool definitions the host offers the model, with JSON
/// schemas for their input.
pub fn tool_definitions() -> Value {
    json!([
        {
            "name": "lua_read_doc",
            "description": "Read the reference of the Okta Lua API. Pages: okta (the overview) and okta.TOOL, such as okta.list_users.",
            "input_schema": {
                "type": "object",
                "properties": { "page": { "type": "string" } },
                "required": ["page"]
            }
        },
        {
            "name": "lua_execute",
            "description": "Run Lua code with app.integrations.okta.*, json, regex, docs, print and dump. Returns the values of the chunk's return statement, the printed lines and any error.",
            "input_schema": {
                "type": "object",
                "properties": { "code": { "type": "string" } },
                "required": ["code"]
            }
        }
    ])
}

/// Settings of the example host, from its command line.
#[derive(Debug, Default)]
pub struct Settings {
    pub demo: bool,
    pub approve_writes: bool,
}

impl Settings {
    pub fn parse(args: &[String]) -> Result<Settings, String> {
        let mut settings = Settings::default();
        for arg in args {
            match arg.as_str() {
                "--demo" => settings.demo = true,
                "--approve-writes" => settings.approve_writes = true,
                other => {
                    return Err(format!(
                        "unknown argument {other}; use --demo and --approve-writes"
                    ));
                }
            }
        }
        Ok(settings)
    }
}

/// The host: its own Lua state with the Okta integration installed.
pub struct AgentHost {
    okta: Installed,
    // The fake org of --demo; it must outlive the state that calls it.
    _demo: Option<MockServer>,
}

impl AgentHost {
    pub fn new(settings: &Settings) -> Result<AgentHost, String> {
        let (accounts, demo) = if settings.demo {
            let server = MockServer::start_blocking(MockOptions::default())
                .map_err(|error| format!("cannot start the demo org: {error}"))?;
            let account = AccountConfig::with_api_token(
                "default",
                &server.url(),
                SecretString::new(server.token()),
            );
            (Accounts::single(account), Some(server))
        } else {
            let accounts = Accounts::load(None, None).map_err(|error| error.to_string())?;
            (accounts, None)
        };

        // Writes are `ask` by default, so every write reaches this callback.
        let approve_writes = settings.approve_writes;
        let approval = Arc::new(move |request: &ApprovalRequest| {
            eprintln!(
                "approval {}: {} on account {}",
                if approve_writes {
                    "granted"
                } else {
                    "declined"
                },
                request.request.request_line(),
                request.account
            );
            approve_writes
        });
        let policy = Policy {
            approval: Some(approval),
            ..accounts.policy(false, false)
        };

        // The host owns the state; it could add globals of its own here.
        let lua = mlua::Lua::new();
        let okta = install(
            &lua,
            InstallOptions {
                accounts: accounts.accounts,
                default_account: accounts.default_account,
                policy,
                limits: Limits {
                    memory: 16 * 1024 * 1024,
                    cpu: Duration::from_secs(10),
                    wall: Duration::from_secs(60),
                },
                ..InstallOptions::default()
            },
        )
        .map_err(|error| error.to_string())?;
        Ok(AgentHost { okta, _demo: demo })
    }

    /// Handles one request and returns the response.
    pub fn handle(&self, request: &Value) -> Value {
        let text = |key: &str| request.get(key).and_then(Value::as_str);
        match text("tool") {
            Some("tools") => json!({ "ok": true, "tools": tool_definitions() }),
            Some("lua_read_doc") => match self.okta.read_doc(text("page").unwrap_or("okta")) {
                Ok(page) => json!({ "ok": true, "text": page }),
                Err(message) => json!({ "ok": false, "error": message }),
            },
            Some("lua_execute") => match text("code") {
                Some(code) => {
                    let outcome = self.okta.run(code, "lua_execute");
                    json!({ "ok": outcome.success, "outcome": outcome })
                }
                None => {
                    json!({ "ok": false, "error": "lua_execute needs `code`, a string of Lua" })
                }
            },
            Some(other) => json!({
                "ok": false,
                "error": format!("unknown tool `{other}`; tools are lua_read_doc and lua_execute")
            }),
            None => json!({ "ok": false, "error": "each request needs `tool`, a string" }),
        }
    }

    /// Reads request lines and writes one response line each, until the
    /// input ends.
    pub fn serve(&self, input: impl BufRead, mut output: impl Write) -> std::io::Result<()> {
        for line in input.lines() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let response = match serde_json::from_str::<Value>(&line) {
                Ok(request) => self.handle(&request),
                Err(error) => {
                    json!({ "ok": false, "error": format!("invalid JSON request: {error}") })
                }
            };
            writeln!(output, "{response}")?;
            output.flush()?;
        }
        Ok(())
    }
}

/// Runs the host with command-line arguments on the given input and output.
pub fn run(args: &[String], input: impl BufRead, output: impl Write) -> Result<(), String> {
    let settings = Settings::parse(args)?;
    let host = AgentHost::new(&settings)?;
    host.serve(input, output)
        .map_err(|error| format!("cannot read or write the protocol: {error}"))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args, std::io::stdin().lock(), std::io::stdout().lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("agent_host: {message}");
            ExitCode::from(2)
        }
    }
}
