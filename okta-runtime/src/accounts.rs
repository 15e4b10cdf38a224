//! Accounts from the config file, or the default account from the
//! environment when there is no config file.
//!
//! The config file is YAML. Secrets are references to environment variables
//! or files, never the secret itself:
//!
//! ```yaml
//! defaultAccount: production        # optional
//! accounts:
//!   production:
//!     orgUrl: https://acme.okta.com
//!     token: { env: OKTA_PROD_TOKEN }
//!     permissions: { read: allow, write: ask }
//!   automation:
//!     orgUrl: https://acme.okta.com
//!     authorizationMode: PrivateKey
//!     clientId: 0oa1b2c3d4e5f6g7h8i9
//!     scopes: [okta.users.read, okta.groups.read]
//!     privateKey: { file: keys/automation.pem }
//!     kid: key-1
//!     requestTimeout: 20
//! ```
//!
//! `docs/configuration.md` describes every key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::Error;
use crate::config::{AccountConfig, Auth, ClientOptions, PrivateKeyJwt};
use crate::lua::{HostOptions, Limits, Permissions, Policy, check_account_name};
use crate::secret::SecretString;

/// Environment variable that names the config file.
pub const CONFIG_VARIABLE: &str = "OKTA_LUA_CONFIG";

/// Origin of the config file path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSource {
    /// `--config PATH`.
    Flag,
    /// The `OKTA_LUA_CONFIG` environment variable.
    Variable,
    /// `$XDG_CONFIG_HOME/okta-lua/config.yaml` or
    /// `~/.config/okta-lua/config.yaml`.
    DefaultLocation,
}

/// A config file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    pub path: PathBuf,
    pub source: ConfigSource,
}

/// Returns the default location of the config file:
/// `$XDG_CONFIG_HOME/okta-lua/config.yaml`, or
/// `$HOME/.config/okta-lua/config.yaml` when `XDG_CONFIG_HOME` is not set.
pub fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    let base = match env("XDG_CONFIG_HOME").filter(|value| !value.is_empty()) {
        Some(folder) => PathBuf::from(folder),
        None => PathBuf::from(env("HOME").filter(|value| !value.is_empty())?).join(".config"),
    };
    Some(base.join("okta-lua").join("config.yaml"))
}

