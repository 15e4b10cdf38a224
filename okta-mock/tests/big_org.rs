//! A generated org of 100,000 users: it starts, and a page deep in the list
//! is found from its cursor like the first one.

mod common;

use common::Api;
use okta_mock::{MockOptions, MockServer, Seed};

#[tokio::test]
async fn hundred_thousand_users_page() {
    let server = MockServer::start(MockOptions {
        seed: Seed::Generated {
            users: 100_000,
            groups: 10,
            apps: 5,
        },
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let org = server.org();
    assert_eq!(org.user_count(), 100_000);
    let api = Api::new(&server);

    let first = api.get("/api/v1/users").await;
    assert_eq!(first.ids().len(), 200);
    assert!(first.next_link().unwrap().contains("limit=200"));

    let ids = org.user_ids();
    let deep = api
        .get(&format!("/api/v1/users?after={}&limit=200", ids[99_899]))
        .await;
    assert_eq!(deep.ids(), ids[99_900..].to_vec());
    assert!(deep.next_link().is_none());

    let me = api.get("/api/v1/users/me").await;
    assert_eq!(me.body["id"], ids[0].as_str());
    let by_login = api.get("/api/v1/users/james.smith.1%40example.com").await;
    assert_eq!(by_login.body["id"], ids[0].as_str());
    let group = api.get("/api/v1/groups?q=Group%2000001").await;
    assert_eq!(group.ids().len(), 1);
    let members = api
        .get(&format!("/api/v1/groups/{}/users?limit=5", group.ids()[0]))
        .await;
    assert_eq!(members.ids().len(), 5);
}
