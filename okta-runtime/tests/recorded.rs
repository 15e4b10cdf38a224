//! Every recorded real Okta response deserializes into the client's result
//! types and serializes back with no field lost.

use std::path::PathBuf;

use okta_runtime::ApiError;
use okta_runtime::types::{Application, Group, GroupType, User, UserStatus};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn recorded_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/okta-reference/recorded")
}

fn load(name: &str) -> Value {
    let path = recorded_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let recorded: Value = serde_json::from_str(&text).expect("recorded file is JSON");
    recorded["response"]["body"].clone()
}

fn round_trip<T: DeserializeOwned + Serialize>(name: &str, body: &Value) -> T {
    let typed: T =
        serde_json::from_value(body.clone()).unwrap_or_else(|error| panic!("{name}: {error}"));
    let back = serde_json::to_value(&typed).expect("serializes");
    assert_eq!(&back, body, "{name}: round trip changed the body");
    typed
}

#[test]
fn every_recorded_response_round_trips() {
    let mut checked = 0;
    for entry in std::fs::read_dir(recorded_dir()).expect("recorded folder exists") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .to_string();
        let body = load(&name);
        if body.is_null() {
            continue;
        }
        match name.split('-').next().unwrap_or_default() {
            "users" => drop(round_trip::<Vec<User>>(&name, &body)),
            "user" => drop(round_trip::<User>(&name, &body)),
            "groups" => drop(round_trip::<Vec<Group>>(&name, &body)),
            "group" => drop(round_trip::<Group>(&name, &body)),
            "apps" => drop(round_trip::<Vec<Application>>(&name, &body)),
            "error" => {
                let error =
                    ApiError::from_response(400, body.to_string().as_bytes(), String::new());
                assert_eq!(
                    error.error_code.as_deref(),
                    body["errorCode"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    error.error_summary.as_deref(),
                    body["errorSummary"].as_str(),
                    "{name}"
                );
                let causes = body["errorCauses"].as_array().map(Vec::len).unwrap_or(0);
                assert_eq!(error.error_causes.len(), causes, "{name}");
            }
            other => panic!("{name}: no result type for files named {other}-*"),
        }
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} recorded responses checked");
}

#[test]
fn user_fields_are_typed() {
    let user: User = serde_json::from_value(load("user-get.json")).unwrap();
    assert_eq!(user.id.as_deref(), Some("00uqrksfgwZD9E3uK5d7"));
    assert!(user.status.is_some());
    assert!(!matches!(user.status, Some(UserStatus::Unknown(_))));
    let profile = user.profile.expect("profile");
    assert!(profile.login.is_some());
}

#[test]
fn unknown_enum_value_is_kept() {
    let mut body = load("group-get.json");
    body["type"] = Value::from("FUTURE_KIND");
    let group: Group = round_trip("group-get.json (changed)", &body);
    assert_eq!(
        group.r#type,
        Some(GroupType::Unknown("FUTURE_KIND".to_string()))
    );
}

#[test]
fn custom_profile_attributes_survive() {
    let mut body = load("user-get.json");
    body["profile"]["costCenterCode"] = Value::from("CC-7");
    body["profile"]["badgeIds"] = serde_json::json!(["B-1", "B-2"]);
    body["profile"]["startYear"] = Value::from(2021);
    let user: User = round_trip("user-get.json (custom)", &body);
    let profile = user.profile.unwrap();
    assert_eq!(profile.extra["costCenterCode"], "CC-7");
    assert_eq!(profile.extra["startYear"], 2021);
}
