//! Groups, their types and memberships.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::OrgState;
use crate::time::{format_iso, now_millis, parse_iso};

/// Okta's group types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupType {
    OktaGroup,
    AppGroup,
    BuiltIn,
}

impl GroupType {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupType::OktaGroup => "OKTA_GROUP",
            GroupType::AppGroup => "APP_GROUP",
            GroupType::BuiltIn => "BUILT_IN",
        }
    }

    pub fn parse(text: &str) -> Option<GroupType> {
        match text {
            "OKTA_GROUP" => Some(GroupType::OktaGroup),
            "APP_GROUP" => Some(GroupType::AppGroup),
            "BUILT_IN" => Some(GroupType::BuiltIn),
            _ => None,
        }
    }

    /// Only `OKTA_GROUP` memberships can change through the API: the source
    /// app manages `APP_GROUP` members and Okta manages `BUILT_IN` ones.
    pub fn memberships_editable(self) -> bool {
        self == GroupType::OktaGroup
    }
}

const LOGO_MEDIUM: &str = "https://ok11static.oktacdn.com/assets/img/logos/groups/okta-medium.d7fb831bc4e7e1a5d8bd35dfaf405d9e.png";
const LOGO_LARGE: &str = "https://ok11static.oktacdn.com/assets/img/logos/groups/okta-large.511fcb0de9da185b52589cb14d581c2c.png";

/// One stored group.
#[derive(Debug, Clone)]
pub(crate) struct GroupRecord {
    pub id: String,
    pub seq: u64,
    pub kind: GroupType,
    pub created: i64,
    pub last_updated: i64,
    pub last_membership_updated: i64,
    pub object_class: Vec<String>,
    pub profile: Map<String, Value>,
    /// The app that imports an `APP_GROUP`.
    pub source_app: Option<String>,
    /// Every user is a member, like Okta's `Everyone` group.
    pub all_users: bool,
    pub members: BTreeSet<u64>,
}

impl OrgState {
    pub fn group_seq(&self, group_id: &str) -> Option<u64> {
        let seq = self.group_seqs.get(group_id)?;
        self.groups.contains_key(seq).then_some(*seq)
    }

    /// Stores a group given as Okta-shaped JSON by a test or a seed file.
    pub fn insert_group_value(&mut self, group: Value) -> Result<String, String> {
        let Value::Object(object) = group else {
            return Err("the group must be a JSON object".to_string());
        };
        let profile = match object.get("profile") {
            Some(Value::Object(profile)) if profile.get("name").is_some_and(Value::is_string) => {
                profile.clone()
            }
            _ => return Err("the group needs profile.name".to_string()),
        };
        let kind = match object.get("type").and_then(Value::as_str) {
            Some(text) => GroupType::parse(text).ok_or(format!("unknown group type {text}"))?,
            None => GroupType::OktaGroup,
        };
        let id = match object.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => self.new_id("00g"),
        };
        if self.group_seqs.contains_key(&id) {
            return Err(format!("group id {id} is taken"));
        }

        let now = now_millis();
        let time = |key: &str| object.get(key).and_then(Value::as_str).and_then(parse_iso);
        let created = time("created").unwrap_or(now);
        let object_class = match object.get("objectClass").and_then(Value::as_array) {
            Some(classes) => classes
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            None if kind == GroupType::AppGroup => {
                vec!["okta:windows_security_principal".to_string()]
            }
            None => vec!["okta:user_group".to_string()],
        };
        let all_users = object.get("allUsers").and_then(Value::as_bool).unwrap_or(
            kind == GroupType::BuiltIn && profile.get("name") == Some(&json!("Everyone")),
        );

