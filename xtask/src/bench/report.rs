//! The Markdown page `docs/BENCHMARKS.md`.

use std::fmt::Write as _;
use std::time::Duration;

use super::figures::{InProcess, Listing, Startup, Writes};
use super::machine::{Machine, Sharing, command_output};
use super::stats::Samples;
use super::{Interpreters, Settings, format_duration};

/// One line of the summary table.
struct Verdict {
    figure: String,
    measured: String,
    target: String,
    met: bool,
}

/// The page, filled figure by figure.
pub struct Page {
    settings: Settings,
    machine: Machine,
    command: String,
    date: String,
    tools: Vec<(String, String)>,
    verdicts: Vec<Verdict>,
    sections: Vec<String>,
    sharing: Vec<(String, Sharing)>,
}

fn seconds(value: f64) -> String {
    format_duration(Duration::from_secs_f64(value.max(0.0)))
}

fn mebibytes(kib: f64) -> String {
    format!("{:.1} MiB", kib / 1024.0)
}

/// Formats the median and the range of `samples` with `unit`.
fn median_and_range(samples: &Samples, unit: fn(f64) -> String) -> (String, String) {
    (
        unit(samples.median()),
        format!("{} – {}", unit(samples.min()), unit(samples.max())),
    )
}

/// Formats a ratio with three decimals below 10, so that a value just over
/// a target does not print as the target itself.
fn ratio_text(value: f64) -> String {
    if value < 10.0 {
        format!("{value:.3}×")
    } else {
        format!("{value:.1}×")
    }
}

/// Formats how far a value misses its target, in percent of the target.
fn miss_text(percent: f64) -> String {
    if percent < 10.0 {
        format!("misses it by {percent:.1} %")
    } else {
        format!("misses it by {percent:.0} %")
    }
}

/// Describes how far a ratio is from a maximum it should stay under.
fn against_max(value: f64, max: f64) -> (bool, String) {
    if value <= max {
        (true, "meets it".to_string())
    } else {
        (false, miss_text((value / max - 1.0) * 100.0))
    }
}

/// Describes how far a ratio is from a minimum it should reach.
fn against_min(value: f64, min: f64) -> (bool, String) {
    if value >= min {
        (true, "meets it".to_string())
    } else {
        (false, miss_text((1.0 - value / min) * 100.0))
    }
}

impl Page {
    pub fn new(settings: Settings, machine: Machine, arguments: &[&str]) -> Page {
        let mut command = "cargo xtask bench".to_string();
        for argument in arguments {
            command.push(' ');
            command.push_str(argument);
        }
        Page {
            settings,
            machine,
            command,
            date: command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
            tools: Vec::new(),
            verdicts: Vec::new(),
            sections: Vec::new(),
            sharing: Vec::new(),
        }
    }

    pub fn interpreters(&mut self, interpreters: &Interpreters) {
        let lua = interpreters
            .lua
            .as_deref()
            .and_then(|lua| command_output(lua, &["-v"]))
            .unwrap_or_else(|| "not installed: the start-up figure has no baseline".to_string());
        self.tools.push(("Lua interpreter".to_string(), lua));
        let python = match (&interpreters.python, &interpreters.python_sdk) {
            (Some(python), Some(sdk)) => {
                let version =
                    command_output(&python.to_string_lossy(), &["--version"]).unwrap_or_default();
                format!("{version}, okta {sdk} from PyPI")
            }
            _ => "not available: the listing figure has no Python contender".to_string(),
        };
        self.tools.push(("Python SDK".to_string(), python));
    }

    fn verdict(&mut self, figure: &str, measured: String, target: &str, met: bool) {
        self.verdicts.push(Verdict {
            figure: figure.to_string(),
            measured,
            target: target.to_string(),
            met,
        });
    }

