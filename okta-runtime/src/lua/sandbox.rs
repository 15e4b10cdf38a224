//! The restricted Lua 5.4 environment and its resource limits.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mlua::{HookTriggers, Lua, LuaOptions, StdLib, Table, VmState};

/// Instructions between two checks of the time limits.
const HOOK_INTERVAL: u32 = 1000;

/// Resource limits of one script run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the Lua state may allocate. Default 32 MiB.
    pub memory: usize,
    /// Time the script may spend running Lua code, not counting waits for
    /// Okta. Default 30 s.
    pub cpu: Duration,
    /// Time the whole run may take, waits for Okta included. Default 300 s.
    pub wall: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            memory: 32 * 1024 * 1024,
            cpu: Duration::from_secs(30),
            wall: Duration::from_secs(300),
        }
    }
}

/// Formats a byte count for messages, for example `32 MiB`.
pub fn format_bytes(bytes: usize) -> String {
    if bytes >= 1024 * 1024 && bytes.is_multiple_of(1024 * 1024) {
        format!("{} MiB", bytes / (1024 * 1024))
    } else if bytes >= 1024 && bytes.is_multiple_of(1024) {
        format!("{} KiB", bytes / 1024)
    } else {
        format!("{bytes} bytes")
    }
}

/// Tracks the time limits of the current run.
#[derive(Debug)]
pub struct Clock {
    limits: Mutex<Limits>,
    started: Mutex<Instant>,
    /// Time spent waiting for Okta in this run.
    waiting: Mutex<Duration>,
    exceeded: AtomicBool,
    message: Mutex<String>,
}

impl Clock {
    pub fn new(limits: Limits) -> Clock {
        Clock {
            limits: Mutex::new(limits),
            started: Mutex::new(Instant::now()),
            waiting: Mutex::new(Duration::ZERO),
            exceeded: AtomicBool::new(false),
            message: Mutex::new(String::new()),
        }
    }

    pub fn limits(&self) -> Limits {
        *self.limits.lock().expect("limits lock")
    }

    pub fn set_limits(&self, limits: Limits) {
        *self.limits.lock().expect("limits lock") = limits;
    }

    /// Starts a new run.
    pub fn start(&self) {
        *self.started.lock().expect("clock lock") = Instant::now();
        *self.waiting.lock().expect("clock lock") = Duration::ZERO;
        self.exceeded.store(false, Ordering::SeqCst);
    }

    pub fn add_wait(&self, waited: Duration) {
        *self.waiting.lock().expect("clock lock") += waited;
    }

    /// Returns the wall-clock time left in this run.
    pub fn wall_remaining(&self) -> Duration {
        let elapsed = self.started.lock().expect("clock lock").elapsed();
        self.limits().wall.saturating_sub(elapsed)
    }

    /// Returns true once a limit was exceeded in this run.
    pub fn is_exceeded(&self) -> bool {
        self.exceeded.load(Ordering::SeqCst)
    }

    pub fn message(&self) -> String {
        self.message.lock().expect("clock lock").clone()
    }

    /// Marks the run as over its limit with a message naming the limit.
    pub fn exceed(&self, message: String) {
        *self.message.lock().expect("clock lock") = message;
        self.exceeded.store(true, Ordering::SeqCst);
    }

    fn check(&self) -> Result<(), String> {
        if self.is_exceeded() {
            return Err(self.message());
        }
        let limits = self.limits();
        let elapsed = self.started.lock().expect("clock lock").elapsed();
        let running = elapsed.saturating_sub(*self.waiting.lock().expect("clock lock"));
        if running > limits.cpu {
            self.exceed(format!(
                "CPU time limit of {} s exceeded; the script was stopped (raise it with --cpu-limit SECONDS)",
                limits.cpu.as_secs_f64()
            ));
            return Err(self.message());
        }
        if elapsed > limits.wall {
            self.exceed(format!(
                "wall-clock limit of {} s exceeded; the script was stopped",
                limits.wall.as_secs_f64()
            ));
            return Err(self.message());
        }
        Ok(())
    }
}

/// Creates a Lua state with only the safe parts of the standard library.
pub fn new_state(clock: Arc<Clock>) -> mlua::Result<Lua> {
    let libs = StdLib::TABLE
        | StdLib::STRING
        | StdLib::MATH
        | StdLib::UTF8
        | StdLib::COROUTINE
        | StdLib::OS;
    let lua = Lua::new_with(libs, LuaOptions::new())?;
    lua.set_memory_limit(clock.limits().memory)?;

    let hook_clock = clock.clone();
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INTERVAL),
        move |_, _| match hook_clock.check() {
            Ok(()) => Ok(VmState::Continue),
            Err(message) => Err(mlua::Error::runtime(message)),
        },
    )?;

    restrict_globals(&lua, clock)?;
    Ok(lua)
}

fn restrict_globals(lua: &Lua, clock: Arc<Clock>) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in [
        "dofile",
        "loadfile",
        "require",
        "collectgarbage",
        "module",
        "package",
        "io",
        "debug",
    ] {
        globals.raw_set(name, mlua::Value::Nil)?;
    }

    let os: Table = globals.get("os")?;
    let safe_os = lua.create_table()?;
    for name in ["time", "clock", "date"] {
        safe_os.raw_set(name, os.get::<mlua::Value>(name)?)?;
    }
    globals.raw_set("os", safe_os)?;

    let string: Table = globals.get("string")?;
    string.raw_set("dump", mlua::Value::Nil)?;

    let limit_clock = clock;
    let limit_hit = lua.create_function(move |_, ()| Ok(limit_clock.is_exceeded()))?;

    // Text-only `load`, and protected calls that cannot swallow a limit error:
    // once a limit is exceeded, every pcall, xpcall and resume re-raises it.
    let wrap: mlua::Function = lua
        .load(
            r##"
            local raw_load, raw_pcall, raw_xpcall, raw_resume, limit_hit, error, select, string_mt =
                load, pcall, xpcall, coroutine.resume, ...
            local function guard(ok, ...)
                if not ok and (limit_hit() or (...) == "not enough memory") then
                    error((...), 0)
                end
                return ok, ...
            end
            load = function(chunk, name, mode, ...)
                if select("#", ...) > 0 then
                    return raw_load(chunk, name, "t", ...)
                end
                return raw_load(chunk, name, "t")
            end
            pcall = function(...) return guard(raw_pcall(...)) end
            xpcall = function(...) return guard(raw_xpcall(...)) end
            coroutine.resume = function(...) return guard(raw_resume(...)) end
            string_mt.__metatable = "string"
            return raw_pcall
            "##,
        )
        .set_name("=sandbox")
        .into_function()?;
    let string_metatable = lua
        .load("return getmetatable('')")
        .set_name("=sandbox")
        .eval::<Table>()?;
    let raw_pcall: mlua::Function = wrap.call((
        limit_hit,
        globals.get::<mlua::Function>("error")?,
        globals.get::<mlua::Function>("select")?,
        string_metatable,
    ))?;
    lua.set_named_registry_value("okta_lua.raw_pcall", raw_pcall)?;
    Ok(())
}
