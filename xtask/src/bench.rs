//! `cargo xtask bench`: measures okta-lua against the Rust client, plain
//! `serde_json`, a bare Lua interpreter and the official Okta SDK for
//! Python, all against fake orgs on 127.0.0.1, and writes
//! `docs/BENCHMARKS.md`.
//!
//! Every figure is a ratio of contenders measured in the same run, taking
//! turns round by round so that a change in machine load hits both sides.

mod divan;
mod figures;
mod machine;
mod process;
mod report;
mod stats;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use machine::{LoadMonitor, Machine, command_output};

pub const USAGE: &str = "\
  bench             build release binaries, run every benchmark and write docs/BENCHMARKS.md
  bench --quick     one short round of each on small orgs, written to target/bench/BENCHMARKS.md;
                    contenders whose interpreter is missing are skipped
  bench --output FILE   write the page to FILE instead";

/// GNU time from Debian's `time` package.
const GNU_TIME: &str = "/usr/bin/time";

/// Version of the `okta` package on PyPI that the Python contender uses;
/// the same default as the SDK interop test.
const DEFAULT_SDK_VERSION: &str = "3.4.6";

/// How much to measure.
#[derive(Debug, Clone)]
pub struct Settings {
    pub quick: bool,
    /// Rounds of each in-process benchmark, and divan samples per round for
    /// the `lua_call` and `convert` benchmarks.
    pub divan_rounds: u32,
    pub lua_call_samples: u32,
    pub convert_samples: u32,
    /// Org sizes for bulk listing, each with its number of rounds.
    pub listing: Vec<(usize, u32)>,
    pub startup_rounds: u32,
    pub writes: WriteSettings,
}

/// The rate-limited write run: `users` membership additions against a
/// limit of `limit` requests per `window_secs` in every bucket.
#[derive(Debug, Clone, Copy)]
pub struct WriteSettings {
    pub users: usize,
    pub limit: u32,
    pub window_secs: u32,
    pub rounds: u32,
}

impl Settings {
    fn full() -> Settings {
        Settings {
            quick: false,
            divan_rounds: 7,
            lua_call_samples: 2000,
            convert_samples: 300,
            listing: vec![(10_000, 5), (100_000, 3)],
            startup_rounds: 200,
            writes: WriteSettings {
                users: 300,
                limit: 100,
                window_secs: 10,
                rounds: 3,
            },
        }
    }

    fn quick() -> Settings {
        Settings {
            quick: true,
            divan_rounds: 1,
            lua_call_samples: 3,
            convert_samples: 3,
            listing: vec![(1_000, 1)],
            startup_rounds: 2,
            writes: WriteSettings {
                users: 30,
                limit: 20,
                window_secs: 2,
                rounds: 1,
            },
        }
    }
}

/// Paths the figures use.
pub struct Paths {
    pub root: PathBuf,
    pub okta_lua: PathBuf,
    pub okta_mock: PathBuf,
    pub xtask: PathBuf,
    pub work: PathBuf,
}

/// Interpreters of the contenders that are not built here.
pub struct Interpreters {
    /// `lua5.4`, when installed.
    pub lua: Option<String>,
    /// The virtualenv's python with the `okta` package, when available.
    pub python: Option<PathBuf>,
    pub python_sdk: Option<String>,
    /// GNU time, which measures the listing contenders' peak memory.
    pub gnu_time: Option<PathBuf>,
}

