//! Escape attempts against the sandbox: removed libraries, binary chunks,
//! metatable tricks on shared tables, memory bombs, endless loops and deep
//! recursion. Each one ends with a clear error, and the next run in the
//! same host works. No test here sends a request.

use std::time::{Duration, Instant};

use okta_runtime::{AccountConfig, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString};
use serde_json::json;

/// Creates a host whose org address is a closed loopback port, which no
/// test here calls.
fn host_with(limits: Limits) -> LuaHost {
    let account = AccountConfig::with_api_token(
        "default",
        "http://127.0.0.1:9",
        SecretString::new("unused-token"),
    );
    LuaHost::new(HostOptions {
        accounts: vec![account],
        default_account: "default".into(),
        policy: Policy::default(),
        limits,
    })
    .expect("host starts")
}

fn host() -> LuaHost {
    host_with(Limits::default())
}

/// Returns a CPU limit short enough for an endless loop to hit it quickly.
fn tight_limits() -> Limits {
    Limits {
        memory: 8 * 1024 * 1024,
        cpu: Duration::from_millis(200),
        wall: Duration::from_secs(10),
    }
}

/// Returns a memory limit small enough for a memory bomb to hit it quickly, with a
/// CPU limit that a loaded machine does not reach first.
fn small_memory() -> Limits {
    Limits {
        memory: 8 * 1024 * 1024,
        cpu: Duration::from_secs(30),
        wall: Duration::from_secs(60),
    }
}

fn run_ok(host: &LuaHost, code: &str) -> RunOutcome {
    let outcome = host.run(code, "test");
    assert!(outcome.success, "script failed: {:?}", outcome.error);
    outcome
}

fn run_err(host: &LuaHost, code: &str) -> String {
    let outcome = host.run(code, "test");
    assert!(!outcome.success, "script succeeded: {:?}", outcome.result);
    outcome.error.expect("error").message
}

/// Fails unless the host still runs an ordinary script normally.
fn assert_healthy(host: &LuaHost) {
    let outcome = run_ok(
        host,
        "local t = {} for i = 1, 1000 do t[i] = ('x'):rep(10) end return #t, string.upper('ok')",
    );
    assert_eq!(outcome.result, vec![json!(1000), json!("OK")]);
}

#[test]
fn removed_libraries_are_absent() {
    let host = host();
    for name in [
        "io",
        "debug",
        "require",
        "dofile",
        "loadfile",
        "package",
        "collectgarbage",
        "module",
        "warn",
        "string.dump",
        "os.execute",
        "os.getenv",
        "os.exit",
        "os.remove",
        "os.rename",
        "os.tmpname",
        "os.setlocale",
    ] {
        let outcome = run_ok(&host, &format!("return {name} == nil"));
        assert_eq!(outcome.result, vec![json!(true)], "{name}");
    }
    assert_healthy(&host);
}

#[test]
fn calling_removed_functions_fails() {
    let host = host();
    for (code, expected) in [
        (
            "io.open('/etc/passwd')",
            "attempt to index a nil value (global 'io')",
        ),
        (
            "debug.getregistry()",
            "attempt to index a nil value (global 'debug')",
        ),
        (
            "require('os')",
            "attempt to call a nil value (global 'require')",
        ),
        (
            "dofile('/etc/passwd')",
            "attempt to call a nil value (global 'dofile')",
        ),
        (
            "loadfile('/etc/passwd')",
            "attempt to call a nil value (global 'loadfile')",
        ),
        (
            "string.dump(print)",
            "attempt to call a nil value (field 'dump')",
        ),
        (
            "os.execute('true')",
            "attempt to call a nil value (field 'execute')",
        ),
        (
            "os.getenv('HOME')",
            "attempt to call a nil value (field 'getenv')",
        ),
        (
            "collectgarbage()",
            "attempt to call a nil value (global 'collectgarbage')",
        ),
    ] {
        let message = run_err(&host, code);
        assert!(message.contains(expected), "{code}: {message}");
    }
    assert_healthy(&host);
}

