//! The app's four routes, on the History API. Hand-written rather than
//! leptos_router: four fixed paths need a match, not a routing engine, and the
//! router's generic view machinery cost about 45 KB of wasm.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// The list of public surveys.
    Surveys,
    /// Filling one survey: `/s/{survey_id}`.
    Fill(String),
    /// A stored submission's receipt: `/receipt/{submission_id}`.
    Receipt(String),
    /// The neutral page Quick exit leads to.
    Neutral,
    NotFound,
}

impl Route {
    pub fn parse(path: &str) -> Route {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments.as_slice() {
            [""] => Route::Surveys,
            ["s", id] if !id.is_empty() => Route::Fill(decode(id)),
            ["receipt", id] if !id.is_empty() => Route::Receipt(decode(id)),
            ["today"] => Route::Neutral,
            _ => Route::NotFound,
        }
    }
}

fn decode(segment: &str) -> String {
    js_sys::decode_uri_component(segment)
        .ok()
        .and_then(|text| text.as_string())
        .unwrap_or_else(|| segment.to_owned())
}

/// The current route, provided as context by [`start`].
#[derive(Clone, Copy)]
pub struct Router(pub RwSignal<Route>);

/// Follows the address bar: Back and Forward, and clicks on same-origin
/// links, which are handled here instead of reloading the page.
pub fn start() -> Router {
    let router = Router(RwSignal::new(Route::parse(&current_path())));
    let on_popstate = window_event_listener(leptos::ev::popstate, move |_| {
        router.0.set(Route::parse(&current_path()));
    });
    let on_click = window_event_listener(leptos::ev::click, move |event| {
        if event.default_prevented()
            || event.button() != 0
            || event.ctrl_key()
            || event.meta_key()
            || event.shift_key()
            || event.alt_key()
        {
            return;
        }
        let link = event
            .target()
            .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            .and_then(|element| element.closest("a[href]").ok().flatten());
        let Some(href) = link.and_then(|link| link.get_attribute("href")) else {
            return;
        };
        if href.starts_with('/') && !href.starts_with("//") {
            event.prevent_default();
            router.navigate(&href);
        }
    });
    // The app lives as long as the page; the listeners do too.
    std::mem::forget(on_popstate);
    std::mem::forget(on_click);
    router
}

impl Router {
    /// Shows `path`, adding it to the tab's history.
    pub fn navigate(self, path: &str) {
        self.go(path, true);
    }

    /// Shows `path` in place of the current page in the tab's history: a
    /// receipt replaces the survey it answers, so Back does not lead to it.
    pub fn replace(self, path: &str) {
        self.go(path, false);
    }

    fn go(self, path: &str, add: bool) {
        if let Some(window) = web_sys::window() {
            let _ = window.history().and_then(|history| {
                let nothing = wasm_bindgen::JsValue::NULL;
                if add {
                    history.push_state_with_url(&nothing, "", Some(path))
                } else {
                    history.replace_state_with_url(&nothing, "", Some(path))
                }
            });
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
        self.0.set(Route::parse(path));
    }
}

fn current_path() -> String {
    web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_else(|| "/".to_owned())
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_map_to_routes() {
        assert_eq!(Route::parse("/"), Route::Surveys);
        assert_eq!(Route::parse(""), Route::Surveys);
        assert_eq!(Route::parse("/today"), Route::Neutral);
        assert_eq!(Route::parse("/s/"), Route::NotFound);
        assert_eq!(Route::parse("/s/a/b"), Route::NotFound);
        assert_eq!(Route::parse("/nowhere"), Route::NotFound);
    }
}
