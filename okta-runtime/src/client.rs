//! The account client: runs a tool from its spec and checked arguments.

use std::collections::HashSet;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use crate::config::AccountConfig;
use crate::error::ApiError;
use crate::request::{Control, PreparedCall, encode_component, prepare, resume_cursor};
use crate::spec::{MembershipChange, Method, ToolSpec};
use crate::transport::{CallLog, OutgoingRequest, RateLimitState, Response, Transport};

/// Path prefix of every Management API request.
pub const API_PREFIX: &str = crate::generated::docs::API_PREFIX;

/// One page of a list, or several pages collected up to a cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// True when more items exist than were returned.
    pub truncated: bool,
    /// Cursor to pass as `after` to continue, when more remain.
    pub next: Option<String>,
    /// Requests made for this list.
    pub pages: u32,
}

/// Position where a list call stopped.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PageInfo {
    pub truncated: bool,
    pub next: Option<String>,
    pub pages: u32,
}

/// The raw result of a tool: a JSON value, plus page information for lists.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub value: Value,
    pub page: Option<PageInfo>,
}

/// A typed request of one tool.
pub trait ToolRequest: Serialize {
    fn spec() -> &'static ToolSpec;
}

/// A client for one account. Cloning is cheap and shares the connection
/// pool, the rate-limit state and the call log.
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
}

struct ClientInner {
    name: String,
    transport: Transport,
    max_list_items: u64,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("account", &self.inner.name)
            .field("origin", &self.inner.transport.origin())
            .finish_non_exhaustive()
    }
}

fn to_method(method: Method) -> reqwest::Method {
    match method {
        Method::Get => reqwest::Method::GET,
        Method::Post => reqwest::Method::POST,
        Method::Put => reqwest::Method::PUT,
        Method::Delete => reqwest::Method::DELETE,
    }
}

fn parse_json(response: &Response, label: &str) -> Result<Value, Error> {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&response.body).map_err(|error| Error::InvalidResponse {
        request: label.to_string(),
        status: response.status,
        message: error.to_string(),
    })
}

/// Returns the `rel="next"` URL of a response's `Link` headers.
pub fn next_link(response: &Response) -> Option<String> {
    for value in response.headers.get_all(reqwest::header::LINK) {
        let Ok(text) = value.to_str() else { continue };
        for link in text.split(',') {
            let mut parts = link.split(';');
            let Some(target) = parts.next() else { continue };
            let target = target.trim();
            let is_next = parts.any(|part| {
                let part = part.trim();
                part.strip_prefix("rel=")
                    .map(|rel| {
                        rel.trim_matches('"')
                            .split_whitespace()
                            .any(|r| r == "next")
                    })
                    .unwrap_or(false)
            });
            if is_next && target.starts_with('<') && target.ends_with('>') {
                return Some(target[1..target.len() - 1].to_string());
            }
        }
    }
    None
}

/// Returns the path and query of a `next` link, after checking that it stays
/// on the org and was not fetched before in the same walk.
fn follow_next<'a>(
    origin: &str,
    next: &'a str,
    seen: &HashSet<String>,
    label: &str,
    status: u16,
) -> Result<&'a str, Error> {
    let Some(relative) = next
        .strip_prefix(origin)
        .filter(|rest| rest.starts_with('/'))
    else {
        return Err(Error::InvalidResponse {
            request: label.to_string(),
            status,
            message: format!(
                "the next link {next} points outside the org {origin}; not following it"
            ),
        });
    };
    if seen.contains(relative) {
        return Err(Error::PaginationLoop {
            url: next.to_string(),
        });
    }
    Ok(relative)
}

/// Returns the value of the `after` query parameter of a URL.
fn cursor_of(url: &str, cursor_param: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    parsed
        .query_pairs()
        .find(|(name, _)| name == cursor_param)
        .map(|(_, value)| value.into_owned())
}

