//! The `okta-mock` binary: first stdout line, flags, seed and config files.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(arguments: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_okta-mock"))
        .args(arguments)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("okta-mock starts");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    Running {
        child,
        url: line.trim().to_string(),
    }
}

fn get(url: &str, token: &str) -> (u16, serde_json::Value) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = reqwest::Client::new()
            .get(url)
            .header("Authorization", format!("SSWS {token}"))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or_default())
    })
}

#[test]
fn prints_url_first_and_serves() {
    let server = start(&["--port", "0", "--token", "binary-token"]);
    assert!(
        server.url.starts_with("http://127.0.0.1:"),
        "{}",
        server.url
    );
    assert!(!server.url.ends_with('/'));
    let (status, body) = get(&format!("{}/api/v1/users/me", server.url), "binary-token");
    assert_eq!(status, 200);
    assert_eq!(body["profile"]["login"], "avery.admin@example.com");
    let (status, _) = get(&format!("{}/api/v1/users/me", server.url), "mock-token");
    assert_eq!(status, 401);
}

#[test]
fn generated_users_and_page_size() {
    let server = start(&["--port", "0", "--users", "300", "--page-size", "users=100"]);
    let (status, body) = get(
        &format!("{}/api/v1/users?limit=200", server.url),
        "mock-token",
    );
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 100);
}

#[test]
fn seed_and_config_files() {
    let folder = std::env::temp_dir().join(format!("okta-mock-binary-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("seed.json"),
        r#"{ "users": [ { "id": "00useed1", "profile": { "login": "seed.one@example.com", "email": "seed.one@example.com", "firstName": "Seed", "lastName": "One" } } ],
             "groups": [ { "id": "00gseed1", "profile": { "name": "Seeded" }, "members": ["00useed1"] } ] }"#,
    )
    .unwrap();
    std::fs::write(
        folder.join("config.yaml"),
        "seed: seed.json\ntoken: config-token\nfaults:\n  - method: GET\n    path: /api/v1/groups\n    replies:\n      - oktaError: { status: 503, code: E0000010, summary: Service is in read-only mode }\n",
    )
    .unwrap();
    let config = folder.join("config.yaml");
    let server = start(&["--port", "0", "--config", config.to_str().unwrap()]);
    let (status, body) = get(&format!("{}/api/v1/users/me", server.url), "config-token");
    assert_eq!(status, 200);
    assert_eq!(body["id"], "00useed1");
    let groups_url = format!("{}/api/v1/groups", server.url);
    let (status, body) = get(&groups_url, "config-token");
    assert_eq!(status, 503);
    assert_eq!(body["errorCode"], "E0000010");
    let (status, body) = get(&groups_url, "config-token");
    assert_eq!(status, 200);
    assert_eq!(body[0]["profile"]["name"], "Seeded");
    drop(server);
    let _ = std::fs::remove_dir_all(folder);
}

#[test]
fn bad_seed_file_fails_with_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_okta-mock"))
        .args(["--port", "0", "--seed", "/nonexistent/seed.yaml"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/seed.yaml"), "{stderr}");
    assert!(output.stdout.is_empty());
}