    pub fn lua_call(&mut self, figure: &InProcess, sharing: Sharing) {
        let mut text = String::new();
        let _ = writeln!(text, "## 1. Lua call overhead\n");
        let _ = writeln!(
            text,
            "`get_user` through Lua against the same call through the Rust client \
             (`Client::get_user`), both against one fake org of 1,000 users on \
             127.0.0.1. A call sends three requests: the user, its groups and its app \
             links. Source: `okta-runtime/benches/lua_call.rs`.\n"
        );
        self.in_process_table(
            &mut text,
            figure,
            &[
                (
                    "rust",
                    "`client.get_user(..)` on a single-threaded tokio runtime",
                ),
                (
                    "lua_function",
                    "the Lua function `get_user` called from Rust",
                ),
                (
                    "lua_run",
                    "`LuaHost::run` of `return app.integrations.okta.get_user({ id = .. }).id`",
                ),
                (
                    "result_to_lua",
                    "`convert::json_to_lua` of the call's result, the general converter",
                ),
                (
                    "result_to_lua_fast",
                    "`fast_json::json_to_lua` of the same result, what a tool call does",
                ),
            ],
        );

        let rust = figure.row("rust").map(Samples::median).unwrap_or(f64::NAN);
        let function = figure
            .row("lua_function")
            .map(Samples::median)
            .unwrap_or(f64::NAN);
        let slow = figure
            .row("result_to_lua")
            .map(Samples::median)
            .unwrap_or(f64::NAN);
        let fast = figure
            .row("result_to_lua_fast")
            .map(Samples::median)
            .unwrap_or(f64::NAN);
        let ratio = function / rust;
        let (met, verdict) = against_max(ratio, 1.10);
        let rounds = figure.round_ratios("lua_function", "rust");
        let _ = writeln!(
            text,
            "Overhead of the Lua call: **{}** of the Rust call (rounds: {} – {}; target at most \
             1.10×): {verdict}.\n",
            ratio_text(ratio),
            ratio_text(rounds.min()),
            ratio_text(rounds.max())
        );
        let _ = writeln!(
            text,
            "A tool call turns its result into Lua tables with `fast_json::json_to_lua`, which \
             builds the whole value in one protected call and took {} here. The general \
             `convert::json_to_lua` runs every table write in its own protected call, because \
             the host's state has a memory limit, and takes {} for the same result.\n",
            seconds(fast),
            seconds(slow)
        );
        self.verdict("1. Lua call overhead", ratio_text(ratio), "≤ 1.10×", met);
        self.sections.push(text);
        self.sharing.push(("1".to_string(), sharing));
    }

