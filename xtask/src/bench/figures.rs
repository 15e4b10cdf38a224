//! The five figures: what runs, in which order, and what is kept of it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use serde_json::{Value, json};

use super::process::{MockOrg, Run, fresh_dir, measure};
use super::stats::Samples;
use super::{Interpreters, Paths, Settings, WriteSettings, divan};

/// Maximum run time of one measured process.
const RUN_TIMEOUT: Duration = Duration::from_secs(600);

/// Medians per round of the benchmarks of one divan target, in seconds per
/// iteration.
pub struct InProcess {
    pub target: &'static str,
    /// Divan samples per benchmark and round.
    pub samples_per_round: u32,
    pub rows: Vec<(&'static str, Samples)>,
}

impl InProcess {
    /// Returns the per-round ratios of benchmark `name` to `baseline`.
    pub fn round_ratios(&self, name: &str, baseline: &str) -> Samples {
        match (self.row(name), self.row(baseline)) {
            (Some(samples), Some(base)) => samples.ratios_to(base),
            _ => Samples::default(),
        }
    }

    pub fn row(&self, name: &str) -> Option<&Samples> {
        self.rows
            .iter()
            .find(|(row, _)| *row == name)
            .map(|(_, samples)| samples)
    }
}

/// Benchmarks of `okta-runtime/benches/lua_call.rs`, the baseline first.
pub const LUA_CALL_BENCHES: &[&str] = &[
    "rust",
    "lua_function",
    "lua_run",
    "result_to_lua",
    "result_to_lua_fast",
];

/// Benchmarks of `okta-runtime/benches/convert.rs`, the baseline first.
pub const CONVERT_BENCHES: &[&str] = &[
    "parse_value",
    "lua_via_value",
    "lua_via_value_fast",
    "lua_from_parsed_value",
    "lua_from_parsed_value_fast",
    "lua_decode_json",
];

pub fn lua_call(
    settings: &Settings,
    benches: &BTreeMap<String, PathBuf>,
    paths: &Paths,
) -> Result<InProcess, String> {
    in_process(
        settings.lua_call_samples,
        settings,
        benches,
        "lua_call",
        LUA_CALL_BENCHES,
        &paths.work,
    )
}

pub fn conversion(
    settings: &Settings,
    benches: &BTreeMap<String, PathBuf>,
    paths: &Paths,
) -> Result<InProcess, String> {
    in_process(
        settings.convert_samples,
        settings,
        benches,
        "convert",
        CONVERT_BENCHES,
        &paths.work,
    )
}

/// Runs each benchmark of `target` once per round, in turn.
fn in_process(
    samples_per_round: u32,
    settings: &Settings,
    benches: &BTreeMap<String, PathBuf>,
    target: &'static str,
    names: &[&'static str],
    work: &Path,
) -> Result<InProcess, String> {
    let executable = benches
        .get(target)
        .ok_or_else(|| format!("cargo built no bench executable named {target}"))?;
    let mut rows: Vec<(&'static str, Samples)> = names
        .iter()
        .map(|name| (*name, Samples::default()))
        .collect();
    for round in 0..settings.divan_rounds {
        eprintln!("   round {} of {}", round + 1, settings.divan_rounds);
        for (name, samples) in &mut rows {
            let median = divan::median_of(
                executable,
                &format!("{target}::{name}"),
                samples_per_round,
                work,
            )?;
            samples.push(median.as_secs_f64());
        }
    }
    Ok(InProcess {
        target,
        samples_per_round,
        rows,
    })
}

/// Repeated runs of one process.
pub struct Contender {
    pub name: &'static str,
    /// The command as a reader would type it, from the workspace root.
    pub command: String,
    /// Wall time per run, in seconds.
    pub wall: Samples,
    /// Peak resident memory per run in KiB, when measured.
    pub rss_kib: Samples,
    /// Minor page faults per run, when counted.
    pub faults: Samples,
}

/// A contender before it runs: how to start it and how to read the number
/// of users it listed.
struct Program {
    name: &'static str,
    command: Command,
    display_command: String,
    count: fn(&Run) -> Option<u64>,
}

pub struct ListingSize {
    pub users: usize,
    pub mock_command: String,
    pub contenders: Vec<Contender>,
}

pub struct Listing {
    pub sizes: Vec<ListingSize>,
}

/// Shown in commands in place of the port `okta-mock --port 0` picked.
const URL_SHOWN: &str = "OKTA_ORG_URL=http://127.0.0.1:PORT OKTA_API_TOKEN=bench-token";

pub fn listing(
    settings: &Settings,
    paths: &Paths,
    interpreters: &Interpreters,
) -> Result<Listing, String> {
    let mut sizes = Vec::new();
    for &(users, rounds) in &settings.listing {
        eprintln!("   org of {users} users, {rounds} rounds");
        let arguments = vec!["--users".to_string(), users.to_string()];
        let mock = MockOrg::start(&paths.okta_mock, &arguments, &paths.work)?;
        let mut programs = listing_programs(paths, interpreters, &mock);
        let mut contenders: Vec<Contender> = programs
            .iter()
            .map(|program| Contender {
                name: program.name,
                command: program.display_command.clone(),
                wall: Samples::default(),
                rss_kib: Samples::default(),
                faults: Samples::default(),
            })
            .collect();

        for round in 0..rounds as usize {
            // Each round starts with the next contender, so none always runs
            // right after the fake org was busy with the same one.
            for offset in 0..programs.len() {
                let index = (round + offset) % programs.len();
                let program = &mut programs[index];
                let run = measure(
                    &mut program.command,
                    &paths.work,
                    RUN_TIMEOUT,
                    interpreters.gnu_time.as_deref(),
                )?;
                let listed = (program.count)(&run);
                if listed != Some(users as u64) {
                    return Err(format!(
                        "{} listed {listed:?} users of {users}; output: {}",
                        program.name, run.stdout
                    ));
                }
                contenders[index].wall.push(run.wall.as_secs_f64());
                if let Some(kib) = run.max_rss_kib {
                    contenders[index].rss_kib.push(kib as f64);
                }
            }
        }
        sizes.push(ListingSize {
            users,
            mock_command: format!(
                "target/release/okta-mock --port 0 --token bench-token --users {users}"
            ),
            contenders,
        });
    }
    Ok(Listing { sizes })
}

fn listing_programs(paths: &Paths, interpreters: &Interpreters, mock: &MockOrg) -> Vec<Program> {
    let mut programs = Vec::new();

    let mut okta_lua = Command::new(&paths.okta_lua);
    okta_lua
        .current_dir(&paths.root)
        .args(["--json", "bench/list_users.lua"]);
    mock.configure(&mut okta_lua);
    programs.push(Program {
        name: "okta-lua",
        command: okta_lua,
        display_command: format!("{URL_SHOWN} target/release/okta-lua --json bench/list_users.lua"),
        count: |run| {
            let output: Value = serde_json::from_str(&run.stdout).ok()?;
            output["result"][0]["users"].as_u64()
        },
    });

    let mut client = Command::new(&paths.xtask);
    client
        .current_dir(&paths.root)
        .args(["bench", "list-users-client"]);
    mock.configure(&mut client);
    programs.push(Program {
        name: "Rust client",
        command: client,
        display_command: format!("{URL_SHOWN} target/release/xtask bench list-users-client"),
        count: count_from_stdout,
    });

    if let Some(python) = &interpreters.python {
        let mut sdk = Command::new(python);
        sdk.current_dir(&paths.root).arg("bench/list_users.py");
        mock.configure(&mut sdk);
        programs.push(Program {
            name: "Python SDK",
            command: sdk,
            display_command: format!(
                "OKTA_CLIENT_ORGURL=http://127.0.0.1:PORT OKTA_CLIENT_TOKEN=bench-token {} bench/list_users.py",
                shown_path(&paths.root, python)
            ),
            count: count_from_stdout,
        });
    }
    programs
}

fn count_from_stdout(run: &Run) -> Option<u64> {
    run.stdout.trim().parse().ok()
}

/// Returns `path` relative to the workspace root when it is inside it.
fn shown_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Lists every user of the org in `OKTA_ORG_URL` with `Client::pages`, 200
/// per page, and prints the count: the Rust contender of the listing figure.
pub fn list_users_with_client() -> ExitCode {
    use okta_runtime::requests::ListUsersRequest;
    use okta_runtime::types::User;
    use okta_runtime::{AccountConfig, Client};

    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("starting the async runtime failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    let counted = runtime.block_on(async {
        let account = AccountConfig::from_env()?;
        let client = Client::new(&account)?;
        let request = ListUsersRequest {
            limit: Some(200),
            ..Default::default()
        };
        let mut pages = client.pages::<_, User>(&request)?;
        let mut count = 0usize;
        while let Some(page) = pages.next_page().await {
            count += page?.len();
        }
        Ok::<usize, okta_runtime::Error>(count)
    });
    match counted {
        Ok(count) => {
            println!("{count}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("listing users failed: {error}");
            ExitCode::FAILURE
        }
    }
}

pub struct Startup {
    pub contenders: Vec<Contender>,
    /// Size of the okta-lua binary.
    pub okta_lua_bytes: u64,
}

pub fn startup(
    settings: &Settings,
    paths: &Paths,
    interpreters: &Interpreters,
) -> Result<Startup, String> {
    let mock = MockOrg::start(
        &paths.okta_mock,
        &["--users".to_string(), "10".to_string()],
        &paths.work,
    )?;
    let mut okta_lua = Command::new(&paths.okta_lua);
    okta_lua.args(["--eval", "return 1"]);
    mock.configure(&mut okta_lua);
    let mut commands = vec![(
        "okta-lua",
        okta_lua,
        format!("{URL_SHOWN} target/release/okta-lua --eval 'return 1'"),
    )];
    if let Some(lua) = &interpreters.lua {
        let mut bare = Command::new(lua);
        bare.args(["-e", "return 1"]);
        commands.push(("lua5.4", bare, format!("{lua} -e 'return 1'")));
    }

    // One untimed run each loads the binaries into the page cache.
    for (_, command, _) in &mut commands {
        measure(command, &paths.work, RUN_TIMEOUT, None)?;
    }
    let mut contenders: Vec<Contender> = commands
        .iter()
        .map(|(name, _, display_command)| Contender {
            name,
            command: display_command.clone(),
            wall: Samples::default(),
            rss_kib: Samples::default(),
            faults: Samples::default(),
        })
        .collect();
    for round in 0..settings.startup_rounds as usize {
        for offset in 0..commands.len() {
            let index = (round + offset) % commands.len();
            let run = measure(&mut commands[index].1, &paths.work, RUN_TIMEOUT, None)?;
            contenders[index].wall.push(run.wall.as_secs_f64());
            contenders[index].faults.push(run.minor_faults as f64);
        }
    }
    let okta_lua_bytes = std::fs::metadata(&paths.okta_lua)
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    Ok(Startup {
        contenders,
        okta_lua_bytes,
    })
}

/// One run of the rate-limited write script.
#[derive(Debug, Clone, Default)]
pub struct WriteRound {
    /// `add_user_to_group` calls the script made.
    pub calls: u64,
    pub added: u64,
    /// Calls that raised a 429 error into the script.
    pub rate_limited_in_script: u64,
    /// Calls that raised any other error, and the first such message.
    pub failed: u64,
    pub first_error: Option<String>,
    /// HTTP requests the calls sent, by method.
    pub gets: u64,
    pub puts: u64,
    /// Requests the client sent again, after a 429 or a failed connection.
    pub retries: u64,
    /// Time from the first membership request to the end of the last, and
    /// the part of it spent waiting for rate limits.
    pub span: Duration,
    pub waited: Duration,
}

pub struct Writes {
    pub settings: WriteSettings,
    pub command: String,
    pub mock_command: String,
    pub rounds: Vec<WriteRound>,
}

/// Name of the group the write script adds every user to.
const WRITE_GROUP: &str = "Benchmark";

pub fn writes(settings: &Settings, paths: &Paths) -> Result<Writes, String> {
    let write = settings.writes;
    let mut rounds = Vec::new();
    for round in 0..write.rounds {
        eprintln!("   round {} of {}", round + 1, write.rounds);
        // A new org per round: every user starts outside the group and the
        // rate-limit windows start empty.
        let folder = fresh_dir(&paths.work, "writes")?;
        let config = write_org_files(&folder, write)?;
        let arguments = vec!["--config".to_string(), config.display().to_string()];
        let mock = MockOrg::start(&paths.okta_mock, &arguments, &folder)?;
        let mut command = Command::new(&paths.okta_lua);
        command.current_dir(&paths.root).args([
            "--force",
            "--json",
            "bench/add_users_to_group.lua",
        ]);
        mock.configure(&mut command);
        let run = measure(&mut command, &folder, RUN_TIMEOUT, None)?;
        rounds.push(read_write_round(&run.stdout)?);
    }
    Ok(Writes {
        settings: write,
        command: format!(
            "{URL_SHOWN} target/release/okta-lua --force --json bench/add_users_to_group.lua"
        ),
        mock_command: "target/release/okta-mock --port 0 --token bench-token --config writes.json"
            .to_string(),
        rounds,
    })
}

/// Writes the seed (the users and an empty group) and the config with the
/// rate limit, and returns the config's path.
fn write_org_files(folder: &Path, write: WriteSettings) -> Result<PathBuf, String> {
    let users: Vec<Value> = (1..=write.users)
        .map(|index| {
            let login = format!("writer.{index}@example.com");
            json!({
                "status": "ACTIVE",
                "profile": { "firstName": "Writer", "lastName": format!("{index}"), "email": login, "login": login }
            })
        })
        .collect();
    let seed = json!({
        "users": users,
        "groups": [{ "profile": { "name": WRITE_GROUP, "description": "Target of the rate-limited write benchmark" } }],
    });
    // `limit` without `perRoute` applies to every bucket, so the membership
    // PUTs and the GETs of the user's groups are limited alike.
    let config = json!({
        "seed": "seed.json",
        "rateLimits": { "limit": write.limit, "window": write.window_secs },
    });
    for (name, value) in [("seed.json", &seed), ("writes.json", &config)] {
        let path = folder.join(name);
        let text = serde_json::to_string_pretty(value).map_err(|error| error.to_string())?;
        std::fs::write(&path, text)
            .map_err(|error| format!("writing {}: {error}", path.display()))?;
    }
    Ok(folder.join("writes.json"))
}

/// Reads the script's result and the call records from `okta-lua --json`.
fn read_write_round(stdout: &str) -> Result<WriteRound, String> {
    let output: Value = serde_json::from_str(stdout)
        .map_err(|error| format!("okta-lua printed no JSON ({error}): {stdout}"))?;
    let result = &output["result"][0];
    let count = |key: &str| result[key].as_u64().unwrap_or(0);
    let mut round = WriteRound {
        calls: count("calls"),
        added: count("added"),
        rate_limited_in_script: count("rate_limited"),
        failed: count("failed"),
        first_error: result["first_error"].as_str().map(str::to_string),
        ..WriteRound::default()
    };
    if round.calls == 0 {
        return Err(format!("the write script made no calls: {stdout}"));
    }

    let mut span_ms = 0.0;
    let mut waited_ms = 0u64;
    let records = output["integration_calls"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for record in records
        .iter()
        .filter(|record| record["tool"] == "add_user_to_group")
    {
        match record["method"].as_str() {
            Some("GET") => round.gets += 1,
            Some("PUT") => round.puts += 1,
            _ => {}
        }
        round.retries += record["retries"].as_u64().unwrap_or(0);
        span_ms += record["duration_ms"].as_f64().unwrap_or(0.0);
        waited_ms += record["wait_ms"].as_u64().unwrap_or(0);
    }
    round.span = Duration::from_secs_f64(span_ms / 1000.0);
    round.waited = Duration::from_millis(waited_ms);
    Ok(round)
}
