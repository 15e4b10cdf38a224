//! The fake-org side of known Okta client failures: each test sets the org
//! up the way the failure needs and checks what a client would see on the
//! wire. Client behaviour itself is tested in the workspace's end-to-end
//! tests.

mod common;

use common::{Api, empty_org};
use okta_mock::{Collection, Reply};
use serde_json::{Value, json};

fn user(id: &str, login: &str, first: &str, last: &str) -> Value {
    json!({ "id": id, "profile": { "login": login, "email": login, "firstName": first, "lastName": last } })
}

#[tokio::test]
async fn paging_serves_fifty_whatever_limit_asks() {
    let server = empty_org().await;
    let org = server.org();
    for index in 1..=130 {
        org.insert_user(user(
            &format!("u{index:03}"),
            &format!("user{index:03}@example.com"),
            "Page",
            &format!("User{index:03}"),
        ));
    }
    org.set_page_size(Collection::Users, 50);
    let api = Api::new(&server);

    let first = api.get("/api/v1/users?limit=120").await;
    assert_eq!(first.ids().len(), 50);
    assert_eq!(first.ids()[0], "u001");
    let next = first.next_link().unwrap();
    assert_eq!(
        next,
        format!("{}/api/v1/users?after=u050&limit=50", api.base)
    );
    let second = api.get(&next).await;
    assert_eq!(second.ids()[0], "u051");
    let third = api.get(&second.next_link().unwrap()).await;
    assert_eq!(third.ids().len(), 30);
    assert_eq!(third.ids().last().unwrap(), "u130");
    assert!(third.next_link().is_none());
    assert_eq!(third.links().len(), 1, "the last page has only rel=self");

    let requests = server.requests();
    assert_eq!(requests[1].url(), "/api/v1/users?after=u050&limit=50");
    assert_eq!(requests[2].url(), "/api/v1/users?after=u100&limit=50");
}

#[tokio::test]
async fn post_merges_the_profile() {
    let server = empty_org().await;
    server.org().insert_user(json!({
        "id": "00uU0003",
        "profile": { "login": "ana.example@example.com", "email": "ana.example@example.com", "firstName": "Ana", "lastName": "Example", "mobilePhone": "+1-555-0100", "department": "Finance", "costCenterCode": "CC-42" }
    }));
    let api = Api::new(&server);
    let merged = api
        .post(
            "/api/v1/users/00uU0003",
            json!({ "profile": { "department": "Sales" } }),
        )
        .await;
    let profile = &merged.body["profile"];
    assert_eq!(profile["department"], "Sales");
    assert_eq!(profile["mobilePhone"], "+1-555-0100");
    assert_eq!(profile["costCenterCode"], "CC-42");
    assert_eq!(profile["firstName"], "Ana");
}

#[tokio::test]
async fn custom_attributes_keep_their_types() {
    let server = empty_org().await;
    server.org().insert_user(json!({
        "id": "00uU0004",
        "profile": { "login": "c.four@example.com", "email": "c.four@example.com", "firstName": "C", "lastName": "Four", "costCenterCode": "CC-7", "isContractor": true, "badgeIds": ["B-1", "B-2"], "startYear": 2021 }
    }));
    let api = Api::new(&server);
    let fetched = api.get("/api/v1/users/00uU0004").await;
    assert_eq!(fetched.body["profile"]["isContractor"], json!(true));
    assert_eq!(fetched.body["profile"]["badgeIds"], json!(["B-1", "B-2"]));
    assert_eq!(fetched.body["profile"]["startYear"], json!(2021));

    let created = api
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": { "login": "ben.sample@example.com", "email": "ben.sample@example.com", "firstName": "Ben", "lastName": "Sample", "costCenterCode": "CC-9", "isContractor": false } }),
        )
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.body["profile"]["isContractor"], json!(false));
}

#[tokio::test]
async fn plus_in_query_and_path() {
    let server = empty_org().await;
    server
        .org()
        .insert_user(user("00uU0007", "kim+qa@example.com", "Kim", "Qa"));
    let api = Api::new(&server);
    let escaped = api
        .get("/api/v1/users?q=kim%2Bqa%40example.com&limit=10")
        .await;
    assert_eq!(escaped.ids(), vec!["00uU0007"]);
    let unescaped = api.get("/api/v1/users?q=kim+qa@example.com&limit=10").await;
    assert_eq!(unescaped.ids(), Vec::<String>::new());
    let by_login = api.get("/api/v1/users/kim%2Bqa%40example.com").await;
    assert_eq!(by_login.body["id"], "00uU0007");
}

#[tokio::test]
async fn scripted_validation_error_with_causes() {
    let server = empty_org().await;
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::Json {
            status: 400,
            body: json!({
                "errorCode": "E0000001",
                "errorSummary": "validation failed (placeholder)",
                "errorLink": "E0000001",
                "errorId": "oaePLACEHOLDER",
                "errorCauses": [
                    { "errorSummary": "login: already in use (placeholder)" },
                    { "errorSummary": "password: does not meet policy (placeholder)" }
                ]
            }),
            headers: vec![],
        }],
    );
    let api = Api::new(&server);
    let answer = api
        .post("/api/v1/users?activate=true", json!({ "profile": {} }))
        .await;
    assert_eq!(answer.status, 400);
    assert_eq!(answer.body["errorCauses"].as_array().unwrap().len(), 2);
    assert_eq!(
        answer.header("content-type").as_deref(),
        Some("application/json;charset=UTF-8")
    );
}