        let seq = self.next_seq();
        let record = GroupRecord {
            id: id.clone(),
            seq,
            kind,
            created,
            last_updated: time("lastUpdated").unwrap_or(created),
            last_membership_updated: time("lastMembershipUpdated").unwrap_or(created),
            object_class,
            profile,
            source_app: object
                .get("sourceAppId")
                .and_then(Value::as_str)
                .map(str::to_string),
            all_users,
            members: BTreeSet::new(),
        };
        self.group_seqs.insert(id.clone(), seq);
        self.groups.insert(seq, record);
        Ok(id)
    }

    /// Adds a membership; returns whether it is new.
    pub fn add_membership(&mut self, group_seq: u64, user_seq: u64) -> bool {
        let Some(group) = self.groups.get_mut(&group_seq) else {
            return false;
        };
        let added = group.members.insert(user_seq);
        if added {
            group.last_membership_updated = now_millis();
        }
        if let Some(user) = self.users.get_mut(&user_seq) {
            user.groups.insert(group_seq);
        }
        added
    }

    /// Removes a membership; returns whether it existed.
    pub fn remove_membership(&mut self, group_seq: u64, user_seq: u64) -> bool {
        let Some(group) = self.groups.get_mut(&group_seq) else {
            return false;
        };
        let removed = group.members.remove(&user_seq);
        if removed {
            group.last_membership_updated = now_millis();
        }
        if let Some(user) = self.users.get_mut(&user_seq) {
            user.groups.remove(&group_seq);
        }
        removed
    }

    /// Returns the user seqs of a group's members, in user order.
    pub fn member_seqs(&self, group_seq: u64) -> Vec<u64> {
        match self.groups.get(&group_seq) {
            Some(group) if group.all_users => self.users.keys().copied().collect(),
            Some(group) => group.members.iter().copied().collect(),
            None => Vec::new(),
        }
    }

    pub fn member_count(&self, group: &GroupRecord) -> usize {
        if group.all_users {
            self.users.len()
        } else {
            group.members.len()
        }
    }

    /// Renders a group; `with_stats` adds `_embedded.stats` for `expand=stats`.
    pub fn render_group(&self, group: &GroupRecord, with_stats: bool) -> Value {
        let base = &self.base_url;
        let group_url = format!("{base}/api/v1/groups/{}", group.id);
        let mut links = Map::new();
        links.insert(
            "logo".into(),
            json!([
                { "name": "medium", "href": LOGO_MEDIUM, "type": "image/png" },
                { "name": "large", "href": LOGO_LARGE, "type": "image/png" }
            ]),
        );
        if let Some(app_id) = &group.source_app {
            links.insert(
                "source".into(),
                json!({ "href": format!("{base}/api/v1/apps/{app_id}") }),
            );
        }
        links.insert(
            "users".into(),
            json!({ "href": format!("{group_url}/users") }),
        );
        links.insert(
            "apps".into(),
            json!({ "href": format!("{group_url}/apps") }),
        );

        let mut object = Map::new();
        object.insert("id".into(), json!(group.id));
        object.insert("created".into(), json!(format_iso(group.created)));
        object.insert("lastUpdated".into(), json!(format_iso(group.last_updated)));
        object.insert(
            "lastMembershipUpdated".into(),
            json!(format_iso(group.last_membership_updated)),
        );
        object.insert("objectClass".into(), json!(group.object_class));
        object.insert("type".into(), json!(group.kind.as_str()));
        let mut profile = group.profile.clone();
        if !profile.contains_key("description") {
            profile.insert("description".into(), Value::Null);
        }
        object.insert("profile".into(), Value::Object(profile));
        if with_stats {
            let apps_count = self
                .apps
                .values()
                .filter(|app| app.groups.contains(&group.seq))
                .count();
            object.insert(
                "_embedded".into(),
                json!({ "stats": {
                    "usersCount": self.member_count(group),
                    "appsCount": apps_count,
                    "groupPushMappingsCount": 0,
                    "hasAdminPrivilege": false
                } }),
            );
        }
        object.insert("_links".into(), Value::Object(links));
        Value::Object(object)
    }

    /// Returns the value of a group attribute path, for `search` and `filter`.
    pub fn group_attribute(&self, group: &GroupRecord, path: &str) -> Option<Value> {
        match path {
            "id" => Some(json!(group.id)),
            "type" => Some(json!(group.kind.as_str())),
            "created" => Some(json!(format_iso(group.created))),
            "lastUpdated" => Some(json!(format_iso(group.last_updated))),
            "lastMembershipUpdated" => Some(json!(format_iso(group.last_membership_updated))),
            "source.id" => group.source_app.as_ref().map(|id| json!(id)),
            _ => {
                let name = path.strip_prefix("profile.")?;
                group.profile.get(name).cloned()
            }
        }
    }
}
