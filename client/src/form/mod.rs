//! Filling in a survey: consent first, then one step per section that
//! applies, a review, and sending with retries. Every answer is checked by
//! the shared rules on every change; what is checked is what is sent.

mod draft;
mod fields;
mod review;
mod roster;
mod sending;
mod snapshot;

use std::collections::{BTreeMap, BTreeSet};

use leptos::prelude::*;
use salama_shared::form::{Form, Slot};
use salama_shared::schema::{Section, Survey};
use salama_shared::text::Text;

use crate::browser;
use crate::i18n::{Words, fill};
use crate::interface::{Interface, language_switch};
pub use draft::{Draft, Place};
use salama_shared::words::FormWord as W;
pub use snapshot::Envelope;
use snapshot::{Snapshot, snapshot};

/// The consent step's and the envelope's paths, used as DOM ids too.
const CONSENT: &str = "consent.respondent";
const ADULT_CONSENT: &str = "consent.adult";
const ASSENT: &str = "consent.assent";

/// In [`Filling::attempted`]: the review was left by its Change, so going
/// on from the changed section leads back to it, past every section with
/// nothing left to answer. Kept with the sections rather than in a signal
/// of its own, which would cost the form its own code.
pub const REVIEW: usize = usize::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Consent,
    Section(usize),
    /// Household interviews: drawing the respondent, right after the roster.
    Selection,
    /// Household interviews: drawing the member a module is asked of, and
    /// confirming privacy, before that module's section.
    Module(usize),
    /// The end of a drawn-member module: where to find help.
    ModuleEnd(usize),
    Review,
    /// Consent refused: the end, with nothing stored or sent.
    Declined,
}

impl Step {
    /// How a kept interview remembers where it was.
    pub fn code(self) -> String {
        match self {
            Step::Consent => "consent".into(),
            Step::Section(index) => format!("section-{index}"),
            Step::Selection => "selection".into(),
            Step::Module(index) => format!("module-{index}"),
            Step::ModuleEnd(index) => format!("module-end-{index}"),
            Step::Review => "review".into(),
            Step::Declined => "declined".into(),
        }
    }

    pub fn from_code(code: &str) -> Step {
        let numbered = |prefix: &str| {
            code.strip_prefix(prefix)
                .and_then(|index| index.parse::<usize>().ok())
        };
        match code {
            "selection" => Step::Selection,
            "review" => Step::Review,
            "declined" => Step::Declined,
            _ => numbered("section-")
                .map(Step::Section)
                .or_else(|| numbered("module-end-").map(Step::ModuleEnd))
                .or_else(|| numbered("module-").map(Step::Module))
                .unwrap_or(Step::Consent),
        }
    }
}

/// An interview run by an enumerator on a device (`field/`): who and where
/// it is for, how it is kept after every change, and where it goes when
/// finished. Given as callbacks so that the citizens' form does not carry
/// the device's code.
#[derive(Clone, Copy)]
pub struct Interviewing {
    pub envelope: StoredValue<Envelope>,
    /// Once the questionnaire is set up: the device starts keeping the draft
    /// and the step after every change.
    pub started: Callback<Filling>,
    /// The checked submission, when the enumerator finishes.
    pub finish: Callback<salama_shared::Submission>,
    /// A consent or assent refused: the field app asks for confirmation
    /// and keeps the refusal as the household's visit outcome, with no
    /// answer (`true`); `false` ends the form at once (the console's preview).
    pub refused: Callback<(Filling, Refuser), bool>,
    /// The one-tap switch to a neutral screen; the draft stays kept.
    pub hide: Callback<()>,
    /// The steps only interviews have: the respondent's draw, a module's
    /// draw and privacy check, a module's referrals.
    pub extra_step: Callback<(Filling, Step), AnyView>,
    /// The interview's steps, given the sections that apply now.
    pub steps: Callback<(Filling, Vec<usize>), Vec<Step>>,
}

/// Who refused, in an interview: the household's informant (at the first
/// consent), the drawn respondent, a minor's parent or caretaker, or the
/// minor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refuser {
    Household,
    Respondent,
    Adult,
    Minor,
}

/// Where a questionnaire opens: a fresh draft online, or an interview the
/// device kept, with the step it was on and the server's reasons if it was
/// refused.
pub struct Opening {
    pub draft: Draft,
    pub step: Step,
    pub server_errors: BTreeMap<String, String>,
    pub interviewing: Option<Interviewing>,
}

