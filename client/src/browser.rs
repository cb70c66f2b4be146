//! The few browser facilities the app needs beyond rendering: randomness for
//! submission ids, the clock, the document's language and direction, focus,
//! and leaving the page without a trace in the tab's history.

use salama_shared::date::Timestamp;
use uuid::Uuid;

/// A random (v4) submission id from the browser's cryptographic generator.
pub fn new_submission_id() -> Uuid {
    let mut bytes = [0u8; 16];
    if !fill_random(&mut bytes) {
        // Every browser that runs WebAssembly has crypto.getRandomValues; if
        // it is missing, fall back to the clock rather than refuse to work
        // (ids only need to be unique, not secret).
        let now = js_sys::Date::now().to_bits().to_le_bytes();
        let noise = (js_sys::Math::random().to_bits()).to_le_bytes();
        bytes[..8].copy_from_slice(&now);
        bytes[8..].copy_from_slice(&noise);
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Fills `bytes` from `crypto.getRandomValues`; `false` if it is missing.
fn fill_random(bytes: &mut [u8]) -> bool {
    web_sys::window()
        .and_then(|window| window.crypto().ok())
        .and_then(|crypto| crypto.get_random_values_with_u8_array(bytes).ok())
        .is_some()
}

/// A uniform number in [0, 1) from the cryptographic generator (the
/// respondent's draw must not be predictable by whoever holds the phone).
pub fn uniform() -> f64 {
    let mut bytes = [0u8; 4];
    if !fill_random(&mut bytes) {
        return js_sys::Math::random();
    }
    f64::from(u32::from_le_bytes(bytes)) / (f64::from(u32::MAX) + 1.0)
}

/// What a date text holds, which decides how it is shown.
#[derive(Clone, Copy)]
pub enum Moment {
    /// `2026-12-07`: a calendar day, the same wherever it is read.
    Day,
    /// `2026-12-07T10:30`: a wall-clock time, as it was answered.
    LocalTime,
    /// `2026-12-07T10:30:00Z`: an instant, shown in the reader's time zone.
    Instant,
}

/// `text` written by the browser's `Intl.DateTimeFormat` for `language`.
/// Every step is a caught call: an unknown language tag or an invalid date
/// makes JavaScript throw, which must not stop the page.
pub fn local_date(text: &str, language: &str, moment: Moment) -> Option<String> {
    use js_sys::{Array, Function, Object, Reflect};
    use wasm_bindgen::{JsCast, JsValue};
    let set = |options: &Object, key: &str, value: &str| {
        Reflect::set(options, &key.into(), &value.into()).is_ok()
    };
    let options = Object::new();
    let shaped = set(&options, "dateStyle", "long")
        && match moment {
            Moment::Day => set(&options, "timeZone", "UTC"),
            Moment::LocalTime | Moment::Instant => set(&options, "timeStyle", "short"),
        };
    if !shaped {
        return None;
    }
    let intl = Reflect::get(&js_sys::global(), &"Intl".into()).ok()?;
    let constructor: Function = Reflect::get(&intl, &"DateTimeFormat".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let arguments = Array::of2(&JsValue::from_str(language), &options);
    let formatter = Reflect::construct(&constructor, &arguments).ok()?;
    let format: Function = Reflect::get(&formatter, &"format".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let date = js_sys::Date::new(&JsValue::from_str(text));
    if date.get_time().is_nan() {
        return None;
    }
    format.call1(&formatter, &date).ok()?.as_string()
}

pub fn now() -> Timestamp {
    Timestamp::from_unix_seconds((js_sys::Date::now() / 1000.0) as i64)
}

/// Sets `<html lang dir>` so screen readers pick the right voice and Arabic
/// lays out right to left.
pub fn set_document_language(language: &str) {
    let Some(root) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.document_element())
    else {
        return;
    };
    let direction = if salama_shared::text::is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    };
    let _ = root.set_attribute("lang", language);
    let _ = root.set_attribute("dir", direction);
}

pub fn set_title(title: &str) {
    if let Some(document) = web_sys::window().and_then(|window| window.document()) {
        document.set_title(title);
    }
}

/// Moves keyboard and screen-reader focus, e.g. to a new step's heading.
pub fn focus(element_id: &str) {
    use wasm_bindgen::JsCast;
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(element_id))
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

/// Focus after the next render, when the element exists.
pub fn focus_soon(element_id: String) {
    leptos::prelude::request_animation_frame(move || focus(&element_id));
}

/// Marks a moment in the page's timeline (read by the load benchmark).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

/// The browser's preferred language tag, e.g. `fr-FR`.
pub fn preferred_language() -> Option<String> {
    web_sys::window().and_then(|window| window.navigator().language())
}

/// Replaces the current page (and its history entry, so Back does not return
/// to it) with `path`, dropping everything the app held in memory.
pub fn leave_for(path: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().replace(path);
    }
}

/// The page address's query pairs, decoded (`+` as a space). The address
/// is the reader's own, but may be a link someone sent: read within
/// bounds, a pair that does not decode left out.
pub fn query_pairs() -> Vec<(String, String)> {
    const MOST_CHARS: usize = 4096;
    const MOST_PAIRS: usize = 32;
    let search = web_sys::window()
        .and_then(|window| window.location().search().ok())
        .unwrap_or_default();
    if search.len() > MOST_CHARS {
        return Vec::new();
    }
    let decode = |text: &str| {
        js_sys::decode_uri_component(&text.replace('+', " "))
            .ok()
            .map(String::from)
    };
    search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| !pair.is_empty())
        .take(MOST_PAIRS)
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((decode(name)?, decode(value)?))
        })
        .collect()
}

/// One parameter of the page address's query, decoded, through the
/// browser's own parser (the citizens' form needs no more than this).
pub fn query_parameter(name: &str) -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    web_sys::UrlSearchParams::new_with_str(&search)
        .ok()?
        .get(name)
}

/// Puts `query` (without `?`) in the address bar without loading anything
/// or adding to the history: the page can then be linked and reloaded as
/// it is.
pub fn replace_query(query: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    let address = if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&address));
    }
}

/// Removes the element with `id`, if the page has one (the server's first
/// words, once the app has its own).
pub fn remove_element(id: &str) {
    if let Some(element) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
    {
        element.remove();
    }
}

/// Resolves after `milliseconds` (for waiting between attempts to send).
pub async fn sleep(milliseconds: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window
                .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, milliseconds);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
