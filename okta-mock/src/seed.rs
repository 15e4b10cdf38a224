//! Initial org contents: the demo org, an empty org, a seed file, or a
//! generated org of any size.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};

use crate::OAuthClient;
use crate::org::{Collection, Org, Profile, PropertyType};

/// The initial contents of the fake org.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Seed {
    /// 28 users in every status, 9 groups of all three types and 7 apps,
    /// two of them inactive; see `src/demo-org.yaml`.
    #[default]
    Demo,
    /// No users, groups or apps.
    Empty,
    /// A YAML or JSON seed file; the format is described in the README.
    File(PathBuf),
    /// A generated org: `users` users (the first owns the API token), an
    /// `Everyone` group plus `groups` Okta groups, and `apps` apps.
    Generated {
        users: usize,
        groups: usize,
        apps: usize,
    },
}

/// The seed-file format.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SeedFile {
    /// Id or login of the user that owns the API token; defaults to the
    /// first user.
    token_owner: Option<String>,
    /// Custom user profile properties and their types.
    profile_properties: BTreeMap<String, PropertyType>,
    /// Okta user objects; `profile` is required.
    users: Vec<Value>,
    /// Okta group objects; `members` lists user ids or logins.
    groups: Vec<Value>,
    /// Okta app objects; `assignments` lists user or group ids.
    apps: Vec<Value>,
    /// Largest page per collection, as `Org::set_page_size` sets.
    page_sizes: BTreeMap<Collection, usize>,
    /// Service apps allowed to get OAuth access tokens.
    oauth_clients: Vec<OAuthClient>,
}

const DEMO_ORG: &str = include_str!("demo-org.yaml");

/// Loads `seed` into an empty org.
pub(crate) fn apply(org: &Org, seed: &Seed) -> io::Result<()> {
    match seed {
        Seed::Empty => Ok(()),
        Seed::Demo => {
            let file: SeedFile = crate::config::parse_yaml(DEMO_ORG).map_err(|error| {
                invalid_data(format!("the built-in demo org is invalid: {error}"))
            })?;
            load(org, file).map_err(invalid_data)
        }
        Seed::File(path) => {
            let file = read_seed_file(path)?;
            load(org, file).map_err(|error| invalid_data(format!("{}: {error}", path.display())))
        }
        Seed::Generated {
            users,
            groups,
            apps,
        } => {
            generate(org, *users, *groups, *apps);
            Ok(())
        }
    }
}

fn invalid_data(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// Reads a seed file; `.json` files are parsed as JSON, anything else as
/// YAML (which also accepts JSON).
fn read_seed_file(path: &Path) -> io::Result<SeedFile> {
    let text = std::fs::read_to_string(path).map_err(|error| {
        io::Error::new(
            error.kind(),
            format!("reading seed file {} failed: {error}", path.display()),
        )
    })?;
    let is_json = path
        .extension()
        .is_some_and(|extension| extension == "json");
    let parsed = if is_json {
        serde_json::from_str(&text).map_err(|error| error.to_string())
    } else {
        crate::config::parse_yaml(&text)
    };
    parsed
        .map_err(|error| invalid_data(format!("seed file {} is invalid: {error}", path.display())))
}

fn load(org: &Org, file: SeedFile) -> Result<(), String> {
    let mut state = org.lock();
    for (name, kind) in &file.profile_properties {
        state.schema.define(name, *kind);
    }
    let mut first_user = None;
    for user in file.users {
        let id = state
            .insert_user_value(user)
            .map_err(|error| format!("users: {error}"))?;
        first_user.get_or_insert(id);
    }

    let mut assignments = Vec::new();
    for mut app in file.apps {
        let principals = take_id_list(&mut app, "assignments")?;
        let id = state
            .insert_app_value(app)
            .map_err(|error| format!("apps: {error}"))?;
        assignments.push((id, principals));
    }

    for mut group in file.groups {
        let members = take_id_list(&mut group, "members")?;
        let id = state
            .insert_group_value(group)
            .map_err(|error| format!("groups: {error}"))?;
        let group_seq = state.group_seq(&id).expect("group was just inserted");
        for member in members {
            let user_seq = state
                .find_user_seq(&member)
                .ok_or(format!("group {id}: no user {member}"))?;
            state.add_membership(group_seq, user_seq);
        }
    }

    for (app_id, principals) in assignments {
        for principal in principals {
            state
                .assign_app(&app_id, &principal)
                .map_err(|error| format!("app {app_id}: {error}"))?;
        }
    }

    state.token_owner = file.token_owner.or(first_user);
    drop(state);
    for (collection, size) in file.page_sizes {
        org.set_page_size(collection, size);
    }
    for client in file.oauth_clients {
        org.register_oauth_client(client);
    }
    Ok(())
}

fn take_id_list(object: &mut Value, key: &str) -> Result<Vec<String>, String> {
    let Some(map) = object.as_object_mut() else {
        return Ok(Vec::new());
    };
    match map.remove(key) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|item| match item {
                Value::String(id) => Ok(id),
                other => Err(format!("{key} must list ids, found {other}")),
            })
            .collect(),
        Some(other) => Err(format!("{key} must be a list, found {other}")),
    }
}