impl Client {
    /// Creates a client for an account, checking its URL and credentials.
    pub fn new(account: &AccountConfig) -> Result<Client, Error> {
        Client::with_log(account, CallLog::default())
    }

    /// Creates a client that records every HTTP exchange in `log`.
    pub fn with_log(account: &AccountConfig, log: CallLog) -> Result<Client, Error> {
        let transport = Transport::new(account, log)?;
        Ok(Client {
            inner: Arc::new(ClientInner {
                name: account.name.clone(),
                transport,
                max_list_items: account.options.max_list_items,
            }),
        })
    }

    /// Returns the account name.
    pub fn account(&self) -> &str {
        &self.inner.name
    }

    /// Returns the org origin, for example `https://example.okta.com`.
    pub fn origin(&self) -> &str {
        self.inner.transport.origin()
    }

    /// Returns the rate-limit headers of the last response, if any had them.
    pub fn rate_limit(&self) -> Option<RateLimitState> {
        self.inner.transport.rate_limit()
    }

    /// Returns the log of HTTP exchanges.
    pub fn call_log(&self) -> &CallLog {
        self.inner.transport.log()
    }

    /// Runs a typed request and converts the result.
    pub async fn call_typed<R: Serialize, T: DeserializeOwned>(
        &self,
        spec: &'static ToolSpec,
        request: &R,
    ) -> Result<T, Error> {
        let args = match serde_json::to_value(request) {
            Ok(Value::Object(map)) => map,
            Ok(_) | Err(_) => {
                return Err(Error::InvalidArguments {
                    tool: format!("okta.{}", spec.name),
                    problems: vec!["the request does not serialize to an object".to_string()],
                });
            }
        };
        let output = self.call(spec, args).await?;
        let value = match output.page {
            Some(page) => serde_json::json!({
                "items": output.value,
                "truncated": page.truncated,
                "next": page.next,
                "pages": page.pages,
            }),
            None => output.value,
        };
        serde_json::from_value(value).map_err(|error| Error::InvalidResponse {
            request: format!("okta.{}", spec.name),
            status: 200,
            message: error.to_string(),
        })
    }

    /// Checks the arguments and runs a tool.
    pub async fn call(
        &self,
        spec: &'static ToolSpec,
        args: Map<String, Value>,
    ) -> Result<ToolOutput, Error> {
        let prepared = prepare(spec, args)?;
        self.run(spec, prepared).await
    }

    /// Runs an already checked call.
    pub async fn run(
        &self,
        spec: &'static ToolSpec,
        call: PreparedCall,
    ) -> Result<ToolOutput, Error> {
        if spec.membership.is_some() {
            return self.run_membership(spec, &call).await;
        }
        if spec.pagination.is_some() {
            return self.run_list(spec, &call).await;
        }

        let (response, label) = self.send_call(spec, &call).await?;
        let mut value = parse_json(&response, &label)?;
        if let Some(status) = spec.lifecycle_status {
            let id = call
                .path_values
                .first()
                .map(|(_, value)| value.clone())
                .unwrap_or_default();
            // Okta returns an empty object for a lifecycle call, or details such
            // as an activation link, which are kept.
            let mut result = match value {
                Value::Object(map) => map,
                _ => Map::new(),
            };
            result.insert("id".to_string(), Value::from(id));
            result.insert("status".to_string(), Value::from(status));
            value = Value::Object(result);
        }
        for attach in spec.attach {
            let related = self
                .fetch_attached(spec, &call, &value, attach.path)
                .await?;
            if let Value::Object(map) = &mut value {
                map.insert(attach.field.to_string(), Value::Array(related));
            }
        }
        Ok(ToolOutput { value, page: None })
    }