    pub fn conversion(&mut self, figure: &InProcess, sharing: Sharing) {
        let mut text = String::new();
        let _ = writeln!(text, "## 2. Conversion of a 200-user page\n");
        let _ = writeln!(
            text,
            "The body of `GET /api/v1/users?limit=200` as the fake org serves it for 200 users \
             with custom profile attributes (strings, a boolean, an integer, a number and an \
             array), turned into Lua tables, against `serde_json::from_slice` of the same bytes \
             into a `serde_json::Value`. The Lua side runs in a `LuaHost`'s state with its \
             32 MiB memory limit; a full garbage collection runs, untimed, before each \
             conversion, and divan drops the parsed `Value` after timing, so freeing is left \
             out on both sides. The Lua rows that start from the bytes also free their \
             intermediate `Value`, as a tool call does. Source: `okta-runtime/benches/convert.rs`.\n"
        );
        self.in_process_table(
            &mut text,
            figure,
            &[
                ("parse_value", "`serde_json::from_slice::<Value>`"),
                (
                    "lua_via_value",
                    "parse, then `convert::json_to_lua`, the general converter",
                ),
                (
                    "lua_via_value_fast",
                    "parse, then `fast_json::json_to_lua`: what a tool call does",
                ),
                (
                    "lua_from_parsed_value",
                    "`convert::json_to_lua` of an already parsed page",
                ),
                (
                    "lua_from_parsed_value_fast",
                    "`fast_json::json_to_lua` of an already parsed page",
                ),
                (
                    "lua_decode_json",
                    "`convert::decode_json`, which `json.decode` uses: a serde visitor from the bytes straight to Lua",
                ),
            ],
        );

        let baseline = figure
            .row("parse_value")
            .map(Samples::median)
            .unwrap_or(f64::NAN);
        let today = figure
            .row("lua_via_value")
            .map(Samples::median)
            .unwrap_or(f64::NAN)
            / baseline;
        let fast = figure
            .row("lua_via_value_fast")
            .map(Samples::median)
            .unwrap_or(f64::NAN)
            / baseline;
        let (met_fast, verdict_fast) = against_max(fast, 2.0);
        let today_rounds = figure.round_ratios("lua_via_value", "parse_value");
        let fast_rounds = figure.round_ratios("lua_via_value_fast", "parse_value");
        let _ = writeln!(
            text,
            "Conversion as a tool call does it, with `fast_json::json_to_lua`: **{}** of parsing \
             (rounds: {} – {}; target at most 2×): {verdict_fast}. With the general \
             `convert::json_to_lua` it would be {} (rounds: {} – {}).\n",
            ratio_text(fast),
            ratio_text(fast_rounds.min()),
            ratio_text(fast_rounds.max()),
            ratio_text(today),
            ratio_text(today_rounds.min()),
            ratio_text(today_rounds.max())
        );
        let _ = writeln!(
            text,
            "mlua runs each table write, table creation and string creation in its own \
             `lua_pcall` when a memory limit is set, so that a failed allocation cannot jump \
             over Rust frames. A page has thousands of values, and each costs at least one such call. `fast_json` builds the \
             whole value with the Lua C API inside one protected call, which keeps the memory \
             limit in force. Parsing JSON text straight into Lua with a serde visitor \
             (`lua_decode_json`) skips the `Value` but not the cost, because each value it creates \
             still goes through mlua's protected calls.\n"
        );
        self.verdict(
            "2. Conversion of a 200-user page",
            ratio_text(fast),
            "≤ 2×",
            met_fast,
        );
        self.sections.push(text);
        self.sharing.push(("2".to_string(), sharing));
    }

    /// Writes the table of an in-process figure: the median per round and
    /// the range of those medians, with the ratio to the first row.
    fn in_process_table(&self, text: &mut String, figure: &InProcess, rows: &[(&str, &str)]) {
        let _ = writeln!(
            text,
            "Rounds: {}. In each, every benchmark below ran in turn with {} divan samples. \
             *Median* is the median of the per-round medians, *spread* the lowest and highest \
             per-round median.\n",
            self.settings.divan_rounds, figure.samples_per_round
        );
        let _ = writeln!(
            text,
            "| Benchmark | What it times | Median | Spread | Ratio to `{}` |",
            rows[0].0
        );
        let _ = writeln!(text, "|---|---|---|---|---|");
        let baseline = figure.row(rows[0].0).cloned().unwrap_or_default();
        for (name, description) in rows {
            let Some(samples) = figure.row(name) else {
                continue;
            };
            let (median, spread) = median_and_range(samples, seconds);
            let ratio = samples.median() / baseline.median();
            let _ = writeln!(
                text,
                "| `{name}` | {description} | {median} | {spread} | {} |",
                ratio_text(ratio)
            );
        }
        let _ = writeln!(
            text,
            "\nExact command of one round's benchmark: `cargo bench -p okta-runtime --bench {} -- --exact {}::{} --sample-count {}`.\n",
            figure.target, figure.target, rows[0].0, figure.samples_per_round
        );
    }

