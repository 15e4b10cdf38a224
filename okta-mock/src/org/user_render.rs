//! Rendering users in Okta's JSON shape, with the links each status offers,
//! and reading user attributes for `search` and `filter`.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use super::{OrgState, UserRecord, UserStatus};
use crate::time::format_iso;

impl OrgState {
    /// Renders a user. `detail` gives the single-user form with every
    /// lifecycle link; lists carry only `self`.
    pub fn render_user(&self, user: &UserRecord, detail: bool) -> Value {
        let base = &self.base_url;
        let type_id = user.type_id.as_deref().unwrap_or(&self.user_type_id);
        let mut object = Map::new();

        object.insert("id".into(), json!(user.id));
        object.insert("status".into(), json!(user.status.as_str()));
        object.insert("created".into(), json!(format_iso(user.created)));
        object.insert("activated".into(), optional_time(user.activated));
        object.insert("statusChanged".into(), optional_time(user.status_changed));
        object.insert("lastLogin".into(), optional_time(user.last_login));
        object.insert("lastUpdated".into(), json!(format_iso(user.last_updated)));
        object.insert(
            "passwordChanged".into(),
            optional_time(user.password_changed),
        );
        if let Some(realm_id) = &user.realm_id {
            object.insert("realmId".into(), json!(realm_id));
        }
        object.insert("type".into(), json!({ "id": type_id }));
        object.insert(
            "profile".into(),
            Value::Object(render_profile(&user.profile.to_map())),
        );
        object.insert("credentials".into(), render_credentials(user));

        let links = if detail {
            self.user_links(user, type_id)
        } else {
            json!({ "self": { "href": format!("{base}/api/v1/users/{}", user.id) } })
        };
        object.insert("_links".into(), links);
        Value::Object(object)
    }

    fn user_links(&self, user: &UserRecord, type_id: &str) -> Value {
        let base = &self.base_url;
        let user_url = format!("{base}/api/v1/users/{}", user.id);
        let post = |path: &str| json!({ "href": format!("{user_url}/{path}"), "method": "POST" });
        let mut links = Map::new();
        let active_like = matches!(
            user.status,
            UserStatus::Active | UserStatus::PasswordExpired | UserStatus::Recovery
        );
        if user.status == UserStatus::Active {
            links.insert("suspend".into(), post("lifecycle/suspend"));
        }
        links.insert(
            "schema".into(),
            json!({ "href": format!("{base}/api/v1/meta/schemas/user/{}", self.user_schema_id) }),
        );

        match user.status {
            UserStatus::Staged | UserStatus::Deprovisioned => {
                links.insert("activate".into(), post("lifecycle/activate"));
            }
            UserStatus::Provisioned => {
                links.insert("reactivate".into(), post("lifecycle/reactivate"));
            }
            UserStatus::Suspended => {
                links.insert("unsuspend".into(), post("lifecycle/unsuspend"));
            }
            UserStatus::LockedOut => {
                links.insert("unlock".into(), post("lifecycle/unlock"));
            }
            _ => {}
        }

        if active_like || user.status == UserStatus::Provisioned {
            links.insert("resetPassword".into(), post("lifecycle/reset_password"));
        }
        if active_like && user.has_password {
            links.insert("forgotPassword".into(), post("credentials/forgot_password"));
            links.insert("expirePassword".into(), post("lifecycle/expire_password"));
            links.insert(
                "changeRecoveryQuestion".into(),
                post("credentials/change_recovery_question"),
            );
        }

        links.insert("self".into(), json!({ "href": user_url }));
        if user.status != UserStatus::Deprovisioned && (user.has_password || active_like) {
            links.insert("resetFactors".into(), post("lifecycle/reset_factors"));
        }
        links.insert(
            "type".into(),
            json!({ "href": format!("{base}/api/v1/meta/types/user/{type_id}") }),
        );
        if active_like && user.has_password {
            links.insert("changePassword".into(), post("credentials/change_password"));
        }
        if user.status != UserStatus::Staged && user.status != UserStatus::Deprovisioned {
            links.insert("deactivate".into(), post("lifecycle/deactivate"));
        }
        Value::Object(links)
    }

