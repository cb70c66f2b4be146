//! The last resort when a device cannot send: its outbox (every interview
//! and household visit not yet sent, with the survey versions they need)
//! exported to a file and imported on another device. Importing never
//! overwrites an interview or a visit the device already has; the server's
//! idempotency makes a double import or a double send harmless.

use std::collections::BTreeMap;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use wasm_bindgen::JsCast;

use super::Device;
use super::records::{self, Interview, State, VisitRecord};
use crate::i18n::fill;
use salama_shared::words::FieldWord as F;

const FORMAT: &str = "salama-outbox";

#[derive(Serialize, Deserialize)]
pub struct OutboxFile {
    pub format: String,
    pub version: u32,
    /// Milliseconds since 1970.
    pub exported_at: f64,
    pub interviews: Vec<Interview>,
    /// Visits not sent yet: refusals and call-backs are what response
    /// rates are made of. Absent from files of earlier builds.
    #[serde(default)]
    pub visits: Vec<VisitRecord>,
    /// Definitions by `survey_id:version`, as published.
    #[serde(default)]
    pub definitions: BTreeMap<String, String>,
}

async fn outbox_file(device: Device) -> OutboxFile {
    let interviews: Vec<Interview> = device.interviews.with_untracked(|all| {
        all.iter()
            .filter(|interview| interview.state != State::Sent)
            .cloned()
            .collect()
    });
    let visits: Vec<VisitRecord> = device.visits.with_untracked(|all| {
        all.iter()
            .filter(|visit| visit.state != State::Sent)
            .cloned()
            .collect()
    });
    let mut definitions = BTreeMap::new();
    for interview in &interviews {
        let key = format!("{}:{}", interview.survey_id, interview.survey_version);
        if definitions.contains_key(&key) {
            continue;
        }
        if let Ok(Some(text)) =
            records::definition(&interview.survey_id, interview.survey_version).await
        {
            definitions.insert(key, text);
        }
    }
    OutboxFile {
        format: FORMAT.into(),
        version: 1,
        exported_at: js_sys::Date::now(),
        interviews,
        visits,
        definitions,
    }
}

/// Offers the file as a download (a Blob URL: nothing leaves the device).
fn download(name: &str, text: &str) -> Option<()> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let document = web_sys::window()?.document()?;
    let link: web_sys::HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    document.body()?.append_child(&link).ok()?;
    link.click();
    link.remove();
    let _ = web_sys::Url::revoke_object_url(&url);
    Some(())
}

/// What an import added, and what the device had already.
struct Imported {
    interviews: usize,
    present: usize,
    visits: usize,
}

/// Adds the file's interviews and visits the device does not have.
async fn import(device: Device, text: &str) -> Result<Imported, ()> {
    let file: OutboxFile = serde_json::from_str(text).map_err(|_| ())?;
    if file.format != FORMAT {
        return Err(());
    }
    let mut entries = Vec::new();
    for (key, definition) in file.definitions {
        if let Some((survey_id, version)) = key.rsplit_once(':')
            && let Ok(version) = version.parse::<u32>()
            && records::definition(survey_id, version)
                .await
                .ok()
                .flatten()
                .is_none()
        {
            entries.push(((survey_id.to_owned(), version), definition));
        }
    }
    if !entries.is_empty() {
        let assignments = device.assignments.get_untracked();
        records::save_assignments(&assignments, &entries)
            .await
            .map_err(|error| device.storage_failed(&error))?;
    }
    let (mut added, mut present) = (0, 0);
    for mut interview in file.interviews {
        let known = device
            .interviews
            .with_untracked(|all| all.iter().any(|other| other.id == interview.id));
        if known
            || Interview::load(&interview.id.to_string())
                .await
                .ok()
                .flatten()
                .is_some()
        {
            present += 1;
            continue;
        }
        if interview.state == State::Sending {
            interview.state = State::Queued;
        }
        interview
            .save()
            .await
            .map_err(|error| device.storage_failed(&error))?;
        device.show(&interview);
        added += 1;
    }
    let mut visits = 0;
    for mut visit in file.visits {
        let known = device.visits.with_untracked(|all| {
            all.iter()
                .any(|other| other.visit.visit_id == visit.visit.visit_id)
        });
        if known {
            continue;
        }
        if visit.state == State::Sending {
            visit.state = State::Queued;
        }
        visit
            .save()
            .await
            .map_err(|error| device.storage_failed(&error))?;
        device.visits.update(|all| all.insert(0, visit));
        visits += 1;
    }
    Ok(Imported {
        interviews: added,
        present,
        visits,
    })
}

pub fn transfer_panel(device: Device) -> impl IntoView {
    let words = device.words();
    let export = move |_| {
        leptos::task::spawn_local(async move {
            let file = outbox_file(device).await;
            if let Ok(text) = serde_json::to_string(&file) {
                let day = String::from(js_sys::Date::new_0().to_iso_string());
                let name = format!("salama-outbox-{}.json", day.get(..10).unwrap_or("today"));
                download(&name, &text);
            }
        });
    };
    let chosen = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|text| text.as_string())
                .unwrap_or_default();
            let message = match import(device, &text).await {
                Ok(imported) => {
                    let mut message = fill(
                        words.get(F::Imported),
                        &[
                            ("n", &imported.interviews.to_string()),
                            ("m", &imported.present.to_string()),
                        ],
                    );
                    if imported.visits > 0 {
                        message.push(' ');
                        message.push_str(&fill(
                            words.get(F::ImportedVisits),
                            &[("n", &imported.visits.to_string())],
                        ));
                    }
                    message
                }
                Err(()) => words.get(F::ImportFailed).to_owned(),
            };
            device.message.set(Some(message));
            super::sync::start(device);
        });
    };
    view! {
        <section class="transfer" aria-labelledby="transfer-title">
            <h2 id="transfer-title">{words.get(F::TransferTitle)}</h2>
            <p class="hint">{words.get(F::TransferHint)}</p>
            <button type="button" class="secondary" id="export" on:click=export>{words.get(F::Export)}</button>
            <div class="question">
                <label for="import">{words.get(F::Import)}</label>
                <input id="import" type="file" accept="application/json,.json" on:change=chosen />
            </div>
        </section>
    }
}
