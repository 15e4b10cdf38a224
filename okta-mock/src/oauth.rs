//! OAuth 2.0 for service apps, as Okta's org authorization server offers
//! it to the Management API: the client-credentials grant with a
//! `private_key_jwt` client assertion (RS256 or ES256), scoped access
//! tokens, and DPoP-bound tokens for clients that require them.
//!
//! Token-endpoint errors use the OAuth error body
//! (`{"error", "error_description"}`); API errors keep Okta's body.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::api::JSON_CONTENT_TYPE;
use crate::error::ApiError;
use crate::query::QueryParams;
use crate::server::{Principal, Shared};
use crate::time::now_secs;

/// Lifetime of issued access tokens, Okta's default for the org server.
const TOKEN_LIFETIME_SECONDS: i64 = 3600;

/// How far a DPoP proof's `iat` may be from the server's clock.
const PROOF_LEEWAY_SECONDS: i64 = 300;

const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// A service app registered in the org, as `Org::register_oauth_client`
/// and the seed file's `oauthClients` take it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OAuthClient {
    pub client_id: String,
    /// Public keys (JWK objects, `kty` RSA or EC P-256) that verify the
    /// client's assertions; a `kid` in the assertion header picks one.
    pub jwks: Vec<Value>,
    /// Scopes the app was granted, such as `okta.users.read`.
    pub scopes: Vec<String>,
    /// Requires DPoP proofs and issues DPoP-bound tokens.
    #[serde(default)]
    pub require_dpop: bool,
    /// Also requires a server nonce in DPoP proofs sent to the API, not
    /// only to the token endpoint.
    #[serde(default)]
    pub resource_nonce: bool,
}

/// An issued access token.
#[derive(Debug, Clone)]
struct IssuedToken {
    client_id: String,
    scopes: Vec<String>,
    expires: i64,
    /// JWK thumbprint of the DPoP key the token is bound to.
    dpop_thumbprint: Option<String>,
}

/// Registered clients, issued tokens, nonces and seen assertion ids.
#[derive(Debug, Default)]
pub(crate) struct OAuthState {
    inner: Mutex<OAuthInner>,
}

#[derive(Debug, Default)]
struct OAuthInner {
    clients: Vec<OAuthClient>,
    tokens: HashMap<String, IssuedToken>,
    nonces: Vec<String>,
    seen_ids: HashSet<String>,
    counter: u64,
}

/// An error from the token endpoint in OAuth's shape.
struct OAuthError {
    status: StatusCode,
    error: &'static str,
    description: String,
    nonce: Option<String>,
}

impl OAuthError {
    fn new(status: u16, error: &'static str, description: impl Into<String>) -> OAuthError {
        OAuthError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            error,
            description: description.into(),
            nonce: None,
        }
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.error, "error_description": self.description });
        let mut response = crate::api::json_response(self.status, &body);
        if let Some(nonce) = self
            .nonce
            .and_then(|nonce| HeaderValue::from_str(&nonce).ok())
        {
            response.headers_mut().insert("DPoP-Nonce", nonce);
        }
        response
    }
}

