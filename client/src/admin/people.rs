//! People and their devices: creating an analyst, an enumerator or an
//! admin with a one-time password shown once (copied, or printed on a
//! sign-in sheet for the field), the list with last logins and devices,
//! a pairing code (and its QR code) that signs an enumerator's phone in
//! without typing a password on it, and revoking a person or one lost
//! device after a confirmation.

use leptos::prelude::*;
use salama_shared::pairing::PairingCode;
use salama_shared::words::{AdminWord as A, BUILT_IN_LANGUAGES, Key, StaffWord as S, fill};
use wasm_bindgen::{JsCast, JsValue};

use super::calls::{self, Created, Device, Person};
use super::{Session, bar, say};
use crate::analyst::Me;
use crate::api::ApiError;
use crate::browser::{self, Moment};
use crate::i18n::endonym;
use crate::interface::Interface;
use crate::staff::refusal as failure;

/// The roles the server gives (`auth::Role`), in the order offered.
const ROLES: &[&str] = &["enumerator", "supervisor", "analyst", "admin"];

fn role_word(role: &str) -> A {
    match role {
        "admin" => A::RoleAdmin,
        "analyst" => A::RoleAnalyst,
        "supervisor" => A::RoleSupervisor,
        _ => A::RoleEnumerator,
    }
}

/// What a confirmation is asked for.
#[derive(Clone, Debug, PartialEq)]
enum Revoking {
    Person(String),
    Device { id: String, owner: String },
}

#[derive(Clone, Copy)]
struct People {
    listed: RwSignal<Option<Result<Vec<Person>, ApiError>>>,
    /// The person just created, password included: it lives in this page's
    /// signals only, gone when the page is left or "Done" is pressed.
    created: RwSignal<Option<Created>>,
    confirming: RwSignal<Option<Revoking>>,
    /// The pairing code just made: shown until "Done", never kept.
    pairing: RwSignal<Option<PairingCode>>,
    status: RwSignal<String>,
}

pub fn page(who: Me, session: Session) -> impl IntoView {
    let people = People {
        listed: RwSignal::new(None),
        created: RwSignal::new(None),
        confirming: RwSignal::new(None),
        pairing: RwSignal::new(None),
        status: RwSignal::new(String::new()),
    };
    refresh(people);
    let me = who.name.clone();
    view! {
        {bar(&who, session)}
        <main id="main" class="page wide">
            <h1 id="people-title" tabindex="-1">{say(A::PeopleTitle)}</h1>
            {create_section(people)}
            {move || people.created.get().map(|created| created_view(people, created))}
            {move || people.pairing.get().map(|code| pairing_view(people, code))}
            <section aria-labelledby="list-title">
                <h2 id="list-title" tabindex="-1">{say(A::ListTitle)}</h2>
                <p id="people-status" tabindex="-1" role="status" class="status">{move || people.status.get()}</p>
                {move || people.confirming.get().map(|revoking| confirmation(people, revoking))}
                {move || list(people, &me)}
            </section>
        </main>
    }
}

fn refresh(people: People) {
    leptos::task::spawn_local(async move {
        people.listed.set(Some(calls::people().await));
    });
}

fn create_section(people: People) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(ROLES[0].to_owned());
    let problem = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let chosen = name.get_untracked().trim().to_owned();
        // The server's own rule, checked first so a slip costs no request.
        if !salama_shared::text::is_envelope_code(&chosen) {
            problem.set(say(A::NameInvalid).to_owned());
            browser::focus_soon("new-name".into());
            return;
        }
        busy.set(true);
        problem.set(String::new());
        leptos::task::spawn_local(async move {
            let result = calls::create_person(&chosen, &role.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(created) => {
                    name.set(String::new());
                    people.created.set(Some(created));
                    refresh(people);
                    browser::focus_soon("created-title".into());
                }
                Err(ApiError::Conflict(_)) => problem.set(say(A::NameTaken).to_owned()),
                Err(ApiError::Invalid { .. }) => problem.set(say(A::NameInvalid).to_owned()),
                Err(error) => problem.set(failure(&error)),
            }
        });
    };
    let roles = ROLES
        .iter()
        .map(|&value| view! { <option value=value>{say(role_word(value))}</option> })
        .collect_view();
    view! {
        <section aria-labelledby="create-title">
            <h2 id="create-title">{say(A::CreateTitle)}</h2>
            <p>{say(A::CreateIntro)}</p>
            <form on:submit=submit class="controls">
                <div class="question">
                    <label for="new-name">{say(S::Name)}</label>
                    <input id="new-name" type="text" required maxlength="64" autocomplete="off"
                        aria-describedby="new-name-hint" spellcheck="false"
                        prop:value=move || name.get() on:input=move |e| name.set(event_target_value(&e))/>
                    <p id="new-name-hint" class="hint">{say(A::NameHint)}</p>
                </div>
                <div class="question">
                    <label for="new-role">{say(A::Role)}</label>
                    <select id="new-role" on:change=move |e| role.set(event_target_value(&e))>{roles}</select>
                </div>
                <p id="create-problem" class="error" role="alert">{move || problem.get()}</p>
                <button id="create" type="submit" class="primary" prop:disabled=move || busy.get()>{say(A::Create)}</button>
            </form>
        </section>
    }
}

