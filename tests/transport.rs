//! Transport behaviour under scripted server responses: pagination loops,
//! rate limits, retries, timeouts and dropped connections.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use okta_e2e::{account, start_org};
use okta_mock::{MockServer, Reply, Seed};
use okta_runtime::requests::{CreateUserRequest, GetUserRequest, ListUsersRequest};
use okta_runtime::types::{User, UserProfile};
use okta_runtime::{Client, ClientOptions, Error};
use serde_json::json;

const USER: &str = "00u1a2b3c4d5e6f7g8h9";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Options that keep retry tests fast.
fn fast_options() -> ClientOptions {
    ClientOptions {
        retry_base_delay: Duration::from_millis(20),
        rate_limit_margin_ms: 100,
        ..ClientOptions::default()
    }
}

fn client_with(server: &MockServer, options: ClientOptions) -> Client {
    let mut account = account(server);
    account.options = options;
    Client::new(&account).expect("client")
}

fn get_user(client: &Client) -> Result<User, Error> {
    runtime().block_on(client.get_user(GetUserRequest { id: USER.into() }))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn status(code: u16) -> Reply {
    Reply::OktaError {
        status: code,
        code: "E0000009".into(),
        summary: "Internal Server Error".into(),
        causes: vec![],
    }
}

fn user_gets(server: &MockServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("/api/v1/users/{USER}"))
        .count()
}

#[test]
fn repeating_next_link_is_an_error() {
    let server = start_org(Seed::Demo);
    let url = server.url();
    let page = |after: &str| Reply::Json {
        status: 200,
        body: json!([{ "id": format!("00uLoop{after}"), "status": "ACTIVE", "profile": { "login": format!("{after}@example.com") } }]),
        headers: vec![(
            "Link".into(),
            format!("<{url}/api/v1/users?after=loop&limit=1>; rel=\"next\""),
        )],
    };
    server.script(
        "GET",
        "/api/v1/users",
        vec![page("a"), page("b"), page("c")],
    );
    let client = client_with(&server, fast_options());

    let result = runtime().block_on(client.list_users(ListUsersRequest {
        limit: Some(10),
        ..Default::default()
    }));
    match result {
        Err(Error::PaginationLoop { url: looped }) => {
            assert_eq!(looped, format!("{url}/api/v1/users?after=loop&limit=1"))
        }
        other => panic!("expected a pagination loop error, got {other:?}"),
    }
    let gets = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/users")
        .count();
    assert_eq!(gets, 2);
}

#[test]
fn next_link_to_other_host_not_followed() {
    let server = start_org(Seed::Demo);
    server.script(
        "GET",
        "/api/v1/users",
        vec![Reply::Json {
            status: 200,
            body: json!([{ "id": "00uA", "profile": {} }]),
            headers: vec![(
                "Link".into(),
                "<http://127.0.0.2:9/api/v1/users?after=x>; rel=\"next\"".into(),
            )],
        }],
    );
    let client = client_with(&server, fast_options());
    let error = runtime()
        .block_on(client.list_users(ListUsersRequest {
            limit: Some(5),
            ..Default::default()
        }))
        .unwrap_err();
    assert!(
        error.to_string().contains("points outside the org"),
        "{error}"
    );
}

#[test]
fn rate_limit_wait_uses_server_date() {
    let server = start_org(Seed::Demo);
    // The server clock runs 100 s behind ours. The reset is 2 s after the
    // server's Date, so the wait must be about 2 s, not 0.
    let server_now = unix_now() - 100;
    let date = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(server_now));
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![Reply::Json {
            status: 429,
            body: json!({ "errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests.", "errorCauses": [] }),
            headers: vec![
                ("Date".into(), date),
                ("X-Rate-Limit-Limit".into(), "600".into()),
                ("X-Rate-Limit-Remaining".into(), "0".into()),
                ("X-Rate-Limit-Reset".into(), (server_now + 2).to_string()),
            ],
        }],
    );
    let client = client_with(&server, fast_options());

    let started = Instant::now();
    let user = get_user(&client).expect("succeeds after the wait");
    let elapsed = started.elapsed();
    assert_eq!(user.id.as_deref(), Some(USER));
    assert!(
        elapsed >= Duration::from_millis(1900),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < Duration::from_secs(10), "waited {elapsed:?}");
    let record = &client.call_log().records()[0];
    assert_eq!(record.retries, 1);
    assert!(record.wait_ms >= 1900, "{record:?}");
    assert_eq!(user_gets(&server), 2);
}

