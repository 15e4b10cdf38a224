//! Applications: list, paging, filters and single reads.

mod common;

use common::{Api, demo_org};

#[tokio::test]
async fn list_default_page_is_twenty() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let apps = api.get("/api/v1/apps").await;
    assert_eq!(apps.status, 200);
    assert_eq!(apps.ids().len(), 7);
    assert_eq!(
        apps.links(),
        vec![format!("<{}/api/v1/apps?limit=20>; rel=\"self\"", api.base)]
    );
    for app in apps.body.as_array().unwrap() {
        assert!(app["label"].is_string());
        assert!(app["status"].is_string());
        assert!(app["signOnMode"].is_string());
        assert!(app["_links"]["appLinks"].is_array());
    }
}

#[tokio::test]
async fn list_pages_with_cursor() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let first = api.get("/api/v1/apps?limit=2").await;
    let ids = first.ids();
    assert_eq!(
        first.next_link().unwrap(),
        format!("{}/api/v1/apps?after={}&limit=2", api.base, ids[1])
    );
    let bad = api
        .get("/api/v1/apps?after=00u1testcursorvalue&limit=1")
        .await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.error_code(), "E0000029");
}

#[tokio::test]
async fn filter_by_status_and_q() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let inactive = api
        .get("/api/v1/apps?filter=status+eq+%22INACTIVE%22")
        .await;
    assert_eq!(
        inactive.ids(),
        vec!["0oademoexpenses00001", "0oademodashboard0001"]
    );
    assert_eq!(
        inactive.links(),
        vec![format!(
            "<{}/api/v1/apps?limit=20&filter=status+eq+%22INACTIVE%22>; rel=\"self\"",
            api.base
        )]
    );
    let by_label = api.get("/api/v1/apps?q=sla").await;
    assert_eq!(by_label.ids(), vec!["0oademoslack00000001"]);
    let by_user = api
        .get("/api/v1/apps?filter=user.id+eq+%2200udemouser000000005%22")
        .await;
    let ids = by_user.ids();
    assert!(ids.contains(&"0oademosalesforce001".to_string()));
    assert!(!ids.contains(&"0oademogithub0000001".to_string()));
}

#[tokio::test]
async fn get_app_and_missing_app() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let app = api.get("/api/v1/apps/0oademowiki000000001").await;
    assert_eq!(app.body["label"], "Company Wiki");
    assert_eq!(
        app.body["settings"]["app"]["url"],
        "https://wiki.example.com/"
    );
    let missing = api.get("/api/v1/apps/0oanothing").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["errorSummary"],
        "Not found: Resource not found: 0oanothing (AppInstance)"
    );
}
