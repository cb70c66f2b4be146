//! `app(state)` is the only way the router is built: the server and every
//! test use the same one.

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{delete, get, post, put};
use tower_http::LatencyUnit;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ApiError;
use crate::routes::{
    analysis, assignment_upload, assignments, audit, design, disclosure, doctor, health, microdata,
    pairing, retention, review, session, submissions, surveys, users, visits,
};
use crate::state::AppState;

/// Allows the WebAssembly client (`wasm-unsafe-eval`) and nothing from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

/// Asset names carry their content's hash, so a cached copy is never stale.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const REVALIDATE: &str = "no-cache";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn app(state: AppState) -> Router {
    let body_limit = state.body_limit();
    let api = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/me/password", post(session::change_password))
        .route("/devices", post(session::register_device))
        .route("/devices/pair", post(pairing::pair))
        .route("/assignments", get(assignments::mine))
        .route("/audit", get(audit::recent))
        .route("/audit.csv", get(audit::csv))
        .route("/users", get(users::list).post(users::create))
        .route("/users/{name}/revoke", post(users::revoke))
        .route("/users/{name}/pairing", post(pairing::create))
        .route("/devices/{device_id}/revoke", post(users::revoke_device))
        .route("/doctor", get(doctor::checkup))
        .route("/openapi.json", get(crate::openapi::openapi))
        .route("/surveys", get(surveys::list).post(surveys::publish))
        .route("/survey-check", post(surveys::check))
        // Definitions are large (75 KB for the default questionnaire) and
        // hold nothing secret: compressed, they reach a slow phone ~10x
        // sooner. Other responses stay uncompressed (BREACH).
        .route(
            "/surveys/{survey_id}",
            get(surveys::latest)
                .layer(CompressionLayer::new())
                .patch(surveys::settings),
        )
        .route(
            "/surveys/{survey_id}/versions/{version}",
            get(surveys::version).layer(CompressionLayer::new()),
        )
        .route(
            "/surveys/{survey_id}/versions/{version}/xlsform",
            get(surveys::xlsform),
        )
        .route(
            "/surveys/{survey_id}/submissions",
            post(submissions::submit),
        )
        .route("/surveys/{survey_id}/aggregates", get(analysis::aggregates))
        .route(
            "/surveys/{survey_id}/assignments",
            get(assignments::for_survey).put(assignments::assign),
        )
        .route(
            "/surveys/{survey_id}/assignments.csv",
            post(assignment_upload::upload),
        )
        .route(
            "/surveys/{survey_id}/assignments/{enumerator}/{cluster_id}",
            delete(assignments::withdraw),
        )
        .route("/surveys/{survey_id}/fieldwork", get(analysis::fieldwork))
        .route(
            "/surveys/{survey_id}/microdata.csv",
            get(microdata::microdata),
        )
        .route(
            "/surveys/{survey_id}/codebook.csv",
            get(microdata::codebook),
        )
        .route("/surveys/{survey_id}/weights", post(design::upload_weights))
        .route(
            "/surveys/{survey_id}/retention",
            get(retention::read).put(retention::set),
        )
        .route(
            "/surveys/{survey_id}/disclosure",
            get(disclosure::read).put(disclosure::set),
        )
        .route("/surveys/{survey_id}/design", get(design::summary))
        .route("/surveys/{survey_id}/clusters", get(design::clusters))
        .route("/surveys/{survey_id}/visits", post(visits::record))
        .route("/surveys/{survey_id}/response-rates", get(visits::rates))
        .route(
            "/submissions/{submission_id}/receipt",
            get(submissions::receipt),
        )
        .route("/surveys/{survey_id}/reviews", get(review::list))
        .route("/surveys/{survey_id}/flags.csv", get(review::flags))
        .route(
            "/surveys/{survey_id}/reviews/approve",
            post(review::approve_all),
        )
        .route(
            "/surveys/{survey_id}/review-policy",
            get(review::policy).put(review::set_policy),
        )
        .route(
            "/surveys/{survey_id}/flag-rules",
            get(review::flag_rules).put(review::set_flag_rules),
        )
        .route(
            "/submissions/{submission_id}/review",
            get(review::detail).post(review::decide),
        )
        .route(
            "/submissions/{submission_id}/corrections",
            post(review::correct),
        )
        .route("/submissions/{submission_id}/resend", post(review::resend))
        .route("/returned", get(review::returned))
        .route("/users/{name}/supervisor", put(review::set_supervisor))
        .route(
            "/surveys/{survey_id}/releases",
            get(crate::routes::releases::list).post(crate::routes::releases::create),
        )
        .route(
            "/surveys/{survey_id}/releases/{release_id}",
            get(crate::routes::releases::history).put(crate::routes::releases::edit),
        )
        .route(
            "/surveys/{survey_id}/releases/{release_id}/withdraw",
            post(crate::routes::releases::withdraw),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        // The public results page: made on the server, compressed (public
        // figures only, nothing secret to leak through its length).
        .route(
            "/results/{survey_id}",
            get(crate::routes::results::page).layer(CompressionLayer::new()),
        )
        .route(
            "/results/{survey_id}/{file}",
            get(crate::routes::results::csv).layer(CompressionLayer::new()),
        )
        .nest("/api", api);
    // The web client, when configured: hashed assets cached for a year,
    // index.html revalidated every time (it names the current assets), and
    // every other path a client route answered with index.html.
    let router = match &state.config().static_dir {
        Some(folder) => shell_pages(router, folder)
            .nest_service(
                "/assets",
                tower::ServiceBuilder::new()
                    .layer(cache_control(IMMUTABLE))
                    .layer(vary_accept_encoding())
                    .service(
                        ServeDir::new(folder.join("assets"))
                            .precompressed_br()
                            .precompressed_gzip(),
                    ),
            )
            // The analysts' pages are a bundle of their own.
            .route_service("/analysis", page(folder.join("analysis.html")))
            .route_service("/analysis/{*rest}", page(folder.join("analysis.html")))
            // The survey team's console, a bundle of its own too.
            .route_service("/admin", page(folder.join("admin.html")))
            .route_service("/admin/{*rest}", page(folder.join("admin.html")))
            // The enumerators' field app, and the service worker that keeps
            // it on the device (revalidated, so a new build is found).
            .route_service("/field", page(folder.join("field.html")))
            .route_service("/field/", page(folder.join("field.html")))
            .route_service("/field/{*rest}", page(folder.join("field.html")))
            .route_service("/field-sw.js", page(folder.join("field-sw.js")))
            .fallback_service(page(folder.join("index.html"))),
        None => router.fallback(not_found),
    };
    // Browsers that have seen Salama over HTTPS never try plain HTTP again.
    let hsts = state
        .config()
        .secure_cookies
        .then(|| security_header(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(crate::cross_site::refuse_cross_site))
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(tower::util::option_layer(hsts))
        // A page that sets its own policy keeps it (the public results
        // page allows its inline style by hash); every other gets this one.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(security_header(header::REFERRER_POLICY, "no-referrer"))
        .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
        // One line per request: id, method, path, status, latency. Never
        // bodies, query strings or headers: they may hold answers or credentials.
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<Body>| {
                    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", id = %id, method = %request.method(), path = %request.uri().path())
                })
                .on_request(())
                .on_response(DefaultOnResponse::new().level(Level::INFO).latency_unit(LatencyUnit::Micros)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(axum::middleware::map_request(drop_unusable_request_id))
        .with_state(state)
}

/// A survey's page carries its first words and its Quick exit before the
/// app loads (`routes::shell`), made from the client's `index.html` as it
/// was at start-up (a new build of the client comes with a restart).
fn shell_pages(router: Router<AppState>, folder: &std::path::Path) -> Router<AppState> {
    match std::fs::read_to_string(folder.join("index.html")) {
        Ok(template) => {
            let template: std::sync::Arc<str> = template.into();
            router.route(
                "/s/{survey_id}",
                get(move |state, path, query| {
                    crate::routes::shell::fill_page(template.clone(), state, path, query)
                }),
            )
        }
        Err(error) => {
            tracing::warn!(%error, "no index.html in the client folder: survey pages are not served");
            router
        }
    }
}

/// A request id sent by a proxy is kept so logs can be followed across
/// both; one that is not a short plain token (a forged log line, 8 KB of
/// text) is dropped and a new one made.
async fn drop_unusable_request_id(mut request: Request<Body>) -> Request<Body> {
    let usable = request.headers().get(REQUEST_ID).is_none_or(|id| {
        (1..=64).contains(&id.len())
            && id
                .as_bytes()
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    });
    if !usable {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// An HTML page naming the current assets: revalidated on every visit.
fn page(
    file: std::path::PathBuf,
) -> impl tower::Service<
    Request<Body>,
    Response = axum::response::Response<tower_http::services::fs::ServeFileSystemResponseBody>,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync
+ 'static {
    tower::ServiceBuilder::new()
        .layer(cache_control(REVALIDATE))
        .layer(vary_accept_encoding())
        .service(ServeFile::new(file).precompressed_br().precompressed_gzip())
}

/// Files are served precompressed by what the browser accepts: a shared
/// cache must not hand a Brotli copy to a browser that asked for none.
fn vary_accept_encoding() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::appending(header::VARY, HeaderValue::from_static("accept-encoding"))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

/// Sets `Cache-Control` on successful responses only: a 404 for a missing
/// asset must not be cached for a year.
fn cache_control(
    value: &'static str,
) -> SetResponseHeaderLayer<
    impl Fn(
        &axum::response::Response<tower_http::services::fs::ServeFileSystemResponseBody>,
    ) -> Option<HeaderValue>
    + Clone,
> {
    SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        move |response: &axum::response::Response<_>| {
            (response.status().is_success()
                || response.status() == axum::http::StatusCode::NOT_MODIFIED)
                .then(|| HeaderValue::from_static(value))
        },
    )
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such resource".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