/// Everything a question needs to render and record its answer.
#[derive(Clone, Copy)]
pub struct Filling {
    pub survey: &'static Survey,
    pub form: &'static Form<'static>,
    pub draft: RwSignal<Draft>,
    pub snapshot: Memo<Snapshot>,
    pub language: RwSignal<String>,
    pub step: RwSignal<Step>,
    /// Paths changed by the respondent: their errors show as soon as they exist.
    pub touched: RwSignal<BTreeSet<String>>,
    /// Sections the respondent tried to leave: every error in them shows.
    /// A few at most: a list (a `BTreeSet<usize>` cost the form 1 KB).
    /// [`REVIEW`] there means the review was left to change an answer.
    pub attempted: RwSignal<Vec<usize>>,
    /// Problems the server reported (422), by path, until the answer changes.
    pub server_errors: RwSignal<BTreeMap<String, String>>,
    /// Held in the arena: `Filling` is copied into every handler, and a
    /// small copy keeps the citizens' wasm small.
    interviewing: Option<StoredValue<Interviewing>>,
}

impl Filling {
    /// Interface words in the current language. Read untracked: a page is
    /// rebuilt as a whole when the language changes, so each piece of text
    /// need not be reactive on its own (which kept the wasm small).
    pub fn words(&self) -> Words {
        self.language
            .with_untracked(|language| Words::of(Some(self.survey), language))
    }

    /// Survey text in the current language (untracked, as [`Self::words`]).
    pub fn text(&self, text: &Text) -> String {
        self.language
            .with_untracked(|language| text.get(language, &self.survey.default_language).to_owned())
    }

    /// A question's label (or hint, `hint`) at `place` in the current
    /// language; its `${q}` placeholders follow the answers.
    pub fn shown(&self, text: &Text, place: Place, hint: bool) -> impl IntoView + use<> {
        let fixed = self.text(text);
        // A text without a placeholder reads no answer, so it is rendered
        // once and never again.
        let fills = fixed.bytes().any(|b| b == b'$');
        let snapshot = self.snapshot;
        move || {
            fills
                .then(|| snapshot.with(|s| s.filled(place, hint).map(str::to_owned)))
                .flatten()
                .unwrap_or_else(|| fixed.clone())
        }
    }

    pub fn interviewing(&self) -> Option<Interviewing> {
        self.interviewing.map(|stored| stored.get_value())
    }

    pub fn envelope(&self) -> Envelope {
        self.interviewing()
            .map(|interviewing| interviewing.envelope.get_value())
            .unwrap_or_default()
    }

    /// Records an answer, marking the question as touched.
    pub fn answer(&self, place: Place, value: Option<serde_json::Value>) {
        let path = place.path();
        self.draft.update(|draft| draft.set(place, value));
        // An answer whose choice this one stops offering is cleared, so
        // the respondent sees it go rather than meeting it refused; clearing
        // a district clears its village in turn, a level a round.
        for _ in 0..self.form.entries.len() {
            let stale = self.snapshot.with_untracked(|s| s.stale.clone());
            if stale.is_empty() {
                break;
            }
            self.draft.update(|draft| {
                for place in stale {
                    draft.set(place, None);
                }
            });
        }
        self.server_errors.update(|errors| {
            errors.remove(&path);
        });
        self.touched.update(|touched| {
            touched.insert(path);
        });
    }

    /// The error to show beside a question now, if any.
    pub fn visible_error(&self, path: &str, section: usize) -> Option<String> {
        if let Some(message) = self.server_errors.with(|errors| errors.get(path).cloned()) {
            return Some(message);
        }
        let attempted = self.attempted.with(|steps| steps.contains(&section));
        let touched = self.touched.with(|paths| paths.contains(path));
        self.snapshot.with(|snapshot| {
            snapshot
                .error(path)
                .filter(|error| {
                    attempted || (touched && error.code != salama_shared::FieldErrorCode::Required)
                })
                .map(|error| error.message.clone())
        })
    }

    /// Marks a section as one the respondent tried to leave.
    pub fn attempt(&self, section: usize) {
        self.mark(section, true);
    }

    /// Forgets that a section (or [`REVIEW`]) was left: a roster row just
    /// added shows its errors only once the person tries to move on again.
    pub fn unattempt(&self, section: usize) {
        self.mark(section, false);
    }

