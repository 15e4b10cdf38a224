//! A service app configured through the official SDKs' environment
//! variables signs in at the fake org's token endpoint.

use std::path::PathBuf;
use std::process::Command;

use okta_mock::{MockOptions, MockServer, OAuthClient, Seed};
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/oauth")
        .join(name)
}

fn org_with_service_app() -> MockServer {
    let public: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("rsa-public.jwk.json")).unwrap())
            .unwrap();
    let client = OAuthClient {
        client_id: "0oaEnvApp".into(),
        jwks: vec![public],
        scopes: vec!["okta.users.read".into()],
        require_dpop: false,
        resource_nonce: false,
    };
    MockServer::start_blocking(MockOptions {
        seed: Seed::Demo,
        oauth_clients: vec![client],
        ..MockOptions::default()
    })
    .expect("fake org starts")
}

fn okta_lua(server: &MockServer, private_key: &str) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_okta-lua"))
        .args([
            "--json",
            "--eval",
            "return app.integrations.okta.get_user({ id = '00u1a2b3c4d5e6f7g8h9' }).id",
        ])
        .env_remove("OKTA_API_TOKEN")
        .env_remove("OKTA_CLIENT_TOKEN")
        .env("OKTA_CLIENT_ORGURL", server.url())
        .env("OKTA_CLIENT_AUTHORIZATIONMODE", "PrivateKey")
        .env("OKTA_CLIENT_CLIENTID", "0oaEnvApp")
        .env("OKTA_CLIENT_SCOPES", "okta.users.read")
        .env("OKTA_CLIENT_PRIVATEKEY", private_key)
        .env("OKTA_CLIENT_KID", "test-rsa-1")
        .output()
        .expect("okta-lua runs");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
    )
}

#[test]
fn private_key_from_path() {
    let server = org_with_service_app();
    let (status, stdout) = okta_lua(&server, fixture("rsa-private-pkcs8.pem").to_str().unwrap());
    assert_eq!(status, Some(0), "{stdout}");
    let value: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(value["result"][0], "00u1a2b3c4d5e6f7g8h9");
    let token_requests = server
        .requests()
        .iter()
        .filter(|r| r.path == "/oauth2/v1/token")
        .count();
    assert_eq!(token_requests, 1);
    let api = server
        .requests()
        .into_iter()
        .find(|r| r.path.starts_with("/api/v1/users/"))
        .unwrap();
    assert_eq!(api.header("authorization"), Some("Bearer ***"));
}

#[test]
fn private_key_inline_never_echoed() {
    let server = org_with_service_app();
    let pem = std::fs::read_to_string(fixture("rsa-private-pkcs8.pem")).unwrap();
    let (status, stdout) = okta_lua(&server, &pem);
    assert_eq!(status, Some(0), "{stdout}");
    assert!(!stdout.contains(pem.lines().nth(1).unwrap()));
}

#[test]
fn unreadable_key_path_is_usage_error() {
    let server = org_with_service_app();
    let (status, stdout) = okta_lua(&server, "/nonexistent/key.pem");
    assert_eq!(status, Some(2), "{stdout}");
    assert!(
        stdout.contains("OKTA_CLIENT_PRIVATEKEY is neither a PEM or JWK key nor a readable file"),
        "{stdout}"
    );
}
