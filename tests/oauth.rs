//! Service-app OAuth against the fake org's token endpoint: private_key_jwt
//! with RS256 and ES256 keys in every accepted format, with and without DPoP.

use std::path::PathBuf;

use okta_e2e::start_org;
use okta_mock::{MockServer, OAuthClient, Seed};
use okta_runtime::requests::{CreateUserRequest, GetUserRequest, ListUsersRequest};
use okta_runtime::types::UserProfile;
use okta_runtime::{
    AccountConfig, Auth, Client, ClientOptions, Error, PrivateKeyJwt, SecretString,
};
use serde_json::Value;

const USER: &str = "00u1a2b3c4d5e6f7g8h9";

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/oauth")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn public_jwk(name: &str) -> Value {
    serde_json::from_str(&fixture(name)).unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn register(
    server: &MockServer,
    client_id: &str,
    scopes: &[&str],
    require_dpop: bool,
    resource_nonce: bool,
) {
    server.org().register_oauth_client(OAuthClient {
        client_id: client_id.to_string(),
        jwks: vec![
            public_jwk("rsa-public.jwk.json"),
            public_jwk("ec-public.jwk.json"),
        ],
        scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
        require_dpop,
        resource_nonce,
    });
}

fn service_client(
    server: &MockServer,
    client_id: &str,
    key_file: &str,
    kid: Option<&str>,
    scopes: &[&str],
    dpop: bool,
) -> Client {
    let account = AccountConfig {
        name: "service".to_string(),
        org_url: server.url(),
        auth: Auth::PrivateKeyJwt(PrivateKeyJwt {
            client_id: client_id.to_string(),
            scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
            private_key: SecretString::new(fixture(key_file)),
            key_id: kid.map(str::to_string),
            dpop,
        }),
        options: ClientOptions::default(),
    };
    Client::new(&account).expect("client")
}

fn bearer_header(server: &MockServer, path_prefix: &str) -> Vec<(Option<String>, Option<String>)> {
    server
        .requests()
        .iter()
        .filter(|request| request.path.starts_with(path_prefix))
        .map(|request| {
            (
                request.header("authorization").map(str::to_string),
                request.header("dpop").map(str::to_string),
            )
        })
        .collect()
}

#[test]
fn bearer_token_with_every_key_format() {
    let server = start_org(Seed::Demo);
    register(&server, "0oaBearer", &["okta.users.read"], false, false);
    for (file, kid) in [
        ("rsa-private-pkcs8.pem", Some("test-rsa-1")),
        ("rsa-private-pkcs1.pem", Some("test-rsa-1")),
        ("rsa-private.jwk.json", None),
        ("ec-private-pkcs8.pem", Some("test-ec-1")),
        ("ec-private-sec1.pem", Some("test-ec-1")),
        ("ec-private.jwk.json", None),
    ] {
        server.clear_requests();
        let client = service_client(&server, "0oaBearer", file, kid, &["okta.users.read"], false);
        let user = runtime()
            .block_on(client.get_user(GetUserRequest { id: USER.into() }))
            .unwrap_or_else(|error| panic!("{file}: {error}"));
        assert_eq!(user.id.as_deref(), Some(USER), "{file}");
        let token_requests = server
            .requests()
            .iter()
            .filter(|r| r.path == "/oauth2/v1/token")
            .count();
        assert_eq!(token_requests, 1, "{file}");
        for (authorization, dpop) in bearer_header(&server, "/api/v1/") {
            assert_eq!(authorization.as_deref(), Some("Bearer ***"), "{file}");
            assert_eq!(dpop, None, "{file}");
        }
    }
}

#[test]
fn token_cached_across_calls() {
    let server = start_org(Seed::Demo);
    register(&server, "0oaCache", &["okta.users.read"], false, false);
    let client = service_client(
        &server,
        "0oaCache",
        "ec-private-pkcs8.pem",
        Some("test-ec-1"),
        &["okta.users.read"],
        false,
    );
    let runtime = runtime();
    for _ in 0..3 {
        runtime
            .block_on(client.list_users(ListUsersRequest {
                limit: Some(2),
                ..Default::default()
            }))
            .unwrap();
    }
    let token_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth2/v1/token")
        .count();
    assert_eq!(token_requests, 1);
}