    pub fn listing(&mut self, figure: &Listing, sharing: Sharing) {
        let mut text = String::new();
        let _ = writeln!(text, "## 3. Listing every user\n");
        let _ = writeln!(
            text,
            "Every user of a generated org, 200 per page, following the `after` cursor, keeping \
             only a count. Three processes do the same listing against the same `okta-mock` \
             process. `okta-lua` runs `bench/list_users.lua`, which passes `page.next` as `after` \
             and keeps no users, so the default 32 MiB Lua memory limit holds. The Rust client \
             streams the pages with `Client::pages` into typed `User` items \
             (`xtask bench list-users-client`). `bench/list_users.py` uses the official Okta SDK \
             for Python. Each round runs all three, \
             starting with a different one each round. Wall time and peak resident memory are of \
             the whole client process, start-up included. The peak is `ru_maxrss` as GNU time \
             (`/usr/bin/time -f %M`) reports it, which also counts up to about 0.5 MiB that the \
             child inherits from the time process. Every run's count of users is checked \
             against the org's size.\n"
        );
        for size in &figure.sizes {
            let rounds = size.contenders.first().map(|c| c.wall.len()).unwrap_or(0);
            let _ = writeln!(
                text,
                "### {} users, rounds: {rounds}\n",
                thousands(size.users)
            );
            let _ = writeln!(text, "Fake org: `{}`.\n", size.mock_command);
            let _ = writeln!(
                text,
                "| Contender | Wall time, median | Spread | Peak RSS, median | Spread | Command |"
            );
            let _ = writeln!(text, "|---|---|---|---|---|---|");
            for contender in &size.contenders {
                let (wall, wall_spread) = median_and_range(&contender.wall, seconds);
                let (rss, rss_spread) = match contender.rss_kib.len() {
                    0 => ("not measured".to_string(), String::new()),
                    _ => median_and_range(&contender.rss_kib, mebibytes),
                };
                let _ = writeln!(
                    text,
                    "| {} | {wall} | {wall_spread} | {rss} | {rss_spread} | `{}` |",
                    contender.name, contender.command
                );
            }
            let _ = writeln!(text);
            let find = |name: &str| size.contenders.iter().find(|c| c.name == name);
            let Some(python) = find("Python SDK") else {
                let _ = writeln!(
                    text,
                    "The Python SDK was not available, so there is no ratio.\n"
                );
                continue;
            };
            for name in ["okta-lua", "Rust client"] {
                let Some(contender) = find(name) else {
                    continue;
                };
                let speed = python.wall.median() / contender.wall.median();
                let memory = contender.rss_kib.median() / python.rss_kib.median();
                let memory_measured = memory.is_finite();
                let (speed_met, speed_verdict) = against_min(speed, 5.0);
                let (memory_met, memory_verdict) = against_max(memory, 1.0 / 3.0);
                let speed_rounds = python.wall.ratios_to(&contender.wall);
                let memory_text = match memory_measured {
                    true => format!(
                        " Peak memory **{memory:.3}** of the SDK's (target at most 0.333): {memory_verdict}."
                    ),
                    false => String::new(),
                };
                let _ = writeln!(
                    text,
                    "- {name}: **{}** faster than the Python SDK (rounds: {} – {}; target at least 5×): \
                     {speed_verdict}.{memory_text}",
                    ratio_text(speed),
                    ratio_text(speed_rounds.min()),
                    ratio_text(speed_rounds.max()),
                );
                let label = format!("3. Listing {} users, {name}", thousands(size.users));
                self.verdict(
                    &format!("{label}: speed"),
                    ratio_text(speed),
                    "≥ 5×",
                    speed_met,
                );
                if !memory_measured {
                    continue;
                }
                self.verdict(
                    &format!("{label}: memory"),
                    format!("{memory:.3}"),
                    "≤ 0.333",
                    memory_met,
                );
            }
            let _ = writeln!(text);
        }
        self.flatness(&mut text, figure);
        self.sections.push(text);
        self.sharing.push(("3".to_string(), sharing));
    }

