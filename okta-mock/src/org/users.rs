//! Users: records, creates, updates, deletes and lifecycle transitions.

use serde_json::{Map, Value, json};

use super::profile::{Profile, SeqSet};
use super::{OrgState, PropertyType};
use crate::error::ApiError;
use crate::time::{now_millis, parse_iso};

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
        // Okta stamps `activated` when activation starts, so a user waiting
        // in PROVISIONED for the email link has it too.
        let activating = matches!(status, UserStatus::Active | UserStatus::Provisioned);
        if activating && self.activated.is_none() {
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
}