fn lock(state: &OAuthState) -> std::sync::MutexGuard<'_, OAuthInner> {
    state
        .inner
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl OAuthState {
    pub fn register(&self, client: OAuthClient) {
        let mut inner = lock(self);
        inner
            .clients
            .retain(|existing| existing.client_id != client.client_id);
        inner.clients.push(client);
    }

    fn new_secret(inner: &mut OAuthInner, prefix: &str) -> String {
        inner.counter += 1;
        let mut hasher = Sha256::new();
        hasher.update(prefix.as_bytes());
        hasher.update(inner.counter.to_le_bytes());
        hasher.update(rand::random::<[u8; 16]>());
        URL_SAFE_NO_PAD.encode(hasher.finalize())
    }

    fn fresh_nonce(&self) -> String {
        let mut inner = lock(self);
        let nonce = OAuthState::new_secret(&mut inner, "nonce");
        inner.nonces.push(nonce.clone());
        // Only recent nonces stay valid, as a real server rotates them.
        if inner.nonces.len() > 16 {
            inner.nonces.remove(0);
        }
        nonce
    }

    fn nonce_valid(&self, nonce: Option<&str>) -> bool {
        nonce.is_some_and(|nonce| lock(self).nonces.iter().any(|known| known == nonce))
    }

    /// Authenticates an API request that carries an access token.
    pub fn authorize(
        &self,
        shared: &Shared,
        scheme: &str,
        credential: &str,
        request: &Request,
    ) -> Result<Principal, ApiError> {
        let dpop_scheme = scheme.eq_ignore_ascii_case("DPoP");
        if !dpop_scheme && !scheme.eq_ignore_ascii_case("Bearer") {
            return Err(ApiError::invalid_token());
        }
        let (token, client) = {
            let inner = lock(self);
            let token = inner.tokens.get(credential).cloned();
            let client = token.as_ref().and_then(|token| {
                inner
                    .clients
                    .iter()
                    .find(|client| client.client_id == token.client_id)
                    .cloned()
            });
            (token, client)
        };
        let Some(token) = token.filter(|token| token.expires > now_secs()) else {
            return Err(ApiError::invalid_token());
        };
        match (&token.dpop_thumbprint, dpop_scheme) {
            (None, true) => {
                return Err(dpop_challenge(
                    "invalid_token",
                    "The access token is not DPoP-bound.",
                ));
            }
            (Some(_), false) => {
                return Err(dpop_challenge(
                    "invalid_token",
                    "The access token is DPoP-bound; send it with the DPoP scheme and a proof.",
                ));
            }
            _ => {}
        }
        if let Some(thumbprint) = &token.dpop_thumbprint {
            let url = format!("{}{}", shared.base_url, request.uri().path());
            let proof = verify_proof(request.headers(), request.method().as_str(), &url)
                .map_err(|reason| dpop_challenge("invalid_dpop_proof", &reason))?;
            if &proof.thumbprint != thumbprint {
                return Err(dpop_challenge(
                    "invalid_dpop_proof",
                    "The DPoP proof key does not match the key the token is bound to.",
                ));
            }
            let expected_ath = URL_SAFE_NO_PAD.encode(Sha256::digest(credential.as_bytes()));
            if proof.claims.get("ath").and_then(Value::as_str) != Some(expected_ath.as_str()) {
                return Err(dpop_challenge(
                    "invalid_dpop_proof",
                    "The DPoP proof 'ath' claim does not match the access token.",
                ));
            }
            self.check_replay(&proof.claims)
                .map_err(|reason| dpop_challenge("invalid_dpop_proof", &reason))?;
            let wants_nonce = client.as_ref().is_some_and(|client| client.resource_nonce);
            let nonce = proof.claims.get("nonce").and_then(Value::as_str);
            if wants_nonce && !self.nonce_valid(nonce) {
                let fresh = self.fresh_nonce();
                return Err(dpop_challenge(
                    "use_dpop_nonce",
                    "Resource server requires nonce in DPoP proof.",
                )
                .with_header("DPoP-Nonce", fresh));
            }
        }
        Ok(Principal::Service {
            client_id: token.client_id,
            scopes: token.scopes,
        })
    }

    fn check_replay(&self, claims: &Value) -> Result<(), String> {
        let jti = claims
            .get("jti")
            .and_then(Value::as_str)
            .ok_or("The JWT is missing the 'jti' claim.")?;
        if !lock(self).seen_ids.insert(jti.to_string()) {
            return Err(format!("The JWT 'jti' {jti} was already used."));
        }
        Ok(())
    }

    fn issue(
        &self,
        client_id: &str,
        scopes: Vec<String>,
        thumbprint: Option<String>,
        base_url: &str,
    ) -> (String, i64) {
        let mut inner = lock(self);
        let now = now_secs();
        let expires = now + TOKEN_LIFETIME_SECONDS;
        let jti = format!("AT.{}", OAuthState::new_secret(&mut inner, "jti"));
        let mut claims = json!({
            "ver": 1,
            "jti": jti,
            "iss": base_url,
            "aud": base_url,
            "iat": now,
            "exp": expires,
            "cid": client_id,
            "sub": client_id,
            "scp": scopes,
        });
        if let Some(thumbprint) = &thumbprint {
            claims["cnf"] = json!({ "jkt": thumbprint });
        }

        let header = json!({ "kid": "okta-mock", "alg": "RS256" });
        // The signature is random: clients treat Okta's access tokens as
        // opaque, and nothing outside the fake org verifies them.
        let signature = OAuthState::new_secret(&mut inner, "signature");
        let token = format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string()),
            signature
        );

        inner.tokens.insert(
            token.clone(),
            IssuedToken {
                client_id: client_id.to_string(),
                scopes,
                expires,
                dpop_thumbprint: thumbprint,
            },
        );
        (token, expires - now)
    }
}