    async fn send_call(
        &self,
        spec: &'static ToolSpec,
        call: &PreparedCall,
    ) -> Result<(Response, String), Error> {
        let path_and_query = format!("{API_PREFIX}{}", call.path_and_query());
        let label = format!("{} {path_and_query}", spec.method.as_str());
        let body = match &call.body {
            Some(body) => {
                Some(
                    serde_json::to_vec(body).map_err(|error| Error::InvalidArguments {
                        tool: format!("okta.{}", spec.name),
                        problems: vec![format!("the body cannot be encoded as JSON: {error}")],
                    })?,
                )
            }
            None => None,
        };
        let request = OutgoingRequest {
            tool: spec.name,
            method: to_method(spec.method),
            path_and_query,
            body,
            idempotent: spec.is_idempotent(),
            timeout_hint: (!spec.is_idempotent()).then(|| write_hint(spec, call)),
        };
        let response = self.inner.transport.send(request).await?;
        Ok((response, label))
    }

    /// Sends a GET for a path relative to the API prefix.
    async fn get(&self, tool: &str, path_and_query: String) -> Result<Response, Error> {
        self.inner
            .transport
            .send(OutgoingRequest {
                tool,
                method: reqwest::Method::GET,
                path_and_query,
                body: None,
                idempotent: true,
                timeout_hint: None,
            })
            .await
    }

    /// Fetches a related list, filling the placeholders from the main result
    /// (its `id` for `{id}`) or else from the call's path values.
    async fn fetch_attached(
        &self,
        spec: &'static ToolSpec,
        call: &PreparedCall,
        result: &Value,
        template: &str,
    ) -> Result<Vec<Value>, Error> {
        let mut path = template.to_string();
        for name in okta_manifest::path_placeholders(template) {
            let from_result = result.get(&name).and_then(Value::as_str);
            let value = from_result
                .or_else(|| call.path_value(&name))
                .unwrap_or_default();
            path = path.replace(&format!("{{{name}}}"), &encode_component(value));
        }
        let (items, _) = self
            .walk(
                spec,
                format!("{API_PREFIX}{path}"),
                "after",
                self.inner.max_list_items,
                0,
            )
            .await?;
        Ok(items)
    }

    /// Runs a list tool: follows `next` links until the cap is reached or no
    /// page remains.
    async fn run_list(
        &self,
        spec: &'static ToolSpec,
        call: &PreparedCall,
    ) -> Result<ToolOutput, Error> {
        let pagination = spec
            .pagination
            .expect("run_list is called for list tools only");
        let Control { item_cap, skip } = call.control.clone();
        let cap = item_cap
            .unwrap_or(self.inner.max_list_items)
            .min(self.inner.max_list_items);
        let first = format!("{API_PREFIX}{}", call.path_and_query());
        let (items, page) = self.walk(spec, first, pagination.cursor, cap, skip).await?;
        Ok(ToolOutput {
            value: Value::Array(items),
            page: Some(page),
        })
    }

    /// Collects up to `cap` items, skipping `skip` first, from the list at
    /// `first` and the pages its `next` links lead to.
    async fn walk(
        &self,
        spec: &'static ToolSpec,
        first: String,
        cursor_param: &str,
        cap: u64,
        mut skip: u64,
    ) -> Result<(Vec<Value>, PageInfo), Error> {
        let origin = self.origin().to_string();
        let mut items: Vec<Value> = Vec::new();
        let mut seen = HashSet::new();
        let mut page_info = PageInfo::default();
        let mut current = first;
        // The Okta cursor the current page was fetched with, for resuming.
        let mut current_after = cursor_of(&format!("{origin}{current}"), cursor_param);

        loop {
            seen.insert(current.clone());
            let response = self.get(spec.name, current.clone()).await?;
            page_info.pages += 1;
            let label = format!("GET {current}");
            let page = match parse_json(&response, &label)? {
                Value::Array(page) => page,
                _ => {
                    return Err(Error::InvalidResponse {
                        request: label,
                        status: response.status,
                        message: "expected a JSON array".to_string(),
                    });
                }
            };
            let next = next_link(&response);

            let page_len = page.len() as u64;
            let mut taken_in_page = 0u64;
            for item in page {
                if skip > 0 {
                    skip -= 1;
                    taken_in_page += 1;
                    continue;
                }
                if items.len() as u64 >= cap {
                    break;
                }
                items.push(item);
                taken_in_page += 1;
            }

            if items.len() as u64 >= cap {
                if taken_in_page < page_len {
                    page_info.truncated = true;
                    page_info.next = Some(resume_cursor(current_after.as_deref(), taken_in_page));
                    break;
                }
                if let Some(next) = &next {
                    page_info.truncated = true;
                    let after = cursor_of(next, cursor_param);
                    page_info.next = Some(resume_cursor(after.as_deref(), 0));
                }
                break;
            }

            let Some(next) = next else { break };
            let relative = follow_next(&origin, &next, &seen, &label, response.status)?;
            current_after = cursor_of(&next, cursor_param);
            current = relative.to_string();
        }
        Ok((items, page_info))
    }

