//! `GET /api/openapi.json`: the API description, generated from the handlers'
//! annotations so it cannot drift from the routes (a test compares them).

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    analysis, assignment_upload, assignments, audit, design, disclosure, doctor, health, microdata,
    pairing, retention, review, session, submissions, surveys, users, visits,
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
        surveys::check,
        surveys::settings,
        retention::read,
        retention::set,
        disclosure::read,
        disclosure::set,
        submissions::submit,
        submissions::receipt,
        session::login,
        session::logout,
        session::me,
        session::change_password,
        session::register_device,
        pairing::pair,
        pairing::create,
        assignments::assign,
        assignments::for_survey,
        assignments::mine,
        assignments::withdraw,
        assignment_upload::upload,
        audit::recent,
        audit::csv,
        users::list,
        users::create,
        users::revoke,
        users::revoke_device,
        doctor::checkup,
        analysis::aggregates,
        design::upload_weights,
        design::summary,
        design::clusters,
        visits::record,
        visits::rates,
        analysis::fieldwork,
        microdata::microdata,
        microdata::codebook,
        review::list,
        review::detail,
        review::decide,
        review::approve_all,
        review::flags,
        review::correct,
        review::policy,
        review::set_policy,
        review::flag_rules,
        review::set_flag_rules,
        review::set_supervisor,
        review::returned,
        review::resend,
        crate::routes::releases::list,
        crate::routes::releases::create,
        crate::routes::releases::history,
        crate::routes::releases::edit,
        crate::routes::releases::withdraw,
        openapi,
    ),
    modifiers(&Credentials, &QueryParameters, &InternalErrors, &PendingPassword),
)]
pub struct ApiDoc;

struct Credentials;

/// A workbook (.xlsx) sent or received as raw bytes.
pub struct Spreadsheet;

impl utoipa::PartialSchema for Spreadsheet {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .description(Some("An Excel workbook (.xlsx), as raw bytes"))
            .into()
    }
}

impl utoipa::ToSchema for Spreadsheet {
    fn name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("Spreadsheet")
    }
}

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

/// Any operation can fail inside (a database gone away); the answer is
/// then a 500 in the one error shape, whatever the handler's own statuses.
struct InternalErrors;

impl Modify for InternalErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let internal = error_response("Internal error (logged on the server, never detailed here)");
        add_response(openapi, "500", &internal, &[]);
    }
}

/// A response in the one error shape.
fn error_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// Documents `response` under `status` for every operation outside
/// `except` that does not document that status itself.
fn add_response(
    openapi: &mut utoipa::openapi::OpenApi,
    status: &str,
    response: &utoipa::openapi::Response,
    except: &[&str],
) {
    for (path, item) in &mut openapi.paths.paths {
        if except.contains(&path.as_str()) {
            continue;
        }
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| response.clone().into());
        }
    }
}

/// Calls that never read credentials, or that a user still on a one-time
/// password may make (`auth::SignedIn`).
const WITHOUT_PENDING_PASSWORD_REFUSAL: &[&str] = &[
    "/healthz",
    "/api/login",
    "/api/logout",
    "/api/me",
    "/api/me/password",
    "/api/devices",
    "/api/openapi.json",
];

/// Every other call refuses a browser session still on its one-time
/// password: a 403 with the code `must_change_password`.
struct PendingPassword;

impl Modify for PendingPassword {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let pending = error_response(
            "Not allowed: the role does not allow it, or (code `must_change_password`) a browser session whose user must first choose their own password (`POST /api/me/password`)",
        );
        add_response(openapi, "403", &pending, WITHOUT_PENDING_PASSWORD_REFUSAL);
    }
}

/// Query parameters, from the lists the server reads them by
/// (`shared::aggregate::Query`, `shared::microdata::Query`,
/// `shared::audit::Query`, `shared::assignment_upload::Query`,
/// `shared::review::ListQuery`), allowed
/// values included.
struct QueryParameters;

