//! The fake org's state: users, groups, apps, memberships, the profile
//! schema and paging settings, behind one lock.

mod apps;
mod groups;
mod profile;
mod schema;
mod user_render;
mod users;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

pub(crate) use apps::AppRecord;
pub(crate) use groups::GroupRecord;
pub(crate) use profile::Profile;
pub(crate) use schema::ProfileSchema;
pub use schema::PropertyType;
pub(crate) use users::{Lifecycle, UserRecord, UserStatus};

use crate::oauth::{OAuthClient, OAuthState};

/// A collection whose page size can be set with [`Org::set_page_size`].
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Deserialize, serde::Serialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Collection {
    /// `GET /api/v1/users`.
    Users,
    /// `GET /api/v1/groups`.
    Groups,
    /// `GET /api/v1/apps`.
    Apps,
    /// `GET /api/v1/groups/{groupId}/users`.
    GroupMembers,
}

/// Default and maximum page size of one collection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PageLimits {
    pub default: usize,
    pub max: usize,
}

impl Collection {
    /// Okta's documented page sizes.
    fn default_limits(self) -> PageLimits {
        match self {
            Collection::Users => PageLimits {
                default: 200,
                max: 200,
            },
            Collection::Groups => PageLimits {
                default: 10_000,
                max: 10_000,
            },
            Collection::Apps => PageLimits {
                default: 20,
                max: 200,
            },
            Collection::GroupMembers => PageLimits {
                default: 1000,
                max: 10_000,
            },
        }
    }
}

/// A cloneable handle to the fake org's state, for tests that set up or
/// inspect data directly.
#[derive(Clone)]
pub struct Org {
    inner: Arc<Mutex<OrgState>>,
    pub(crate) oauth: Arc<OAuthState>,
}

impl std::fmt::Debug for Org {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        formatter
            .debug_struct("Org")
            .field("users", &state.users.len())
            .field("groups", &state.groups.len())
            .field("apps", &state.apps.len())
            .finish()
    }
}

pub(crate) struct OrgState {
    pub base_url: String,
    next_seq: u64,
    rng: StdRng,
    pub users: BTreeMap<u64, UserRecord>,
    /// Every user id ever issued, so a cursor naming a deleted user still
    /// resolves to its place in the order.
    pub user_seqs: HashMap<String, u64>,
    pub logins: HashMap<String, u64>,
    pub groups: BTreeMap<u64, GroupRecord>,
    pub group_seqs: HashMap<String, u64>,
    pub apps: BTreeMap<u64, AppRecord>,
    pub app_seqs: HashMap<String, u64>,
    pub schema: ProfileSchema,
    page_limits: HashMap<Collection, PageLimits>,
    pub token_owner: Option<String>,
    pub org_id: String,
    pub user_type_id: String,
    pub user_schema_id: String,
    pub access_policy_id: String,
    pub enrollment_policy_id: String,
    pub deactivate_status: u16,
}

