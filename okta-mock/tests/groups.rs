//! Groups: lists, name queries, search, memberships and group-type rules.

mod common;

use common::{Api, demo_org, empty_org};
use okta_mock::Collection;
use serde_json::json;

#[tokio::test]
async fn get_group_by_id() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let group = api.get("/api/v1/groups/00g1a2b3c4d5e6f7g8h9").await;
    assert_eq!(group.status, 200);
    assert_eq!(group.body["type"], "OKTA_GROUP");
    assert_eq!(group.body["profile"]["name"], "Engineering");
    assert!(group.body["profile"]["description"].is_string());
    assert_eq!(group.body["objectClass"], json!(["okta:user_group"]));

    let missing = api.get("/api/v1/groups/00gmissing").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.body["errorSummary"],
        "Not found: Resource not found: 00gmissing (UserGroup)"
    );
}

#[tokio::test]
async fn name_query_has_no_link_header() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let groups = api.get("/api/v1/groups?q=Engineering").await;
    assert_eq!(
        groups.ids(),
        vec!["00g1a2b3c4d5e6f7g8h9", "00gdemoengmanagers01"]
    );
    assert!(groups.links().is_empty());
    let none = api.get("/api/v1/groups?q=nomatch").await;
    assert_eq!(none.text, "[]");
}

#[tokio::test]
async fn search_and_filter_by_type() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let built_in = api
        .get("/api/v1/groups?filter=type+eq+%22BUILT_IN%22")
        .await;
    assert_eq!(
        built_in.ids(),
        vec!["00gdemoeveryone00001", "00gdemoadmins0000001"]
    );
    let app_groups = api
        .get("/api/v1/groups?search=type+eq+%22APP_GROUP%22")
        .await;
    assert_eq!(app_groups.ids(), vec!["00gdemodomainusers01"]);
    assert!(
        app_groups.body[0]["_links"]["source"]["href"]
            .as_str()
            .unwrap()
            .ends_with("/api/v1/apps/0oademoworkday000001")
    );
    let by_name = api
        .get("/api/v1/groups?search=profile.name+sw+%22fin%22")
        .await;
    assert_eq!(by_name.ids(), vec!["00gdemofinance000001"]);
}

#[tokio::test]
async fn group_pages_respect_page_size() {
    let server = empty_org().await;
    let org = server.org();
    for index in 0..250 {
        org.insert_group(json!({ "profile": { "name": format!("group-{index:03}") } }));
    }
    org.set_page_size(Collection::Groups, 200);
    let api = Api::new(&server);
    let first = api.get("/api/v1/groups").await;
    assert_eq!(first.ids().len(), 200);
    let next = first.next_link().expect("a next link");
    assert!(next.contains("limit=200"));
    let second = api.get(&next).await;
    assert_eq!(second.ids().len(), 50);
    assert!(second.next_link().is_none());
}

#[tokio::test]
async fn membership_rules_by_group_type() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let user = "00udemouser000000012";

    let okta_group = api
        .put(
            &format!("/api/v1/groups/00gdemosales00000001/users/{user}"),
            None,
        )
        .await;
    assert_eq!(okta_group.status, 204);
    assert!(okta_group.text.is_empty());
    let again = api
        .put(
            &format!("/api/v1/groups/00gdemosales00000001/users/{user}"),
            None,
        )
        .await;
    assert_eq!(again.status, 204);
    assert!(
        server
            .org()
            .group_member_ids("00gdemosales00000001")
            .contains(&user.to_string())
    );

    for group in [
        "00gdemodomainusers01",
        "00gdemoeveryone00001",
        "00gdemoadmins0000001",
    ] {
        let denied = api
            .put(&format!("/api/v1/groups/{group}/users/{user}"), None)
            .await;
        assert_eq!(denied.status, 403, "{group}");
        assert_eq!(denied.error_code(), "E0000006");
        assert_eq!(
            denied.body["errorSummary"],
            "You do not have permission to perform the requested action"
        );
    }

    let removed = api
        .delete(&format!("/api/v1/groups/00gdemosales00000001/users/{user}"))
        .await;
    assert_eq!(removed.status, 204);
    assert!(
        !server
            .org()
            .group_member_ids("00gdemosales00000001")
            .contains(&user.to_string())
    );

    let missing_user = api
        .put("/api/v1/groups/00gdemosales00000001/users/00unobody", None)
        .await;
    assert_eq!(missing_user.status, 404);
    let missing_group = api
        .put(&format!("/api/v1/groups/00gnothing/users/{user}"), None)
        .await;
    assert_eq!(missing_group.status, 404);
}

#[tokio::test]
async fn members_list_pages() {
    let server = demo_org().await;
    server.org().set_page_size(Collection::GroupMembers, 4);
    let api = Api::new(&server);
    let first = api.get("/api/v1/groups/00g1a2b3c4d5e6f7g8h9/users").await;
    assert_eq!(first.ids().len(), 4);
    let mut all = first.ids();
    let mut next = first.next_link();
    while let Some(url) = next {
        let page = api.get(&url).await;
        all.extend(page.ids());
        next = page.next_link();
    }
    assert_eq!(all.len(), 10);
    server.org().set_page_size(Collection::GroupMembers, 1000);
    let everyone = api.get("/api/v1/groups/00gdemoeveryone00001/users").await;
    assert_eq!(everyone.ids().len(), server.org().user_count());
}

#[tokio::test]
async fn expand_stats_counts_members() {
    let server = demo_org().await;
    let api = Api::new(&server);
    let group = api
        .get("/api/v1/groups/00g1a2b3c4d5e6f7g8h9?expand=stats")
        .await;
    assert_eq!(group.body["_embedded"]["stats"]["usersCount"], 10);
}
