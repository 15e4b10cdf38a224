//! Users: lookup, create, update, replace, lifecycle, delete, lists.

mod common;

use common::{Api, demo_org, empty_org};
use serde_json::{Value, json};

fn profile(login: &str) -> Value {
    json!({ "firstName": "Test", "lastName": "User", "email": login, "login": login })
}

#[tokio::test]
async fn get_by_id_and_login() {
    let server = demo_org().await;
    let api = Api::new(&server);

    let by_id = api.get("/api/v1/users/00u1a2b3c4d5e6f7g8h9").await;
    assert_eq!(by_id.status, 200);
    assert_eq!(by_id.body["profile"]["firstName"], "John");
    assert!(by_id.header("etag").unwrap().starts_with("W/\""));

    let encoded = api.get("/api/v1/users/john.smith%40example.com").await;
    assert_eq!(encoded.body["id"], "00u1a2b3c4d5e6f7g8h9");
    let literal = api.get("/api/v1/users/JOHN.SMITH@example.com").await;
    assert_eq!(literal.body["id"], "00u1a2b3c4d5e6f7g8h9");
    let short_name = api.get("/api/v1/users/john.smith").await;
    assert_eq!(short_name.body["id"], "00u1a2b3c4d5e6f7g8h9");
}

#[tokio::test]
async fn plus_in_path_is_literal() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let encoded = api.get("/api/v1/users/lee%2Bops%40example.com").await;
    assert_eq!(encoded.status, 200);
    assert_eq!(encoded.body["id"], "00udemouser000000015");
    let raw = api.get("/api/v1/users/lee+ops@example.com").await;
    assert_eq!(raw.body["id"], "00udemouser000000015");
}

#[tokio::test]
async fn encoded_slash_stays_in_segment() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let answer = api.get("/api/v1/users/a%2Fb").await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.error_code(), "E0000007");
    assert_eq!(
        answer.body["errorSummary"],
        "Not found: Resource not found: a/b (User)"
    );
}

#[tokio::test]
async fn me_returns_token_owner() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let me = api.get("/api/v1/users/me").await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["profile"]["login"], "avery.admin@example.com");

    let updated = api
        .post(
            "/api/v1/users/me",
            json!({ "profile": { "title": "Org Admin" } }),
        )
        .await;
    assert_eq!(updated.body["profile"]["title"], "Org Admin");
    assert_eq!(updated.body["profile"]["department"], "IT");
    let groups = api.get("/api/v1/users/me/groups").await;
    assert!(groups.ids().contains(&"00gdemoadmins0000001".to_string()));
}

#[tokio::test]
async fn create_statuses_follow_activate_and_password() {
    let server = empty_org().await;
    let api = Api::new(&server);

    let with_password = api
        .post(
            "/api/v1/users?activate=true",
            json!({ "profile": profile("a.user@example.com"), "credentials": { "password": { "value": "Secret-Pass-1" } } }),
        )
        .await;
    assert_eq!(with_password.status, 200);
    assert_eq!(with_password.body["status"], "ACTIVE");
    assert_eq!(with_password.body["credentials"]["password"], json!({}));
    assert!(!with_password.text.contains("Secret-Pass-1"));

    let without_password = api
        .post(
            "/api/v1/users",
            json!({ "profile": profile("b.user@example.com") }),
        )
        .await;
    assert_eq!(without_password.body["status"], "PROVISIONED");
    assert!(
        without_password.body["credentials"]
            .get("password")
            .is_none()
    );

    let staged = api
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": profile("c.user@example.com") }),
        )
        .await;
    assert_eq!(staged.body["status"], "STAGED");
    assert_eq!(staged.body["activated"], Value::Null);
    assert!(staged.body["_links"]["activate"].is_object());
}

#[tokio::test]
async fn create_rejects_duplicate_login() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let answer = api
        .post(
            "/api/v1/users",
            json!({ "profile": profile("John.Smith@example.com") }),
        )
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error_code(), "E0000001");
    assert_eq!(answer.body["errorSummary"], "Api validation failed: login");
    assert_eq!(
        answer.body["errorCauses"][0]["errorSummary"],
        "login: An object with this field already exists in the current organization"
    );
}