/// Runs `cargo xtask bench ARGUMENTS`.
pub fn main(arguments: &[&str]) -> ExitCode {
    if arguments == ["list-users-client"] {
        return figures::list_users_with_client();
    }
    let mut settings = Settings::full();
    let mut output = None;
    let mut rest = arguments.iter();
    while let Some(argument) = rest.next() {
        match *argument {
            "--quick" => settings = Settings::quick(),
            "--output" => match rest.next() {
                Some(path) => output = Some(PathBuf::from(path)),
                None => return usage_error("--output needs a file name"),
            },
            other => return usage_error(&format!("unknown argument {other:?}")),
        }
    }
    match run(&settings, output, arguments) {
        Ok(path) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("xtask bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage_error(message: &str) -> ExitCode {
    eprintln!("xtask bench: {message}\nusage:\n{USAGE}");
    ExitCode::from(2)
}

fn run(
    settings: &Settings,
    output: Option<PathBuf>,
    arguments: &[&str],
) -> Result<PathBuf, String> {
    let root = crate::workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let work = process::fresh_dir(&target.join("bench"), "work")?;
    let output = output.unwrap_or_else(|| match settings.quick {
        true => target.join("bench").join("BENCHMARKS.md"),
        false => root.join("docs").join("BENCHMARKS.md"),
    });

    let machine = Machine::describe();
    eprintln!("== building release binaries");
    build_release(&root)?;
    let benches = divan::build_executables(&root)?;
    let release = target.join("release");
    let paths = Paths {
        root: root.clone(),
        okta_lua: release.join("okta-lua"),
        okta_mock: release.join("okta-mock"),
        xtask: release.join("xtask"),
        work,
    };
    let interpreters = find_interpreters(settings, &target)?;

    let mut page = report::Page::new(settings.clone(), machine, arguments);
    page.interpreters(&interpreters);

    eprintln!("== figure 1: Lua call overhead");
    let monitor = LoadMonitor::start();
    let figure = figures::lua_call(settings, &benches, &paths)?;
    page.lua_call(&figure, monitor.finish());

    eprintln!("== figure 2: conversion of a 200-user page");
    let monitor = LoadMonitor::start();
    let figure = figures::conversion(settings, &benches, &paths)?;
    page.conversion(&figure, monitor.finish());

    eprintln!("== figure 3: listing every user");
    let monitor = LoadMonitor::start();
    let figure = figures::listing(settings, &paths, &interpreters)?;
    page.listing(&figure, monitor.finish());

    eprintln!("== figure 4: start-up");
    let monitor = LoadMonitor::start();
    let figure = figures::startup(settings, &paths, &interpreters)?;
    page.startup(&figure, monitor.finish());

    eprintln!("== figure 5: rate-limited writes");
    let monitor = LoadMonitor::start();
    let figure = figures::writes(settings, &paths)?;
    page.writes(&figure, monitor.finish());

    if let Some(parent) = output.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|error| format!("creating {}: {error}", parent.display()))?;
    }
    std::fs::write(&output, page.render())
        .map_err(|error| format!("writing {}: {error}", output.display()))?;
    Ok(output)
}

fn build_release(root: &Path) -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "okta-cli",
            "-p",
            "okta-mock",
            "-p",
            "xtask",
        ])
        .status()
        .map_err(|error| format!("running cargo build failed: {error}"))?;
    if !status.success() {
        return Err("cargo build --release failed".to_string());
    }
    Ok(())
}

/// Finds `lua5.4` and prepares the Python virtualenv with the Okta SDK, in
/// the folder the SDK interop test uses. A full run needs both; a quick run
/// skips what is missing.
fn find_interpreters(settings: &Settings, target: &Path) -> Result<Interpreters, String> {
    let gnu_time = PathBuf::from(GNU_TIME);
    let gnu_time = command_output(GNU_TIME, &["-f", "%M", "true"]).map(|_| gnu_time);
    if gnu_time.is_none() && !settings.quick {
        return Err(format!(
            "GNU time is not installed at {GNU_TIME}; install the Debian package time"
        ));
    }
    let lua = command_output("lua5.4", &["-v"]).map(|_| "lua5.4".to_string());
    if lua.is_none() && !settings.quick {
        return Err("lua5.4 is not installed; install the Debian package lua5.4".to_string());
    }

    let version =
        std::env::var("OKTA_SDK_VERSION").unwrap_or_else(|_| DEFAULT_SDK_VERSION.to_string());
    let venv = target
        .join("okta-mock-python")
        .join(format!("venv-{version}"));
    let python = venv.join("bin").join("python");
    let python = match prepare_venv(&venv, &python, &version) {
        Ok(()) => Some(python),
        Err(message) if settings.quick => {
            eprintln!("xtask bench: skipping the Python SDK: {message}");
            None
        }
        Err(message) => return Err(message),
    };
    let python_sdk = python.as_ref().and_then(|python| {
        command_output(
            &python.to_string_lossy(),
            &["-c", "import okta; print(okta.__version__)"],
        )
    });
    Ok(Interpreters {
        lua,
        python,
        python_sdk,
        gnu_time,
    })
}

fn prepare_venv(venv: &Path, python: &Path, version: &str) -> Result<(), String> {
    let has_sdk = |python: &Path| {
        Command::new(python)
            .args(["-c", "import okta"])
            .output()
            .is_ok_and(|output| output.status.success())
    };
    if has_sdk(python) {
        return Ok(());
    }
    let base = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    eprintln!("installing okta=={version} into {}", venv.display());
    let created = Command::new(&base)
        .args(["-m", "venv"])
        .arg(venv)
        .status()
        .is_ok_and(|status| status.success());
    if !created {
        return Err(format!("`{base} -m venv {}` failed", venv.display()));
    }
    let installed = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg(format!("okta=={version}"))
        .status()
        .is_ok_and(|status| status.success());
    if !installed || !has_sdk(python) {
        return Err(format!(
            "installing okta=={version} into {} failed",
            venv.display()
        ));
    }
    Ok(())
}

/// Formats a duration in the unit that suits it.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else if seconds >= 0.001 {
        format!("{:.2} ms", seconds * 1e3)
    } else {
        format!("{:.1} µs", seconds * 1e6)
    }
}
