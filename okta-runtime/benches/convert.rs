//! Turning one page of 200 users into Lua tables, against parsing the same
//! bytes into `serde_json::Value`.
//!
//! The page is the body the fake org serves for `GET /api/v1/users?limit=200`
//! after 200 users with custom profile attributes were added to it. The Lua
//! conversions run in the state of a `LuaHost`, with its memory limit, so
//! the garbage each iteration leaves is collected by Lua's incremental
//! collector inside the timed code, as it is when a script lists users.
//!
//! Run with `cargo bench -p okta-runtime --bench convert`; `cargo xtask
//! bench` runs it alternately per benchmark and writes `docs/BENCHMARKS.md`.

use divan::Bencher;
use divan::counter::BytesCount;
use mlua::Value as LuaValue;
use okta_mock::{MockOptions, MockServer, Seed};
use okta_runtime::lua::{convert, fast_json};
use okta_runtime::{AccountConfig, HostOptions, LuaHost, Policy, SecretString};
use serde_json::{Value, json};

fn main() {
    divan::main();
}

const PAGE_USERS: usize = 200;

const DEPARTMENTS: &[&str] = &["Engineering", "Sales", "Finance", "Support", "Marketing"];
const SKILLS: &[&str] = &["rust", "lua", "okta", "sql", "terraform", "python"];

/// Returns an Okta user with the base profile and custom attributes of
/// every type the fake org's schema accepts: string, boolean, integer, number
/// and array.
fn user(index: usize) -> Value {
    let login = format!("bench.user.{index}@example.com");
    json!({
        "status": "ACTIVE",
        "profile": {
            "firstName": "Bench",
            "lastName": format!("User {index}"),
            "email": login,
            "login": login,
            "mobilePhone": format!("+1-555-01{:02}", index % 100),
            "title": "Engineer",
            "department": DEPARTMENTS[index % DEPARTMENTS.len()],
            "employeeNumber": format!("E{index:06}"),
            "costCenter": format!("CC-{}", 100 + index % 7),
            "managerId": format!("E{:06}", index / 10),
            "city": "Lisbon",
            "countryCode": "PT",
            "isContractor": index.is_multiple_of(4),
            "clearanceLevel": (index % 5) as i64,
            "hourlyRate": 42.5 + (index % 3) as f64,
            "skills": [SKILLS[index % SKILLS.len()], SKILLS[(index + 1) % SKILLS.len()]],
            "hireDate": format!("2020-{:02}-{:02}", 1 + index % 12, 1 + index % 28),
        }
    })
}

/// Starts a fake org with 200 such users and returns the body of its first
/// user page, together with the server that must outlive the host.
fn served_page() -> (MockServer, Vec<u8>) {
    let server = MockServer::start_blocking(MockOptions {
        seed: Seed::Empty,
        ..MockOptions::default()
    })
    .expect("the fake org starts on 127.0.0.1");
    let org = server.org();
    for index in 0..PAGE_USERS {
        org.insert_user(user(index));
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the runtime starts");
    let url = format!("{}/api/v1/users?limit={PAGE_USERS}", server.url());
    let body = runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(&url)
            .header("Authorization", format!("SSWS {}", server.token()))
            .header("Accept", "application/json")
            .send()
            .await
            .expect("the fake org responds");
        assert_eq!(response.status().as_u16(), 200);
        response.bytes().await.expect("the body arrives").to_vec()
    });
    let page: Value = serde_json::from_slice(&body).expect("the page is JSON");
    assert_eq!(page.as_array().map(Vec::len), Some(PAGE_USERS));
    (server, body)
}

fn lua_host(server: &MockServer) -> LuaHost {
    LuaHost::new(HostOptions {
        accounts: vec![AccountConfig::with_api_token(
            "default",
            &server.url(),
            SecretString::new(server.token()),
        )],
        default_account: "default".to_string(),
        policy: Policy::default(),
        limits: Default::default(),
    })
    .expect("the Lua host starts")
}