    /// Compares the peak memory of the smallest and the largest org.
    fn flatness(&mut self, text: &mut String, figure: &Listing) {
        let (Some(small), Some(large)) = (figure.sizes.first(), figure.sizes.last()) else {
            return;
        };
        if small.users == large.users || small.contenders.iter().all(|c| c.rss_kib.len() == 0) {
            return;
        }
        let _ = writeln!(
            text,
            "Peak memory as the org grows from {} to {} users:\n",
            thousands(small.users),
            thousands(large.users)
        );
        for contender in &small.contenders {
            let Some(grown) = large.contenders.iter().find(|c| c.name == contender.name) else {
                continue;
            };
            let before = contender.rss_kib.median();
            let after = grown.rss_kib.median();
            let change = (after / before - 1.0) * 100.0;
            let _ = writeln!(
                text,
                "- {}: {} → {} ({change:+.0} %)",
                contender.name,
                mebibytes(before),
                mebibytes(after)
            );
            if contender.name == "Rust client" {
                // Flat means growing by less than a tenth while the org grows tenfold.
                let flat = change < 10.0;
                let _ = writeln!(
                    text,
                    "  The client keeps one record per request in its call log and `Pages` keeps \
                     the path of every page it fetched, to detect pagination loops. Both grow with \
                     the number of pages, by an estimated few hundred bytes per page; a page's \
                     users are dropped once counted."
                );
                self.verdict(
                    "3. Rust streaming memory, 10× more users",
                    format!("{change:+.0} %"),
                    "flat (< +10 %)",
                    flat,
                );
            }
        }
        let _ = writeln!(text);
    }

    pub fn startup(&mut self, figure: &Startup, sharing: Sharing) {
        let mut text = String::new();
        let _ = writeln!(text, "## 4. Start-up\n");
        let _ = writeln!(
            text,
            "`okta-lua --eval 'return 1'` against the bare Lua 5.4 interpreter of Debian's \
             `lua5.4` package running `lua5.4 -e 'return 1'`. Rounds: {}, alternating, after one \
             untimed run of each. `okta-lua` reads the org URL and token of a running fake org \
             but sends no request. Wall time is from `fork` to `wait4`.\n",
            self.settings.startup_rounds
        );
        let _ = writeln!(
            text,
            "| Contender | Wall time, median | Spread | Page faults, median | Command |"
        );
        let _ = writeln!(text, "|---|---|---|---|---|");
        for contender in &figure.contenders {
            let (wall, spread) = median_and_range(&contender.wall, seconds);
            let _ = writeln!(
                text,
                "| {} | {wall} | {spread} | {:.0} | `{}` |",
                contender.name,
                contender.faults.median(),
                contender.command
            );
        }
        let _ = writeln!(text);
        let find = |name: &str| figure.contenders.iter().find(|c| c.name == name);
        match (find("okta-lua"), find("lua5.4")) {
            (Some(okta_lua), Some(lua)) => {
                let ratio = okta_lua.wall.median() / lua.wall.median();
                let rounds = okta_lua.wall.ratios_to(&lua.wall);
                let (met, verdict) = against_max(ratio, 3.0);
                let _ = writeln!(
                    text,
                    "Start-up of okta-lua: **{}** of the bare interpreter's (rounds: {} – {}; target \
                     at most 3×): {verdict}.\n",
                    ratio_text(ratio),
                    ratio_text(rounds.min()),
                    ratio_text(rounds.max())
                );
                if !met {
                    let _ = writeln!(
                        text,
                        "okta-lua is one Rust binary of {:.1} MiB with Lua, tokio, reqwest and \
                         rustls linked in, so loading it takes more page faults (see the table); it \
                         also builds the tokio runtime and the HTTP client with its TLS configuration \
                         and compiles the sandbox and namespace chunks before it runs a line of the \
                         script. `lua5.4` links the shared `liblua5.4` and starts an empty state. \
                         What would close the gap: build the HTTP client on the first tool call \
                         instead of at start-up, precompile or trim the Lua set-up chunks, and a \
                         release profile with `lto` and `codegen-units = 1` for a smaller binary.\n",
                        figure.okta_lua_bytes as f64 / 1024.0 / 1024.0
                    );
                }
                self.verdict("4. Start-up", ratio_text(ratio), "≤ 3×", met);
            }
            _ => {
                let _ = writeln!(text, "`lua5.4` was not installed, so there is no ratio.\n");
            }
        }
        self.sections.push(text);
        self.sharing.push(("4".to_string(), sharing));
    }

