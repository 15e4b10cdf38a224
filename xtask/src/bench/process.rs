//! Child processes: wall time and peak resident memory of one run, and the
//! `okta-mock` server the contenders talk to.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Cost and output of one run of a process.
#[derive(Debug, Clone)]
pub struct Run {
    pub wall: Duration,
    /// Peak resident set size in KiB, when measured through GNU time.
    pub max_rss_kib: Option<u64>,
    /// Page faults served without disk reads (`ru_minflt`).
    pub minor_faults: u64,
    pub stdout: String,
}

/// Runs `command` to completion with stdout and stderr sent to files in
/// `work`, and measures it with `wait4`. With `gnu_time`, the command runs
/// under `time -f %M` to measure its peak memory. A run that takes longer
/// than `timeout` is killed and reported as an error, as is a non-zero exit.
///
/// The peak memory `wait4` reports for a direct child is useless here:
/// Linux carries the memory high-water mark of the process that spawns a
/// child across its `exec`, so every child would report at least the size
/// of this process. GNU time is a small spawner, so its child's figure is
/// close to the child's own.
pub fn measure(
    command: &mut Command,
    work: &Path,
    timeout: Duration,
    gnu_time: Option<&Path>,
) -> Result<Run, String> {
    let rss_path = work.join("max-rss-kib.txt");
    let mut wrapped = gnu_time.map(|time| wrap_in_time(command, time, &rss_path));
    let command = wrapped.as_mut().unwrap_or(command);
    let stdout_path = work.join("stdout.txt");
    let stderr_path = work.join("stderr.txt");
    let stdout = File::create(&stdout_path)
        .map_err(|error| format!("creating {}: {error}", stdout_path.display()))?;
    let stderr = File::create(&stderr_path)
        .map_err(|error| format!("creating {}: {error}", stderr_path.display()))?;
    let program = format!("{command:?}");

    let started = Instant::now();
    let child = command
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|error| format!("starting {program} failed: {error}"))?;
    let pid = libc::pid_t::try_from(child.id())
        .map_err(|_| format!("process id {} out of range", child.id()))?;
    let watchdog = Watchdog::start(pid, timeout);
    let (status, usage) = wait4(pid)?;
    let wall = started.elapsed();
    let killed = watchdog.finish();

    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    if killed {
        return Err(format!(
            "{program} did not finish within {} s and was killed",
            timeout.as_secs()
        ));
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
        return Err(format!(
            "{program} failed with wait status {status}\nstdout: {}\nstderr: {}",
            tail(&stdout),
            tail(&stderr)
        ));
    }
    // `child` was reaped by wait4; dropping it neither waits nor kills.
    drop(child);
    let max_rss_kib = match gnu_time {
        Some(_) => Some(read_max_rss(&rss_path)?),
        None => None,
    };
    Ok(Run {
        wall,
        max_rss_kib,
        minor_faults: u64::try_from(usage.ru_minflt).unwrap_or(0),
        stdout,
    })
}

/// Returns `command` run by GNU time, which writes the peak resident set
/// size in KiB to `output`.
fn wrap_in_time(command: &Command, time: &Path, output: &Path) -> Command {
    let mut wrapped = Command::new(time);
    wrapped
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(output)
        .arg(command.get_program())
        .args(command.get_args());
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => wrapped.env(name, value),
            None => wrapped.env_remove(name),
        };
    }
    if let Some(folder) = command.get_current_dir() {
        wrapped.current_dir(folder);
    }
    wrapped
}

/// Reads the number GNU time wrote last to `path`.
fn read_max_rss(path: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("reading {}: {error}", path.display()))?;
    text.lines()
        .rev()
        .find_map(|line| line.trim().parse().ok())
        .ok_or_else(|| format!("{} contains no peak memory: {text:?}", path.display()))
}

/// Returns the last 2,000 bytes of `text`, for error messages.
fn tail(text: &str) -> &str {
    let mut start = text.len().saturating_sub(2000);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Waits for the child `pid` and returns its wait status and resource usage.
fn wait4(pid: libc::pid_t) -> Result<(libc::c_int, libc::rusage), String> {
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct for which all-zero bytes are valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers refer to live locals of the right types.
        let result = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if result == pid {
            return Ok((status, usage));
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("waiting for process {pid} failed: {error}"));
        }
    }
}

/// Kills a child that outlives its time limit.
struct Watchdog {
    done: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<bool>,
}

impl Watchdog {
    fn start(pid: libc::pid_t, timeout: Duration) -> Watchdog {
        let (done, finished) = mpsc::channel::<()>();
        let thread = std::thread::spawn(move || match finished.recv_timeout(timeout) {
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // SAFETY: kill has no memory effects. The child can only have
                // been reaped if it exited in the instant before `done` was
                // sent, and a pid is not reused that fast in practice.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                true
            }
            _ => false,
        });
        Watchdog { done, thread }
    }

    /// Stops the watchdog and returns whether it killed the child.
    fn finish(self) -> bool {
        let _ = self.done.send(());
        self.thread.join().unwrap_or(false)
    }
}

/// A fake org served by the `okta-mock` binary on 127.0.0.1, stopped when
/// dropped.
pub struct MockOrg {
    child: Child,
    pub url: String,
    pub token: String,
}

/// Time allowed for `okta-mock` to generate its org and print its URL.
const MOCK_START_TIMEOUT: Duration = Duration::from_secs(120);

impl MockOrg {
    /// Starts `binary --port 0 --token TOKEN` with `arguments` and waits for
    /// the base URL on its first stdout line.
    pub fn start(binary: &Path, arguments: &[String], work: &Path) -> Result<MockOrg, String> {
        let token = "bench-token".to_string();
        let stderr_path = work.join("okta-mock.stderr.txt");
        let stderr = File::create(&stderr_path)
            .map_err(|error| format!("creating {}: {error}", stderr_path.display()))?;
        let mut child = Command::new(binary)
            .args(["--port", "0", "--token", &token])
            .args(arguments)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|error| format!("starting {} failed: {error}", binary.display()))?;

        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, receiver) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let result = BufReader::new(stdout).read_line(&mut line).map(|_| line);
            let _ = sender.send(result);
        });
        let line = receiver.recv_timeout(MOCK_START_TIMEOUT);
        let url = match line {
            Ok(Ok(line)) if line.starts_with("http://127.0.0.1:") => line.trim().to_string(),
            other => {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(format!(
                    "okta-mock {arguments:?} printed no URL within {} s ({other:?}); stderr: {}",
                    MOCK_START_TIMEOUT.as_secs(),
                    tail(&stderr)
                ));
            }
        };
        Ok(MockOrg { child, url, token })
    }

    /// Sets the org and token variables that okta-lua, the Rust client and
    /// the Python SDK read.
    pub fn configure(&self, command: &mut Command) {
        command
            .env("OKTA_ORG_URL", &self.url)
            .env("OKTA_API_TOKEN", &self.token)
            .env("OKTA_CLIENT_ORGURL", &self.url)
            .env("OKTA_CLIENT_TOKEN", &self.token);
    }
}

impl Drop for MockOrg {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns a fresh, empty folder under `parent`.
pub fn fresh_dir(parent: &Path, name: &str) -> Result<PathBuf, String> {
    let path = parent.join(name);
    if path.exists() {
        std::fs::remove_dir_all(&path)
            .map_err(|error| format!("removing {}: {error}", path.display()))?;
    }
    std::fs::create_dir_all(&path)
        .map_err(|error| format!("creating {}: {error}", path.display()))?;
    Ok(path)
}