#[test]
fn dpop_token_with_nonce_retry() {
    let server = start_org(Seed::Demo);
    register(&server, "0oaDpop", &["okta.users.read"], true, true);
    let client = service_client(
        &server,
        "0oaDpop",
        "rsa-private-pkcs8.pem",
        Some("test-rsa-1"),
        &["okta.users.read"],
        true,
    );
    let user = runtime()
        .block_on(client.get_user(GetUserRequest { id: USER.into() }))
        .expect("DPoP call succeeds");
    assert_eq!(user.id.as_deref(), Some(USER));

    let token_requests: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/oauth2/v1/token")
        .collect();
    assert_eq!(token_requests.len(), 2, "first without nonce, then with it");
    assert!(
        token_requests
            .iter()
            .all(|request| request.header("dpop").is_some())
    );
    let api_calls = bearer_header(&server, "/api/v1/");
    assert!(!api_calls.is_empty());
    for (authorization, dpop) in api_calls {
        assert_eq!(authorization.as_deref(), Some("DPoP ***"));
        assert!(dpop.is_some());
    }
}

#[test]
fn dpop_required_but_not_configured_fails_clearly() {
    let server = start_org(Seed::Demo);
    register(&server, "0oaNeedsDpop", &["okta.users.read"], true, false);
    let client = service_client(
        &server,
        "0oaNeedsDpop",
        "rsa-private-pkcs8.pem",
        Some("test-rsa-1"),
        &["okta.users.read"],
        false,
    );
    let error = runtime()
        .block_on(client.get_user(GetUserRequest { id: USER.into() }))
        .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("could not get an access token"),
        "{message}"
    );
    assert!(message.contains("0oaNeedsDpop"), "{message}");
}

#[test]
fn missing_scope_is_403() {
    let server = start_org(Seed::Demo);
    register(&server, "0oaReadOnly", &["okta.users.read"], false, false);
    let client = service_client(
        &server,
        "0oaReadOnly",
        "rsa-private-pkcs8.pem",
        Some("test-rsa-1"),
        &["okta.users.read"],
        false,
    );
    let request = CreateUserRequest {
        profile: UserProfile {
            login: Some("scoped@example.com".into()),
            email: Some("scoped@example.com".into()),
            first_name: Some("S".into()),
            last_name: Some("Coped".into()),
            ..Default::default()
        },
        ..Default::default()
    };
    let error = runtime().block_on(client.create_user(request)).unwrap_err();
    assert_eq!(error.api().map(|api| api.status), Some(403), "{error}");
}

#[test]
fn key_never_in_debug_or_errors() {
    let server = start_org(Seed::Demo);
    let key = fixture("rsa-private-pkcs8.pem");
    let client = service_client(
        &server,
        "0oaUnregistered",
        "rsa-private-pkcs8.pem",
        None,
        &["okta.users.read"],
        false,
    );
    let debug = format!("{client:?}");
    let error = runtime()
        .block_on(client.get_user(GetUserRequest { id: USER.into() }))
        .unwrap_err();
    let secret_line = key.lines().nth(1).unwrap();
    for text in [debug, error.to_string(), format!("{error:?}")] {
        assert!(!text.contains(secret_line), "private key leaked: {text}");
    }
}

#[test]
fn invalid_key_is_a_config_error() {
    let server = start_org(Seed::Demo);
    let account = AccountConfig {
        name: "service".to_string(),
        org_url: server.url(),
        auth: Auth::PrivateKeyJwt(PrivateKeyJwt {
            client_id: "0oaBad".into(),
            scopes: vec!["okta.users.read".into()],
            private_key: SecretString::new("not a key"),
            key_id: None,
            dpop: false,
        }),
        options: ClientOptions::default(),
    };
    match Client::new(&account) {
        Err(Error::Config(message)) => assert!(message.contains("invalid privateKey"), "{message}"),
        other => panic!("expected a config error, got {other:?}"),
    }
}
