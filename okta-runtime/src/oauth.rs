//! OAuth 2.0 client credentials for service apps: a `private_key_jwt` client
//! assertion exchanged at `/oauth2/v1/token`, with optional DPoP.
//!
//! Tokens are cached until shortly before they expire. With DPoP, every
//! token request and API call carries a proof signed by a key made for this
//! client, and a `use_dpop_nonce` error is retried once with the nonce.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::header::HeaderValue;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::DecodePrivateKey;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::Error;
use crate::config::PrivateKeyJwt;
use crate::secret::SecretString;

/// A token is refreshed when less than this remains of its lifetime.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// Lifetime of a client assertion.
const ASSERTION_LIFETIME_SECONDS: u64 = 300;

/// A private key that signs client assertions.
enum SigningKey {
    Rs256(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    Es256(p256::ecdsa::SigningKey),
}

impl SigningKey {
    fn algorithm(&self) -> &'static str {
        match self {
            SigningKey::Rs256(_) => "RS256",
            SigningKey::Es256(_) => "ES256",
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        use rsa::signature::{SignatureEncoding, Signer};
        match self {
            SigningKey::Rs256(key) => key.sign(message).to_vec(),
            SigningKey::Es256(key) => {
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
        }
    }
}

fn invalid_key(reason: &str) -> Error {
    Error::Config(format!(
        "invalid privateKey: {reason}; give an RS256 or ES256 private key as PEM (PKCS#8, PKCS#1 or SEC1) or as a JWK in JSON"
    ))
}

fn decode_base64url(field: &str, jwk: &Value) -> Result<Vec<u8>, Error> {
    let text = jwk
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid_key(&format!("the JWK has no `{field}`")))?;
    URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .map_err(|_| invalid_key(&format!("the JWK field `{field}` is not base64url")))
}

/// Parses a PEM or JWK private key. Returns the key and the JWK's `kid`.
fn parse_key(text: &str) -> Result<(SigningKey, Option<String>), Error> {
    let text = text.trim();
    if text.starts_with('{') {
        let jwk: Value = serde_json::from_str(text)
            .map_err(|_| invalid_key("it looks like JSON but does not parse"))?;
        let kid = jwk.get("kid").and_then(Value::as_str).map(str::to_string);
        let key = match jwk.get("kty").and_then(Value::as_str) {
            Some("RSA") => {
                let number = |field: &str| {
                    decode_base64url(field, &jwk).map(|bytes| rsa::BigUint::from_bytes_be(&bytes))
                };
                let primes = vec![number("p")?, number("q")?];
                let key = rsa::RsaPrivateKey::from_components(
                    number("n")?,
                    number("e")?,
                    number("d")?,
                    primes,
                )
                .map_err(|_| invalid_key("the RSA JWK components do not form a valid key"))?;
                SigningKey::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(key)))
            }
            Some("EC") => {
                if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                    return Err(invalid_key("the EC JWK `crv` must be P-256"));
                }
                let secret = p256::SecretKey::from_slice(&decode_base64url("d", &jwk)?)
                    .map_err(|_| invalid_key("the EC JWK `d` is not a P-256 private key"))?;
                SigningKey::Es256(p256::ecdsa::SigningKey::from(secret))
            }
            _ => return Err(invalid_key("the JWK `kty` must be RSA or EC")),
        };
        return Ok((key, kid));
    }

    if text.contains("BEGIN RSA PRIVATE KEY") {
        let key = rsa::RsaPrivateKey::from_pkcs1_pem(text)
            .map_err(|_| invalid_key("the PKCS#1 PEM does not parse"))?;
        return Ok((
            SigningKey::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(key))),
            None,
        ));
    }
    if text.contains("BEGIN EC PRIVATE KEY") {
        let key = p256::SecretKey::from_sec1_pem(text)
            .map_err(|_| invalid_key("the SEC1 PEM is not a P-256 key"))?;
        return Ok((SigningKey::Es256(p256::ecdsa::SigningKey::from(key)), None));
    }
    if text.contains("BEGIN PRIVATE KEY") {
        if let Ok(key) = rsa::RsaPrivateKey::from_pkcs8_pem(text) {
            return Ok((
                SigningKey::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(key))),
                None,
            ));
        }
        if let Ok(key) = p256::SecretKey::from_pkcs8_pem(text) {
            return Ok((SigningKey::Es256(p256::ecdsa::SigningKey::from(key)), None));
        }
        return Err(invalid_key(
            "the PKCS#8 PEM is neither an RSA nor a P-256 key",
        ));
    }
    Err(invalid_key("no PEM header or JWK found"))
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn random_id() -> String {
    let bytes: [u8; 16] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn sign_jwt(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(header.to_string());
    let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing_input = format!("{header}.{claims}");
    let signature = URL_SAFE_NO_PAD.encode(key.sign(signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// An access token and when to stop using it.
#[derive(Clone)]
struct CachedToken {
    value: SecretString,
    /// `Bearer` or `DPoP`.
    token_type: String,
    refresh_at: Instant,
}

/// Headers that authenticate one API request.
pub struct Credentials {
    pub authorization: HeaderValue,
    pub dpop: Option<HeaderValue>,
}

/// Obtains and caches access tokens for one service app.
pub struct TokenSource {
    client_id: String,
    scopes: Vec<String>,
    key_id: Option<String>,
    key: SigningKey,
    token_url: String,
    dpop_key: Option<p256::ecdsa::SigningKey>,
    cached: tokio::sync::Mutex<Option<CachedToken>>,
    /// Nonces the authorization server and the resource server asked for.
    token_nonce: std::sync::Mutex<Option<String>>,
    resource_nonce: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field("algorithm", &self.key.algorithm())
            .field("dpop", &self.dpop_key.is_some())
            .finish_non_exhaustive()
    }
}

fn sensitive(text: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(text).map_err(|_| {
        Error::Config(
            "an access token contains characters that cannot be sent in a header".to_string(),
        )
    })?;
    value.set_sensitive(true);
    Ok(value)
}

impl TokenSource {
    pub fn new(settings: &PrivateKeyJwt, origin: &str) -> Result<TokenSource, Error> {
        if settings.scopes.is_empty() {
            return Err(Error::Config(
                "a service app needs at least one scope, for example okta.users.read".to_string(),
            ));
        }
        let (key, jwk_kid) = parse_key(settings.private_key.expose())?;
        let dpop_key = settings
            .dpop
            .then(|| p256::ecdsa::SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng));
        Ok(TokenSource {
            client_id: settings.client_id.clone(),
            scopes: settings.scopes.clone(),
            key_id: settings.key_id.clone().or(jwk_kid),
            key,
            token_url: format!("{origin}/oauth2/v1/token"),
            dpop_key,
            cached: tokio::sync::Mutex::new(None),
            token_nonce: std::sync::Mutex::new(None),
            resource_nonce: std::sync::Mutex::new(None),
        })
    }

    fn client_assertion(&self) -> String {
        let mut header = json!({ "alg": self.key.algorithm(), "typ": "JWT" });
        if let Some(kid) = &self.key_id {
            header["kid"] = Value::from(kid.as_str());
        }
        let now = unix_now();
        let claims = json!({
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME_SECONDS,
            "jti": random_id(),
        });
        sign_jwt(&self.key, &header, &claims)
    }

    /// Builds a DPoP proof for a request; `access_token` adds the `ath` claim.
    fn dpop_proof(
        &self,
        method: &str,
        url: &str,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Option<String> {
        let key = self.dpop_key.as_ref()?;
        let point = key.verifying_key().to_encoded_point(false);
        let jwk = json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(point.x()?),
            "y": URL_SAFE_NO_PAD.encode(point.y()?),
        });
        let header = json!({ "typ": "dpop+jwt", "alg": "ES256", "jwk": jwk });
        // The proof binds the URL without query or fragment.
        let target = url.split(['?', '#']).next().unwrap_or(url);
        let mut claims =
            json!({ "htm": method, "htu": target, "iat": unix_now(), "jti": random_id() });
        if let Some(nonce) = nonce {
            claims["nonce"] = Value::from(nonce);
        }
        if let Some(token) = access_token {
            claims["ath"] = Value::from(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
        }
        Some(sign_jwt(&SigningKey::Es256(key.clone()), &header, &claims))
    }

    /// Returns the headers for an API request, fetching a token when the
    /// cached one is missing or about to expire.
    pub async fn credentials(
        &self,
        http: &reqwest::Client,
        method: &str,
        url: &str,
    ) -> Result<Credentials, Error> {
        let token = self.token(http).await?;
        let nonce = self
            .resource_nonce
            .lock()
            .ok()
            .and_then(|nonce| nonce.clone());
        let proof = if token.token_type.eq_ignore_ascii_case("DPoP") {
            self.dpop_proof(method, url, nonce.as_deref(), Some(token.value.expose()))
                .map(|proof| sensitive(&proof))
                .transpose()?
        } else {
            None
        };
        let scheme = if proof.is_some() { "DPoP" } else { "Bearer" };
        Ok(Credentials {
            authorization: sensitive(&format!("{scheme} {}", token.value.expose()))?,
            dpop: proof,
        })
    }

    /// Records a nonce the resource server asked for with `use_dpop_nonce`.
    pub fn set_resource_nonce(&self, nonce: &str) {
        if let Ok(mut slot) = self.resource_nonce.lock() {
            *slot = Some(nonce.to_string());
        }
    }

    /// Drops the cached token, so the next request fetches a new one.
    pub async fn invalidate(&self) {
        *self.cached.lock().await = None;
    }

    async fn token(&self, http: &reqwest::Client) -> Result<CachedToken, Error> {
        let mut cached = self.cached.lock().await;
        if let Some(token) = cached.as_ref()
            && Instant::now() < token.refresh_at
        {
            return Ok(token.clone());
        }
        let token = self.fetch_token(http).await?;
        *cached = Some(token.clone());
        Ok(token)
    }

    async fn fetch_token(&self, http: &reqwest::Client) -> Result<CachedToken, Error> {
        // One retry covers the `use_dpop_nonce` round trip.
        for attempt in 0..2 {
            let nonce = self.token_nonce.lock().ok().and_then(|nonce| nonce.clone());
            let form = [
                ("grant_type", "client_credentials".to_string()),
                ("scope", self.scopes.join(" ")),
                (
                    "client_assertion_type",
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_string(),
                ),
                ("client_assertion", self.client_assertion()),
            ];
            let body = form
                .iter()
                .map(|(name, value)| format!("{name}={}", crate::request::encode_component(value)))
                .collect::<Vec<_>>()
                .join("&");
            let mut request = http
                .post(&self.token_url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body);
            if let Some(proof) = self.dpop_proof("POST", &self.token_url, nonce.as_deref(), None) {
                request = request.header("DPoP", sensitive(&proof)?);
            }

            let label = "POST /oauth2/v1/token".to_string();
            let response = request.send().await.map_err(|error| {
                if error.is_timeout() {
                    Error::Timeout {
                        request: label.clone(),
                        elapsed: Duration::ZERO,
                        hint: None,
                    }
                } else {
                    Error::Connection {
                        request: label.clone(),
                        message: "the token request failed".to_string(),
                        hint: None,
                    }
                }
            })?;
            let status = response.status().as_u16();
            let dpop_nonce = response
                .headers()
                .get("dpop-nonce")
                .and_then(|value| value.to_str().ok())
                .map(str::to_string);
            let bytes = response.bytes().await.map_err(|_| Error::Connection {
                request: label.clone(),
                message: "the token response body could not be read".to_string(),
                hint: None,
            })?;
            let parsed: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);

            if status == 400
                && parsed.get("error").and_then(Value::as_str) == Some("use_dpop_nonce")
                && let Some(nonce) = dpop_nonce
                && attempt == 0
            {
                tracing::debug!("token endpoint asked for a DPoP nonce; retrying once");
                if let Ok(mut slot) = self.token_nonce.lock() {
                    *slot = Some(nonce);
                }
                continue;
            }
            if !(200..300).contains(&status) {
                let mut error = crate::error::ApiError::from_response(status, &bytes, label);
                error.detail = Some(format!(
                    "the service app {} could not get an access token: {}",
                    self.client_id,
                    error
                        .error_summary
                        .clone()
                        .unwrap_or_else(|| "no reason given".to_string())
                ));
                return Err(Error::Api(Box::new(error)));
            }

            let access_token = parsed
                .get("access_token")
                .and_then(Value::as_str)
                .ok_or_else(|| Error::InvalidResponse {
                    request: label.clone(),
                    status,
                    message: "the token response has no access_token".to_string(),
                })?;
            let token_type = parsed
                .get("token_type")
                .and_then(Value::as_str)
                .unwrap_or("Bearer")
                .to_string();
            let lifetime = Duration::from_secs(
                parsed
                    .get("expires_in")
                    .and_then(Value::as_u64)
                    .unwrap_or(3600),
            );
            tracing::debug!(client_id = %self.client_id, token_type = %token_type, expires_in = lifetime.as_secs(), "obtained an access token");
            return Ok(CachedToken {
                value: SecretString::new(access_token),
                token_type,
                refresh_at: Instant::now() + lifetime.saturating_sub(REFRESH_MARGIN),
            });
        }
        Err(Error::Config(
            "the token endpoint kept asking for a new DPoP nonce".to_string(),
        ))
    }
}
