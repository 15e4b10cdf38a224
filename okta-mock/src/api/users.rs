//! `/api/v1/users` and its sub-resources.

use std::ops::Bound;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawPathParams, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Value, json};

use super::{
    ApiResult, json_response, list_expression, list_response, no_content, parse_json_body,
    path_param,
};
use crate::error::ApiError;
use crate::org::{Collection, Lifecycle, OrgState, UserRecord, UserStatus};
use crate::paging::{link_values, page_size, resolve_cursor, take_page};
use crate::query::QueryParams;
use crate::server::{Principal, Shared};

/// Properties Okta's user `filter` accepts; `search` accepts any.
const FILTER_PROPERTIES: &[&str] = &[
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
];

/// `GET /api/v1/users`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let params = QueryParams::parse(raw_query.as_deref());
    let state = shared.org.lock();
    let limits = state.page_limits(Collection::Users);
    let q = params.get("q").filter(|q| !q.is_empty());
    let search = params.get("search").filter(|text| !text.is_empty());
    let filter = params.get("filter").filter(|text| !text.is_empty());
    if filter.is_some() && (search.is_some() || q.is_some()) {
        return Err(ApiError::new(
            400,
            "E0000033",
            "Bad request. Can't specify a search query and filter in the same request.",
        ));
    }

    if let (Some(q), None) = (q, search) {
        // Okta does not page `q` results: it returns at most `limit`
        // matches (10 by default) and no `next` link.
        let size = page_size(&params, limits, 10)?;
        let needle = q.to_lowercase();
        let matches = state
            .users
            .values()
            .filter(|user| user.status != UserStatus::Deprovisioned && matches_q(user, &needle));
        let (page, _) = take_page(matches, size);
        let body: Vec<Value> = page
            .iter()
            .map(|user| state.render_user(user, false))
            .collect();
        let links = link_values(&state.base_url, uri.path(), &params, size, None);
        return Ok(list_response(Value::Array(body), links));
    }

    let size = page_size(&params, limits, limits.default)?;
    let (expression, ignore_case) =
        list_expression(search, filter, FILTER_PROPERTIES, &["lastUpdated"])?;
    let after = resolve_cursor(&params, |cursor| state.user_seqs.get(cursor).copied())?;
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    let candidates = state
        .users
        .range((start, Bound::Unbounded))
        .map(|(_, user)| user)
        .filter(|user| match &expression {
            Some(expression) => {
                // The profile is parsed once per user, not once per comparison.
                let profile = std::cell::OnceCell::new();
                let lookup = |path: &str| match path.strip_prefix("profile.") {
                    Some(name) => profile
                        .get_or_init(|| user.profile.to_map())
                        .get(name)
                        .cloned(),
                    None => state.user_attribute(user, path),
                };
                expression.matches(&lookup, ignore_case)
            }
            // Without search or filter Okta leaves deactivated users out.
            None => user.status != UserStatus::Deprovisioned,
        });
    let (page, more) = take_page(candidates, size);
    let next = if more {
        page.last().map(|user| user.id.as_str())
    } else {
        None
    };
    let links = link_values(&state.base_url, uri.path(), &params, size, next);
    let body: Vec<Value> = page
        .iter()
        .map(|user| state.render_user(user, false))
        .collect();
    Ok(list_response(Value::Array(body), links))
}

fn matches_q(user: &UserRecord, needle: &str) -> bool {
    let profile = user.profile.to_map();
    ["firstName", "lastName", "email", "login"]
        .iter()
        .any(|key| {
            profile
                .get(*key)
                .and_then(Value::as_str)
                .is_some_and(|value| value.to_lowercase().starts_with(needle))
        })
}

/// `POST /api/v1/users`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw_query): RawQuery,
    body: Bytes,
) -> ApiResult {
    let params = QueryParams::parse(raw_query.as_deref());
    let activate = params
        .get_bool("activate")
        .map_err(|cause| ApiError::validation("activate", vec![cause]))?
        .unwrap_or(true);
    let provider = params
        .get_bool("provider")
        .map_err(|cause| ApiError::validation("provider", vec![cause]))?
        .unwrap_or(false);
    let body = parse_json_body(&body)?;
    let mut state = shared.org.lock();
    let seq = state.create_user(&body, activate, provider)?;
    Ok(single_user(&state, seq, false))
}

/// Finds the user that owns the API token. A service app's access token
/// has no user.
fn token_owner(state: &OrgState, principal: Option<Extension<Principal>>) -> Result<u64, ApiError> {
    let owner = match principal.map(|Extension(principal)| principal) {
        Some(Principal::Service { .. }) => None,
        _ => state.token_owner.clone(),
    };
    owner
        .and_then(|owner| state.find_user_seq(&owner))
        .ok_or_else(|| ApiError::not_found("me", "User"))
}

/// `GET /api/v1/users/me`: the user that owns the API token.
pub(crate) async fn me(
    State(shared): State<Arc<Shared>>,
    principal: Option<Extension<Principal>>,
) -> ApiResult {
    let state = shared.org.lock();
    let seq = token_owner(&state, principal)?;
    Ok(single_user(&state, seq, true))
}

