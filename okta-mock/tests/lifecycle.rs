//! Every lifecycle operation from every user status, against Okta's rules:
//! the resulting status, or the error code when the status does not allow
//! the operation.

mod common;

use common::{Api, empty_org};
use serde_json::json;

const STATUSES: [&str; 8] = [
    "STAGED",
    "PROVISIONED",
    "ACTIVE",
    "RECOVERY",
    "PASSWORD_EXPIRED",
    "LOCKED_OUT",
    "SUSPENDED",
    "DEPROVISIONED",
];

/// Returns the expected result of an operation on a user with a password:
/// the new status, or the error code.
fn expected(operation: &str, status: &str) -> Result<&'static str, &'static str> {
    match (operation, status) {
        ("activate", "STAGED" | "DEPROVISIONED") => Ok("ACTIVE"),
        ("activate", "ACTIVE") => Err("E0000016"),
        ("reactivate", "PROVISIONED") => Ok("PROVISIONED"),
        ("deactivate", "DEPROVISIONED") => Err("E0000038"),
        ("deactivate", _) => Ok("DEPROVISIONED"),
        ("suspend", "ACTIVE") => Ok("SUSPENDED"),
        ("unsuspend", "SUSPENDED") => Ok("ACTIVE"),
        ("unlock", "LOCKED_OUT") => Ok("ACTIVE"),
        ("unlock", _) => Err("E0000032"),
        ("expire_password", "ACTIVE" | "RECOVERY" | "PASSWORD_EXPIRED") => Ok("PASSWORD_EXPIRED"),
        _ => Err("E0000038"),
    }
}

#[tokio::test]
async fn every_operation_from_every_status() {
    let server = empty_org().await;
    let org = server.org();
    let api = Api::new(&server);
    let operations = [
        "activate",
        "reactivate",
        "deactivate",
        "suspend",
        "unsuspend",
        "unlock",
        "expire_password",
    ];
    let mut index = 0;
    for operation in operations {
        for status in STATUSES {
            index += 1;
            let login = format!("lifecycle.{index}@example.com");
            let id = org.insert_user(json!({
                "status": status,
                "credentials": { "password": {} },
                "profile": { "login": login, "email": login, "firstName": "Life", "lastName": "Cycle" }
            }));
            let answer = api
                .post(
                    &format!("/api/v1/users/{id}/lifecycle/{operation}"),
                    json!({}),
                )
                .await;
            let now = org.user(&id).unwrap()["status"]
                .as_str()
                .unwrap()
                .to_string();
            match expected(operation, status) {
                Ok(next) => {
                    assert_eq!(
                        answer.status, 200,
                        "{operation} from {status}: {}",
                        answer.text
                    );
                    assert_eq!(now, next, "{operation} from {status}");
                }
                Err(code) => {
                    assert_eq!(
                        answer.status, 403,
                        "{operation} from {status}: {}",
                        answer.text
                    );
                    assert_eq!(answer.error_code(), code, "{operation} from {status}");
                    assert_eq!(now, status, "{operation} from {status} changed nothing");
                }
            }
        }
    }
}

#[tokio::test]
async fn activation_without_password_provisions() {
    let server = empty_org().await;
    let org = server.org();
    let id = org.insert_user(json!({
        "status": "STAGED",
        "credentials": {},
        "profile": { "login": "nopass@example.com", "email": "nopass@example.com", "firstName": "No", "lastName": "Pass" }
    }));
    let api = Api::new(&server);
    let answer = api
        .post(
            &format!("/api/v1/users/{id}/lifecycle/activate?sendEmail=false"),
            json!({}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert!(
        answer.body["activationUrl"]
            .as_str()
            .unwrap()
            .ends_with("/verify")
    );
    let user = org.user(&id).unwrap();
    assert_eq!(user["status"], "PROVISIONED");
    assert!(user["activated"].is_string());
    assert!(user["_links"]["reactivate"].is_object());
}

#[tokio::test]
async fn status_links_follow_the_status() {
    let server = empty_org().await;
    let org = server.org();
    let id = org.insert_user(json!({
        "status": "SUSPENDED",
        "profile": { "login": "links@example.com", "email": "links@example.com", "firstName": "Lin", "lastName": "Ks" }
    }));
    let user = org.user(&id).unwrap();
    assert!(user["_links"]["unsuspend"].is_object());
    assert!(user["_links"].get("suspend").is_none());
    org.set_user_status(&id, "LOCKED_OUT");
    let user = org.user(&id).unwrap();
    assert!(user["_links"]["unlock"].is_object());
    assert!(user["_links"]["deactivate"].is_object());
}