#[tokio::test]
async fn create_rejects_unknown_property_and_bad_types() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let mut body = profile("new.person@example.com");
    body["notValid"] = json!("x");
    let unknown = api.post("/api/v1/users", json!({ "profile": body })).await;
    assert_eq!(unknown.status, 400);
    assert_eq!(
        unknown.body["errorSummary"],
        "Api validation failed: newUser"
    );
    assert_eq!(
        unknown.body["errorCauses"][0]["errorSummary"],
        "Property name 'notValid' is not defined in profile"
    );

    let mut body = profile("new.person@example.com");
    body["badgeIds"] = json!({});
    let wrong_type = api.post("/api/v1/users", json!({ "profile": body })).await;
    assert_eq!(wrong_type.status, 400);
    assert_eq!(wrong_type.error_code(), "E0000001");

    let missing = api
        .post(
            "/api/v1/users",
            json!({ "profile": { "login": "x.y@example.com" } }),
        )
        .await;
    assert_eq!(missing.status, 400);
    let causes: Vec<&str> = missing.body["errorCauses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|cause| cause["errorSummary"].as_str().unwrap())
        .collect();
    assert!(causes.contains(&"firstName: The field cannot be left blank"));
    assert!(causes.contains(&"email: The field cannot be left blank"));
}

#[tokio::test]
async fn create_rejects_non_utf8_body() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let response = api
        .raw()
        .post(format!("{}/api/v1/users", api.base))
        .header("Authorization", format!("SSWS {}", api.token))
        .header("Content-Type", "application/json")
        .body(b"{\"profile\":{\"firstName\":\"Zo\xeb\"}}".to_vec())
        .send()
        .await
        .unwrap();
    let answer = common::read(response).await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.error_code(), "E0000003");
    assert_eq!(answer.body["errorCauses"], json!([]));
}

#[tokio::test]
async fn post_merges_and_put_replaces() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let merged = api
        .post(
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9",
            json!({ "profile": { "department": "Platform" } }),
        )
        .await;
    assert_eq!(merged.status, 200);
    assert_eq!(merged.body["profile"]["department"], "Platform");
    assert_eq!(merged.body["profile"]["mobilePhone"], "+1-555-0101");
    assert_eq!(merged.body["profile"]["costCenterCode"], "CC-100");

    let replaced = api
        .put(
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9",
            Some(json!({ "profile": { "firstName": "John", "lastName": "Smith", "email": "john.smith@example.com", "login": "john.smith@example.com" } })),
        )
        .await;
    assert_eq!(replaced.status, 200);
    assert_eq!(replaced.body["profile"]["mobilePhone"], Value::Null);
    assert!(replaced.body["profile"].get("costCenterCode").is_none());
    assert!(replaced.body["profile"].get("department").is_none());
    let stored = server.org().user("00u1a2b3c4d5e6f7g8h9").unwrap();
    assert!(stored["profile"].get("department").is_none());
}

