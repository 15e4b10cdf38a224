//! Failures other Okta clients shipped, each reproduced against the fake org
//! with its exact expected values. Lua-level checks run in-process; checks
//! of the CLI JSON run the `okta-lua` binary against the same fake org.

use std::process::Command;
use std::time::{Duration, Instant};

use okta_mock::{Collection, MockOptions, MockServer, Reply, Seed};
use okta_runtime::{
    AccountConfig, ClientOptions, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString,
};
use serde_json::{Value, json};

fn empty_org() -> MockServer {
    MockServer::start_blocking(MockOptions {
        seed: Seed::Empty,
        ..MockOptions::default()
    })
    .expect("fake org starts")
}

fn host_for(server: &MockServer, options: ClientOptions) -> LuaHost {
    let mut account =
        AccountConfig::with_api_token("default", &server.url(), SecretString::new(server.token()));
    account.options = options;
    let policy = Policy {
        force: true,
        ..Policy::default()
    };
    let host_options = HostOptions {
        accounts: vec![account],
        default_account: "default".into(),
        policy,
        limits: Limits::default(),
    };
    LuaHost::new(host_options).expect("host starts")
}

fn host(server: &MockServer) -> LuaHost {
    host_for(server, ClientOptions::default())
}

const PRELUDE: &str = "local okta = app.integrations.okta\n";

fn run(host: &LuaHost, code: &str) -> RunOutcome {
    host.run(&format!("{PRELUDE}{code}"), "case")
}

fn run_ok(host: &LuaHost, code: &str) -> Vec<Value> {
    let outcome = run(host, code);
    assert!(outcome.success, "script failed: {:?}", outcome.error);
    outcome.result
}

/// Runs the `okta-lua` binary against the fake org and returns its JSON.
fn cli_json(server: &MockServer, code: &str) -> (Value, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_okta-lua"))
        .args(["--json", "--force", "--eval", &format!("{PRELUDE}{code}")])
        .env("OKTA_ORG_URL", server.url())
        .env("OKTA_API_TOKEN", server.token())
        .output()
        .expect("okta-lua runs");
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|error| panic!("CLI output is not JSON ({error}): {stdout}"));
    (value, stdout)
}

fn user(id: &str, login: &str, first: &str, last: &str) -> Value {
    json!({ "id": id, "status": "ACTIVE", "profile": { "login": login, "email": login, "firstName": first, "lastName": last } })
}

fn raw_get(server: &MockServer, path_and_query: &str) -> (Vec<String>, Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(format!("{}{path_and_query}", server.url()))
            .header("Authorization", format!("SSWS {}", server.token()))
            .send()
            .await
            .expect("raw GET");
        let links = response
            .headers()
            .get_all("link")
            .iter()
            .map(|value| value.to_str().unwrap().to_string())
            .collect();
        let body = response.json().await.expect("JSON body");
        (links, body)
    })
}

/// Returns the path and query of the `rel="next"` link among `links`.
fn next_of(server: &MockServer, links: &[String]) -> Option<String> {
    links
        .iter()
        .find(|link| link.contains("rel=\"next\""))
        .map(|link| {
            let url = link.split('>').next().unwrap().trim_start_matches('<');
            url.strip_prefix(&server.url())
                .expect("link on the same origin")
                .to_string()
        })
}