/// Per-sample settings shared by the Lua benchmarks: one conversion per
/// sample, so that every sample starts after a full garbage collection.
const LUA_SAMPLE_SIZE: u32 = 1;

/// Runs `convert` once per sample with the garbage of earlier samples
/// already collected, untimed. Freeing is left out on both sides: divan
/// drops the parsed `Value`s after timing, and the collection frees the
/// Lua tables before it.
fn bench_lua(bencher: Bencher, lua: &mlua::Lua, body: &[u8], convert: impl Fn() -> LuaValue) {
    bencher
        .counter(BytesCount::of_slice(body))
        .with_inputs(|| lua.gc_collect().expect("a full collection succeeds"))
        .bench_local_values(|()| convert());
}

/// Times the baseline: `serde_json::from_slice` into a `Value`.
#[divan::bench]
fn parse_value(bencher: Bencher) {
    let (_server, body) = served_page();
    bencher
        .counter(BytesCount::of_slice(&body))
        .bench_local(|| serde_json::from_slice::<Value>(&body).expect("valid JSON"));
}

/// Times what a tool call does with a response today: parse into a `Value`,
/// then build Lua tables from it with `convert::json_to_lua`, whose every
/// table write is its own protected call under the host's memory limit.
#[divan::bench(sample_size = LUA_SAMPLE_SIZE)]
fn lua_via_value(bencher: Bencher) {
    let (server, body) = served_page();
    let host = lua_host(&server);
    let lua = host.lua();
    bench_lua(bencher, lua, &body, || {
        let value: Value = serde_json::from_slice(&body).expect("valid JSON");
        convert::json_to_lua(lua, &value).expect("the page fits the memory limit")
    });
}

/// Times the same with `fast_json::json_to_lua`, which builds the tables in
/// one protected call.
#[divan::bench(sample_size = LUA_SAMPLE_SIZE)]
fn lua_via_value_fast(bencher: Bencher) {
    let (server, body) = served_page();
    let host = lua_host(&server);
    let lua = host.lua();
    bench_lua(bencher, lua, &body, || {
        let value: Value = serde_json::from_slice(&body).expect("valid JSON");
        fast_json::json_to_lua(lua, &value).expect("the page fits the memory limit")
    });
}

/// Times only the second step of `lua_via_value`: Lua tables from a parsed
/// `Value`.
#[divan::bench(sample_size = LUA_SAMPLE_SIZE)]
fn lua_from_parsed_value(bencher: Bencher) {
    let (server, body) = served_page();
    let host = lua_host(&server);
    let lua = host.lua();
    let value: Value = serde_json::from_slice(&body).expect("valid JSON");
    bench_lua(bencher, lua, &body, || {
        convert::json_to_lua(lua, &value).expect("the page fits the memory limit")
    });
}

/// Times only the second step of `lua_via_value_fast`.
#[divan::bench(sample_size = LUA_SAMPLE_SIZE)]
fn lua_from_parsed_value_fast(bencher: Bencher) {
    let (server, body) = served_page();
    let host = lua_host(&server);
    let lua = host.lua();
    let value: Value = serde_json::from_slice(&body).expect("valid JSON");
    bench_lua(bencher, lua, &body, || {
        fast_json::json_to_lua(lua, &value).expect("the page fits the memory limit")
    });
}

/// Times `convert::decode_json`, which `json.decode` uses: a serde visitor
/// that builds Lua values straight from the bytes, without a `Value`.
#[divan::bench(sample_size = LUA_SAMPLE_SIZE)]
fn lua_decode_json(bencher: Bencher) {
    let (server, body) = served_page();
    let host = lua_host(&server);
    let lua = host.lua();
    bench_lua(bencher, lua, &body, || {
        convert::decode_json(lua, &body)
            .expect("the page fits the memory limit")
            .expect("valid JSON")
    });
}