fn dpop_challenge(error: &str, description: &str) -> ApiError {
    ApiError::invalid_token().with_header(
        "WWW-Authenticate",
        format!(
            "DPoP algs=\"RS256 ES256\", error=\"{error}\", error_description=\"{description}\""
        ),
    )
}

/// Returns whether granted scopes include `required`; a `.manage` scope
/// grants the matching `.read`.
pub(crate) fn scopes_grant(granted: &[String], required: &str) -> bool {
    granted.iter().any(|scope| {
        scope == required
            || required
                .strip_suffix(".read")
                .is_some_and(|prefix| scope.strip_suffix(".manage") == Some(prefix))
    })
}

/// A decoded, not yet verified JWT.
struct Jwt {
    header: Value,
    claims: Value,
    signing_input: String,
    signature: Vec<u8>,
}

fn decode_jwt(token: &str) -> Result<Jwt, String> {
    let mut parts = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("The JWT must have three dot-separated parts.".to_string());
    };
    let decode_json = |part: &str, what: &str| -> Result<Value, String> {
        let bytes = URL_SAFE_NO_PAD
            .decode(part.trim_end_matches('='))
            .map_err(|_| format!("The JWT {what} is not base64url."))?;
        serde_json::from_slice(&bytes).map_err(|_| format!("The JWT {what} is not JSON."))
    };
    Ok(Jwt {
        header: decode_json(header, "header")?,
        claims: decode_json(claims, "payload")?,
        signing_input: format!("{header}.{claims}"),
        signature: URL_SAFE_NO_PAD
            .decode(signature.trim_end_matches('='))
            .map_err(|_| "The JWT signature is not base64url.".to_string())?,
    })
}

fn jwk_number(jwk: &Value, field: &str) -> Result<Vec<u8>, String> {
    let text = jwk
        .get(field)
        .and_then(Value::as_str)
        .ok_or(format!("The JWK has no '{field}'."))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| format!("The JWK '{field}' is not base64url."))
}

/// Verifies a JWS signature with a public JWK; `alg` must suit the key.
fn verify_signature(jwt: &Jwt, jwk: &Value) -> Result<(), String> {
    let alg = jwt
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let kty = jwk.get("kty").and_then(Value::as_str).unwrap_or_default();
    match (alg, kty) {
        ("RS256", "RSA") => {
            use rsa::signature::Verifier;
            let key = rsa::RsaPublicKey::new(
                rsa::BigUint::from_bytes_be(&jwk_number(jwk, "n")?),
                rsa::BigUint::from_bytes_be(&jwk_number(jwk, "e")?),
            )
            .map_err(|_| "The RSA JWK is not a valid public key.".to_string())?;
            let verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key);
            let signature = rsa::pkcs1v15::Signature::try_from(jwt.signature.as_slice())
                .map_err(|_| "The RS256 signature is malformed.".to_string())?;
            verifier
                .verify(jwt.signing_input.as_bytes(), &signature)
                .map_err(|_| "The JWT signature is invalid.".to_string())
        }
        ("ES256", "EC") => {
            use p256::ecdsa::signature::Verifier;
            if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                return Err("The EC JWK 'crv' must be P-256.".to_string());
            }
            let x = jwk_number(jwk, "x")?;
            let y = jwk_number(jwk, "y")?;
            if x.len() != 32 || y.len() != 32 {
                return Err("The EC JWK coordinates must be 32 bytes each.".to_string());
            }
            // An uncompressed SEC1 point is 0x04 followed by x and y.
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let verifier = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                .map_err(|_| "The EC JWK is not a point on P-256.".to_string())?;
            let signature = p256::ecdsa::Signature::from_slice(&jwt.signature)
                .map_err(|_| "The ES256 signature is malformed.".to_string())?;
            verifier
                .verify(jwt.signing_input.as_bytes(), &signature)
                .map_err(|_| "The JWT signature is invalid.".to_string())
        }
        ("RS256" | "ES256", _) => Err(format!("The key type {kty} cannot verify {alg}.")),
        _ => Err(format!(
            "The JWT algorithm '{alg}' is not supported; use RS256 or ES256."
        )),
    }
}

