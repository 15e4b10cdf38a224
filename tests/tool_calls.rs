//! Requests and results of the group lookup, membership removal, lifecycle
//! and application tools against the fake org: the method, path and query
//! the org receives, the value Lua gets back and the org's state afterwards.

use okta_e2e::{Harness, account, start_org};
use okta_mock::{Collection, MockOptions, MockServer, Seed};
use okta_runtime::requests::{
    GetApplicationRequest, ListGroupMembersRequest, ListUserGroupsRequest,
};
use okta_runtime::{Client, Policy};
use serde_json::{Value, json};

const JOHN: &str = "00u1a2b3c4d5e6f7g8h9";
const ENGINEERING: &str = "00g1a2b3c4d5e6f7g8h9";
const EVERYONE: &str = "00gdemoeveryone00001";
const STAGED_WITHOUT_PASSWORD: &str = "00udemouser000000016";
const SUSPENDED: &str = "00udemouser000000020";
const SLACK: &str = "0oademoslack00000001";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Returns `(method, path?query)` of every request the org received.
fn requests(server: &MockServer) -> Vec<(String, String)> {
    server
        .requests()
        .into_iter()
        .map(|request| (request.method.clone(), request.url()))
        .collect()
}

fn request(method: &str, url: &str) -> (String, String) {
    (method.to_string(), url.to_string())
}

fn user_status(harness: &Harness, id: &str) -> Value {
    let outcome = harness.run_ok(&format!(
        "return app.integrations.okta.get_user({{ id = {} }}).status",
        json!(id)
    ));
    outcome.result[0].clone()
}

fn group_ids(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .expect("a sequence")
        .iter()
        .filter_map(|group| group["id"].as_str())
        .collect()
}

#[test]
fn list_user_groups_single_request() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness.run_ok(&format!(
        "local groups, page = app.integrations.okta.list_user_groups({{ id = \"{JOHN}\" }})
         return groups, page == nil"
    ));

    let groups = group_ids(&outcome.result[0]);
    assert!(groups.contains(&EVERYONE), "{groups:?}");
    assert!(groups.contains(&ENGINEERING), "{groups:?}");
    assert_eq!(
        outcome.result[1], true,
        "a list fetched in one request has no page table"
    );
    assert_eq!(
        requests(&harness.server),
        vec![request("GET", &format!("/api/v1/users/{JOHN}/groups"))]
    );
}

#[test]
fn list_user_groups_typed_vec() {
    let server = start_org(Seed::Demo);
    let client = Client::new(&account(&server)).expect("client");
    let groups = runtime()
        .block_on(client.list_user_groups(ListUserGroupsRequest { id: JOHN.into() }))
        .expect("list_user_groups");
    let ids: Vec<&str> = groups
        .iter()
        .filter_map(|group| group.id.as_deref())
        .collect();
    assert!(ids.contains(&ENGINEERING), "{ids:?}");
}

#[test]
fn list_user_groups_unknown_user() {
    let harness = Harness::demo_with_writes();
    let outcome =
        harness.run(r#"return app.integrations.okta.list_user_groups({ id = "nobody" })"#);
    let error = outcome.error.expect("no such user");
    assert_eq!(error.fields["status"], 404, "{}", error.message);
}

#[test]
fn list_group_members_follows_pages() {
    let server = MockServer::start_blocking(MockOptions {
        seed: Seed::Demo,
        page_sizes: vec![(Collection::GroupMembers, 4)],
        ..MockOptions::default()
    })
    .expect("fake org starts");
    let harness = Harness::attach(server, Policy::default());
    harness.server.clear_requests();
    let outcome = harness.run_ok(&format!(
        "local members, page = app.integrations.okta.list_group_members({{ groupId = \"{ENGINEERING}\" }})
         return members, page"
    ));

    let members = outcome.result[0].as_array().expect("a sequence");
    assert_eq!(members.len(), 10);
    assert!(members.iter().any(|user| user["id"] == JOHN));
    assert_eq!(outcome.result[1]["truncated"], false);
    assert_eq!(outcome.result[1]["pages"], 3);
    let sent = requests(&harness.server);
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert_eq!(
        sent[0],
        request("GET", &format!("/api/v1/groups/{ENGINEERING}/users"))
    );
    assert!(sent[1].1.contains("after="), "{sent:?}");
}

#[test]
fn list_group_members_stops_at_max_items() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run_ok(&format!(
        "return app.integrations.okta.list_group_members({{ groupId = \"{ENGINEERING}\", max_items = 3 }})"
    ));
    assert_eq!(outcome.result[0].as_array().map(Vec::len), Some(3));
    assert_eq!(outcome.result[1]["truncated"], true);
    assert!(
        outcome.result[1]["next"].is_string(),
        "{:?}",
        outcome.result[1]
    );
}