#[tokio::test]
async fn membership_rules_for_imported_and_built_in_groups() {
    let server = empty_org().await;
    let org = server.org();
    org.insert_user(user("00uU0011", "g.eleven@example.com", "G", "Eleven"));
    org.insert_group(json!({ "id": "00gAPP0001", "type": "APP_GROUP", "profile": { "name": "imported-app-group" } }));
    org.insert_group(
        json!({ "id": "00gALL0001", "type": "BUILT_IN", "profile": { "name": "Everyone" } }),
    );
    org.insert_group(
        json!({ "id": "00gOK0001", "type": "OKTA_GROUP", "profile": { "name": "ok-group" } }),
    );
    let api = Api::new(&server);
    for group in ["00gAPP0001", "00gALL0001"] {
        let denied = api
            .put(&format!("/api/v1/groups/{group}/users/00uU0011"), None)
            .await;
        assert_eq!(denied.status, 403);
        assert_eq!(denied.error_code(), "E0000006");
        let kind = api.get(&format!("/api/v1/groups/{group}")).await.body["type"].clone();
        assert_ne!(
            kind, "OKTA_GROUP",
            "a client can look up why the change was refused"
        );
    }
    assert_eq!(
        api.put("/api/v1/groups/00gOK0001/users/00uU0011", None)
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn large_groups_page_at_two_hundred() {
    let server = empty_org().await;
    let org = server.org();
    let filler = "x".repeat(2500);
    for index in 0..3000 {
        org.insert_group(
            json!({ "profile": { "name": format!("group-{index:04}"), "description": filler } }),
        );
    }
    org.set_page_size(Collection::Groups, 200);
    let api = Api::new(&server);
    let mut url = "/api/v1/groups".to_string();
    let mut total = 0;
    let mut pages = 0;
    loop {
        let page = api.get(&url).await;
        pages += 1;
        total += page.ids().len();
        assert!(
            page.text.len() > 200 * 2500,
            "each group carries about 3 KB"
        );
        match page.next_link() {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(total, 3000);
    assert_eq!(pages, 15);
}

#[tokio::test]
async fn repeated_membership_is_still_204() {
    let server = empty_org().await;
    let org = server.org();
    org.insert_user(user("00uU0014", "m.fourteen@example.com", "M", "Fourteen"));
    org.insert_user(user("00uU0015", "m.fifteen@example.com", "M", "Fifteen"));
    org.insert_group(json!({ "id": "00gOK0014", "profile": { "name": "members" } }));
    org.add_member("00gOK0014", "00uU0014");
    let api = Api::new(&server);
    let before = api.get("/api/v1/users/00uU0014/groups").await;
    assert!(before.ids().contains(&"00gOK0014".to_string()));
    let not_yet = api.get("/api/v1/users/00uU0015/groups").await;
    assert!(!not_yet.ids().contains(&"00gOK0014".to_string()));
    for user_id in ["00uU0014", "00uU0015", "00uU0014"] {
        let answer = api
            .put(&format!("/api/v1/groups/00gOK0014/users/{user_id}"), None)
            .await;
        assert_eq!(answer.status, 204);
    }
}

#[tokio::test]
async fn empty_array_accepted_object_rejected() {
    let server = empty_org().await;
    server.org().insert_user(json!({
        "id": "00uU0016",
        "profile": { "login": "e.sixteen@example.com", "email": "e.sixteen@example.com", "firstName": "E", "lastName": "Sixteen", "badgeIds": [] }
    }));
    let api = Api::new(&server);
    let fetched = api.get("/api/v1/users/00uU0016").await;
    assert!(fetched.text.contains("\"badgeIds\":[]"));
    let array = api
        .post(
            "/api/v1/users/00uU0016",
            json!({ "profile": { "badgeIds": [] } }),
        )
        .await;
    assert_eq!(array.status, 200);
    let object = api
        .post(
            "/api/v1/users/00uU0016",
            json!({ "profile": { "badgeIds": {} } }),
        )
        .await;
    assert_eq!(object.status, 400);
    assert_eq!(object.error_code(), "E0000001");
    let none = api.get("/api/v1/groups?q=nomatch").await;
    assert_eq!(none.text, "[]");
}

#[tokio::test]
async fn scripted_errors_for_token_checks() {
    let server = empty_org().await;
    server
        .org()
        .insert_user(user("00uU0018", "c.user18@example.com", "C", "User"));
    server.script(
        "POST",
        "/api/v1/users",
        vec![Reply::OktaError {
            status: 400,
            code: "E0000001".to_string(),
            summary: "Api validation failed: password".to_string(),
            causes: vec!["password: Password requirements were not met".to_string()],
        }],
    );
    server.script(
        "GET",
        "/api/v1/users/me",
        vec![Reply::OktaError {
            status: 401,
            code: "E0000011".to_string(),
            summary: "Invalid token provided".to_string(),
            causes: vec![],
        }],
    );

    let api = Api::new(&server);
    assert_eq!(api.get("/api/v1/users/00uU0018").await.status, 200);
    let create = api
        .post(
            "/api/v1/users",
            json!({ "profile": {}, "credentials": { "password": { "value": "CANARY-PASS-77" } } }),
        )
        .await;
    assert_eq!(create.status, 400);
    assert!(!create.text.contains("CANARY-PASS-77"));
    let me = api.get("/api/v1/users/me").await;
    assert_eq!(me.status, 401);
    assert_eq!(me.error_code(), "E0000011");
}