#[test]
fn c01_list_follows_every_next_link() {
    let server = empty_org();
    let org = server.org();
    for n in 1..=130 {
        org.insert_user(user(
            &format!("u{n:03}"),
            &format!("user{n:03}@example.com"),
            "User",
            &format!("Number{n:03}"),
        ));
    }
    for n in 1..=250 {
        org.insert_group(json!({ "id": format!("00gC01{n:04}"), "profile": { "name": format!("group-{n:04}") } }));
    }
    org.set_page_size(Collection::Users, 50);
    org.set_page_size(Collection::Groups, 200);

    // The URLs the server hands out, fetched independently.
    let (links1, _) = raw_get(&server, "/api/v1/users?limit=120");
    let second = next_of(&server, &links1).expect("page 1 has a next link");
    let (links2, _) = raw_get(&server, &second);
    let third = next_of(&server, &links2).expect("page 2 has a next link");
    server.clear_requests();

    let host = host(&server);
    let result = run_ok(&host, "local r = okta.list_users({ limit = 120 }) return r");
    let records = result[0].as_array().expect("records");
    assert_eq!(records.len(), 120);
    let ids: Vec<&str> = records
        .iter()
        .map(|record| record["id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (1..=120).map(|n| format!("u{n:03}")).collect();
    assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
    let first_keys: Vec<&String> = records[0].as_object().unwrap().keys().collect();
    for record in records {
        assert_eq!(
            record.as_object().unwrap().keys().collect::<Vec<_>>(),
            first_keys,
            "record {}",
            record["id"]
        );
    }

    let requests: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.url())
        .collect();
    assert_eq!(requests.len(), 3, "{requests:?}");
    assert_eq!(requests[0], "/api/v1/users?limit=120");
    assert_eq!(requests[1], second);
    assert_eq!(requests[2], third);

    server.clear_requests();
    let result = run_ok(&host, "local g = okta.list_groups({}) return #g");
    assert_eq!(result[0], 250);
    let group_gets = server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == "/api/v1/groups")
        .count();
    assert_eq!(group_gets, 2);
}

#[test]
fn c03_update_is_a_partial_post() {
    let server = empty_org();
    server
        .org()
        .insert_user(json!({ "id": "00uU0003", "status": "ACTIVE", "profile": {
        "login": "ana.example@example.com", "email": "ana.example@example.com",
        "firstName": "Ana", "lastName": "Example", "mobilePhone": "+1-555-0100",
        "department": "Finance", "costCenterCode": "CC-42" } }));
    let host = host(&server);
    server.clear_requests();

    let result = run_ok(
        &host,
        r#"okta.update_user({ id = "00uU0003", profile = { department = "Sales" } })
           local u = okta.get_user({ id = "00uU0003" })
           return u.profile.department, u.profile.mobilePhone, u.profile.costCenterCode, u.profile.firstName"#,
    );
    assert_eq!(
        result,
        vec![
            json!("Sales"),
            json!("+1-555-0100"),
            json!("CC-42"),
            json!("Ana")
        ]
    );

    let writes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert_eq!(writes[0].method, "POST");
    assert_eq!(writes[0].path, "/api/v1/users/00uU0003");
    assert_eq!(
        writes[0].body_json().unwrap(),
        json!({ "profile": { "department": "Sales" } })
    );
}

#[test]
fn c04_custom_attributes_survive() {
    let server = empty_org();
    server.org().insert_user(json!({ "id": "00uU0004", "status": "ACTIVE", "profile": {
        "login": "cora.custom@example.com", "email": "cora.custom@example.com", "firstName": "Cora", "lastName": "Custom",
        "costCenterCode": "CC-7", "isContractor": true, "badgeIds": ["B-1", "B-2"], "startYear": 2021 } }));
    let host = host(&server);

    let result = run_ok(
        &host,
        r#"local u = okta.get_user({ id = "00uU0004" })
           return u.profile.costCenterCode, u.profile.isContractor, u.profile.badgeIds[2], u.profile.startYear, math.type(u.profile.startYear)"#,
    );
    assert_eq!(
        result,
        vec![
            json!("CC-7"),
            json!(true),
            json!("B-2"),
            json!(2021),
            json!("integer")
        ]
    );

    server.clear_requests();
    run_ok(
        &host,
        r#"okta.create_user({ activate = false, profile = {
             login = "ben.sample@example.com", email = "ben.sample@example.com",
             firstName = "Ben", lastName = "Sample",
             costCenterCode = "CC-9", isContractor = false } })
           okta.update_user({ id = "00uU0004", profile = { costCenterCode = "CC-8" } })"#,
    );
    let writes: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(writes[0].url(), "/api/v1/users?activate=false");
    let create_body = String::from_utf8(writes[0].body.clone()).unwrap();
    assert!(
        create_body.contains("\"costCenterCode\":\"CC-9\""),
        "{create_body}"
    );
    assert!(
        create_body.contains("\"isContractor\":false"),
        "{create_body}"
    );
    let update_body = String::from_utf8(writes[1].body.clone()).unwrap();
    assert!(
        update_body.contains("\"costCenterCode\":\"CC-8\""),
        "{update_body}"
    );

    let (value, _) = cli_json(&server, r#"return okta.get_user({ id = "00uU0004" })"#);
    let profile = &value["result"][0]["profile"];
    assert_eq!(profile["costCenterCode"], "CC-8");
    assert_eq!(profile["isContractor"], true);
    assert_eq!(profile["badgeIds"], json!(["B-1", "B-2"]));
    assert_eq!(profile["startYear"], 2021);
}

