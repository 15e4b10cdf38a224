//! Scripted replies and fault injection.

mod common;

use std::time::{Duration, Instant};

use common::{Api, demo_org};
use okta_mock::{Fault, MockOptions, MockServer, Reply, Seed};
use serde_json::json;

fn unavailable() -> Reply {
    Reply::OktaError {
        status: 503,
        code: "E0000010".to_string(),
        summary: "Service is in read-only mode".to_string(),
        causes: vec![],
    }
}

#[tokio::test]
async fn scripted_sequence_then_normal() {
    let server = demo_org().await;
    server.script(
        "GET",
        "/api/v1/users/me",
        vec![unavailable(), unavailable(), Reply::Normal],
    );
    let api = Api::new(&server);
    let first = api.get("/api/v1/users/me").await;
    assert_eq!(first.status, 503);
    assert_eq!(first.error_code(), "E0000010");
    assert!(first.header("x-rate-limit-limit").is_some());
    assert_eq!(api.get("/api/v1/users/me").await.status, 503);
    assert_eq!(api.get("/api/v1/users/me").await.status, 200);
    assert_eq!(api.get("/api/v1/users/me").await.status, 200);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn scripted_json_with_headers() {
    let server = demo_org().await;
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::Json {
            status: 400,
            body: json!({ "errorCode": "E0000001", "errorSummary": "validation failed (placeholder)", "errorLink": "E0000001", "errorId": "oaePLACEHOLDER", "errorCauses": [{ "errorSummary": "login: already in use (placeholder)" }] }),
            headers: vec![("X-Rate-Limit-Remaining".to_string(), "7".to_string())],
        }],
    );
    let api = Api::new(&server);
    let answer = api.post("/api/v1/users", json!({})).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errorId"], "oaePLACEHOLDER");
    assert_eq!(
        answer.header("x-rate-limit-remaining").as_deref(),
        Some("7")
    );
}

#[tokio::test]
async fn script_matches_decoded_login_path() {
    let server = demo_org().await;
    server.script(
        "GET",
        "/api/v1/users/new.hire@example.com",
        vec![unavailable()],
    );
    let api = Api::new(&server);
    assert_eq!(
        api.get("/api/v1/users/new.hire%40example.com").await.status,
        503
    );
}

#[tokio::test]
async fn delay_then_handle() {
    let server = demo_org().await;
    server.script(
        "*",
        "/api/v1/groups*",
        vec![Reply::Delay(Duration::from_millis(300))],
    );
    let api = Api::new(&server);
    let started = Instant::now();
    let answer = api.get("/api/v1/groups/00g1a2b3c4d5e6f7g8h9").await;
    assert_eq!(answer.status, 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn drop_connection_fails_the_request() {
    let server = demo_org().await;
    server.script("GET", "/api/v1/users/me", vec![Reply::DropConnection]);
    let client = reqwest::Client::new();
    let result = client
        .get(format!("{}/api/v1/users/me", server.url()))
        .header("Authorization", "SSWS mock-token")
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
    let api = Api::new(&server);
    assert_eq!(api.get("/api/v1/users/me").await.status, 200);
}

#[tokio::test]
async fn hold_open_never_answers() {
    let server = demo_org().await;
    server.script("GET", "/api/v1/users/00uU0019", vec![Reply::HoldOpen]);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let result = client
        .get(format!("{}/api/v1/users/00uU0019", server.url()))
        .header("Authorization", "SSWS mock-token")
        .send()
        .await;
    let error = result.expect_err("the request times out");
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn handle_then_hold_commits_the_create() {
    let server = demo_org().await;
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::HandleThenHold(Duration::from_secs(60))],
    );
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let result = client
        .post(format!("{}/api/v1/users?activate=true", server.url()))
        .header("Authorization", "SSWS mock-token")
        .json(&json!({ "profile": { "login": "new.hire@example.com", "email": "new.hire@example.com", "firstName": "New", "lastName": "Hire" } }))
        .send()
        .await;
    assert!(result.unwrap_err().is_timeout());
    let api = Api::new(&server);
    let created = api.get("/api/v1/users/new.hire%40example.com").await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["status"], "PROVISIONED");
    let duplicate = api
        .post(
            "/api/v1/users",
            json!({ "profile": { "login": "new.hire@example.com", "email": "new.hire@example.com", "firstName": "New", "lastName": "Hire" } }),
        )
        .await;
    assert_eq!(duplicate.status, 400);
    assert_eq!(duplicate.error_code(), "E0000001");
}

#[tokio::test]
async fn faults_from_options() {
    let server = MockServer::start(MockOptions {
        seed: Seed::Empty,
        faults: vec![Fault {
            method: "GET".to_string(),
            path: "/api/v1/apps".to_string(),
            replies: vec![unavailable()],
        }],
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server);
    assert_eq!(api.get("/api/v1/apps").await.status, 503);
    assert_eq!(api.get("/api/v1/apps").await.status, 200);
}

#[test]
fn start_blocking_serves_plain_tests() {
    let server = MockServer::start_blocking(MockOptions::default()).unwrap();
    let url = server.url();
    assert!(url.starts_with("http://127.0.0.1:"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let status = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{url}/api/v1/users/me"))
            .header("Authorization", "SSWS mock-token")
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, 200);
    server.shutdown();
    let after = runtime.block_on(async {
        reqwest::Client::new()
            .get(format!("{url}/api/v1/users/me"))
            .send()
            .await
    });
    assert!(after.is_err(), "the server stopped");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_blocking_inside_spawn_blocking() {
    let server = tokio::task::spawn_blocking(|| MockServer::start_blocking(MockOptions::default()))
        .await
        .unwrap()
        .unwrap();
    let api = Api::new(&server);
    assert_eq!(api.get("/api/v1/users/me").await.status, 200);
    tokio::task::spawn_blocking(move || server.shutdown())
        .await
        .unwrap();
}
