//! The settings page (`/admin/settings`), one survey at a time: how long
//! its raw data is kept (DOMAIN §5), with where that stands today, and a
//! confirmation before the destruction is brought forward; and what its
//! tables may show (the disclosure policy, DOMAIN §4), each setting with
//! what it protects and what it costs analysts. The warning that a
//! destruction is near shows here and above the surveys' table.

use leptos::prelude::*;
use salama_shared::aggregate::AgeScheme;
use salama_shared::api::SurveyListing;
use salama_shared::disclosure::{DisclosurePolicy, Period, SurveyDisclosure};
use salama_shared::publication::Rule;
use salama_shared::retention::{Retention, Standing};
use salama_shared::words::{AdminWord as A, AnalysisWord, fill};

use super::calls::{self, Refusal};
use super::{Session, SurveyChoice, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::browser::Moment;
use crate::interface::Interface;

pub fn page(who: Me, session: Session) -> impl IntoView {
    let choice = SurveyChoice::load();
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1 id="settings-title">{say(A::SettingsTitle)}</h1>
            {move || choice.listed.get().map(|listed| warnings(&listed))}
            {choice.chooser("settings-survey")}
            {move || {
                let chosen = choice.chosen.get();
                let listing = choice.listed.with(|listed| {
                    listed.as_ref()?.iter().find(|listing| listing.summary.id == chosen).cloned()
                })?;
                let id = listing.summary.id.clone();
                Some(untrack(|| view! { {retention_panel(listing)} {disclosure_panel(id)} }))
            }}
        </main>
    }
}

/// One line for each survey whose raw data is destroyed within the
/// warning period, in the interface language.
pub(super) fn warnings(listed: &[SurveyListing]) -> Option<impl IntoView + use<>> {
    let interface = expect_context::<Interface>();
    let language = interface.language.get_untracked();
    let lines = listed
        .iter()
        .filter_map(|listing| {
            let retention = listing.retention.as_ref()?;
            let (Standing::Warning, Some(date), Some(days)) = (
                retention.standing,
                &retention.retain_until,
                retention.days_left,
            ) else {
                return None;
            };
            let summary = &listing.summary;
            let title = summary.title.get(&language, &summary.default_language);
            let text = fill(
                say(A::RetentionWarning),
                &[
                    ("survey", title),
                    ("date", &shown_day(date)),
                    ("days", &days.to_string()),
                ],
            );
            Some(view! { <li>{text}</li> })
        })
        .collect::<Vec<_>>();
    (!lines.is_empty()).then(|| {
        view! { <div class="status warning retention-warnings" role="status"><ul>{lines}</ul></div> }
    })
}

fn shown_day(date: &str) -> String {
    expect_context::<Interface>()
        .words()
        .date(date, Moment::Day)
}

/// Where the retention stands, in a sentence.
fn standing_text(retention: &Retention) -> String {
    let date = retention
        .retain_until
        .as_deref()
        .map(shown_day)
        .unwrap_or_default();
    let days = retention.days_left.unwrap_or_default().to_string();
    match retention.standing {
        Standing::NotSet => say(A::RetentionNotSet).to_owned(),
        Standing::Kept | Standing::Warning => {
            fill(say(A::RetentionKept), &[("date", &date), ("days", &days)])
        }
        Standing::Passed => {
            let when = retention
                .destroyed_at
                .as_deref()
                .map(|at| {
                    expect_context::<Interface>()
                        .words()
                        .date(at, Moment::Instant)
                })
                .unwrap_or_default();
            fill(
                say(A::RetentionPassed),
                &[
                    ("count", &retention.destroyed_submissions.to_string()),
                    ("when", &when),
                ],
            )
        }
    }
}

