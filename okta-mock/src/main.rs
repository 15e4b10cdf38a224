//! `okta-mock`: serves a fake Okta org on 127.0.0.1 until killed. The first
//! line on stdout is the base URL.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use okta_mock::config::ConfigFile;
use okta_mock::{Collection, MockOptions, MockServer, RateLimits, Seed};

#[derive(Debug, Parser)]
#[command(
    name = "okta-mock",
    version,
    about = "Serve a fake Okta org on 127.0.0.1"
)]
struct Arguments {
    /// Port on 127.0.0.1; 0 picks a free one.
    #[arg(long)]
    port: Option<u16>,
    /// API token accepted after `SSWS` (default: mock-token).
    #[arg(long)]
    token: Option<String>,
    /// Seed file (YAML or JSON) to load instead of the demo org.
    #[arg(long, value_name = "FILE")]
    seed: Option<PathBuf>,
    /// Start with no users, groups or apps.
    #[arg(long, conflicts_with_all = ["seed", "users"])]
    empty: bool,
    /// Generate this many users instead of loading the demo org.
    #[arg(long, value_name = "N")]
    users: Option<usize>,
    /// Number of generated groups, with --users.
    #[arg(long, value_name = "N", default_value_t = 10, requires = "users")]
    groups: usize,
    /// Number of generated apps, with --users.
    #[arg(long, value_name = "N", default_value_t = 10, requires = "users")]
    apps: usize,
    /// Config file (YAML or JSON) with faults, rate limits and page sizes;
    /// flags override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Requests allowed per minute in each rate-limit bucket.
    #[arg(long, value_name = "N")]
    rate_limit: Option<u32>,
    /// Delay added before every response, in milliseconds.
    #[arg(long, value_name = "MS")]
    latency_ms: Option<u64>,
    /// Largest page of a collection, as COLLECTION=N, where COLLECTION is
    /// users, groups, apps or groupMembers; repeatable.
    #[arg(long, value_name = "COLLECTION=N", value_parser = parse_page_size)]
    page_size: Vec<(Collection, usize)>,
}

fn parse_page_size(text: &str) -> Result<(Collection, usize), String> {
    let (name, size) = text
        .split_once('=')
        .ok_or_else(|| format!("expected COLLECTION=N, got '{text}'"))?;
    let collection = match name {
        "users" => Collection::Users,
        "groups" => Collection::Groups,
        "apps" => Collection::Apps,
        "groupMembers" => Collection::GroupMembers,
        _ => {
            return Err(format!(
                "unknown collection '{name}': use users, groups, apps or groupMembers"
            ));
        }
    };
    let size = size
        .parse::<usize>()
        .ok()
        .filter(|size| *size > 0)
        .ok_or_else(|| format!("page size must be a positive integer, got '{size}'"))?;
    Ok((collection, size))
}

fn options_from(arguments: Arguments) -> Result<MockOptions, String> {
    let mut options = MockOptions::default();
    if let Some(path) = &arguments.config {
        let folder = path.parent().map(PathBuf::from).unwrap_or_default();
        ConfigFile::read(path)?.apply(&mut options, &folder);
    }
    if let Some(port) = arguments.port {
        options.port = port;
    }
    if let Some(token) = arguments.token {
        options.token = token;
    }
    if let Some(seed) = arguments.seed {
        options.seed = Seed::File(seed);
    }
    if arguments.empty {
        options.seed = Seed::Empty;
    }
    if let Some(users) = arguments.users {
        options.seed = Seed::Generated {
            users,
            groups: arguments.groups,
            apps: arguments.apps,
        };
    }
    if let Some(limit) = arguments.rate_limit {
        options.rate_limits = Some(RateLimits {
            limit,
            ..RateLimits::default()
        });
    }
    if let Some(millis) = arguments.latency_ms {
        options.latency = Some(Duration::from_millis(millis));
    }
    options.page_sizes.extend(arguments.page_size);
    Ok(options)
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let arguments = Arguments::parse();
    let options = match options_from(arguments) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("okta-mock: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("okta-mock: starting the async runtime failed: {error}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let server = match MockServer::start(options).await {
            Ok(server) => server,
            Err(error) => {
                eprintln!("okta-mock: starting the server failed: {error}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout();
        if writeln!(stdout, "{}", server.url())
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
        let _ = tokio::signal::ctrl_c().await;
        server.shutdown();
        ExitCode::SUCCESS
    })
}
