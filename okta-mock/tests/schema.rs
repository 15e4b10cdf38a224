//! Schema conformance: every endpoint and status the fake org serves is
//! driven, and each body is validated against Okta's OpenAPI schemas with
//! the `jsonschema` crate.
//!
//! OpenAPI 3.0 schemas are converted to JSON Schema draft 7: `nullable`
//! becomes a `null` type, and `$ref`s keep pointing into the same document.
//! Okta's own responses carry null in a few properties that the spec does
//! not mark nullable, and `SPEC_GAPS` lists them. The recorded real
//! responses are validated too, so the list cannot grow beyond what they need.

mod common;

use std::path::PathBuf;

use common::{Answer, Api, demo_org};
use jsonschema::{Draft, Validator};
use okta_mock::{MockOptions, MockServer, RateLimits};
use reqwest::Method;
use serde_json::{Map, Value, json};

/// Properties that real Okta responses (see the recorded files) return as
/// null although the spec does not mark them nullable.
const SPEC_GAPS: &[(&str, &str)] = &[
    ("ApplicationAccessibility", "errorRedirectUrl"),
    ("ApplicationAccessibility", "loginRedirectUrl"),
    ("ApplicationSettingsNotificationsVpn", "message"),
    ("ApplicationSettingsNotificationsVpn", "helpUrl"),
    ("Application", "universalLogout"),
    ("OktaUserGroupProfile", "description"),
];

fn shared_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/okta-reference")
}

/// Converts one OpenAPI 3.0 schema object to JSON Schema, in place.
fn convert(value: &mut Value) {
    match value {
        Value::Object(object) => {
            for child in object.values_mut() {
                convert(child);
            }
            let nullable = object.remove("nullable") == Some(Value::Bool(true));
            object.remove("discriminator");
            if nullable {
                make_nullable(object);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(convert),
        _ => {}
    }
}

fn make_nullable(object: &mut Map<String, Value>) {
    match object.get_mut("type") {
        Some(Value::String(kind)) => {
            let kind = kind.clone();
            object.insert("type".into(), json!([kind, "null"]));
            if let Some(Value::Array(values)) = object.get_mut("enum") {
                values.push(Value::Null);
            }
        }
        _ => {
            let inner = Value::Object(std::mem::take(object));
            object.insert("anyOf".into(), json!([inner, { "type": "null" }]));
        }
    }
}

/// Loads the spec's components, converted and with `gaps` made nullable.
fn components(gaps: &[(&str, &str)]) -> Value {
    let mut components = spec()["components"].clone();
    convert(&mut components);
    for (schema, property) in gaps {
        let target = find_property(&mut components["schemas"][*schema], property)
            .unwrap_or_else(|| panic!("{schema}.{property} is not in the spec"));
        let mut object = std::mem::take(target.as_object_mut().unwrap());
        make_nullable(&mut object);
        *target = Value::Object(object);
    }
    components
}

/// Finds a property definition directly or inside `allOf` parts.
fn find_property<'a>(schema: &'a mut Value, property: &str) -> Option<&'a mut Value> {
    if schema["properties"].get(property).is_some() {
        return schema["properties"].get_mut(property);
    }
    let parts = schema.get_mut("allOf")?.as_array_mut()?;
    parts
        .iter_mut()
        .find_map(|part| find_property(part, property))
}

struct Schemas {
    components: Value,
    mapping: Map<String, Value>,
}

impl Schemas {
    fn new() -> Schemas {
        Schemas::with_gaps(SPEC_GAPS)
    }

    fn with_gaps(gaps: &[(&str, &str)]) -> Schemas {
        Schemas {
            components: components(gaps),
            mapping: mapping(),
        }
    }

    fn validator(&self, schema: Value) -> Validator {
        let document = json!({ "allOf": [schema], "components": self.components });
        jsonschema::options()
            .with_draft(Draft::Draft7)
            .should_validate_formats(true)
            .build(&document)
            .expect("the converted schema compiles")
    }