fn retention_panel(listing: SurveyListing) -> impl IntoView {
    let survey = StoredValue::new(listing.summary.id.clone());
    let retention = RwSignal::new(listing.retention);
    let date = RwSignal::new(
        retention
            .get_untracked()
            .and_then(|kept| kept.retain_until)
            .unwrap_or_default(),
    );
    // A date earlier than the one set, waiting for its confirmation.
    let earlier = RwSignal::new(None::<String>);
    // The date just saved; its sentence is written where the interface's
    // context is at hand (a task finishing later has none).
    let saved = RwSignal::new(None::<String>);
    let refusal = RwSignal::new(None::<Refusal>);
    let send = move |chosen: String| {
        let url = format!(
            "/api/surveys/{}/retention",
            survey.with_value(|id| encode(id))
        );
        leptos::task::spawn_local(async move {
            let body = serde_json::json!({ "retain_until": chosen });
            match calls::send_json::<Retention>("PUT", &url, &body).await {
                Ok(now) => {
                    refusal.set(None);
                    saved.set(Some(chosen));
                    retention.set(Some(now));
                }
                Err(refused) => {
                    saved.set(None);
                    refusal.set(Some(refused));
                }
            }
        });
    };
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        earlier.set(None);
        let chosen = date.get_untracked();
        let current = retention.with_untracked(|kept| {
            kept.as_ref()
                .filter(|kept| kept.standing != Standing::Passed)
                .and_then(|kept| kept.retain_until.clone())
        });
        // Dates are `YYYY-MM-DD`: text order is date order.
        match current {
            Some(current) if !chosen.is_empty() && chosen < current => {
                earlier.set(Some(current));
                crate::browser::focus_soon("retention-earlier".into());
            }
            _ => send(chosen),
        }
    };
    let today = move || retention.with(|kept| kept.as_ref().map(|kept| kept.today.clone()));
    view! {
        <section aria-labelledby="retention-title">
            <h2 id="retention-title">{say(A::RetentionTitle)}</h2>
            <p class="hint">{say(A::RetentionExplained)}</p>
            {move || retention.get().map(|kept| {
                let warning = matches!(kept.standing, Standing::Warning | Standing::Passed | Standing::NotSet);
                let set_by = kept.set_by.clone().zip(kept.set_at.clone()).map(|(name, at)| {
                    let when = expect_context::<Interface>().words().date(&at, Moment::Instant);
                    fill(say(A::RetentionSetBy), &[("name", &name), ("when", &when)])
                });
                view! {
                    <p id="retention-standing" class="status" class:warning=warning>{standing_text(&kept)}</p>
                    {set_by.map(|text| view! { <p class="hint">{text}</p> })}
                }
            })}
            <form on:submit=save novalidate>
                <div class="question">
                    <label for="retention-date">{say(A::RetentionDate)}</label>
                    <input id="retention-date" type="date" required min=today
                        prop:value=move || date.get()
                        aria-describedby="retention-problem"
                        on:input=move |event| date.set(event_target_value(&event))/>
                    <p id="retention-problem" class="error" role="alert">
                        {move || refusal.get().map(|refused| refused.in_words())}
                    </p>
                </div>
                <button type="submit" id="retention-save">{say(A::RetentionSave)}</button>
            </form>
            {move || earlier.get().map(|current| {
                let text = fill(
                    say(A::RetentionEarlier),
                    &[("old", &shown_day(&current)), ("date", &shown_day(&date.get_untracked()))],
                );
                let confirm = move |_| {
                    earlier.set(None);
                    send(date.get_untracked());
                };
                let cancel = move |_| {
                    earlier.set(None);
                    crate::browser::focus_soon("retention-date".into());
                };
                view! {
                    <div class="confirm" role="group" aria-labelledby="retention-earlier">
                        <h3 id="retention-earlier" tabindex="-1">{text}</h3>
                        <div class="actions">
                            <button type="button" id="retention-earlier-save" class="primary" on:click=confirm>
                                {say(A::RetentionSave)}
                            </button>
                            <button type="button" on:click=cancel>{say(A::Cancel)}</button>
                        </div>
                    </div>
                }
            })}
            <p id="retention-status" class="status" role="status">
                {move || saved.get().map(|date| fill(say(A::RetentionSaved), &[("date", &shown_day(&date))]))}
            </p>
        </section>
    }
}

