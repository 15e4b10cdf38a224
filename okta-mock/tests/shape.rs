//! Shape conformance with recorded real Okta responses. Each recording that
//! has a request is replayed against a fake org set up with the recorded
//! objects. The test then compares the status, the headers that clients
//! read, and the keys and value types at every level.
//!
//! The recordings come from orgs of different years, so a few keys differ
//! between them; each tolerated difference is listed with its case.

mod common;

use std::path::PathBuf;

use common::{Answer, Api, empty_org};
use okta_mock::{MockOptions, MockServer, RateLimits, Seed};
use reqwest::Method;
use serde_json::{Value, json};

/// Keys whose value is a timestamp that Okta returns as null until the
/// event happens; null and a string are the same shape there.
const NULLABLE_TIMESTAMPS: &[&str] =
    &["activated", "statusChanged", "lastLogin", "passwordChanged"];

fn recorded_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/okta-reference/recorded")
}

fn load(name: &str) -> Value {
    let path = recorded_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {} failed: {error}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn recorded_body(name: &str) -> Value {
    load(name)["response"]["body"].clone()
}

/// Returns the recorded request's path and query with the host removed.
fn recorded_target(recording: &Value) -> String {
    let url = recording["request"]["url"].as_str().unwrap();
    url.strip_prefix("https://example.okta.com")
        .unwrap()
        .to_string()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(number) if number.is_f64() => "number",
        Value::Number(_) => "integer",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Replaces array indexes in a path with `*` so tolerations name them once.
fn pattern(path: &str) -> String {
    path.split('/')
        .map(|part| {
            if part.parse::<usize>().is_ok() {
                "*"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn compare(
    path: &str,
    recorded: &Value,
    fake: &Value,
    tolerated: &[&str],
    problems: &mut Vec<String>,
) {
    if tolerated.contains(&pattern(path).as_str()) {
        return;
    }
    let last_key = path.rsplit('/').next().unwrap_or_default();
    if kind(recorded) != kind(fake) {
        let nullable =
            NULLABLE_TIMESTAMPS.contains(&last_key) && (recorded.is_null() || fake.is_null());
        if !nullable {
            problems.push(format!(
                "{path}: recorded {} but fake {}",
                kind(recorded),
                kind(fake)
            ));
        }
        return;
    }
    match (recorded, fake) {
        (Value::Object(recorded), Value::Object(fake)) => {
            for key in recorded.keys() {
                let child = format!("{path}/{key}");
                if !fake.contains_key(key) && !tolerated.contains(&pattern(&child).as_str()) {
                    problems.push(format!("{child}: missing from the fake"));
                }
            }
            for key in fake.keys() {
                let child = format!("{path}/{key}");
                if !recorded.contains_key(key) && !tolerated.contains(&pattern(&child).as_str()) {
                    problems.push(format!("{child}: not in the recording"));
                }
            }
            for (key, value) in recorded {
                if let Some(other) = fake.get(key) {
                    compare(&format!("{path}/{key}"), value, other, tolerated, problems);
                }
            }
        }
        (Value::Array(recorded), Value::Array(fake)) => {
            if recorded.len() != fake.len() {
                problems.push(format!(
                    "{path}: recorded {} items but fake {}",
                    recorded.len(),
                    fake.len()
                ));
            }
            for (index, (left, right)) in recorded.iter().zip(fake).enumerate() {
                compare(&format!("{path}/{index}"), left, right, tolerated, problems);
            }
        }
        _ => {}
    }
}

fn header<'a>(headers: &'a Value, name: &str) -> Option<&'a Value> {
    headers
        .as_object()
        .unwrap()
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value)
}

/// Replaces the cursor value in a `Link` value so cursors in different
/// formats compare equal.
fn without_cursor(link: &str) -> String {
    match link.find("after=") {
        Some(start) => {
            let rest = &link[start + 6..];
            let end = rest.find(['&', '>']).unwrap_or(rest.len());
            format!("{}after=CURSOR{}", &link[..start], &rest[end..])
        }
        None => link.to_string(),
    }
}

/// Compares one fake response with one recording.
fn check(name: &str, answer: &Answer, base: &str, tolerated: &[&str]) {
    let recording = load(name);
    let response = &recording["response"];
    let mut problems = Vec::new();

    if answer.status != response["status"].as_u64().unwrap() as u16 {
        problems.push(format!(
            "status: recorded {} but fake {}",
            response["status"], answer.status
        ));
    }

    let headers = &response["headers"];
    if let Some(content_type) = header(headers, "content-type") {
        let fake = answer.header("content-type").unwrap_or_default();
        if !fake.starts_with("application/json")
            || !content_type
                .as_str()
                .unwrap()
                .starts_with("application/json")
        {
            problems.push(format!(
                "content-type: recorded {content_type} but fake {fake}"
            ));
        }
    }
    for name in [
        "date",
        "etag",
        "x-rate-limit-limit",
        "x-rate-limit-remaining",
        "x-rate-limit-reset",
    ] {
        if header(headers, name).is_some() && answer.header(name).is_none() {
            problems.push(format!("header {name} missing from the fake"));
        }
    }

    let recorded_links: Vec<String> = header(headers, "link")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .map(|value| {
                    without_cursor(
                        &value
                            .as_str()
                            .unwrap()
                            .replace("https://example.okta.com", base),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let fake_links: Vec<String> = answer
        .links()
        .iter()
        .map(|link| without_cursor(link))
        .collect();
    for link in &recorded_links {
        if !fake_links.contains(link) {
            problems.push(format!("link {link} missing; fake sent {fake_links:?}"));
        }
    }
    // Only the 2020 recordings keep a single Link value; newer ones keep all.
    if recorded_links.len() > 1 && recorded_links.len() != fake_links.len() {
        problems.push(format!(
            "link values: recorded {recorded_links:?} but fake {fake_links:?}"
        ));
    }

    let recorded_body = &response["body"];
    if recorded_body.is_null() {
        if !answer.text.is_empty() {
            problems.push(format!("body: recorded none but fake sent {}", answer.text));
        }
    } else {
        compare("", recorded_body, &answer.body, tolerated, &mut problems);
    }
    assert!(problems.is_empty(), "{name}:\n  {}", problems.join("\n  "));
}

fn insert_recorded_users(server: &MockServer, names: &[&str]) {
    for name in names {
        let body = recorded_body(name);
        let users = match body {
            Value::Array(users) => users,
            user => vec![user],
        };
        for user in users {
            server.org().insert_user(user);
        }
    }
}

#[tokio::test]
async fn users_list_pages() {
    let server = empty_org().await;
    insert_recorded_users(&server, &["users-list-page1.json", "users-list-page2.json"]);
    server.org().insert_user(json!({ "status": "STAGED", "credentials": { "password": {} }, "profile": { "firstName": "Third", "lastName": "User", "login": "third.user@example.com", "email": "third.user@example.com", "mobilePhone": null, "secondEmail": null } }));
    let api = Api::new(&server);
    let page1 = api
        .get(&recorded_target(&load("users-list-page1.json")))
        .await;
    check("users-list-page1.json", &page1, &api.base, &[]);
    let page2 = api.get(&page1.next_link().unwrap()).await;
    check("users-list-page2.json", &page2, &api.base, &[]);
}

#[tokio::test]
async fn users_search_page() {
    let server = empty_org().await;
    insert_recorded_users(&server, &["users-search-page1.json"]);
    server.org().insert_user(json!({ "status": "PROVISIONED", "credentials": {}, "profile": { "firstName": "Test", "lastName": "User", "login": "another.test@example.com", "email": "another.test@example.com" } }));
    let api = Api::new(&server);
    let answer = api
        .get(&recorded_target(&load("users-search-page1.json")))
        .await;
    check("users-search-page1.json", &answer, &api.base, &[]);
}

#[tokio::test]
async fn user_get_by_id_and_login() {
    let server = empty_org().await;
    insert_recorded_users(&server, &["user-get.json", "user-get-by-login.json"]);
    let api = Api::new(&server);
    let by_id = api.get(&recorded_target(&load("user-get.json"))).await;
    check("user-get.json", &by_id, &api.base, &[]);
    let by_login = api
        .get(&recorded_target(&load("user-get-by-login.json")))
        .await;
    // The 2020 org did not offer resetFactors on a staged user yet.
    check(
        "user-get-by-login.json",
        &by_login,
        &api.base,
        &["/_links/resetFactors"],
    );
}

async fn replay_write(server: &MockServer, name: &str) -> Answer {
    let recording = load(name);
    let method =
        Method::from_bytes(recording["request"]["method"].as_str().unwrap().as_bytes()).unwrap();
    let body = recording["request"].get("body").cloned();
    Api::new(server)
        .send(method, &recorded_target(&recording), body)
        .await
}

#[tokio::test]
async fn user_creates() {
    for name in [
        "user-create-active-with-password.json",
        "user-create-staged-with-password.json",
        "user-create-staged-no-password.json",
    ] {
        let server = empty_org().await;
        let answer = replay_write(&server, name).await;
        check(name, &answer, &server.url(), &[]);
    }
}

#[tokio::test]
async fn user_update_and_replace() {
    let server = empty_org().await;
    let mut before = recorded_body("user-update-partial-post.json");
    before["profile"]
        .as_object_mut()
        .unwrap()
        .remove("nickName");
    server.org().insert_user(before);
    let answer = replay_write(&server, "user-update-partial-post.json").await;
    check("user-update-partial-post.json", &answer, &server.url(), &[]);
    assert_eq!(answer.body["profile"]["nickName"], "TU");

    insert_recorded_users(&server, &["user-create-staged-with-password.json"]);
    let answer = replay_write(&server, "user-replace-put.json").await;
    check("user-replace-put.json", &answer, &server.url(), &[]);
    assert_eq!(answer.body["profile"]["lastName"], "User-Replaced");
}

#[tokio::test]
async fn user_deactivate_both_eras() {
    let server = empty_org().await;
    insert_recorded_users(&server, &["user-create-staged-with-password.json"]);
    let answer = replay_write(&server, "user-deactivate-200.json").await;
    check("user-deactivate-200.json", &answer, &server.url(), &[]);

    let server = empty_org().await;
    server.org().set_deactivate_status(204);
    server.org().insert_user(json!({ "id": "00usfdbbnIjyhFqU74x6", "profile": { "firstName": "Test", "lastName": "User", "login": "test.user-deactivate@example.com", "email": "test.user-deactivate@example.com" } }));
    let answer = replay_write(&server, "user-deactivate-204.json").await;
    check("user-deactivate-204.json", &answer, &server.url(), &[]);
}

#[tokio::test]
async fn user_blocks_feature_not_enabled() {
    let server = empty_org().await;
    server.org().insert_user(json!({ "id": "00uqrkqis03rqAuOk5d7", "profile": { "firstName": "Test", "lastName": "User", "login": "test.user-blocks@example.com", "email": "test.user-blocks@example.com" } }));
    let api = Api::new(&server);
    let answer = api
        .get(&recorded_target(&load(
            "error-feature-not-enabled-401.json",
        )))
        .await;
    check(
        "error-feature-not-enabled-401.json",
        &answer,
        &api.base,
        &[],
    );
    assert_eq!(
        answer.body["errorSummary"],
        recorded_body("error-feature-not-enabled-401.json")["errorSummary"]
    );
}

#[tokio::test]
async fn user_errors() {
    let server = empty_org().await;
    let api = Api::new(&server);
    let not_found = api
        .get(&recorded_target(&load("error-not-found-user.json")))
        .await;
    check("error-not-found-user.json", &not_found, &api.base, &[]);
    assert_eq!(
        not_found.body["errorSummary"],
        recorded_body("error-not-found-user.json")["errorSummary"]
    );

    server.org().insert_user(json!({ "id": "00uqrku6swqIv4Y1T5d7", "status": "ACTIVE", "profile": { "firstName": "Test", "lastName": "User", "login": "test.user-reactivate@example.com", "email": "test.user-reactivate@example.com" } }));
    let not_allowed = replay_write(&server, "error-operation-not-allowed-403.json").await;
    check(
        "error-operation-not-allowed-403.json",
        &not_allowed,
        &api.base,
        &[],
    );
    assert_eq!(
        not_allowed.body["errorSummary"],
        recorded_body("error-operation-not-allowed-403.json")["errorSummary"]
    );

    let unknown_property =
        replay_write(&server, "error-validation-unknown-profile-property.json").await;
    check(
        "error-validation-unknown-profile-property.json",
        &unknown_property,
        &api.base,
        &[],
    );
    let recorded = recorded_body("error-validation-unknown-profile-property.json");
    assert_eq!(
        unknown_property.body["errorSummary"],
        recorded["errorSummary"]
    );
    assert_eq!(
        unknown_property.body["errorCauses"],
        recorded["errorCauses"]
    );
}

#[tokio::test]
async fn groups_list_get_and_query() {
    let server = empty_org().await;
    let org = server.org();
    for group in recorded_body("groups-list.json").as_array().unwrap() {
        org.insert_group(group.clone());
    }
    let api = Api::new(&server);
    let list = api.get(&recorded_target(&load("groups-list.json"))).await;
    check("groups-list.json", &list, &api.base, &[]);

    let query = api.get(&recorded_target(&load("groups-list-q.json"))).await;
    check("groups-list-q.json", &query, &api.base, &[]);
    assert!(query.links().is_empty());

    let server = empty_org().await;
    server.org().insert_group(recorded_body("group-get.json"));
    let api = Api::new(&server);
    let group = api.get(&recorded_target(&load("group-get.json"))).await;
    check("group-get.json", &group, &api.base, &[]);
}

#[tokio::test]
async fn group_errors_and_membership() {
    let server = empty_org().await;
    let api = Api::new(&server);
    let not_found = api
        .get(&recorded_target(&load("error-not-found-group.json")))
        .await;
    check("error-not-found-group.json", &not_found, &api.base, &[]);
    assert_eq!(
        not_found.body["errorSummary"],
        recorded_body("error-not-found-group.json")["errorSummary"]
    );

    server.org().insert_group(
        json!({ "id": "00gsf7bj3rH2d9PvL4x6", "profile": { "name": "Group-Membership-Test" } }),
    );
    server.org().insert_user(json!({ "id": "00usfbpcapvcITLwi4x6", "profile": { "firstName": "Test", "lastName": "User", "login": "test.user-group@example.com", "email": "test.user-group@example.com" } }));
    let added = api
        .put(&recorded_target(&load("group-add-user-204.json")), None)
        .await;
    check("group-add-user-204.json", &added, &api.base, &[]);
}

#[tokio::test]
async fn apps_pages_and_filter() {
    let server = empty_org().await;
    let org = server.org();
    for app in recorded_body("apps-list-page1.json").as_array().unwrap() {
        org.insert_app(app.clone());
    }
    org.insert_app(json!({ "label": "Third App", "signOnMode": "BOOKMARK", "name": "bookmark" }));
    let api = Api::new(&server);
    let page = api
        .get(&recorded_target(&load("apps-list-page1.json")))
        .await;
    check("apps-list-page1.json", &page, &api.base, &[]);

    let bad_cursor = api
        .get(&recorded_target(&load("error-invalid-cursor-400.json")))
        .await;
    check("error-invalid-cursor-400.json", &bad_cursor, &api.base, &[]);
    assert_eq!(
        bad_cursor.body["errorCauses"],
        recorded_body("error-invalid-cursor-400.json")["errorCauses"]
    );

    let server = empty_org().await;
    for app in recorded_body("apps-list-filter-inactive.json")
        .as_array()
        .unwrap()
    {
        server.org().insert_app(app.clone());
    }
    let api = Api::new(&server);
    let inactive = api
        .get(&recorded_target(&load("apps-list-filter-inactive.json")))
        .await;
    // The 2020 org had no orn, Universal Logout or policy links yet.
    check(
        "apps-list-filter-inactive.json",
        &inactive,
        &api.base,
        &[
            "/*/orn",
            "/*/universalLogout",
            "/*/_links/uploadLogo",
            "/*/_links/profileEnrollment",
            "/*/_links/policies",
            "/*/_links/accessPolicy",
        ],
    );
}

#[tokio::test]
async fn rate_limit_error() {
    let server = MockServer::start(MockOptions {
        seed: Seed::Empty,
        rate_limits: Some(RateLimits {
            limit: 1,
            ..RateLimits::default()
        }),
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server);
    api.get("/api/v1/apps").await;
    // The recording comes from an apps sub-resource the fake does not
    // serve; Okta's 429 has the same shape on every endpoint.
    let limited = api.get("/api/v1/apps").await;
    check("error-rate-limit-429.json", &limited, &api.base, &[]);
    assert_eq!(
        limited.header("x-rate-limit-remaining").as_deref(),
        Some("0")
    );
}

#[tokio::test]
async fn bodies_without_requests() {
    let server = empty_org().await;
    let api = Api::new(&server);
    let invalid_token = api
        .send_with(Method::GET, "/api/v1/users/me", None, Some("SSWS wrong"))
        .await;
    check(
        "error-invalid-token-401.json",
        &invalid_token,
        &api.base,
        &[],
    );
    assert_eq!(
        invalid_token.body["errorSummary"],
        recorded_body("error-invalid-token-401.json")["errorSummary"]
    );

    server.org().insert_user(json!({ "profile": { "firstName": "Test", "lastName": "User", "login": "dup.user@example.com", "email": "dup.user@example.com" } }));
    let duplicate = api
        .post("/api/v1/users", json!({ "profile": { "firstName": "Test", "lastName": "User", "login": "dup.user@example.com", "email": "dup.user@example.com" } }))
        .await;
    check("error-login-exists.json", &duplicate, &api.base, &[]);
    let recorded = recorded_body("error-login-exists.json");
    assert_eq!(duplicate.body["errorSummary"], recorded["errorSummary"]);
    assert_eq!(duplicate.body["errorCauses"], recorded["errorCauses"]);

    server.org().insert_group(
        json!({ "id": "00gALL0001", "type": "BUILT_IN", "profile": { "name": "Everyone" } }),
    );
    let denied = api
        .put("/api/v1/groups/00gALL0001/users/dup.user@example.com", None)
        .await;
    check("error-permission-denied-403.json", &denied, &api.base, &[]);
    assert_eq!(
        denied.body["errorSummary"],
        recorded_body("error-permission-denied-403.json")["errorSummary"]
    );
}