#[test]
fn c07_plus_in_search_is_escaped() {
    let server = empty_org();
    server
        .org()
        .insert_user(user("00uU0007", "kim+qa@example.com", "Kim", "Qa"));
    server.org().insert_user(user(
        "00uU0070",
        "kim.other@example.com",
        "Kimberly",
        "Other",
    ));
    let host = host(&server);
    server.clear_requests();

    let result = run_ok(
        &host,
        r#"local r = okta.list_users({ q = "kim+qa@example.com", limit = 10 })
           local u = okta.get_user({ id = "kim+qa@example.com" })
           return #r, r[1].id, u.id"#,
    );
    assert_eq!(result, vec![json!(1), json!("00uU0007"), json!("00uU0007")]);
    let query = server.requests()[0].query.clone().unwrap();
    assert!(query.contains("q=kim%2Bqa"), "{query}");
}

fn c09_error_body() -> Value {
    json!({
        "errorCode": "E0000001",
        "errorSummary": "validation failed (placeholder)",
        "errorLink": "E0000001",
        "errorId": "oaePLACEHOLDER",
        "errorCauses": [
            { "errorSummary": "login: already in use (placeholder)" },
            { "errorSummary": "password: does not meet policy (placeholder)" }
        ]
    })
}

const C09_CREATE: &str = r#"local ok, err = pcall(okta.create_user, {
    profile = { login = "dup.user@example.com", email = "dup.user@example.com",
                firstName = "Dup", lastName = "User" },
    credentials = { password = { value = "Placeholder-Pass-1" } },
    activate = true })"#;

#[test]
fn c09_error_causes_kept() {
    let server = empty_org();
    let reply = || Reply::Json {
        status: 400,
        body: c09_error_body(),
        headers: vec![],
    };
    server.script("POST", "/api/v1/users", vec![reply(), reply()]);
    let host = host(&server);

    let result = run_ok(
        &host,
        &format!("{C09_CREATE}\nreturn ok, tostring(err), json.encode(err)"),
    );
    assert_eq!(result[0], false);
    let message = result[1].as_str().unwrap();
    for needle in [
        "400",
        "E0000001",
        "login: already in use (placeholder)",
        "password: does not meet policy (placeholder)",
        "oaePLACEHOLDER",
    ] {
        assert!(message.contains(needle), "missing {needle} in {message}");
    }
    assert!(!result[2].as_str().unwrap().contains("Placeholder-Pass-1"));

    let (value, stdout) = cli_json(&server, &format!("{C09_CREATE}\nerror(err)"));
    let error = &value["error"];
    assert_eq!(error["errorCode"], "E0000001");
    assert_eq!(error["errorSummary"], "validation failed (placeholder)");
    assert_eq!(error["errorId"], "oaePLACEHOLDER");
    assert_eq!(error["errorCauses"].as_array().map(Vec::len), Some(2));
    assert!(!stdout.contains("Placeholder-Pass-1"));
}

