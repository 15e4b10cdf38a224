//! Accounts: where an org is and how to authenticate to it.

use std::time::Duration;

use crate::Error;
use crate::secret::SecretString;

/// Authentication method of an account's requests.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `Authorization: SSWS {token}`.
    ApiToken(SecretString),
    /// OAuth 2.0 client credentials of a service app, signed with its
    /// private key (`private_key_jwt`).
    PrivateKeyJwt(PrivateKeyJwt),
}

/// Settings of an OAuth 2.0 service app. Names follow the official SDKs'
/// configuration keys: `clientId`, `scopes`, `privateKey`, `kid`.
#[derive(Debug, Clone)]
pub struct PrivateKeyJwt {
    pub client_id: String,
    /// Scopes to request, for example `okta.users.read`.
    pub scopes: Vec<String>,
    /// RS256 or ES256 private key, as PEM or as a JWK in JSON.
    pub private_key: SecretString,
    /// Key ID sent as the `kid` header of the client assertion.
    pub key_id: Option<String>,
    /// Sends DPoP proofs; set for apps that require DPoP-bound tokens.
    pub dpop: bool,
}

/// Timeouts, retries and limits of one account's client.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Time allowed to open a connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, from sending to the last body
    /// byte. Default 30 s.
    pub request_timeout: Duration,
    /// Retries of a failed idempotent request. Default 3, and 0 turns retries off.
    pub max_retries: u32,
    /// First backoff delay, doubled for each further retry. Default 250 ms.
    pub retry_base_delay: Duration,
    /// Maximum backoff delay. Default 10 s.
    pub max_retry_delay: Duration,
    /// Maximum wait for a rate-limit window to reset. Default 60 s.
    pub max_rate_limit_wait: Duration,
    /// Added to the rate-limit reset time before retrying. Default 1000 ms.
    pub rate_limit_margin_ms: u64,
    /// Requests in flight to the org at once. Default 8.
    pub max_concurrent_requests: usize,
    /// Items one list call returns at most, whatever the arguments. Default 1,000,000.
    pub max_list_items: u64,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(250),
            max_retry_delay: Duration::from_secs(10),
            max_rate_limit_wait: Duration::from_secs(60),
            rate_limit_margin_ms: 1000,
            max_concurrent_requests: 8,
            max_list_items: 1_000_000,
        }
    }
}

/// One org and its credentials.
#[derive(Debug, Clone)]
pub struct AccountConfig {
    /// Account name, `default` for the default account.
    pub name: String,
    /// Org URL such as `https://example.okta.com`.
    pub org_url: String,
    pub auth: Auth,
    pub options: ClientOptions,
}

/// Environment variables read for the default account, in order of preference.
pub const ORG_URL_VARIABLES: &[&str] = &["OKTA_ORG_URL", "OKTA_CLIENT_ORGURL"];
pub const API_TOKEN_VARIABLES: &[&str] = &["OKTA_API_TOKEN", "OKTA_CLIENT_TOKEN"];

fn first_env(names: &[&str]) -> Option<String> {
    names.iter().find_map(|name| {
        std::env::var(name)
            .ok()
            .filter(|value| !value.trim().is_empty())
    })
}

impl AccountConfig {
    /// Creates an account that authenticates with an API token.
    pub fn with_api_token(name: &str, org_url: &str, token: SecretString) -> AccountConfig {
        AccountConfig {
            name: name.to_string(),
            org_url: org_url.to_string(),
            auth: Auth::ApiToken(token),
            options: ClientOptions::default(),
        }
    }

    /// Reads the default account from `OKTA_ORG_URL` and `OKTA_API_TOKEN`
    /// (or the official SDKs' `OKTA_CLIENT_ORGURL` and `OKTA_CLIENT_TOKEN`).
    pub fn from_env() -> Result<AccountConfig, Error> {
        let Some(org_url) = first_env(ORG_URL_VARIABLES) else {
            return Err(Error::Config(
                "no Okta org configured: set OKTA_ORG_URL (for example https://example.okta.com) and OKTA_API_TOKEN, \
                 or run with --demo to use the built-in fake org"
                    .to_string(),
            ));
        };
        let mode =
            first_env(&["OKTA_CLIENT_AUTHORIZATIONMODE"]).unwrap_or_else(|| "SSWS".to_string());
        match mode.as_str() {
            "SSWS" => {}
            "PrivateKey" => return AccountConfig::service_app_from_env(&org_url),
            other => {
                return Err(Error::Config(format!(
                    "OKTA_CLIENT_AUTHORIZATIONMODE is \"{other}\"; use SSWS (API token) or PrivateKey (service app)"
                )));
            }
        }
        match first_env(API_TOKEN_VARIABLES) {
            Some(token) => Ok(AccountConfig::with_api_token(
                "default",
                &org_url,
                SecretString::new(token),
            )),
            None => Err(Error::Config(
                "OKTA_ORG_URL is set but OKTA_API_TOKEN is not: set it to an Okta API token"
                    .to_string(),
            )),
        }
    }