const FIRST_NAMES: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Wei",
    "Aiko",
    "Mohammed",
    "Fatima",
    "Lars",
    "Ingrid",
    "Pedro",
    "Lucia",
];
const LAST_NAMES: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Chen",
    "Tanaka",
    "Khan",
    "Nilsson",
    "Silva",
    "Novak",
];
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "Support",
    "Marketing",
    "People",
];

/// Fills the org with generated data. Every user gets a unique login
/// `first.last.N@example.com`; every fifth user has a department.
fn generate(org: &Org, users: usize, groups: usize, apps: usize) {
    let mut state = org.lock();
    let created = crate::time::now_millis();
    let mut first_user = None;
    for index in 0..users {
        let first = FIRST_NAMES[index % FIRST_NAMES.len()];
        let last = LAST_NAMES[(index / FIRST_NAMES.len()) % LAST_NAMES.len()];
        let login = format!(
            "{}.{}.{}@example.com",
            first.to_lowercase(),
            last.to_lowercase(),
            index + 1
        );
        // The names and logins are ASCII without quotes, so they need no
        // JSON escaping.
        let mut text = format!(
            r#"{{"firstName":"{first}","lastName":"{last}","email":"{login}","login":"{login}""#
        );
        if index % 5 == 0 {
            let department = DEPARTMENTS[index / 5 % DEPARTMENTS.len()];
            text.push_str(&format!(r#","department":"{department}""#));
        }
        text.push('}');
        let id = state.insert_generated_user(Profile::from_json_text(text), &login, created);
        first_user.get_or_insert(id);
    }
    state.token_owner = first_user;
    state
        .insert_group_value(json!({
            "type": "BUILT_IN",
            "profile": { "name": "Everyone", "description": "All users in your organization" }
        }))
        .expect("generated group ids are unique");
    let user_seqs: Vec<u64> = state.users.keys().copied().collect();
    for index in 0..groups {
        let id = state
            .insert_group_value(json!({
                "profile": { "name": format!("Group {:05}", index + 1), "description": format!("Generated group {}", index + 1) }
            }))
            .expect("generated group ids are unique");
        let group_seq = state.group_seq(&id).expect("group was just inserted");
        for user_seq in user_seqs.iter().skip(index).step_by(groups.max(1)) {
            state.add_membership(group_seq, *user_seq);
        }
    }
    for index in 0..apps {
        let status = if index % 4 == 3 { "INACTIVE" } else { "ACTIVE" };
        state
            .insert_app_value(json!({
                "label": format!("App {:04}", index + 1),
                "name": "bookmark",
                "status": status,
                "signOnMode": "BOOKMARK",
                "settings": {
                    "app": { "url": format!("https://app{}.example.com/", index + 1), "requestIntegration": false },
                    "notifications": { "vpn": { "network": { "connection": "DISABLED" }, "message": null, "helpUrl": null } },
                    "manualProvisioning": false,
                    "implicitAssignment": false
                }
            }))
            .expect("generated app ids are unique");
    }
}
