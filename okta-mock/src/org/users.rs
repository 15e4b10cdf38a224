//! Users: records, rendering in Okta's shape, writes and lifecycle.

use std::hash::{Hash, Hasher};

use serde_json::{Map, Value, json};

use super::profile::{Profile, SeqSet};
use super::{OrgState, PropertyType};
use crate::error::ApiError;
use crate::time::{format_iso, now_millis, parse_iso};

/// Okta's user statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UserStatus {
    Staged,
    Provisioned,
    Active,
    Recovery,
    PasswordExpired,
    LockedOut,
    Suspended,
    Deprovisioned,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            UserStatus::Staged => "STAGED",
            UserStatus::Provisioned => "PROVISIONED",
            UserStatus::Active => "ACTIVE",
            UserStatus::Recovery => "RECOVERY",
            UserStatus::PasswordExpired => "PASSWORD_EXPIRED",
            UserStatus::LockedOut => "LOCKED_OUT",
            UserStatus::Suspended => "SUSPENDED",
            UserStatus::Deprovisioned => "DEPROVISIONED",
        }
    }

    pub fn parse(text: &str) -> Option<UserStatus> {
        let status = match text {
            "STAGED" => UserStatus::Staged,
            "PROVISIONED" => UserStatus::Provisioned,
            "ACTIVE" => UserStatus::Active,
            "RECOVERY" => UserStatus::Recovery,
            "PASSWORD_EXPIRED" => UserStatus::PasswordExpired,
            "LOCKED_OUT" => UserStatus::LockedOut,
            "SUSPENDED" => UserStatus::Suspended,
            "DEPROVISIONED" => UserStatus::Deprovisioned,
            _ => return None,
        };
        Some(status)
    }
}

/// A lifecycle operation under `POST /api/v1/users/{id}/lifecycle/{operation}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lifecycle {
    Activate,
    Reactivate,
    Deactivate,
    Suspend,
    Unsuspend,
    Unlock,
    ExpirePassword,
}

impl Lifecycle {
    pub fn parse(text: &str) -> Option<Lifecycle> {
        let operation = match text {
            "activate" => Lifecycle::Activate,
            "reactivate" => Lifecycle::Reactivate,
            "deactivate" => Lifecycle::Deactivate,
            "suspend" => Lifecycle::Suspend,
            "unsuspend" => Lifecycle::Unsuspend,
            "unlock" => Lifecycle::Unlock,
            "expire_password" => Lifecycle::ExpirePassword,
            _ => return None,
        };
        Some(operation)
    }
}

/// One stored user. Timestamps are milliseconds since the epoch.
#[derive(Debug, Clone)]
pub(crate) struct UserRecord {
    pub id: String,
    pub seq: u64,
    pub status: UserStatus,
    pub created: i64,
    pub activated: Option<i64>,
    pub status_changed: Option<i64>,
    pub last_login: Option<i64>,
    pub last_updated: i64,
    pub password_changed: Option<i64>,
    pub has_password: bool,
    pub recovery_question: Option<String>,
    /// Authentication provider `(type, name)`; `None` is Okta's own.
    pub provider: Option<(String, String)>,
    pub type_id: Option<String>,
    pub realm_id: Option<String>,
    pub profile: Profile,
    pub groups: SeqSet,
}

impl UserRecord {
    pub fn set_status(&mut self, status: UserStatus, now: i64) {
        if status == UserStatus::Active && self.activated.is_none() {
            self.activated = Some(now);
        }
        self.status = status;
        self.status_changed = Some(now);
        self.last_updated = now;
    }

    fn login(&self) -> String {
        self.profile.login()
    }
}

/// The parts of a create or update body that the fake org stores.
struct Credentials {
    password: Option<String>,
    recovery_question: Option<String>,
    provider: Option<(String, String)>,
}

