//! Helpers for end-to-end tests: a fake org on loopback and a Lua host or
//! client pointed at it.

use okta_mock::{MockOptions, MockServer, Seed};
use okta_runtime::{
    AccountConfig, Client, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString,
};

/// A fake org with a host and client connected to it.
pub struct Harness {
    pub server: MockServer,
    pub host: LuaHost,
}

/// Returns an account for the fake org.
pub fn account(server: &MockServer) -> AccountConfig {
    AccountConfig::with_api_token("default", &server.url(), SecretString::new(server.token()))
}

/// Starts a fake org with the given seed.
pub fn start_org(seed: Seed) -> MockServer {
    MockServer::start_blocking(MockOptions {
        seed,
        ..MockOptions::default()
    })
    .expect("fake org starts")
}

impl Harness {
    /// Starts a fake org with the given seed and a host with this policy.
    pub fn new(seed: Seed, policy: Policy) -> Harness {
        let server = start_org(seed);
        Harness::attach(server, policy)
    }

    /// Starts a host for an already running fake org.
    pub fn attach(server: MockServer, policy: Policy) -> Harness {
        let options = HostOptions {
            accounts: vec![account(&server)],
            default_account: "default".to_string(),
            policy,
            limits: Limits::default(),
        };
        let host = LuaHost::new(options).expect("host starts");
        Harness { server, host }
    }

    /// Starts a demo org with a host that allows writes.
    pub fn demo_with_writes() -> Harness {
        Harness::new(
            Seed::Demo,
            Policy {
                force: true,
                ..Policy::default()
            },
        )
    }

    /// Runs code and panics with the error when it fails.
    pub fn run_ok(&self, code: &str) -> RunOutcome {
        let outcome = self.host.run(code, "test");
        assert!(outcome.success, "script failed: {:?}", outcome.error);
        outcome
    }

    /// Runs code and returns the outcome, failed or not.
    pub fn run(&self, code: &str) -> RunOutcome {
        self.host.run(code, "test")
    }

    /// Returns a Rust client for the fake org.
    pub fn client(&self) -> Client {
        Client::new(&account(&self.server)).expect("client")
    }
}
