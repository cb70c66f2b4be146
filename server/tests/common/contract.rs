//! Every JSON response a test receives through these helpers is checked
//! against the schema the API document gives for its path, method and
//! status, by a JSON Schema validator that owes nothing to utoipa, which
//! writes the document: a handler that drifts from its documented shape
//! fails the test that saw it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use utoipa::OpenApi;

/// The document as served at `/api/openapi.json`.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(|| {
        serde_json::to_value(salama_server::openapi::ApiDoc::openapi()).expect("serialises")
    })
}

/// The documented path matching `path` (`/api/surveys/x/assignments`
/// matches `/api/surveys/{survey_id}/assignments`); literal segments win
/// over parameters.
pub fn template(path: &str) -> Option<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let paths = document()["paths"].as_object()?;
    paths
        .keys()
        .filter(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(part, segment)| {
                    part == segment || (part.starts_with('{') && !segment.is_empty())
                })
        })
        .min_by_key(|template| template.matches('{').count())
        .map(String::as_str)
}

type Compiled = Arc<jsonschema::Validator>;

/// A validator for `schema`, a schema the document gives: put at the root
/// beside the document's components, so its `#/components/schemas/…`
/// references resolve (and one naming no component fails to compile).
pub fn compile(schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut root = schema.as_object().cloned().unwrap_or_default();
    root.insert(
        "$schema".into(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    root.insert("components".into(), document()["components"].clone());
    jsonschema::draft202012::new(&Value::Object(root))
        .map_err(|error| format!("the documented schema does not compile: {error}"))
}

fn problems(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|error| format!("at `{}`: {error}", error.instance_path()))
        .collect()
}

/// Problems of `value` against the document's schema `name`, for request
/// bodies (which the server reads, rather than sends).
pub fn problems_as(name: &str, value: &Value) -> Vec<String> {
    let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
    let validator = compile(&reference).expect("the document's schemas compile");
    problems(&validator, value)
}

/// The validator for one documented response, compiled once per test binary.
fn validator(template: &str, method: &str, status: u16) -> Result<Compiled, String> {
    static COMPILED: OnceLock<Mutex<HashMap<String, Compiled>>> = OnceLock::new();
    let key = format!("{method} {template} {status}");
    let cache = COMPILED.get_or_init(Default::default);
    if let Some(found) = cache.lock().expect("not poisoned").get(&key) {
        return Ok(found.clone());
    }
    let responses = &document()["paths"][template][method]["responses"];
    let Some(response) = responses.get(status.to_string()) else {
        return Err(format!("status {status} is not documented"));
    };
    let Some(schema) = response["content"]["application/json"]["schema"].as_object() else {
        return Err(format!("no JSON schema is documented for status {status}"));
    };
    let compiled = Arc::new(compile(&Value::Object(schema.clone()))?);
    cache
        .lock()
        .expect("not poisoned")
        .insert(key, compiled.clone());
    Ok(compiled)
}

/// Panics, failing the test, when a JSON response under a documented path
/// does not match the document. Pages and static files are not in it.
#[track_caller]
pub fn check(method: &Method, path: &str, status: StatusCode, content_type: &str, body: &Value) {
    if !content_type.starts_with("application/json") {
        return;
    }
    let Some(template) = template(path) else {
        return;
    };
    let method = method.as_str().to_ascii_lowercase();
    if document()["paths"][template].get(&method).is_none() {
        return;
    }
    let problems = match validator(template, &method, status.as_u16()) {
        Ok(validator) => problems(&validator, body),
        Err(problem) => vec![problem],
    };
    assert!(
        problems.is_empty(),
        "{} {path} ({template}) answered {status} off its documented schema:\n{}\nbody: {body:#}",
        method.to_uppercase(),
        problems.join("\n"),
    );
}