/// The policy's fields as the form holds them: numbers as typed, so that
/// what the server refuses (not a number, out of bounds) is its to say,
/// at the field.
#[derive(Clone, Copy)]
struct PolicyForm {
    min_n: RwSignal<String>,
    caution_n: RwSignal<String>,
    min_count: RwSignal<String>,
    /// The allowed rules, comma-separated, the default first.
    rules: RwSignal<String>,
    period: RwSignal<String>,
    area_level: RwSignal<String>,
    respondent_age_scheme: RwSignal<String>,
    member_age_scheme: RwSignal<String>,
    max_weight_ratio: RwSignal<String>,
}

impl PolicyForm {
    fn new() -> Self {
        let text = || RwSignal::new(String::new());
        Self {
            min_n: text(),
            caution_n: text(),
            min_count: text(),
            rules: text(),
            period: text(),
            area_level: text(),
            respondent_age_scheme: text(),
            member_age_scheme: text(),
            max_weight_ratio: text(),
        }
    }

    fn show(&self, policy: &DisclosurePolicy) {
        self.min_n.set(policy.min_n.to_string());
        self.caution_n.set(policy.caution_n.to_string());
        self.min_count.set(policy.min_count.to_string());
        self.rules.set(rules_value(&policy.rules));
        self.period.set(policy.period.as_str().to_owned());
        self.area_level.set(policy.area_level.to_string());
        self.respondent_age_scheme
            .set(policy.respondent_age_scheme.as_str().to_owned());
        self.member_age_scheme
            .set(policy.member_age_scheme.as_str().to_owned());
        self.max_weight_ratio
            .set(policy.max_weight_ratio.to_string());
    }

    /// The body sent: a field that does not read as a number goes as
    /// typed, and comes back refused at its name.
    fn body(&self) -> serde_json::Value {
        let number = |signal: RwSignal<String>| {
            let text = signal.get_untracked().trim().to_owned();
            match text.parse::<f64>() {
                Ok(value) if value.fract() == 0.0 && value.abs() < 1e15 => {
                    serde_json::json!(value as i64)
                }
                Ok(value) => serde_json::json!(value),
                Err(_) => serde_json::json!(text),
            }
        };
        let rules: Vec<String> = self
            .rules
            .get_untracked()
            .split(',')
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        serde_json::json!({
            "min_n": number(self.min_n),
            "caution_n": number(self.caution_n),
            "min_count": number(self.min_count),
            "rules": rules,
            "period": self.period.get_untracked(),
            "area_level": number(self.area_level),
            "respondent_age_scheme": self.respondent_age_scheme.get_untracked(),
            "member_age_scheme": self.member_age_scheme.get_untracked(),
            "max_weight_ratio": number(self.max_weight_ratio),
        })
    }
}

fn rules_value(rules: &[Rule]) -> String {
    rules
        .iter()
        .map(|rule| rule.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Every choice of allowed rules: each alone, or both with either first
/// (the default).
fn rule_choices() -> Vec<(String, String)> {
    let name = |rule: Rule| {
        say(match rule {
            Rule::DhsMics => AnalysisWord::RuleDhsMics,
            Rule::Nchs => AnalysisWord::RuleNchs,
        })
    };
    let mut choices: Vec<(String, String)> = Rule::ALL
        .into_iter()
        .map(|rule| (rule.as_str().to_owned(), name(rule).to_owned()))
        .collect();
    for (first, second) in [(Rule::DhsMics, Rule::Nchs), (Rule::Nchs, Rule::DhsMics)] {
        choices.push((
            rules_value(&[first, second]),
            fill(
                say(A::RulesBoth),
                &[("first", name(first)), ("second", name(second))],
            ),
        ));
    }
    choices
}

fn period_name(period: Period) -> &'static str {
    say(match period {
        Period::Month => A::PeriodMonth,
        Period::Quarter => A::PeriodQuarter,
        Period::Year => A::PeriodYear,
        Period::Fieldwork => A::PeriodFieldwork,
    })
}

fn scheme_name(scheme: AgeScheme) -> &'static str {
    say(match scheme {
        AgeScheme::UnAdult => AnalysisWord::SchemeUnAdult,
        AgeScheme::Sadd => AnalysisWord::SchemeSadd,
    })
}