impl Modify for QueryParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use salama_shared::{aggregate, assignment_upload, audit, microdata, review};
        let lists = [
            (
                "/api/surveys/{survey_id}/assignments.csv",
                assignment_upload::Query::parameters(),
            ),
            (
                "/api/surveys/{survey_id}/weights",
                assignment_upload::Query::design_parameters(),
            ),
            ("/api/audit", audit::Query::parameters()),
            ("/api/audit.csv", audit::Query::parameters()),
            (
                "/api/surveys/{survey_id}/aggregates",
                aggregate::Query::parameters(),
            ),
            (
                "/api/surveys/{survey_id}/microdata.csv",
                microdata::Query::parameters(),
            ),
            (
                "/api/surveys/{survey_id}/codebook.csv",
                microdata::Query::parameters(),
            ),
            (
                "/api/surveys/{survey_id}/reviews",
                review::ListQuery::parameters(),
            ),
            ("/api/surveys/{survey_id}/flags.csv", {
                let mut both = review::ListQuery::parameters();
                both.retain(|parameter| !["before", "limit"].contains(&parameter.name));
                both.extend(review::FlagRules::parameters());
                both
            }),
        ];
        for (path, list) in lists {
            if let Some(operation) = openapi
                .paths
                .paths
                .get_mut(path)
                // Each path here has one operation: a search or an upload.
                .and_then(|item| item.get.as_mut().or(item.post.as_mut()))
            {
                let parameters = operation.parameters.get_or_insert_with(Vec::new);
                parameters.extend(list.iter().map(described));
            }
        }
    }
}

fn described(parameter: &salama_shared::query::Parameter) -> utoipa::openapi::path::Parameter {
    use salama_shared::query::ParameterKind;
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::{Required, Schema};

    let mut value = ObjectBuilder::new().schema_type(match parameter.kind {
        ParameterKind::Integer => Type::Integer,
        ParameterKind::Text | ParameterKind::Date => Type::String,
    });
    if parameter.kind == ParameterKind::Date {
        value = value.format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)));
    }
    if !parameter.allowed.is_empty() {
        value = value.enum_values(Some(parameter.allowed.clone()));
    }
    let schema: Schema = if parameter.repeated {
        ArrayBuilder::new().items(value).build().into()
    } else {
        value.build().into()
    };
    ParameterBuilder::new()
        .name(parameter.name)
        .parameter_in(ParameterIn::Query)
        .required(if parameter.required {
            Required::True
        } else {
            Required::False
        })
        .description(Some(parameter.description))
        .schema(Some(schema))
        .build()
}

#[utoipa::path(get, path = "/api/openapi.json", tag = "meta", responses((status = 200, description = "This description, OpenAPI 3.1", body = Object)))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_come_from_the_shared_queries() {
        let doc = serde_json::to_value(ApiDoc::openapi()).expect("serialises");
        let parameters = doc["paths"]["/api/surveys/{survey_id}/aggregates"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .clone();
        let names: Vec<&str> = parameters
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        let mut expected = vec!["survey_id"];
        expected.extend(
            salama_shared::aggregate::Query::parameters()
                .iter()
                .map(|p| p.name),
        );
        assert_eq!(names, expected);
        let by = &parameters[2];
        assert_eq!(by["in"], "query");
        assert_eq!(
            by["schema"]["items"]["enum"],
            serde_json::json!([
                "sex",
                "age_band",
                "area",
                "disability",
                "displacement",
                "urban_rural"
            ])
        );
        assert_eq!(parameters[1]["required"], true);
        assert_eq!(parameters[6]["schema"]["format"], "date");
        for (path, method, list) in [
            (
                "/api/audit",
                "get",
                salama_shared::audit::Query::parameters(),
            ),
            (
                "/api/audit.csv",
                "get",
                salama_shared::audit::Query::parameters(),
            ),
            (
                "/api/surveys/{survey_id}/assignments.csv",
                "post",
                salama_shared::assignment_upload::Query::parameters(),
            ),
        ] {
            let documented: Vec<&str> = doc["paths"][path][method]["parameters"]
                .as_array()
                .expect("parameters")
                .iter()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str())
                .collect();
            let read: Vec<&str> = list.iter().map(|p| p.name).collect();
            assert_eq!(documented, read, "{path}");
        }
        let level = &doc["paths"]["/api/surveys/{survey_id}/codebook.csv"]["get"]["parameters"][1];
        assert_eq!(level["name"], "level");
        assert_eq!(
            level["schema"]["enum"],
            serde_json::json!(["respondent", "member"])
        );
    }
}
