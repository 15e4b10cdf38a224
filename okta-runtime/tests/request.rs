//! Argument checks and request building from the generated tool specs.

use okta_runtime::Error;
use okta_runtime::request::prepare;
use okta_runtime::tools;
use serde_json::{Map, Value, json};

fn args(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn problems(result: Result<okta_runtime::request::PreparedCall, Error>) -> Vec<String> {
    match result {
        Err(Error::InvalidArguments { problems, .. }) => problems,
        Err(other) => panic!("unexpected error {other}"),
        Ok(call) => panic!("expected an error, got {call:?}"),
    }
}

#[test]
fn path_values_stay_one_segment() {
    for (value, encoded) in [
        ("a/b", "a%2Fb"),
        ("x?y=1", "x%3Fy%3D1"),
        ("x#frag", "x%23frag"),
        ("100%", "100%25"),
        ("../groups", "..%2Fgroups"),
        ("kim+qa@example.com", "kim%2Bqa%40example.com"),
        ("Zoë", "Zo%C3%AB"),
    ] {
        let call = prepare(&tools::GET_USER, args(json!({ "id": value }))).unwrap();
        assert_eq!(call.path, format!("/users/{encoded}"), "value {value}");
        assert_eq!(
            call.path_and_query(),
            format!("/users/{encoded}"),
            "value {value}"
        );
    }
}

#[test]
fn dot_segments_rejected() {
    for value in [".", ".."] {
        let found = problems(prepare(&tools::GET_USER, args(json!({ "id": value }))));
        assert!(
            found[0].contains("must be an Okta ID or login"),
            "{found:?}"
        );
    }
}

#[test]
fn query_values_encoded() {
    let call = prepare(
        &tools::LIST_USERS,
        args(json!({ "q": "kim+qa@example.com", "limit": 10 })),
    )
    .unwrap();
    assert_eq!(
        call.path_and_query(),
        "/users?limit=10&q=kim%2Bqa%40example.com"
    );
    let call = prepare(&tools::LIST_USERS, args(json!({ "q": "Đặng" }))).unwrap();
    assert!(
        call.path_and_query().contains("q=%C4%90%E1%BA%B7ng"),
        "{}",
        call.path_and_query()
    );
}

#[test]
fn limit_range_checked() {
    for bad in [json!(201), json!(0), json!(-1), json!(1.5)] {
        let found = problems(prepare(
            &tools::LIST_USERS,
            args(json!({ "limit": bad.clone() })),
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("an integer from 1 to 200"),
            "{bad}: {}",
            found[0]
        );
        assert!(found[0].contains("`limit`"), "{}", found[0]);
    }
    let call = prepare(&tools::LIST_USERS, args(json!({ "limit": 200.0 }))).unwrap();
    assert_eq!(call.query, vec![("limit".to_string(), "200".to_string())]);
}

#[test]
fn missing_required_listed_together() {
    let found = problems(prepare(&tools::ADD_USER_TO_GROUP, Map::new()));
    assert_eq!(
        found,
        vec![
            "missing required parameters `groupId`, `userId` for okta.add_user_to_group"
                .to_string()
        ]
    );
}

#[test]
fn unknown_parameter_suggests_closest() {
    let found = problems(prepare(&tools::LIST_USERS, args(json!({ "limt": 5 }))));
    assert!(
        found[0].contains("unknown parameter `limt`"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("did you mean `limit`?"), "{}", found[0]);
}

#[test]
fn wrong_type_names_value() {
    let found = problems(prepare(&tools::GET_USER, args(json!({ "id": 42 }))));
    assert_eq!(
        found,
        vec!["`id` must be a string, got integer 42 (in okta.get_user)".to_string()]
    );
}

#[test]
fn create_profile_required_fields() {
    let found = problems(prepare(
        &tools::CREATE_USER,
        args(json!({ "profile": { "login": "a@example.com" } })),
    ));
    assert!(
        found[0].contains("missing required fields `firstName`, `lastName`, `email`"),
        "{}",
        found[0]
    );
}

#[test]
fn create_sends_activate_query_and_body() {
    let call = prepare(
        &tools::CREATE_USER,
        args(json!({ "activate": false, "profile": { "login": "b@example.com", "email": "b@example.com", "firstName": "B", "lastName": "S", "isContractor": false } })),
    )
    .unwrap();
    assert_eq!(call.path_and_query(), "/users?activate=false");
    let body = serde_json::to_string(call.body.as_ref().unwrap()).unwrap();
    assert!(body.contains("\"isContractor\":false"), "{body}");
    assert!(!body.contains("activate"), "{body}");
}

#[test]
fn update_is_partial_post() {
    assert_eq!(tools::UPDATE_USER.method, okta_runtime::spec::Method::Post);
    assert_eq!(tools::UPDATE_USER.path, "/users/{id}");
    let call = prepare(
        &tools::UPDATE_USER,
        args(json!({ "id": "00uU0003", "profile": { "department": "Sales" } })),
    )
    .unwrap();
    assert_eq!(
        call.body,
        Some(json!({ "profile": { "department": "Sales" } }))
    );
}

#[test]
fn deactivate_uses_lifecycle_post() {
    assert_eq!(
        tools::DEACTIVATE_USER.method,
        okta_runtime::spec::Method::Post
    );
    let call = prepare(&tools::DEACTIVATE_USER, args(json!({ "id": "00u1" }))).unwrap();
    assert_eq!(call.path, "/users/00u1/lifecycle/deactivate");
}

#[test]
fn no_tool_sends_delete_or_put_on_users() {
    for tool in tools::ALL {
        if tool.path.starts_with("/users") {
            assert!(
                !matches!(
                    tool.method,
                    okta_runtime::spec::Method::Delete | okta_runtime::spec::Method::Put
                ),
                "{} uses {:?} on {}",
                tool.name,
                tool.method,
                tool.path
            );
        }
    }
}
