//! The endpoints the fake org serves, classified from a raw path so the
//! gate can pick a rate-limit bucket, a required OAuth scope and the
//! `Allow` header before any handler runs.

/// An endpoint of the fake org.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    Users,
    UsersMe,
    User,
    UserLifecycle,
    UserGroups,
    UserAppLinks,
    Groups,
    Group,
    GroupUsers,
    GroupUser,
    Apps,
    App,
    Token,
    Unknown,
}

impl Route {
    /// Classifies a raw request path such as `/api/v1/users/00u1/groups`.
    pub fn classify(raw_path: &str) -> Route {
        let segments: Vec<&str> = raw_path.trim_start_matches('/').split('/').collect();
        match segments.as_slice() {
            ["api", "v1", "users"] => Route::Users,
            ["api", "v1", "users", "me"] => Route::UsersMe,
            ["api", "v1", "users", _] => Route::User,
            ["api", "v1", "users", _, "lifecycle", _] => Route::UserLifecycle,
            ["api", "v1", "users", _, "groups"] => Route::UserGroups,
            ["api", "v1", "users", _, "appLinks" | "blocks"] => Route::UserAppLinks,
            ["api", "v1", "groups"] => Route::Groups,
            ["api", "v1", "groups", _] => Route::Group,
            ["api", "v1", "groups", _, "users"] => Route::GroupUsers,
            ["api", "v1", "groups", _, "users", _] => Route::GroupUser,
            ["api", "v1", "apps"] => Route::Apps,
            ["api", "v1", "apps", _] => Route::App,
            ["oauth2", "v1", "token"] => Route::Token,
            _ => Route::Unknown,
        }
    }

    /// Returns the rate-limit bucket, named after Okta's endpoint groups.
    pub fn bucket(self) -> &'static str {
        match self {
            Route::Users => "/api/v1/users",
            Route::UsersMe => "/api/v1/users/me",
            Route::User | Route::UserLifecycle | Route::UserGroups | Route::UserAppLinks => {
                "/api/v1/users/{id}"
            }
            Route::Groups => "/api/v1/groups",
            Route::Group | Route::GroupUsers | Route::GroupUser => "/api/v1/groups/{id}",
            Route::Apps => "/api/v1/apps",
            Route::App => "/api/v1/apps/{id}",
            Route::Token => "/oauth2/v1/token",
            Route::Unknown => "/api/v1",
        }
    }

    /// Returns the per-minute limit Okta documents for the bucket in a
    /// typical org, used in the headers when no rate limit is configured.
    pub fn default_limit(self) -> u32 {
        match self.bucket() {
            "/api/v1/users" => 600,
            "/api/v1/users/me" | "/api/v1/users/{id}" => 2000,
            "/api/v1/groups" => 500,
            "/api/v1/groups/{id}" => 1000,
            "/api/v1/apps" => 100,
            "/api/v1/apps/{id}" => 500,
            "/oauth2/v1/token" => 600,
            _ => 1200,
        }
    }

    /// Returns the methods the endpoint accepts, for a 405's `Allow` header.
    pub fn allowed_methods(self) -> &'static str {
        match self {
            Route::Users => "GET, POST",
            Route::UsersMe => "GET, POST",
            Route::User => "GET, POST, PUT, DELETE",
            Route::UserLifecycle | Route::Token => "POST",
            Route::GroupUser => "PUT, DELETE",
            _ => "GET",
        }
    }

    /// Returns whether the endpoint requires an `Authorization` header.
    pub fn requires_auth(self) -> bool {
        self != Route::Token
    }

    /// Returns the OAuth scope a request needs. A `.manage` scope also grants
    /// the matching `.read`.
    pub fn required_scope(self, method: &str) -> Option<&'static str> {
        let read = method == "GET" || method == "HEAD";
        let scope = match self {
            Route::Users
            | Route::UsersMe
            | Route::User
            | Route::UserLifecycle
            | Route::UserGroups
            | Route::UserAppLinks => {
                if read {
                    "okta.users.read"
                } else {
                    "okta.users.manage"
                }
            }
            Route::Groups | Route::Group | Route::GroupUsers | Route::GroupUser => {
                if read {
                    "okta.groups.read"
                } else {
                    "okta.groups.manage"
                }
            }
            Route::Apps | Route::App => {
                if read {
                    "okta.apps.read"
                } else {
                    "okta.apps.manage"
                }
            }
            Route::Token | Route::Unknown => return None,
        };
        Some(scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_paths() {
        assert_eq!(Route::classify("/api/v1/users"), Route::Users);
        assert_eq!(Route::classify("/api/v1/users/me"), Route::UsersMe);
        assert_eq!(
            Route::classify("/api/v1/users/kim%2Bqa%40example.com"),
            Route::User
        );
        assert_eq!(
            Route::classify("/api/v1/users/a%2Fb/groups"),
            Route::UserGroups
        );
        assert_eq!(
            Route::classify("/api/v1/groups/00g1/users/00u1"),
            Route::GroupUser
        );
        assert_eq!(
            Route::classify("/api/v1/users/00u1/lifecycle/suspend"),
            Route::UserLifecycle
        );
        assert_eq!(Route::classify("/api/v1/nothing"), Route::Unknown);
    }

    #[test]
    fn scopes_follow_method() {
        assert_eq!(Route::Users.required_scope("GET"), Some("okta.users.read"));
        assert_eq!(
            Route::Users.required_scope("POST"),
            Some("okta.users.manage")
        );
        assert_eq!(
            Route::GroupUser.required_scope("PUT"),
            Some("okta.groups.manage")
        );
        assert_eq!(Route::Apps.required_scope("GET"), Some("okta.apps.read"));
    }
}