/// `POST /api/v1/users/me`: partial update of the token owner.
pub(crate) async fn update_me(
    State(shared): State<Arc<Shared>>,
    principal: Option<Extension<Principal>>,
    body: Bytes,
) -> ApiResult {
    let body = parse_json_body(&body)?;
    let mut state = shared.org.lock();
    let seq = token_owner(&state, principal)?;
    state.update_user(seq, &body, false)?;
    Ok(single_user(&state, seq, false))
}

/// Renders one user in the single-user form; `etag` adds the `ETag` header
/// Okta sends on reads.
fn single_user(state: &OrgState, seq: u64, etag: bool) -> Response {
    let user = &state.users[&seq];
    let mut response = json_response(StatusCode::OK, &state.render_user(user, true));
    if etag && let Ok(value) = HeaderValue::from_str(&state.user_etag(user)) {
        response.headers_mut().insert("ETag", value);
    }
    response
}

/// Finds a user by id or login; `me` in a sub-resource path is the API
/// token's owner.
fn find_user(state: &OrgState, id: &str) -> Result<u64, ApiError> {
    let found = match (id, &state.token_owner) {
        ("me", Some(owner)) => state.find_user_seq(owner),
        _ => state.find_user_seq(id),
    };
    found.ok_or_else(|| ApiError::not_found(id, "User"))
}

/// `GET /api/v1/users/{idOrLogin}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, params: RawPathParams) -> ApiResult {
    let id = path_param(&params, "id")?;
    let state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    Ok(single_user(&state, seq, true))
}

/// `POST /api/v1/users/{idOrLogin}`: partial update that merges profile keys.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
    body: Bytes,
) -> ApiResult {
    write_user(shared, params, body, false)
}

/// `PUT /api/v1/users/{idOrLogin}`: full replace, so omitted profile keys vanish.
pub(crate) async fn replace(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
    body: Bytes,
) -> ApiResult {
    write_user(shared, params, body, true)
}

fn write_user(shared: Arc<Shared>, params: RawPathParams, body: Bytes, replace: bool) -> ApiResult {
    let id = path_param(&params, "id")?;
    let body = parse_json_body(&body)?;
    let mut state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    state.update_user(seq, &body, replace)?;
    Ok(single_user(&state, seq, false))
}

/// `DELETE /api/v1/users/{idOrLogin}`: the first call on a user that is not
/// deactivated deactivates it; a call on a `DEPROVISIONED` user deletes it.
pub(crate) async fn delete(State(shared): State<Arc<Shared>>, params: RawPathParams) -> ApiResult {
    let id = path_param(&params, "id")?;
    let mut state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    if state.users[&seq].status == UserStatus::Deprovisioned {
        state.delete_user(seq);
    } else {
        state.apply_lifecycle(seq, Lifecycle::Deactivate, false)?;
    }
    Ok(no_content())
}

/// `POST /api/v1/users/{idOrLogin}/lifecycle/{operation}`.
pub(crate) async fn lifecycle(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let id = path_param(&params, "id")?;
    let operation_name = path_param(&params, "operation")?;
    let Some(operation) = Lifecycle::parse(&operation_name) else {
        return Err(ApiError::path_not_found());
    };
    let query = QueryParams::parse(raw_query.as_deref());
    let send_email = query
        .get_bool("sendEmail")
        .map_err(|cause| ApiError::validation("sendEmail", vec![cause]))?
        // Okta emails on activate unless `sendEmail=false`, but reactivate
        // returns the activation link unless `sendEmail=true`.
        .unwrap_or(operation == Lifecycle::Activate);
    let mut state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    let body = state.apply_lifecycle(seq, operation, send_email)?;
    match (operation, body) {
        (_, Some(body)) => Ok(json_response(StatusCode::OK, &body)),
        (Lifecycle::Deactivate, None) if state.deactivate_status == 204 => Ok(no_content()),
        (Lifecycle::ExpirePassword, None) => Ok(single_user(&state, seq, false)),
        (_, None) => Ok(json_response(StatusCode::OK, &json!({}))),
    }
}

/// `GET /api/v1/users/{idOrLogin}/groups`.
pub(crate) async fn groups(State(shared): State<Arc<Shared>>, params: RawPathParams) -> ApiResult {
    let id = path_param(&params, "id")?;
    let state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    let body: Vec<Value> = state
        .user_group_seqs(seq)
        .iter()
        .filter_map(|group_seq| state.groups.get(group_seq))
        .map(|group| state.render_group(group, false))
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(body)))
}

/// `GET /api/v1/users/{idOrLogin}/appLinks`.
pub(crate) async fn app_links(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
) -> ApiResult {
    let id = path_param(&params, "id")?;
    let state = shared.org.lock();
    let seq = find_user(&state, &id)?;
    Ok(json_response(StatusCode::OK, &state.render_app_links(seq)))
}

/// `GET /api/v1/users/{idOrLogin}/blocks`: the fake org, like many real
/// ones, does not have the user-blocks feature enabled.
pub(crate) async fn blocks(State(shared): State<Arc<Shared>>, params: RawPathParams) -> ApiResult {
    let id = path_param(&params, "id")?;
    let state = shared.org.lock();
    find_user(&state, &id)?;
    Err(ApiError::new(
        401,
        "E0000015",
        "You do not have permission to access the feature you are requesting",
    ))
}
