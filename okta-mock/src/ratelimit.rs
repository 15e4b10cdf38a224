//! Per-endpoint rate limits in Okta's style: each bucket allows a number of
//! requests per fixed window and reports `X-Rate-Limit-Limit`, `-Remaining`
//! and `-Reset` (the epoch second the window ends).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::routes::Route;
use crate::time::now_secs;

/// Rate-limit configuration; off unless given in [`crate::MockOptions`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct RateLimits {
    /// Requests allowed per window in every bucket not named in `per_route`.
    pub limit: u32,
    /// Window length; Okta's is one minute.
    #[serde(with = "seconds")]
    pub window: Duration,
    /// Limits per bucket. Bucket names are `/api/v1/users`,
    /// `/api/v1/users/me`, `/api/v1/users/{id}` (also its sub-resources),
    /// `/api/v1/groups`, `/api/v1/groups/{id}` (also memberships),
    /// `/api/v1/apps`, `/api/v1/apps/{id}` and `/oauth2/v1/token`.
    pub per_route: BTreeMap<String, u32>,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            limit: 600,
            window: Duration::from_secs(60),
            per_route: BTreeMap::new(),
        }
    }
}

mod seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::time::Duration;

    pub fn serialize<S: Serializer>(value: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(value.as_secs_f64())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        let secs = f64::deserialize(deserializer)?;
        if !(secs.is_finite() && secs > 0.0) {
            return Err(serde::de::Error::custom(
                "window must be a positive number of seconds",
            ));
        }
        Ok(Duration::from_secs_f64(secs))
    }
}

/// The outcome of counting one request against its bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    pub reset: i64,
}

#[derive(Debug)]
struct Window {
    started: i64,
    count: u32,
}

/// Counts requests per bucket.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    config: Option<RateLimits>,
    windows: Mutex<HashMap<&'static str, Window>>,
}

impl RateLimiter {
    pub fn new(config: Option<RateLimits>) -> RateLimiter {
        RateLimiter {
            config,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request. Without a configuration nothing is limited and the
    /// headers report Okta's usual limit with the bucket nearly full, so
    /// clients that slow down near the limit never do.
    pub fn check(&self, route: Route) -> Decision {
        let now = now_secs();
        let Some(config) = &self.config else {
            let limit = route.default_limit();
            return Decision {
                allowed: true,
                limit,
                remaining: limit - 1,
                reset: now + 60,
            };
        };

        let bucket = route.bucket();
        let limit = config
            .per_route
            .get(bucket)
            .copied()
            .unwrap_or(config.limit);
        let window_secs = i64::try_from(config.window.as_secs().max(1)).unwrap_or(60);
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let window = windows.entry(bucket).or_insert(Window {
            started: now,
            count: 0,
        });
        if now >= window.started + window_secs {
            window.started = now;
            window.count = 0;
        }

        let reset = window.started + window_secs;
        if window.count >= limit {
            return Decision {
                allowed: false,
                limit,
                remaining: 0,
                reset,
            };
        }
        window.count += 1;
        Decision {
            allowed: true,
            limit,
            remaining: limit - window.count,
            reset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_empties_then_rejects() {
        let limiter = RateLimiter::new(Some(RateLimits {
            limit: 2,
            ..RateLimits::default()
        }));
        let first = limiter.check(Route::Users);
        assert!(first.allowed);
        assert_eq!(first.remaining, 1);
        assert!(limiter.check(Route::Users).allowed);
        let third = limiter.check(Route::Users);
        assert!(!third.allowed);
        assert_eq!(third.remaining, 0);
        assert!(limiter.check(Route::Groups).allowed, "buckets are separate");
    }

    #[test]
    fn per_route_limit_overrides_default() {
        let mut per_route = BTreeMap::new();
        per_route.insert("/api/v1/apps".to_string(), 1);
        let limiter = RateLimiter::new(Some(RateLimits {
            limit: 100,
            per_route,
            ..RateLimits::default()
        }));
        assert_eq!(limiter.check(Route::Apps).limit, 1);
        assert!(!limiter.check(Route::Apps).allowed);
        assert_eq!(limiter.check(Route::Users).limit, 100);
    }
}
