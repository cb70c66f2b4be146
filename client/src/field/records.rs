//! What the device keeps, in the shapes it keeps them: interviews with their
//! state, the device's credentials, its assignments, survey definitions.

use salama_shared::Submission;
use salama_shared::api::Receipt;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::idb::{self, DEVICE, INTERVIEWS, StorageError, VISITS};
use crate::form::Draft;

/// Where an interview is on its way to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being filled; saved on every change.
    Draft,
    /// Finished and waiting for a connection.
    Queued,
    /// A request is out. Read back after a crash, it is sent again: the
    /// server answers a resend with the same receipt.
    Sending,
    /// The server holds it; the receipt proves it.
    Sent,
    /// The server refused it (422): kept with its reasons, to be corrected
    /// and sent again, never dropped.
    Rejected,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Queued => "queued",
            State::Sending => "sending",
            State::Sent => "sent",
            State::Rejected => "rejected",
        }
    }
}

/// A problem the server reported, by the path of the answer concerned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interview {
    pub id: Uuid,
    pub survey_id: String,
    /// The version the interview was started on; a newer version published
    /// during fieldwork does not change it.
    pub survey_version: u32,
    pub cluster_id: String,
    /// The household's number in the cluster's listing (empty in
    /// interviews kept before households were numbered).
    #[serde(default)]
    pub household: String,
    pub enumerator_id: String,
    pub state: State,
    pub draft: Draft,
    /// The step to reopen on (`consent`, `selection`, `review`, `section-3`).
    pub step: String,
    /// Frozen when the interview is finished, and sent unchanged on every
    /// attempt: the server recognises the same content as the same interview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<Submission>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    #[serde(default)]
    pub attempts: u32,
    /// The interview a reviewer sent back that this one corrects (as
    /// OpenRosa's `deprecatedID`): it is sent as its resend.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Replaces>,
    /// Milliseconds since 1970, of the last change.
    pub updated_at: f64,
}

/// The revision of a sent-back interview a correction replaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replaces {
    pub submission_id: String,
    pub revision: u32,
}

impl Interview {
    pub async fn save(&self) -> Result<(), StorageError> {
        idb::put(INTERVIEWS, &self.id.to_string(), &to_json(self)?).await
    }

    pub async fn load(id: &str) -> Result<Option<Interview>, StorageError> {
        match idb::get(INTERVIEWS, id).await? {
            Some(text) => Ok(serde_json::from_str(&text).ok()),
            None => Ok(None),
        }
    }

    /// Every interview on the device, most recent change first. Records a
    /// build cannot read are skipped, not deleted.
    pub async fn all() -> Result<Vec<Interview>, StorageError> {
        let mut interviews: Vec<Interview> = idb::all(INTERVIEWS)
            .await?
            .iter()
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect();
        interviews.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
        Ok(interviews)
    }

    pub async fn delete(id: &str) -> Result<(), StorageError> {
        idb::delete(INTERVIEWS, id).await
    }
}

/// A visit to a household kept on the device until the server holds it:
/// sent through the same outbox as interviews, exactly as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VisitRecord {
    pub visit: salama_shared::visit::Visit,
    /// Queued, sending, sent or rejected, as an interview's.
    pub state: State,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
    #[serde(default)]
    pub attempts: u32,
    /// Milliseconds since 1970, of the last change.
    pub updated_at: f64,
}

impl VisitRecord {
    pub fn new(visit: salama_shared::visit::Visit) -> Self {
        Self {
            visit,
            state: State::Queued,
            problems: Vec::new(),
            attempts: 0,
            updated_at: js_sys::Date::now(),
        }
    }

    pub async fn save(&self) -> Result<(), StorageError> {
        idb::put(VISITS, &self.visit.visit_id.to_string(), &to_json(self)?).await
    }

    /// Every visit on the device, most recent change first.
    pub async fn all() -> Result<Vec<VisitRecord>, StorageError> {
        let mut visits: Vec<VisitRecord> = idb::all(VISITS)
            .await?
            .iter()
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect();
        visits.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
        Ok(visits)
    }
}

/// The device's credentials, from `POST /api/devices`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub name: String,
    pub role: String,
    pub token: String,
}

/// One cluster given to this enumerator (`GET /api/assignments`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub survey_id: String,
    pub cluster_id: String,
    #[serde(default)]
    pub stratum: Option<String>,
    #[serde(default)]
    pub area: Option<String>,
    pub survey_version: u32,
}

const SESSION: &str = "session";
const ASSIGNMENTS: &str = "assignments";

pub async fn session() -> Result<Option<Session>, StorageError> {
    read(SESSION).await
}

pub async fn save_session(session: &Session) -> Result<(), StorageError> {
    idb::put(DEVICE, SESSION, &to_json(session)?).await
}

/// Signing out forgets the credentials; interviews not yet sent stay.
pub async fn forget_session() -> Result<(), StorageError> {
    idb::delete(DEVICE, SESSION).await
}

pub async fn assignments() -> Result<Vec<Assignment>, StorageError> {
    Ok(read(ASSIGNMENTS).await?.unwrap_or_default())
}

/// Keeps the assignments together with the definitions they need, in one
/// transaction: a device never holds an assignment it cannot open offline.
pub async fn save_assignments(
    assignments: &[Assignment],
    definitions: &[((String, u32), String)],
) -> Result<(), StorageError> {
    let mut entries = vec![(ASSIGNMENTS.to_owned(), to_json(assignments)?)];
    for ((survey_id, version), definition) in definitions {
        entries.push((definition_key(survey_id, *version), definition.clone()));
    }
    idb::put_all(DEVICE, &entries).await
}

/// A survey definition as published, kept for offline use.
pub async fn definition(survey_id: &str, version: u32) -> Result<Option<String>, StorageError> {
    idb::get(DEVICE, &definition_key(survey_id, version)).await
}

fn definition_key(survey_id: &str, version: u32) -> String {
    format!("survey:{survey_id}:{version}")
}

async fn read<T: serde::de::DeserializeOwned>(key: &str) -> Result<Option<T>, StorageError> {
    Ok(idb::get(DEVICE, key)
        .await?
        .and_then(|text| serde_json::from_str(&text).ok()))
}

fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError(e.to_string()))
}
