//! Applications, their assignments and the app links users see.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use super::OrgState;
use crate::time::{format_iso, now_millis};

const DEFAULT_LOGO: &str =
    "https://ok12static.oktacdn.com/assets/img/logos/default.6770228fb0dab49a1695ef440a5279bb.png";

/// One stored application: its Okta JSON without `id` and `_links`, which
/// are rendered, plus its assignments.
#[derive(Debug, Clone)]
pub(crate) struct AppRecord {
    pub id: String,
    pub body: Map<String, Value>,
    pub users: BTreeSet<u64>,
    pub groups: BTreeSet<u64>,
}

impl AppRecord {
    pub fn is_active(&self) -> bool {
        self.body.get("status").and_then(Value::as_str) == Some("ACTIVE")
    }

    fn name(&self) -> &str {
        self.body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("app")
    }

    fn label(&self) -> &str {
        self.body
            .get("label")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// Returns the names of the dashboard links the app shows.
    fn link_names(&self) -> Vec<String> {
        self.body
            .get("visibility")
            .and_then(|visibility| visibility.get("appLinks"))
            .and_then(Value::as_object)
            .map(|links| {
                links
                    .iter()
                    .filter(|(_, shown)| shown.as_bool() == Some(true))
                    .map(|(name, _)| name.clone())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl OrgState {
    /// Stores an app given as Okta-shaped JSON by a test or a seed file,
    /// filling the keys Okta always returns.
    pub fn insert_app_value(&mut self, app: Value) -> Result<String, String> {
        let Value::Object(mut object) = app else {
            return Err("the app must be a JSON object".to_string());
        };
        let Some(label) = object
            .get("label")
            .and_then(Value::as_str)
            .map(str::to_string)
        else {
            return Err("the app needs a label".to_string());
        };
        let id = match object.remove("id") {
            Some(Value::String(id)) => id,
            _ => self.new_id("0oa"),
        };
        if self.app_seqs.contains_key(&id) {
            return Err(format!("app id {id} is taken"));
        }
        object.remove("_links");

        let name = object
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                label
                    .to_lowercase()
                    .chars()
                    .map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' })
                    .collect()
            });
        let now = format_iso(now_millis());
        let kid = self.random_token(43);
        let orn = format!("orn:okta:idp:{}:apps:{name}:{id}", self.org_id);
        let defaults = json!({
            "orn": orn,
            "name": name,
            "label": label,
            "status": "ACTIVE",
            "lastUpdated": now,
            "created": now,
            "accessibility": { "selfService": false, "errorRedirectUrl": null, "loginRedirectUrl": null },
            "visibility": {
                "autoSubmitToolbar": false,
                "hide": { "iOS": false, "web": false },
                "appLinks": { format!("{name}_link"): true }
            },
            "features": [],
            "signOnMode": "BOOKMARK",
            "credentials": {
                "userNameTemplate": { "template": "${source.login}", "type": "BUILT_IN" },
                "signing": { "kid": kid }
            },
            "universalLogout": null,
            "settings": {
                "app": {},
                "notifications": {
                    "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null }
                },
                "manualProvisioning": false,
                "implicitAssignment": false
            }
        });

        let mut body = Map::new();
        if let Value::Object(defaults) = defaults {
            for (key, value) in defaults {
                let value = object.remove(&key).unwrap_or(value);
                body.insert(key, value);
            }
        }
        body.extend(object);

        let seq = self.next_seq();
        self.app_seqs.insert(id.clone(), seq);
        self.apps.insert(
            seq,
            AppRecord {
                id: id.clone(),
                body,
                users: BTreeSet::new(),
                groups: BTreeSet::new(),
            },
        );
        Ok(id)
    }

    /// Assigns an app to a user or a group.
    pub fn assign_app(&mut self, app_id: &str, principal_id: &str) -> Result<(), String> {
        let app_seq = *self
            .app_seqs
            .get(app_id)
            .ok_or(format!("no app {app_id}"))?;
        if let Some(group_seq) = self.group_seq(principal_id) {
            if let Some(app) = self.apps.get_mut(&app_seq) {
                app.groups.insert(group_seq);
            }
            return Ok(());
        }
        let user_seq = self
            .find_user_seq(principal_id)
            .ok_or(format!("no user or group {principal_id}"))?;
        if let Some(app) = self.apps.get_mut(&app_seq) {
            app.users.insert(user_seq);
        }
        Ok(())
    }

    /// Returns whether a user is assigned an app directly or through a group.
    fn app_assigned_to(&self, app: &AppRecord, user_seq: u64) -> bool {
        if app.users.contains(&user_seq) {
            return true;
        }
        let group_seqs = self.user_group_seqs(user_seq);
        group_seqs
            .iter()
            .any(|group_seq| app.groups.contains(group_seq))
    }

    /// Renders `GET /api/v1/users/{id}/appLinks`: one link per dashboard
    /// link of every active app assigned to the user.
    pub fn render_app_links(&self, user_seq: u64) -> Value {
        let Some(user) = self.users.get(&user_seq) else {
            return json!([]);
        };
        let mut links = Vec::new();
        for app in self.apps.values() {
            if !app.is_active() || !self.app_assigned_to(app, user_seq) {
                continue;
            }
            let assignment_id = derived_id("0ua", &[&app.id, &user.id]);
            for (index, link_name) in app.link_names().iter().enumerate() {
                let link_id = derived_id("00u", &[&app.id, &user.id, link_name]);
                links.push(json!({
                    "id": link_id,
                    "label": app.label(),
                    "linkUrl": format!("{}/home/{}/{}/{}", self.base_url, app.name(), app.id, link_name),
                    "logoUrl": DEFAULT_LOGO,
                    "appName": app.name(),
                    "appInstanceId": app.id,
                    "appAssignmentId": assignment_id,
                    "credentialsSetup": false,
                    "hidden": false,
                    "sortOrder": index
                }));
            }
        }
        Value::Array(links)
    }

    pub fn render_app(&self, app: &AppRecord) -> Value {
        let base = &self.base_url;
        let app_url = format!("{base}/api/v1/apps/{}", app.id);
        let mut object = Map::new();
        object.insert("id".into(), json!(app.id));
        for (key, value) in &app.body {
            object.insert(key.clone(), value.clone());
        }
        let app_links: Vec<Value> = app
            .link_names()
            .iter()
            .map(|link_name| {
                json!({
                    "name": link_name,
                    "href": format!("{base}/home/{}/{}/{}", app.name(), app.id, link_name),
                    "type": "text/html"
                })
            })
            .collect();

        let mut links = Map::new();
        links.insert(
            "uploadLogo".into(),
            json!({ "href": format!("{app_url}/logo"), "hints": { "allow": ["POST"] } }),
        );
        links.insert("appLinks".into(), Value::Array(app_links));
        links.insert(
            "profileEnrollment".into(),
            json!({ "href": format!("{base}/api/v1/policies/{}", self.enrollment_policy_id) }),
        );
        links.insert(
            "policies".into(),
            json!({ "href": format!("{app_url}/policies"), "hints": { "allow": ["PUT"] } }),
        );
        links.insert(
            "groups".into(),
            json!({ "href": format!("{app_url}/groups") }),
        );
        links.insert(
            "logo".into(),
            json!([{ "name": "medium", "href": DEFAULT_LOGO, "type": "image/png" }]),
        );
        links.insert(
            "accessPolicy".into(),
            json!({ "href": format!("{base}/api/v1/policies/{}", self.access_policy_id) }),
        );
        links.insert(
            "users".into(),
            json!({ "href": format!("{app_url}/users") }),
        );
        let lifecycle = if app.is_active() {
            "deactivate"
        } else {
            "activate"
        };
        links.insert(
            lifecycle.into(),
            json!({ "href": format!("{app_url}/lifecycle/{lifecycle}") }),
        );
        object.insert("_links".into(), Value::Object(links));
        Value::Object(object)
    }

    /// Returns the value of an app attribute path, for `filter`. `user.id`
    /// and `group.id` return the assigned ids, so `eq` matches any of them.
    pub fn app_attribute(&self, app: &AppRecord, path: &str) -> Option<Value> {
        match path {
            "id" => Some(json!(app.id)),
            "user.id" => {
                let ids: Vec<Value> = self
                    .users
                    .values()
                    .filter(|user| self.app_assigned_to(app, user.seq))
                    .map(|user| json!(user.id))
                    .collect();
                Some(Value::Array(ids))
            }
            "group.id" => {
                let ids: Vec<Value> = app
                    .groups
                    .iter()
                    .filter_map(|seq| self.groups.get(seq))
                    .map(|group| json!(group.id))
                    .collect();
                Some(Value::Array(ids))
            }
            _ => {
                let mut current = app.body.get(path.split('.').next()?)?;
                for part in path.split('.').skip(1) {
                    current = current.get(part)?;
                }
                Some(current.clone())
            }
        }
    }
}

/// Derives a stable Okta-style id from other ids, so repeated reads agree.
fn derived_id(prefix: &str, parts: &[&str]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    parts.hash(&mut hasher);
    let mut value = hasher.finish();
    let mut id = String::from(prefix);
    while id.len() < 20 {
        id.push(ALPHABET[(value % ALPHABET.len() as u64) as usize] as char);
        value = (value / ALPHABET.len() as u64)
            .wrapping_add(0x9e37_79b9_7f4a_7c15_u64.wrapping_mul(id.len() as u64));
    }
    id
}
