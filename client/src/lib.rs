//! The Salama web client: a Leptos app rendered in the browser, which renders
//! any published survey from its schema and checks every answer with the
//! same shared rules the server applies.
//!
//! - `app`: the citizens' frame; `routing`: the routes
//! - `interface`: the interface language, the language switch and the last
//!   receipt, shared by every bundle
//! - `form/`: filling a survey (draft, snapshot of the rules, controls,
//!   rosters, review, sending with retries)
//! - `pages`: survey list, receipt, the neutral Quick-exit page
//! - `api`: calls to the server; `browser`: the few browser facilities used
//! - `i18n`: the interface's own words in English, French and Arabic
//! - `field/`: enumerators' offline interviews (bundle `salama-field`)
//! - `analyst/`: analysts' pages (bundle `salama-analyst`)
//! - `admin/`: the survey team's console (bundle `salama-admin`)
//! - `password`: choosing one's own password after a one-time one
//! - `staff`: the sign-in, session and language the console and the
//!   analysts' pages share

mod admin;
mod analyst;
mod api;
mod app;
mod browser;
mod field;
mod form;
mod i18n;
mod interface;
mod pages;
mod password;
mod routing;
mod staff;

/// Mounts the app on the page's `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(app::app);
}

/// Mounts the enumerators' field app (its own bundle: `salama-field`).
pub fn mount_field() {
    field::mount();
}

/// Mounts the analysts' app (its own bundle: `salama-analyst`).
pub fn mount_analysis() {
    analyst::mount();
}

/// Mounts the survey team's console (its own bundle: `salama-admin`).
pub fn mount_admin() {
    admin::mount();
}
