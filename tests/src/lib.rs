//! End-to-end harness: the real server (in process, on a free port, with its
//! own SQLite database and the built web client) and a real headless
//! Chromium driven through ChromeDriver with fantoccini.
//!
//! Needs the web client built by `cargo xtask dist`; `cargo xtask test`
//! does that and sets `SALAMA_TEST_DIST` (and `SALAMA_TEST_AXE` for the
//! accessibility check). Without them these tests fail, with a message
//! saying so, rather than pass without testing anything.

pub mod filling;
/// The XLSForm fixtures the server's HTTP tests upload too.
#[path = "../../server/tests/fixtures/xlsforms.rs"]
pub mod xlsforms;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::{Capabilities, WebDriverCompatibleCommand};
use fantoccini::{Client, ClientBuilder, Locator};
use salama_server::store::Store;
use salama_server::{Config, boot};
use serde_json::{Value, json};

/// The narrowest phone screen the form must work on, in CSS pixels.
pub const PHONE: (u32, u32) = (320, 640);

pub use xlsforms::workbook_as_text as workbook;

/// A running Salama with the web client.
pub struct Site {
    pub base: String,
    pub store: Store,
    /// The one-time password of the `admin` created on first start, as
    /// `salama serve` prints it.
    pub first_admin_password: Option<String>,
    address: std::net::SocketAddr,
    server: boot::Server,
    serving: tokio::sync::Mutex<Option<boot::Serving>>,
    _folder: tempfile::TempDir,
}

/// The built web client (`cargo xtask dist`), as `cargo xtask test` names it.
pub fn built_client() -> PathBuf {
    required_path(
        "SALAMA_TEST_DIST",
        "the built web client (cargo xtask dist)",
    )
}

impl Site {
    pub async fn start() -> Site {
        Site::serving(built_client()).await
    }

    /// A site serving the web client from `dist` (e.g. a copy a test will
    /// replace with a "new build").
    pub async fn serving(dist: PathBuf) -> Site {
        let folder = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", folder.path().join("salama.db").display());
        let store = Store::open(&url).await.expect("store opens");
        let config = Config {
            static_dir: Some(dist),
            ..Config::default()
        };
        let mut server = boot::Server::prepare(store, config)
            .await
            .expect("server starts");
        let first_admin_password = server.take_first_admin().map(|admin| admin.password);
        let serving = server.serve_on_free_port().await.expect("serving");
        let address = serving.address();
        Site {
            base: format!("http://{address}"),
            store: server.store().clone(),
            first_admin_password,
            address,
            server,
            serving: tokio::sync::Mutex::new(Some(serving)),
            _folder: folder,
        }
    }

    /// Takes the server off the network (the device is "offline"): the
    /// port refuses connections until [`Site::resume`]. Data is kept.
    pub async fn stop(&self) {
        if let Some(serving) = self.serving.lock().await.take() {
            serving.stop(Duration::from_secs(5)).await;
        }
    }