/// Finds the config file: the path given with `--config`, else the one in
/// `OKTA_LUA_CONFIG`, else the default location if a file exists there.
pub fn locate_config(
    flag: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Option<ConfigLocation> {
    if let Some(path) = flag {
        return Some(ConfigLocation {
            path: path.to_path_buf(),
            source: ConfigSource::Flag,
        });
    }
    if let Some(path) = env(CONFIG_VARIABLE).filter(|value| !value.is_empty()) {
        return Some(ConfigLocation {
            path: PathBuf::from(path),
            source: ConfigSource::Variable,
        });
    }
    let path = default_config_path(env)?;
    path.is_file().then_some(ConfigLocation {
        path,
        source: ConfigSource::DefaultLocation,
    })
}

/// The accounts of a run and the permissions of each.
#[derive(Debug, Clone)]
pub struct Accounts {
    pub accounts: Vec<AccountConfig>,
    pub permissions: BTreeMap<String, Permissions>,
    /// The account behind the flat namespace `app.integrations.okta.*`.
    pub default_account: String,
    /// The config file the accounts come from; None for the environment.
    pub config_file: Option<PathBuf>,
}

impl Accounts {
    /// Returns one account, behind the flat namespace, with the default
    /// permissions.
    pub fn single(account: AccountConfig) -> Accounts {
        Accounts {
            permissions: BTreeMap::new(),
            default_account: account.name.clone(),
            accounts: vec![account],
            config_file: None,
        }
    }

    /// Loads the accounts as the runner does: from the config file that
    /// [`locate_config`] finds, or else the default account from
    /// `OKTA_ORG_URL` and `OKTA_API_TOKEN`. `account` picks the account
    /// behind the flat namespace.
    pub fn load(config: Option<&Path>, account: Option<&str>) -> Result<Accounts, Error> {
        let env = |name: &str| std::env::var(name).ok();
        match locate_config(config, &env) {
            Some(location) => Accounts::from_file(&location.path, account, &env),
            None => Accounts::from_env(account),
        }
    }

    /// Reads the default account from the environment, with the default
    /// permissions.
    pub fn from_env(account: Option<&str>) -> Result<Accounts, Error> {
        if let Some(name) = account.filter(|name| *name != "default") {
            return Err(Error::Config(format!(
                "unknown account `{name}`; configured accounts: default (from OKTA_ORG_URL, as no config file was found; pass --config PATH or set {CONFIG_VARIABLE})"
            )));
        }
        Ok(Accounts::single(AccountConfig::from_env()?))
    }

    /// Reads a config file. `env` looks up the environment variables that
    /// secrets refer to.
    pub fn from_file(
        path: &Path,
        account: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accounts, Error> {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Error::Config(format!(
                "cannot read the config file {}: {error}",
                path.display()
            ))
        })?;
        Accounts::from_text(&text, path, account, env)
    }

    /// Parses the text of a config file; `path` names it in errors and is
    /// the base of relative key file paths.
    pub fn from_text(
        text: &str,
        path: &Path,
        account: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Accounts, Error> {
        let file: ConfigFile = serde_yaml::from_str(text).map_err(|error| {
            Error::Config(format!("invalid config file {}: {error}", path.display()))
        })?;
        let folder = path.parent().unwrap_or(Path::new("."));

        let mut accounts = Vec::with_capacity(file.accounts.len());
        let mut permissions = BTreeMap::new();
        for (name, entry) in file.accounts {
            let context = AccountContext {
                name: &name,
                file: path,
                folder,
                env,
            };
            check_account_name(&name).map_err(|message| context.error(&message))?;
            permissions.insert(name.clone(), entry.permissions);
            accounts.push(entry.into_account(&context)?);
        }

        let default_account =
            pick_default(account, file.default_account.as_deref(), &accounts, path)?;
        Ok(Accounts {
            accounts,
            permissions,
            default_account,
            config_file: Some(path.to_path_buf()),
        })
    }

    /// Returns the names of the accounts, sorted.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.accounts.iter().map(|a| a.name.as_str()).collect();
        names.sort_unstable();
        names
    }

    /// Returns a policy with each account's permissions.
    pub fn policy(&self, force: bool, dry_run: bool) -> Policy {
        Policy {
            accounts: self.permissions.clone(),
            force,
            dry_run,
            ..Policy::default()
        }
    }

    /// Returns the settings of a host for these accounts.
    pub fn host_options(&self, policy: Policy, limits: Limits) -> HostOptions {
        HostOptions {
            accounts: self.accounts.clone(),
            default_account: self.default_account.clone(),
            policy,
            limits,
        }
    }
}

/// Picks the account behind the flat namespace: `--account`, else
/// `defaultAccount`, else the account named `default`, else the only one.
fn pick_default(
    requested: Option<&str>,
    configured: Option<&str>,
    accounts: &[AccountConfig],
    path: &Path,
) -> Result<String, Error> {
    let mut names: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
    names.sort_unstable();
    let listed = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };

    let chosen = match (requested, configured) {
        (Some(name), _) => name,
        (None, Some(name)) => name,
        (None, None) if names.contains(&"default") => "default",
        (None, None) if names.len() == 1 => names[0],
        (None, None) if names.is_empty() => {
            return Err(Error::Config(format!(
                "the config file {} lists no accounts; add one under `accounts:`",
                path.display()
            )));
        }
        (None, None) => {
            return Err(Error::Config(format!(
                "the config file {} lists several accounts ({listed}) and none is named `default`; pick one with --account NAME or set `defaultAccount`",
                path.display()
            )));
        }
    };
    if !names.contains(&chosen) {
        return Err(Error::Config(format!(
            "unknown account `{chosen}`; configured accounts: {listed} (in {})",
            path.display()
        )));
    }
    Ok(chosen.to_string())
}

