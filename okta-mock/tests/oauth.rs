//! OAuth for service apps: client-credentials with a private_key_jwt
//! assertion (RS256 and ES256), scopes, and DPoP-bound tokens.

mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Answer, Api, demo_org, read};
use okta_mock::{MockServer, OAuthClient};
use reqwest::Method;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// A throwaway RSA key made for these tests only.
const RSA_KEY_PEM: &str = include_str!("data/test-rsa-key.pem");

enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(p256::ecdsa::SigningKey),
}

impl Key {
    fn rsa() -> Key {
        Key::Rsa(Box::new(
            rsa::RsaPrivateKey::from_pkcs8_pem(RSA_KEY_PEM).unwrap(),
        ))
    }

    fn ec() -> Key {
        Key::Ec(p256::ecdsa::SigningKey::random(
            &mut p256::elliptic_curve::rand_core::OsRng,
        ))
    }

    fn alg(&self) -> &'static str {
        match self {
            Key::Rsa(_) => "RS256",
            Key::Ec(_) => "ES256",
        }
    }

    fn public_jwk(&self, kid: &str) -> Value {
        match self {
            Key::Rsa(key) => {
                use rsa::traits::PublicKeyParts;
                json!({
                    "kty": "RSA",
                    "kid": kid,
                    "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                })
            }
            Key::Ec(key) => {
                let point = key.verifying_key().to_encoded_point(false);
                json!({
                    "kty": "EC",
                    "crv": "P-256",
                    "kid": kid,
                    "x": URL_SAFE_NO_PAD.encode(point.x().unwrap()),
                    "y": URL_SAFE_NO_PAD.encode(point.y().unwrap()),
                })
            }
        }
    }

    fn sign(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signature = match self {
            Key::Rsa(key) => {
                use rsa::signature::{SignatureEncoding, Signer};
                let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new((**key).clone());
                signer.sign(input.as_bytes()).to_vec()
            }
            Key::Ec(key) => {
                use p256::ecdsa::signature::Signer;
                let signature: p256::ecdsa::Signature = key.sign(input.as_bytes());
                signature.to_bytes().to_vec()
            }
        };
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn unique_id() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>())
}

fn assertion(key: &Key, client_id: &str, audience: &str, expires_in: i64) -> String {
    let header = json!({ "alg": key.alg(), "kid": "key-1", "typ": "JWT" });
    let claims = json!({
        "iss": client_id, "sub": client_id, "aud": audience,
        "iat": now(), "exp": now() + expires_in, "jti": unique_id()
    });
    key.sign(&header, &claims)
}

fn proof(
    key: &Key,
    method: &str,
    url: &str,
    nonce: Option<&str>,
    access_token: Option<&str>,
) -> String {
    let header = json!({ "typ": "dpop+jwt", "alg": key.alg(), "jwk": key.public_jwk("dpop") });
    let mut claims = json!({ "htm": method, "htu": url, "iat": now(), "jti": unique_id() });
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(token) = access_token {
        claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
    }
    key.sign(&header, &claims)
}

fn register(
    server: &MockServer,
    client_id: &str,
    key: &Key,
    scopes: &[&str],
    require_dpop: bool,
    resource_nonce: bool,
) {
    server.org().register_oauth_client(OAuthClient {
        client_id: client_id.to_string(),
        jwks: vec![key.public_jwk("key-1")],
        scopes: scopes.iter().map(|scope| scope.to_string()).collect(),
        require_dpop,
        resource_nonce,
    });
}

async fn token_request(server: &MockServer, form: &[(&str, &str)], dpop: Option<String>) -> Answer {
    let body: String = form
        .iter()
        .map(|(key, value)| format!("{key}={}", urlencode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = reqwest::Client::new()
        .post(format!("{}/oauth2/v1/token", server.url()))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .header("Accept", "application/json")
        .body(body);
    if let Some(dpop) = dpop {
        request = request.header("DPoP", dpop);
    }
    read(request.send().await.unwrap()).await
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

fn token_url(server: &MockServer) -> String {
    format!("{}/oauth2/v1/token", server.url())
}

async fn client_credentials(
    server: &MockServer,
    key: &Key,
    client_id: &str,
    scope: &str,
    dpop: Option<String>,
) -> Answer {
    let assertion = assertion(key, client_id, &token_url(server), 300);
    token_request(
        server,
        &[
            ("grant_type", "client_credentials"),
            ("scope", scope),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", &assertion),
        ],
        dpop,
    )
    .await
}

#[tokio::test]
async fn rs256_bearer_token_with_read_scope() {
    let server = demo_org().await;
    let key = Key::rsa();
    register(
        &server,
        "0oaservice0000000001",
        &key,
        &["okta.users.read", "okta.apps.read"],
        false,
        false,
    );
    let token = client_credentials(
        &server,
        &key,
        "0oaservice0000000001",
        "okta.users.read",
        None,
    )
    .await;
    assert_eq!(token.status, 200, "{}", token.text);
    assert_eq!(token.body["token_type"], "Bearer");
    assert_eq!(token.body["expires_in"], 3600);
    assert_eq!(token.body["scope"], "okta.users.read");
    assert_eq!(token.header("cache-control").as_deref(), Some("no-store"));
    let access = token.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(access.split('.').count(), 3);

    let api = Api::new(&server);
    let bearer = format!("Bearer {access}");
    let users = api
        .send_with(Method::GET, "/api/v1/users?limit=2", None, Some(&bearer))
        .await;
    assert_eq!(users.status, 200);
    assert_eq!(users.ids().len(), 2);

    let create = api
        .send_with(
            Method::POST,
            "/api/v1/users",
            Some(json!({ "profile": {} })),
            Some(&bearer),
        )
        .await;
    assert_eq!(create.status, 403);
    assert_eq!(create.error_code(), "E0000006");
    let challenge = create.header("www-authenticate").unwrap();
    assert!(
        challenge.contains("error=\"insufficient_scope\""),
        "{challenge}"
    );
    assert!(
        challenge.contains("scope=\"okta.users.manage\""),
        "{challenge}"
    );

    let groups = api
        .send_with(Method::GET, "/api/v1/groups", None, Some(&bearer))
        .await;
    assert_eq!(groups.status, 403);
    let apps = api
        .send_with(Method::GET, "/api/v1/apps", None, Some(&bearer))
        .await;
    assert_eq!(apps.status, 403, "the token was not issued okta.apps.read");

    let unknown = api
        .send_with(Method::GET, "/api/v1/users", None, Some("Bearer nope"))
        .await;
    assert_eq!(unknown.status, 401);
    assert_eq!(unknown.error_code(), "E0000011");
}

#[tokio::test]
async fn es256_manage_scope_writes_and_reads() {
    let server = demo_org().await;
    let key = Key::ec();
    register(
        &server,
        "0oaservice0000000002",
        &key,
        &["okta.users.manage", "okta.groups.manage"],
        false,
        false,
    );
    let token = client_credentials(
        &server,
        &key,
        "0oaservice0000000002",
        "okta.users.manage okta.groups.manage",
        None,
    )
    .await;
    assert_eq!(token.status, 200, "{}", token.text);
    let bearer = format!("Bearer {}", token.body["access_token"].as_str().unwrap());

    let api = Api::new(&server);
    let created = api
        .send_with(
            Method::POST,
            "/api/v1/users?activate=false",
            Some(json!({ "profile": { "firstName": "Svc", "lastName": "User", "email": "svc.user@example.com", "login": "svc.user@example.com" } })),
            Some(&bearer),
        )
        .await;
    assert_eq!(created.status, 200);
    let read = api
        .send_with(
            Method::GET,
            "/api/v1/users/svc.user@example.com",
            None,
            Some(&bearer),
        )
        .await;
    assert_eq!(read.status, 200);
    let groups = api
        .send_with(Method::GET, "/api/v1/groups?limit=1", None, Some(&bearer))
        .await;
    assert_eq!(groups.status, 200);
    let me = api
        .send_with(Method::GET, "/api/v1/users/me", None, Some(&bearer))
        .await;
    assert_eq!(me.status, 404, "a service app token has no user");
}

#[tokio::test]
async fn token_endpoint_rejects_bad_requests() {
    let server = demo_org().await;
    let key = Key::rsa();
    register(
        &server,
        "0oaservice0000000003",
        &key,
        &["okta.users.read"],
        false,
        false,
    );
    let url = token_url(&server);
    let assertion_type = (
        "client_assertion_type",
        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    );

    let wrong_key = client_credentials(
        &server,
        &Key::ec(),
        "0oaservice0000000003",
        "okta.users.read",
        None,
    )
    .await;
    assert_eq!(wrong_key.status, 401);
    assert_eq!(wrong_key.body["error"], "invalid_client");

    let unregistered =
        client_credentials(&server, &key, "0oaunknown", "okta.users.read", None).await;
    assert_eq!(unregistered.status, 401);
    assert_eq!(unregistered.body["error"], "invalid_client");

    let expired = assertion(&key, "0oaservice0000000003", &url, -10);
    let answer = token_request(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "okta.users.read"),
            assertion_type,
            ("client_assertion", &expired),
        ],
        None,
    )
    .await;
    assert_eq!(answer.body["error"], "invalid_client");
    assert!(
        answer.body["error_description"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let wrong_audience = assertion(
        &key,
        "0oaservice0000000003",
        "https://elsewhere.example.com/oauth2/v1/token",
        300,
    );
    let answer = token_request(
        &server,
        &[
            ("grant_type", "client_credentials"),
            ("scope", "okta.users.read"),
            assertion_type,
            ("client_assertion", &wrong_audience),
        ],
        None,
    )
    .await;
    assert_eq!(answer.body["error"], "invalid_client");

    let once = assertion(&key, "0oaservice0000000003", &url, 300);
    let form = [
        ("grant_type", "client_credentials"),
        ("scope", "okta.users.read"),
        assertion_type,
        ("client_assertion", once.as_str()),
    ];
    assert_eq!(token_request(&server, &form, None).await.status, 200);
    let replayed = token_request(&server, &form, None).await;
    assert_eq!(replayed.status, 401, "a client assertion is single-use");

    let not_granted = client_credentials(
        &server,
        &key,
        "0oaservice0000000003",
        "okta.users.manage",
        None,
    )
    .await;
    assert_eq!(not_granted.status, 400);
    assert_eq!(not_granted.body["error"], "invalid_scope");
    let no_scope = client_credentials(&server, &key, "0oaservice0000000003", "", None).await;
    assert_eq!(no_scope.body["error"], "invalid_scope");

    let password = token_request(&server, &[("grant_type", "password")], None).await;
    assert_eq!(password.status, 400);
    assert_eq!(password.body["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn dpop_nonce_then_bound_token() {
    let server = demo_org().await;
    let key = Key::rsa();
    let dpop_key = Key::ec();
    register(
        &server,
        "0oaservice0000000004",
        &key,
        &["okta.users.read"],
        true,
        false,
    );
    let url = token_url(&server);

    let without_proof = client_credentials(
        &server,
        &key,
        "0oaservice0000000004",
        "okta.users.read",
        None,
    )
    .await;
    assert_eq!(without_proof.status, 400);
    assert_eq!(without_proof.body["error"], "invalid_dpop_proof");
    let needs_nonce = {
        let proof = proof(&dpop_key, "POST", &url, None, None);
        let assertion = assertion(&key, "0oaservice0000000004", &url, 300);
        token_request(
            &server,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "okta.users.read"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &assertion),
            ],
            Some(proof),
        )
        .await
    };
    assert_eq!(needs_nonce.status, 400);
    assert_eq!(needs_nonce.body["error"], "use_dpop_nonce");
    let nonce = needs_nonce
        .header("dpop-nonce")
        .expect("a DPoP-Nonce header");

    let granted = {
        let proof = proof(&dpop_key, "POST", &url, Some(&nonce), None);
        let assertion = assertion(&key, "0oaservice0000000004", &url, 300);
        token_request(
            &server,
            &[
                ("grant_type", "client_credentials"),
                ("scope", "okta.users.read"),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                ),
                ("client_assertion", &assertion),
            ],
            Some(proof),
        )
        .await
    };
    assert_eq!(granted.status, 200, "{}", granted.text);
    assert_eq!(granted.body["token_type"], "DPoP");
    let access = granted.body["access_token"].as_str().unwrap().to_string();

    let api = Api::new(&server);
    let users_url = format!("{}/api/v1/users", server.url());
    let as_bearer = api
        .send_with(
            Method::GET,
            "/api/v1/users",
            None,
            Some(&format!("Bearer {access}")),
        )
        .await;
    assert_eq!(as_bearer.status, 401);

    let call = |proof: String| {
        let access = access.clone();
        let users_url = users_url.clone();
        async move {
            let response = reqwest::Client::new()
                .get(format!("{users_url}?limit=1"))
                .header("Authorization", format!("DPoP {access}"))
                .header("DPoP", proof)
                .send()
                .await
                .unwrap();
            read(response).await
        }
    };
    let ok = call(proof(&dpop_key, "GET", &users_url, None, Some(&access))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);

    let wrong_ath = call(proof(
        &dpop_key,
        "GET",
        &users_url,
        None,
        Some("another token"),
    ))
    .await;
    assert_eq!(wrong_ath.status, 401);
    assert!(
        wrong_ath
            .header("www-authenticate")
            .unwrap()
            .contains("invalid_dpop_proof")
    );
    let wrong_url = call(proof(
        &dpop_key,
        "GET",
        &format!("{}/api/v1/groups", server.url()),
        None,
        Some(&access),
    ))
    .await;
    assert_eq!(wrong_url.status, 401);
    let other_key = call(proof(&Key::ec(), "GET", &users_url, None, Some(&access))).await;
    assert_eq!(other_key.status, 401);
}

#[tokio::test]
async fn resource_nonce_challenge() {
    let server = demo_org().await;
    let key = Key::ec();
    let dpop_key = Key::ec();
    register(
        &server,
        "0oaservice0000000005",
        &key,
        &["okta.groups.read"],
        true,
        true,
    );
    let url = token_url(&server);
    let request_token = |nonce: Option<String>| {
        let proof = proof(&dpop_key, "POST", &url, nonce.as_deref(), None);
        let assertion = assertion(&key, "0oaservice0000000005", &url, 300);
        let server = &server;
        async move {
            token_request(
                server,
                &[
                    ("grant_type", "client_credentials"),
                    ("scope", "okta.groups.read"),
                    (
                        "client_assertion_type",
                        "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                    ),
                    ("client_assertion", &assertion),
                ],
                Some(proof),
            )
            .await
        }
    };

    let nonce = request_token(None).await.header("dpop-nonce").unwrap();
    let granted = request_token(Some(nonce)).await;
    let access = granted.body["access_token"].as_str().unwrap().to_string();

    let groups_url = format!("{}/api/v1/groups", server.url());
    let send = |nonce: Option<String>| {
        let proof = proof(
            &dpop_key,
            "GET",
            &groups_url,
            nonce.as_deref(),
            Some(&access),
        );
        let authorization = format!("DPoP {access}");
        let groups_url = groups_url.clone();
        async move {
            read(
                reqwest::Client::new()
                    .get(groups_url)
                    .header("Authorization", authorization)
                    .header("DPoP", proof)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };

    let challenged = send(None).await;
    assert_eq!(challenged.status, 401);
    assert!(
        challenged
            .header("www-authenticate")
            .unwrap()
            .contains("use_dpop_nonce")
    );
    let nonce = challenged.header("dpop-nonce").unwrap();
    let answered = send(Some(nonce)).await;
    assert_eq!(answered.status, 200, "{}", answered.text);
}