    /// One update for both ways: each closure given to a signal's update
    /// costs the form its own code.
    fn mark(&self, section: usize, attempted: bool) {
        self.attempted.update(|steps| {
            steps.retain(|step| *step != section);
            if attempted {
                steps.push(section);
            }
        });
    }

    /// Where a path's control sits on the page, to list problems in the
    /// order the person meets them: the question's place in the survey,
    /// then the row and the question within it; consent records right
    /// after the age they follow.
    fn page_order(&self, path: &str) -> (usize, usize, usize) {
        let (id, cell) = if path.starts_with("consent.") {
            (self.survey.respondent_age_question().unwrap_or(path), None)
        } else {
            path_parts(path)
        };
        let entry = match self.form.slot(id) {
            Some(Slot::Top(entry)) => entry,
            _ => usize::MAX,
        };
        let (row, member) = match cell {
            Some((row, member)) => (
                row + 1,
                match self.form.slot(member) {
                    Some(Slot::Member { index, .. }) => index + 1,
                    _ => 0,
                },
            ),
            None => (usize::from(path.starts_with("consent.")), 0),
        };
        (entry, row, member)
    }

    /// What a path asks, as the error summary names it: its label (and in
    /// a roster, the row's name first). Consent records have their own
    /// messages and no label.
    fn asked(&self, path: &str) -> String {
        let question = |id: &str| self.form.slot(id).and_then(|slot| self.form.question(slot));
        let (id, cell) = path_parts(path);
        match cell {
            Some((row, member)) if !member.is_empty() => match (question(id), question(member)) {
                (Some(roster), Some(member)) => format!(
                    "{}: {}",
                    roster::row_name(*self, roster, row),
                    self.text(&member.label)
                ),
                _ => String::new(),
            },
            _ => question(id)
                .map(|question| self.text(&question.label))
                .unwrap_or_default(),
        }
    }

    /// The section a path belongs to: its question's, or for consent records
    /// the one holding the respondent's age.
    pub fn section_of(&self, path: &str) -> Option<usize> {
        // A draw's errors belong to the draw's own step (`field/`), which
        // offers the redraw: never to the household list, whose Next they
        // would block.
        let id = if path.starts_with("consent.") {
            self.survey.respondent_age_question()?
        } else {
            path.split(['[', '.']).next().unwrap_or(path)
        };
        match self.form.slot(id)? {
            Slot::Top(entry) => Some(self.form.entries[entry].section),
            Slot::Member { roster, .. } => {
                Some(self.form.entries[self.form.rosters[roster].entry].section)
            }
        }
    }

    /// Errors in a section in page order, each with the message to show
    /// (the server's first).
    pub fn section_errors(&self, section: usize) -> Vec<(String, String)> {
        // Kept in order as they come: a BTreeMap or a sort of its own
        // would cost the form more than this loop.
        let mut found: Vec<((usize, usize, usize), String, String)> = Vec::new();
        let mut note = |path: &String, message: &String| {
            if self.section_of(path) != Some(section) {
                return;
            }
            if let Some(known) = found.iter_mut().find(|(_, known, _)| known == path) {
                known.2.clone_from(message);
                return;
            }
            let order = self.page_order(path);
            let at = found
                .iter()
                .position(|(other, ..)| *other > order)
                .unwrap_or(found.len());
            found.insert(at, (order, path.clone(), message.clone()));
        };
        self.snapshot.with(|snapshot| {
            for (path, error) in &snapshot.errors {
                note(path, &error.message);
            }
        });
        self.server_errors.with(|errors| {
            for (path, message) in errors {
                note(path, message);
            }
        });
        found
            .into_iter()
            .map(|(_, path, message)| (path, message))
            .collect()
    }

    /// The sections that apply now, in order.
    pub fn relevant_sections(&self) -> Vec<usize> {
        self.snapshot.with(|snapshot| {
            snapshot
                .relevant_sections
                .iter()
                .enumerate()
                .filter_map(|(index, relevant)| relevant.then_some(index))
                .collect()
        })
    }

    pub fn go(&self, step: Step) {
        if step == Step::Review {
            self.unattempt(REVIEW);
        }
        self.step.set(step);
        browser::focus_soon("step-heading".into());
    }

    /// Every step that applies now, in order. Interviews order their own
    /// (`field/`: the household first, draws, modules).
    fn steps(&self) -> Vec<Step> {
        let sections = self.relevant_sections();
        if let Some(interviewing) = self.interviewing() {
            return interviewing.steps.run((*self, sections));
        }
        let mut steps = vec![Step::Consent];
        steps.extend(sections.into_iter().map(Step::Section));
        steps.push(Step::Review);
        steps
    }