/// The new person's one-time password, once, with a copy button and the
/// sign-in sheet to print.
fn created_view(people: People, created: Created) -> impl IntoView {
    let interface_language = expect_context::<Interface>().language.get_untracked();
    let sheet_language = RwSignal::new(interface_language);
    let copy_status = RwSignal::new(String::new());
    let title = fill(
        say(A::CreatedTitle),
        &[
            ("name", &created.name),
            ("role", say(role_word(&created.role))),
        ],
    );
    let password = created.password.clone();
    let copy = move |_| {
        let password = password.clone();
        leptos::task::spawn_local(async move {
            if copied(&password).await {
                copy_status.set(say(A::Copied).to_owned());
            } else {
                select_password();
                copy_status.set(say(A::CopyRefused).to_owned());
            }
        });
    };
    let print = move |_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    };
    let done = move |_| {
        people.created.set(None);
        browser::focus_soon("new-name".into());
    };
    let languages = BUILT_IN_LANGUAGES
        .iter()
        .map(|&tag| {
            let selected = tag == sheet_language.get_untracked();
            view! { <option value=tag lang=tag selected=selected>{endonym(tag)}</option> }
        })
        .collect_view();
    view! {
        <section id="created" class="created" aria-labelledby="created-title">
            <h2 id="created-title" tabindex="-1">{title}</h2>
            <p class="notice">{say(A::ShownOnce)}</p>
            <div class="question">
                <label for="one-time-password">{say(A::OneTimePassword)}</label>
                <input id="one-time-password" type="text" readonly spellcheck="false"
                    autocomplete="off" value=created.password.clone()/>
            </div>
            <div class="actions">
                <button type="button" id="copy" on:click=copy>{say(A::Copy)}</button>
                <button type="button" id="print" on:click=print>{say(A::PrintSheet)}</button>
                <button type="button" id="done" on:click=done>{say(A::Done)}</button>
            </div>
            <p id="copy-status" role="status" class="status">{move || copy_status.get()}</p>
            <div class="question">
                <label for="sheet-language">{say(A::SheetLanguage)}</label>
                <select id="sheet-language" on:change=move |e| sheet_language.set(event_target_value(&e))>{languages}</select>
            </div>
            {move || sheet(&created, &sheet_language.get())}
        </section>
    }
}

/// Where the console is served from, which the field app shares.
fn origin() -> String {
    web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default()
}

/// The code in large type for typing on the phone, its QR code for the
/// phone's camera, and until when it works. Nothing of it is kept.
fn pairing_view(people: People, code: PairingCode) -> impl IntoView {
    let title = fill(say(A::PairingTitle), &[("name", &code.name)]);
    let address = format!("{}/field", origin());
    let steps = fill(say(A::PairingSteps), &[("address", &address)]);
    let until = fill(
        say(A::PairingUntil),
        &[("time", &when(Some(&code.expires_at)))],
    );
    // An image of the server's drawing: shown, never run (a data: URL
    // image cannot script the page).
    let qr = code.qr_svg.as_deref().map(|svg| {
        let source = format!(
            "data:image/svg+xml;charset=utf-8,{}",
            String::from(js_sys::encode_uri_component(svg))
        );
        view! { <img id="pairing-qr" class="pairing-qr" src=source alt=say(A::PairingQrAlt) width="240" height="240"/> }
    });
    let done = move |_| {
        people.pairing.set(None);
        browser::focus_soon("list-title".into());
    };
    view! {
        <section id="pairing" class="created" aria-labelledby="pairing-title">
            <h2 id="pairing-title" tabindex="-1">{title}</h2>
            <p id="pairing-code" class="pairing-code" lang="en" translate="no">{code.code.clone()}</p>
            {qr}
            <p>{steps}</p>
            <p class="hint">{until}</p>
            <div class="actions">
                <button type="button" id="pairing-done" on:click=done>{say(A::Done)}</button>
            </div>
        </section>
    }
}