    fn named(&self, name: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// Validates `body` and returns one line per violation.
    fn check(&self, label: &str, schema: Value, body: &Value) -> Vec<String> {
        let validator = self.validator(schema);
        validator
            .iter_errors(body)
            .map(|error| format!("{label}: {} at {}", error, error.instance_path()))
            .collect()
    }

    fn check_one(&self, label: &str, name: &str, body: &Value) -> Vec<String> {
        self.check(label, self.named(name), body)
    }

    fn check_list(&self, label: &str, name: &str, body: &Value) -> Vec<String> {
        assert!(
            body.as_array().is_some_and(|items| !items.is_empty()),
            "{label}: expected a non-empty list"
        );
        self.check(
            label,
            json!({ "type": "array", "items": self.named(name) }),
            body,
        )
    }

    /// Validates an app against `Application` and against the schema its
    /// `signOnMode` selects through the spec's discriminator mapping.
    fn check_app(&self, label: &str, app: &Value) -> Vec<String> {
        let mut problems = self.check_one(label, "Application", app);
        let mode = app["signOnMode"].as_str().unwrap_or_default();
        match self.mapping.get(mode).and_then(Value::as_str) {
            Some(name) => problems.extend(self.check_one(&format!("{label} as {name}"), name, app)),
            None => problems.push(format!("{label}: signOnMode {mode} has no schema")),
        }
        problems
    }
}

fn spec() -> Value {
    let text = std::fs::read_to_string(shared_dir().join("openapi/okta-management-subset.yaml"))
        .expect("the OpenAPI excerpt is readable");
    serde_yaml::from_str(&text).expect("the OpenAPI excerpt parses")
}

/// Returns the discriminator mapping of `Application` from `signOnMode` to
/// schema name, read before conversion removes it.
fn mapping() -> Map<String, Value> {
    spec()["components"]["schemas"]["Application"]["discriminator"]["mapping"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(mode, reference)| {
            let name = reference.as_str().unwrap().rsplit('/').next().unwrap();
            (mode.clone(), Value::String(name.to_string()))
        })
        .collect()
}

fn expect_status(answer: &Answer, status: u16, label: &str) {
    assert_eq!(answer.status, status, "{label}: {}", answer.text);
}

#[tokio::test]
async fn fake_bodies_match_the_spec() {
    let schemas = Schemas::new();
    let server = demo_org().await;
    let api = Api::new(&server);
    let mut problems = Vec::new();

    let users = api.get("/api/v1/users").await;
    expect_status(&users, 200, "list users");
    problems.extend(schemas.check_list("GET /users", "User", &users.body));
    let search = api.get("/api/v1/users?search=status+pr").await;
    problems.extend(schemas.check_list("GET /users?search", "User", &search.body));
    let q = api.get("/api/v1/users?q=jo").await;
    problems.extend(schemas.check_list("GET /users?q", "User", &q.body));

    for user in server.org().users() {
        let id = user["id"].as_str().unwrap();
        let single = api.get(&format!("/api/v1/users/{id}")).await;
        expect_status(&single, 200, id);
        problems.extend(schemas.check_one(
            &format!("GET /users/{id}"),
            "UserGetSingleton",
            &single.body,
        ));
        let groups = api.get(&format!("/api/v1/users/{id}/groups")).await;
        problems.extend(schemas.check_list(
            &format!("GET /users/{id}/groups"),
            "Group",
            &groups.body,
        ));
    }
    let me = api.get("/api/v1/users/me").await;
    problems.extend(schemas.check_one("GET /users/me", "UserGetSingleton", &me.body));

    let created = api
        .post(
            "/api/v1/users?activate=true",
            json!({ "profile": { "firstName": "Schema", "lastName": "Check", "email": "schema.check@example.com", "login": "schema.check@example.com", "costCenterCode": "CC-1" }, "credentials": { "password": { "value": "Schema-Pass-1" }, "recovery_question": { "question": "First pet?", "answer": "Rex" } } }),
        )
        .await;
    expect_status(&created, 200, "create");
    problems.extend(schemas.check_one("POST /users", "User", &created.body));
    let id = created.body["id"].as_str().unwrap().to_string();
    let updated = api
        .post(
            &format!("/api/v1/users/{id}"),
            json!({ "profile": { "title": "Tester" } }),
        )
        .await;
    problems.extend(schemas.check_one("POST /users/{id}", "User", &updated.body));
    let replaced = api
        .put(
            &format!("/api/v1/users/{id}"),
            Some(json!({ "profile": { "firstName": "Schema", "lastName": "Check", "email": "schema.check@example.com", "login": "schema.check@example.com" } })),
        )
        .await;
    problems.extend(schemas.check_one("PUT /users/{id}", "User", &replaced.body));
    let staged = api
        .post(
            "/api/v1/users?activate=false",
            json!({ "profile": { "firstName": "Staged", "lastName": "Check", "email": "staged.check@example.com", "login": "staged.check@example.com" } }),
        )
        .await;
    let staged_id = staged.body["id"].as_str().unwrap().to_string();
    let token = api
        .post(
            &format!("/api/v1/users/{staged_id}/lifecycle/activate?sendEmail=false"),
            json!({}),
        )
        .await;
    expect_status(&token, 200, "activate");
    problems.extend(schemas.check_one("POST activate", "UserActivationToken", &token.body));

    let groups = api.get("/api/v1/groups").await;
    problems.extend(schemas.check_list("GET /groups", "Group", &groups.body));
    let stats = api.get("/api/v1/groups?expand=stats").await;
    problems.extend(schemas.check_list("GET /groups?expand=stats", "Group", &stats.body));
    for group in groups.body.as_array().unwrap() {
        let id = group["id"].as_str().unwrap();
        let single = api.get(&format!("/api/v1/groups/{id}")).await;
        problems.extend(schemas.check_one(&format!("GET /groups/{id}"), "Group", &single.body));
        let members = api.get(&format!("/api/v1/groups/{id}/users")).await;
        if members
            .body
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            problems.extend(schemas.check_list(
                &format!("GET /groups/{id}/users"),
                "User",
                &members.body,
            ));
        }
    }

