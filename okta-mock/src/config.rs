//! The `okta-mock --config FILE` format (YAML or JSON), which sets the same
//! things as [`MockOptions`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value;

use crate::{Collection, Fault, MockOptions, OAuthClient, RateLimits, Reply, Seed};

/// The config file.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfigFile {
    pub port: Option<u16>,
    pub token: Option<String>,
    /// A seed file path, or `demo` or `empty`; relative paths are resolved
    /// against the config file's folder.
    pub seed: Option<String>,
    /// Number of users to generate instead of loading a seed.
    pub users: Option<usize>,
    pub groups: Option<usize>,
    pub apps: Option<usize>,
    pub latency_ms: Option<u64>,
    pub rate_limits: Option<RateLimits>,
    pub page_sizes: BTreeMap<Collection, usize>,
    pub faults: Vec<FaultConfig>,
    /// Service apps allowed to get OAuth access tokens.
    pub oauth_clients: Vec<OAuthClient>,
}

/// Scripted replies for one method and path.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultConfig {
    #[serde(default = "any_method")]
    pub method: String,
    pub path: String,
    pub replies: Vec<ReplyConfig>,
}

fn any_method() -> String {
    "*".to_string()
}

/// One scripted reply, written as `normal`, `holdOpen`, `dropConnection`,
/// `{delayMs: N}`, `{handleThenHoldMs: N}`, `{json: {status, body, headers}}`
/// or `{oktaError: {status, code, summary, causes}}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum ReplyConfig {
    Normal,
    Json {
        status: u16,
        #[serde(default)]
        body: Value,
        #[serde(default)]
        headers: BTreeMap<String, String>,
    },
    OktaError {
        status: u16,
        code: String,
        summary: String,
        #[serde(default)]
        causes: Vec<String>,
    },
    DelayMs(u64),
    HandleThenHoldMs(u64),
    HoldOpen,
    DropConnection,
}

impl From<ReplyConfig> for Reply {
    fn from(config: ReplyConfig) -> Reply {
        match config {
            ReplyConfig::Normal => Reply::Normal,
            ReplyConfig::Json {
                status,
                body,
                headers,
            } => Reply::Json {
                status,
                body,
                headers: headers.into_iter().collect(),
            },
            ReplyConfig::OktaError {
                status,
                code,
                summary,
                causes,
            } => Reply::OktaError {
                status,
                code,
                summary,
                causes,
            },
            ReplyConfig::DelayMs(millis) => Reply::Delay(Duration::from_millis(millis)),
            ReplyConfig::HandleThenHoldMs(millis) => {
                Reply::HandleThenHold(Duration::from_millis(millis))
            }
            ReplyConfig::HoldOpen => Reply::HoldOpen,
            ReplyConfig::DropConnection => Reply::DropConnection,
        }
    }
}

impl ConfigFile {
    /// Reads a config file; `.json` files are parsed as JSON, others as YAML.
    ///
    /// # Errors
    /// A message naming the file when it cannot be read or parsed.
    pub fn read(path: &Path) -> Result<ConfigFile, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("reading config file {} failed: {error}", path.display()))?;
        let is_json = path
            .extension()
            .is_some_and(|extension| extension == "json");
        let parsed = if is_json {
            serde_json::from_str(&text).map_err(|error| error.to_string())
        } else {
            parse_yaml(&text)
        };
        parsed.map_err(|error| format!("config file {} is invalid: {error}", path.display()))
    }

    /// Applies the file's settings to `options`; `folder` resolves a
    /// relative seed path.
    pub fn apply(self, options: &mut MockOptions, folder: &Path) {
        if let Some(port) = self.port {
            options.port = port;
        }
        if let Some(token) = self.token {
            options.token = token;
        }
        match self.seed.as_deref() {
            None => {}
            Some("demo") => options.seed = Seed::Demo,
            Some("empty") => options.seed = Seed::Empty,
            Some(path) => options.seed = Seed::File(resolve(folder, path)),
        }
        if let Some(users) = self.users {
            options.seed = Seed::Generated {
                users,
                groups: self.groups.unwrap_or(10),
                apps: self.apps.unwrap_or(10),
            };
        }
        if let Some(millis) = self.latency_ms {
            options.latency = Some(Duration::from_millis(millis));
        }
        if self.rate_limits.is_some() {
            options.rate_limits = self.rate_limits;
        }
        options.page_sizes.extend(self.page_sizes);
        options.oauth_clients.extend(self.oauth_clients);
        options
            .faults
            .extend(self.faults.into_iter().map(|fault| Fault {
                method: fault.method,
                path: fault.path,
                replies: fault.replies.into_iter().map(Reply::from).collect(),
            }));
    }
}

/// Parses YAML through a JSON value, so enums are written as plain maps
/// (`delayMs: 100`) rather than YAML tags.
pub(crate) fn parse_yaml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value: Value = serde_yaml::from_str(text).map_err(|error| error.to_string())?;
    serde_json::from_value(value).map_err(|error| error.to_string())
}

fn resolve(folder: &Path, path: &str) -> PathBuf {
    let path = PathBuf::from(path);
    if path.is_absolute() {
        path
    } else {
        folder.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_faults_and_limits() {
        let text = r#"
port: 0
seed: empty
pageSizes: { users: 50, groups: 200 }
rateLimits: { limit: 5, window: 10, perRoute: { "/api/v1/users": 2 } }
faults:
  - method: GET
    path: /api/v1/users
    replies:
      - oktaError: { status: 503, code: E0000009, summary: Internal Server Error }
      - delayMs: 100
      - normal
      - dropConnection
oauthClients:
  - clientId: 0oaservice
    jwks: [{ kty: EC, crv: P-256, x: AA, y: AA }]
    scopes: [okta.users.read]
    requireDpop: true
"#;
        let config: ConfigFile = parse_yaml(text).unwrap();
        let mut options = MockOptions::default();
        config.apply(&mut options, Path::new("/tmp"));
        assert_eq!(options.seed, Seed::Empty);
        assert_eq!(
            options.page_sizes,
            vec![(Collection::Users, 50), (Collection::Groups, 200)]
        );
        let limits = options.rate_limits.unwrap();
        assert_eq!(limits.limit, 5);
        assert_eq!(limits.window, Duration::from_secs(10));
        assert_eq!(limits.per_route["/api/v1/users"], 2);
        let replies = &options.faults[0].replies;
        assert_eq!(replies.len(), 4);
        assert_eq!(replies[1], Reply::Delay(Duration::from_millis(100)));
        assert_eq!(replies[3], Reply::DropConnection);
        assert_eq!(options.oauth_clients[0].client_id, "0oaservice");
        assert!(options.oauth_clients[0].require_dpop);
        assert!(!options.oauth_clients[0].resource_nonce);
    }
}