    /// Reads a service app from the official SDKs' variables:
    /// `OKTA_CLIENT_CLIENTID`, `OKTA_CLIENT_SCOPES` (separated by spaces or
    /// commas), `OKTA_CLIENT_PRIVATEKEY` (the PEM or JWK itself, or a path to
    /// a file holding it) and `OKTA_CLIENT_KID`.
    fn service_app_from_env(org_url: &str) -> Result<AccountConfig, Error> {
        let missing = |name: &str| {
            Error::Config(format!(
                "OKTA_CLIENT_AUTHORIZATIONMODE is PrivateKey but {name} is not set"
            ))
        };
        let client_id =
            first_env(&["OKTA_CLIENT_CLIENTID"]).ok_or_else(|| missing("OKTA_CLIENT_CLIENTID"))?;
        let scopes: Vec<String> = first_env(&["OKTA_CLIENT_SCOPES"])
            .ok_or_else(|| missing("OKTA_CLIENT_SCOPES"))?
            .split([' ', ','])
            .filter(|scope| !scope.is_empty())
            .map(str::to_string)
            .collect();
        let key_setting = first_env(&["OKTA_CLIENT_PRIVATEKEY"])
            .ok_or_else(|| missing("OKTA_CLIENT_PRIVATEKEY"))?;
        let trimmed = key_setting.trim_start();
        let private_key = if trimmed.starts_with("-----BEGIN") || trimmed.starts_with('{') {
            key_setting
        } else {
            std::fs::read_to_string(&key_setting).map_err(|error| {
                Error::Config(format!(
                    "OKTA_CLIENT_PRIVATEKEY is neither a PEM or JWK key nor a readable file ({key_setting}: {error})"
                ))
            })?
        };
        Ok(AccountConfig {
            name: "default".to_string(),
            org_url: org_url.to_string(),
            auth: Auth::PrivateKeyJwt(PrivateKeyJwt {
                client_id,
                scopes,
                private_key: SecretString::new(private_key),
                key_id: first_env(&["OKTA_CLIENT_KID"]),
                dpop: false,
            }),
            options: ClientOptions::default(),
        })
    }

    /// Returns the org origin (`scheme://host[:port]`) after checking that it
    /// is https, or http on a loopback address.
    pub fn validated_origin(&self) -> Result<String, Error> {
        let invalid = |reason: &str| {
            Error::Config(format!(
                "invalid org URL \"{}\" for account `{}`: {reason}; use the form https://example.okta.com",
                self.org_url, self.name
            ))
        };
        let url =
            url::Url::parse(self.org_url.trim()).map_err(|error| invalid(&error.to_string()))?;
        let host = url.host().ok_or_else(|| invalid("it has no host"))?;
        let loopback = match host {
            url::Host::Domain(domain) => domain == "localhost",
            url::Host::Ipv4(address) => address.is_loopback(),
            url::Host::Ipv6(address) => address.is_loopback(),
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(invalid("plain http is allowed only for loopback addresses")),
            other => return Err(invalid(&format!("the scheme must be https, not {other}"))),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials do not belong in the URL"));
        }
        if url.path() != "/" && !url.path().is_empty() {
            return Err(invalid("give the org URL without a path"));
        }
        match &self.auth {
            Auth::ApiToken(token) if token.is_empty() => {
                return Err(Error::Config(format!(
                    "the API token of account `{}` is empty",
                    self.name
                )));
            }
            Auth::PrivateKeyJwt(settings)
                if settings.client_id.is_empty() || settings.private_key.is_empty() =>
            {
                return Err(Error::Config(format!(
                    "account `{}` uses authorizationMode PrivateKey but its clientId or privateKey is empty",
                    self.name
                )));
            }
            _ => {}
        }
        Ok(url.origin().ascii_serialization())
    }
}
