//! Secrets stay out of `Debug` and errors, and org URLs must be https
//! unless they point at a loopback address.

use okta_runtime::{
    AccountConfig, Auth, Client, ClientOptions, Error, PrivateKeyJwt, SecretString,
};

const TOKEN: &str = "CANARY-TOKEN-debug-1234";

fn account(url: &str) -> AccountConfig {
    AccountConfig::with_api_token("default", url, SecretString::new(TOKEN))
}

#[test]
fn debug_output_masks_token() {
    let account = account("https://example.okta.com");
    let client = Client::new(&account).expect("client");
    for text in [
        format!("{account:?}"),
        format!("{client:?}"),
        format!("{:?}", account.auth),
        format!("{}", SecretString::new(TOKEN)),
    ] {
        assert!(!text.contains(TOKEN), "token in {text}");
    }
}

#[test]
fn debug_output_masks_private_key() {
    let auth = Auth::PrivateKeyJwt(PrivateKeyJwt {
        client_id: "0oa1".into(),
        scopes: vec!["okta.users.read".into()],
        private_key: SecretString::new("-----BEGIN PRIVATE KEY-----CANARYKEY"),
        key_id: None,
        dpop: false,
    });
    assert!(!format!("{auth:?}").contains("CANARYKEY"));
}

#[test]
fn request_debug_masks_credentials() {
    let request = okta_runtime::requests::CreateUserRequest {
        credentials: Some(serde_json::from_str(r#"{"password":{"value":"CANARY-PASS"}}"#).unwrap()),
        ..Default::default()
    };
    let text = format!("{request:?}");
    assert!(!text.contains("CANARY-PASS"), "{text}");
    assert!(text.contains("credentials: Some(***)"), "{text}");
}

#[test]
fn org_url_rules() {
    for ok in [
        "https://example.okta.com",
        "https://example.okta.com/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9000",
        "http://127.1.2.3",
    ] {
        assert!(Client::new(&account(ok)).is_ok(), "{ok} rejected");
    }
    for (bad, reason) in [
        (
            "http://example.okta.com",
            "plain http is allowed only for loopback addresses",
        ),
        (
            "http://10.0.0.1",
            "plain http is allowed only for loopback addresses",
        ),
        ("ftp://example.okta.com", "the scheme must be https"),
        (
            "https://example.okta.com/api/v1",
            "give the org URL without a path",
        ),
        (
            "https://user:pw@example.okta.com",
            "credentials do not belong in the URL",
        ),
        ("example.okta.com", "invalid org URL"),
    ] {
        match Client::new(&account(bad)) {
            Err(Error::Config(message)) => {
                assert!(message.contains(reason), "{bad}: {message}");
                assert!(!message.contains(TOKEN));
            }
            other => panic!("{bad} accepted: {other:?}"),
        }
    }
}

#[test]
fn empty_token_rejected() {
    let account =
        AccountConfig::with_api_token("default", "https://example.okta.com", SecretString::new(""));
    match Client::new(&account) {
        Err(Error::Config(message)) => assert!(
            message.contains("API token of account `default` is empty"),
            "{message}"
        ),
        other => panic!("empty token accepted: {other:?}"),
    }
}

#[test]
fn documented_default_timeouts() {
    let options = ClientOptions::default();
    assert_eq!(options.connect_timeout.as_secs(), 10);
    assert_eq!(options.request_timeout.as_secs(), 30);
    assert_eq!(options.max_retries, 3);
    assert_eq!(options.max_rate_limit_wait.as_secs(), 60);
}