fn parse_credentials(body: &Map<String, Value>, object: &str) -> Result<Credentials, ApiError> {
    let mut credentials = Credentials {
        password: None,
        recovery_question: None,
        provider: None,
    };
    let Some(value) = body.get("credentials") else {
        return Ok(credentials);
    };
    let Some(section) = value.as_object() else {
        return Err(ApiError::validation(
            object,
            vec!["credentials: Property value has an invalid type".to_string()],
        ));
    };
    if let Some(password) = section.get("password").and_then(Value::as_object) {
        match password.get("value") {
            Some(Value::String(text)) => credentials.password = Some(text.clone()),
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(ApiError::validation(
                    object,
                    vec!["password: Property value has an invalid type".to_string()],
                ));
            }
        }
        if password.contains_key("hash") || password.contains_key("hook") {
            credentials.password = Some(String::new());
        }
    }
    if let Some(question) = section.get("recovery_question").and_then(Value::as_object) {
        credentials.recovery_question = question
            .get("question")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    if let Some(provider) = section.get("provider").and_then(Value::as_object) {
        let kind = provider
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("OKTA");
        let name = provider.get("name").and_then(Value::as_str).unwrap_or(kind);
        if kind != "OKTA" {
            credentials.provider = Some((kind.to_string(), name.to_string()));
        }
    }
    Ok(credentials)
}

/// Checks a new password against the fake org's password policy: at least
/// 8 characters, and not the user's login.
fn check_password(password: &str, login: &str) -> Result<(), ApiError> {
    // Imported hashes and hooks arrive as an empty marker and are not checked.
    if password.is_empty() {
        return Ok(());
    }
    if password.chars().count() < 8 || password.eq_ignore_ascii_case(login) {
        return Err(ApiError::validation(
            "password",
            vec!["password: Password requirements were not met. Password requirements: at least 8 characters. Your password cannot be any of your last 4 passwords.".to_string()],
        ));
    }
    Ok(())
}

fn body_object<'a>(body: &'a Value, object: &str) -> Result<&'a Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| {
        ApiError::validation(
            object,
            vec!["The request body must be a JSON object".to_string()],
        )
    })
}

fn profile_of<'a>(
    body: &'a Map<String, Value>,
    object: &str,
) -> Result<Option<&'a Map<String, Value>>, ApiError> {
    match body.get("profile") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(profile)) => Ok(Some(profile)),
        Some(_) => Err(ApiError::validation(
            object,
            vec!["profile: Property value has an invalid type".to_string()],
        )),
    }
}

impl OrgState {
    /// Finds a user by id, by login (case-insensitive) or by an unambiguous
    /// login short name (the part before `@`).
    pub fn find_user_seq(&self, id_or_login: &str) -> Option<u64> {
        if let Some(seq) = self.user_seqs.get(id_or_login)
            && self.users.contains_key(seq)
        {
            return Some(*seq);
        }
        if let Some(seq) = self.logins.get(&id_or_login.to_lowercase()) {
            return Some(*seq);
        }
        if id_or_login.contains('@') || id_or_login.is_empty() {
            return None;
        }
        let prefix = format!("{}@", id_or_login.to_lowercase());
        let mut matches = self
            .logins
            .iter()
            .filter(|(login, _)| login.starts_with(&prefix))
            .map(|(_, seq)| *seq);
        let first = matches.next()?;
        match matches.next() {
            Some(_) => None,
            None => Some(first),
        }
    }