#[test]
fn c10_non_ascii_names_round_trip() {
    let server = empty_org();
    let host = host(&server);
    server.clear_requests();
    let code = r#"local u = okta.create_user({ activate = false, profile = {
        login = "zoe.dang@example.com", email = "zoe.dang@example.com",
        firstName = "Zoë Åsa", lastName = "Đặng-Øster 王 🙂" } })
      local g = okta.get_user({ id = u.id })
      local r = okta.list_users({ q = "Đặng", limit = 5 })
      return g.profile.firstName, g.profile.lastName, #r"#;
    let result = run_ok(&host, code);
    assert_eq!(
        result,
        vec![json!("Zoë Åsa"), json!("Đặng-Øster 王 🙂"), json!(1)]
    );
    let search = server
        .requests()
        .into_iter()
        .find(|r| r.query.as_deref().is_some_and(|q| q.contains("q=")))
        .unwrap();
    assert!(search.query.unwrap().contains("q=%C4%90%E1%BA%B7ng"));

    let (value, _) = cli_json(
        &server,
        r#"local g = okta.get_user({ id = "zoe.dang@example.com" }) return g.profile.firstName, g.profile.lastName"#,
    );
    assert_eq!(value["result"], json!(["Zoë Åsa", "Đặng-Øster 王 🙂"]));
}

#[test]
fn c11_app_and_built_in_groups_explained() {
    let server = empty_org();
    let org = server.org();
    org.insert_user(user("00uU0011", "gus.group@example.com", "Gus", "Group"));
    org.insert_group(json!({ "id": "00gAPP0001", "type": "APP_GROUP", "profile": { "name": "imported-app-group" } }));
    org.insert_group(
        json!({ "id": "00gALL0001", "type": "BUILT_IN", "profile": { "name": "Everyone" } }),
    );
    org.insert_group(
        json!({ "id": "00gOK0001", "type": "OKTA_GROUP", "profile": { "name": "ok-group" } }),
    );
    let denied = || Reply::OktaError {
        status: 403,
        code: "E0000006".into(),
        summary: "no permission (placeholder)".into(),
        causes: vec![],
    };
    server.script(
        "PUT",
        "/api/v1/groups/00gAPP0001/users/00uU0011",
        vec![denied()],
    );
    server.script(
        "PUT",
        "/api/v1/groups/00gALL0001/users/00uU0011",
        vec![denied()],
    );
    let host = host(&server);

    let result = run_ok(
        &host,
        r#"local ok1, e1 = pcall(okta.add_user_to_group, { groupId = "00gAPP0001", userId = "00uU0011" })
           local ok2, e2 = pcall(okta.add_user_to_group, { groupId = "00gALL0001", userId = "00uU0011" })
           local ok3     = pcall(okta.add_user_to_group, { groupId = "00gOK0001",  userId = "00uU0011" })
           return ok1, tostring(e1), ok2, tostring(e2), ok3"#,
    );
    assert_eq!(result[0], false);
    let e1 = result[1].as_str().unwrap();
    assert!(e1.contains("APP_GROUP"), "{e1}");
    assert!(
        e1.contains("managed by the source application or directory"),
        "{e1}"
    );
    assert_eq!(result[2], false);
    let e2 = result[3].as_str().unwrap();
    assert!(e2.contains("BUILT_IN"), "{e2}");
    for message in [e1, e2] {
        let lower = message.to_lowercase();
        assert!(
            !lower.contains("permission") && !lower.contains("token") && !lower.contains("admin"),
            "{message}"
        );
    }
    assert_eq!(result[4], true);
}

/// Peak resident memory, in kilobytes, of the largest child process waited for.
fn children_peak_rss_kb() -> i64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::uninit();
    // SAFETY: getrusage fills the struct it is given and returns 0 on success.
    let status = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, usage.as_mut_ptr()) };
    assert_eq!(status, 0);
    // SAFETY: initialised by the successful call above.
    unsafe { usage.assume_init() }.ru_maxrss
}