/// Computes the RFC 7638 thumbprint of a public JWK.
fn thumbprint(jwk: &Value) -> Result<String, String> {
    let field = |name: &str| -> Result<&str, String> {
        jwk.get(name)
            .and_then(Value::as_str)
            .ok_or(format!("The JWK has no '{name}'."))
    };
    let canonical = match field("kty")? {
        "EC" => format!(
            r#"{{"crv":"{}","kty":"EC","x":"{}","y":"{}"}}"#,
            field("crv")?,
            field("x")?,
            field("y")?
        ),
        "RSA" => format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            field("e")?,
            field("n")?
        ),
        other => return Err(format!("The JWK type {other} is not supported.")),
    };
    Ok(URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes())))
}

/// A DPoP proof whose signature, type, method and URL checked out.
struct Proof {
    claims: Value,
    thumbprint: String,
}

fn verify_proof(headers: &HeaderMap, method: &str, url: &str) -> Result<Proof, String> {
    let values: Vec<&HeaderValue> = headers.get_all("DPoP").iter().collect();
    let proof = match values.as_slice() {
        [] => return Err("The DPoP proof JWT header is missing.".to_string()),
        [value] => value
            .to_str()
            .map_err(|_| "The DPoP header is not text.".to_string())?,
        _ => return Err("Send exactly one DPoP header.".to_string()),
    };

    let jwt = decode_jwt(proof)?;
    if jwt.header.get("typ").and_then(Value::as_str) != Some("dpop+jwt") {
        return Err("The DPoP proof 'typ' must be dpop+jwt.".to_string());
    }
    let jwk = jwt
        .header
        .get("jwk")
        .filter(|jwk| jwk.is_object())
        .ok_or("The DPoP proof header has no 'jwk'.")?;
    if jwk.get("d").is_some() {
        return Err("The DPoP proof 'jwk' must not contain a private key.".to_string());
    }
    verify_signature(&jwt, jwk)?;

    let claims = jwt.claims;
    if claims.get("htm").and_then(Value::as_str) != Some(method) {
        return Err(format!("The DPoP proof 'htm' must be {method}."));
    }
    if claims.get("htu").and_then(Value::as_str) != Some(url) {
        return Err(format!("The DPoP proof 'htu' must be {url}."));
    }
    let issued = claims
        .get("iat")
        .and_then(Value::as_i64)
        .ok_or("The DPoP proof has no 'iat'.")?;
    if (issued - now_secs()).abs() > PROOF_LEEWAY_SECONDS {
        return Err("The DPoP proof 'iat' is too far from the current time.".to_string());
    }
    Ok(Proof {
        thumbprint: thumbprint(jwk)?,
        claims,
    })
}

/// `POST /oauth2/v1/token`: the client-credentials grant.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match grant(&shared, &headers, &body) {
        Ok(body) => {
            let mut response = (StatusCode::OK, body.to_string()).into_response();
            let response_headers = response.headers_mut();
            response_headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            );
            response_headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response_headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
            response
        }
        Err(error) => error.into_response(),
    }
}

fn grant(shared: &Shared, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let form = std::str::from_utf8(body)
        .map_err(|_| OAuthError::new(400, "invalid_request", "The request body is not UTF-8."))?;
    let params = QueryParams::parse(Some(form));
    match params.get("grant_type") {
        Some("client_credentials") => {}
        Some(other) => {
            return Err(OAuthError::new(
                400,
                "unsupported_grant_type",
                format!("The grant type '{other}' is not supported; use client_credentials."),
            ));
        }
        None => {
            return Err(OAuthError::new(
                400,
                "invalid_request",
                "The 'grant_type' parameter is missing.",
            ));
        }
    }
    if params.get("client_assertion_type") != Some(ASSERTION_TYPE) {
        return Err(OAuthError::new(
            401,
            "invalid_client",
            format!("The client_assertion_type must be {ASSERTION_TYPE}."),
        ));
    }
    let assertion = params.get("client_assertion").ok_or_else(|| {
        OAuthError::new(401, "invalid_client", "The client_assertion is missing.")
    })?;
    let token_url = format!("{}/oauth2/v1/token", shared.base_url);
    let client = verify_assertion(shared, assertion, &token_url)?;

    let requested: Vec<String> = params
        .get("scope")
        .unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if requested.is_empty() {
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            "The authorization server resource does not have any configured default scopes, 'scope' must be provided.",
        ));
    }
    let denied: Vec<&str> = requested
        .iter()
        .filter(|scope| !client.scopes.contains(scope))
        .map(String::as_str)
        .collect();
    if !denied.is_empty() {
        return Err(OAuthError::new(
            400,
            "invalid_scope",
            format!(
                "The following scopes are not granted to the client: {}.",
                denied.join(" ")
            ),
        ));
    }

    let thumbprint = if client.require_dpop {
        let proof = verify_proof(headers, "POST", &token_url)
            .map_err(|reason| OAuthError::new(400, "invalid_dpop_proof", reason))?;
        let nonce = proof.claims.get("nonce").and_then(Value::as_str);
        if !shared.org.oauth.nonce_valid(nonce) {
            let mut error = OAuthError::new(
                400,
                "use_dpop_nonce",
                "Authorization server requires nonce in DPoP proof.",
            );
            error.nonce = Some(shared.org.oauth.fresh_nonce());
            return Err(error);
        }
        shared
            .org
            .oauth
            .check_replay(&proof.claims)
            .map_err(|reason| OAuthError::new(400, "invalid_dpop_proof", reason))?;
        Some(proof.thumbprint)
    } else {
        None
    };
    let token_type = if thumbprint.is_some() {
        "DPoP"
    } else {
        "Bearer"
    };
    let scope = requested.join(" ");
    let (access_token, expires_in) =
        shared
            .org
            .oauth
            .issue(&client.client_id, requested, thumbprint, &shared.base_url);
    tracing::debug!(client_id = %client.client_id, %scope, token_type, "issued an access token");
    Ok(json!({
        "token_type": token_type,
        "expires_in": expires_in,
        "access_token": access_token,
        "scope": scope,
    }))
}