    let apps = api.get("/api/v1/apps").await;
    for (index, app) in apps.body.as_array().unwrap().iter().enumerate() {
        problems.extend(schemas.check_app(&format!("GET /apps[{index}]"), app));
        let id = app["id"].as_str().unwrap();
        let single = api.get(&format!("/api/v1/apps/{id}")).await;
        problems.extend(schemas.check_app(&format!("GET /apps/{id}"), &single.body));
    }

    let errors = [
        api.get("/api/v1/users/00unothing").await,
        api.get("/api/v1/groups/00gnothing").await,
        api.get("/api/v1/users?after=nothing").await,
        api.get("/api/v1/users?search=bad").await,
        api.post("/api/v1/users", json!({ "profile": { "login": "x" } }))
            .await,
        api.post(
            "/api/v1/users/00u1a2b3c4d5e6f7g8h9/lifecycle/reactivate",
            json!({}),
        )
        .await,
        api.put(
            "/api/v1/groups/00gdemoeveryone00001/users/00u1a2b3c4d5e6f7g8h9",
            None,
        )
        .await,
        api.send(Method::PATCH, "/api/v1/users", None).await,
        api.get("/api/v1/nothing").await,
        api.send_with(Method::GET, "/api/v1/users", None, None)
            .await,
    ];
    for answer in &errors {
        assert!(answer.status >= 400, "{}", answer.text);
        problems.extend(schemas.check_one(
            &format!("error {}", answer.status),
            "Error",
            &answer.body,
        ));
        for key in [
            "errorCode",
            "errorSummary",
            "errorLink",
            "errorId",
            "errorCauses",
        ] {
            assert!(answer.body.get(key).is_some(), "{key} in {}", answer.text);
        }
    }

    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test]
async fn rate_limit_body_matches_the_spec() {
    let schemas = Schemas::new();
    let server = MockServer::start(MockOptions {
        rate_limits: Some(RateLimits {
            limit: 1,
            ..RateLimits::default()
        }),
        ..MockOptions::default()
    })
    .await
    .unwrap();
    let api = Api::new(&server);
    api.get("/api/v1/groups").await;
    let limited = api.get("/api/v1/groups").await;
    expect_status(&limited, 429, "rate limit");
    let problems = schemas.check_one("429", "Error", &limited.body);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Validates every recorded body that has a schema; returns the number
/// checked and the violations.
fn check_recordings(schemas: &Schemas) -> (usize, Vec<String>) {
    let recorded = shared_dir().join("recorded");
    let mut problems = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&recorded).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let recording: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let body = &recording["response"]["body"];
        let schema = if name.starts_with("error-") {
            "Error"
        } else if name.starts_with("user-deactivate") || name.starts_with("group-add") {
            // Empty bodies: nothing to validate.
            continue;
        } else if name.starts_with("user") {
            "User"
        } else if name.starts_with("group") {
            "Group"
        } else {
            "Application"
        };
        problems.extend(match body {
            Value::Array(_) => schemas.check_list(&name, schema, body),
            _ => schemas.check_one(&name, schema, body),
        });
        if schema == "Application" {
            // `Application` leaves `settings` to the per-signOnMode schemas,
            // which real built-in apps do not all fit; every one of them
            // extends `ApplicationSettings`.
            for app in body.as_array().into_iter().flatten() {
                problems.extend(schemas.check_one(&name, "ApplicationSettings", &app["settings"]));
            }
        }
        checked += 1;
    }
    (checked, problems)
}

#[test]
fn recorded_bodies_match_the_spec() {
    let (checked, problems) = check_recordings(&Schemas::new());
    assert!(checked >= 20, "only {checked} recordings checked");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each opened gap must be needed by at least one real recorded response.
#[test]
fn every_spec_gap_is_needed() {
    for skipped in SPEC_GAPS {
        let gaps: Vec<(&str, &str)> = SPEC_GAPS
            .iter()
            .copied()
            .filter(|gap| gap != skipped)
            .collect();
        let (_, problems) = check_recordings(&Schemas::with_gaps(&gaps));
        assert!(
            !problems.is_empty(),
            "{skipped:?} is not needed by any recording"
        );
    }
}

/// Guards against a converted schema that accepts anything.
#[test]
fn validator_rejects_wrong_shapes() {
    let schemas = Schemas::new();
    assert!(
        !schemas
            .check_one("user", "User", &json!({ "status": "NOPE" }))
            .is_empty()
    );
    assert!(
        !schemas
            .check_one("user", "User", &json!({ "profile": { "email": 5 } }))
            .is_empty()
    );
    assert!(
        !schemas
            .check_one("group", "Group", &json!({ "type": "SOMETHING" }))
            .is_empty()
    );
    assert!(
        schemas
            .check_one("user", "User", &json!({ "activated": null }))
            .is_empty()
    );
}
