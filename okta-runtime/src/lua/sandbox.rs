//! The restricted Lua 5.4 environment and its resource limits.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::source;
use mlua::{HookTriggers, Lua, LuaOptions, StdLib, Table, Value as LuaValue, VmState};

/// Instructions between two checks of the time limits.
const HOOK_INTERVAL: u32 = 1000;

/// Registry key of the `pcall` the sandbox wraps, for running a chunk.
pub(crate) const RAW_PCALL_KEY: &str = "okta_lua.raw_pcall";

/// Registry key of the text-only `load` that per-run environments bind.
pub(crate) const TEXT_LOAD_KEY: &str = "okta_lua.text_load";

/// Resource limits of one script run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes the Lua state may allocate. Default 32 MiB. Output captured
    /// from `print` and `dump` and values converted to JSON may not exceed
    /// it either.
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

/// Returns the message of an exceeded memory limit.
pub fn memory_limit_message(limit: usize) -> String {
    format!(
        "memory limit of {} exceeded; the script was stopped (raise it with --memory-limit BYTES)",
        format_bytes(limit)
    )
}

/// Start of the current run and the time it spent waiting for Okta.
#[derive(Debug, Default)]
struct RunClock {
    started: Option<Instant>,
    waiting: Duration,
}

/// Tracks the limits of the current run. Time limits apply only between
/// [`Clock::start`] and [`Clock::stop`].
#[derive(Debug)]
pub struct Clock {
    limits: Mutex<Limits>,
    run: Mutex<RunClock>,
    exceeded: AtomicBool,
    message: Mutex<String>,
}