#[test]
fn list_group_members_typed_page() {
    let server = start_org(Seed::Demo);
    let client = Client::new(&account(&server)).expect("client");
    let page = runtime()
        .block_on(client.list_group_members(ListGroupMembersRequest {
            group_id: ENGINEERING.into(),
            ..Default::default()
        }))
        .expect("list_group_members");
    assert_eq!(page.items.len(), 10);
    assert!(!page.truncated);
}

#[test]
fn remove_user_from_group_sends_delete() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness.run_ok(&format!(
        "return app.integrations.okta.remove_user_from_group({{ groupId = \"{ENGINEERING}\", userId = \"{JOHN}\" }})"
    ));

    let change = &outcome.result[0];
    assert_eq!(change["changed"], true);
    assert_eq!(change["groupId"], ENGINEERING);
    assert_eq!(change["userId"], JOHN);
    assert_eq!(
        requests(&harness.server),
        vec![
            request("GET", &format!("/api/v1/users/{JOHN}/groups")),
            request(
                "DELETE",
                &format!("/api/v1/groups/{ENGINEERING}/users/{JOHN}")
            ),
        ]
    );
    let groups = harness.run_ok(&format!(
        "return app.integrations.okta.list_user_groups({{ id = \"{JOHN}\" }})"
    ));
    assert!(!group_ids(&groups.result[0]).contains(&ENGINEERING));
}

#[test]
fn remove_user_from_group_when_not_member() {
    let harness = Harness::demo_with_writes();
    let code = format!(
        "return app.integrations.okta.remove_user_from_group({{ groupId = \"{ENGINEERING}\", userId = \"{SUSPENDED}\" }})"
    );
    harness.server.clear_requests();
    let outcome = harness.run_ok(&code);

    assert_eq!(outcome.result[0]["changed"], false);
    let methods: Vec<String> = requests(&harness.server)
        .into_iter()
        .map(|(method, _)| method)
        .collect();
    assert_eq!(methods, vec!["GET"], "no DELETE for a non-member");
}

#[test]
fn remove_user_from_built_in_group() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run(&format!(
        "return app.integrations.okta.remove_user_from_group({{ groupId = \"{EVERYONE}\", userId = \"{JOHN}\" }})"
    ));
    let error = outcome.error.expect("BUILT_IN memberships cannot change");
    assert_eq!(error.fields["status"], 403, "{}", error.message);
    assert!(error.message.contains("BUILT_IN"), "{}", error.message);
}

#[test]
fn activate_user_sends_email_by_default() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness.run_ok(&format!(
        "return app.integrations.okta.activate_user({{ id = \"{STAGED_WITHOUT_PASSWORD}\" }})"
    ));

    assert_eq!(
        outcome.result[0],
        json!({ "id": STAGED_WITHOUT_PASSWORD, "status": "ACTIVE" })
    );
    assert_eq!(
        requests(&harness.server),
        vec![request(
            "POST",
            &format!("/api/v1/users/{STAGED_WITHOUT_PASSWORD}/lifecycle/activate?sendEmail=true")
        )]
    );
    // Without a password the user waits in PROVISIONED for the email's link.
    assert_eq!(
        user_status(&harness, STAGED_WITHOUT_PASSWORD),
        "PROVISIONED"
    );
}

#[test]
fn activate_user_without_email() {
    let harness = Harness::demo_with_writes();
    harness.run_ok(
        r#"app.integrations.okta.create_user({ activate = false,
            profile = { login = "sam.lee@example.com", email = "sam.lee@example.com", firstName = "Sam", lastName = "Lee" },
            credentials = { password = { value = "TempPass123!" } } })"#,
    );
    harness.server.clear_requests();
    harness.run_ok(
        r#"app.integrations.okta.activate_user({ id = "sam.lee@example.com", sendEmail = false })"#,
    );

    let sent = requests(&harness.server);
    assert_eq!(
        sent,
        vec![request(
            "POST",
            "/api/v1/users/sam.lee%40example.com/lifecycle/activate?sendEmail=false"
        )]
    );
    assert_eq!(user_status(&harness, "sam.lee@example.com"), "ACTIVE");
}

#[test]
fn activate_active_user_rejected() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run(&format!(
        "return app.integrations.okta.activate_user({{ id = \"{JOHN}\" }})"
    ));
    let error = outcome.error.expect("already active");
    assert_eq!(error.fields["status"], 403, "{}", error.message);
    assert_eq!(error.fields["errorCode"], "E0000016", "{}", error.message);
}

