//! A real server for tests: bound to 127.0.0.1 on a free port, on its own
//! SQLite database, started as `salama serve` starts it.
#![allow(dead_code)]

pub mod contract;
#[path = "../fixtures/xlsforms.rs"]
pub mod xlsforms;

use std::num::NonZeroU32;

use reqwest::{RequestBuilder, StatusCode};
use salama_server::Config;
use salama_server::auth::{self, Role};
use salama_server::boot;
use salama_server::limits::RateLimits;
use salama_server::store::Store;
use serde_json::{Value, json};

pub const BODY_LIMIT: usize = 64 * 1024;

pub struct Server {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    _serving: boot::Serving,
    _folder: tempfile::TempDir,
}

pub async fn spawn() -> Server {
    spawn_with(RateLimits {
        logins_per_minute: NonZeroU32::new(1000).expect("not zero"),
        submissions_per_minute: NonZeroU32::new(1000).expect("not zero"),
    })
    .await
}

pub async fn spawn_with(rate_limits: RateLimits) -> Server {
    spawn_configured(Config {
        body_limit: BODY_LIMIT,
        rate_limits,
        ..Config::default()
    })
    .await
}

pub async fn spawn_configured(config: Config) -> Server {
    let folder = tempfile::tempdir().expect("temporary folder");
    let url = format!("sqlite://{}", folder.path().join("salama.db").display());
    let store = Store::open(&url).await.expect("store opens");
    spawn_on(store, config, folder).await
}

/// The URL of a fresh database on the PostgreSQL server named by
/// `SALAMA_TEST_POSTGRES_URL` (started by `cargo xtask test`), one per
/// test so tests run in parallel. A missing server fails the test: the
/// PostgreSQL stories never skip silently.
pub async fn fresh_postgres_url() -> String {
    let Ok(admin_url) = std::env::var("SALAMA_TEST_POSTGRES_URL") else {
        panic!(
            "SALAMA_TEST_POSTGRES_URL is not set: run `cargo xtask test`, which starts a throwaway PostgreSQL"
        )
    };
    let admin = sqlx::PgPool::connect(&admin_url)
        .await
        .expect("PostgreSQL reachable");
    let name = format!("salama_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("create test database");
    admin.close().await;
    let (base, _) = admin_url.rsplit_once('/').expect("URL names a database");
    format!("{base}/{name}")
}

/// A store on a fresh PostgreSQL database (see [`fresh_postgres_url`]).
pub async fn postgres_store() -> Store {
    let store = Store::open(&fresh_postgres_url().await)
        .await
        .expect("PostgreSQL store opens");
    assert_eq!(store.backend(), "postgres");
    store
}

/// A real server on `store`, started as `salama serve` starts.
pub async fn spawn_on(store: Store, config: Config, folder: tempfile::TempDir) -> Server {
    let server = boot::Server::prepare(store, config)
        .await
        .expect("server starts");
    let serving = server.serve_on_free_port().await.expect("serving");
    Server {
        base: format!("http://{}", serving.address()),
        client: reqwest::Client::new(),
        store: server.store().clone(),
        _serving: serving,
        _folder: folder,
    }
}

/// Who makes a request.
#[derive(Clone, Debug)]
pub enum As {
    Anonymous,
    Token(String),
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A user with `role`, returning their device token.
    pub async fn user(&self, name: &str, role: Role) -> (String, String) {
        let new = auth::create_user(&self.store, name, role, "test")
            .await
            .expect("user created");
        (new.password, new.token)
    }

    pub fn with(&self, request: RequestBuilder, who: &As) -> RequestBuilder {
        match who {
            As::Anonymous => request,
            As::Token(token) => request.bearer_auth(token),
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        send(self.client.get(self.url(path))).await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        send(
            self.client
                .post(self.url(path))
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// A download that must succeed.
    pub async fn download(&self, token: &str, path: &str) -> reqwest::Response {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        response
    }

    /// A CSV download that must succeed, as header and rows.
    pub async fn download_csv(
        &self,
        token: &str,
        path: &str,
    ) -> (Vec<String>, Vec<csv::StringRecord>) {
        let text = self.download(token, path).await.text().await.expect("text");
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader.records().map(|row| row.expect("row")).collect();
        (header, rows)
    }

    /// A JSON body posted with a bearer token.
    pub async fn post_as(&self, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
        send(
            self.client
                .post(self.url(path))
                .bearer_auth(token)
                .json(body),
        )
        .await
    }

    /// Logs in and returns who the server says it is and the session
    /// cookie (`salama_session=…`).
    pub async fn session(&self, name: &str, password: &str) -> (Value, String) {
        let response = self
            .client
            .post(self.url("/api/login"))
            .json(&json!({"name": name, "password": password}))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::OK);
        let cookie = response.headers()["set-cookie"].to_str().expect("ascii");
        let cookie = cookie.split(';').next().expect("pair").to_owned();
        (response.json().await.expect("json"), cookie)
    }

    /// A request with a session cookie, as the browser sends it from
    /// Salama's own pages.
    pub async fn with_session(
        &self,
        cookie: &str,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("cookie", cookie)
            .header("origin", &self.base);
        if let Some(body) = body {
            request = request.json(&body);
        }
        send(request).await
    }

    pub async fn submit(&self, submission: &Value) -> (StatusCode, Value) {
        let body = serde_json::to_vec(submission).expect("serialises");
        self.post_raw(
            "/api/surveys/community-safety/submissions",
            "application/json",
            body,
        )
        .await
    }
}

/// A request with a bearer token and an optional JSON body.
pub async fn call(
    server: &Server,
    method: reqwest::Method,
    path: &str,
    who: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = server.with(
        server.client.request(method, server.url(path)),
        &As::Token(who.to_owned()),
    );
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request).await
}

/// Sends `request`; a JSON answer is checked against the API document
/// (see [`contract`]).
pub async fn send(request: RequestBuilder) -> (StatusCode, Value) {
    let (client, request) = request.build_split();
    let request = request.expect("request builds");
    let (method, path) = (request.method().clone(), request.url().path().to_owned());
    let response = client.execute(request).await.expect("request");
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = response.json().await.unwrap_or(Value::Null);
    contract::check(&method, &path, status, &content_type, &body);
    (status, body)
}

/// A valid online answer with a fresh id.
pub fn online() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::online_answer()).expect("serialises");
    submission["submission_id"] = json!(uuid::Uuid::new_v4());
    submission
}

/// A valid household interview with a fresh id, naming no enumerator: it
/// is credited to whichever enumerator's token sends it.
pub fn interview() -> Value {
    let mut submission =
        serde_json::to_value(salama_shared::sample::household_interview()).expect("serialises");
    submission["submission_id"] = json!(uuid::Uuid::new_v4());
    submission
        .as_object_mut()
        .map(|fields| fields.remove("enumerator_id"));
    submission
}

#[track_caller]
pub fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body:#}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body:#}"
    );
    assert!(body["error"]["fields"].is_array(), "{body:#}");
}

/// A workbook with these sheets, each a list of rows of cells ("" = empty).
pub fn workbook(sheets: &[(&str, Vec<Vec<&str>>)]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let sheet = book.add_worksheet();
        sheet.set_name(*name).expect("sheet name");
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let (r, c) = (r as u32, c as u16);
                // Numbers as numbers, as a spreadsheet author would type them.
                match cell.parse::<f64>() {
                    Ok(number) => sheet.write_number(r, c, number),
                    Err(_) => sheet.write_string(r, c, *cell),
                }
                .expect("cell written");
            }
        }
    }
    book.save_to_buffer().expect("workbook saved")
}