/// The survey's disclosure policy: every setting with a sentence on what
/// it protects and what it costs analysts, its version and who set it,
/// and the server's refusal at the field it names.
fn disclosure_panel(survey_id: String) -> impl IntoView {
    let survey = StoredValue::new(survey_id);
    let current = RwSignal::new(None::<SurveyDisclosure>);
    let failed = RwSignal::new(None::<String>);
    let form = PolicyForm::new();
    let refusal = RwSignal::new(None::<Refusal>);
    let saved = RwSignal::new(None::<u32>);
    leptos::task::spawn_local(async move {
        match calls::disclosure(&survey.get_value()).await {
            Ok(loaded) => {
                form.show(&loaded.policy);
                current.set(Some(loaded));
            }
            Err(error) => failed.set(Some(crate::staff::refusal(&error))),
        }
    });
    let save = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let url = format!(
            "/api/surveys/{}/disclosure",
            survey.with_value(|id| encode(id))
        );
        let body = form.body();
        leptos::task::spawn_local(async move {
            match calls::send_json::<SurveyDisclosure>("PUT", &url, &body).await {
                Ok(now) => {
                    refusal.set(None);
                    saved.set(Some(now.version));
                    form.show(&now.policy);
                    current.set(Some(now));
                }
                Err(refused) => {
                    saved.set(None);
                    let first = refused
                        .fields
                        .first()
                        .map(|field| field_of(&field.path).to_owned());
                    refusal.set(Some(refused));
                    if let Some(name) = first {
                        crate::browser::focus_soon(format!("disclosure-{name}"));
                    }
                }
            }
        });
    };
    // The server's words for `name` (`rules[1]` is the rules' field).
    let problem = move |name: &'static str| {
        refusal.with(|refused| {
            refused.as_ref().and_then(|refused| {
                let words: Vec<&str> = refused
                    .fields
                    .iter()
                    .filter(|field| field_of(&field.path) == name)
                    .map(|field| field.message.as_str())
                    .collect();
                (!words.is_empty()).then(|| words.join(" "))
            })
        })
    };
    let field = move |name: &'static str, label: A, help: A, control: AnyView| {
        let help_id = format!("disclosure-{name}-help");
        let problem_id = format!("disclosure-{name}-problem");
        view! {
            <div class="question" class:invalid=move || problem(name).is_some()>
                <label for=format!("disclosure-{name}")>{say(label)}</label>
                <p class="hint" id=help_id>{say(help)}</p>
                {control}
                <p class="error" id=problem_id role="alert">{move || problem(name)}</p>
            </div>
        }
    };
    let described = |name: &str| format!("disclosure-{name}-help disclosure-{name}-problem");
    // Typed as text, so that what is not a number reaches the server and
    // is refused there at its field, in its words.
    let number = move |name: &'static str, value: RwSignal<String>| {
        view! {
            <input id=format!("disclosure-{name}") type="text" class="number" inputmode="decimal"
                required aria-describedby=described(name)
                aria-invalid=move || problem(name).is_some().to_string()
                prop:value=move || value.get()
                on:input=move |event| value.set(event_target_value(&event))/>
        }
        .into_any()
    };
    let select = move |name: &'static str,
                       value: RwSignal<String>,
                       options: Vec<(String, String)>| {
        view! {
            <select id=format!("disclosure-{name}") aria-describedby=described(name)
                aria-invalid=move || problem(name).is_some().to_string()
                on:change=move |event| value.set(event_target_value(&event))>
                {options.into_iter().map(|(option, label)| {
                    let chosen = option.clone();
                    view! { <option value=option selected=move || value.get() == chosen>{label}</option> }
                }).collect_view()}
            </select>
        }
        .into_any()
    };
    let schemes = || {
        AgeScheme::ALL
            .into_iter()
            .map(|scheme| (scheme.as_str().to_owned(), scheme_name(scheme).to_owned()))
            .collect::<Vec<_>>()
    };
    view! {
        <section aria-labelledby="disclosure-title" id="disclosure">
            <h2 id="disclosure-title">{say(A::DisclosureTitle)}</h2>
            <p class="hint">{say(A::DisclosureExplained)}</p>
            {move || failed.get().map(|words| view! { <p class="error" role="alert">{words}</p> })}
            {move || current.get().map(|loaded| {
                let text = match (&loaded.set_by, &loaded.set_at) {
                    (Some(name), Some(at)) => {
                        let when = expect_context::<Interface>().words().date(at, Moment::Instant);
                        fill(
                            say(A::DisclosureVersion),
                            &[("version", &loaded.version.to_string()), ("name", name), ("when", &when)],
                        )
                    }
                    _ => say(A::DisclosureDefault).to_owned(),
                };
                let levels: Vec<(String, String)> = (1..=loaded.survey_area_levels)
                    .map(|level| {
                        let n = level.to_string();
                        (n.clone(), fill(say(A::AreaLevelOption), &[("n", &n)]))
                    })
                    .collect();
                let periods: Vec<(String, String)> = Period::ALL
                    .into_iter()
                    .map(|period| (period.as_str().to_owned(), period_name(period).to_owned()))
                    .collect();
                view! {
                    <p id="disclosure-version" class="status">{text}</p>
                    <form on:submit=save novalidate>
                        {field("min_n", A::DisclosureMinN, A::DisclosureMinNHelp, number("min_n", form.min_n))}
                        {field("caution_n", A::DisclosureCautionN, A::DisclosureCautionNHelp, number("caution_n", form.caution_n))}
                        {field("min_count", A::DisclosureMinCount, A::DisclosureMinCountHelp, number("min_count", form.min_count))}
                        {field("rules", A::DisclosureRules, A::DisclosureRulesHelp, select("rules", form.rules, rule_choices()))}
                        {field("period", A::DisclosurePeriod, A::DisclosurePeriodHelp, select("period", form.period, periods))}
                        {field("area_level", A::DisclosureAreaLevel, A::DisclosureAreaLevelHelp, select("area_level", form.area_level, levels))}
                        {field("respondent_age_scheme", A::DisclosureRespondentAges, A::DisclosureAgesHelp, select("respondent_age_scheme", form.respondent_age_scheme, schemes()))}
                        {field("member_age_scheme", A::DisclosureMemberAges, A::DisclosureAgesHelp, select("member_age_scheme", form.member_age_scheme, schemes()))}
                        {field("max_weight_ratio", A::DisclosureWeightRatio, A::DisclosureWeightRatioHelp, number("max_weight_ratio", form.max_weight_ratio))}
                        <button type="submit" id="disclosure-save">{say(A::DisclosureSave)}</button>
                    </form>
                }
            })}
            <p id="disclosure-status" class="status" role="status">
                {move || saved.get().map(|version| fill(say(A::DisclosureSaved), &[("version", &version.to_string())]))}
            </p>
            {move || current.get().filter(|loaded| !loaded.history.is_empty()).map(|loaded| {
                let lines = loaded.history.iter().map(|version| {
                    let when = expect_context::<Interface>().words().date(&version.set_at, Moment::Instant);
                    let text = fill(
                        say(A::DisclosureHistoryLine),
                        &[("version", &version.version.to_string()), ("name", &version.set_by), ("when", &when)],
                    );
                    view! { <li>{text}</li> }
                }).collect_view();
                view! {
                    <h3 id="disclosure-history-title">{say(A::DisclosureHistory)}</h3>
                    <ul id="disclosure-history" aria-labelledby="disclosure-history-title">{lines}</ul>
                }
            })}
        </section>
    }
}

/// The form field a refusal's path names: `rules[1]` is the rules'.
fn field_of(path: &str) -> &str {
    path.split(['[', '.']).next().unwrap_or(path)
}