    /// Returns a weak entity tag that changes whenever the rendered user does.
    pub fn user_etag(&self, user: &UserRecord) -> String {
        let rendered = self.render_user(user, false).to_string();
        let mut digest = String::new();
        for round in 0u8..4 {
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            round.hash(&mut hasher);
            rendered.hash(&mut hasher);
            digest.push_str(&format!("{:016x}", hasher.finish()));
        }
        format!("W/\"{digest}\"")
    }

    /// Returns the value of a user attribute path such as `status` or
    /// `profile.lastName`, for `search` and `filter`.
    pub fn user_attribute(&self, user: &UserRecord, path: &str) -> Option<Value> {
        match path {
            "id" => Some(json!(user.id)),
            "status" => Some(json!(user.status.as_str())),
            "created" => Some(json!(format_iso(user.created))),
            "activated" => Some(optional_time(user.activated)),
            "statusChanged" => Some(optional_time(user.status_changed)),
            "lastLogin" => Some(optional_time(user.last_login)),
            "lastUpdated" => Some(json!(format_iso(user.last_updated))),
            "passwordChanged" => Some(optional_time(user.password_changed)),
            "type.id" => Some(json!(user.type_id.as_deref().unwrap_or(&self.user_type_id))),
            "realmId" => user.realm_id.as_ref().map(|realm| json!(realm)),
            _ => {
                let name = path.strip_prefix("profile.")?;
                user.profile.get(name)
            }
        }
    }
}

fn optional_time(millis: Option<i64>) -> Value {
    millis
        .map(|millis| json!(format_iso(millis)))
        .unwrap_or(Value::Null)
}

/// Orders profile keys the way Okta returns them: names first, the two
/// always-present phone and email keys, then `login` and `email` last.
/// Okta leaves out other properties whose value is null.
fn render_profile(profile: &Map<String, Value>) -> Map<String, Value> {
    const LEADING: [&str; 2] = ["firstName", "lastName"];
    const TRAILING: [&str; 3] = ["secondEmail", "login", "email"];
    let mut rendered = Map::new();
    for key in LEADING {
        if let Some(value) = profile.get(key).filter(|value| !value.is_null()) {
            rendered.insert(key.to_string(), value.clone());
        }
    }
    rendered.insert(
        "mobilePhone".to_string(),
        profile.get("mobilePhone").cloned().unwrap_or(Value::Null),
    );
    for (key, value) in profile {
        let placed = LEADING.contains(&key.as_str())
            || TRAILING.contains(&key.as_str())
            || key == "mobilePhone";
        if !placed && !value.is_null() {
            rendered.insert(key.clone(), value.clone());
        }
    }
    rendered.insert(
        "secondEmail".to_string(),
        profile.get("secondEmail").cloned().unwrap_or(Value::Null),
    );
    for key in ["login", "email"] {
        if let Some(value) = profile.get(key).filter(|value| !value.is_null()) {
            rendered.insert(key.to_string(), value.clone());
        }
    }
    rendered
}

fn render_credentials(user: &UserRecord) -> Value {
    let mut credentials = Map::new();
    if user.has_password {
        credentials.insert("password".into(), json!({}));
        if let Some(Value::String(email)) = user.profile.get("email") {
            credentials.insert(
                "emails".into(),
                json!([{ "value": email, "status": "VERIFIED", "type": "PRIMARY" }]),
            );
        }
    }
    if let Some(question) = &user.recovery_question {
        credentials.insert("recovery_question".into(), json!({ "question": question }));
    }
    let (kind, name) = user
        .provider
        .clone()
        .unwrap_or_else(|| ("OKTA".to_string(), "OKTA".to_string()));
    credentials.insert("provider".into(), json!({ "type": kind, "name": name }));
    Value::Object(credentials)
}