/// The config file format.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    default_account: Option<String>,
    accounts: BTreeMap<String, AccountEntry>,
}

/// Authentication method of an account, named as in the official SDKs.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
enum AuthorizationMode {
    #[default]
    #[serde(rename = "SSWS")]
    Ssws,
    PrivateKey,
}

/// One account of the config file.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AccountEntry {
    org_url: String,
    #[serde(default)]
    authorization_mode: AuthorizationMode,
    /// API token reference, for `SSWS`.
    token: Option<serde_yaml::Value>,
    client_id: Option<String>,
    #[serde(default)]
    scopes: Vec<String>,
    /// Private key reference, for `PrivateKey`.
    private_key: Option<serde_yaml::Value>,
    kid: Option<String>,
    #[serde(default)]
    dpop: bool,
    /// Seconds allowed to open a connection.
    connection_timeout: Option<f64>,
    /// Seconds allowed for one whole request.
    request_timeout: Option<f64>,
    max_retries: Option<u32>,
    /// Seconds to wait at most for a rate limit to reset.
    max_rate_limit_wait: Option<f64>,
    #[serde(default)]
    permissions: Permissions,
}

/// The account being read, for error messages and secret lookups.
struct AccountContext<'a> {
    name: &'a str,
    file: &'a Path,
    folder: &'a Path,
    env: &'a dyn Fn(&str) -> Option<String>,
}

impl AccountContext<'_> {
    fn error(&self, message: &str) -> Error {
        Error::Config(format!(
            "account `{}` in {}: {message}",
            self.name,
            self.file.display()
        ))
    }

    /// Resolves a secret reference: `{ env: NAME }` or `{ file: PATH }`.
    fn secret(&self, key: &str, value: &serde_yaml::Value) -> Result<SecretString, Error> {
        let reference = match value {
            serde_yaml::Value::Mapping(map) if map.len() == 1 => map.iter().next(),
            _ => None,
        };
        let reference =
            reference.and_then(|(kind, target)| Some((kind.as_str()?, target.as_str()?)));
        match (reference, value) {
            (Some(("env", name)), _) => match (self.env)(name).filter(|v| !v.trim().is_empty()) {
                Some(secret) => Ok(SecretString::new(secret)),
                None => Err(self.error(&format!(
                    "`{key}` refers to the environment variable {name}, which is not set or empty"
                ))),
            },
            (Some(("file", file)), _) => {
                let path = self.folder.join(file);
                let text = std::fs::read_to_string(&path).map_err(|error| {
                    self.error(&format!("cannot read `{key}` from {}: {error}", path.display()))
                })?;
                Ok(SecretString::new(text.trim_end().to_string()))
            }
            (_, serde_yaml::Value::String(_)) => Err(self.error(&format!(
                "`{key}` must be a reference such as {{ env: OKTA_API_TOKEN }} or {{ file: PATH }}, not the secret itself; keep secrets out of the config file"
            ))),
            _ => Err(self.error(&format!(
                "`{key}` must be {{ env: NAME }} or {{ file: PATH }}"
            ))),
        }
    }
}

fn seconds(
    context: &AccountContext,
    key: &str,
    value: Option<f64>,
) -> Result<Option<Duration>, Error> {
    let Some(value) = value else {
        return Ok(None);
    };
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|duration| !duration.is_zero())
        .map(Some)
        .ok_or_else(|| {
            context.error(&format!(
                "`{key}` must be a positive number of seconds, got {value}"
            ))
        })
}

