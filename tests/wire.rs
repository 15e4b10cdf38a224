//! What actually reaches the org: paths, methods and bodies as the fake org
//! records them.

use okta_e2e::Harness;
use okta_mock::Seed;
use okta_runtime::Policy;
use serde_json::json;

#[test]
fn path_values_cannot_change_the_path() {
    let harness = Harness::demo_with_writes();
    for (value, raw) in [
        ("a/b", "/api/v1/users/a%2Fb"),
        ("x?y=1", "/api/v1/users/x%3Fy%3D1"),
        ("x#frag", "/api/v1/users/x%23frag"),
        ("100%", "/api/v1/users/100%25"),
        ("../groups", "/api/v1/users/..%2Fgroups"),
        ("..%2F..", "/api/v1/users/..%252F.."),
    ] {
        harness.server.clear_requests();
        let outcome = harness.run(&format!(
            "return app.integrations.okta.get_user({{ id = {} }})",
            json!(value)
        ));
        let error = outcome.error.expect("no such user");
        assert_eq!(error.fields["status"], 404, "{value}: {}", error.message);
        let requests = harness.server.requests();
        assert_eq!(requests.len(), 1, "{value}: {requests:?}");
        assert_eq!(requests[0].path, raw, "{value}");
        assert_eq!(requests[0].query, None, "{value}");
    }
}

#[test]
fn login_with_plus_reaches_the_user() {
    let harness = Harness::demo_with_writes();
    harness.run_ok(
        r#"app.integrations.okta.create_user({ activate = false, profile = {
            login = "kim+qa@example.com", email = "kim+qa@example.com", firstName = "Kim", lastName = "Qa" } })"#,
    );
    harness.server.clear_requests();
    let outcome = harness.run_ok(
        r#"return app.integrations.okta.get_user({ id = "kim+qa@example.com" }).profile.login"#,
    );
    assert_eq!(outcome.result[0], "kim+qa@example.com");
    assert_eq!(
        harness.server.requests()[0].path,
        "/api/v1/users/kim%2Bqa%40example.com"
    );
}

#[test]
fn update_sends_post_never_put() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    harness.run_ok(r#"app.integrations.okta.update_user({ id = "00u1a2b3c4d5e6f7g8h9", profile = { title = "Lead" } })"#);
    let requests = harness.server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].path, "/api/v1/users/00u1a2b3c4d5e6f7g8h9");
    assert_eq!(
        requests[0].body_json(),
        Some(json!({ "profile": { "title": "Lead" } }))
    );
    assert!(requests.iter().all(|request| request.method != "PUT"));
}

#[test]
fn deactivate_sends_lifecycle_post_never_delete() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness
        .run_ok(r#"return app.integrations.okta.deactivate_user({ id = "00u1a2b3c4d5e6f7g8h9" })"#);
    assert_eq!(
        outcome.result[0],
        json!({ "id": "00u1a2b3c4d5e6f7g8h9", "status": "DEPROVISIONED" })
    );
    let requests = harness.server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert_eq!(requests[0].method, "POST");
    assert_eq!(
        requests[0].path,
        "/api/v1/users/00u1a2b3c4d5e6f7g8h9/lifecycle/deactivate"
    );
    assert!(
        harness.server.org().user("00u1a2b3c4d5e6f7g8h9").is_some(),
        "the user still exists"
    );
}

#[test]
fn writes_without_force_never_reach_the_org() {
    let harness = Harness::new(Seed::Demo, Policy::default());
    harness.server.clear_requests();
    for code in [
        r#"app.integrations.okta.create_user({ profile = { login = "a@example.com", email = "a@example.com", firstName = "A", lastName = "B" } })"#,
        r#"app.integrations.okta.update_user({ id = "00u1a2b3c4d5e6f7g8h9", profile = { title = "X" } })"#,
        r#"app.integrations.okta.deactivate_user({ id = "00u1a2b3c4d5e6f7g8h9" })"#,
        r#"app.integrations.okta.add_user_to_group({ groupId = "00g1a2b3c4d5e6f7g8h9", userId = "00u1a2b3c4d5e6f7g8h9" })"#,
        r#"app.integrations.okta.add_user_group({ groupId = "00g1a2b3c4d5e6f7g8h9", userId = "00u1a2b3c4d5e6f7g8h9" })"#,
    ] {
        let outcome = harness.run(code);
        let error = outcome.error.expect("write rejected");
        assert!(
            error.message.contains("is a write tool"),
            "{}",
            error.message
        );
        assert!(outcome.integration_calls.is_empty());
    }
    assert_eq!(harness.server.requests(), Vec::new());
}

