//! The user profile schema: Okta's base properties plus the org's custom
//! properties, and the validation Okta applies to a profile on write.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The type of a custom profile property.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PropertyType {
    String,
    Boolean,
    Integer,
    Number,
    /// An array of strings or numbers.
    Array,
}

impl PropertyType {
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (PropertyType::String, Value::String(_)) => true,
            (PropertyType::Boolean, Value::Bool(_)) => true,
            (PropertyType::Integer, Value::Number(number)) => number.is_i64() || number.is_u64(),
            (PropertyType::Number, Value::Number(_)) => true,
            (PropertyType::Array, Value::Array(items)) => items
                .iter()
                .all(|item| matches!(item, Value::String(_) | Value::Number(_))),
            _ => false,
        }
    }

    /// Infers a property type from a sample value, for profiles that tests
    /// insert directly.
    pub fn of_value(value: &Value) -> Option<PropertyType> {
        match value {
            Value::String(_) => Some(PropertyType::String),
            Value::Bool(_) => Some(PropertyType::Boolean),
            Value::Number(number) if number.is_f64() => Some(PropertyType::Number),
            Value::Number(_) => Some(PropertyType::Integer),
            Value::Array(_) => Some(PropertyType::Array),
            _ => None,
        }
    }
}

/// Okta's base user profile properties; every one is a string.
pub(crate) const BASE_PROPERTIES: &[&str] = &[
    "login",
    "email",
    "secondEmail",
    "firstName",
    "lastName",
    "middleName",
    "honorificPrefix",
    "honorificSuffix",
    "title",
    "displayName",
    "nickName",
    "profileUrl",
    "primaryPhone",
    "mobilePhone",
    "streetAddress",
    "city",
    "state",
    "zipCode",
    "postalAddress",
    "countryCode",
    "preferredLanguage",
    "locale",
    "timezone",
    "userType",
    "employeeNumber",
    "costCenter",
    "organization",
    "division",
    "department",
    "managerId",
    "manager",
];

const REQUIRED_PROPERTIES: &[&str] = &["login", "email", "firstName", "lastName"];

/// The org's user profile schema.
#[derive(Debug, Clone, Default)]
pub(crate) struct ProfileSchema {
    pub custom: Vec<(String, PropertyType)>,
}

impl ProfileSchema {
    pub fn define(&mut self, name: &str, kind: PropertyType) {
        if BASE_PROPERTIES.contains(&name) {
            return;
        }
        match self
            .custom
            .iter_mut()
            .find(|(existing, _)| existing == name)
        {
            Some(entry) => entry.1 = kind,
            None => self.custom.push((name.to_string(), kind)),
        }
    }

    fn property_type(&self, name: &str) -> Option<PropertyType> {
        if BASE_PROPERTIES.contains(&name) {
            return Some(PropertyType::String);
        }
        self.custom
            .iter()
            .find(|(existing, _)| existing == name)
            .map(|(_, kind)| *kind)
    }

    /// Checks every key of `profile` (which may be partial) against the
    /// schema and returns one cause per problem, in Okta's wording.
    pub fn check_properties(&self, profile: &Map<String, Value>) -> Vec<String> {
        let mut causes = Vec::new();
        for (name, value) in profile {
            match self.property_type(name) {
                None => causes.push(format!("Property name '{name}' is not defined in profile")),
                Some(kind) if !kind.accepts(value) => {
                    causes.push(format!("{name}: Property value has an invalid type"));
                }
                Some(_) => {}
            }
        }
        causes
    }

    /// Checks a complete profile: the key checks plus required properties and
    /// the login and email formats.
    pub fn check_complete(&self, profile: &Map<String, Value>) -> Vec<String> {
        let mut causes = self.check_properties(profile);
        for name in REQUIRED_PROPERTIES {
            let blank = match profile.get(*name) {
                Some(Value::String(text)) => text.trim().is_empty(),
                _ => true,
            };
            if blank {
                causes.push(format!("{name}: The field cannot be left blank"));
            }
        }
        if let Some(Value::String(login)) = profile.get("login")
            && !login.trim().is_empty()
        {
            if !looks_like_email(login) {
                causes.push("login: Username must be in the form of an email address".to_string());
            } else if login.chars().count() < 5 || login.chars().count() > 100 {
                causes.push("login: Username must be between 5 and 100 characters".to_string());
            }
        }
        for name in ["email", "secondEmail"] {
            if let Some(Value::String(email)) = profile.get(name)
                && !email.trim().is_empty()
                && !looks_like_email(email)
            {
                causes.push(format!("{name}: Does not match required pattern"));
            }
        }
        causes
    }
}

fn looks_like_email(text: &str) -> bool {
    match text.rsplit_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn profile(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap()
    }

    #[test]
    fn unknown_property_named_in_cause() {
        let schema = ProfileSchema::default();
        let causes = schema.check_properties(&profile(json!({ "notValid": "x" })));
        assert_eq!(
            causes,
            vec!["Property name 'notValid' is not defined in profile"]
        );
    }

    #[test]
    fn custom_array_rejects_object() {
        let mut schema = ProfileSchema::default();
        schema.define("badgeIds", PropertyType::Array);
        assert!(
            schema
                .check_properties(&profile(json!({ "badgeIds": [] })))
                .is_empty()
        );
        assert_eq!(
            schema.check_properties(&profile(json!({ "badgeIds": {} }))),
            vec!["badgeIds: Property value has an invalid type"]
        );
    }

    #[test]
    fn complete_profile_requires_base_fields() {
        let schema = ProfileSchema::default();
        let causes =
            schema.check_complete(&profile(json!({ "login": "nobody", "email": "a@b.c" })));
        assert!(causes.contains(&"firstName: The field cannot be left blank".to_string()));
        assert!(
            causes.contains(&"login: Username must be in the form of an email address".to_string())
        );
    }
}
