//! Conversion between Lua values and JSON in both directions, checked
//! against what the fake org receives and sends.

use okta_e2e::Harness;
use serde_json::{Value, json};

/// Inserts a user with custom profile attributes of every JSON type and
/// returns its id.
fn insert_typed_user(harness: &Harness) -> String {
    harness.server.org().insert_user(json!({
        "profile": {
            "login": "typed.user@example.com",
            "email": "typed.user@example.com",
            "firstName": "Typed",
            "lastName": "User",
            "title": "Analyst",
            "badgeIds": [],
            "startYear": 2021,
            "score": 1.5,
            "isContractor": false
        }
    }))
}

/// Each Lua `profile` value and the `profile` the org must receive in the
/// body of the update.
#[test]
fn profile_bodies_as_received() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    let cases: &[(&str, Value)] = &[
        (r#"{ title = "Lead" }"#, json!({ "title": "Lead" })),
        ("{}", json!({})),
        ("json.decode('{}')", json!({})),
        ("json.decode('[]')", json!({})),
        ("{ title = json.null }", json!({ "title": null })),
        (
            r#"{ title = nil, department = "Sales" }"#,
            json!({ "department": "Sales" }),
        ),
        (
            "{ badgeIds = json.decode('[]') }",
            json!({ "badgeIds": [] }),
        ),
        ("{ badgeIds = json.array() }", json!({ "badgeIds": [] })),
        (
            r#"{ badgeIds = { "B-1", "B-2" } }"#,
            json!({ "badgeIds": ["B-1", "B-2"] }),
        ),
        ("{ startYear = 2021 }", json!({ "startYear": 2021 })),
        (
            "{ startYear = math.maxinteger }",
            json!({ "startYear": i64::MAX }),
        ),
        ("{ score = 2.25 }", json!({ "score": 2.25 })),
        ("{ isContractor = false }", json!({ "isContractor": false })),
        (
            r#"{ nickName = "Zoë 🙂" }"#,
            json!({ "nickName": "Zoë 🙂" }),
        ),
    ];
    for (profile, expected) in cases {
        harness.server.clear_requests();
        let outcome = harness.run(&format!(
            "return app.integrations.okta.update_user({{ id = {}, profile = {profile} }})",
            json!(id)
        ));
        assert!(outcome.success, "{profile}: {:?}", outcome.error);
        let requests = harness.server.requests();
        assert_eq!(requests.len(), 1, "{profile}: {requests:?}");
        assert_eq!(
            requests[0].body_json(),
            Some(json!({ "profile": expected })),
            "{profile}: {}",
            String::from_utf8_lossy(&requests[0].body)
        );
    }
}

#[test]
fn integers_sent_without_fraction() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    harness.server.clear_requests();
    harness.run_ok(&format!(
        "app.integrations.okta.update_user({{ id = {}, profile = {{ startYear = 2022 }} }})",
        json!(id)
    ));
    let body = String::from_utf8(harness.server.requests()[0].body.clone()).unwrap();
    assert_eq!(body, r#"{"profile":{"startYear":2022}}"#);
}

#[test]
fn json_null_clears_field_in_org() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    let outcome = harness.run_ok(&format!(
        "local okta = app.integrations.okta
         okta.update_user({{ id = {id}, profile = {{ title = json.null }} }})
         local user = okta.get_user({{ id = {id} }})
         return user.profile.title == nil, rawget(user.profile, 'title') == nil, user.profile.firstName",
        id = json!(id)
    ));
    assert_eq!(
        outcome.result,
        vec![json!(true), json!(true), json!("Typed")]
    );
    let stored = harness.server.org().user(&id).expect("user");
    assert!(
        stored["profile"]["title"].is_null(),
        "{}",
        stored["profile"]
    );
}

#[test]
fn read_values_keep_types() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    let checks = [
        "math.type(u.profile.startYear) == 'integer' and u.profile.startYear == 2021",
        "math.type(u.profile.score) == 'float' and u.profile.score == 1.5",
        "u.profile.isContractor == false",
        "getmetatable(u.profile.badgeIds) == 'json.array' and #u.profile.badgeIds == 0",
        "json.encode(u.profile.badgeIds) == '[]'",
        "getmetatable(u.groups) == 'json.array'",
        "getmetatable(u.profile) == nil",
    ];
    for check in checks {
        let outcome = harness.run_ok(&format!(
            "local u = app.integrations.okta.get_user({{ id = {} }}) return {check}",
            json!(id)
        ));
        assert_eq!(outcome.result[0], json!(true), "{check}");
    }
}

#[test]
fn read_array_sent_back_unchanged() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    harness.server.clear_requests();
    harness.run_ok(&format!(
        "local okta = app.integrations.okta
         local u = okta.get_user({{ id = {id} }})
         okta.update_user({{ id = {id}, profile = {{ badgeIds = u.profile.badgeIds }} }})",
        id = json!(id)
    ));
    let update = harness
        .server
        .requests()
        .into_iter()
        .find(|request| request.method == "POST")
        .expect("update sent");
    assert_eq!(
        String::from_utf8(update.body).unwrap(),
        r#"{"profile":{"badgeIds":[]}}"#
    );
}

#[test]
fn empty_list_result_stays_array() {
    let harness = Harness::demo_with_writes();
    let outcome = harness.run_ok(
        "local groups, page = app.integrations.okta.list_groups({ q = 'nomatch' })
         return groups, #groups, json.encode(groups), getmetatable(groups)",
    );
    assert_eq!(outcome.result[0], json!([]));
    assert_eq!(outcome.result[1], json!(0));
    assert_eq!(outcome.result[2], json!("[]"));
    assert_eq!(outcome.result[3], json!("json.array"));
}

#[test]
fn invalid_values_rejected_before_sending() {
    let harness = Harness::demo_with_writes();
    let id = insert_typed_user(&harness);
    harness.server.clear_requests();
    for (profile, expected) in [
        (
            "{ badgeIds = { 'B-1', nil, 'B-3' } }",
            "arguments.profile.badgeIds[2] is nil inside a sequence of 3 items; use json.null for an explicit null, or remove the hole",
        ),
        (
            "{ title = print }",
            "arguments.profile.title is a function, which cannot be sent as JSON",
        ),
        (
            "{ score = 0/0 }",
            "arguments.profile.score is NaN, which JSON cannot represent",
        ),
        (
            "{ [1] = 'a', title = 'b' }",
            "arguments.profile mixes sequence items and named keys",
        ),
        (
            "(function() local t = {} t.self = t return t end)()",
            "arguments.profile.self contains itself (a reference cycle)",
        ),
        (
            "(function() local a = json.array({ 1 }) a.extra = 2 return { badgeIds = a } end)()",
            "arguments.profile.badgeIds is a JSON array but also has named keys",
        ),
    ] {
        let outcome = harness.run(&format!(
            "return app.integrations.okta.update_user({{ id = {}, profile = {profile} }})",
            json!(id)
        ));
        let message = outcome.error.expect("rejected").message;
        assert!(message.contains(expected), "{profile}: {message}");
    }
    assert_eq!(harness.server.requests(), Vec::new());
}
