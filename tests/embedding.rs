//! The embedding entry point: the integration installed into a state the
//! host owns, with its own globals, limits set through the API, and code
//! run by the host itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use okta_e2e::{account, start_org};
use okta_mock::{MockOptions, MockServer, Seed};
use okta_runtime::lua::{InstallOptions, Installed, Limits, install};
use okta_runtime::{AccountConfig, Error, Policy, SecretString};
use serde_json::json;

fn options(accounts: Vec<AccountConfig>, limits: Limits) -> InstallOptions {
    InstallOptions {
        accounts,
        limits,
        ..InstallOptions::default()
    }
}

fn small_limits() -> Limits {
    Limits {
        memory: 4 * 1024 * 1024,
        cpu: Duration::from_millis(200),
        wall: Duration::from_secs(30),
    }
}

fn installed(lua: &mlua::Lua, server: &MockServer, limits: Limits) -> Installed {
    install(lua, options(vec![account(server)], limits)).expect("installs")
}

#[test]
fn host_globals_and_sandbox_together() {
    let server = start_org(Seed::Demo);
    let lua = mlua::Lua::new();
    lua.globals().set("host_name", "example host").unwrap();
    let greet = lua
        .create_function(|_, name: String| Ok(format!("hello, {name}")))
        .unwrap();
    lua.globals().set("greet", greet).unwrap();
    let okta = installed(&lua, &server, Limits::default());

    let outcome = okta.run(
        "print(greet('agent')) return host_name, io == nil, package == nil, #app.integrations.okta.list_users({ limit = 2 })",
        "host",
    );
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(
        outcome.result,
        vec![json!("example host"), json!(true), json!(true), json!(2)]
    );
    assert_eq!(outcome.output, vec!["hello, agent"]);
    assert_eq!(outcome.integration_calls.len(), 1);
    assert_eq!(okta.accounts(), vec!["default"]);
    assert!(okta.client("default").is_some());
}

#[test]
fn limits_set_through_api() {
    let server = start_org(Seed::Empty);
    let lua = mlua::Lua::new();
    let okta = installed(&lua, &server, small_limits());
    assert_eq!(okta.limits(), small_limits());

    let message = okta
        .run("local s = string.rep('x', 64 * 1024 * 1024)", "host")
        .error
        .unwrap()
        .message;
    assert!(
        message.contains("memory limit of 4 MiB exceeded"),
        "{message}"
    );
    let message = okta.run("while true do end", "host").error.unwrap().message;
    assert!(
        message.contains("CPU time limit of 0.2 s exceeded"),
        "{message}"
    );

    okta.set_limits(Limits {
        memory: 64 * 1024 * 1024,
        cpu: Duration::from_millis(300),
        ..small_limits()
    })
    .unwrap();
    let outcome = okta.run(
        "local s = string.rep('x', 16 * 1024 * 1024) return #s",
        "host",
    );
    assert_eq!(
        outcome.result,
        vec![json!(16 * 1024 * 1024)],
        "{:?}",
        outcome.error
    );
    let message = okta.run("while true do end", "host").error.unwrap().message;
    assert!(
        message.contains("CPU time limit of 0.3 s exceeded"),
        "{message}"
    );
    assert!(okta.run("return 1", "host").success);
}

#[test]
fn host_runs_code_itself() {
    let server = start_org(Seed::Demo);
    let lua = mlua::Lua::new();
    let okta = installed(&lua, &server, small_limits());

    let environment = okta.new_environment().unwrap();
    let result: mlua::Result<i64> = okta.with_limits(|| {
        lua.load("print('direct') return #app.integrations.okta.list_users({ limit = 1 })")
            .set_environment(environment)
            .eval()
    });
    assert_eq!(result.unwrap(), 1);
    assert_eq!(okta.take_output(), vec!["direct"]);
    assert_eq!(okta.take_calls().len(), 1);

    let looping = okta.with_limits(|| lua.load("while true do end").exec());
    let message = looping.unwrap_err().to_string();
    assert!(
        message.contains("CPU time limit of 0.2 s exceeded"),
        "{message}"
    );

    // Outside a run the time limits do not apply.
    let busy: mlua::Result<()> = lua
        .load("local start = os.clock() while os.clock() - start < 0.4 do end")
        .exec();
    assert!(busy.is_ok(), "{busy:?}");
}

#[test]
fn without_sandbox_host_print_and_libraries() {
    let server = start_org(Seed::Demo);
    let lua = mlua::Lua::new();
    let printed: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = printed.clone();
    let print = lua
        .create_function(move |_, line: String| {
            sink.lock().unwrap().push(line);
            Ok(())
        })
        .unwrap();
    lua.globals().set("print", print).unwrap();
    let okta = install(
        &lua,
        InstallOptions {
            accounts: vec![account(&server)],
            sandbox: false,
            capture_output: false,
            ..InstallOptions::default()
        },
    )
    .unwrap();

    let outcome = okta.run(
        "print('plain') dump({ b = 1, a = 2 }) return type(io), type(string.dump), load('return 7', 'c', 'bt')()",
        "host",
    );
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(
        outcome.result,
        vec![json!("table"), json!("function"), json!(7)]
    );
    assert!(outcome.output.is_empty());
    assert_eq!(
        *printed.lock().unwrap(),
        vec!["plain", "{\n  a = 2,\n  b = 1,\n}"]
    );
}

#[test]
fn wall_limit_covers_waits_without_sandbox() {
    let slow = MockServer::start_blocking(MockOptions {
        latency: Some(Duration::from_secs(2)),
        ..MockOptions::default()
    })
    .unwrap();
    let lua = mlua::Lua::new();
    let okta = install(
        &lua,
        InstallOptions {
            accounts: vec![account(&slow)],
            sandbox: false,
            limits: Limits {
                wall: Duration::from_millis(300),
                ..Limits::default()
            },
            ..InstallOptions::default()
        },
    )
    .unwrap();
    let outcome = okta.run(
        "return app.integrations.okta.list_users({ limit = 1 })",
        "host",
    );
    let error = outcome.error.expect("wall-clock limit");
    assert_eq!(error.kind, "limit");
    assert_eq!(
        error.message,
        "wall-clock limit of 0.3 s exceeded while waiting for Okta (okta.list_users); raise it with --wall-limit SECONDS"
    );
    assert!(okta.run("return 1", "host").success);
}

#[test]
fn install_rejects_bad_accounts() {
    let make = |name: &str| {
        AccountConfig::with_api_token(name, "https://example.okta.com", SecretString::new("token"))
    };
    for (accounts, default, expected) in [
        (
            vec![make("default"), make("default")],
            "default",
            "account `default` is configured twice",
        ),
        (
            vec![make("a"), make("b")],
            "c",
            "unknown account `c`; configured accounts: a, b",
        ),
        (
            vec![],
            "default",
            "unknown account `default`; configured accounts: none",
        ),
        (
            vec![make("prod-eu")],
            "prod-eu",
            "invalid account name `prod-eu`",
        ),
        (
            vec![make("get_user")],
            "get_user",
            "account name `get_user` is also a function name",
        ),
    ] {
        let lua = mlua::Lua::new();
        let error = install(
            &lua,
            InstallOptions {
                accounts,
                default_account: default.to_string(),
                policy: Policy::default(),
                ..InstallOptions::default()
            },
        )
        .err()
        .expect("rejected");
        assert!(matches!(error, Error::Config(_)), "{error:?}");
        assert!(error.to_string().contains(expected), "{error}");
    }
}