#[test]
fn rate_limit_beyond_max_wait_fails_at_once() {
    let server = start_org(Seed::Demo);
    let reset = unix_now() + 3600;
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![Reply::Json {
            status: 429,
            body: json!({ "errorCode": "E0000047", "errorSummary": "API call exceeded rate limit due to too many requests.", "errorCauses": [] }),
            headers: vec![("X-Rate-Limit-Reset".into(), reset.to_string()), ("X-Rate-Limit-Remaining".into(), "0".into())],
        }],
    );
    let client = client_with(&server, fast_options());
    let started = Instant::now();
    let error = get_user(&client).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let reset_text = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(reset));
    let message = error.to_string();
    assert!(
        message.contains(&format!("rate limited until {reset_text}")),
        "{message}"
    );
    assert!(message.contains("maximum wait of 60 s"), "{message}");
    assert_eq!(user_gets(&server), 1);
}

#[test]
fn malformed_rate_limit_headers_tolerated() {
    let server = start_org(Seed::Demo);
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![
            Reply::Json {
                status: 429,
                body: json!({ "errorCode": "E0000047", "errorSummary": "rate limited", "errorCauses": [] }),
                headers: vec![("X-Rate-Limit-Reset".into(), "soon".into()), ("X-Rate-Limit-Limit".into(), "many".into())],
            },
        ],
    );
    let client = client_with(&server, fast_options());
    let user = get_user(&client).expect("retried after a short wait");
    assert_eq!(user.id.as_deref(), Some(USER));
}

#[test]
fn rate_limit_state_exposed() {
    let server = start_org(Seed::Demo);
    let client = client_with(&server, fast_options());
    assert_eq!(client.rate_limit(), None);
    get_user(&client).unwrap();
    let state = client.rate_limit().expect("headers recorded");
    assert!(state.limit.is_some_and(|limit| limit > 0), "{state:?}");
    assert!(state.remaining.is_some(), "{state:?}");
    assert!(
        state.reset.is_some_and(|reset| reset >= unix_now() - 1),
        "{state:?}"
    );
}

#[test]
fn low_remaining_slows_down() {
    let server = start_org(Seed::Demo);
    let group = "00g1a2b3c4d5e6f7g8h9";
    let reset = unix_now() + 2;
    server.script(
        "GET",
        &format!("/api/v1/groups/{group}"),
        vec![Reply::Json {
            status: 200,
            body: json!({ "id": group, "type": "OKTA_GROUP", "profile": { "name": "Engineering" } }),
            headers: vec![
                ("X-Rate-Limit-Limit".into(), "100".into()),
                ("X-Rate-Limit-Remaining".into(), "0".into()),
                ("X-Rate-Limit-Reset".into(), reset.to_string()),
            ],
        }],
    );
    let client = client_with(&server, fast_options());
    let runtime = runtime();

    // The first call empties the bucket, so the next one waits for the reset.
    runtime
        .block_on(client.get_group(okta_runtime::requests::GetGroupRequest { id: group.into() }))
        .unwrap();

    let started = Instant::now();
    runtime
        .block_on(client.get_current_user(Default::default()))
        .unwrap();
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900),
        "did not slow down: {waited:?}"
    );
    let last = client.call_log().records().pop().unwrap();
    assert!(last.wait_ms >= 900, "{last:?}");
}

#[test]
fn get_retried_after_503s() {
    let server = start_org(Seed::Demo);
    let failing = || Reply::Json {
        status: 503,
        body: json!({ "errorCode": "E0000010", "errorSummary": "Service is down for maintenance.", "errorCauses": [] }),
        headers: vec![("X-Okta-Request-Id".into(), "req-first-failure".into())],
    };
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![failing(), failing(), Reply::Normal],
    );
    let client = client_with(&server, fast_options());

    let user = get_user(&client).expect("third attempt succeeds");
    assert_eq!(user.id.as_deref(), Some(USER));
    let attempts: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == format!("/api/v1/users/{USER}"))
        .collect();
    assert_eq!(attempts.len(), 3);
    assert_eq!(attempts[0].header("x-okta-retry-count"), None);
    assert_eq!(attempts[1].header("x-okta-retry-count"), Some("1"));
    assert_eq!(attempts[2].header("x-okta-retry-count"), Some("2"));
    assert_eq!(
        attempts[1].header("x-okta-retry-for"),
        Some("req-first-failure")
    );
    assert_eq!(
        attempts[2].header("x-okta-retry-for"),
        Some("req-first-failure")
    );
    assert_eq!(client.call_log().records()[0].retries, 2);
}

