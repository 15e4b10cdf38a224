//! Helpers shared by the integration tests: a small HTTP client for the
//! fake org.

#![allow(dead_code)]

use okta_mock::{MockOptions, MockServer, Seed};
use reqwest::Method;
use serde_json::Value;

/// A response with its body read.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|value| value.to_str().unwrap().to_string())
    }

    pub fn links(&self) -> Vec<String> {
        self.headers
            .get_all("link")
            .iter()
            .map(|value| value.to_str().unwrap().to_string())
            .collect()
    }

    /// Returns the URL of the `rel="next"` link, if any.
    pub fn next_link(&self) -> Option<String> {
        self.links()
            .iter()
            .find(|link| link.ends_with("rel=\"next\""))
            .map(|link| link[1..link.find('>').unwrap()].to_string())
    }

    pub fn error_code(&self) -> &str {
        self.body["errorCode"].as_str().unwrap_or_default()
    }

    pub fn ids(&self) -> Vec<String> {
        self.body
            .as_array()
            .expect("a list body")
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect()
    }
}

/// An HTTP client bound to one fake org and its token.
pub struct Api {
    pub base: String,
    pub token: String,
    client: reqwest::Client,
}

impl Api {
    pub fn new(server: &MockServer) -> Api {
        Api {
            base: server.url(),
            token: server.token(),
            client: reqwest::Client::new(),
        }
    }

    /// Sends a request to `path_and_query` (relative to the base URL, or an
    /// absolute URL) with the SSWS token.
    pub async fn send(&self, method: Method, path_and_query: &str, body: Option<Value>) -> Answer {
        let authorization = format!("SSWS {}", self.token);
        self.send_with(method, path_and_query, body, Some(&authorization))
            .await
    }

    pub async fn send_with(
        &self,
        method: Method,
        path_and_query: &str,
        body: Option<Value>,
        authorization: Option<&str>,
    ) -> Answer {
        let url = if path_and_query.starts_with("http") {
            path_and_query.to_string()
        } else {
            format!("{}{}", self.base, path_and_query)
        };
        let method_is_put = method == Method::PUT;
        let mut request = self
            .client
            .request(method, url)
            .header("Accept", "application/json");
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        match body {
            Some(body) => request = request.json(&body),
            // Okta returns 411 for a PUT without Content-Length, which
            // reqwest omits for a request without a body.
            None if method_is_put => request = request.header("Content-Length", "0"),
            None => {}
        }
        let response = request.send().await.expect("request reaches the fake org");
        read(response).await
    }

    pub async fn get(&self, path_and_query: &str) -> Answer {
        self.send(Method::GET, path_and_query, None).await
    }

    pub async fn post(&self, path_and_query: &str, body: Value) -> Answer {
        self.send(Method::POST, path_and_query, Some(body)).await
    }

    pub async fn put(&self, path_and_query: &str, body: Option<Value>) -> Answer {
        self.send(Method::PUT, path_and_query, body).await
    }

    pub async fn delete(&self, path_and_query: &str) -> Answer {
        self.send(Method::DELETE, path_and_query, None).await
    }

    pub fn raw(&self) -> &reqwest::Client {
        &self.client
    }
}

pub async fn read(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body is readable");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        body,
        text,
    }
}

pub async fn empty_org() -> MockServer {
    MockServer::start(MockOptions {
        seed: Seed::Empty,
        ..MockOptions::default()
    })
    .await
    .expect("fake org starts")
}

pub async fn demo_org() -> MockServer {
    MockServer::start(MockOptions::default())
        .await
        .expect("fake org starts")
}
