//! Enumerators' field mode, a bundle of its own (`salama-field`, served at
//! `/field` with a service worker that keeps the app on the device): a
//! device signs in once, keeps its assignments and the survey definitions
//! they need, runs household interviews with no connection, keeps every
//! change in IndexedDB and sends finished interviews when it can.
//!
//! - `idb`: the device's database; `records`: what is kept in it
//! - `home`: sign-in, clusters, the interviews and their states
//! - `interview`: one interview, kept on every change; `selection`: the
//!   respondent's draw among the household's members; `module`: a module
//!   asked of one drawn member (the violence module) behind a privacy check
//! - `sync`: sending the outbox with backoff; `transfer`: export and import
//! - `words`: the field app's own words

mod home;
mod idb;
mod interview;
mod module;
mod pairing;
mod records;
mod returned;
mod selection;
mod sync;
mod transfer;
mod words;

use leptos::prelude::*;

use crate::browser;
use crate::interface::Interface;
use records::{Assignment, Interview, Session, VisitRecord};
use salama_shared::words::FieldWord as F;
use salama_shared::words::FormWord as W;
pub use words::FieldWords;

/// What the app shows, from the address's fragment (`#interview/<id>`,
/// `#today`): one page, cached whole by the service worker, whatever the
/// screen.
#[derive(Clone, Debug, PartialEq)]
enum Screen {
    Home,
    Interview(String),
    /// The neutral screen an interview can be switched to in one tap.
    Neutral(Option<String>),
}

impl Screen {
    fn from_hash(hash: &str) -> Screen {
        let hash = hash.trim_start_matches('#');
        if let Some(id) = hash.strip_prefix("interview/") {
            return Screen::Interview(id.to_owned());
        }
        if let Some(rest) = hash.strip_prefix("today") {
            let back = rest.strip_prefix('/').filter(|id| !id.is_empty());
            return Screen::Neutral(back.map(str::to_owned));
        }
        Screen::Home
    }
}

/// The device's state, shared by every screen.
#[derive(Clone, Copy)]
pub struct Device {
    pub session: RwSignal<Option<Session>>,
    pub assignments: RwSignal<Vec<Assignment>>,
    /// Every interview on the device, most recent change first.
    pub interviews: RwSignal<Vec<Interview>>,
    /// Every household visit on the device, most recent change first.
    pub visits: RwSignal<Vec<VisitRecord>>,
    pub outbox: sync::Outbox,
    /// A problem to show at the top of the list (storage, import).
    pub notice: RwSignal<Option<String>>,
    /// News to show at the top of the list (an interview kept, an import).
    pub message: RwSignal<Option<String>>,
    /// Whether the browser agreed to keep the storage under pressure.
    pub persistent: RwSignal<Option<bool>>,
    pub language: RwSignal<String>,
    /// The survey whose interview was opened last (the interface's): its own
    /// field words speak for the app in its languages.
    pub survey: RwSignal<Option<&'static salama_shared::Survey>>,
    /// The survey versions the assignments name, read from the device: the
    /// lists show survey titles and area names, not codes.
    pub surveys: RwSignal<Vec<crate::form::Prepared>>,
}

impl Device {
    pub fn words(&self) -> FieldWords {
        let survey = self.survey.get_untracked();
        self.language
            .with_untracked(|language| words::field_words(language, survey))
    }

    /// Replaces (or adds) an interview in the list shown.
    pub fn show(&self, interview: &Interview) {
        self.interviews.update(|all| {
            all.retain(|other| other.id != interview.id);
            all.insert(0, interview.clone());
        });
    }

    /// The survey version an assignment or interview names, if kept.
    pub fn survey_of(
        &self,
        survey_id: &str,
        version: u32,
    ) -> Option<&'static salama_shared::Survey> {
        self.surveys.with(|all| {
            all.iter()
                .find(|kept| kept.survey.id == survey_id && kept.survey.version == version)
                .map(|kept| kept.survey)
        })
    }

    /// An area's name with the levels above it ("Hills District, North
    /// Region"), or its code when the survey does not name it.
    pub fn area_name(&self, survey: Option<&'static salama_shared::Survey>, code: &str) -> String {
        let language = self.language.get_untracked();
        survey
            .and_then(|survey| {
                let path = survey.area_path(code)?;
                let names: Vec<&str> = path
                    .iter()
                    .rev()
                    .map(|area| area.name.get(&language, &survey.default_language))
                    .collect();
                Some(names.join(", "))
            })
            .unwrap_or_else(|| code.to_owned())
    }

    /// Reads the definitions the assignments name, once per version.
    pub async fn read_surveys(&self) {
        let wanted: Vec<(String, u32)> = self.assignments.with_untracked(|all| {
            all.iter()
                .map(|assignment| (assignment.survey_id.clone(), assignment.survey_version))
                .collect()
        });
        let mut surveys = Vec::new();
        for (survey_id, version) in wanted {
            if let Some(kept) = crate::form::prepared(&survey_id, version) {
                surveys.push(kept);
                continue;
            }
            let Ok(Some(text)) = records::definition(&survey_id, version).await else {
                continue;
            };
            if let Ok(survey) = salama_shared::Survey::from_json(&text) {
                surveys.push(crate::form::prepare(survey));
            }
        }
        self.surveys.set(surveys);
    }

    pub fn storage_failed(&self, error: &idb::StorageError) {
        self.notice.set(Some(format!(
            "{}{}",
            self.words().get(F::StorageFailed),
            error.0
        )));
    }
}

