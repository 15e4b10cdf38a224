//! The Lua host without an org: sandbox, globals, conversion, docs lookup
//! and argument errors. No test here sends a request.

use okta_runtime::{AccountConfig, HostOptions, Limits, LuaHost, Policy, RunOutcome, SecretString};
use serde_json::json;

/// Creates a host whose org address is a closed loopback port, which no
/// test here calls.
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

/// Creates a host with a second account, `production`, on the same closed
/// port.
fn host_with_production() -> LuaHost {
    let accounts = ["default", "production"]
        .into_iter()
        .map(|name| {
            AccountConfig::with_api_token(
                name,
                "http://127.0.0.1:9",
                SecretString::new("unused-token"),
            )
        })
        .collect();
    LuaHost::new(HostOptions {
        accounts,
        default_account: "default".into(),
        policy: Policy::default(),
        limits: Limits::default(),
    })
    .expect("host starts")
}

/// Each JSON text and a Lua condition on the decoded value `v` that must
/// hold.
#[test]
fn json_decode_conversion_rules() {
    let host = host();
    let cases = [
        ("null", "v == nil"),
        (r#"{"a":null}"#, "v.a == nil and next(v) == nil"),
        (
            r#"{"a":[{"b":null,"c":1}]}"#,
            "v.a[1].b == nil and v.a[1].c == 1",
        ),
        (
            "[1,null,3]",
            "#v == 3 and v[2] == json.null and json.encode(v) == '[1,null,3]'",
        ),
        (
            "[]",
            "getmetatable(v) == 'json.array' and #v == 0 and json.encode(v) == '[]'",
        ),
        ("[[],[{}]]", "json.encode(v) == '[[],[{}]]'"),
        ("{}", "getmetatable(v) == nil and json.encode(v) == '{}'"),
        (
            "9007199254740993",
            "math.type(v) == 'integer' and v == 9007199254740993",
        ),
        (
            "-9223372036854775808",
            "math.type(v) == 'integer' and v == math.mininteger",
        ),
        ("18446744073709551615", "math.type(v) == 'float'"),
        ("1.0", "math.type(v) == 'float' and json.encode(v) == '1.0'"),
        ("2.5e3", "v == 2500.0"),
        (r#""Zoë \u00e9""#, "v == 'Zoë é'"),
        ("true", "v == true"),
    ];
    for (text, condition) in cases {
        let outcome = run_ok(
            &host,
            &format!("local v = json.decode({}) return {condition}", json!(text)),
        );
        assert_eq!(outcome.result, vec![json!(true)], "{text}: {condition}");
    }
}

/// Each Lua expression and the text `json.encode` gives for it.
#[test]
fn json_encode_conversion_rules() {
    let host = host();
    let cases = [
        ("{}", "{}"),
        ("json.array()", "[]"),
        ("json.array({ 1 })", "[1]"),
        ("{ 1, 2, 3 }", "[1,2,3]"),
        ("{ [1] = 'a', [2] = 'b' }", r#"["a","b"]"#),
        ("{ [5] = 'x' }", r#"{"5":"x"}"#),
        ("{ b = {}, a = 1 }", r#"{"a":1,"b":{}}"#),
        ("{ a = json.null }", r#"{"a":null}"#),
        ("{ a = nil, b = 2 }", r#"{"b":2}"#),
        ("{ json.null, 2 }", "[null,2]"),
        ("math.maxinteger", "9223372036854775807"),
        ("3", "3"),
        ("3.0", "3.0"),
        ("0.1", "0.1"),
        ("'é\\n'", r#""é\n""#),
        ("json.null", "null"),
        ("nil", "null"),
    ];
    for (expression, expected) in cases {
        let outcome = run_ok(&host, &format!("return json.encode({expression})"));
        assert_eq!(outcome.result, vec![json!(expected)], "{expression}");
    }
}

#[test]
fn json_encode_rejects_unrepresentable() {
    let host = host();
    for (expression, expected) in [
        (
            "{ 1, nil, 3 }",
            "json.encode: value[2] is nil inside a sequence of 3 items; use json.null for an explicit null, or remove the hole",
        ),
        (
            "0/0",
            "json.encode: value is NaN, which JSON cannot represent",
        ),
        (
            "math.huge",
            "json.encode: value is inf, which JSON cannot represent",
        ),
        (
            "{ f = print }",
            "json.encode: value.f is a function, which cannot be sent as JSON",
        ),
        (
            "{ [true] = 1 }",
            "json.encode: value has a boolean key; JSON objects need string keys",
        ),
        (
            "string.char(255)",
            "json.encode: value is not valid UTF-8 text",
        ),
        (
            "{ 1, x = 2 }",
            "json.encode: value mixes sequence items and named keys",
        ),
    ] {
        let message = run_err(&host, &format!("return json.encode({expression})"));
        assert!(message.contains(expected), "{expression}: {message}");
    }
}

#[test]
fn json_decode_invalid_errors() {
    let message = run_err(&host(), "return json.decode('{\"a\": }')");
    assert!(
        message.contains("json.decode: invalid JSON: expected value at line 1 column 7"),
        "{message}"
    );
    let message = run_err(&host(), "return json.decode('[1] x')");
    assert!(
        message.contains("json.decode: invalid JSON: trailing characters"),
        "{message}"
    );
}

#[test]
fn regex_errors_name_function() {
    let host = host();
    for call in [
        "regex.match('x', '(')",
        "regex.find('x', '(')",
        "regex.gsub('x', '(', 'y')",
        "regex.split('x', '(')",
    ] {
        let function = call.split('(').next().unwrap();
        let message = run_err(&host, call);
        assert!(
            message.contains(&format!("{function}: invalid regex \"(\"")),
            "{call}: {message}"
        );
    }
    let outcome = run_ok(
        &host,
        r#"local text, count = regex.gsub("2024-05-06", "(?P<y>\\d+)-(\\d+)-(\\d+)", "$3.$2.${y}") return text, count, regex.match("abc", "x") == nil"#,
    );
    assert_eq!(
        outcome.result,
        vec![json!("06.05.2024"), json!(1), json!(true)]
    );
}

#[test]
fn print_uses_tostring_metamethod() {
    let outcome = run_ok(
        &host(),
        "print(setmetatable({}, { __tostring = function() return 'custom' end }), 1.5, json.null)",
    );
    assert_eq!(outcome.output.len(), 1);
    assert!(
        outcome.output[0].starts_with("custom\t1.5\tuserdata: "),
        "{:?}",
        outcome.output
    );
}

#[test]
fn dump_key_order_is_stable() {
    let host = host();
    let code = "local a, b = dump({ 3, 1, z = 1, a = 2, [10] = 'x', ['a b'] = json.null, [true] = 0 }, 'second') return a[1], b";
    let first = run_ok(&host, code);
    assert_eq!(first.result, vec![json!(3), json!("second")]);
    assert_eq!(
        first.output,
        vec![
            "{\n  3,\n  1,\n  [\"a b\"] = json.null,\n  [10] = \"x\",\n  [true] = 0,\n  a = 2,\n  z = 1,\n}\t\"second\""
        ]
    );
    for _ in 0..5 {
        assert_eq!(run_ok(&host, code).output, first.output);
    }
}

#[test]
fn docs_read_accepts_account_namespaces() {
    let host = host_with_production();
    for page in [
        "okta.production.list_users",
        "app.integrations.okta.production.list_users",
        "integrations.okta.production.list_users",
        "okta.default.list_users",
        "okta.list_users",
        "list_users",
        "okta_list_users",
    ] {
        let outcome = run_ok(&host, &format!("return docs.read('{page}')"));
        assert!(
            outcome.result[0]
                .as_str()
                .unwrap()
                .starts_with("## okta_list_users"),
            "{page}"
        );
    }
    for page in [
        "okta.production",
        "app.integrations.okta.production",
        "okta.default",
    ] {
        let outcome = run_ok(&host, &format!("return docs.read('{page}')"));
        assert!(
            outcome.result[0]
                .as_str()
                .unwrap()
                .starts_with("# Okta — Lua API Reference"),
            "{page}"
        );
    }
    for page in [
        "add_user_group",
        "okta.add_user_group",
        "okta_add_user_to_group",
        "okta.production.add_user_group",
    ] {
        let outcome = run_ok(&host, &format!("return docs.read('{page}')"));
        assert!(
            outcome.result[0]
                .as_str()
                .unwrap()
                .starts_with("## okta_add_user_to_group"),
            "{page}"
        );
    }
    let message = run_err(&host, "return docs.read('okta.staging.list_users')");
    assert!(
        message.contains("no documentation page \"okta.staging.list_users\""),
        "{message}"
    );
    assert!(
        message.contains("Pages: okta, okta.list_users"),
        "{message}"
    );
}

#[test]
fn docs_lookup_is_public_rust() {
    let host = host_with_production();
    let from_lua = run_ok(&host, "return docs.read('okta.production.get_user')").result[0].clone();
    let accounts = vec!["production".to_string()];
    let from_rust = okta_runtime::docs::read("okta.production.get_user", &accounts).unwrap();
    assert_eq!(from_lua, json!(from_rust));
    assert_eq!(
        host.read_doc("app.integrations.okta.production.get_user"),
        Ok(from_rust)
    );
    let unknown = host.read_doc("okta.nothing").unwrap_err();
    assert!(
        unknown.contains("Pages: okta, okta.list_users"),
        "{unknown}"
    );
}

/// Each call and the parts its error message must contain: the path or
/// parameter, the expected type or range, the value received, or a
/// suggestion.
#[test]
fn argument_errors_are_actionable() {
    let host = host_with_production();
    let cases: &[(&str, &[&str])] = &[
        (
            "app.integrations.okta.lst_users({})",
            &[
                "app.integrations.okta.lst_users does not exist.",
                "Did you mean list_users?",
                "Accounts: default, production.",
            ],
        ),
        (
            "app.integrations.okta.production.get_usr({})",
            &[
                "app.integrations.okta.production.get_usr does not exist.",
                "Did you mean get_user?",
            ],
        ),
        (
            "app.integrations.okta.prodution.list_users({})",
            &[
                "app.integrations.okta.prodution does not exist.",
                "Did you mean production?",
            ],
        ),
        (
            "app.integrations.okta.list_users({ limt = 5 })",
            &[
                "unknown parameter `limt` for okta.list_users; did you mean `limit`?",
                "parameters are ",
            ],
        ),
        (
            "app.integrations.okta.list_users({ limit = 'ten' })",
            &["`limit` must be an integer from 1 to 200, got string \"ten\" (in okta.list_users)"],
        ),
        (
            "app.integrations.okta.list_users({ limit = 500 })",
            &["`limit` must be an integer from 1 to 200, got 500 (in okta.list_users)"],
        ),
        (
            "app.integrations.okta.list_users({ limit = 1.5 })",
            &["`limit` must be an integer from 1 to 200, got number 1.5 (in okta.list_users)"],
        ),
        (
            "app.integrations.okta.add_user_to_group({})",
            &["missing required parameters `groupId`, `userId` for okta.add_user_to_group"],
        ),
        (
            "app.integrations.okta.add_user_to_group({ grupId = 'g', userId = true })",
            &[
                "missing required parameter `groupId` for okta.add_user_to_group",
                "unknown parameter `grupId` for okta.add_user_to_group; did you mean `groupId`?",
                "`userId` must be a string, got boolean true (in okta.add_user_to_group)",
            ],
        ),
        (
            "app.integrations.okta.get_user('00u1')",
            &[
                "okta.get_user takes one table of named parameters such as { id = \"...\" }, got a string",
            ],
        ),
    ];
    for (call, parts) in cases {
        let message = run_err(&host, call);
        for part in *parts {
            assert!(
                message.contains(part),
                "{call}: missing {part:?} in {message}"
            );
        }
    }
}

#[test]
fn json_to_lua_rejects_excessive_depth() {
    let lua = mlua::Lua::new();
    let mut value = serde_json::json!(1);
    for _ in 0..600 {
        value = serde_json::json!([value]);
    }
    let error = okta_runtime::lua::convert::json_to_lua(&lua, &value).unwrap_err();
    assert!(
        error.to_string().contains("nested more than 512 levels"),
        "{error}"
    );
}