impl AccountEntry {
    fn into_account(self, context: &AccountContext) -> Result<AccountConfig, Error> {
        let auth = self.auth(context)?;
        let mut options = ClientOptions::default();
        if let Some(timeout) = seconds(context, "connectionTimeout", self.connection_timeout)? {
            options.connect_timeout = timeout;
        }
        if let Some(timeout) = seconds(context, "requestTimeout", self.request_timeout)? {
            options.request_timeout = timeout;
        }
        if let Some(retries) = self.max_retries {
            options.max_retries = retries;
        }
        if let Some(wait) = seconds(context, "maxRateLimitWait", self.max_rate_limit_wait)? {
            options.max_rate_limit_wait = wait;
        }
        let account = AccountConfig {
            name: context.name.to_string(),
            org_url: self.org_url,
            auth,
            options,
        };
        account.validated_origin()?;
        Ok(account)
    }

    fn auth(&self, context: &AccountContext) -> Result<Auth, Error> {
        match self.authorization_mode {
            AuthorizationMode::Ssws => {
                for (key, given) in [
                    ("clientId", self.client_id.is_some()),
                    ("privateKey", self.private_key.is_some()),
                    ("kid", self.kid.is_some()),
                    ("scopes", !self.scopes.is_empty()),
                    ("dpop", self.dpop),
                ] {
                    if given {
                        return Err(context.error(&format!(
                            "`{key}` applies only to `authorizationMode: PrivateKey`; this account uses SSWS"
                        )));
                    }
                }
                let token = self.token.as_ref().ok_or_else(|| {
                    context.error("`token` is missing; add `token: { env: OKTA_API_TOKEN }`")
                })?;
                Ok(Auth::ApiToken(context.secret("token", token)?))
            }
            AuthorizationMode::PrivateKey => {
                if self.token.is_some() {
                    return Err(context.error(
                        "`token` applies only to `authorizationMode: SSWS`; this account uses PrivateKey",
                    ));
                }
                let client_id = self.client_id.clone().ok_or_else(|| {
                    context.error(
                        "`clientId` is missing; PrivateKey needs the service app's client ID",
                    )
                })?;
                if self.scopes.is_empty() {
                    return Err(context.error(
                        "`scopes` is missing; list the scopes to request, such as [okta.users.read]",
                    ));
                }
                let key = self.private_key.as_ref().ok_or_else(|| {
                    context.error("`privateKey` is missing; add `privateKey: { file: PATH }` or `{ env: NAME }`")
                })?;
                Ok(Auth::PrivateKeyJwt(PrivateKeyJwt {
                    client_id,
                    scopes: self.scopes.clone(),
                    private_key: context.secret("privateKey", key)?,
                    key_id: self.kid.clone(),
                    dpop: self.dpop,
                }))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::lua::Permission;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn parse(text: &str, account: Option<&str>) -> Result<Accounts, Error> {
        let env = env_of(&[
            ("PROD_TOKEN", "prod-secret"),
            ("STAGE_TOKEN", "stage-secret"),
        ]);
        Accounts::from_text(text, Path::new("/etc/okta-lua/config.yaml"), account, &env)
    }

    fn message(result: Result<Accounts, Error>) -> String {
        result.expect_err("config is rejected").to_string()
    }

    const TWO_ACCOUNTS: &str = "
accounts:
  production:
    orgUrl: https://acme.okta.com
    token: { env: PROD_TOKEN }
    permissions: { read: allow, write: deny }
  staging:
    orgUrl: https://acme-staging.okta.com
    token: { env: STAGE_TOKEN }
    requestTimeout: 5
    maxRetries: 0
";

    #[test]
    fn reads_accounts_and_permissions() {
        let accounts = parse(TWO_ACCOUNTS, Some("staging")).unwrap();
        assert_eq!(accounts.names(), vec!["production", "staging"]);
        assert_eq!(accounts.default_account, "staging");
        assert_eq!(
            accounts.permissions["production"],
            Permissions {
                read: Permission::Allow,
                write: Permission::Deny
            }
        );
        assert_eq!(accounts.permissions["staging"], Permissions::default());
        let staging = &accounts.accounts[1];
        assert_eq!(staging.options.request_timeout, Duration::from_secs(5));
        assert_eq!(staging.options.max_retries, 0);
        match &staging.auth {
            Auth::ApiToken(token) => assert_eq!(token.expose(), "stage-secret"),
            other => panic!("unexpected auth {other:?}"),
        }
        assert_eq!(
            accounts.config_file.as_deref(),
            Some(Path::new("/etc/okta-lua/config.yaml"))
        );
    }

    #[test]
    fn default_account_choice() {
        let several = message(parse(TWO_ACCOUNTS, None));
        assert!(
            several.contains("lists several accounts (production, staging) and none is named `default`; pick one with --account NAME or set `defaultAccount`"),
            "{several}"
        );
        let with_key = format!("defaultAccount: production\n{TWO_ACCOUNTS}");
        assert_eq!(
            parse(&with_key, None).unwrap().default_account,
            "production"
        );
        assert_eq!(
            parse(&with_key, Some("staging")).unwrap().default_account,
            "staging"
        );
        let single =
            "accounts:\n  only:\n    orgUrl: https://a.okta.com\n    token: { env: PROD_TOKEN }\n";
        assert_eq!(parse(single, None).unwrap().default_account, "only");
        let named_default = "accounts:\n  default:\n    orgUrl: https://a.okta.com\n    token: { env: PROD_TOKEN }\n  other:\n    orgUrl: https://b.okta.com\n    token: { env: PROD_TOKEN }\n";
        assert_eq!(
            parse(named_default, None).unwrap().default_account,
            "default"
        );
    }

    #[test]
    fn unknown_account_lists_configured() {
        let text = message(parse(TWO_ACCOUNTS, Some("prod")));
        assert_eq!(
            text,
            "unknown account `prod`; configured accounts: production, staging (in /etc/okta-lua/config.yaml)"
        );
    }

    #[test]
    fn inline_secret_rejected() {
        let text = "accounts:\n  production:\n    orgUrl: https://acme.okta.com\n    token: 00abcdefSECRET\n";
        let error = message(parse(text, None));
        assert_eq!(
            error,
            "account `production` in /etc/okta-lua/config.yaml: `token` must be a reference such as { env: OKTA_API_TOKEN } or { file: PATH }, not the secret itself; keep secrets out of the config file"
        );
        assert!(!error.contains("SECRET"));
    }

    #[test]
    fn missing_variable_named() {
        let text = "accounts:\n  production:\n    orgUrl: https://acme.okta.com\n    token: { env: NOT_SET_ANYWHERE }\n";
        assert_eq!(
            message(parse(text, None)),
            "account `production` in /etc/okta-lua/config.yaml: `token` refers to the environment variable NOT_SET_ANYWHERE, which is not set or empty"
        );
    }

    #[test]
    fn unknown_key_names_key_and_file() {
        let text = "accounts:\n  production:\n    orgURL: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n";
        let error = message(parse(text, None));
        assert!(
            error.starts_with("invalid config file /etc/okta-lua/config.yaml: "),
            "{error}"
        );
        assert!(error.contains("unknown field `orgURL`"), "{error}");
        let text = "acounts: {}\n";
        let error = message(parse(text, None));
        assert!(error.contains("unknown field `acounts`"), "{error}");
        let text = "accounts:\n  production:\n    orgUrl: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n    permissions: { write: maybe }\n";
        let error = message(parse(text, None));
        assert!(error.contains("unknown variant `maybe`"), "{error}");
    }

    #[test]
    fn private_key_account() {
        let folder = std::env::temp_dir().join(format!("okta-lua-accounts-{}", std::process::id()));
        std::fs::create_dir_all(folder.join("keys")).unwrap();
        std::fs::write(
            folder.join("keys/app.pem"),
            "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n",
        )
        .unwrap();
        let text = "accounts:\n  automation:\n    orgUrl: https://acme.okta.com\n    authorizationMode: PrivateKey\n    clientId: 0oa1\n    scopes: [okta.users.read]\n    privateKey: { file: keys/app.pem }\n    kid: key-1\n    dpop: true\n";
        let env = env_of(&[]);
        let accounts = Accounts::from_text(text, &folder.join("config.yaml"), None, &env).unwrap();
        match &accounts.accounts[0].auth {
            Auth::PrivateKeyJwt(settings) => {
                assert_eq!(settings.client_id, "0oa1");
                assert_eq!(settings.scopes, vec!["okta.users.read"]);
                assert!(
                    settings
                        .private_key
                        .expose()
                        .ends_with("-----END PRIVATE KEY-----")
                );
                assert_eq!(settings.key_id.as_deref(), Some("key-1"));
                assert!(settings.dpop);
            }
            other => panic!("unexpected auth {other:?}"),
        }
        std::fs::remove_dir_all(&folder).ok();
    }

    #[test]
    fn mode_specific_keys_checked() {
        for (text, expected) in [
            (
                "accounts:\n  a:\n    orgUrl: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n    clientId: 0oa1\n",
                "`clientId` applies only to `authorizationMode: PrivateKey`",
            ),
            (
                "accounts:\n  a:\n    orgUrl: https://acme.okta.com\n    authorizationMode: PrivateKey\n    clientId: 0oa1\n    privateKey: { env: PROD_TOKEN }\n",
                "`scopes` is missing",
            ),
            (
                "accounts:\n  a:\n    orgUrl: https://acme.okta.com\n",
                "`token` is missing; add `token: { env: OKTA_API_TOKEN }`",
            ),
            (
                "accounts:\n  a:\n    orgUrl: http://acme.okta.com\n    token: { env: PROD_TOKEN }\n",
                "plain http is allowed only for loopback addresses",
            ),
            (
                "accounts:\n  a:\n    orgUrl: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n    requestTimeout: -1\n",
                "`requestTimeout` must be a positive number of seconds, got -1",
            ),
            (
                "accounts:\n  prod-eu:\n    orgUrl: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n",
                "invalid account name `prod-eu`",
            ),
            (
                "accounts:\n  list_users:\n    orgUrl: https://acme.okta.com\n    token: { env: PROD_TOKEN }\n",
                "account name `list_users` is also a function name",
            ),
        ] {
            let error = message(parse(text, None));
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn config_location_order() {
        let flag = Path::new("/tmp/from-flag.yaml");
        let env = env_of(&[
            (CONFIG_VARIABLE, "/tmp/from-variable.yaml"),
            ("HOME", "/home/ops"),
        ]);
        assert_eq!(
            locate_config(Some(flag), &env),
            Some(ConfigLocation {
                path: flag.to_path_buf(),
                source: ConfigSource::Flag
            })
        );
        assert_eq!(
            locate_config(None, &env),
            Some(ConfigLocation {
                path: PathBuf::from("/tmp/from-variable.yaml"),
                source: ConfigSource::Variable
            })
        );
        assert_eq!(
            default_config_path(&env_of(&[("HOME", "/home/ops")])),
            Some(PathBuf::from("/home/ops/.config/okta-lua/config.yaml"))
        );
        assert_eq!(
            default_config_path(&env_of(&[
                ("HOME", "/home/ops"),
                ("XDG_CONFIG_HOME", "/xdg")
            ])),
            Some(PathBuf::from("/xdg/okta-lua/config.yaml"))
        );
        // No file at the default location means no config file.
        assert_eq!(
            locate_config(None, &env_of(&[("HOME", "/nonexistent-home")])),
            None
        );
    }

    #[test]
    fn policy_carries_permissions() {
        let accounts = parse(TWO_ACCOUNTS, Some("staging")).unwrap();
        let policy = accounts.policy(true, true);
        assert!(policy.force);
        assert!(policy.dry_run);
        assert_eq!(policy.permissions("production").write, Permission::Deny);
        assert_eq!(policy.permissions("staging").write, Permission::Ask);
    }
}
