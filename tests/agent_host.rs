//! The example agent host, driven through its line protocol against the
//! demo org.

#[allow(dead_code)]
#[path = "../examples/agent_host.rs"]
mod agent_host;

use serde_json::{Value, json};

/// Runs the example host with `args` on request lines and returns the
/// response objects.
fn exchange(args: &[&str], requests: &[Value]) -> Vec<Value> {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string()).collect();
    let input: String = requests
        .iter()
        .map(|request| format!("{request}\n"))
        .collect();
    let mut output = Vec::new();
    agent_host::run(&args, input.as_bytes(), &mut output).expect("host runs");
    String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("response is JSON"))
        .collect()
}

#[test]
fn tools_and_docs() {
    let responses = exchange(
        &["--demo"],
        &[
            json!({ "tool": "tools" }),
            json!({ "tool": "lua_read_doc", "page": "okta.list_users" }),
            json!({ "tool": "lua_read_doc", "page": "app.integrations.okta.default.add_user_group" }),
            json!({ "tool": "lua_read_doc", "page": "okta.lst_users" }),
        ],
    );
    assert_eq!(responses.len(), 4);
    let names: Vec<&str> = responses[0]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tool| tool["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["lua_read_doc", "lua_execute"]);
    assert!(
        responses[1]["text"]
            .as_str()
            .unwrap()
            .starts_with("## okta_list_users")
    );
    assert!(
        responses[2]["text"]
            .as_str()
            .unwrap()
            .starts_with("## okta_add_user_to_group")
    );
    assert_eq!(responses[3]["ok"], false);
    let error = responses[3]["error"].as_str().unwrap();
    assert!(
        error.contains("Did you mean \"okta.list_users\"?"),
        "{error}"
    );
}

#[test]
fn execute_reads_and_isolates_runs() {
    let responses = exchange(
        &["--demo"],
        &[
            json!({ "tool": "lua_execute", "code": "leftover = 1 print('users', #app.integrations.okta.list_users({ limit = 3 })) return 'done'" }),
            json!({ "tool": "lua_execute", "code": "return leftover == nil, io == nil" }),
        ],
    );
    assert_eq!(responses[0]["ok"], true, "{}", responses[0]);
    assert_eq!(responses[0]["outcome"]["output"], json!(["users\t3"]));
    assert_eq!(responses[0]["outcome"]["result"], json!(["done"]));
    assert_eq!(
        responses[0]["outcome"]["integration_calls"][0]["path"],
        "/api/v1/users?limit=3"
    );
    assert_eq!(responses[1]["outcome"]["result"], json!([true, true]));
}

const DEACTIVATE: &str =
    "return app.integrations.okta.deactivate_user({ id = '00u1a2b3c4d5e6f7g8h9' }).status";

#[test]
fn writes_go_through_approval() {
    let declined = exchange(
        &["--demo"],
        &[json!({ "tool": "lua_execute", "code": DEACTIVATE })],
    );
    assert_eq!(declined[0]["ok"], false);
    let message = declined[0]["outcome"]["error"]["message"].as_str().unwrap();
    assert!(message.contains("the approval was declined"), "{message}");

    let approved = exchange(
        &["--demo", "--approve-writes"],
        &[json!({ "tool": "lua_execute", "code": DEACTIVATE })],
    );
    assert_eq!(approved[0]["outcome"]["result"], json!(["DEPROVISIONED"]));
}

#[test]
fn bad_requests_get_errors() {
    let args = vec!["--demo".to_string()];
    let input =
        "not json\n{\"tool\":\"shell\"}\n{\"code\":\"return 1\"}\n{\"tool\":\"lua_execute\"}\n";
    let mut output = Vec::new();
    agent_host::run(&args, input.as_bytes(), &mut output).expect("host runs");
    let responses: Vec<Value> = String::from_utf8(output)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(
        responses[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid JSON request: ")
    );
    assert_eq!(
        responses[1]["error"],
        "unknown tool `shell`; tools are lua_read_doc and lua_execute"
    );
    assert_eq!(responses[2]["error"], "each request needs `tool`, a string");
    assert_eq!(
        responses[3]["error"],
        "lua_execute needs `code`, a string of Lua"
    );

    let error = agent_host::run(&["--bogus".to_string()], "".as_bytes(), Vec::new()).unwrap_err();
    assert_eq!(
        error,
        "unknown argument --bogus; use --demo and --approve-writes"
    );
}