    /// Runs a group membership change and reports whether it changed anything.
    async fn run_membership(
        &self,
        spec: &'static ToolSpec,
        call: &PreparedCall,
    ) -> Result<ToolOutput, Error> {
        let membership = spec
            .membership
            .expect("run_membership is called for membership tools only");
        let user = call
            .path_value(membership.user)
            .unwrap_or_default()
            .to_string();
        let group = call
            .path_value(membership.group)
            .unwrap_or_default()
            .to_string();

        let groups_path = format!("{API_PREFIX}/users/{}/groups", encode_component(&user));
        let (groups, _) = self
            .walk(spec, groups_path, "after", self.inner.max_list_items, 0)
            .await?;
        let membership_group = groups
            .iter()
            .find(|g| g.get("id").and_then(Value::as_str) == Some(group.as_str()));
        let is_member = membership_group.is_some();
        // Only OKTA_GROUP memberships can change. For the other types the
        // request still goes out, so that Okta's refusal is reported.
        let managed_elsewhere = membership_group
            .and_then(|g| g.get("type"))
            .and_then(Value::as_str)
            .is_some_and(|kind| kind != "OKTA_GROUP");

        let (needed, done, nothing) = match membership.change {
            MembershipChange::Add => (!is_member, "was added to", "is already a member of"),
            MembershipChange::Remove => (is_member, "was removed from", "is not a member of"),
        };
        if (needed || managed_elsewhere)
            && let Err(error) = self.send_call(spec, call).await
        {
            return Err(self.explain_membership_error(spec, &group, error).await);
        }
        let message = if needed {
            format!("User {user} {done} group {group}.")
        } else {
            format!("User {user} {nothing} group {group}; nothing changed.")
        };
        let value = serde_json::json!({
            "changed": needed,
            "groupId": group,
            "userId": user,
            "message": message,
        });
        Ok(ToolOutput { value, page: None })
    }

    /// Replaces Okta's generic 403 for a group whose memberships come from
    /// elsewhere (APP_GROUP, BUILT_IN) with the actual reason.
    async fn explain_membership_error(
        &self,
        spec: &'static ToolSpec,
        group: &str,
        error: Error,
    ) -> Error {
        let Error::Api(mut api) = error else {
            return error;
        };
        if api.status != 403 {
            return Error::Api(api);
        }
        let path = format!("{API_PREFIX}/groups/{}", encode_component(group));
        let Ok(response) = self.get(spec.name, path).await else {
            return Error::Api(api);
        };
        let Ok(details) = serde_json::from_slice::<Value>(&response.body) else {
            return Error::Api(api);
        };
        let kind = details
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let name = details
            .pointer("/profile/name")
            .and_then(Value::as_str)
            .unwrap_or(group);
        let detail = match kind {
            "APP_GROUP" => format!(
                "group {group} (\"{name}\") is an APP_GROUP: its membership is managed by the source application or directory it is imported from, so it cannot be changed through the API. Change it in that source, or use an OKTA_GROUP"
            ),
            "BUILT_IN" => format!(
                "group {group} (\"{name}\") is a BUILT_IN group: Okta manages its membership itself (every user belongs to Everyone), so it cannot be changed through the API. Use an OKTA_GROUP"
            ),
            _ => return Error::Api(api),
        };
        api.detail = Some(detail);
        Error::Api(api)
    }
}