    /// Stores a user given as Okta-shaped JSON by a test or a seed file.
    pub fn insert_user_value(&mut self, user: Value) -> Result<String, String> {
        let Value::Object(mut object) = user else {
            return Err("the user must be a JSON object".to_string());
        };
        let Some(Value::Object(profile)) = object.remove("profile") else {
            return Err("the user needs a profile object".to_string());
        };
        let id = match object.get("id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => self.new_id("00u"),
        };
        if self.user_seqs.contains_key(&id) {
            return Err(format!("user id {id} is taken"));
        }
        let login = profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if !login.is_empty() && self.logins.contains_key(&login.to_lowercase()) {
            return Err(format!("login {login} is taken"));
        }

        for (name, value) in &profile {
            if let Some(kind) = PropertyType::of_value(value) {
                self.schema.define(name, kind);
            }
        }

        let status = match object.get("status").and_then(Value::as_str) {
            Some(text) => UserStatus::parse(text).ok_or(format!("unknown status {text}"))?,
            None => UserStatus::Active,
        };

        let now = now_millis();
        let time = |key: &str| object.get(key).and_then(Value::as_str).and_then(parse_iso);
        let created = time("created").unwrap_or(now);
        let credentials = parse_credentials(&object, "user").map_err(|error| error.summary)?;
        let has_password = match object.get("credentials") {
            Some(value) => value.get("password").is_some(),
            None => status != UserStatus::Staged && status != UserStatus::Provisioned,
        };
        let activated = time("activated").or(match status {
            UserStatus::Staged => None,
            _ => Some(created),
        });
        let record = UserRecord {
            id: id.clone(),
            seq: self.next_seq(),
            status,
            created,
            activated,
            status_changed: time("statusChanged").or(activated),
            last_login: time("lastLogin"),
            last_updated: time("lastUpdated").unwrap_or(created),
            password_changed: time("passwordChanged").or(has_password.then_some(created)),
            has_password,
            recovery_question: credentials.recovery_question,
            provider: credentials.provider,
            type_id: object
                .get("type")
                .and_then(|kind| kind.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string),
            realm_id: object
                .get("realmId")
                .and_then(Value::as_str)
                .map(str::to_string),
            profile: Profile::from_map(&profile),
            groups: SeqSet::default(),
        };
        self.store_user(record);
        Ok(id)
    }

    /// Stores an active user with a password credential, skipping the checks
    /// of `insert_user_value`; generated orgs of any size use this.
    pub fn insert_generated_user(&mut self, profile: Profile, login: &str, created: i64) -> String {
        let id = self.new_id("00u");
        let seq = self.next_seq();
        let record = UserRecord {
            id: id.clone(),
            seq,
            status: UserStatus::Active,
            created,
            activated: Some(created),
            status_changed: Some(created),
            last_login: None,
            last_updated: created,
            password_changed: Some(created),
            has_password: true,
            recovery_question: None,
            provider: None,
            type_id: None,
            realm_id: None,
            profile,
            groups: SeqSet::default(),
        };
        self.logins.insert(login.to_lowercase(), seq);
        self.user_seqs.insert(id.clone(), seq);
        self.users.insert(seq, record);
        id
    }

    fn store_user(&mut self, record: UserRecord) {
        let login = record.login().to_lowercase();
        if !login.is_empty() {
            self.logins.insert(login, record.seq);
        }
        self.user_seqs.insert(record.id.clone(), record.seq);
        self.users.insert(record.seq, record);
    }

    /// Deletes a user and its memberships; the id keeps its place in the
    /// order so cursors that name it still work.
    pub fn delete_user(&mut self, seq: u64) {
        let Some(user) = self.users.remove(&seq) else {
            return;
        };
        self.logins.remove(&user.login().to_lowercase());
        for group_seq in user.groups.iter() {
            if let Some(group) = self.groups.get_mut(group_seq) {
                group.members.remove(&seq);
            }
        }
        for app in self.apps.values_mut() {
            app.users.remove(&seq);
        }
    }

    fn login_taken_by_other(&self, login: &str, seq: Option<u64>) -> bool {
        match self.logins.get(&login.to_lowercase()) {
            Some(owner) => Some(*owner) != seq,
            None => false,
        }
    }

