//! Signing the phone in with the pairing code the console shows, instead
//! of a name and a long password typed on a phone. Scanning the console's
//! QR code with the phone's camera opens `/field#pair=<code>`: the code is
//! filled in from the address (and the address cleared at once, so the
//! code stays in no history), and one tap pairs.

use leptos::prelude::*;
use salama_shared::pairing;
use salama_shared::words::FieldWord as F;

use super::Device;
use crate::api::ApiError;
use crate::browser;

/// The code the address carries, if it carries one; the address is
/// cleared of it either way.
fn code_from_address() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    let code = hash
        .trim_start_matches('#')
        .strip_prefix(pairing::FRAGMENT_PREFIX)?;
    browser::replace_query("");
    pairing::read(code).map(|code| pairing::shown(&code))
}

pub fn form(device: Device) -> impl IntoView {
    let words = device.words();
    let from_address = code_from_address();
    let scanned = from_address.is_some();
    let code = RwSignal::new(from_address.unwrap_or_default());
    let label = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<&'static str>);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some(typed) = code.with_untracked(|typed| pairing::read(typed)) else {
            error.set(Some(words.get(F::PairCodeInvalid)));
            browser::focus("pair-code");
            return;
        };
        busy.set(true);
        error.set(None);
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({
                "code": typed,
                "label": label.get_untracked().trim(),
            })
            .to_string();
            let paired = super::home::credentials("/api/devices/pair", body).await;
            busy.set(false);
            match paired {
                Ok(session) => {
                    code.set(String::new());
                    super::home::begin(device, session).await;
                }
                Err(ApiError::Unauthorized) => {
                    error.set(Some(words.get(F::PairWrong)));
                    browser::focus("pair-code");
                }
                Err(ApiError::Invalid { .. }) => {
                    error.set(Some(words.get(F::PairCodeInvalid)));
                    browser::focus("pair-code");
                }
                Err(_) => error.set(Some(words.get(F::NeedsConnection))),
            }
        });
    };
    if scanned {
        browser::focus_soon("pair".into());
    }
    view! {
        <form class="step" novalidate on:submit=submit aria-labelledby="pair-heading">
            <h2 id="pair-heading">{words.get(F::PairTitle)}</h2>
            <p>{words.get(F::PairIntro)}</p>
            {move || error.get().map(|message| view! { <p class="error" role="alert" id="pair-error">{message}</p> })}
            <div class="question">
                <label for="pair-code">{words.get(F::PairCode)}</label>
                <input id="pair-code" type="text" class="pair-code" autocomplete="one-time-code"
                    autocapitalize="characters" spellcheck="false" maxlength="20"
                    aria-describedby="pair-error" prop:value=code
                    on:input=move |e| code.set(event_target_value(&e)) />
            </div>
            <div class="question">
                <label for="pair-label">{words.get(F::DeviceLabel)}</label>
                <p class="hint" id="pair-label-hint">{words.get(F::DeviceLabelHint)}</p>
                <input id="pair-label" type="text" aria-describedby="pair-label-hint" prop:value=label
                    on:input=move |e| label.set(event_target_value(&e)) />
            </div>
            <div class="actions">
                <button type="submit" id="pair" class="primary" disabled=busy>
                    {move || if busy.get() { words.get(F::Pairing) } else { words.get(F::PairButton) }}
                </button>
            </div>
        </form>
        <p class="or">{words.get(F::OrPassword)}</p>
    }
}
