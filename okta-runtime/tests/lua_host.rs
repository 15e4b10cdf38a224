//! The Lua host without an org: sandbox, globals, conversion, docs lookup
//! and argument errors. No test here sends a request.

use okta_runtime::{AccountConfig, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString};
use serde_json::json;

/// A host whose org address is a closed loopback port; nothing here may call it.
fn host_with(limits: Limits) -> LuaHost {
    let account = AccountConfig::with_api_token(
        "default",
        "http://127.0.0.1:9",
        SecretString::new("unused-token"),
    );
    LuaHost::new(HostOptions {
        accounts: vec![account],
        default_account: "default".into(),
        policy: Policy::default(),
        limits,
    })
    .expect("host starts")
}

fn host() -> LuaHost {
    host_with(Limits::default())
}

fn run_ok(host: &LuaHost, code: &str) -> RunOutcome {
    let outcome = host.run(code, "test");
    assert!(outcome.success, "script failed: {:?}", outcome.error);
    outcome
}

fn run_err(host: &LuaHost, code: &str) -> String {
    let outcome = host.run(code, "test");
    assert!(!outcome.success, "script succeeded: {:?}", outcome.result);
    outcome.error.expect("error").message
}

#[test]
fn print_joins_with_tabs() {
    let outcome = run_ok(&host(), "print('a', 1, true, nil)");
    assert_eq!(outcome.output, vec!["a\t1\ttrue\tnil"]);
}

#[test]
fn dump_sorted_and_returns_argument() {
    let outcome = run_ok(
        &host(),
        "local t = { b = 1, a = { 'x' } } t.self = t return dump(t) == t",
    );
    assert_eq!(outcome.result, vec![json!(true)]);
    assert_eq!(
        outcome.output,
        vec!["{\n  a = {\n    \"x\",\n  },\n  b = 1,\n  self = <cycle>,\n}"]
    );
}

#[test]
fn json_round_trip_keeps_arrays_and_integers() {
    let outcome = run_ok(
        &host(),
        r#"local v = json.decode('{"a":[],"b":{},"n":9007199254740993,"f":1.5,"s":"Zoë","z":null}')
           return json.encode(v), math.type(v.n), v.z == nil"#,
    );
    assert_eq!(
        outcome.result[0],
        json!(r#"{"a":[],"b":{},"f":1.5,"n":9007199254740993,"s":"Zoë"}"#)
    );
    assert_eq!(outcome.result[1], json!("integer"));
    assert_eq!(outcome.result[2], json!(true));
}

#[test]
fn json_null_encodes_as_null() {
    let outcome = run_ok(&host(), "return json.encode({ title = json.null })");
    assert_eq!(outcome.result, vec![json!(r#"{"title":null}"#)]);
}

#[test]
fn json_encode_pretty() {
    let outcome = run_ok(&host(), "return json.encode({ a = 1 }, { pretty = true })");
    assert_eq!(outcome.result, vec![json!("{\n  \"a\": 1\n}")]);
}

#[test]
fn regex_helpers() {
    let outcome = run_ok(
        &host(),
        r##"local name, number = regex.match("user-42", "(\\w+)-(\\d+)")
            local first, last = regex.find("abc123", "\\d+")
            local replaced, count = regex.gsub("a1b2", "\\d", "#")
            return name, number, first, last, replaced, count, #regex.split("a, b,c", ",\\s*")"##,
    );
    assert_eq!(
        outcome.result,
        vec![
            json!("user"),
            json!("42"),
            json!(4),
            json!(6),
            json!("a#b#"),
            json!(2),
            json!(3)
        ]
    );
}

#[test]
fn regex_invalid_pattern_errors() {
    let message = run_err(&host(), "regex.match('x', '(')");
    assert!(message.contains("invalid regex \"(\""), "{message}");
}

#[test]
fn unknown_function_suggests_closest() {
    let message = run_err(&host(), "app.integrations.okta.list_user({})");
    assert!(
        message.contains("app.integrations.okta.list_user does not exist"),
        "{message}"
    );
    assert!(message.contains("Did you mean list_users?"), "{message}");
}

#[test]
fn unknown_account_lists_names() {
    let message = run_err(&host(), "app.integrations.okta.production.list_users({})");
    assert!(
        message.contains("app.integrations.okta.production does not exist"),
        "{message}"
    );
    assert!(message.contains("default"), "{message}");
}

#[test]
fn alias_and_default_namespace_exist() {
    let outcome = run_ok(
        &host(),
        "local o = app.integrations.okta return type(o.add_user_group), type(o.add_user_to_group), type(o.default.list_users)",
    );
    assert_eq!(
        outcome.result,
        vec![json!("function"), json!("function"), json!("function")]
    );
}

#[test]
fn write_rejected_without_force() {
    let outcome = host().run(
        "return app.integrations.okta.deactivate_user({ id = '00u1' })",
        "test",
    );
    let error = outcome.error.expect("error");
    assert!(
        error
            .message
            .contains("okta.deactivate_user is a write tool"),
        "{}",
        error.message
    );
    assert!(error.message.contains("--force"), "{}", error.message);
    assert!(outcome.integration_calls.is_empty());
}

#[test]
fn invalid_arguments_raise_catchable_table() {
    let outcome = run_ok(
        &host(),
        "local ok, err = pcall(app.integrations.okta.list_users, { limit = 500 }) return ok, err.errorCode, err.problems[1], tostring(err) == err.message",
    );
    assert_eq!(outcome.result[0], json!(false));
    assert_eq!(outcome.result[1], json!("invalid_arguments"));
    assert_eq!(
        outcome.result[2],
        json!("`limit` must be an integer from 1 to 200, got 500 (in okta.list_users)")
    );
    assert_eq!(outcome.result[3], json!(true));
}

#[test]
fn docs_read_accepts_every_form() {
    let host = host();
    for page in [
        "okta.list_users",
        "integrations.okta.list_users",
        "app.integrations.okta.list_users",
        "okta.default.list_users",
        "okta_list_users",
        "list_users",
    ] {
        let outcome = run_ok(&host, &format!("return docs.read('{page}')"));
        let text = outcome.result[0].as_str().unwrap();
        assert!(
            text.starts_with("## okta_list_users"),
            "{page}: {}",
            &text[..40.min(text.len())]
        );
    }
    for page in ["okta", "integrations.okta", "app.integrations.okta"] {
        let outcome = run_ok(&host, &format!("return docs.read('{page}')"));
        assert!(
            outcome.result[0]
                .as_str()
                .unwrap()
                .starts_with("# Okta — Lua API Reference"),
            "{page}"
        );
    }
    let outcome = run_ok(&host, "return docs.read('okta.add_user_group')");
    assert!(
        outcome.result[0]
            .as_str()
            .unwrap()
            .starts_with("## okta_add_user_to_group")
    );
}

#[test]
fn docs_unknown_page_lists_pages() {
    let message = run_err(&host(), "return docs.read('okta.lst_users')");
    assert!(
        message.contains("no documentation page \"okta.lst_users\""),
        "{message}"
    );
    assert!(
        message.contains("Did you mean \"okta.list_users\"?"),
        "{message}"
    );
    assert!(message.contains("okta.get_group"), "{message}");
}

#[test]
fn docs_list_and_search() {
    let outcome = run_ok(
        &host(),
        "local hits = docs.search('deactivate') return #docs.list() > 10, hits[1].page",
    );
    assert_eq!(
        outcome.result,
        vec![json!(true), json!("okta.deactivate_user")]
    );
}
