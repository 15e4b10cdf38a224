//! The machine a run measured, and whether other work shared it.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Hardware and software the figures were measured on.
#[derive(Debug, Clone)]
pub struct Machine {
    pub cores: usize,
    pub cpu_model: String,
    pub memory: String,
    pub os: String,
    pub kernel: String,
    pub rustc: String,
}

impl Machine {
    pub fn describe() -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu_model = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name"))
            .and_then(|rest| rest.split_once(':'))
            .map(|(_, model)| model.trim().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| rest.split_whitespace().next()?.parse::<u64>().ok())
            .map(|kib| format!("{:.1} GiB", kib as f64 / 1024.0 / 1024.0))
            .unwrap_or_else(|| "unknown".to_string());
        let os = std::fs::read_to_string("/etc/os-release")
            .unwrap_or_default()
            .lines()
            .find_map(|line| line.strip_prefix("PRETTY_NAME="))
            .map(|name| name.trim_matches('"').to_string())
            .unwrap_or_else(|| "unknown".to_string());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|text| text.trim().to_string())
            .unwrap_or_else(|_| "unknown".to_string());
        Machine {
            cores: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(1),
            cpu_model,
            memory,
            os,
            kernel,
            rustc: command_output("rustc", &["--version"]).unwrap_or_else(|| "unknown".to_string()),
        }
    }
}

/// Returns the first line a command prints on stdout or stderr, or None when
/// it cannot run or fails.
pub fn command_output(program: &str, arguments: &[&str]) -> Option<String> {
    let output = Command::new(program).args(arguments).output().ok()?;
    if !output.status.success() {
        return None;
    }
    let text = if output.stdout.is_empty() {
        output.stderr
    } else {
        output.stdout
    };
    String::from_utf8_lossy(&text)
        .lines()
        .next()
        .map(str::to_string)
}

/// Load from processes outside this benchmark while a figure was measured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sharing {
    pub samples: u32,
    /// Samples in which at least one other process was running.
    pub busy_samples: u32,
    /// Other running processes, averaged over the samples.
    pub mean_running: f64,
}

impl Sharing {
    /// Returns true when other processes ran in at least a tenth of the
    /// samples.
    pub fn shared(&self) -> bool {
        self.samples > 0 && self.busy_samples * 10 >= self.samples
    }

    pub fn describe(&self) -> String {
        if self.samples == 0 {
            return "not sampled".to_string();
        }
        format!(
            "other processes running in {} of {} samples, {:.2} on average",
            self.busy_samples, self.samples, self.mean_running
        )
    }
}

/// Interval between two looks at `/proc`.
const SAMPLE_INTERVAL: Duration = Duration::from_millis(250);

/// Samples `/proc` in a background thread and counts running processes
/// that are neither this process nor its descendants.
pub struct LoadMonitor {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<Sharing>,
}

impl LoadMonitor {
    pub fn start() -> LoadMonitor {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let me = std::process::id();
            let mut sharing = Sharing::default();
            let mut total_running = 0u64;
            while !flag.load(Ordering::Relaxed) {
                let running = foreign_running(me);
                sharing.samples += 1;
                if running > 0 {
                    sharing.busy_samples += 1;
                }
                total_running += u64::from(running);
                std::thread::sleep(SAMPLE_INTERVAL);
            }
            if sharing.samples > 0 {
                sharing.mean_running = total_running as f64 / f64::from(sharing.samples);
            }
            sharing
        });
        LoadMonitor { stop, thread }
    }

    pub fn finish(self) -> Sharing {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or_default()
    }
}

/// Counts processes in state R that do not descend from `me`.
fn foreign_running(me: u32) -> u32 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut parents: HashMap<u32, u32> = HashMap::new();
    let mut running = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<u32>().ok())
        else {
            continue;
        };
        let Some((state, parent)) = read_stat(&entry.path().join("stat")) else {
            continue;
        };
        parents.insert(pid, parent);
        if state == 'R' {
            running.push(pid);
        }
    }
    let descends_from_me = |mut pid: u32| {
        for _ in 0..64 {
            if pid == me {
                return true;
            }
            match parents.get(&pid) {
                Some(&parent) if parent != 0 => pid = parent,
                _ => return false,
            }
        }
        false
    };
    running
        .into_iter()
        .filter(|pid| !descends_from_me(*pid))
        .count() as u32
}

/// Reads the state and parent pid from `/proc/PID/stat`, whose second
/// field (the command name in parentheses) may itself contain spaces.
fn read_stat(path: &Path) -> Option<(char, u32)> {
    let text = std::fs::read_to_string(path).ok()?;
    let after_name = &text[text.rfind(')')? + 1..];
    let mut fields = after_name.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let parent = fields.next()?.parse().ok()?;
    Some((state, parent))
}
