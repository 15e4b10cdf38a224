//! The in-process benchmarks of `okta-runtime/benches`, run through their
//! divan executables so that contenders can alternate round by round.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::process::measure;

/// Builds the benchmark executables of okta-runtime in release mode and
/// returns them by bench target name (`lua_call`, `convert`).
pub fn build_executables(root: &Path) -> Result<BTreeMap<String, PathBuf>, String> {
    let output = Command::new(env!("CARGO"))
        .current_dir(root)
        .args([
            "bench",
            "-p",
            "okta-runtime",
            "--no-run",
            "--message-format=json",
        ])
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|error| format!("running cargo bench --no-run failed: {error}"))?;
    if !output.status.success() {
        return Err("cargo bench -p okta-runtime --no-run failed".to_string());
    }
    let mut executables = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        let is_bench = message["target"]["kind"]
            .as_array()
            .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bench"));
        if let (true, Some(name), Some(executable)) = (
            is_bench,
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) {
            executables.insert(name.to_string(), PathBuf::from(executable));
        }
    }
    Ok(executables)
}

/// Runs one benchmark of a divan executable and returns its median time per
/// iteration.
pub fn median_of(
    executable: &Path,
    benchmark: &str,
    sample_count: u32,
    work: &Path,
) -> Result<Duration, String> {
    let mut command = Command::new(executable);
    command.args([
        "--bench",
        "--color",
        "never",
        "--exact",
        benchmark,
        "--sample-count",
        &sample_count.to_string(),
    ]);
    let run = measure(&mut command, work, Duration::from_secs(600), None)?;
    let leaf = benchmark.rsplit("::").next().unwrap_or(benchmark);
    parse_median(&run.stdout, leaf).ok_or_else(|| {
        format!(
            "no median for {benchmark} in the output of {}:\n{}",
            executable.display(),
            run.stdout
        )
    })
}

/// Finds the row of `name` in divan's table and returns its median column.
///
/// A row reads `├─ name  1.2 µs │ 9.8 µs │ 1.5 µs │ 1.6 µs │ 100 │ 100`:
/// fastest, slowest, median, mean, samples, iterations.
fn parse_median(output: &str, name: &str) -> Option<Duration> {
    for line in output.lines() {
        let mut columns = line.split('│');
        let first = columns.next()?;
        let label = first.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '_');
        if label.split_whitespace().next() != Some(name) {
            continue;
        }
        let median = columns.nth(1)?;
        return parse_duration(median.trim());
    }
    None
}

/// Parses divan's `1.234 µs` form.
fn parse_duration(text: &str) -> Option<Duration> {
    let (number, unit) = text.split_once(' ')?;
    let value: f64 = number.parse().ok()?;
    let nanos_per_unit = match unit.trim() {
        "ps" => 0.001,
        "ns" => 1.0,
        "µs" | "us" => 1_000.0,
        "ms" => 1_000_000.0,
        "s" => 1_000_000_000.0,
        _ => return None,
    };
    Some(Duration::from_nanos((value * nanos_per_unit).round() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "Timer precision: 20 ns
lua_call  fastest       │ slowest       │ median        │ mean          │ samples │ iters
├─ lua_function  283.2 µs      │ 959.5 µs      │ 299.9 µs      │ 324 µs        │ 100     │ 100
╰─ rust   256.8 µs      │ 963.5 µs      │ 276.1 µs      │ 317 µs        │ 20      │ 20
";

    #[test]
    fn median_column_of_named_row() {
        assert_eq!(
            parse_median(OUTPUT, "rust"),
            Some(Duration::from_nanos(276_100))
        );
        assert_eq!(
            parse_median(OUTPUT, "lua_function"),
            Some(Duration::from_nanos(299_900))
        );
        assert_eq!(parse_median(OUTPUT, "lua"), None);
    }

    #[test]
    fn duration_units() {
        assert_eq!(parse_duration("1.5 ms"), Some(Duration::from_micros(1500)));
        assert_eq!(parse_duration("12 ns"), Some(Duration::from_nanos(12)));
        assert_eq!(parse_duration("2 s"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("2 fortnights"), None);
    }
}
