//! What every request passes through: token check, common headers, error
//! shapes, 405, 411, rate limits and the request log.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{Api, demo_org};
use okta_mock::{MockOptions, MockServer, RateLimits};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let missing = api
        .send_with(Method::GET, "/api/v1/users", None, None)
        .await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.error_code(), "E0000011");
    assert_eq!(missing.body["errorSummary"], "Invalid token provided");
    assert_eq!(missing.body["errorCauses"], json!([]));
    assert!(missing.body["errorId"].as_str().unwrap().starts_with("oae"));
    assert_eq!(missing.body["errorLink"], "E0000011");

    let wrong = api
        .send_with(Method::GET, "/api/v1/users/me", None, Some("SSWS nope"))
        .await;
    assert_eq!(wrong.status, 401);
    let bearer = api
        .send_with(
            Method::GET,
            "/api/v1/users/me",
            None,
            Some("Bearer mock-token"),
        )
        .await;
    assert_eq!(bearer.status, 401);
}

#[tokio::test]
async fn common_headers_on_every_response() {
    let server = demo_org().await;
    let api = Api::new(&server);
    for path in ["/api/v1/users/me", "/api/v1/users/nobody", "/api/v1/groups"] {
        let answer = api.get(path).await;
        assert_eq!(
            answer.header("content-type").as_deref(),
            Some("application/json;charset=UTF-8"),
            "{path}"
        );
        assert!(answer.header("date").unwrap().ends_with(" GMT"), "{path}");
        assert_eq!(
            answer.header("x-okta-request-id").unwrap().len(),
            27,
            "{path}"
        );
        for name in [
            "x-rate-limit-limit",
            "x-rate-limit-remaining",
            "x-rate-limit-reset",
        ] {
            let value = answer
                .header(name)
                .unwrap_or_else(|| panic!("{name} on {path}"));
            assert!(value.parse::<u64>().is_ok(), "{name}: {value}");
        }
    }
    let unauthorized = api
        .send_with(Method::GET, "/api/v1/users", None, None)
        .await;
    assert!(unauthorized.header("x-rate-limit-remaining").is_some());
}

#[tokio::test]
async fn unknown_path_and_wrong_method() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let unknown = api.get("/api/v1/nothing").await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.error_code(), "E0000008");
    let wrong_method = api.send(Method::PATCH, "/api/v1/users", None).await;
    assert_eq!(wrong_method.status, 405);
    assert_eq!(wrong_method.header("allow").as_deref(), Some("GET, POST"));
    assert_eq!(wrong_method.error_code(), "E0000022");
}

#[tokio::test]
async fn bodyless_put_without_length_is_411() {
    let server = demo_org().await;
    let address = server.address();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!(
        "PUT /api/v1/groups/00gdemosales00000001/users/00udemouser000000012 HTTP/1.1\r\nHost: {address}\r\nAuthorization: SSWS mock-token\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 411"), "{response}");
    assert!(
        !server
            .org()
            .group_member_ids("00gdemosales00000001")
            .contains(&"00udemouser000000012".to_string())
    );
}

#[tokio::test]
async fn malformed_json_is_e0000003() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let response = api
        .raw()
        .post(format!("{}/api/v1/users/00u1a2b3c4d5e6f7g8h9", api.base))
        .header("Authorization", "SSWS mock-token")
        .header("Content-Type", "application/json")
        .body("{\"profile\":")
        .send()
        .await
        .unwrap();
    let answer = common::read(response).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error_code(), "E0000003");
}

#[tokio::test]
async fn rate_limit_returns_429_then_recovers() {
    let mut per_route = BTreeMap::new();
    per_route.insert("/api/v1/users".to_string(), 2);
    let server = MockServer::start(MockOptions {
        rate_limits: Some(RateLimits {
            limit: 100,
            window: Duration::from_secs(1),
            per_route,
        }),
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server);
    let first = api.get("/api/v1/users?limit=1").await;
    assert_eq!(first.header("x-rate-limit-limit").as_deref(), Some("2"));
    assert_eq!(first.header("x-rate-limit-remaining").as_deref(), Some("1"));
    let second = api.get("/api/v1/users?limit=1").await;
    assert_eq!(
        second.header("x-rate-limit-remaining").as_deref(),
        Some("0")
    );
    let third = api.get("/api/v1/users?limit=1").await;
    assert_eq!(third.status, 429);
    assert_eq!(third.error_code(), "E0000047");
    assert_eq!(
        third.body["errorSummary"],
        "API call exceeded rate limit due to too many requests."
    );
    assert_eq!(third.header("x-rate-limit-remaining").as_deref(), Some("0"));
    let other_bucket = api.get("/api/v1/groups").await;
    assert_eq!(other_bucket.status, 200);
    assert_eq!(
        other_bucket.header("x-rate-limit-limit").as_deref(),
        Some("100")
    );

    let reset: i64 = third.header("x-rate-limit-reset").unwrap().parse().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    tokio::time::sleep(Duration::from_secs((reset - now).max(0) as u64 + 1)).await;
    let after_reset = api.get("/api/v1/users?limit=1").await;
    assert_eq!(after_reset.status, 200);
}

#[tokio::test]
async fn request_log_masks_token() {
    let server = demo_org().await;
    let api = Api::new(&server);
    api.post(
        "/api/v1/users/00u1a2b3c4d5e6f7g8h9?strict=true",
        json!({ "profile": { "title": "Lead" } }),
    )
    .await;
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v1/users/00u1a2b3c4d5e6f7g8h9");
    assert_eq!(request.query.as_deref(), Some("strict=true"));
    assert_eq!(
        request.url(),
        "/api/v1/users/00u1a2b3c4d5e6f7g8h9?strict=true"
    );
    assert_eq!(request.header("authorization"), Some("SSWS ***"));
    assert_eq!(request.body_json().unwrap()["profile"]["title"], "Lead");
    assert!(!format!("{requests:?}").contains("mock-token"));
    server.clear_requests();
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn raw_path_is_recorded_exactly() {
    let server = demo_org().await;
    let api = Api::new(&server);
    api.get("/api/v1/users/kim%2Bqa%40example.com").await;
    api.get("/api/v1/users?q=kim%2Bqa@example.com").await;
    let requests = server.requests();
    assert_eq!(requests[0].path, "/api/v1/users/kim%2Bqa%40example.com");
    assert_eq!(requests[1].query.as_deref(), Some("q=kim%2Bqa@example.com"));
}