    /// A step's place in [`Self::steps`]; a section that stopped applying
    /// takes the place it would have had.
    fn position(steps: &[Step], step: Step) -> usize {
        steps
            .iter()
            .position(|s| *s == step)
            .unwrap_or_else(|| match step {
                Step::Section(index) => steps
                    .iter()
                    .position(|s| matches!(s, Step::Section(other) if *other > index))
                    .unwrap_or(steps.len() - 1),
                Step::Review
                | Step::Declined
                | Step::Selection
                | Step::Module(_)
                | Step::ModuleEnd(_) => steps.len() - 1,
                Step::Consent => 0,
            })
    }

    fn next_after(&self, step: Step) -> Step {
        if step == Step::Declined {
            return step;
        }
        let steps = self.steps();
        let at = Self::position(&steps, step);
        let next = if steps.get(at) == Some(&step) {
            at + 1
        } else {
            at
        };
        let later = steps.get(next..).unwrap_or_default();
        // Read as `visible_error` reads it (tracked, harmless in a handler):
        // an untracked read would link its own code.
        if self.attempted.with(|steps| steps.contains(&REVIEW)) {
            // Back to the review past every section with nothing to answer;
            // a step that is no section (an interview's draw) is not skipped.
            return later
                .iter()
                .copied()
                .find(|step| match step {
                    Step::Section(index) => !self.section_errors(*index).is_empty(),
                    _ => true,
                })
                .unwrap_or(Step::Review);
        }
        later.first().copied().unwrap_or(Step::Review)
    }

    fn previous_before(&self, step: Step) -> Step {
        if matches!(step, Step::Consent | Step::Declined) {
            return step;
        }
        let steps = self.steps();
        let at = Self::position(&steps, step);
        at.checked_sub(1)
            .and_then(|previous| steps.get(previous).copied())
            .unwrap_or(Step::Consent)
    }

    /// Goes on from a step (used by steps rendered outside this module).
    pub fn go_next(&self, from: Step) {
        self.go(self.next_after(from));
    }

    pub fn go_back(&self, from: Step) {
        self.go(self.previous_before(from));
    }

    /// Ends without keeping anything: the answers are dropped from memory.
    /// An interview's device confirms first and records the refusal.
    fn decline(&self, who: Refuser) {
        if let Some(interviewing) = self.interviewing()
            && interviewing.refused.run((*self, who))
        {
            return;
        }
        self.draft
            .set(Draft::new(browser::new_submission_id(), browser::now()));
        self.go(Step::Declined);
    }
}

/// A survey version and its compiled form, kept for the page's lifetime.
#[derive(Clone, Copy)]
pub struct Prepared {
    pub survey: &'static Survey,
    pub form: &'static Form<'static>,
}

