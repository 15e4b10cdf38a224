//! Overhead of a tool call through Lua over the same call through the Rust
//! client, both against the fake org on loopback.
//!
//! `get_user` sends three requests (the user, its groups and its app links)
//! on either path. The Lua benchmarks include everything a host pays per
//! call: converting the argument table, checking it, the call on the host's
//! single-threaded runtime and turning the result into Lua tables.
//! `lua_run` also pays for a fresh environment and compiling the chunk on
//! every run.
//!
//! Run with `cargo bench -p okta-runtime --bench lua_call`;
//! `cargo xtask bench` runs it alternately with the Rust call and writes
//! `docs/BENCHMARKS.md`.

use divan::Bencher;
use mlua::{Function, Table};
use okta_mock::{MockOptions, MockServer, Seed};
use okta_runtime::lua::{convert, fast_json};
use okta_runtime::requests::GetUserRequest;
use okta_runtime::{AccountConfig, Client, HostOptions, LuaHost, Policy, SecretString};

fn main() {
    divan::main();
}

/// A fake org with 1,000 users in 10 groups and 10 apps, and the user every
/// benchmark fetches.
struct Org {
    server: MockServer,
    user_id: String,
}

impl Org {
    fn start() -> Org {
        let server = MockServer::start_blocking(MockOptions {
            seed: Seed::Generated {
                users: 1_000,
                groups: 10,
                apps: 10,
            },
            ..MockOptions::default()
        })
        .expect("the fake org starts on 127.0.0.1");
        let users = server.org().users();
        let user_id = users[users.len() / 2]["id"]
            .as_str()
            .expect("every user has an id")
            .to_string();
        Org { server, user_id }
    }

    fn account(&self) -> AccountConfig {
        AccountConfig::with_api_token(
            "default",
            &self.server.url(),
            SecretString::new(self.server.token()),
        )
    }

    /// Empties the fake org's request log, which otherwise grows with every
    /// iteration. Benchmarks call it untimed, while preparing inputs.
    fn clear_log(&self) {
        self.server.clear_requests();
    }
}

fn lua_host(org: &Org) -> LuaHost {
    LuaHost::new(HostOptions {
        accounts: vec![org.account()],
        default_account: "default".to_string(),
        policy: Policy::default(),
        limits: Default::default(),
    })
    .expect("the Lua host starts")
}

/// Times `client.get_user` on a single-threaded runtime, as the Lua host runs it.
#[divan::bench]
fn rust(bencher: Bencher) {
    let org = Org::start();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the runtime starts");
    let client = {
        let _guard = runtime.enter();
        Client::new(&org.account()).expect("the client accepts a loopback org")
    };
    bencher
        .with_inputs(|| org.clear_log())
        .bench_local_values(|()| {
            let request = GetUserRequest {
                id: org.user_id.clone(),
            };
            let user = runtime
                .block_on(client.get_user(request))
                .expect("get_user succeeds");
            assert!(user.id.is_some());
            user
        });
}

/// Times `get_user` called as a Lua function from Rust, the way a host that
/// keeps its own state calls a tool.
#[divan::bench]
fn lua_function(bencher: Bencher) {
    let org = Org::start();
    let host = lua_host(&org);
    let lua = host.lua();
    let get_user: Function = lua
        .load("return app.integrations.okta.get_user")
        .eval()
        .expect("the namespace has get_user");
    let arguments = lua.create_table().expect("a table");
    arguments
        .raw_set("id", org.user_id.as_str())
        .expect("a string field");
    bencher
        .with_inputs(|| org.clear_log())
        .bench_local_values(|()| {
            let user: Table = get_user.call(&arguments).expect("get_user succeeds");
            user
        });
}

/// Times one `LuaHost::run` of a chunk with one `get_user` call, as
/// `okta-lua` and agent hosts run code.
#[divan::bench]
fn lua_run(bencher: Bencher) {
    let org = Org::start();
    let host = lua_host(&org);
    let code = format!(
        "return app.integrations.okta.get_user({{ id = \"{}\" }}).id",
        org.user_id
    );
    bencher
        .with_inputs(|| org.clear_log())
        .bench_local_values(|()| {
            let outcome = host.run(&code, "bench");
            assert!(outcome.success, "{:?}", outcome.error);
            outcome
        });
}

/// Returns the `get_user` result as the client returns it to the Lua host:
/// the user with `groups` and `appLinks` attached.
fn get_user_result(org: &Org) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the runtime starts");
    let client = {
        let _guard = runtime.enter();
        Client::new(&org.account()).expect("the client accepts a loopback org")
    };
    let mut arguments = serde_json::Map::new();
    arguments.insert("id".to_string(), org.user_id.clone().into());
    runtime
        .block_on(client.call(&okta_runtime::tools::GET_USER, arguments))
        .expect("get_user succeeds")
        .value
}

/// Times the part of `lua_function` that turns the result into Lua tables
/// with `convert::json_to_lua`, which the host uses today.
#[divan::bench]
fn result_to_lua(bencher: Bencher) {
    let org = Org::start();
    let host = lua_host(&org);
    let value = get_user_result(&org);
    bencher.bench_local(|| convert::json_to_lua(host.lua(), &value).expect("the result converts"));
}

/// Times the same conversion with `fast_json::json_to_lua`.
#[divan::bench]
fn result_to_lua_fast(bencher: Bencher) {
    let org = Org::start();
    let host = lua_host(&org);
    let value = get_user_result(&org);
    bencher
        .bench_local(|| fast_json::json_to_lua(host.lua(), &value).expect("the result converts"));
}