/// What a person needs to sign in, in their language: the only part of
/// the page that prints (`admin.css`).
fn sheet(created: &Created, language: &str) -> impl IntoView + use<> {
    let say = |word: A| word.in_language(language);
    let server = web_sys::window()
        .and_then(|window| window.location().origin().ok())
        .unwrap_or_default();
    let (address, steps) = match created.role.as_str() {
        "enumerator" => (format!("{server}/field"), A::SheetStepsEnumerator),
        "analyst" => (format!("{server}/analysis"), A::SheetStepsStaff),
        _ => (format!("{server}/admin"), A::SheetStepsStaff),
    };
    let direction = if salama_shared::text::is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    };
    view! {
        <article id="sign-in-sheet" class="sheet" lang=language.to_owned() dir=direction
            aria-labelledby="sheet-title">
            <h3 id="sheet-title">{say(A::SheetTitle)}</h3>
            <dl>
                <dt>{say(A::SheetAddress)}</dt>
                <dd><code class="sheet-address" dir="ltr">{address}</code></dd>
                <dt>{S::Name.in_language(language)}</dt>
                <dd><code class="sheet-name" dir="ltr">{created.name.clone()}</code></dd>
                <dt>{say(A::OneTimePassword)}</dt>
                <dd><code class="sheet-password" dir="ltr">{created.password.clone()}</code></dd>
                <dt>{say(A::Role)}</dt>
                <dd class="sheet-role">{say(role_word(&created.role))}</dd>
            </dl>
            <p class="sheet-steps">{say(steps)}</p>
            <p>{say(A::SheetKeep)}</p>
        </article>
    }
}

/// Writes to the clipboard; `false` when the browser has none or refuses
/// (no permission, not a secure context, the page not focused).
async fn copied(text: &str) -> bool {
    use js_sys::{Function, Promise, Reflect};
    let Some(window) = web_sys::window() else {
        return false;
    };
    let navigator = JsValue::from(window.navigator());
    let Some(clipboard) = Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|clipboard| clipboard.is_object())
    else {
        return false;
    };
    let Some(write) = Reflect::get(&clipboard, &"writeText".into())
        .ok()
        .and_then(|write| write.dyn_into::<Function>().ok())
    else {
        return false;
    };
    let Some(promise) = write
        .call1(&clipboard, &JsValue::from_str(text))
        .ok()
        .and_then(|promise| promise.dyn_into::<Promise>().ok())
    else {
        return false;
    };
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Selects the password's text, for the person to copy with the keyboard.
fn select_password() {
    let input = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id("one-time-password"))
        .and_then(|element| element.dyn_into::<web_sys::HtmlInputElement>().ok());
    if let Some(input) = input {
        let _ = input.focus();
        input.select();
    }
}

fn when(text: Option<&str>) -> String {
    let language = expect_context::<Interface>().language.get_untracked();
    match text {
        Some(text) => {
            browser::local_date(text, &language, Moment::Instant).unwrap_or_else(|| text.to_owned())
        }
        None => say(A::Never).to_owned(),
    }
}