thread_local! {
    /// Every view borrows the survey and its compiled form (`&'static`, as
    /// the server's per-version cache does), so what is prepared is never
    /// freed. It is prepared once per version and reused: a published version
    /// never changes, and the field app, open all day, must not grow with
    /// every interview opened. A linear search: a page meets few versions.
    static PREPARED: std::cell::RefCell<Vec<Prepared>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The survey version already prepared on this page, if any.
pub fn prepared(survey_id: &str, version: u32) -> Option<Prepared> {
    PREPARED.with_borrow(|all| {
        all.iter()
            .find(|kept| kept.survey.id == survey_id && kept.survey.version == version)
            .copied()
    })
}

/// Prepares a survey just read, or gives the copy of its version already
/// prepared (the new one is then dropped).
pub fn prepare(survey: Survey) -> Prepared {
    if let Some(kept) = prepared(&survey.id, survey.version) {
        return kept;
    }
    let survey: &'static Survey = Box::leak(Box::new(survey));
    let kept = Prepared {
        survey,
        form: Box::leak(Box::new(Form::new(survey))),
    };
    PREPARED.with_borrow_mut(|all| all.push(kept));
    kept
}

/// Loads a survey and fills it in.
pub fn fill_page(survey_id: String) -> impl IntoView {
    let interface = expect_context::<Interface>();
    let loaded = RwSignal::new(None::<Result<Prepared, crate::api::ApiError>>);
    let attempt = RwSignal::new(0u32);
    Effect::new(move |_| {
        attempt.track();
        let survey_id = survey_id.clone();
        loaded.set(None);
        leptos::task::spawn_local(async move {
            let result = crate::api::survey(&survey_id).await.map(prepare);
            loaded.set(Some(result));
        });
    });
    move || match loaded.get() {
        None => crate::pages::status(interface.words().get(W::Loading)).into_any(),
        Some(Err(crate::api::ApiError::NotFound)) => crate::pages::not_found().into_any(),
        Some(Err(_)) => crate::pages::load_failed(attempt).into_any(),
        Some(Ok(prepared)) => untrack(|| {
            let opening = Opening {
                draft: Draft::new(browser::new_submission_id(), browser::now()),
                step: Step::Consent,
                server_errors: BTreeMap::new(),
                interviewing: None,
            };
            questionnaire(prepared, opening)
        })
        .into_any(),
    }
}

/// Fills in a prepared survey from `opening`.
pub fn questionnaire(prepared: Prepared, opening: Opening) -> impl IntoView {
    let Prepared { survey, form } = prepared;
    let interface = expect_context::<Interface>();
    interface.survey.set(Some(survey));
    let language = interface.language;
    // The respondent's language if the survey has it, else the survey's own.
    let current = language.get_untracked();
    if !survey.languages.contains(&current) {
        let preferred = browser::preferred_language()
            .and_then(|tag| {
                survey
                    .languages
                    .iter()
                    .find(|language| salama_shared::language::same_base(&tag, language))
                    .cloned()
            })
            .unwrap_or_else(|| survey.default_language.clone());
        language.set(preferred);
    }
    let Opening {
        draft,
        step,
        server_errors,
        interviewing,
    } = opening;
    let envelope = interviewing
        .map(|interviewing| interviewing.envelope.get_value())
        .unwrap_or_default();
    let mut draft = draft;
    draft.give_defaults(survey);
    let draft = RwSignal::new(draft);
    let snapshot = Memo::new(move |_| {
        let language = language.get();
        draft.with(|draft| snapshot(survey, form, draft, &language, browser::now(), &envelope))
    });
    let filling = Filling {
        survey,
        form,
        draft,
        snapshot,
        language,
        step: RwSignal::new(step),
        touched: RwSignal::new(BTreeSet::new()),
        attempted: RwSignal::new(Vec::new()),
        server_errors: RwSignal::new(server_errors),
        interviewing: interviewing.map(StoredValue::new),
    };
    provide_context(filling);
    if let Some(interviewing) = interviewing {
        interviewing.started.run(filling);
    }
    // The first question is usable from here on (read by the load benchmark).
    request_animation_frame(|| browser::mark("salama-form-ready"));
    // The page is rebuilt when the step or the language changes; within a
    // step only what answers change is reactive.
    move || {
        language.track();
        let step = filling.step.get();
        untrack(|| page(filling, step))
    }
}

fn page(filling: Filling, step: Step) -> impl IntoView {
    let survey = filling.survey;
    let title = filling.text(&survey.title);
    browser::set_title(&title);
    let body = match step {
        Step::Consent => consent_step(filling).into_any(),
        Step::Section(index) => section_step(filling, index).into_any(),
        Step::Review => review::review_step(filling).into_any(),
        // Only interviews have this step.
        Step::Selection | Step::Module(_) | Step::ModuleEnd(_) => match filling.interviewing() {
            Some(interviewing) => interviewing.extra_step.run((filling, step)),
            None => ().into_any(),
        },
        Step::Declined => declined_step(filling).into_any(),
    };
    view! {
        {survey.has_sensitive_sections().then(|| quick_exit(filling))}
        <header class="bar">{language_switch(survey.languages.clone())}</header>
        <main id="main" class="page">
            <h1>{title}</h1>
            {(step != Step::Declined).then(|| progress(filling))}
            {body}
        </main>
    }
}

/// Visible on every page of a survey with sensitive sections, and first in
/// keyboard order: drops the answers and replaces the page (and its history
/// entry) with a neutral one.
fn quick_exit(filling: Filling) -> impl IntoView {
    // The page's first Quick exit, written by the server, gives way to this one.
    browser::remove_element("shell-exit");
    let exit = move |_| {
        if let Some(interviewing) = filling.interviewing() {
            interviewing.hide.run(());
            return;
        }
        filling
            .draft
            .set(Draft::new(uuid::Uuid::nil(), browser::now()));
        filling.touched.set(BTreeSet::new());
        filling.server_errors.set(BTreeMap::new());
        browser::leave_for("/today");
    };
    view! {
        <button type="button" id="quick-exit" class="quick-exit" on:click=exit>
            {filling.words().get(W::QuickExit)}
        </button>
    }
}

fn progress(filling: Filling) -> impl IntoView {
    let step = filling.step.get_untracked();
    let position = Memo::new(move |_| {
        let steps = filling.steps();
        (Filling::position(&steps, step) + 1, steps.len())
    });
    let template = filling.words().get(W::StepOf);
    let label = move || {
        let (current, total) = position.get();
        fill(
            template,
            &[("n", &current.to_string()), ("total", &total.to_string())],
        )
    };
    view! {
        <div class="progress">
            <p id="progress-label">{label}</p>
            <progress
                aria-labelledby="progress-label"
                max=move || Some(position.get().1.to_string())
                value=move || Some(position.get().0.to_string())
            ></progress>
        </div>
    }
}

fn safety_notice(filling: Filling) -> Option<impl IntoView> {
    let notice = filling.survey.safety_notice.as_ref()?;
    Some(view! {
        <aside class="notice" aria-labelledby="safety-title">
            <h3 id="safety-title">{filling.words().get(W::SafetyTitle)}</h3>
            <p>{filling.text(notice)}</p>
        </aside>
    })
}

fn consent_step(filling: Filling) -> impl IntoView {
    let survey = filling.survey;
    let words = filling.words();
    let choice = RwSignal::new(
        filling
            .draft
            .with_untracked(|draft| draft.consent.respondent.then_some(true)),
    );
    let show_error = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        match choice.get_untracked() {
            Some(true) => {
                filling
                    .draft
                    .update(|draft| draft.consent.respondent = true);
                filling.go(filling.next_after(Step::Consent));
            }
            Some(false) => filling.decline(Refuser::Household),
            None => {
                show_error.set(true);
                browser::focus_soon(CONSENT.into());
            }
        }
    };
    let required = salama_shared::validate::message_for(
        survey,
        salama_shared::FieldErrorCode::Required,
        &filling.language.get_untracked(),
        Default::default(),
    );
    let error = Signal::derive(move || show_error.get().then(|| required.clone()));
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{words.get(W::ConsentTitle)}</h2>
            {survey.has_sensitive_sections().then(|| safety_notice(filling))}
            <p class="script">{filling.text(&survey.consent.script)}</p>
            {yes_no_group(filling, CONSENT, filling.text(&survey.consent.question), choice, error)}
            <div class="actions">
                <button type="submit" class="primary">{words.get(W::Next)}</button>
            </div>
        </form>
    }
}

