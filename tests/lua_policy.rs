//! The call policy against the fake org: every combination of read and
//! write permission with --force and an approval callback, per-account
//! permissions, what the callback receives, and dry runs.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use okta_e2e::{account, start_org};
use okta_mock::{MockServer, Seed};
use okta_runtime::lua::{ApprovalRequest, Permission, Permissions};
use okta_runtime::spec::Class;
use okta_runtime::{AccountConfig, HostOptions, Limits, LuaHost, Policy, RunOutcome, tools};
use serde_json::{Value, json};

const USER: &str = "00u1a2b3c4d5e6f7g8h9";
const GROUP: &str = "00g1a2b3c4d5e6f7g8h9";

fn named_account(server: &MockServer, name: &str) -> AccountConfig {
    let mut account = account(server);
    account.name = name.to_string();
    account
}

fn host(accounts: Vec<AccountConfig>, default: &str, policy: Policy) -> LuaHost {
    LuaHost::new(HostOptions {
        accounts,
        default_account: default.to_string(),
        policy,
        limits: Limits::default(),
    })
    .expect("host starts")
}

/// How the approval callback of a case behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Approval {
    None,
    Approves,
    Declines,
}

/// Returns the expected outcome of one call: allowed, or rejected with a message
/// that contains this text.
fn expected(
    permission: Permission,
    force: bool,
    approval: Approval,
    class: &str,
) -> Result<(), String> {
    if force {
        return Ok(());
    }
    match (permission, approval) {
        (Permission::Allow, _) => Ok(()),
        (Permission::Deny, _) => Err(format!("{class} calls are denied for account `default`")),
        (Permission::Ask, Approval::Approves) => Ok(()),
        (Permission::Ask, Approval::Declines) => Err("the approval was declined".to_string()),
        (Permission::Ask, Approval::None) => Err(format!(
            "{class} calls need approval, which a headless run cannot give"
        )),
    }
}

const READ: &str = "return #app.integrations.okta.list_users({ limit = 1 })";
const WRITE: &str = "return app.integrations.okta.update_user({ id = '00u1a2b3c4d5e6f7g8h9', profile = { title = 'Lead' } }).id";

#[test]
fn every_permission_combination() {
    let server = start_org(Seed::Demo);
    let permissions = [Permission::Allow, Permission::Ask, Permission::Deny];
    for read in permissions {
        for write in permissions {
            for force in [false, true] {
                for approval in [Approval::None, Approval::Approves, Approval::Declines] {
                    let approval_requests = Arc::new(Mutex::new(Vec::<String>::new()));
                    let recorder = approval_requests.clone();
                    let policy = Policy {
                        accounts: BTreeMap::from([(
                            "default".to_string(),
                            Permissions { read, write },
                        )]),
                        force,
                        approval: match approval {
                            Approval::None => None,
                            _ => Some(Arc::new(move |request: &ApprovalRequest| {
                                recorder.lock().unwrap().push(request.tool.clone());
                                approval == Approval::Approves
                            })),
                        },
                        ..Policy::default()
                    };
                    let host = LuaHost::new(HostOptions {
                        accounts: vec![account(&server)],
                        default_account: "default".into(),
                        policy,
                        limits: Limits::default(),
                    })
                    .expect("host starts");
                    let case = format!(
                        "read {read:?}, write {write:?}, force {force}, approval {approval:?}"
                    );

                    for (code, permission, class, method) in
                        [(READ, read, "read", "GET"), (WRITE, write, "write", "POST")]
                    {
                        server.clear_requests();
                        let outcome = host.run(code, "test");
                        let methods: Vec<String> = server
                            .requests()
                            .into_iter()
                            .map(|request| request.method)
                            .collect();
                        match expected(permission, force, approval, class) {
                            Ok(()) => {
                                assert!(outcome.success, "{case}, {class}: {:?}", outcome.error);
                                assert_eq!(methods, vec![method], "{case}, {class}");
                            }
                            Err(text) => {
                                let error = outcome.error.expect("rejected");
                                assert_eq!(error.kind, "not_allowed", "{case}, {class}");
                                assert!(
                                    error.message.contains(&text),
                                    "{case}, {class}: {}",
                                    error.message
                                );
                                assert!(
                                    error.message.contains("rerun with --force to allow it"),
                                    "{case}, {class}: {}",
                                    error.message
                                );
                                assert!(methods.is_empty(), "{case}, {class}: {methods:?}");
                                assert!(outcome.integration_calls.is_empty(), "{case}, {class}");
                            }
                        }
                    }

                    // The callback is called only for `ask` calls, and never under --force.
                    let mut expected_asks = Vec::new();
                    if !force && approval != Approval::None {
                        if read == Permission::Ask {
                            expected_asks.push("list_users".to_string());
                        }
                        if write == Permission::Ask {
                            expected_asks.push("update_user".to_string());
                        }
                    }
                    assert_eq!(*approval_requests.lock().unwrap(), expected_asks, "{case}");
                }
            }
        }
    }
}