#[test]
fn allowed_libraries_work() {
    let outcome = run_ok(
        &host(),
        "return type(os.time()), type(os.clock()), os.date('!%Y', 0), utf8.char(90, 246), \
         coroutine.wrap(function() coroutine.yield(7) end)(), math.max(1, 5), table.concat({ 'a', 'b' }, '-'), ('%d'):format(3)",
    );
    assert_eq!(
        outcome.result,
        vec![
            json!("number"),
            json!("number"),
            json!("1970"),
            json!("Zö"),
            json!(7),
            json!(5),
            json!("a-b"),
            json!("3")
        ]
    );
}

#[test]
fn binary_chunks_rejected() {
    let host = host();
    let outcome = run_ok(&host, "return load('\\27Lua junk')");
    assert_eq!(outcome.result[0], json!(null));
    assert!(
        outcome.result[1].as_str().unwrap().contains("binary"),
        "{:?}",
        outcome.result
    );
    for code in [
        "return load('\\27Lua junk', 'chunk', 'b')",
        "return load('\\27Lua junk', 'chunk', 'bt', {})",
        "local sent = false return load(function() if sent then return nil end sent = true return '\\27Lua junk' end)",
    ] {
        let outcome = run_ok(&host, code);
        assert_eq!(outcome.result[0], json!(null), "{code}");
        assert!(
            outcome.result[1]
                .as_str()
                .unwrap()
                .contains("attempt to load a binary chunk (mode is 't')"),
            "{code}: {:?}",
            outcome.result
        );
    }
    let outcome = run_ok(&host, "return load('return 1 + 1')()");
    assert_eq!(outcome.result, vec![json!(2)]);
}

#[test]
fn loaded_chunks_see_the_run_environment() {
    let host = host();
    let outcome = run_ok(
        &host,
        "load('leaked = 1')() return leaked, load('return _G')() == _G",
    );
    assert_eq!(outcome.result, vec![json!(1), json!(true)]);
    let outcome = run_ok(&host, "return leaked == nil");
    assert_eq!(outcome.result, vec![json!(true)]);
}

#[test]
fn globals_do_not_carry_over_between_runs() {
    let host = host();
    run_ok(&host, "counter = 41 print = nil dump = nil json = nil");
    let outcome = run_ok(
        &host,
        "print('still') return counter == nil, type(json.encode)",
    );
    assert_eq!(outcome.result, vec![json!(true), json!("function")]);
    assert_eq!(outcome.output, vec!["still"]);
}

