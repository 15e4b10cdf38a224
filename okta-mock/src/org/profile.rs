//! Compact storage for user profiles.

use serde_json::{Map, Value};

/// A user profile kept as its JSON text and parsed when read. A parsed map
/// takes several times the memory of its text, which matters for generated
/// orgs of 100,000 users, and a response parses only the profiles it sends.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    json: Box<str>,
}

impl Profile {
    pub fn from_map(map: &Map<String, Value>) -> Profile {
        let json = serde_json::to_string(map).unwrap_or_else(|_| "{}".to_string());
        Profile {
            json: json.into_boxed_str(),
        }
    }

    /// Wraps JSON text that the caller built as a JSON object.
    pub fn from_json_text(json: String) -> Profile {
        debug_assert!(serde_json::from_str::<Map<String, Value>>(&json).is_ok());
        Profile {
            json: json.into_boxed_str(),
        }
    }

    pub fn to_map(&self) -> Map<String, Value> {
        // Both constructors store a JSON object, so the text always parses.
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// Returns one property's value.
    pub fn get(&self, key: &str) -> Option<Value> {
        self.to_map().remove(key)
    }

    /// Returns the login, or an empty string for a profile without one.
    pub fn login(&self) -> String {
        match self.get("login") {
            Some(Value::String(login)) => login,
            _ => String::new(),
        }
    }
}

/// A sorted set of sequence numbers in a plain vector: most users belong to
/// a handful of groups, where a `BTreeSet` node would cost over 100 bytes.
#[derive(Debug, Clone, Default)]
pub(crate) struct SeqSet {
    items: Vec<u64>,
}

impl SeqSet {
    pub fn insert(&mut self, seq: u64) -> bool {
        match self.items.binary_search(&seq) {
            Ok(_) => false,
            Err(position) => {
                self.items.insert(position, seq);
                true
            }
        }
    }

    pub fn remove(&mut self, seq: &u64) -> bool {
        match self.items.binary_search(seq) {
            Ok(position) => {
                self.items.remove(position);
                true
            }
            Err(_) => false,
        }
    }

    pub fn contains(&self, seq: &u64) -> bool {
        self.items.binary_search(seq).is_ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &u64> {
        self.items.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn profile_round_trips_key_order_and_types() {
        let map =
            json!({ "login": "a@b.co", "startYear": 2021, "badgeIds": [], "firstName": "Zoë 🙂" });
        let profile = Profile::from_map(map.as_object().unwrap());
        assert_eq!(Value::Object(profile.to_map()), map);
        assert_eq!(profile.login(), "a@b.co");
        assert_eq!(profile.get("startYear"), Some(json!(2021)));
        let keys: Vec<String> = profile.to_map().keys().cloned().collect();
        assert_eq!(keys, vec!["login", "startYear", "badgeIds", "firstName"]);
    }

    #[test]
    fn seq_set_stays_sorted_and_unique() {
        let mut set = SeqSet::default();
        assert!(set.insert(5));
        assert!(set.insert(2));
        assert!(!set.insert(5));
        assert!(set.contains(&2));
        assert!(set.remove(&2));
        assert!(!set.remove(&2));
        assert_eq!(set.iter().copied().collect::<Vec<_>>(), vec![5]);
    }
}