#[test]
fn permissions_apply_per_account() {
    let server = start_org(Seed::Demo);
    let policy = Policy {
        accounts: BTreeMap::from([
            (
                "reader".to_string(),
                Permissions {
                    read: Permission::Allow,
                    write: Permission::Deny,
                },
            ),
            (
                "writer".to_string(),
                Permissions {
                    read: Permission::Allow,
                    write: Permission::Allow,
                },
            ),
        ]),
        ..Policy::default()
    };
    let host = host(
        vec![
            named_account(&server, "reader"),
            named_account(&server, "writer"),
            named_account(&server, "other"),
        ],
        "reader",
        policy,
    );
    let update = "update_user({ id = '00u1a2b3c4d5e6f7g8h9', profile = { title = 'Lead' } })";
    for (namespace, rejection) in [
        (
            "app.integrations.okta",
            Some("write calls are denied for account `reader`"),
        ),
        (
            "app.integrations.okta.default",
            Some("write calls are denied for account `reader`"),
        ),
        (
            "app.integrations.okta.reader",
            Some("write calls are denied for account `reader`"),
        ),
        ("app.integrations.okta.writer", None),
        // Accounts without an entry get the policy's `read` and `write`.
        (
            "app.integrations.okta.other",
            Some(
                "write calls need approval, which a headless run cannot give; rerun with --force to allow it, or set `write: allow` for account `other` in the config file",
            ),
        ),
    ] {
        server.clear_requests();
        let outcome = host.run(&format!("return {namespace}.{update}"), "test");
        match rejection {
            None => {
                assert!(outcome.success, "{namespace}: {:?}", outcome.error);
                assert_eq!(server.requests().len(), 1, "{namespace}");
            }
            Some(text) => {
                let message = outcome.error.expect("rejected").message;
                assert!(message.contains(text), "{namespace}: {message}");
                assert_eq!(server.requests(), Vec::new(), "{namespace}");
            }
        }
    }
}

#[test]
fn approval_request_masks_secrets() {
    let server = start_org(Seed::Demo);
    let seen: Arc<Mutex<Option<ApprovalRequest>>> = Arc::default();
    let recorder = seen.clone();
    let policy = Policy {
        approval: Some(Arc::new(move |request: &ApprovalRequest| {
            *recorder.lock().unwrap() = Some(request.clone());
            false
        })),
        ..Policy::default()
    };
    let host = host(vec![account(&server)], "default", policy);

    let outcome = host.run(
        r#"return app.integrations.okta.create_user({ activate = false,
            profile = { login = "kim@example.com", email = "kim@example.com", firstName = "Kim", lastName = "Lee" },
            credentials = { password = { value = "CANARY-pass-1" } } })"#,
        "test",
    );
    let message = outcome.error.expect("declined").message;
    assert_eq!(
        message,
        "okta.create_user is a write tool and the approval was declined; rerun with --force to allow it, or set `write: allow` for account `default` in the config file"
    );

    let request = seen.lock().unwrap().clone().expect("callback called");
    let as_json = serde_json::to_value(&request).unwrap();
    assert_eq!(as_json["account"], "default");
    assert_eq!(as_json["tool"], "create_user");
    assert_eq!(as_json["class"], "write");
    assert_eq!(
        as_json["arguments"]["credentials"],
        json!({ "password": { "value": "***" } })
    );
    assert_eq!(as_json["arguments"]["profile"]["login"], "kim@example.com");
    assert_eq!(as_json["request"]["method"], "POST");
    assert_eq!(as_json["request"]["path"], "/api/v1/users");
    assert_eq!(as_json["request"]["query"], json!([["activate", "false"]]));
    assert_eq!(
        as_json["request"]["body"]["credentials"],
        json!({ "password": { "value": "***" } })
    );
    assert!(!as_json.to_string().contains("CANARY"));
    assert_eq!(server.requests(), Vec::new());
}