fn list(people: People, me: &str) -> AnyView {
    let listed = match people.listed.get() {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(error)) => {
            return view! { <p class="error" role="alert">{failure(&error)}</p> }.into_any();
        }
        Some(Ok(listed)) => listed,
    };
    let rows = listed
        .into_iter()
        .map(|person| person_row(people, person, me))
        .collect_view();
    view! {
        <div class="scroll" tabindex="0" role="region" aria-labelledby="list-title">
            <table id="people">
                <thead><tr>
                    <th scope="col">{say(S::Name)}</th>
                    <th scope="col">{say(A::Role)}</th>
                    <th scope="col">{say(A::ColumnLastLogin)}</th>
                    <th scope="col">{say(A::ColumnDevices)}</th>
                    <th scope="col">{say(A::ColumnStatus)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn person_row(people: People, person: Person, me: &str) -> impl IntoView {
    let Person {
        name,
        role,
        last_login_at,
        revoked,
        revoked_at,
        devices,
    } = person;
    let yourself = name == me;
    let devices = if devices.is_empty() {
        view! { <span>{say(A::NoDevices)}</span> }.into_any()
    } else {
        let items = devices
            .into_iter()
            .map(|device| device_item(people, device, &name, revoked))
            .collect_view();
        view! { <ul class="devices">{items}</ul> }.into_any()
    };
    let status = if revoked {
        fill(say(A::RevokedOn), &[("at", &when(revoked_at.as_deref()))])
    } else {
        say(A::Active).to_owned()
    };
    // No button to revoke oneself (the server refuses it too) or someone
    // revoked already.
    let revoke = (!revoked && !yourself).then(|| {
        let label = fill(say(A::RevokePerson), &[("name", &name)]);
        let target = name.clone();
        let ask = move |_| {
            people
                .confirming
                .set(Some(Revoking::Person(target.clone())));
            browser::focus_soon("confirm-no".into());
        };
        view! { <button type="button" class="revoke-person" on:click=ask>{label}</button> }
    });
    let pair = (!revoked && role == "enumerator").then(|| {
        let label = fill(say(A::PairPhoneFor), &[("name", &name)]);
        let target = name.clone();
        let make = move |_| {
            let target = target.clone();
            leptos::task::spawn_local(async move {
                match calls::pairing_code(&target, &origin()).await {
                    Ok(code) => {
                        people.pairing.set(Some(code));
                        browser::focus_soon("pairing-title".into());
                    }
                    Err(refusal) => {
                        people.status.set(refusal.in_words());
                        browser::focus_soon("people-status".into());
                    }
                }
            });
        };
        view! { <button type="button" class="pair-phone" aria-label=label on:click=make>{say(A::PairPhone)}</button> }
    });
    let data_name = name.clone();
    let shown_name = if yourself {
        fill(say(A::You), &[("name", &name)])
    } else {
        name.clone()
    };
    view! {
        <tr data-person=data_name data-revoked=revoked.to_string()>
            <th scope="row"><code>{shown_name}</code></th>
            <td class="role">{say(role_word(&role))}</td>
            <td class="last-login">{when(last_login_at.as_deref())}</td>
            <td>{devices}{pair}</td>
            <td class="person-status"><p>{status}</p>{revoke}</td>
        </tr>
    }
}

fn device_item(people: People, device: Device, owner: &str, owner_revoked: bool) -> impl IntoView {
    let Device {
        id,
        label,
        last_seen_at,
        revoked,
    } = device;
    let seen = match last_seen_at.as_deref() {
        Some(at) => fill(say(A::LastSeen), &[("at", &when(Some(at)))]),
        None => say(A::NotSeen).to_owned(),
    };
    let state = say(if revoked { A::Revoked } else { A::Active });
    let revoke = (!revoked && !owner_revoked).then(|| {
        let named = label
            .clone()
            .filter(|label| !label.is_empty())
            .unwrap_or_else(|| id.clone());
        let text = fill(say(A::RevokeDevice), &[("device", &named)]);
        let (target, owner) = (id.clone(), owner.to_owned());
        let ask = move |_| {
            people.confirming.set(Some(Revoking::Device {
                id: target.clone(),
                owner: owner.clone(),
            }));
            browser::focus_soon("confirm-no".into());
        };
        view! { <button type="button" class="revoke-device" on:click=ask>{text}</button> }
    });
    let data_id = id.clone();
    view! {
        <li data-device=data_id data-revoked=revoked.to_string()>
            <code>{id}</code>
            {label.filter(|label| !label.is_empty()).map(|label| view! { " " <span class="device-label">{label}</span> })}
            " · " {seen} " · " <span class="device-state">{state}</span>
            " " {revoke}
        </li>
    }
}

/// The question before a revocation, naming who or what: nothing is
/// revoked until it is answered yes.
fn confirmation(people: People, revoking: Revoking) -> impl IntoView {
    let question = match &revoking {
        Revoking::Person(name) => fill(say(A::ConfirmPerson), &[("name", name)]),
        Revoking::Device { id, owner } => {
            fill(say(A::ConfirmDevice), &[("device", id), ("name", owner)])
        }
    };
    let cancel = move |_| {
        people.confirming.set(None);
        browser::focus_soon("list-title".into());
    };
    let confirm = move |_| {
        let revoking = revoking.clone();
        people.confirming.set(None);
        leptos::task::spawn_local(async move {
            let (result, done) = match &revoking {
                Revoking::Person(name) => (
                    calls::revoke_person(name).await,
                    fill(say(A::PersonRevoked), &[("name", name)]),
                ),
                Revoking::Device { id, .. } => (
                    calls::revoke_device(id).await,
                    fill(say(A::DeviceRevoked), &[("device", id)]),
                ),
            };
            people.status.set(match result {
                Ok(()) => done,
                Err(ApiError::Conflict(_)) => say(A::LastAdmin).to_owned(),
                Err(error) => failure(&error),
            });
            refresh(people);
            browser::focus_soon("people-status".into());
        });
    };
    view! {
        <div id="confirm" class="confirm" role="alertdialog" aria-labelledby="confirm-text">
            <p id="confirm-text">{question}</p>
            <div class="actions">
                <button type="button" id="confirm-yes" class="danger" on:click=confirm>{say(A::ConfirmRevoke)}</button>
                <button type="button" id="confirm-no" on:click=cancel>{say(A::Cancel)}</button>
            </div>
        </div>
    }
}
