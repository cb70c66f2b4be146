//! The analysis endpoints, through the shared `fetch` wrapper.

use salama_shared::aggregate::{AggregateTable, Fieldwork, Query};
use salama_shared::disclosure::{DisclosurePolicy, SurveyDisclosure};

use super::Me;
use crate::api::{ApiError, call, encode, parse_serde};

pub async fn me() -> Result<Me, ApiError> {
    parse_serde(&call("GET", "/api/me", None).await?)
}

pub async fn login(name: &str, password: &str) -> Result<Me, ApiError> {
    let body = serde_json::json!({ "name": name, "password": password }).to_string();
    parse_serde(&call("POST", "/api/login", Some(body)).await?)
}

pub async fn logout() -> Result<(), ApiError> {
    call("POST", "/api/logout", None).await.map(|_| ())
}

/// Fieldwork counts, areas labelled in `lang` (the survey's default
/// language when `None`).
pub async fn fieldwork(survey_id: &str, lang: Option<&str>) -> Result<Fieldwork, ApiError> {
    let mut url = format!("/api/surveys/{}/fieldwork", encode(survey_id));
    if let Some(lang) = lang {
        url.push_str("?lang=");
        url.push_str(&encode(lang));
    }
    parse_serde(&call("GET", &url, None).await?)
}

/// The aggregates address for a query (also the download links', with
/// their format).
pub fn aggregates_url(survey_id: &str, query: &Query) -> String {
    format!(
        "/api/surveys/{}/aggregates?{}",
        encode(survey_id),
        query.to_query_string()
    )
}

/// The survey's disclosure policy: what the page may offer. One that cannot
/// be read counts as the defaults, as the server's own does.
pub async fn disclosure(survey_id: &str) -> Result<DisclosurePolicy, ApiError> {
    let url = format!("/api/surveys/{}/disclosure", encode(survey_id));
    let disclosure: SurveyDisclosure = parse_serde(&call("GET", &url, None).await?)?;
    Ok(disclosure.policy)
}

pub async fn aggregates(survey_id: &str, query: &Query) -> Result<AggregateTable, ApiError> {
    parse_serde(&call("GET", &aggregates_url(survey_id, query), None).await?)
}