#[test]
fn retries_can_be_turned_off() {
    let server = start_org(Seed::Demo);
    server.script("GET", &format!("/api/v1/users/{USER}"), vec![status(503)]);
    let client = client_with(
        &server,
        ClientOptions {
            max_retries: 0,
            ..fast_options()
        },
    );
    let error = get_user(&client).unwrap_err();
    assert_eq!(error.api().map(|api| api.status), Some(503));
    assert_eq!(user_gets(&server), 1);
}

fn new_user_request(login: &str) -> CreateUserRequest {
    CreateUserRequest {
        profile: UserProfile {
            login: Some(login.into()),
            email: Some(login.into()),
            first_name: Some("Retry".into()),
            last_name: Some("Test".into()),
            ..Default::default()
        },
        ..Default::default()
    }
}

#[test]
fn create_never_retried_after_503() {
    let server = start_org(Seed::Demo);
    server.script("POST", "/api/v1/users", vec![status(503), Reply::Normal]);
    let client = client_with(&server, fast_options());
    let error = runtime()
        .block_on(client.create_user(new_user_request("once@example.com")))
        .unwrap_err();
    assert_eq!(error.api().map(|api| api.status), Some(503));
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[test]
fn dropped_connection_retried_for_get() {
    let server = start_org(Seed::Demo);
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![Reply::DropConnection, Reply::Normal],
    );
    let client = client_with(&server, fast_options());
    let user = get_user(&client).expect("retry succeeds");
    assert_eq!(user.id.as_deref(), Some(USER));
    assert_eq!(user_gets(&server), 2);
}

#[test]
fn dropped_connection_not_retried_for_create() {
    let server = start_org(Seed::Demo);
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::DropConnection, Reply::Normal],
    );
    let client = client_with(&server, fast_options());
    let error = runtime()
        .block_on(client.create_user(new_user_request("dropped@example.com")))
        .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("POST /api/v1/users"), "{message}");
    assert!(
        message.contains("may already have been created"),
        "{message}"
    );
    let posts = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[test]
fn held_open_response_times_out() {
    let server = start_org(Seed::Demo);
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![Reply::HoldOpen],
    );
    let timeout = Duration::from_secs(2);
    let client = client_with(
        &server,
        ClientOptions {
            request_timeout: timeout,
            ..fast_options()
        },
    );
    let started = Instant::now();
    let error = get_user(&client).unwrap_err();
    assert!(
        started.elapsed() < timeout + Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out after"), "{error}");
}

#[test]
fn concurrent_requests_capped() {
    let server = start_org(Seed::Demo);
    let delay = Duration::from_millis(400);
    server.script(
        "GET",
        &format!("/api/v1/users/{USER}"),
        vec![Reply::Delay(delay), Reply::Delay(delay)],
    );
    let client = client_with(
        &server,
        ClientOptions {
            max_concurrent_requests: 1,
            ..fast_options()
        },
    );
    let runtime = runtime();
    let started = Instant::now();
    runtime.block_on(async {
        let first = client.get_user(GetUserRequest { id: USER.into() });
        let second = client.get_user(GetUserRequest { id: USER.into() });
        let (a, b) = tokio::join!(first, second);
        a.unwrap();
        b.unwrap();
    });
    assert!(
        started.elapsed() >= delay * 2,
        "requests overlapped: {:?}",
        started.elapsed()
    );
}

#[test]
fn pages_stream_one_request_each() {
    let server = start_org(Seed::Generated {
        users: 1000,
        groups: 0,
        apps: 0,
    });
    let client = client_with(&server, fast_options());
    let runtime = runtime();
    server.clear_requests();
    let mut pages = client
        .pages::<_, User>(&ListUsersRequest {
            limit: Some(200),
            ..Default::default()
        })
        .unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut largest_page = 0;
    runtime.block_on(async {
        while let Some(page) = pages.next_page().await {
            let page = page.unwrap();
            largest_page = largest_page.max(page.len());
            for user in page {
                assert!(seen.insert(user.id.unwrap()), "duplicate user");
            }
        }
    });
    assert_eq!(seen.len(), 1000);
    assert_eq!(largest_page, 200);
    assert_eq!(pages.pages_fetched(), 5);
    assert_eq!(server.requests().len(), 5);
}
