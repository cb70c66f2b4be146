//! Serving the web client: precompressed variants, a year of caching for
//! hashed assets, none for index.html, index.html for client routes, and the
//! API's own 404s untouched.

mod common;

use salama_server::Config;

struct Dist {
    folder: tempfile::TempDir,
}

/// A built client in miniature: index.html and one hashed asset with its
/// gzip and brotli variants (contents chosen so each is recognisable).
fn dist() -> Dist {
    let folder = tempfile::tempdir().expect("folder");
    let assets = folder.path().join("assets");
    std::fs::create_dir_all(&assets).expect("assets");
    std::fs::write(
        folder.path().join("index.html"),
        "<!doctype html><title>app</title>",
    )
    .expect("index");
    std::fs::write(
        folder.path().join("analysis.html"),
        "<!doctype html><title>analysis</title>",
    )
    .expect("analysis page");
    std::fs::write(
        folder.path().join("admin.html"),
        "<!doctype html><title>admin</title>",
    )
    .expect("console page");
    std::fs::write(
        folder.path().join("field.html"),
        "<!doctype html><title>field</title>",
    )
    .expect("field page");
    std::fs::write(folder.path().join("field-sw.js"), "// worker").expect("worker");
    std::fs::write(assets.join("app-0123456789abcdef.js"), "plain").expect("js");
    std::fs::write(assets.join("app-0123456789abcdef.js.gz"), "gzipped").expect("gz");
    std::fs::write(assets.join("app-0123456789abcdef.js.br"), "brotli").expect("br");
    Dist { folder }
}

async fn server(dist: &Dist) -> common::Server {
    common::spawn_configured(Config {
        static_dir: Some(dist.folder.path().to_path_buf()),
        ..Config::default()
    })
    .await
}

async fn get(server: &common::Server, path: &str, encoding: &str) -> reqwest::Response {
    server
        .client
        .get(server.url(path))
        .header("accept-encoding", encoding)
        .send()
        .await
        .expect("response")
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test]
async fn hashed_assets_come_precompressed_and_cached_for_a_year() {
    let dist = dist();
    let server = server(&dist).await;
    for (accept, encoding, body) in [
        ("br, gzip", Some("br"), "brotli"),
        ("gzip", Some("gzip"), "gzipped"),
        ("identity", None, "plain"),
    ] {
        let response = get(&server, "/assets/app-0123456789abcdef.js", accept).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            encoding,
            "{accept}"
        );
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("public, max-age=31536000, immutable")
        );
        assert!(
            header(&response, "content-type")
                .unwrap_or_default()
                .contains("javascript")
        );
        assert_eq!(response.text().await.expect("body"), body);
    }
}

#[tokio::test]
async fn a_missing_asset_is_a_404_that_is_not_cached() {
    let dist = dist();
    let server = server(&dist).await;
    let response = get(&server, "/assets/app-ffffffffffffffff.js", "gzip").await;
    assert_eq!(response.status(), 404);
    assert_eq!(header(&response, "cache-control"), None);
}

#[tokio::test]
async fn client_routes_get_index_html_revalidated_each_time() {
    let dist = dist();
    let server = server(&dist).await;
    for path in [
        "/",
        "/s/community-safety",
        "/receipt/5a1a4a00-0000-4000-8000-000000000001",
        "/today",
    ] {
        let response = get(&server, path, "gzip").await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-cache"),
            "{path}"
        );
        assert!(
            header(&response, "content-type")
                .unwrap_or_default()
                .starts_with("text/html")
        );
        assert!(header(&response, "content-security-policy").is_some());
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("<title>app</title>")
        );
    }
}

#[tokio::test]
async fn the_analysts_and_the_consoles_routes_get_their_own_pages() {
    let dist = dist();
    let server = server(&dist).await;
    for (page, paths) in [
        ("analysis", ["/analysis", "/analysis/indicators"]),
        ("admin", ["/admin", "/admin/surveys"]),
    ] {
        for path in paths {
            let response = get(&server, path, "gzip").await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(
                header(&response, "cache-control").as_deref(),
                Some("no-cache"),
                "{path}"
            );
            assert!(
                response
                    .text()
                    .await
                    .expect("body")
                    .contains(&format!("<title>{page}</title>")),
                "{path}"
            );
        }
        let form = get(&server, &format!("/{page}x"), "gzip").await;
        assert!(
            form.text()
                .await
                .expect("body")
                .contains("<title>app</title>")
        );
    }
}