/// The steps only interviews have, rendered here so that the citizens'
/// form does not carry them.
fn extra_step((filling, step): (crate::form::Filling, crate::form::Step)) -> AnyView {
    use crate::form::Step;
    match step {
        Step::Selection => selection::selection_step(filling),
        Step::Module(module) => module::module_step(filling, module),
        Step::ModuleEnd(module) => module::referrals_step(filling, module),
        _ => ().into_any(),
    }
}

/// An interview's steps: consent, then the household and the draw of the
/// respondent before the respondent's own sections, then each module asked
/// of a drawn member behind its draw and privacy check (the module's
/// section applies only once privacy is confirmed), then the review.
fn interview_steps(
    (filling, sections): (crate::form::Filling, Vec<usize>),
) -> Vec<crate::form::Step> {
    use crate::form::Step;
    let survey = filling.survey;
    let mut steps = vec![Step::Consent];
    let household = survey
        .respondent_eligibility()
        .and_then(|eligibility| filling.section_of(eligibility.roster))
        .filter(|section| sections.contains(section));
    if let Some(household) = household {
        steps.push(Step::Section(household));
        steps.push(Step::Selection);
    }
    let is_module = |index: &usize| survey.sections[*index].drawn_among.is_some();
    steps.extend(
        sections
            .iter()
            .filter(|section| Some(**section) != household && !is_module(section))
            .map(|section| Step::Section(*section)),
    );
    for module in (0..survey.sections.len()).filter(is_module) {
        steps.push(Step::Module(module));
        if sections.contains(&module) {
            steps.push(Step::Section(module));
            if survey.sections[module].referrals.is_some() {
                steps.push(Step::ModuleEnd(module));
            }
        }
    }
    steps.push(Step::Review);
    steps
}

/// Mounts the field app on the page's `<body>`.
pub fn mount() {
    leptos::mount::mount_to_body(app);
}

/// Goes to a screen by its fragment, keeping one history entry per screen.
pub fn open(hash: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().set_hash(hash);
    }
}

fn current_screen() -> Screen {
    let hash = web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default();
    Screen::from_hash(&hash)
}

fn app() -> impl IntoView {
    let preferred = crate::interface::preferred_language();
    let interface = Interface {
        language: RwSignal::new(preferred),
        survey: RwSignal::new(None),
    };
    provide_context(interface);
    let device = Device {
        session: RwSignal::new(None),
        assignments: RwSignal::new(Vec::new()),
        interviews: RwSignal::new(Vec::new()),
        visits: RwSignal::new(Vec::new()),
        outbox: sync::Outbox::new(),
        notice: RwSignal::new(None),
        message: RwSignal::new(None),
        persistent: RwSignal::new(None),
        language: interface.language,
        survey: interface.survey,
        surveys: RwSignal::new(Vec::new()),
    };
    provide_context(device);
    browser::set_title(device.words().get(F::Title));
    Effect::new(move |_| browser::set_document_language(&interface.language.get()));
    let screen = RwSignal::new(current_screen());
    let loaded = RwSignal::new(false);
    let on_hash = window_event_listener(leptos::ev::hashchange, move |_| {
        screen.set(current_screen())
    });
    let on_online = window_event_listener(leptos::ev::online, move |_| sync::start(device));
    on_cleanup(move || {
        on_hash.remove();
        on_online.remove();
    });
    leptos::task::spawn_local(async move {
        let read = async {
            let session = records::session().await?;
            let assignments = records::assignments().await?;
            let interviews = Interview::all().await?;
            let visits = VisitRecord::all().await?;
            Ok::<_, idb::StorageError>((session, assignments, interviews, visits))
        };
        match read.await {
            Ok((session, assignments, interviews, visits)) => {
                device.session.set(session);
                device.assignments.set(assignments);
                device.interviews.set(interviews);
                device.visits.set(visits);
                device.read_surveys().await;
            }
            Err(error) => device.storage_failed(&error),
        }
        loaded.set(true);
        browser::mark("salama-field-ready");
        device.persistent.set(idb::ask_persistence().await);
        sync::start(device);
    });
    move || {
        if !loaded.get() {
            return crate::pages::status(interface.words().get(W::Loading)).into_any();
        }
        match screen.get() {
            Screen::Home => untrack(home::home_page).into_any(),
            Screen::Interview(id) => untrack(|| interview::interview_page(id)).into_any(),
            Screen::Neutral(back) => untrack(|| neutral_screen(back)).into_any(),
        }
    }
}

/// Nothing on it says "survey": a page anyone looking over the shoulder
/// takes for a phone's own. A small link returns to the interview, which
/// was kept before switching.
fn neutral_screen(back: Option<String>) -> impl IntoView {
    browser::set_title("Today");
    let today = String::from(js_sys::Date::new_0().to_date_string());
    let words = expect_context::<Device>().words();
    let back = back.map_or_else(|| "#".to_owned(), |id| format!("#interview/{id}"));
    view! {
        <main id="main" class="page neutral">
            <h1>"Today"</h1>
            <p>{today}</p>
            <p class="discreet"><a href=back>{words.get(F::Resume)}</a></p>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::Screen;

    #[test]
    fn screens_come_from_the_fragment() {
        assert_eq!(Screen::from_hash(""), Screen::Home);
        assert_eq!(Screen::from_hash("#"), Screen::Home);
        assert_eq!(
            Screen::from_hash("#interview/abc"),
            Screen::Interview("abc".into())
        );
        assert_eq!(Screen::from_hash("#today"), Screen::Neutral(None));
        assert_eq!(
            Screen::from_hash("#today/abc"),
            Screen::Neutral(Some("abc".into()))
        );
    }
}