#[test]
fn sends_ssws_authorization() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    harness.run_ok("app.integrations.okta.get_current_user({})");
    let request = &harness.server.requests()[0];
    assert_eq!(request.header("authorization"), Some("SSWS ***"));
    assert_eq!(request.path, "/api/v1/users/me");
}

#[test]
fn okta_error_is_structured_in_lua() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run_ok(
        r#"local ok, err = pcall(app.integrations.okta.get_group, { id = "00gmissing" })
           return ok, err.status, err.errorCode, err.errorSummary, type(err.errorId), tostring(err)"#,
    );
    assert_eq!(outcome.result[0], false);
    assert_eq!(outcome.result[1], 404);
    assert_eq!(outcome.result[2], "E0000007");
    assert!(
        outcome.result[3]
            .as_str()
            .unwrap()
            .starts_with("Not found: Resource not found: 00gmissing"),
        "{:?}",
        outcome.result
    );
    assert_eq!(outcome.result[4], "string");
    assert!(
        outcome.result[5]
            .as_str()
            .unwrap()
            .starts_with("Okta API error 404 E0000007: Not found"),
        "{:?}",
        outcome.result
    );
}

#[test]
fn validation_error_keeps_causes() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run_ok(
        r#"local profile = { login = "john.smith@example.com", email = "john.smith@example.com", firstName = "J", lastName = "S" }
           local ok, err = pcall(app.integrations.okta.create_user, { profile = profile })
           return ok, err.status, err.errorCode, #err.errorCauses, err.errorCauses[1]"#,
    );
    assert_eq!(outcome.result[0], false);
    assert_eq!(outcome.result[1], 400);
    assert_eq!(outcome.result[2], "E0000001");
    assert_eq!(outcome.result[3], 1);
    assert!(
        outcome.result[4].as_str().unwrap().contains("login"),
        "{:?}",
        outcome.result
    );
}

#[test]
fn get_user_attaches_groups_and_app_links() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness.run_ok(
        r#"local user = app.integrations.okta.get_user({ id = "00u1a2b3c4d5e6f7g8h9" })
           return #user.groups, user.groups[1].profile.name ~= nil, #user.appLinks, user.appLinks[1].label ~= nil"#,
    );
    let org = harness.server.org();
    let group_count = org.user_group_ids("00u1a2b3c4d5e6f7g8h9").len();
    assert_eq!(outcome.result[0], json!(group_count));
    assert_eq!(outcome.result[1], true);
    assert_eq!(outcome.result[3], true);
    let paths: Vec<String> = harness
        .server
        .requests()
        .iter()
        .map(|request| request.path.clone())
        .collect();
    assert_eq!(
        paths,
        vec![
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9",
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9/groups",
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9/appLinks"
        ]
    );
}

#[test]
fn typed_client_round_trip() {
    let harness = Harness::demo_with_writes();
    let client = harness.client();
    let runtime = tokio_runtime();
    let page = runtime
        .block_on(client.list_users(okta_runtime::requests::ListUsersRequest {
            limit: Some(5),
            ..Default::default()
        }))
        .expect("list");
    assert_eq!(page.items.len(), 5);
    assert!(page.truncated);
    let user = runtime
        .block_on(client.get_user(okta_runtime::requests::GetUserRequest {
            id: "00u1a2b3c4d5e6f7g8h9".into(),
        }))
        .expect("get");
    assert_eq!(user.id.as_deref(), Some("00u1a2b3c4d5e6f7g8h9"));
    assert!(user.groups.is_some_and(|groups| !groups.is_empty()));
}

fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn rate_limit_state_in_lua() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run_ok(
        r#"local okta = app.integrations.okta
           local before = okta.rate_limit()
           okta.get_current_user({})
           local after = okta.default.rate_limit()
           return before == nil, after.limit > 0, after.remaining < after.limit, math.type(after.reset)"#,
    );
    assert_eq!(
        outcome.result,
        vec![json!(true), json!(true), json!(true), json!("integer")]
    );
}