#[test]
fn suspend_then_unsuspend_user() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let suspended = harness.run_ok(&format!(
        "return app.integrations.okta.suspend_user({{ id = \"{JOHN}\" }})"
    ));
    assert_eq!(
        suspended.result[0],
        json!({ "id": JOHN, "status": "SUSPENDED" })
    );
    assert_eq!(user_status(&harness, JOHN), "SUSPENDED");

    let unsuspended = harness.run_ok(&format!(
        "return app.integrations.okta.unsuspend_user({{ id = \"{JOHN}\" }})"
    ));
    assert_eq!(
        unsuspended.result[0],
        json!({ "id": JOHN, "status": "ACTIVE" })
    );
    assert_eq!(user_status(&harness, JOHN), "ACTIVE");

    let writes: Vec<(String, String)> = requests(&harness.server)
        .into_iter()
        .filter(|(method, _)| method == "POST")
        .collect();
    assert_eq!(
        writes,
        vec![
            request("POST", &format!("/api/v1/users/{JOHN}/lifecycle/suspend")),
            request("POST", &format!("/api/v1/users/{JOHN}/lifecycle/unsuspend")),
        ]
    );
}

#[test]
fn unsuspend_active_user_rejected() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run(&format!(
        "return app.integrations.okta.unsuspend_user({{ id = \"{JOHN}\" }})"
    ));
    let error = outcome.error.expect("not suspended");
    assert_eq!(error.fields["status"], 403, "{}", error.message);
    assert_eq!(error.fields["errorCode"], "E0000038", "{}", error.message);
}

#[test]
fn unsuspend_suspended_user() {
    let harness = Harness::demo_with_writes();
    harness.run_ok(&format!(
        "app.integrations.okta.unsuspend_user({{ id = \"{SUSPENDED}\" }})"
    ));
    assert_eq!(user_status(&harness, SUSPENDED), "ACTIVE");
}

#[test]
fn write_tools_need_permission() {
    let harness = Harness::new(Seed::Demo, Policy::default());
    for code in [
        format!("app.integrations.okta.activate_user({{ id = \"{STAGED_WITHOUT_PASSWORD}\" }})"),
        format!("app.integrations.okta.suspend_user({{ id = \"{JOHN}\" }})"),
        format!("app.integrations.okta.unsuspend_user({{ id = \"{SUSPENDED}\" }})"),
        format!(
            "app.integrations.okta.remove_user_from_group({{ groupId = \"{ENGINEERING}\", userId = \"{JOHN}\" }})"
        ),
    ] {
        harness.server.clear_requests();
        let outcome = harness.run(&code);
        assert!(!outcome.success, "{code} ran without write permission");
        assert_eq!(requests(&harness.server), vec![], "{code} reached the org");
    }
}

#[test]
fn get_application_by_id() {
    let harness = Harness::demo_with_writes();
    harness.server.clear_requests();
    let outcome = harness.run_ok(&format!(
        "return app.integrations.okta.get_application({{ appId = \"{SLACK}\" }})"
    ));

    let application = &outcome.result[0];
    assert_eq!(application["id"], SLACK);
    assert_eq!(application["label"], "Slack");
    assert_eq!(application["signOnMode"], "SAML_2_0");
    assert_eq!(
        requests(&harness.server),
        vec![request("GET", &format!("/api/v1/apps/{SLACK}"))]
    );
}

#[test]
fn get_application_typed() {
    let server = start_org(Seed::Demo);
    let client = Client::new(&account(&server)).expect("client");
    let application = runtime()
        .block_on(client.get_application(GetApplicationRequest {
            app_id: SLACK.into(),
        }))
        .expect("get_application");
    assert_eq!(application.label.as_deref(), Some("Slack"));
}

#[test]
fn get_application_unknown_id() {
    let harness = Harness::demo_with_writes();
    let outcome =
        harness.run(r#"return app.integrations.okta.get_application({ appId = "0oanothing" })"#);
    let error = outcome.error.expect("no such application");
    assert_eq!(error.fields["status"], 404, "{}", error.message);
}

#[test]
fn arguments_checked_before_request() {
    let harness = Harness::demo_with_writes();
    for (code, expected) in [
        (
            "app.integrations.okta.list_user_groups({})",
            "missing required parameter `id`",
        ),
        (
            "app.integrations.okta.list_group_members({ groupId = \"g\", max_items = 0 })",
            "`max_items` must be an integer from 1 to 1000000",
        ),
        (
            "app.integrations.okta.activate_user({ id = \"u\", sendEmail = \"no\" })",
            "`sendEmail` must be a boolean",
        ),
        (
            "app.integrations.okta.remove_user_from_group({ groupId = \"g\" })",
            "missing required parameter `userId`",
        ),
        (
            "app.integrations.okta.get_application({ id = \"x\" })",
            "unknown parameter `id`",
        ),
    ] {
        harness.server.clear_requests();
        let outcome = harness.run(code);
        let error = outcome.error.unwrap_or_else(|| panic!("{code} succeeded"));
        assert!(
            error.message.contains(expected),
            "{code}: {}",
            error.message
        );
        assert_eq!(requests(&harness.server), vec![], "{code} reached the org");
    }
}
