//! `app(state)` is the only way the router is built: the server and every
//! test use the same one.

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::{get, post};
use tower_http::LatencyUnit;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::error::ApiError;
use crate::routes::{audit, health, session, submissions, surveys};
use crate::state::AppState;

/// Allows the WebAssembly client (`wasm-unsafe-eval`) and nothing from elsewhere.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
     base-uri 'none'; form-action 'self'";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

pub fn app(state: AppState) -> Router {
    let body_limit = state.body_limit();
    let api = Router::new()
        .route("/login", post(session::login))
        .route("/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/audit", get(audit::recent))
        .route("/openapi.json", get(crate::openapi::openapi))
        .route("/surveys", get(surveys::list).post(surveys::publish))
        .route("/surveys/{survey_id}", get(surveys::latest))
        .route(
            "/surveys/{survey_id}/versions/{version}",
            get(surveys::version),
        )
        .route(
            "/surveys/{survey_id}/submissions",
            post(submissions::submit),
        )
        .route(
            "/submissions/{submission_id}/receipt",
            get(submissions::receipt),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    let router = Router::new()
        .route("/healthz", get(health::healthz))
        .nest("/api", api);
    // The web client's files, when configured: precompressed variants are
    // preferred, and any other path is a client route served index.html.
    let router = match &state.config().static_dir {
        Some(folder) => router.fallback_service(
            ServeDir::new(folder)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(ServeFile::new(folder.join("index.html"))),
        ),
        None => router.fallback(not_found),
    };
    router
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(security_header(
            header::CONTENT_SECURITY_POLICY,
            CONTENT_SECURITY_POLICY,
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
        .with_state(state)
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such resource".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
