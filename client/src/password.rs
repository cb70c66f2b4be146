//! Choosing one's own password after the one-time one a user was created
//! with: the server refuses a browser session every call but this one,
//! `GET /api/me` and `POST /api/logout` until it is done (403
//! `must_change_password`). The console shows it before anything else;
//! any page a staff member signs in to (the analysts' too) can show the
//! same form, in the catalogue's `staff` words.

use leptos::prelude::*;
use salama_shared::api::MIN_PASSWORD_CHARS;
use salama_shared::words::{StaffWord as S, fill};

use crate::api::{ApiError, call};
use crate::browser;
use crate::staff::{say, text_field};

/// Replaces the caller's password (`POST /api/me/password`).
pub async fn change_password(current: &str, new: &str) -> Result<(), ApiError> {
    let body = serde_json::json!({ "current": current, "new": new }).to_string();
    call("POST", "/api/me/password", Some(body))
        .await
        .map(|_| ())
}

/// The form: the current (one-time) password, the new one twice, in the
/// staff's interface language (`staff::say`); `saved` runs once the server
/// has taken the new password (the caller then marks the user as no longer
/// `must_change_password`). Its heading (`#password-title`) takes focus.
pub fn choose_password(saved: Callback<()>) -> impl IntoView {
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let problem = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let minimum = MIN_PASSWORD_CHARS.to_string();
    let too_short = fill(say(S::PasswordTooShort), &[("min", &minimum)]);
    let submit = {
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            if busy.get_untracked() {
                return;
            }
            let (old, chosen) = (current.get_untracked(), new.get_untracked());
            let refusal = if chosen.chars().count() < MIN_PASSWORD_CHARS {
                Some(too_short.clone())
            } else if chosen != repeat.get_untracked() {
                Some(say(S::PasswordsDiffer).to_owned())
            } else {
                None
            };
            if let Some(refusal) = refusal {
                problem.set(refusal);
                browser::focus_soon("new-password".into());
                return;
            }
            busy.set(true);
            problem.set(String::new());
            let too_short = too_short.clone();
            leptos::task::spawn_local(async move {
                let result = change_password(&old, &chosen).await;
                busy.set(false);
                let refusal = match result {
                    Ok(()) => return saved.run(()),
                    Err(ApiError::Invalid { fields, .. }) => {
                        match fields.first().map(|field| field.code.as_str()) {
                            Some("wrong_password") => say(S::CurrentWrong).to_owned(),
                            Some("too_short") => too_short,
                            Some("unchanged") => say(S::PasswordUnchanged).to_owned(),
                            _ => fill(say(S::Failed), &[("status", "422")]),
                        }
                    }
                    Err(ApiError::Network) => say(S::Unreachable).to_owned(),
                    Err(ApiError::RateLimited {
                        retry_after_seconds,
                    }) => fill(
                        say(S::TooManyAttempts),
                        &[("s", &retry_after_seconds.to_string())],
                    ),
                    Err(ApiError::Server { status }) => {
                        fill(say(S::Failed), &[("status", &status.to_string())])
                    }
                    Err(_) => fill(say(S::Failed), &[("status", "4xx")]),
                };
                problem.set(refusal);
            });
        }
    };
    browser::focus_soon("password-title".into());
    view! {
        <h1 id="password-title" tabindex="-1">{say(S::FirstPasswordTitle)}</h1>
        <p>{fill(say(S::FirstPasswordIntro), &[("min", &minimum)])}</p>
        <form on:submit=submit>
            {text_field("current-password", say(S::CurrentPassword), "password", "current-password", current)}
            {text_field("new-password", say(S::NewPassword), "password", "new-password", new)}
            {text_field("repeat-password", say(S::RepeatPassword), "password", "new-password", repeat)}
            <p id="password-problem" class="error" role="alert">{move || problem.get()}</p>
            <button id="save-password" type="submit" class="primary" prop:disabled=move || busy.get()>{say(S::SavePassword)}</button>
        </form>
    }
}

/// The session the page holds, told its user has chosen their password.
pub fn chosen_in(session: crate::staff::Session) -> Callback<()> {
    Callback::new(move |()| {
        session.update(|session| {
            if let Some(Ok(me)) = session {
                me.must_change_password = false;
            }
        })
    })
}