/// Each attack changes something every run shares, or tries to; the check
/// then runs as the next script and must see the original.
#[test]
fn metatable_tricks_do_not_reach_later_runs() {
    let host = host();
    let cases: &[(&str, &str, serde_json::Value)] = &[
        (
            "getmetatable('').__index = { upper = function() return 'pwned' end }",
            "return ('abc'):upper()",
            json!("ABC"),
        ),
        (
            "string.upper = function() return 'pwned' end",
            "return string.upper('abc'), ('abc'):upper()",
            json!("ABC"),
        ),
        (
            "setmetatable(string, { __index = function() return 'pwned' end })",
            "return string.nothing == nil",
            json!(true),
        ),
        (
            "setmetatable(_G, { __index = function() return 'pwned' end, __newindex = function() end })",
            "return undefined_name == nil",
            json!(true),
        ),
        (
            "table.insert = nil",
            "return type(table.insert)",
            json!("function"),
        ),
        ("math.floor = tostring", "return math.floor(2.5)", json!(2)),
        (
            "json.null = 'pwned' json.decode = function() return 'pwned' end",
            "return json.encode({ a = json.null, b = json.decode('[1]') })",
            json!(r#"{"a":null,"b":[1]}"#),
        ),
        (
            "app.integrations.okta = nil app.integrations = nil",
            "return type(app.integrations.okta.list_users)",
            json!("function"),
        ),
        (
            "rawset(app.integrations.okta, 'list_users', function() return 'pwned' end)",
            "local ok, err = pcall(app.integrations.okta.list_users, { limit = 0 }) return err.errorCode",
            json!("invalid_arguments"),
        ),
        (
            "local _, state = pairs(app.integrations.okta) state.list_users = function() return 'pwned' end",
            "local ok, err = pcall(app.integrations.okta.list_users, { limit = 0 }) return err.errorCode",
            json!("invalid_arguments"),
        ),
        (
            "rawset(app.integrations.okta.default, 'get_user', 1)",
            "return type(app.integrations.okta.default.get_user)",
            json!("function"),
        ),
        (
            "coroutine.resume = function() return true end pcall = function() return true end",
            "return select('#', pcall(error, 'x')), coroutine.resume(coroutine.create(function() return 5 end))",
            json!(2),
        ),
    ];
    for (attack, check, expected) in cases {
        let outcome = host.run(attack, "attack");
        let after = run_ok(&host, check);
        assert_eq!(
            &after.result[0], expected,
            "after {attack} (which gave {:?})",
            outcome.error
        );
    }
    assert_healthy(&host);
}

#[test]
fn shared_metatables_are_locked() {
    let host = host();
    let outcome = run_ok(
        &host,
        "local ok, err = pcall(app.integrations.okta.list_users, { limit = 0 }) \
         return getmetatable(''), getmetatable(json.decode('[]')), getmetatable(err), getmetatable(app.integrations.okta)",
    );
    assert_eq!(
        outcome.result,
        vec![
            json!("string"),
            json!("json.array"),
            json!("okta.error"),
            json!("locked")
        ]
    );
    for code in [
        "setmetatable(json.decode('[]'), {})",
        "local ok, err = pcall(app.integrations.okta.list_users, { limit = 0 }) setmetatable(err, nil)",
        "setmetatable(app.integrations.okta, nil)",
    ] {
        let message = run_err(&host, code);
        assert!(
            message.contains("cannot change a protected metatable"),
            "{code}: {message}"
        );
    }
    let message = run_err(&host, "getmetatable('').__index = {}");
    assert!(
        message.contains("attempt to index a string value"),
        "{message}"
    );
    assert_healthy(&host);
}

#[test]
fn namespace_is_read_only() {
    let message = run_err(&host(), "app.integrations.okta.list_users = function() end");
    assert!(message.contains("read-only"), "{message}");
    let message = run_err(&host(), "app.integrations.okta.default.get_user = 1");
    assert!(
        message.contains("app.integrations.okta.default is read-only; cannot set get_user"),
        "{message}"
    );
    let outcome = run_ok(
        &host(),
        "local names = {} for name in pairs(app.integrations.okta.default) do names[#names + 1] = name end return #names > 5",
    );
    assert_eq!(outcome.result, vec![json!(true)]);
}

#[test]
fn finalizers_rejected() {
    let host = host_with(tight_limits());
    for code in [
        "setmetatable({}, { __gc = function() while true do end end })",
        "setmetatable({}, { __gc = true })",
    ] {
        let message = run_err(&host, code);
        assert!(
            message.contains("setmetatable: __gc metamethods are not allowed in the sandbox"),
            "{code}: {message}"
        );
    }
    // A __gc added after setmetatable never runs: Lua 5.4 marks an object
    // for finalization only when its metatable has __gc at that moment.
    run_ok(
        &host,
        "local mt = {} for i = 1, 1000 do setmetatable({}, mt) end mt.__gc = function() while true do end end",
    );
    run_ok(
        &host,
        "local t = {} for i = 1, 200000 do t[i % 100 + 1] = { i } end",
    );
    assert_healthy(&host);
}

#[test]
fn endless_loops_hit_cpu_limit() {
    let host = host_with(tight_limits());
    for code in [
        "while true do end",
        "repeat until false",
        "for i = 1, math.maxinteger do end",
        "local function f() return f() end return f()",
        "while true do pcall(function() while true do end end) end",
        "while true do xpcall(function() while true do end end, function(e) return e end) end",
        "xpcall(error, function() while true do end end)",
        "while true do coroutine.resume(coroutine.create(function() while true do end end)) end",
        "coroutine.wrap(function() while true do end end)()",
        "string.gsub(('a'):rep(100), 'a', function() while true do end end)",
        "local t = { 3, 1, 2 } table.sort(t, function() while true do end end)",
        "print(setmetatable({}, { __tostring = function() while true do end end }))",
        "error(setmetatable({}, { __tostring = function() while true do end end }))",
        "local t = setmetatable({}, { __index = function(t, k) while true do end end }) return t.x",
        "while true do load(function() while true do end end) end",
        "local co = coroutine.create(function() while true do end end) while true do pcall(coroutine.resume, co) end",
        "local co = coroutine.wrap(function() while true do end end) while true do pcall(co) end",
    ] {
        let started = Instant::now();
        let message = run_err(&host, code);
        assert!(
            message.contains("CPU time limit of 0.2 s exceeded"),
            "{code}: {message}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{code} took {:?}",
            started.elapsed()
        );
    }
    assert_healthy(&host);
}

#[test]
fn close_attribute_rejected() {
    let host = host_with(tight_limits());
    let message = run_err(
        &host,
        "local a = 1\nlocal x <close> = setmetatable({}, { __close = function() while true do end end }) while true do end",
    );
    assert_eq!(
        message,
        "test:2: to-be-closed variables (<close>) are not allowed in the sandbox; close the resource explicitly"
    );
    let outcome = run_ok(
        &host,
        "local chunk, message = load('local x <close> = nil', '=inner') return chunk, message, load(function() return nil end) ~= nil",
    );
    assert_eq!(
        outcome.result,
        vec![
            json!(null),
            json!(
                "inner:1: to-be-closed variables (<close>) are not allowed in the sandbox; close the resource explicitly"
            ),
            json!(true)
        ]
    );
    let outcome = run_ok(&host, "local s = '<close>' local x <const> = 1 return s, x");
    assert_eq!(outcome.result, vec![json!("<close>"), json!(1)]);
    assert_healthy(&host);
}

#[test]
fn caught_limit_error_is_raised_again() {
    let host = host_with(tight_limits());
    let outcome = host.run(
        "local ok = pcall(function() while true do end end) print('after', ok) return ok",
        "test",
    );
    assert!(!outcome.success);
    assert!(outcome.output.is_empty(), "{:?}", outcome.output);
    assert_eq!(outcome.error.unwrap().kind, "limit");
    assert_healthy(&host);
}

#[test]
fn wall_clock_limit_stops_lua_code() {
    let host = host_with(Limits {
        cpu: Duration::from_secs(30),
        wall: Duration::from_millis(200),
        ..Limits::default()
    });
    let message = run_err(&host, "while true do end");
    assert!(
        message.contains("wall-clock limit of 0.2 s exceeded"),
        "{message}"
    );
    assert_healthy(&host);
}

#[test]
fn string_rep_bombs_hit_memory_limit() {
    let host = host_with(small_memory());
    for code in [
        "local s = string.rep('x', 1024 * 1024 * 64)",
        "local s = ('abc'):rep(1e8, ',')",
        "local s = 'x' while true do s = s .. s end",
        "local t = {} for i = 1, 1e9 do t[i] = ('x'):rep(100) .. i end",
        "local parts = {} for i = 1, 64 do parts[i] = ('x'):rep(1024 * 1024) end return table.concat(parts)",
        "local ok = pcall(string.rep, 'x', 1e9) return ok",
        "while true do pcall(string.rep, 'x', 1e9) end",
    ] {
        let outcome = host.run(code, "test");
        let error = outcome.error.expect("memory limit");
        assert!(
            error.message.contains("memory limit of 8 MiB exceeded"),
            "{code}: {}",
            error.message
        );
        assert_eq!(error.kind, "limit", "{code}");
    }
    let message = run_err(&host, "return string.rep('x', math.maxinteger)");
    assert!(message.contains("resulting string too large"), "{message}");
    assert_healthy(&host);
}

#[test]
fn allocation_in_callbacks_hits_memory_limit() {
    let host = host_with(small_memory());
    for code in [
        "return json.decode('[' .. string.rep('[0],', 400000) .. '0]')",
        "local ok = pcall(json.decode, '[' .. string.rep('[0],', 400000) .. '0]') return ok",
        "return regex.split(string.rep('a,', 1500000), ',')",
    ] {
        let outcome = host.run(code, "test");
        let error = outcome.error.expect("memory limit");
        assert!(
            error.message.contains("memory limit of 8 MiB exceeded"),
            "{code}: {}",
            error.message
        );
    }
    assert_healthy(&host);
}

#[test]
fn output_flood_hits_output_limit() {
    let host = host_with(small_memory());
    for code in [
        "while true do print(string.rep('x', 100000)) end",
        "while true do pcall(print, string.rep('x', 100000)) end",
        "local big = string.rep('y', 1000000) while true do dump({ big }) end",
    ] {
        let outcome = host.run(code, "test");
        let error = outcome.error.expect("output limit");
        assert!(
            error.message.contains("output limit of 8 MiB exceeded"),
            "{code}: {}",
            error.message
        );
        let captured: usize = outcome.output.iter().map(String::len).sum();
        assert!(captured <= 8 * 1024 * 1024, "{captured} bytes captured");
    }
    assert_healthy(&host);
}

/// A table that refers to the same table twice at each of 60 levels is
/// small in memory but 2^60 values when expanded.
#[test]
fn shared_references_cannot_expand_without_bound() {
    let host = host_with(small_memory());
    let bomb = "local t = {} for i = 1, 60 do t = { t, t } end ";
    for (code, expected) in [
        ("return json.encode(t)", "json.encode: value"),
        ("dump(t)", "dump: the rendered value is larger than 8 MiB"),
        (
            "app.integrations.okta.list_users({ q = t })",
            "makes the JSON larger than 8 MiB",
        ),
    ] {
        let started = Instant::now();
        let message = run_err(&host, &format!("{bomb}{code}"));
        assert!(message.contains(expected), "{code}: {message}");
        assert!(started.elapsed() < Duration::from_secs(10), "{code}");
    }
    let outcome = run_ok(&host, &format!("{bomb}return t"));
    assert!(
        outcome.result[0]
            .as_str()
            .unwrap()
            .contains("makes the JSON larger than 8 MiB"),
        "{:?}",
        outcome.result
    );
    let message = run_err(
        &host,
        "return regex.gsub(string.rep('x', 100000), '', string.rep('y', 1000))",
    );
    assert!(
        message.contains("regex.gsub: the result is larger than 8 MiB"),
        "{message}"
    );
    assert_healthy(&host);
}

#[test]
fn deep_recursion_is_an_error() {
    let host = host();
    // The Lua stack of a runaway recursion outgrows the default memory limit
    // before Lua's own stack limit.
    let message = run_err(&host, "local function f() return 1 + f() end return f()");
    assert!(
        message.contains("memory limit of 32 MiB exceeded"),
        "{message}"
    );
    run_ok(&host, "return 1");

    let roomy = host_with(Limits {
        memory: 512 * 1024 * 1024,
        ..Limits::default()
    });
    let message = run_err(&roomy, "local function f() return 1 + f() end return f()");
    assert!(message.contains("stack overflow"), "{message}");
    assert_healthy(&roomy);
}

#[test]
fn deep_nesting_is_an_error() {
    let host = host();
    for (code, expected) in [
        ("local function f() return pcall(f) end return f()", ""),
        (
            "local t = setmetatable({}, {}) getmetatable(t).__index = t return t.x",
            "'__index' chain too long",
        ),
        (
            "return json.decode(string.rep('[', 100000))",
            "json.decode: invalid JSON: recursion limit exceeded",
        ),
        (
            "local t = {} for i = 1, 200 do t = { t } end return json.encode(t)",
            "nested more than 128 levels deep",
        ),
    ] {
        let outcome = host.run(code, "test");
        if !expected.is_empty() {
            let message = outcome.error.expect("error").message;
            assert!(message.contains(expected), "{code}: {message}");
        }
    }
    let outcome = run_ok(
        &host,
        "local t = {} for i = 1, 100 do t = { t } end dump(t)",
    );
    assert!(
        outcome.output[0].contains("{ ... }"),
        "{:?}",
        outcome.output
    );
    assert_healthy(&host);
}