    pub fn writes(&mut self, figure: &Writes, sharing: Sharing) {
        let write = figure.settings;
        let per_second = f64::from(write.limit) / f64::from(write.window_secs);
        let mut text = String::new();
        let _ = writeln!(text, "## 5. Rate-limited writes\n");
        let _ = writeln!(
            text,
            "`bench/add_users_to_group.lua` adds each of {} users to one group with \
             `add_user_to_group`, catching every error with `pcall`. The fake org allows {} \
             requests per {} s window in every rate-limit bucket (`rateLimits: {{ limit: {}, window: {} }}`). \
             Each call sends two requests: `GET /api/v1/users/{{id}}/groups` (to report `changed`), \
             counted in the `/api/v1/users/{{id}}` bucket, and `PUT /api/v1/groups/{{groupId}}/users/{{userId}}`, \
             counted in the `/api/v1/groups/{{id}}` bucket. Each bucket receives one request per call, \
             so the limit allows {per_second:.1} calls per second. The listing of users and groups \
             before the calls uses other buckets and is not timed. *Time* is the sum of the calls' \
             request durations from `integration_calls`, waits included; the calls run one after \
             another. A new fake org is started for each round.\n",
            write.users, write.limit, write.window_secs, write.limit, write.window_secs
        );

        let _ = writeln!(
            text,
            "Fake org: `{}`. Script: `{}`.\n",
            figure.mock_command, figure.command
        );
        let (shares, reached) = write_rounds_table(&mut text, figure, per_second);

        let share = shares.median();
        let met_share = share >= 0.9;
        let _ = writeln!(
            text,
            "\nThroughput: **{:.0} %** of the limit, median over rounds (target at least 90 %): {}. \
             429 responses that reached the script: **{reached}** (target none): {}.\n",
            share * 100.0,
            if met_share {
                "meets it".to_string()
            } else {
                format!("misses it by {:.0} points", (0.9 - share) * 100.0)
            },
            if reached == 0 {
                "meets it"
            } else {
                "misses it"
            }
        );
        let _ = writeln!(
            text,
            "How the client keeps under the limit: after each response it stores the \
             `X-Rate-Limit-Remaining` and `X-Rate-Limit-Reset` it received. When a tenth of the \
             limit or less remains, it waits before each request for the rest of the window \
             divided by the remaining requests plus one, which spreads them over the window. When \
             none remains, it waits for the reset plus a 1 s margin, and it retries a 429 after \
             waiting for the reset. The fake org starts a window at a whole second, so the first window of \
             a run is shorter than {} s, which lets a run slightly exceed 100 %.\n",
            write.window_secs
        );

        self.verdict(
            "5. Rate-limited writes: throughput",
            format!("{:.0} %", share * 100.0),
            "≥ 90 % of the limit",
            met_share,
        );
        self.verdict(
            "5. Rate-limited writes: 429s in the script",
            reached.to_string(),
            "0",
            reached == 0,
        );
        self.sections.push(text);
        self.sharing.push(("5".to_string(), sharing));
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(text, "# Benchmarks\n");
        if self.settings.quick {
            let _ = writeln!(
                text,
                "**Smoke run (`--quick`)**: tiny orgs and one short round each. These numbers only \
                 show that the benchmarks work; `cargo xtask bench` measures the real figures.\n"
            );
        }
        let _ = writeln!(
            text,
            "okta-lua against the Rust client, plain `serde_json`, a bare Lua interpreter and the \
             official Okta SDK for Python. Everything runs against fake orgs (`okta-mock`) on \
             127.0.0.1, in release builds. Every figure is a ratio of contenders measured in the \
             same run, taking turns round by round. Tests never assert on these timings; CI runs \
             `cargo xtask bench --quick` only to check that the benchmarks build and run.\n"
        );
        let _ = writeln!(text, "Produced by `{}` on {}.\n", self.command, self.date);

        let _ = writeln!(text, "## Summary\n");
        let _ = writeln!(text, "| Figure | Measured | Target | Met |");
        let _ = writeln!(text, "|---|---|---|---|");
        for verdict in &self.verdicts {
            let _ = writeln!(
                text,
                "| {} | {} | {} | {} |",
                verdict.figure,
                verdict.measured,
                verdict.target,
                if verdict.met { "yes" } else { "**no**" }
            );
        }
        let _ = writeln!(text);

        let _ = writeln!(text, "## Machine\n");
        let machine = &self.machine;
        let _ = writeln!(text, "| | |");
        let _ = writeln!(text, "|---|---|");
        let _ = writeln!(text, "| Cores (`nproc`) | {} |", machine.cores);
        let _ = writeln!(
            text,
            "| CPU (`/proc/cpuinfo` model name) | {} |",
            machine.cpu_model
        );
        let _ = writeln!(text, "| Memory | {} |", machine.memory);
        let _ = writeln!(
            text,
            "| OS, kernel | {}, Linux {} |",
            machine.os, machine.kernel
        );
        let _ = writeln!(text, "| Rust | {} |", machine.rustc);
        for (name, value) in &self.tools {
            let _ = writeln!(text, "| {name} | {value} |");
        }
        let _ = writeln!(text);
        let shared: Vec<&str> = self
            .sharing
            .iter()
            .filter(|(_, sharing)| sharing.shared())
            .map(|(figure, _)| figure.as_str())
            .collect();
        let _ = writeln!(
            text,
            "Other work on the machine, from `/proc` every 250 ms (running processes outside \
             this benchmark's process tree):\n"
        );
        for (figure, sharing) in &self.sharing {
            let _ = writeln!(text, "- figure {figure}: {}", sharing.describe());
        }
        if shared.is_empty() {
            let _ = writeln!(text, "\nThe run had the machine to itself.\n");
        } else {
            let _ = writeln!(
                text,
                "\nThe run shared the machine with other work during {}, so absolute times \
                 there are noisier; the ratios compare contenders that took turns under the same \
                 load.\n",
                match shared.as_slice() {
                    [one] => format!("figure {one}"),
                    many => format!("figures {}", many.join(", ")),
                }
            );
        }

        for section in &self.sections {
            text.push_str(section);
        }
        text
    }
}