#[tokio::test]
async fn the_field_app_and_its_worker_are_revalidated_on_every_visit() {
    let dist = dist();
    let server = server(&dist).await;
    for path in ["/field", "/field/", "/field/anything"] {
        let response = get(&server, path, "gzip").await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            header(&response, "cache-control").as_deref(),
            Some("no-cache")
        );
        assert!(
            response
                .text()
                .await
                .expect("body")
                .contains("<title>field</title>")
        );
    }
    // A worker cached for a year would keep an old build on every device.
    let worker = get(&server, "/field-sw.js", "gzip").await;
    assert_eq!(worker.status(), 200);
    assert_eq!(
        header(&worker, "cache-control").as_deref(),
        Some("no-cache")
    );
    assert!(
        header(&worker, "content-type").is_some_and(|t| t.contains("javascript")),
        "a worker must be served as JavaScript"
    );
    assert_eq!(worker.text().await.expect("body"), "// worker");
}

#[tokio::test]
async fn the_api_keeps_its_own_errors_beside_the_client() {
    let dist = dist();
    let server = server(&dist).await;
    let (status, body) = server.get("/api/no-such-thing").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    let (status, body) = server.get("/api/surveys").await;
    assert_eq!(status, 200);
    assert!(body.as_array().is_some_and(|surveys| !surveys.is_empty()));
}

#[tokio::test]
async fn survey_definitions_come_compressed_and_other_answers_do_not() {
    let dist = dist();
    let server = server(&dist).await;
    let definition = get(&server, "/api/surveys/community-safety", "br, gzip").await;
    assert_eq!(definition.status(), 200);
    assert_eq!(
        header(&definition, "content-encoding").as_deref(),
        Some("br")
    );
    let compressed = definition.bytes().await.expect("body").len();
    let plain = get(&server, "/api/surveys/community-safety", "identity").await;
    assert_eq!(header(&plain, "content-encoding"), None);
    let size = plain.bytes().await.expect("body").len();
    // Served as compact JSON (with its languages' interface words), which
    // compresses less than the pretty-printed file did: still a third.
    assert!(
        compressed * 3 < size,
        "{compressed} bytes compressed of {size}"
    );
    // Answers that may carry credentials or reflect input stay uncompressed.
    let list = get(&server, "/api/surveys", "br, gzip").await;
    assert_eq!(header(&list, "content-encoding"), None);
    let me = get(&server, "/api/me", "br, gzip").await;
    assert_eq!(header(&me, "content-encoding"), None);
}

#[tokio::test]
async fn a_surveys_page_can_be_left_before_the_app_loads() {
    let dist = dist();
    std::fs::write(
        dist.folder.path().join("index.html"),
        "<!doctype html>\n<html lang=\"en\">\n<head><title>app</title></head>\n<body>\n<noscript>…</noscript>\n</body>\n</html>\n",
    )
    .expect("index");
    let server = server(&dist).await;
    let page = |path: &'static str| {
        let server = &server;
        async move {
            let response = get(server, path, "gzip").await;
            assert_eq!(response.status(), 200, "{path}");
            assert_eq!(
                header(&response, "cache-control").as_deref(),
                Some("no-cache")
            );
            assert!(header(&response, "content-security-policy").is_some());
            response.text().await.expect("body")
        }
    };

    // The survey's own first words, its Quick exit before the app's noscript.
    let english = page("/s/community-safety").await;
    assert!(
        english.contains("<html lang=\"en\" dir=\"ltr\">"),
        "{english}"
    );
    let exit = english
        .find("<a id=\"shell-exit\" class=\"quick-exit\" href=\"/today\">Quick exit</a>")
        .expect("a Quick exit");
    assert!(exit < english.find("<noscript>").expect("noscript"));
    assert!(english.contains("<p role=\"status\">Loading…</p>"));

    // In the language asked for, when the survey has it; else its own.
    let arabic = page("/s/community-safety?lang=ar").await;
    assert!(
        arabic.contains("<html lang=\"ar\" dir=\"rtl\">"),
        "{arabic}"
    );
    assert!(arabic.contains(">خروج سريع</a>"), "{arabic}");
    let hostile = page("/s/community-safety?lang=%22%3E%3Cscript%3Ealert(1)%3C/script%3E").await;
    assert!(hostile.contains("<html lang=\"en\" dir=\"ltr\">"));
    assert!(!hostile.contains("<script>"));

    // An unknown survey, or one closed to the public, gets the page as
    // built: nothing tells it apart.
    let template = std::fs::read_to_string(dist.folder.path().join("index.html")).expect("read");
    assert_eq!(page("/s/no-such-survey").await, template);
    let (_, admin) = server
        .user("admin-1", salama_server::auth::Role::Admin)
        .await;
    let closed = server
        .client
        .patch(server.url("/api/surveys/community-safety"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({"public": false}))
        .send()
        .await
        .expect("closed");
    assert_eq!(closed.status(), 200);
    assert_eq!(page("/s/community-safety").await, template);
}