fn verify_assertion(
    shared: &Shared,
    assertion: &str,
    token_url: &str,
) -> Result<OAuthClient, OAuthError> {
    let invalid = |reason: String| OAuthError::new(401, "invalid_client", reason);
    let jwt = decode_jwt(assertion).map_err(invalid)?;
    let client_id = jwt
        .claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or_else(|| invalid("The client_assertion has no 'iss' claim.".to_string()))?;
    if jwt.claims.get("sub").and_then(Value::as_str) != Some(client_id) {
        return Err(invalid(
            "The client_assertion 'sub' must equal 'iss', the client id.".to_string(),
        ));
    }
    let client = lock(&shared.org.oauth)
        .clients
        .iter()
        .find(|client| client.client_id == client_id)
        .cloned()
        .ok_or_else(|| {
            invalid(format!(
                "The client '{client_id}' is not registered in the org."
            ))
        })?;

    let audience_matches = match jwt.claims.get("aud") {
        Some(Value::String(audience)) => audience == token_url,
        Some(Value::Array(audiences)) => audiences.iter().any(|audience| audience == token_url),
        _ => false,
    };
    if !audience_matches {
        return Err(invalid(format!(
            "The client_assertion 'aud' must be {token_url}."
        )));
    }
    let expires = jwt
        .claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("The client_assertion has no 'exp' claim.".to_string()))?;
    if expires <= now_secs() {
        return Err(invalid(
            "The client_assertion token is expired.".to_string(),
        ));
    }

    let kid = jwt.header.get("kid").and_then(Value::as_str);
    let keys: Vec<&Value> = client
        .jwks
        .iter()
        .filter(|jwk| kid.is_none() || jwk.get("kid").and_then(Value::as_str) == kid)
        .collect();
    if keys.is_empty() {
        return Err(invalid(format!(
            "No key of client '{client_id}' matches the assertion 'kid'."
        )));
    }
    let mut last_error = String::new();
    let verified = keys.iter().any(|jwk| match verify_signature(&jwt, jwk) {
        Ok(()) => true,
        Err(reason) => {
            last_error = reason;
            false
        }
    });
    if !verified {
        return Err(invalid(format!(
            "The client_assertion signature is invalid: {last_error}"
        )));
    }
    shared
        .org
        .oauth
        .check_replay(&jwt.claims)
        .map_err(invalid)?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manage_scope_grants_read() {
        let granted = vec!["okta.users.manage".to_string()];
        assert!(scopes_grant(&granted, "okta.users.read"));
        assert!(scopes_grant(&granted, "okta.users.manage"));
        assert!(!scopes_grant(&granted, "okta.groups.read"));
        let read_only = vec!["okta.users.read".to_string()];
        assert!(!scopes_grant(&read_only, "okta.users.manage"));
    }

    #[test]
    fn thumbprint_matches_rfc7638_example() {
        let jwk = json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        });
        assert_eq!(
            thumbprint(&jwk).unwrap(),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }

    #[test]
    fn malformed_jwt_is_rejected() {
        assert!(decode_jwt("a.b").is_err());
        assert!(decode_jwt("!!.e30.sig").is_err());
    }
}