/// Arguments for each write tool; a new write tool fails the dry-run test
/// until it has an entry here.
fn write_arguments(tool: &str) -> Option<String> {
    let user = format!("id = '{USER}'");
    let membership = format!("groupId = '{GROUP}', userId = '{USER}'");
    Some(match tool {
        "create_user" => r#"activate = false, profile = { login = "dry.run@example.com", email = "dry.run@example.com", firstName = "Dry", lastName = "Run" }, credentials = { password = { value = "CANARY-pass-2" } }"#.to_string(),
        "update_user" => format!("{user}, profile = {{ title = 'Lead', nickName = json.null }}"),
        "activate_user" | "suspend_user" | "unsuspend_user" | "deactivate_user" => user,
        "add_user_to_group" | "remove_user_from_group" => membership,
        _ => return None,
    })
}

fn dry_run(outcome: &RunOutcome) -> &Value {
    assert!(outcome.success, "{:?}", outcome.error);
    &outcome.result[0]
}

#[test]
fn dry_run_describes_every_write() {
    let server = start_org(Seed::Demo);
    let policy = Policy {
        dry_run: true,
        // Even a denied account describes its writes, because nothing is sent.
        write: Permission::Deny,
        ..Policy::default()
    };
    let host = host(vec![account(&server)], "default", policy);
    server.clear_requests();
    for spec in tools::ALL.iter().filter(|spec| spec.class == Class::Write) {
        let arguments = write_arguments(spec.name)
            .unwrap_or_else(|| panic!("no dry-run arguments for write tool {}", spec.name));
        let outcome = host.run(
            &format!(
                "return app.integrations.okta.{}({{ {arguments} }})",
                spec.name
            ),
            "test",
        );
        let description = dry_run(&outcome);
        let path = format!(
            "/api/v1{}",
            spec.path
                .replace("{id}", USER)
                .replace("{userId}", USER)
                .replace("{groupId}", GROUP)
        );
        assert_eq!(description["dry_run"], true, "{}", spec.name);
        assert_eq!(description["tool"], format!("okta.{}", spec.name));
        assert_eq!(description["account"], "default", "{}", spec.name);
        assert_eq!(description["method"], spec.method.as_str(), "{}", spec.name);
        assert_eq!(description["path"], path, "{}", spec.name);
        assert!(
            description["request"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{} {path}", spec.method.as_str())),
            "{}: {description}",
            spec.name
        );
        assert!(!description.to_string().contains("CANARY"), "{description}");
        assert!(outcome.integration_calls.is_empty(), "{}", spec.name);
    }
    assert_eq!(server.requests(), Vec::new());
}

#[test]
fn dry_run_body_is_exact() {
    let server = start_org(Seed::Demo);
    let policy = Policy {
        dry_run: true,
        ..Policy::default()
    };
    let host = host(vec![account(&server)], "default", policy);
    let outcome = host.run(
        "local count = #app.integrations.okta.list_users({ limit = 2 })
         local described = app.integrations.okta.update_user({ id = 'a/b', profile = { title = json.null, badgeIds = json.array() } })
         return count, described",
        "test",
    );
    assert!(outcome.success, "{:?}", outcome.error);
    assert_eq!(outcome.result[0], 2);
    assert_eq!(
        outcome.result[1],
        json!({
            "dry_run": true,
            "tool": "okta.update_user",
            "account": "default",
            "method": "POST",
            "path": "/api/v1/users/a%2Fb",
            "query": {},
            "body": { "profile": { "badgeIds": [], "title": null } },
            "request": "POST /api/v1/users/a%2Fb"
        })
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "only the read is sent: {requests:?}");
    assert_eq!(requests[0].url(), "/api/v1/users?limit=2");
}

#[test]
fn dry_run_checks_arguments_first() {
    let server = start_org(Seed::Demo);
    let policy = Policy {
        dry_run: true,
        ..Policy::default()
    };
    let host = host(vec![account(&server)], "default", policy);
    let outcome = host.run(
        "return app.integrations.okta.deactivate_user({ idd = 'x' })",
        "test",
    );
    let error = outcome.error.expect("invalid arguments");
    assert_eq!(error.kind, "invalid_arguments");
    assert!(
        error.message.contains("missing required parameter `id`"),
        "{}",
        error.message
    );
    assert_eq!(server.requests(), Vec::new());
}
