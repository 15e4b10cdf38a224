//! The demo org has what the reference's examples and the tests rely on.

mod common;

use std::collections::BTreeSet;

use common::{Api, demo_org};

#[tokio::test]
async fn demo_org_contents() {
    let server = demo_org().await;
    let org = server.org();

    let users = org.users();
    assert_eq!(users.len(), 28);
    let statuses: BTreeSet<&str> = users
        .iter()
        .map(|user| user["status"].as_str().unwrap())
        .collect();
    for status in [
        "ACTIVE",
        "STAGED",
        "PROVISIONED",
        "SUSPENDED",
        "DEPROVISIONED",
        "LOCKED_OUT",
        "PASSWORD_EXPIRED",
        "RECOVERY",
    ] {
        assert!(statuses.contains(status), "a {status} user");
    }
    for user in &users {
        for key in ["firstName", "lastName", "login", "email"] {
            assert!(user["profile"][key].is_string(), "{key} of {}", user["id"]);
        }
    }
    let john = org.user("00u1a2b3c4d5e6f7g8h9").unwrap();
    assert_eq!(john["profile"]["firstName"], "John");
    assert_eq!(john["status"], "ACTIVE");
    assert!(john["profile"]["costCenterCode"].is_string());
    assert!(john["profile"]["isContractor"].is_boolean());
    assert!(john["profile"]["badgeIds"].is_array());
    assert!(john["profile"]["startYear"].is_i64());

    let groups = org.groups();
    assert!(groups.len() >= 6);
    let types: BTreeSet<&str> = groups
        .iter()
        .map(|group| group["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["APP_GROUP", "BUILT_IN", "OKTA_GROUP"])
    );
    let engineering = org.group("00g1a2b3c4d5e6f7g8h9").unwrap();
    assert_eq!(engineering["type"], "OKTA_GROUP");
    assert_eq!(engineering["profile"]["name"], "Engineering");
    assert!(engineering["profile"]["description"].is_string());
    let everyone = groups
        .iter()
        .find(|group| group["profile"]["name"] == "Everyone")
        .unwrap();
    assert_eq!(everyone["type"], "BUILT_IN");
    let everyone_id = everyone["id"].as_str().unwrap();
    assert_eq!(org.group_member_ids(everyone_id).len(), 28);
    assert!(
        org.user_group_ids("00u1a2b3c4d5e6f7g8h9")
            .contains(&"00g1a2b3c4d5e6f7g8h9".to_string())
    );

    let apps = org.apps();
    assert!(apps.len() >= 5);
    assert!(apps.iter().any(|app| app["status"] == "INACTIVE"));
    for app in &apps {
        assert!(app["label"].is_string());
        assert!(app["signOnMode"].is_string());
    }

    let api = Api::new(&server);
    let me = api.get("/api/v1/users/me").await;
    assert_eq!(me.status, 200);
    let links = api.get("/api/v1/users/00u1a2b3c4d5e6f7g8h9/appLinks").await;
    assert!(!links.body.as_array().unwrap().is_empty());
}