impl Org {
    pub(crate) fn new() -> Org {
        let mut rng = StdRng::seed_from_u64(0x0c7a_2024);
        let org_id = random_id(&mut rng, "00o");
        let user_type_id = random_id(&mut rng, "oty");
        let user_schema_id = random_id(&mut rng, "osc");
        let access_policy_id = random_id(&mut rng, "rst");
        let enrollment_policy_id = random_id(&mut rng, "rst");
        let state = OrgState {
            base_url: "http://127.0.0.1".to_string(),
            next_seq: 1,
            rng,
            users: BTreeMap::new(),
            user_seqs: HashMap::new(),
            logins: HashMap::new(),
            groups: BTreeMap::new(),
            group_seqs: HashMap::new(),
            apps: BTreeMap::new(),
            app_seqs: HashMap::new(),
            schema: ProfileSchema::default(),
            page_limits: HashMap::new(),
            token_owner: None,
            org_id,
            user_type_id,
            user_schema_id,
            access_policy_id,
            enrollment_policy_id,
            deactivate_status: 200,
        };
        Org {
            inner: Arc::new(Mutex::new(state)),
            oauth: Arc::new(OAuthState::default()),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, OrgState> {
        // A panic in one handler must not take the whole fake org down.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Inserts a user from a JSON object shaped like Okta's user (only
    /// `profile` is required) and returns its id. Missing fields get
    /// defaults: a generated id, status `ACTIVE`, a password credential.
    /// Unknown profile keys are added to the profile schema.
    ///
    /// # Panics
    /// When `user` has no `profile` object, the id or login is taken, or
    /// `status` is not an Okta user status.
    pub fn insert_user(&self, user: Value) -> String {
        self.lock()
            .insert_user_value(user)
            .unwrap_or_else(|message| panic!("insert_user: {message}"))
    }

    /// Inserts a group from a JSON object shaped like Okta's group (only
    /// `profile.name` is required) and returns its id. `type` defaults to
    /// `OKTA_GROUP`.
    ///
    /// # Panics
    /// When the object has no `profile.name`, the id is taken, or `type`
    /// is not a group type.
    pub fn insert_group(&self, group: Value) -> String {
        self.lock()
            .insert_group_value(group)
            .unwrap_or_else(|message| panic!("insert_group: {message}"))
    }

    /// Inserts an application from a JSON object shaped like Okta's app
    /// (only `label` is required) and returns its id.
    ///
    /// # Panics
    /// When the object has no `label` or the id is taken.
    pub fn insert_app(&self, app: Value) -> String {
        self.lock()
            .insert_app_value(app)
            .unwrap_or_else(|message| panic!("insert_app: {message}"))
    }

    /// Adds a user to a group's members, whatever the group's type.
    ///
    /// # Panics
    /// When the group or the user does not exist.
    pub fn add_member(&self, group_id: &str, user_id: &str) {
        let mut state = self.lock();
        let group_seq = state
            .group_seq(group_id)
            .unwrap_or_else(|| panic!("add_member: no group {group_id}"));
        let user_seq = state
            .find_user_seq(user_id)
            .unwrap_or_else(|| panic!("add_member: no user {user_id}"));
        state.add_membership(group_seq, user_seq);
    }

    /// Removes a user from a group's members; returns whether it was one.
    pub fn remove_member(&self, group_id: &str, user_id: &str) -> bool {
        let mut state = self.lock();
        match (state.group_seq(group_id), state.find_user_seq(user_id)) {
            (Some(group_seq), Some(user_seq)) => state.remove_membership(group_seq, user_seq),
            _ => false,
        }
    }

    /// Assigns an app to a user or a group (by id), which gives the user, or
    /// each member, an app link while the app is active.
    ///
    /// # Panics
    /// When the app or the principal does not exist.
    pub fn assign_app(&self, app_id: &str, principal_id: &str) {
        let mut state = self.lock();
        state
            .assign_app(app_id, principal_id)
            .unwrap_or_else(|message| panic!("assign_app: {message}"));
    }

    /// Returns a user, by id or login, rendered as `GET /api/v1/users/{id}` would.
    pub fn user(&self, id_or_login: &str) -> Option<Value> {
        let state = self.lock();
        let seq = state.find_user_seq(id_or_login)?;
        state
            .users
            .get(&seq)
            .map(|user| state.render_user(user, true))
    }

    /// Returns every user, deactivated ones included, in list order.
    pub fn users(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .users
            .values()
            .map(|user| state.render_user(user, false))
            .collect()
    }

    /// Returns every user id, deactivated users included, in list order.
    pub fn user_ids(&self) -> Vec<String> {
        self.lock()
            .users
            .values()
            .map(|user| user.id.clone())
            .collect()
    }

    /// Returns the number of users, deactivated ones included.
    pub fn user_count(&self) -> usize {
        self.lock().users.len()
    }

    /// Returns a group rendered as `GET /api/v1/groups/{id}` would.
    pub fn group(&self, group_id: &str) -> Option<Value> {
        let state = self.lock();
        let seq = state.group_seq(group_id)?;
        state
            .groups
            .get(&seq)
            .map(|group| state.render_group(group, false))
    }

    /// Returns every group in list order.
    pub fn groups(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .groups
            .values()
            .map(|group| state.render_group(group, false))
            .collect()
    }

    /// Returns the ids of a group's members, in user order.
    pub fn group_member_ids(&self, group_id: &str) -> Vec<String> {
        let state = self.lock();
        let Some(seq) = state.group_seq(group_id) else {
            return Vec::new();
        };
        state
            .member_seqs(seq)
            .into_iter()
            .filter_map(|user_seq| state.users.get(&user_seq).map(|user| user.id.clone()))
            .collect()
    }

    /// Returns the ids of the groups a user belongs to.
    pub fn user_group_ids(&self, user_id: &str) -> Vec<String> {
        let state = self.lock();
        let Some(seq) = state.find_user_seq(user_id) else {
            return Vec::new();
        };
        state
            .user_group_seqs(seq)
            .into_iter()
            .filter_map(|group_seq| state.groups.get(&group_seq).map(|group| group.id.clone()))
            .collect()
    }

    /// Returns an app rendered as `GET /api/v1/apps/{id}` would.
    pub fn app(&self, app_id: &str) -> Option<Value> {
        let state = self.lock();
        let seq = state.app_seqs.get(app_id)?;
        state.apps.get(seq).map(|app| state.render_app(app))
    }

    /// Returns every app in list order.
    pub fn apps(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .apps
            .values()
            .map(|app| state.render_app(app))
            .collect()
    }

    /// Sets the largest page a collection serves, whatever `limit` a request
    /// gives. Okta's default page size shrinks to match when it is larger.
    pub fn set_page_size(&self, collection: Collection, max_per_page: usize) {
        let max = max_per_page.max(1);
        let mut state = self.lock();
        let limits = PageLimits {
            default: collection.default_limits().default.min(max),
            max,
        };
        state.page_limits.insert(collection, limits);
    }

    /// Sets a user's status directly, without lifecycle checks, and updates
    /// `statusChanged`. Returns whether the user exists.
    ///
    /// # Panics
    /// When `status` is not an Okta user status.
    pub fn set_user_status(&self, id_or_login: &str, status: &str) -> bool {
        let status = UserStatus::parse(status)
            .unwrap_or_else(|| panic!("set_user_status: unknown status {status}"));
        let mut state = self.lock();
        let Some(seq) = state.find_user_seq(id_or_login) else {
            return false;
        };
        let now = crate::time::now_millis();
        if let Some(user) = state.users.get_mut(&seq) {
            user.set_status(status, now);
        }
        true
    }

    /// Deletes a user for good, whatever its status. Returns whether it existed.
    pub fn remove_user(&self, id_or_login: &str) -> bool {
        let mut state = self.lock();
        match state.find_user_seq(id_or_login) {
            Some(seq) => {
                state.delete_user(seq);
                true
            }
            None => false,
        }
    }

    /// Adds a custom property to the user profile schema.
    pub fn define_profile_property(&self, name: &str, kind: PropertyType) {
        self.lock().schema.define(name, kind);
    }

    /// Registers a service app that may get access tokens at
    /// `/oauth2/v1/token`; a client with the same id is replaced.
    pub fn register_oauth_client(&self, client: OAuthClient) {
        self.oauth.register(client);
    }

    /// Sets the user that `GET /api/v1/users/me` returns for the API token.
    pub fn set_token_owner(&self, user_id: &str) {
        self.lock().token_owner = Some(user_id.to_string());
    }

    /// Sets the status that `POST .../lifecycle/deactivate` returns: 200 with
    /// an empty object (current Okta) or 204 without a body (older orgs).
    pub fn set_deactivate_status(&self, status: u16) {
        self.lock().deactivate_status = if status == 204 { 204 } else { 200 };
    }

    pub(crate) fn set_base_url(&self, base_url: &str) {
        self.lock().base_url = base_url.to_string();
    }
}

impl OrgState {
    pub fn next_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        seq
    }

    /// Returns a new Okta-style id: the three-character type prefix and 17
    /// random alphanumerics, 20 characters in all.
    pub fn new_id(&mut self, prefix: &str) -> String {
        loop {
            let id = random_id(&mut self.rng, prefix);
            let in_use = self.user_seqs.contains_key(&id)
                || self.group_seqs.contains_key(&id)
                || self.app_seqs.contains_key(&id);
            if !in_use {
                return id;
            }
        }
    }

    pub fn random_token(&mut self, length: usize) -> String {
        random_chars(&mut self.rng, length)
    }

    pub fn page_limits(&self, collection: Collection) -> PageLimits {
        self.page_limits
            .get(&collection)
            .copied()
            .unwrap_or_else(|| collection.default_limits())
    }
}

fn random_id(rng: &mut StdRng, prefix: &str) -> String {
    let mut id = String::from(prefix);
    id.push_str(&random_chars(rng, 20 - prefix.len().min(20)));
    id
}

fn random_chars(rng: &mut StdRng, length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..length)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