/// Writes one table row per round of the write figure and returns each
/// round's share of the limit and the 429s that reached the script.
fn write_rounds_table(text: &mut String, figure: &Writes, per_second: f64) -> (Samples, u64) {
    let _ = writeln!(
        text,
        "| Round | Calls | Added | GETs | PUTs | Retries by the client | 429s reaching the script | Other errors | Time | Of which waiting | Calls per second | Share of the limit |"
    );
    let _ = writeln!(text, "|---|---|---|---|---|---|---|---|---|---|---|---|");
    let mut shares = Samples::default();
    let mut reached = 0;
    for (index, round) in figure.rounds.iter().enumerate() {
        let rate = round.calls as f64 / round.span.as_secs_f64();
        let share = rate / per_second;
        shares.push(share);
        reached += round.rate_limited_in_script;
        let _ = writeln!(
            text,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {rate:.2} | {:.0} % |",
            index + 1,
            round.calls,
            round.added,
            round.gets,
            round.puts,
            round.retries,
            round.rate_limited_in_script,
            round.failed,
            format_duration(round.span),
            format_duration(round.waited),
            share * 100.0
        );
    }
    let errors: Vec<&str> = figure
        .rounds
        .iter()
        .filter_map(|round| round.first_error.as_deref())
        .collect();
    if !errors.is_empty() {
        let _ = writeln!(text, "\nFirst other error: {}", errors[0]);
    }
    (shares, reached)
}

/// Formats an integer with thousands separators: `100,000`.
fn thousands(value: usize) -> String {
    let digits = value.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(100_000), "100,000");
    }

    #[test]
    fn verdict_wording() {
        assert_eq!(against_max(1.2, 1.1).1, "misses it by 9.1 %");
        assert_eq!(against_max(1.104, 1.1).1, "misses it by 0.4 %");
        assert_eq!(against_max(3.3, 1.1).1, "misses it by 200 %");
        assert!(against_max(1.05, 1.1).0);
        assert_eq!(against_min(4.0, 5.0).1, "misses it by 20 %");
        assert!(against_min(6.0, 5.0).0);
    }
}