/// The pages of a list tool, fetched one request at a time, so memory stays
/// bounded by one page however long the list is.
pub struct Pages<T> {
    client: Client,
    spec: &'static ToolSpec,
    /// Path and query of the next page, relative to the org.
    next: Option<String>,
    seen: HashSet<String>,
    skip: u64,
    pages: u32,
    _items: std::marker::PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> Pages<T> {
    /// Fetches the next page; returns None after the last one.
    pub async fn next_page(&mut self) -> Option<Result<Vec<T>, Error>> {
        let current = self.next.take()?;
        Some(self.fetch(current).await)
    }

    /// Returns the number of pages fetched so far.
    pub fn pages_fetched(&self) -> u32 {
        self.pages
    }

    async fn fetch(&mut self, current: String) -> Result<Vec<T>, Error> {
        self.seen.insert(current.clone());
        let response = self.client.get(self.spec.name, current.clone()).await?;
        self.pages += 1;
        let label = format!("GET {current}");
        let mut items: Vec<T> =
            serde_json::from_slice(&response.body).map_err(|error| Error::InvalidResponse {
                request: label.clone(),
                status: response.status,
                message: error.to_string(),
            })?;
        if self.skip > 0 {
            let skipped = (self.skip as usize).min(items.len());
            items.drain(..skipped);
            self.skip -= skipped as u64;
        }

        if let Some(next) = next_link(&response) {
            let origin = self.client.origin();
            let relative = follow_next(origin, &next, &self.seen, &label, response.status)?;
            self.next = Some(relative.to_string());
        }
        Ok(items)
    }
}

impl Client {
    /// Starts walking the pages of a list tool. Each call of
    /// [`Pages::next_page`] sends one request; `limit` is the page size.
    ///
    /// ```no_run
    /// # async fn example(client: okta_runtime::Client) -> Result<(), okta_runtime::Error> {
    /// use okta_runtime::{requests::ListUsersRequest, types::User};
    ///
    /// let mut pages = client.pages::<_, User>(&ListUsersRequest { limit: Some(200), ..Default::default() })?;
    /// while let Some(page) = pages.next_page().await {
    ///     for user in page? {
    ///         println!("{:?}", user.id);
    ///     }
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub fn pages<R: ToolRequest, T: DeserializeOwned>(
        &self,
        request: &R,
    ) -> Result<Pages<T>, Error> {
        let spec = R::spec();
        if spec.pagination.is_none() {
            return Err(Error::InvalidArguments {
                tool: format!("okta.{}", spec.name),
                problems: vec![format!("okta.{} is not a list tool", spec.name)],
            });
        }
        let args = match serde_json::to_value(request) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        let call = prepare(spec, args)?;
        Ok(Pages {
            client: self.clone(),
            spec,
            next: Some(format!("{API_PREFIX}{}", call.path_and_query())),
            seen: HashSet::new(),
            skip: call.control.skip,
            pages: 0,
            _items: std::marker::PhantomData,
        })
    }
}

/// Returns advice for a write whose outcome is unknown after a timeout.
fn write_hint(spec: &ToolSpec, call: &PreparedCall) -> String {
    let login = call
        .body
        .as_ref()
        .and_then(|body| body.pointer("/profile/login"))
        .and_then(Value::as_str);
    match login {
        Some(login) if spec.method == Method::Post => format!(
            "the request may have reached Okta, so the user may already have been created; check with get_user({{ id = \"{login}\" }}) before sending it again"
        ),
        _ => "the request may have reached Okta and taken effect; check the current state before sending it again".to_string(),
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Error::Api(Box::new(error))
    }
}
