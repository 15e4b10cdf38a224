//! `/api/v1/groups` and group memberships.

use std::ops::Bound;
use std::sync::Arc;

use axum::extract::{RawPathParams, RawQuery, State};
use axum::http::{StatusCode, Uri};
use serde_json::Value;

use super::{ApiResult, json_response, list_expression, list_response, no_content, path_param};
use crate::error::ApiError;
use crate::org::{Collection, OrgState};
use crate::paging::{link_values, page_size, resolve_cursor, take_page};
use crate::query::QueryParams;
use crate::server::Shared;

/// Okta's default and maximum page size for a group name query.
const Q_LIMIT: usize = 300;

/// `GET /api/v1/groups`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let params = QueryParams::parse(raw_query.as_deref());
    let state = shared.org.lock();
    let limits = state.page_limits(Collection::Groups);
    let with_stats = params
        .get("expand")
        .is_some_and(|expand| expand.split(',').any(|part| part.trim() == "stats"));
    let q = params.get("q");
    let search = params.get("search").filter(|text| !text.is_empty());
    let filter = params.get("filter").filter(|text| !text.is_empty());

    if let (Some(q), None, None) = (q, search, filter) {
        // Okta does not page a name query, and its response has no `Link`.
        let size = page_size(&params, limits, Q_LIMIT)?.min(Q_LIMIT);
        let needle = q.to_lowercase();
        let matches = state.groups.values().filter(|group| {
            group
                .profile
                .get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| name.to_lowercase().starts_with(&needle))
        });
        let (page, _) = take_page(matches, size);
        let body: Vec<Value> = page
            .iter()
            .map(|group| state.render_group(group, with_stats))
            .collect();
        return Ok(json_response(StatusCode::OK, &Value::Array(body)));
    }

    let size = page_size(&params, limits, limits.default)?;
    let (expression, ignore_case) = list_expression(
        search,
        filter,
        &["id", "type", "lastUpdated", "lastMembershipUpdated"],
        &["lastUpdated", "lastMembershipUpdated"],
    )?;
    let after = resolve_cursor(&params, |cursor| state.group_seqs.get(cursor).copied())?;
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    let candidates = state
        .groups
        .range((start, Bound::Unbounded))
        .map(|(_, group)| group)
        .filter(|group| match &expression {
            Some(expression) => {
                let lookup = |path: &str| state.group_attribute(group, path);
                expression.matches(&lookup, ignore_case)
            }
            None => true,
        });
    let (page, more) = take_page(candidates, size);
    let next = if more {
        page.last().map(|group| group.id.as_str())
    } else {
        None
    };
    let links = link_values(&state.base_url, uri.path(), &params, size, next);
    let body: Vec<Value> = page
        .iter()
        .map(|group| state.render_group(group, with_stats))
        .collect();
    Ok(list_response(Value::Array(body), links))
}

fn find_group(state: &OrgState, group_id: &str) -> Result<u64, ApiError> {
    state
        .group_seq(group_id)
        .ok_or_else(|| ApiError::not_found(group_id, "UserGroup"))
}

/// `GET /api/v1/groups/{groupId}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let group_id = path_param(&params, "groupId")?;
    let query = QueryParams::parse(raw_query.as_deref());
    let with_stats = query
        .get("expand")
        .is_some_and(|expand| expand.contains("stats"));
    let state = shared.org.lock();
    let seq = find_group(&state, &group_id)?;
    let body = state.render_group(&state.groups[&seq], with_stats);
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/v1/groups/{groupId}/users`.
pub(crate) async fn members(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    params: RawPathParams,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let group_id = path_param(&params, "groupId")?;
    let query = QueryParams::parse(raw_query.as_deref());
    let state = shared.org.lock();
    let group_seq = find_group(&state, &group_id)?;

    let limits = state.page_limits(Collection::GroupMembers);
    let size = page_size(&query, limits, limits.default)?;
    let after = resolve_cursor(&query, |cursor| state.user_seqs.get(cursor).copied())?;
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    let group = &state.groups[&group_seq];
    let (page, more) = if group.all_users {
        take_page(
            state
                .users
                .range((start, Bound::Unbounded))
                .map(|(_, user)| user),
            size,
        )
    } else {
        take_page(
            group
                .members
                .range((start, Bound::Unbounded))
                .filter_map(|user_seq| state.users.get(user_seq)),
            size,
        )
    };

    let next = if more {
        page.last().map(|user| user.id.as_str())
    } else {
        None
    };
    let links = link_values(&state.base_url, uri.path(), &query, size, next);
    let body: Vec<Value> = page
        .iter()
        .map(|user| state.render_user(user, false))
        .collect();
    Ok(list_response(Value::Array(body), links))
}

/// Finds the group and user of a membership request and checks that the
/// group's memberships can change.
fn membership_target(state: &OrgState, params: &RawPathParams) -> Result<(u64, u64), ApiError> {
    let group_id = path_param(params, "groupId")?;
    let user_id = path_param(params, "userId")?;
    let group_seq = find_group(state, &group_id)?;
    let user_seq = state
        .find_user_seq(&user_id)
        .ok_or_else(|| ApiError::not_found(&user_id, "User"))?;
    if !state.groups[&group_seq].kind.memberships_editable() {
        // Okta returns its generic permission error here, not a message
        // that names the group type.
        return Err(ApiError::permission_denied());
    }
    Ok((group_seq, user_seq))
}

/// `PUT /api/v1/groups/{groupId}/users/{userId}`: 204 whether or not the
/// user was already a member.
pub(crate) async fn add_member(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
) -> ApiResult {
    let mut state = shared.org.lock();
    let (group_seq, user_seq) = membership_target(&state, &params)?;
    state.add_membership(group_seq, user_seq);
    Ok(no_content())
}

/// `DELETE /api/v1/groups/{groupId}/users/{userId}`.
pub(crate) async fn remove_member(
    State(shared): State<Arc<Shared>>,
    params: RawPathParams,
) -> ApiResult {
    let mut state = shared.org.lock();
    let (group_seq, user_seq) = membership_target(&state, &params)?;
    state.remove_membership(group_seq, user_seq);
    Ok(no_content())
}
