//! `/api/v1/apps`.

use std::ops::Bound;
use std::sync::Arc;

use axum::extract::{RawPathParams, RawQuery, State};
use axum::http::{StatusCode, Uri};
use serde_json::Value;

use super::{ApiResult, check_filter, json_response, list_response, parse_expression, path_param};
use crate::error::ApiError;
use crate::org::Collection;
use crate::paging::{link_values, page_size, resolve_cursor, take_page};
use crate::query::QueryParams;
use crate::server::Shared;

/// `GET /api/v1/apps`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    RawQuery(raw_query): RawQuery,
) -> ApiResult {
    let params = QueryParams::parse(raw_query.as_deref());
    let state = shared.org.lock();
    let limits = state.page_limits(Collection::Apps);
    let size = page_size(&params, limits, limits.default)?;
    let needle = params.get("q").map(str::to_lowercase);
    let expression = match params.get("filter").filter(|text| !text.is_empty()) {
        Some(text) => {
            let expression = parse_expression(text, "filter")?;
            check_filter(
                &expression,
                &[
                    "id",
                    "status",
                    "name",
                    "credentials.signing.kid",
                    "user.id",
                    "group.id",
                ],
                &[],
            )?;
            Some(expression)
        }
        None => None,
    };

    let after = resolve_cursor(&params, |cursor| state.app_seqs.get(cursor).copied())?;
    let start = after.map_or(Bound::Unbounded, Bound::Excluded);
    let candidates = state
        .apps
        .range((start, Bound::Unbounded))
        .map(|(_, app)| app)
        .filter(|app| {
            let q_matches = needle.as_ref().is_none_or(|needle| {
                ["name", "label"].iter().any(|key| {
                    app.body
                        .get(*key)
                        .and_then(Value::as_str)
                        .is_some_and(|value| value.to_lowercase().starts_with(needle.as_str()))
                })
            });
            let filter_matches = expression.as_ref().is_none_or(|expression| {
                let lookup = |path: &str| state.app_attribute(app, path);
                expression.matches(&lookup, false)
            });
            q_matches && filter_matches
        });

    let (page, more) = take_page(candidates, size);
    let next = if more {
        page.last().map(|app| app.id.as_str())
    } else {
        None
    };
    let links = link_values(&state.base_url, uri.path(), &params, size, next);
    let body: Vec<Value> = page.iter().map(|app| state.render_app(app)).collect();
    Ok(list_response(Value::Array(body), links))
}

/// `GET /api/v1/apps/{appId}`.
pub(crate) async fn get(State(shared): State<Arc<Shared>>, params: RawPathParams) -> ApiResult {
    let app_id = path_param(&params, "appId")?;
    let state = shared.org.lock();
    let app = state
        .app_seqs
        .get(&app_id)
        .and_then(|seq| state.apps.get(seq))
        .ok_or_else(|| ApiError::not_found(&app_id, "AppInstance"))?;
    Ok(json_response(StatusCode::OK, &state.render_app(app)))
}