/// A yes/no question outside the answers (consent and assent records).
fn yes_no_group(
    filling: Filling,
    id: &'static str,
    legend: String,
    choice: RwSignal<Option<bool>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let words = filling.words();
    let options = [
        (true, "yes", words.get(W::Yes)),
        (false, "no", words.get(W::No)),
    ];
    view! {
        <fieldset class="question" aria-describedby=move || error.get().map(|_| format!("{id}-error"))>
            <legend>{legend}</legend>
            {error_line(words, format!("{id}-error"), error)}
            <div class="choices">
                {options
                    .into_iter()
                    .map(|(value, code, label)| {
                        let input_id = if value { id.to_owned() } else { format!("{id}-{code}") };
                        let checked = Signal::derive(move || choice.get() == Some(value));
                        radio(input_id, id, code, label.to_owned(), checked, error, move || {
                            choice.set(Some(value))
                        })
                    })
                    .collect_view()}
            </div>
        </fieldset>
    }
}

/// One radio button and its label.
fn radio(
    input_id: String,
    name: &'static str,
    value: &'static str,
    label: String,
    checked: Signal<bool>,
    error: Signal<Option<String>>,
    on_choose: impl Fn() + 'static,
) -> AnyView {
    let label_for = input_id.clone();
    view! {
        <div class="choice">
            <input
                type="radio"
                id=input_id
                name=name
                value=value
                prop:checked=checked
                aria-invalid=move || flag(error.get().is_some())
                on:change=move |_| on_choose()
            />
            <label for=label_for>{label}</label>
        </div>
    }
    .into_any()
}