    /// Serves again on the same address, with the same database.
    pub async fn resume(&self) {
        let started = Instant::now();
        let listener = loop {
            match boot::listen(self.address).await {
                Ok(listener) => break listener,
                Err(error) if started.elapsed() < Duration::from_secs(10) => {
                    let _ = error;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("{error}"),
            }
        };
        let serving = self.server.serve_in_background(listener).expect("serving");
        *self.serving.lock().await = Some(serving);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn stored(&self) -> u64 {
        self.store
            .submission_count("community-safety")
            .await
            .expect("count submissions")
    }

    /// Publishes a survey definition, which must pass its check first.
    pub async fn publish(&self, definition: &Value) {
        let written = definition.to_string();
        let survey = salama_shared::Survey::from_json(&written).expect("survey");
        assert_eq!(survey.check(), vec![]);
        salama_server::publishing::publish(&self.store, &survey, &written, "admin")
            .await
            .expect("published");
    }

    /// A staff member who has already chosen their own password (the
    /// server refuses a browser session on a one-time password every call
    /// but choosing one), returning it.
    pub async fn staff(&self, name: &str, role: salama_server::auth::Role) -> String {
        salama_server::auth::create_user(&self.store, name, role, "test")
            .await
            .expect("user created");
        let password = format!("{name}'s own password");
        let hash = salama_server::auth::hash_password(password.clone())
            .await
            .expect("hashed");
        self.store
            .change_password(name, &hash, "")
            .await
            .expect("password set");
        password
    }

    /// The submission stored under a receipt number, as it was received.
    pub async fn submission(&self, receipt_number: &str) -> Value {
        let id = receipt_number
            .parse()
            .expect("the receipt number is the submission id");
        let body = self
            .store
            .submission_body(id)
            .await
            .expect("store")
            .expect("stored");
        serde_json::from_slice(&body).expect("json")
    }
}

fn required_path(variable: &str, what: &str) -> PathBuf {
    match std::env::var_os(variable) {
        Some(path) => PathBuf::from(path),
        None => panic!("{variable} is not set: it names {what}; run `cargo xtask test`"),
    }
}

/// ChromeDriver and one headless Chromium session. ChromeDriver runs in its
/// own process group so that dropping this stops the browser too.
pub struct Browser {
    pub client: Client,
    driver: Child,
}

impl Browser {
    /// A browser with a fresh profile, gone when it closes.
    pub async fn start() -> Browser {
        Browser::launch(None, PHONE).await
    }

    /// A browser on a screen of this size in CSS pixels, e.g. a common
    /// phone's 412 × 915.
    pub async fn with_screen(screen: (u32, u32)) -> Browser {
        Browser::launch(None, screen).await
    }

    /// A browser on a profile kept in `profile`: closing and starting it
    /// again is closing and reopening the browser on a phone.
    pub async fn with_profile(profile: &std::path::Path) -> Browser {
        Browser::launch(Some(profile), PHONE).await
    }

    async fn launch(profile: Option<&std::path::Path>, screen: (u32, u32)) -> Browser {
        let driver_path =
            std::env::var_os("CHROMEDRIVER").unwrap_or_else(|| "/usr/bin/chromedriver".into());
        let chromium =
            std::env::var("SALAMA_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = {
            use std::os::unix::process::CommandExt;
            let folder = artifacts_folder();
            let _ = std::fs::create_dir_all(&folder);
            Command::new(&driver_path)
                .arg(format!("--port={port}"))
                .arg(format!(
                    "--log-path={}",
                    folder.join(format!("chromedriver-{port}.log")).display()
                ))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", driver_path.to_string_lossy()))
        };
        let mut capabilities = Capabilities::new();
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--no-first-run".into(),
            "--disable-quic".into(),
            "--lang=en-US".into(),
        ];
        if let Some(profile) = profile {
            args.push(format!("--user-data-dir={}", profile.display()));
        }
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium,
                "args": args,
                // Headless windows cannot be narrower than 500 px; phone
                // emulation gives the page a real 320 px viewport.
                "mobileEmulation": {
                    "deviceMetrics": { "width": screen.0, "height": screen.1, "pixelRatio": 2.0 }
                }
            }),
        );
        let webdriver = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let client = loop {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await
            {
                Ok(client) => break client,
                Err(_) if started.elapsed() < Duration::from_secs(30) => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(error) => panic!("ChromeDriver did not start a session: {error}"),
            }
        };
        Browser { client, driver }
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigates");
    }

    /// Waits (up to 30 s) for an element to exist.
    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element `{css}`: {e}"))
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Clicks an element brought to the middle of the screen first: a
    /// control just under the sticky Quick exit counts as "in view" for
    /// ChromeDriver, which would then click the Quick exit instead.
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        let argument = serde_json::to_value(&element).expect("element reference");
        self.client
            .execute(
                "arguments[0].scrollIntoView({ block: 'center' });",
                vec![argument],
            )
            .await
            .unwrap_or_else(|e| panic!("scrolling to `{css}`: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await.expect("clears");
        element.send_keys(text).await.expect("types");
    }

    /// Types `text` as question `question`'s answer and leaves the box for
    /// `elsewhere` (a typed answer is checked when its box is left), then
    /// returns the message refusing it.
    pub async fn refused(&self, question: &str, text: &str, elsewhere: &str) -> String {
        self.type_into(&format!("[id='q-{question}']"), text).await;
        self.click(elsewhere).await;
        self.text(&format!("[id='q-{question}-error']")).await
    }

    /// Types `text` as question `question`'s answer, leaves the box for
    /// `elsewhere` and waits until the answer stands without a message.
    pub async fn accepted(&self, question: &str, text: &str, elsewhere: &str) {
        self.type_into(&format!("[id='q-{question}']"), text).await;
        self.click(elsewhere).await;
        self.wait_until(
            &format!("`{text}` accepted for {question}"),
            &format!(
                "const box = document.getElementById('q-{question}'); \
                 const error = document.getElementById('q-{question}-error'); \
                 return box.getAttribute('aria-invalid') !== 'true' && !(error && error.textContent);"
            ),
        )
        .await;
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("text")
    }

    pub async fn script(&self, script: &str) -> Value {
        self.client
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Waits until a script returns true (e.g. a page change finished).
    pub async fn wait_until(&self, what: &str, script: &str) {
        let started = Instant::now();
        loop {
            if self.script(script).await == Value::Bool(true) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "timed out waiting: {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn heading(&self) -> String {
        self.text("#step-heading").await
    }

    /// Fails when the page is wider than the screen (sideways scrolling).
    pub async fn assert_fits_screen(&self, context: &str) {
        let sizes = self
            .script("return [document.documentElement.scrollWidth, window.innerWidth]")
            .await;
        assert!(
            sizes[0].as_u64() <= sizes[1].as_u64(),
            "{context}: the page is {} px wide on a {} px screen",
            sizes[0],
            sizes[1]
        );
    }

    /// Saves a screenshot under `target/browser-artifacts/`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("screenshot");
        let folder = artifacts_folder();
        std::fs::create_dir_all(&folder).expect("artefacts folder");
        std::fs::write(folder.join(format!("{name}.png")), png).expect("screenshot written");
    }

    /// Runs axe-core on the page and fails on any serious or critical
    /// violation, listing each with the elements it concerns.
    pub async fn assert_accessible(&self, context: &str) {
        let axe = required_path(
            "SALAMA_TEST_AXE",
            "axe-core's axe.min.js (from the npm registry)",
        );
        let source = std::fs::read_to_string(&axe).expect("axe.min.js readable");
        self.client
            .execute(&format!("{source}\nreturn true;"), Vec::new())
            .await
            .expect("axe-core injected");
        let result = self
            .client
            .execute_async(
                r#"const done = arguments[arguments.length - 1];
                axe.run(document, { resultTypes: ['violations'] })
                  .then(r => done(r.violations
                    .filter(v => v.impact === 'serious' || v.impact === 'critical')
                    .map(v => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)))
                  .catch(e => done(['axe failed: ' + e]));"#,
                Vec::new(),
            )
            .await
            .expect("axe ran");
        let violations: Vec<String> = serde_json::from_value(result).expect("list of violations");
        assert!(
            violations.is_empty(),
            "accessibility violations on {context}:\n{}",
            violations.join("\n")
        );
    }

    /// Chromium's network emulation (DevTools), e.g. 400 kbit/s and 400 ms.
    pub async fn throttle(&self, latency_ms: u32, kbit_per_second: u32) {
        let bytes_per_second = kbit_per_second * 1000 / 8;
        self.client
            .issue_cmd(NetworkConditions(json!({
                "network_conditions": {
                    "offline": false,
                    "latency": latency_ms,
                    "download_throughput": bytes_per_second,
                    "upload_throughput": bytes_per_second,
                }
            })))
            .await
            .expect("network conditions set");
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
        drop(self);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        stop_group(&mut self.driver);
    }
}

fn stop_group(driver: &mut Child) {
    if let Ok(None) = driver.try_wait() {
        // `--` so that the negative id is read as a process group, not a signal.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", driver.id())])
            .status();
        let _ = driver.wait();
    }
}

/// ChromeDriver's `POST /session/{id}/chromium/network_conditions`.
#[derive(Debug)]
struct NetworkConditions(Value);

impl WebDriverCompatibleCommand for NetworkConditions {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/chromium/network_conditions",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.0.to_string()))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

pub fn artifacts_folder() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        },
        PathBuf::from,
    );
    target.join("browser-artifacts")
}
