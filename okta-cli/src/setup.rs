//! The accounts of a run: the built-in fake org with --demo, else the
//! config file or the environment.

use okta_mock::{MockOptions, MockServer};
use okta_runtime::{AccountConfig, Accounts, SecretString};

use crate::Args;

/// The accounts of a run and the fake org behind them with --demo.
pub struct Setup {
    pub accounts: Accounts,
    demo_server: Option<MockServer>,
}

impl Setup {
    /// Starts the fake org for --demo, or loads the accounts.
    pub fn new(args: &Args) -> Result<Setup, String> {
        if args.demo {
            return Setup::demo(args.account.as_deref());
        }
        let accounts = Accounts::load(args.config.as_deref(), args.account.as_deref())
            .map_err(|error| error.to_string())?;
        Ok(Setup {
            accounts,
            demo_server: None,
        })
    }

    fn demo(account: Option<&str>) -> Result<Setup, String> {
        if let Some(name) = account.filter(|name| *name != "default") {
            return Err(format!(
                "unknown account `{name}`; configured accounts: default (--demo uses only the built-in fake org)"
            ));
        }
        let server = MockServer::start_blocking(MockOptions::default())
            .map_err(|error| format!("cannot start the demo org: {error}"))?;
        let account = AccountConfig::with_api_token(
            "default",
            &server.url(),
            SecretString::new(server.token()),
        );
        Ok(Setup {
            accounts: Accounts::single(account),
            demo_server: Some(server),
        })
    }

    /// Returns true when the accounts are the built-in fake org.
    pub fn is_demo(&self) -> bool {
        self.demo_server.is_some()
    }

    /// Stops the fake org, if there is one.
    pub fn shutdown(self) {
        if let Some(server) = self.demo_server {
            server.shutdown();
        }
    }
}
