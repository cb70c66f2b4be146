//! `GET /api/openapi.json`: the API description, generated from the handlers'
//! annotations so it cannot drift from the routes (a test compares them).

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    analysis, assignments, audit, doctor, health, microdata, session, submissions, surveys,
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Salama", description = "Perception-of-security surveys: validated, durable ingest; aggregates with honest statistics."),
    paths(
        health::healthz,
        surveys::list,
        surveys::latest,
        surveys::version,
        surveys::xlsform,
        surveys::publish,
        submissions::submit,
        submissions::receipt,
        session::login,
        session::logout,
        session::me,
        session::register_device,
        assignments::assign,
        assignments::for_survey,
        assignments::mine,
        assignments::withdraw,
        audit::recent,
        doctor::checkup,
        analysis::aggregates,
        analysis::upload_weights,
        analysis::fieldwork,
        microdata::microdata,
        microdata::codebook,
        openapi,
    ),
    modifiers(&Credentials),
)]
pub struct ApiDoc;

struct Credentials;

impl Modify for Credentials {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("salama_session"))),
        );
    }
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This description, OpenAPI 3")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