#[test]
fn c13_large_lists_complete_and_bounded() {
    let server = empty_org();
    let org = server.org();
    let description = "d".repeat(2500);
    for n in 0..3000 {
        org.insert_group(json!({ "id": format!("00gC13{n:05}"), "profile": { "name": format!("group-{n:05}"), "description": description } }));
    }
    for n in 0..5000 {
        org.insert_user(user(
            &format!("00uC13{n:05}"),
            &format!("bulk{n:05}@example.com"),
            "Bulk",
            &format!("User{n:05}"),
        ));
    }
    org.set_page_size(Collection::Groups, 200);
    let host = host(&server);

    let result = run_ok(&host, "local gs = okta.list_groups({}) return #gs");
    assert_eq!(result[0], 3000);

    server.clear_requests();
    let result = run_ok(
        &host,
        r#"local bad = {}
           for _, n in ipairs({ 201, 0, -1, 1.5 }) do
             bad[#bad + 1] = tostring(select(2, pcall(okta.list_users, { limit = n })))
           end
           return bad"#,
    );
    let messages = result[0].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    for message in messages {
        assert!(
            message
                .as_str()
                .unwrap()
                .contains("an integer from 1 to 200"),
            "{message}"
        );
    }
    assert!(server.requests().is_empty(), "bad limits sent requests");

    let result = run_ok(
        &host,
        "local us = okta.list_users({ limit = 200 }) return #us",
    );
    assert_eq!(result[0], 200);
    assert_eq!(server.requests().len(), 1);

    let (value, stdout) = cli_json(&server, "return okta.list_groups({})");
    assert_eq!(value["result"][0].as_array().map(Vec::len), Some(3000));
    assert!(stdout.len() > 3000 * 2500);
    let peak_kb = children_peak_rss_kb();
    assert!(peak_kb < 256 * 1024, "okta-lua peak RSS {peak_kb} kB");
}

#[test]
fn c14_membership_change_reported() {
    let server = empty_org();
    let org = server.org();
    org.insert_user(user("00uU0014", "mia.member@example.com", "Mia", "Member"));
    org.insert_user(user("00uU0015", "noah.new@example.com", "Noah", "New"));
    org.insert_group(json!({ "id": "00gOK0014", "profile": { "name": "c14-group" } }));
    org.add_member("00gOK0014", "00uU0014");
    let host = host(&server);

    let result = run_ok(
        &host,
        r#"local a = okta.add_user_to_group({ groupId = "00gOK0014", userId = "00uU0014" })
           local b = okta.add_user_to_group({ groupId = "00gOK0014", userId = "00uU0015" })
           local a2 = okta.add_user_to_group({ groupId = "00gOK0014", userId = "00uU0014" })
           local b2 = okta.add_user_group({ groupId = "00gOK0014", userId = "00uU0015" })
           return a.changed, a.message, b.changed, b.message, a2.changed, b2.changed"#,
    );
    assert_eq!(result[0], false);
    assert!(
        result[1].as_str().unwrap().contains("already a member"),
        "{}",
        result[1]
    );
    assert_eq!(result[2], true);
    assert!(
        result[3].as_str().unwrap().contains("was added"),
        "{}",
        result[3]
    );
    assert_eq!(result[4], false);
    assert_eq!(result[5], false);
}

#[test]
fn c15_empty_arrays_stay_arrays() {
    let server = empty_org();
    server.org().insert_user(json!({ "id": "00uU0016", "status": "ACTIVE", "profile": {
        "login": "eve.empty@example.com", "email": "eve.empty@example.com", "firstName": "Eve", "lastName": "Empty",
        "badgeIds": [] } }));
    let host = host(&server);
    server.clear_requests();

    let result = run_ok(
        &host,
        r#"local u = okta.get_user({ id = "00uU0016" })
           okta.update_user({ id = "00uU0016", profile = { badgeIds = u.profile.badgeIds } })
           local none = okta.list_groups({ q = "nomatch" })
           return #none"#,
    );
    assert_eq!(result[0], 0);
    let update = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    let body = String::from_utf8(update.body).unwrap();
    assert!(body.contains("\"badgeIds\":[]"), "{body}");

    let (value, stdout) = cli_json(&server, r#"return okta.list_groups({ q = "nomatch" })"#);
    assert_eq!(value["result"][0], json!([]));
    assert!(stdout.contains("\"result\":[[]"), "{stdout}");
    let (value, _) = cli_json(&server, r#"return okta.get_user({ id = "00uU0016" })"#);
    assert_eq!(value["result"][0]["profile"]["badgeIds"], json!([]));
}

#[test]
fn c17_secrets_never_logged() {
    let server = MockServer::start_blocking(MockOptions {
        seed: Seed::Empty,
        token: "CANARY-TOKEN-0f9e8d".into(),
        ..MockOptions::default()
    })
    .expect("fake org starts");
    server
        .org()
        .insert_user(user("00uU0018", "cal.canary@example.com", "Cal", "Canary"));
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::OktaError {
            status: 400,
            code: "E0000001".into(),
            summary: "Api validation failed: password".into(),
            causes: vec!["password: too weak".into()],
        }],
    );
    server.script(
        "GET",
        "/api/v1/users/me",
        vec![Reply::OktaError {
            status: 401,
            code: "E0000011".into(),
            summary: "Invalid token provided".into(),
            causes: vec![],
        }],
    );
    let log_file = std::env::temp_dir().join(format!("okta-lua-c17-{}.log", std::process::id()));
    let code = r#"local okta = app.integrations.okta
okta.get_user({ id = "00uU0018" })
pcall(okta.create_user, { profile = { login = "c.user@example.com", email = "c.user@example.com",
                                      firstName = "C", lastName = "User" },
                          credentials = { password = { value = "CANARY-PASS-77" } } })
local ok, err = pcall(okta.get_current_user, {})
print(ok, tostring(err))
return ok, err"#;
    let mut command = Command::new(env!("CARGO_BIN_EXE_okta-lua"));
    command
        .args(["--json", "--force", "--log-level", "trace", "--eval", code])
        .env("OKTA_ORG_URL", server.url())
        .env("OKTA_API_TOKEN", "CANARY-TOKEN-0f9e8d");
    command.args(["--log-file", log_file.to_str().unwrap()]);
    let output = command.output().expect("okta-lua runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    let log = std::fs::read_to_string(&log_file).unwrap_or_default();
    std::fs::remove_file(&log_file).ok();

    assert!(
        stderr.contains("okta_request"),
        "trace logging produced no request spans: {stderr}"
    );
    for (name, text) in [("stdout", &stdout), ("stderr", &stderr), ("log file", &log)] {
        assert!(!text.contains("CANARY-TOKEN-0f9e8d"), "token in {name}");
        assert!(!text.contains("CANARY-PASS-77"), "password in {name}");
        for line in text
            .lines()
            .filter(|line| line.to_lowercase().contains("authorization"))
        {
            assert!(
                line.contains("***") || line.contains("Sensitive"),
                "unmasked authorization in {name}: {line}"
            );
        }
    }
    let value: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(value["result"][0], false);
    let error = &value["result"][1];
    assert_eq!(error["status"], 401);
    assert_eq!(error["errorCode"], "E0000011");
    assert!(error["message"].as_str().unwrap().contains("401 E0000011"));
}

#[test]
fn c18_create_timeout_is_not_retried() {
    let server = empty_org();
    server
        .org()
        .insert_user(user("00uU0019", "held.open@example.com", "Held", "Open"));
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::HandleThenHold(Duration::from_secs(60))],
    );
    server.script("GET", "/api/v1/users/00uU0019", vec![Reply::HoldOpen]);
    let timeout = Duration::from_secs(5);
    let host = host_for(
        &server,
        ClientOptions {
            request_timeout: timeout,
            ..ClientOptions::default()
        },
    );

    let started = Instant::now();
    let result = run_ok(
        &host,
        r#"local ok, res = pcall(okta.create_user, { activate = true, profile = {
             login = "new.hire@example.com", email = "new.hire@example.com",
             firstName = "New", lastName = "Hire" } })
           return ok, tostring(res)"#,
    );
    assert!(
        started.elapsed() < timeout + Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(result[0], false);
    let message = result[1].as_str().unwrap();
    assert!(message.contains("timed out"), "{message}");
    assert!(
        message.contains("may already have been created"),
        "{message}"
    );
    assert!(
        message.contains("get_user({ id = \"new.hire@example.com\" })"),
        "{message}"
    );
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
    let created = run_ok(
        &host,
        r#"return okta.get_user({ id = "new.hire@example.com" }).profile.login"#,
    );
    assert_eq!(created[0], "new.hire@example.com");

    let started = Instant::now();
    let outcome = run(&host, r#"return okta.get_user({ id = "00uU0019" })"#);
    assert!(
        started.elapsed() < timeout + Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let error = outcome.error.expect("held-open GET fails");
    assert!(error.message.contains("timed out"), "{}", error.message);
}