#[tokio::test]
async fn lifecycle_transitions_and_errors() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let user = "/api/v1/users/00u1a2b3c4d5e6f7g8h9";

    let suspend = api
        .post(&format!("{user}/lifecycle/suspend"), json!({}))
        .await;
    assert_eq!(suspend.status, 200);
    assert_eq!(api.get(user).await.body["status"], "SUSPENDED");

    let suspend_again = api
        .post(&format!("{user}/lifecycle/suspend"), json!({}))
        .await;
    assert_eq!(suspend_again.status, 403);
    assert_eq!(suspend_again.error_code(), "E0000038");

    let unsuspend = api
        .post(&format!("{user}/lifecycle/unsuspend"), json!({}))
        .await;
    assert_eq!(unsuspend.status, 200);
    assert_eq!(api.get(user).await.body["status"], "ACTIVE");

    let activate_active = api
        .post(&format!("{user}/lifecycle/activate"), json!({}))
        .await;
    assert_eq!(activate_active.status, 403);
    assert_eq!(activate_active.error_code(), "E0000016");

    let deactivate = api
        .post(&format!("{user}/lifecycle/deactivate"), json!({}))
        .await;
    assert_eq!(deactivate.status, 200);
    assert_eq!(deactivate.body, json!({}));
    assert_eq!(api.get(user).await.body["status"], "DEPROVISIONED");

    let deactivate_again = api
        .post(&format!("{user}/lifecycle/deactivate"), json!({}))
        .await;
    assert_eq!(deactivate_again.error_code(), "E0000038");

    let reactivate = api
        .post(&format!("{user}/lifecycle/reactivate"), json!({}))
        .await;
    assert_eq!(reactivate.status, 403);
    assert_eq!(reactivate.error_code(), "E0000038");

    let activate = api
        .post(
            &format!("{user}/lifecycle/activate?sendEmail=false"),
            json!({}),
        )
        .await;
    assert_eq!(activate.status, 200);
    assert!(activate.body["activationToken"].is_string());
    assert_eq!(api.get(user).await.body["status"], "ACTIVE");

    let unknown = api
        .post(&format!("{user}/lifecycle/explode"), json!({}))
        .await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn staged_and_locked_lifecycle() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let staged = "/api/v1/users/00udemouser000000016";
    let activate = api
        .post(&format!("{staged}/lifecycle/activate"), json!({}))
        .await;
    assert_eq!(activate.status, 200);
    assert_eq!(api.get(staged).await.body["status"], "PROVISIONED");
    let reactivate = api
        .post(
            &format!("{staged}/lifecycle/reactivate?sendEmail=false"),
            json!({}),
        )
        .await;
    assert_eq!(reactivate.status, 200);
    assert!(
        reactivate.body["activationUrl"]
            .as_str()
            .unwrap()
            .contains("/tokens/")
    );

    let locked = "/api/v1/users/00udemouser000000023";
    let unlock_active = api
        .post(
            "/api/v1/users/00udemouser000000003/lifecycle/unlock",
            json!({}),
        )
        .await;
    assert_eq!(unlock_active.error_code(), "E0000032");
    let unlock = api
        .post(&format!("{locked}/lifecycle/unlock"), json!({}))
        .await;
    assert_eq!(unlock.status, 200);
    assert_eq!(api.get(locked).await.body["status"], "ACTIVE");
}

#[tokio::test]
async fn delete_deactivates_first_then_deletes() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let user = "/api/v1/users/00udemouser000000003";
    let first = api.delete(user).await;
    assert_eq!(first.status, 204);
    assert_eq!(api.get(user).await.body["status"], "DEPROVISIONED");
    let second = api.delete(user).await;
    assert_eq!(second.status, 204);
    assert_eq!(api.get(user).await.status, 404);
}

#[tokio::test]
async fn list_pages_follow_next_links() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let mut url = "/api/v1/users?limit=5".to_string();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let page = api.get(&url).await;
        assert_eq!(page.status, 200);
        assert!(
            page.links()
                .iter()
                .any(|link| link.ends_with("rel=\"self\""))
        );
        pages += 1;
        seen.extend(page.ids());
        match page.next_link() {
            Some(next) => url = next,
            None => break,
        }
    }
    let active: Vec<Value> = server
        .org()
        .users()
        .into_iter()
        .filter(|user| user["status"] != "DEPROVISIONED")
        .collect();
    assert_eq!(seen.len(), active.len());
    assert_eq!(pages, active.len().div_ceil(5));
}

#[tokio::test]
async fn list_rejects_bad_cursor_and_limit() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let cursor = api.get("/api/v1/users?after=garbage").await;
    assert_eq!(cursor.status, 400);
    assert_eq!(cursor.error_code(), "E0000029");
    assert_eq!(
        cursor.body["errorCauses"][0]["errorSummary"],
        "Invalid cursor."
    );
    let limit = api.get("/api/v1/users?limit=0").await;
    assert_eq!(limit.status, 400);
}

#[tokio::test]
async fn q_matches_prefixes_case_insensitively() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let john = api.get("/api/v1/users?q=john").await;
    let names: Vec<String> = john
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|user| {
            format!(
                "{} {}",
                user["profile"]["firstName"], user["profile"]["lastName"]
            )
        })
        .collect();
    assert!(names.contains(&"\"John\" \"Smith\"".to_string()));
    assert!(names.contains(&"\"Johnny\" \"Park\"".to_string()));
    assert!(names.contains(&"\"Maria\" \"Johnson\"".to_string()));
    assert!(john.next_link().is_none());

    let unescaped_plus = api.get("/api/v1/users?q=lee+ops").await;
    assert_eq!(unescaped_plus.body, json!([]));
    let escaped_plus = api.get("/api/v1/users?q=lee%2Bops").await;
    assert_eq!(escaped_plus.ids(), vec!["00udemouser000000015"]);

    let deprovisioned = api.get("/api/v1/users?q=robert").await;
    assert_eq!(deprovisioned.body, json!([]));
}