impl Clock {
    pub fn new(limits: Limits) -> Clock {
        Clock {
            limits: Mutex::new(limits),
            run: Mutex::new(RunClock::default()),
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
        *self.run.lock().expect("clock lock") = RunClock {
            started: Some(Instant::now()),
            waiting: Duration::ZERO,
        };
        self.exceeded.store(false, Ordering::SeqCst);
    }

    /// Ends the run: the time limits stop applying and an exceeded limit is
    /// forgotten.
    pub fn stop(&self) {
        *self.run.lock().expect("clock lock") = RunClock::default();
        self.exceeded.store(false, Ordering::SeqCst);
    }

    pub fn add_wait(&self, waited: Duration) {
        self.run.lock().expect("clock lock").waiting += waited;
    }

    /// Returns the wall-clock time left in this run, or the whole wall-clock
    /// limit outside a run.
    pub fn wall_remaining(&self) -> Duration {
        let wall = self.limits().wall;
        match self.run.lock().expect("clock lock").started {
            Some(started) => wall.saturating_sub(started.elapsed()),
            None => wall,
        }
    }

    /// Returns true once a limit was exceeded in this run.
    pub fn is_exceeded(&self) -> bool {
        self.exceeded.load(Ordering::SeqCst)
    }

    pub fn message(&self) -> String {
        self.message.lock().expect("clock lock").clone()
    }

    /// Marks the run as over its limit with a message naming the limit. The
    /// first message of a run is kept.
    pub fn exceed(&self, message: String) {
        if self.exceeded.swap(true, Ordering::SeqCst) {
            return;
        }
        *self.message.lock().expect("clock lock") = message;
    }

    fn check(&self) -> Result<(), String> {
        if self.is_exceeded() {
            return Err(self.message());
        }
        let (elapsed, waiting) = {
            let run = self.run.lock().expect("clock lock");
            match run.started {
                Some(started) => (started.elapsed(), run.waiting),
                None => return Ok(()),
            }
        };
        let limits = self.limits();
        let running = elapsed.saturating_sub(waiting);
        if running > limits.cpu {
            self.exceed(format!(
                "CPU time limit of {} s exceeded; the script was stopped (raise it with --cpu-limit SECONDS)",
                limits.cpu.as_secs_f64()
            ));
            return Err(self.message());
        }
        if elapsed > limits.wall {
            self.exceed(format!(
                "wall-clock limit of {} s exceeded; the script was stopped (raise it with --wall-limit SECONDS)",
                limits.wall.as_secs_f64()
            ));
            return Err(self.message());
        }
        Ok(())
    }
}

/// Returns true for the error of a failed allocation, also when a Rust
/// callback wrapped it.
pub fn is_memory_error(error: &mlua::Error) -> bool {
    match error {
        mlua::Error::MemoryError(_) => true,
        mlua::Error::CallbackError { cause, .. } => is_memory_error(cause),
        _ => false,
    }
}

/// Creates a Lua state with only `string`, `table`, `math`, `utf8`,
/// `coroutine` and `os` loaded. [`apply`] trims it further and adds the
/// limits.
pub fn new_state() -> mlua::Result<Lua> {
    let libraries = StdLib::TABLE
        | StdLib::STRING
        | StdLib::MATH
        | StdLib::UTF8
        | StdLib::COROUTINE
        | StdLib::OS;
    Lua::new_with(libraries, LuaOptions::new())
}

/// Globals removed from a sandboxed state: file and process access, the
/// module system, the garbage collector and the warning channel to stderr.
const REMOVED_GLOBALS: &[&str] = &[
    "dofile",
    "loadfile",
    "require",
    "collectgarbage",
    "module",
    "package",
    "io",
    "debug",
    "warn",
];

/// Applies the sandbox to a state: removes unsafe globals, trims `os`,
/// removes `string.dump`, sets the memory limit, installs the instruction
/// hook that enforces the time limits, and wraps `load`, `pcall`, `xpcall`,
/// `coroutine.resume` and `setmetatable`.
///
/// The hook replaces any global hook the state had.
///
/// NOTE: the hook counts Lua instructions, so it cannot stop a single call
/// into C that runs long. Lua's own pattern matching (`string.find`,
/// `match`, `gmatch`, `gsub`) can backtrack for a very long time on a
/// crafted pattern and subject, and neither time limit interrupts it.
pub fn apply(lua: &Lua, clock: Arc<Clock>) -> mlua::Result<()> {
    lua.set_memory_limit(clock.limits().memory)?;

    let hook_clock = clock.clone();
    lua.set_global_hook(
        HookTriggers::new().every_nth_instruction(HOOK_INTERVAL),
        move |_, _| match hook_clock.check() {
            Ok(()) => Ok(VmState::Continue),
            Err(message) => Err(mlua::Error::runtime(message)),
        },
    )?;

    restrict_globals(lua, clock)
}

fn restrict_globals(lua: &Lua, clock: Arc<Clock>) -> mlua::Result<()> {
    let globals = lua.globals();
    for name in REMOVED_GLOBALS {
        globals.raw_set(*name, LuaValue::Nil)?;
    }

    let safe_os = lua.create_table()?;
    if let Ok(os) = globals.raw_get::<Table>("os") {
        for name in ["time", "clock", "date"] {
            safe_os.raw_set(name, os.raw_get::<LuaValue>(name)?)?;
        }
    }
    globals.raw_set("os", safe_os)?;
    if let Ok(string) = globals.raw_get::<Table>("string") {
        string.raw_set("dump", LuaValue::Nil)?;
    }

    // Tells the Lua wrappers whether an error must end the run: once a limit
    // is exceeded, and for every failed allocation, which also marks the
    // memory limit as exceeded so later protected calls re-raise it too.
    let limit_clock = clock;
    let limit_hit = lua.create_function(move |_, error: LuaValue| {
        if limit_clock.is_exceeded() {
            return Ok(true);
        }
        let out_of_memory = match &error {
            LuaValue::String(text) => text.as_bytes().as_ref() == b"not enough memory",
            LuaValue::Error(error) => is_memory_error(error),
            _ => false,
        };
        if out_of_memory {
            limit_clock.exceed(memory_limit_message(limit_clock.limits().memory));
        }
        Ok(out_of_memory)
    })?;

    let check_source =
        lua.create_function(|_, (chunk, name): (mlua::LuaString, Option<String>)| {
            let line = source::find_close_attribute(&chunk.as_bytes());
            let name = name.as_deref().unwrap_or("=load");
            let name = name.trim_start_matches(['=', '@']);
            Ok(line.map(|line| source::close_attribute_message(name, line)))
        })?;

    let string_metatable = lua
        .load("return getmetatable('')")
        .set_name("=sandbox")
        .eval::<Option<Table>>()?;
    let wrappers: Table = lua.load(WRAPPERS).set_name("=sandbox").call((
        limit_hit,
        check_source,
        string_metatable,
    ))?;
    lua.set_named_registry_value(RAW_PCALL_KEY, wrappers.raw_get::<LuaValue>("raw_pcall")?)?;
    lua.set_named_registry_value(TEXT_LOAD_KEY, wrappers.raw_get::<LuaValue>("text_load")?)?;
    Ok(())
}

/// Lua side of the sandbox.
///
/// Every function that catches errors re-raises a limit error, so once a
/// limit is exceeded no script code runs on: `pcall`, `xpcall`, `load`
/// (whose reader function runs protected), `coroutine.resume`,
/// `coroutine.wrap` and `coroutine.close`. Lua calls an error handler and
/// the `__close` metamethods of a failed `coroutine.wrap` with hooks
/// disabled when the error came from the hook, so neither runs after a
/// limit error. `load` accepts text chunks only. `setmetatable` rejects
/// `__gc`, because finalizers run with hooks disabled and could loop
/// forever outside the time limits.
const WRAPPERS: &str = r##"
local limit_hit, check_source, string_mt = ...
local concat = table and table.concat
local raw_load, raw_pcall, raw_xpcall, raw_setmetatable = load, pcall, xpcall, setmetatable
local error, select, rawget, type = error, select, rawget, type
local coroutine = coroutine or {}
local raw_create, raw_resume, raw_close = coroutine.create, coroutine.resume, coroutine.close

local function guard(ok, ...)
    if not ok and limit_hit((...)) then
        error((...), 0)
    end
    return ok, ...
end

local function guard_load(chunk, message)
    if chunk == nil and limit_hit(message) then
        error(message, 0)
    end
    return chunk, message
end

local function text_load(chunk, name, mode, ...)
    if type(chunk) == "function" then
        local parts = {}
        while true do
            local part = chunk()
            if part == nil or part == "" then break end
            if type(part) ~= "string" then
                return nil, "reader function must return a string"
            end
            parts[#parts + 1] = part
        end
        chunk = concat(parts)
    end
    if type(chunk) == "string" then
        local problem = check_source(chunk, name)
        if problem then return nil, problem end
    end
    if select("#", ...) > 0 then
        return guard_load(raw_load(chunk, name, "t", ...))
    end
    return guard_load(raw_load(chunk, name, "t"))
end

load = text_load
pcall = function(...) return guard(raw_pcall(...)) end
xpcall = function(body, handler, ...)
    if type(handler) ~= "function" then
        return guard(raw_xpcall(body, handler, ...))
    end
    local function guarded_handler(message)
        if limit_hit(message) then return message end
        return handler(message)
    end
    return guard(raw_xpcall(body, guarded_handler, ...))
end

if raw_resume then
    coroutine.resume = function(...) return guard(raw_resume(...)) end
end
if raw_close then
    coroutine.close = function(...) return guard(raw_close(...)) end
end
if raw_create and raw_resume and raw_close then
    local function finish(thread, ok, ...)
        if ok then return ... end
        local message = ...
        if not limit_hit(message) then
            raw_close(thread)
        end
        error(message, 0)
    end
    coroutine.wrap = function(body)
        local thread = raw_create(body)
        return function(...) return finish(thread, raw_resume(thread, ...)) end
    end
end

setmetatable = function(table, metatable)
    if type(metatable) == "table" and rawget(metatable, "__gc") ~= nil then
        error("setmetatable: __gc metamethods are not allowed in the sandbox", 2)
    end
    return raw_setmetatable(table, metatable)
end
if string_mt then
    string_mt.__metatable = "string"
end
return { raw_pcall = raw_pcall, text_load = text_load }
"##;