/// A reactive `true`/`false` attribute (`aria-invalid`, `aria-required`).
/// Every reactive attribute of the form gives an `Option<String>`: each
/// type a reactive attribute has costs the form its own render-effect code
/// (about 0.4 KB gzip each for `&str`, `String` and `usize`).
pub(crate) fn flag(on: bool) -> Option<String> {
    Some(if on { "true" } else { "false" }.to_owned())
}

/// A reactive boolean attribute (`hidden`, `disabled`, `selected`): there
/// while `on`. An `Option<String>` as every reactive attribute here (see
/// [`flag`]).
pub(crate) fn present(on: bool) -> Option<String> {
    on.then(String::new)
}

/// An error message tied to its control by id; announced with a prefix.
pub fn error_line(words: Words, id: String, error: Signal<Option<String>>) -> impl IntoView {
    move || {
        error.get().map(|message| {
            view! {
                <p class="error" id=id.clone()>
                    <span class="visually-hidden">{words.get(W::ErrorPrefix)}" "</span>
                    {message}
                </p>
            }
        })
    }
}

fn section_step(filling: Filling, index: usize) -> impl IntoView {
    let section: &'static Section = &filling.survey.sections[index];
    let words = filling.words();
    let age_question = filling.survey.respondent_age_question();
    let problems = move || {
        if filling.attempted.with(|steps| steps.contains(&index)) {
            filling.section_errors(index)
        } else {
            Vec::new()
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        filling.attempt(index);
        if filling.section_errors(index).is_empty() {
            filling.go(filling.next_after(Step::Section(index)));
        } else {
            browser::focus_soon("error-summary".into());
        }
    };
    let back = move |_| filling.go(filling.previous_before(Step::Section(index)));
    view! {
        <form class="step" novalidate on:submit=submit>
            <h2 id="step-heading" tabindex="-1">{filling.text(&section.title)}</h2>
            {section.sensitive.then(|| safety_notice(filling))}
            {move || error_summary(filling, problems())}
            {section
                .questions
                .iter()
                .map(|question| {
                    let place = Place::Top(question.id.as_str());
                    let minors = (Some(question.id.as_str()) == age_question)
                        .then(|| minor_consent(filling, index));
                    view! {
                        {fields::question_view(filling, question, place, index)}
                        {minors}
                    }
                })
                .collect_view()}
            <div class="actions">
                <button type="button" on:click=back>{words.get(W::Previous)}</button>
                <button type="submit" class="primary">{words.get(W::Next)}</button>
            </div>
        </form>
    }
}

/// The problems of a step in page order, each a link to its question
/// named by its label (GOV.UK's pattern), which the style sheet cuts to a
/// line on a narrow screen.
fn error_summary(filling: Filling, problems: Vec<(String, String)>) -> Option<impl IntoView> {
    let words = filling.words();
    if problems.is_empty() {
        return None;
    }
    Some(view! {
        <div class="error-summary" id="error-summary" tabindex="-1" role="alert" aria-labelledby="error-summary-title">
            <h3 id="error-summary-title">{words.get(W::ProblemTitle)}</h3>
            <ul>
                {problems
                    .into_iter()
                    .map(|(path, message)| {
                        let target = dom_id_of(&path);
                        let asked = filling.asked(&path);
                        let href = format!("#{target}");
                        view! {
                            <li>
                                <a
                                    href=href
                                    on:click=move |event| {
                                        event.prevent_default();
                                        browser::focus(&target);
                                    }
                                >
                                    <span class="asked">{asked}</span>
                                    " "
                                    {message}
                                </a>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </div>
    })
}

/// A path's question (or roster) and, in a roster, the row and the member
/// question: `household[2].mem_age` is `("household", Some((2, "mem_age")))`.
fn path_parts(path: &str) -> (&str, Option<(usize, &str)>) {
    let Some((roster, rest)) = path.split_once('[') else {
        return (path, None);
    };
    let (row, member) = rest.split_once(']').unwrap_or((rest, ""));
    // The shared reader, already in the bundle, rather than `str::parse`.
    let row = salama_shared::number::read_whole(row).map_or(0, |row| row as usize);
    (
        roster,
        Some((row, member.strip_prefix('.').unwrap_or(member))),
    )
}

/// The DOM id of the control for a path (`household[2].mem_age` →
/// `q-household-2-mem_age`); envelope paths are ids as they are.
pub fn dom_id_of(path: &str) -> String {
    if path.starts_with("consent.") {
        return path.to_owned();
    }
    let flat: String = path
        .chars()
        .map(|c| if matches!(c, '[' | ']' | '.') { '-' } else { c })
        .collect();
    format!("q-{}", flat.replace("--", "-"))
}

/// Asked right after the respondent's age when it is under the adult age
/// (MICS6): a parent's or caretaker's consent, then the young person's own
/// assent. A refusal ends the interview with nothing sent.
fn minor_consent(filling: Filling, section: usize) -> Option<impl IntoView> {
    use salama_shared::submission::AdultConsent as A;
    let rules = filling.survey.consent.minors.as_ref()?;
    let age_id = filling.survey.respondent_age_question()?;
    let words = filling.words();
    let is_minor = Memo::new(move |_| {
        filling.snapshot.with(|snapshot| {
            snapshot
                .submission
                .answers
                .get(age_id)
                .and_then(serde_json::Value::as_f64)
                .is_some_and(|age| rules.needs_adult_consent(age))
        })
    });
    let assent = RwSignal::new(filling.draft.with_untracked(|draft| draft.consent.assent));
    Effect::new(move |_| match assent.get() {
        Some(true) => filling
            .draft
            .update(|draft| draft.consent.assent = Some(true)),
        Some(false) => filling.decline(Refuser::Minor),
        None => {}
    });
    // Consent records leave the draft when the respondent is no longer a minor.
    Effect::new(move |_| {
        if !is_minor.get() {
            let recorded = filling.draft.with_untracked(|draft| {
                draft.consent.adult.is_some() || draft.consent.assent.is_some()
            });
            if recorded {
                filling.draft.update(|draft| {
                    draft.consent.adult = None;
                    draft.consent.assent = None;
                });
                assent.set(None);
            }
        }
    });
    let adult_error = Signal::derive(move || filling.visible_error(ADULT_CONSENT, section));
    let assent_error = Signal::derive(move || filling.visible_error(ASSENT, section));
    let adult_options = [
        (A::Given, "given", words.get(W::AdultGiven)),
        (A::Refused, "refused", words.get(W::AdultRefused)),
        (A::NoCaretaker, "no_caretaker", words.get(W::AdultNone)),
    ];
    let adult_legend = filling.text(&rules.adult_consent_question);
    let assent_legend = filling.text(&rules.assent_question);
    Some(view! {
        <Show when=move || is_minor.get()>
            <div class="minor-consent">
                <h3>{words.get(W::MinorTitle)}</h3>
                <fieldset
                    class="question"
                    aria-describedby=move || adult_error.get().map(|_| format!("{ADULT_CONSENT}-error"))
                >
                    <legend>{adult_legend.clone()}</legend>
                    {error_line(words, format!("{ADULT_CONSENT}-error"), adult_error)}
                    <div class="choices">
                        {adult_options
                            .into_iter()
                            .enumerate()
                            .map(|(position, (value, code, label))| {
                                let input_id = if position == 0 {
                                    ADULT_CONSENT.to_owned()
                                } else {
                                    format!("{ADULT_CONSENT}-{code}")
                                };
                                let checked = Signal::derive(move || {
                                    filling.draft.with(|draft| draft.consent.adult) == Some(value)
                                });
                                radio(input_id, ADULT_CONSENT, code, label.to_owned(), checked, adult_error, move || {
                                    filling.draft.update(|draft| draft.consent.adult = Some(value));
                                    if value == A::Refused {
                                        filling.decline(Refuser::Adult);
                                    }
                                })
                            })
                            .collect_view()}
                    </div>
                </fieldset>
                {yes_no_group(filling, ASSENT, assent_legend.clone(), assent, assent_error)}
            </div>
        </Show>
    })
}

fn declined_step(filling: Filling) -> impl IntoView {
    let words = filling.words();
    view! {
        <section class="step">
            <h2 id="step-heading" tabindex="-1">{words.get(W::DeclinedTitle)}</h2>
            <p>{words.get(W::DeclinedBody)}</p>
            <p>
                <a href="/">{words.get(W::BackHome)}</a>
            </p>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::dom_id_of;
    use super::draft::Place;

    #[test]
    fn error_paths_lead_to_the_controls_they_name() {
        assert_eq!(dom_id_of("resp_age"), Place::Top("resp_age").dom_id());
        assert_eq!(
            dom_id_of("household[2].mem_age"),
            Place::Cell {
                roster: "household",
                row: 2,
                id: "mem_age"
            }
            .dom_id()
        );
        assert_eq!(dom_id_of("consent.assent"), "consent.assent");
    }
}