    /// Handles `POST /api/v1/users`.
    pub fn create_user(
        &mut self,
        body: &Value,
        activate: bool,
        with_provider: bool,
    ) -> Result<u64, ApiError> {
        let body = body_object(body, "newUser")?;
        let Some(profile) = profile_of(body, "newUser")? else {
            return Err(ApiError::validation(
                "newUser",
                vec!["profile: The field cannot be left blank".to_string()],
            ));
        };
        let causes = self.schema.check_complete(profile);
        if !causes.is_empty() {
            return Err(ApiError::validation("newUser", causes));
        }
        let login = profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if self.login_taken_by_other(login, None) {
            return Err(ApiError::validation(
                "login",
                vec![
                    "login: An object with this field already exists in the current organization"
                        .to_string(),
                ],
            ));
        }
        let credentials = parse_credentials(body, "newUser")?;
        if let Some(password) = &credentials.password {
            check_password(password, login)?;
        }
        let group_seqs = self.creation_groups(body)?;

        let now = now_millis();
        let has_password = credentials.password.is_some();
        let status = if !activate {
            UserStatus::Staged
        } else if has_password || with_provider || credentials.provider.is_some() {
            UserStatus::Active
        } else {
            // Without a password Okta emails an activation link and waits.
            UserStatus::Provisioned
        };
        let type_id = body
            .get("type")
            .and_then(|kind| kind.get("id"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let seq = self.next_seq();
        let id = self.new_id("00u");
        let record = UserRecord {
            id,
            seq,
            status,
            created: now,
            activated: (status != UserStatus::Staged).then_some(now),
            status_changed: (status != UserStatus::Staged).then_some(now),
            last_login: None,
            last_updated: now,
            password_changed: has_password.then_some(now),
            has_password,
            recovery_question: credentials.recovery_question,
            provider: credentials.provider,
            type_id,
            realm_id: body
                .get("realmId")
                .and_then(Value::as_str)
                .map(str::to_string),
            profile: Profile::from_map(profile),
            groups: SeqSet::default(),
        };
        self.store_user(record);
        for group_seq in group_seqs {
            self.add_membership(group_seq, seq);
        }
        Ok(seq)
    }

    fn creation_groups(&self, body: &Map<String, Value>) -> Result<Vec<u64>, ApiError> {
        let Some(ids) = body.get("groupIds") else {
            return Ok(Vec::new());
        };
        let Some(ids) = ids.as_array() else {
            return Err(ApiError::validation(
                "newUser",
                vec!["groupIds: Property value has an invalid type".to_string()],
            ));
        };
        let mut seqs = Vec::new();
        for id in ids {
            let id = id.as_str().unwrap_or_default();
            let Some(seq) = self.group_seq(id) else {
                return Err(ApiError::not_found(id, "UserGroup"));
            };
            if !self.groups[&seq].kind.memberships_editable() {
                return Err(ApiError::permission_denied());
            }
            seqs.push(seq);
        }
        Ok(seqs)
    }

    /// Handles `POST /api/v1/users/{id}` (merge) and `PUT` (replace).
    pub fn update_user(&mut self, seq: u64, body: &Value, replace: bool) -> Result<(), ApiError> {
        let body = body_object(body, "user")?;
        let profile = profile_of(body, "user")?;
        let user = &self.users[&seq];
        let new_profile = match (profile, replace) {
            (Some(profile), true) => Some(profile.clone()),
            (Some(profile), false) => {
                let mut merged = user.profile.to_map();
                for (key, value) in profile {
                    merged.insert(key.clone(), value.clone());
                }
                Some(merged)
            }
            (None, true) => {
                return Err(ApiError::validation(
                    "user",
                    vec!["profile: The field cannot be left blank".to_string()],
                ));
            }
            (None, false) => None,
        };
        if let Some(new_profile) = &new_profile {
            let causes = self.schema.check_complete(new_profile);
            if !causes.is_empty() {
                return Err(ApiError::validation("user", causes));
            }
            let login = new_profile
                .get("login")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if self.login_taken_by_other(login, Some(seq)) {
                return Err(ApiError::validation(
                    "login",
                    vec!["login: An object with this field already exists in the current organization".to_string()],
                ));
            }
        }
        if let Some(type_id) = body
            .get("type")
            .and_then(|kind| kind.get("id"))
            .and_then(Value::as_str)
            && !replace
            && type_id != user.type_id.as_deref().unwrap_or(&self.user_type_id)
        {
            return Err(ApiError::validation(
                "user",
                vec![
                    "type: The user type can only be changed with a full replacement (PUT)"
                        .to_string(),
                ],
            ));
        }
        let credentials = parse_credentials(body, "user")?;
        let login = new_profile
            .as_ref()
            .and_then(|profile| profile.get("login"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| user.login());
        if let Some(password) = &credentials.password {
            check_password(password, &login)?;
        }

        let now = now_millis();
        let old_login = user.login().to_lowercase();
        let user = self.users.get_mut(&seq).expect("user exists");
        if let Some(new_profile) = new_profile {
            user.profile = Profile::from_map(&new_profile);
        }
        if credentials.password.is_some() {
            user.has_password = true;
            user.password_changed = Some(now);
        }
        if credentials.recovery_question.is_some() {
            user.recovery_question = credentials.recovery_question;
        }
        if replace
            && let Some(type_id) = body
                .get("type")
                .and_then(|kind| kind.get("id"))
                .and_then(Value::as_str)
        {
            user.type_id = Some(type_id.to_string());
        }
        user.last_updated = now;
        let new_login = user.login().to_lowercase();
        if new_login != old_login {
            self.logins.remove(&old_login);
            self.logins.insert(new_login, seq);
        }
        Ok(())
    }

    /// Applies a lifecycle operation and returns the response body, or
    /// `None` for an empty 200.
    pub fn apply_lifecycle(
        &mut self,
        seq: u64,
        operation: Lifecycle,
        send_email: bool,
    ) -> Result<Option<Value>, ApiError> {
        let now = now_millis();
        let token = self.random_token(20);
        let base_url = self.base_url.clone();
        let user = self.users.get_mut(&seq).expect("user exists");
        let status = user.status;
        let activation = |token: &str| {
            json!({
                "activationUrl": format!("{base_url}/tokens/{token}/verify"),
                "activationToken": token,
            })
        };
        match operation {
            Lifecycle::Activate => match status {
                UserStatus::Staged | UserStatus::Deprovisioned => {
                    let next = if user.has_password || user.provider.is_some() {
                        UserStatus::Active
                    } else {
                        UserStatus::Provisioned
                    };
                    user.set_status(next, now);
                    Ok((!send_email).then(|| activation(&token)))
                }
                UserStatus::Active => Err(ApiError::new(
                    403,
                    "E0000016",
                    "Activation failed because the user is already active",
                )),
                _ => Err(ApiError::invalid_status()),
            },
            Lifecycle::Reactivate => match status {
                UserStatus::Provisioned => {
                    user.last_updated = now;
                    Ok((!send_email).then(|| activation(&token)))
                }
                _ => Err(ApiError::invalid_status()),
            },
            Lifecycle::Deactivate => match status {
                UserStatus::Deprovisioned => Err(ApiError::invalid_status()),
                _ => {
                    user.set_status(UserStatus::Deprovisioned, now);
                    Ok(None)
                }
            },
            Lifecycle::Suspend => match status {
                UserStatus::Active => {
                    user.set_status(UserStatus::Suspended, now);
                    Ok(None)
                }
                _ => Err(ApiError::invalid_status()),
            },
            Lifecycle::Unsuspend => match status {
                UserStatus::Suspended => {
                    user.set_status(UserStatus::Active, now);
                    Ok(None)
                }
                _ => Err(ApiError::invalid_status()),
            },
            Lifecycle::Unlock => match status {
                UserStatus::LockedOut => {
                    user.set_status(UserStatus::Active, now);
                    Ok(None)
                }
                _ => Err(ApiError::new(
                    403,
                    "E0000032",
                    "Unlock is not allowed for this user.",
                )),
            },
            Lifecycle::ExpirePassword => match status {
                UserStatus::Active | UserStatus::PasswordExpired | UserStatus::Recovery
                    if user.has_password =>
                {
                    user.set_status(UserStatus::PasswordExpired, now);
                    Ok(None)
                }
                _ => Err(ApiError::invalid_status()),
            },
        }
    }

    /// Returns the seqs of the groups a user belongs to, in group order,
    /// including groups every user belongs to.
    pub fn user_group_seqs(&self, user_seq: u64) -> Vec<u64> {
        let Some(user) = self.users.get(&user_seq) else {
            return Vec::new();
        };
        self.groups
            .values()
            .filter(|group| group.all_users || user.groups.contains(&group.seq))
            .map(|group| group.seq)
            .collect()
    }

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