#[tokio::test]
async fn search_and_filter_subset() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let by_last_name = api
        .get("/api/v1/users?search=profile.lastName%20eq%20%22smith%22")
        .await;
    assert_eq!(by_last_name.ids(), vec!["00u1a2b3c4d5e6f7g8h9"]);

    let staged = api.get("/api/v1/users?filter=status+eq+%22STAGED%22").await;
    assert_eq!(staged.ids().len(), 2);

    let deprovisioned = api
        .get("/api/v1/users?search=status+eq+%22DEPROVISIONED%22")
        .await;
    assert_eq!(deprovisioned.ids().len(), 2);

    let combined = api
        .get("/api/v1/users?search=profile.department+eq+%22Engineering%22+and+(status+eq+%22LOCKED_OUT%22+or+profile.isContractor+eq+true)")
        .await;
    let mut ids = combined.ids();
    ids.sort();
    assert_eq!(
        ids,
        vec![
            "00udemouser000000004",
            "00udemouser000000013",
            "00udemouser000000018",
            "00udemouser000000022",
            "00udemouser000000023"
        ]
    );

    let starts_with = api
        .get("/api/v1/users?search=profile.firstName+sw+%22Jo%22")
        .await;
    assert_eq!(starts_with.ids().len(), 3);

    let array = api
        .get("/api/v1/users?search=profile.badgeIds+eq+%22B-2040%22")
        .await;
    assert_eq!(array.ids(), vec!["00udemouser000000004"]);

    let case_sensitive_filter = api
        .get("/api/v1/users?filter=profile.lastName+eq+%22smith%22")
        .await;
    assert_eq!(case_sensitive_filter.body, json!([]));

    let unsupported = api
        .get("/api/v1/users?filter=profile.title+eq+%22x%22")
        .await;
    assert_eq!(unsupported.status, 400);
    assert_eq!(unsupported.error_code(), "E0000031");

    let malformed = api.get("/api/v1/users?search=status+eq").await;
    assert_eq!(malformed.status, 400);
}

#[tokio::test]
async fn search_pages_keep_the_expression() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let first = api
        .get("/api/v1/users?limit=2&search=profile.department+eq+%22Engineering%22")
        .await;
    assert_eq!(first.ids().len(), 2);
    let next = first.next_link().unwrap();
    assert!(next.contains("&limit=2&search=profile.department+eq+%22Engineering%22"));
    let second = api.get(&next).await;
    assert_eq!(second.ids().len(), 2);
    assert_ne!(first.ids(), second.ids());
}

#[tokio::test]
async fn user_groups_and_app_links() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let groups = api.get("/api/v1/users/00u1a2b3c4d5e6f7g8h9/groups").await;
    let names: Vec<&str> = groups
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|group| group["profile"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Everyone"));
    assert!(names.contains(&"Engineering"));
    assert!(names.contains(&"Domain Users"));

    let links = api.get("/api/v1/users/00u1a2b3c4d5e6f7g8h9/appLinks").await;
    let labels: Vec<&str> = links
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|link| link["label"].as_str().unwrap())
        .collect();
    assert!(labels.contains(&"Slack"));
    assert!(labels.contains(&"GitHub Enterprise Cloud"));
    assert!(
        !labels.contains(&"Internal Dashboard"),
        "inactive apps have no links"
    );
    assert!(!labels.contains(&"Salesforce.com"), "not assigned");
}

#[tokio::test]
async fn non_ascii_strings_round_trip() {
    let server = empty_org().await;
    let api = Api::new(&server);
    let created = api
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": { "login": "zoe.dang@example.com", "email": "zoe.dang@example.com", "firstName": "Zoë Åsa", "lastName": "Đặng-Øster 王 🙂" } }),
        )
        .await;
    assert_eq!(created.status, 200);
    let id = created.body["id"].as_str().unwrap().to_string();
    let fetched = api.get(&format!("/api/v1/users/{id}")).await;
    assert_eq!(fetched.body["profile"]["firstName"], "Zoë Åsa");
    assert_eq!(fetched.body["profile"]["lastName"], "Đặng-Øster 王 🙂");
    let found = api.get("/api/v1/users?q=%C4%90%E1%BA%B7ng&limit=5").await;
    assert_eq!(found.ids(), vec![id]);
}
