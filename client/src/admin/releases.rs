//! The releases page (`/admin/releases`), one survey at a time: release a
//! table to the public results page (indicator, up to two breakdowns, the
//! whole fieldwork or one whole period of the disclosure policy, one
//! channel or both, a title and a note per language), list the releases
//! with their versions and state, open the public page, and withdraw one.
//! The release is checked here with the server's own rules
//! (`salama_shared::release`) before it is sent.

use std::collections::BTreeMap;

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::aggregate::available_breakdowns;
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::release::{Release, ReleaseList, ReleaseSpec};
use salama_shared::words::{AdminWord as A, AnalysisWord as W, fill};

use super::calls::{self, Refusal};
use super::{Session, SurveyChoice, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::interface::Interface;

pub fn page(who: Me, session: Session) -> impl IntoView {
    let choice = SurveyChoice::load();
    view! {
        {bar(&who, session)}
        <main id="main" class="page">
            <h1 id="releases-title">{say(A::ReleasesTitle)}</h1>
            <p class="hint">{say(A::ReleasesIntro)}</p>
            {choice.chooser("releases-survey")}
            {move || {
                let chosen = choice.chosen.get();
                (!chosen.is_empty()).then(|| untrack(|| panel(chosen)))
            }}
        </main>
    }
}

/// One survey's releases: the form and the list.
fn panel(survey_id: String) -> impl IntoView {
    let survey = RwSignal::new(None::<Result<&'static Survey, Refusal>>);
    let listed = RwSignal::new(None::<Result<ReleaseList, Refusal>>);
    // Outside the list, which is drawn again after a withdrawal.
    let withdrawn = RwSignal::new(None::<Result<u32, Refusal>>);
    let id = StoredValue::new(survey_id);
    let reload = move || {
        let url = format!("/api/surveys/{}/releases", id.with_value(|id| encode(id)));
        leptos::task::spawn_local(async move {
            listed.set(Some(calls::read::<ReleaseList>(&url).await));
        });
    };
    let definition = format!("/api/surveys/{}", id.with_value(|id| encode(id)));
    leptos::task::spawn_local(async move {
        let read = match calls::read_text(&definition).await {
            Ok(text) => Survey::from_json(&text)
                // The console keeps one definition per survey opened.
                .map(|survey| &*Box::leak(Box::new(survey)))
                .map_err(|error| Refusal {
                    message: error.to_string(),
                    ..Refusal::default()
                }),
            Err(refusal) => Err(refusal),
        };
        survey.set(Some(read));
    });
    reload();
    view! {
        {move || match survey.get() {
            None => view! { <p role="status">{say(salama_shared::words::StaffWord::Loading)}</p> }.into_any(),
            Some(Err(refused)) => view! { <p class="error" role="alert">{refused.in_words()}</p> }.into_any(),
            Some(Ok(survey)) => untrack(|| form(survey, reload)).into_any(),
        }}
        <section aria-labelledby="releases-list-title">
            <h2 id="releases-list-title">{say(A::ReleasesList)}</h2>
            {move || listed.get().map(|listed| match listed {
                Err(refused) => view! { <p class="error" role="alert">{refused.in_words()}</p> }.into_any(),
                Ok(list) => untrack(|| list_view(list, id, reload, withdrawn)).into_any(),
            })}
            <p id="release-withdrawn" class="status" role="status">
                {move || withdrawn.get().map(|done| match done {
                    Ok(id) => fill(say(A::ReleaseWithdrawn), &[("id", &id.to_string())]),
                    Err(refused) => refused.in_words(),
                })}
            </p>
        </section>
    }
}

/// The form that releases a table.
fn form(
    survey: &'static Survey,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let indicator = RwSignal::new(
        survey
            .indicators
            .first()
            .map(|i| i.id.clone())
            .unwrap_or_default(),
    );
    let first = RwSignal::new(String::new());
    let second = RwSignal::new(String::new());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    let titles = RwSignal::new(BTreeMap::<String, String>::new());
    let notes = RwSignal::new(BTreeMap::<String, String>::new());
    let refusal = RwSignal::new(None::<Refusal>);
    let created = RwSignal::new(None::<u32>);
    let language = expect_context::<Interface>().language.get_untracked();
    let breakdowns = move || {
        let unit = survey
            .indicators
            .iter()
            .find(|i| i.id == indicator.get())
            .map(|i| i.unit)?;
        Some(available_breakdowns(survey, unit))
    };
    let spec = move || {
        let texts = |map: BTreeMap<String, String>| {
            map.into_iter()
                .filter(|(_, text)| !text.trim().is_empty())
                .collect::<BTreeMap<_, _>>()
        };
        let optional = |text: String| (!text.is_empty()).then_some(text);
        ReleaseSpec {
            indicator: indicator.get_untracked(),
            by: [first.get_untracked(), second.get_untracked()]
                .into_iter()
                .filter(|name| !name.is_empty())
                .collect(),
            from: optional(from.get_untracked()),
            to: optional(to.get_untracked()),
            channel: optional(channel.get_untracked()),
            title: texts(titles.get_untracked()),
            note: texts(notes.get_untracked()),
        }
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        created.set(None);
        let spec = spec();
        // The server applies the survey's own policy; the default one
        // catches the same mistakes of form before anything is sent.
        if let Err(problems) = spec.check(survey, &DisclosurePolicy::default()) {
            let fields = problems
                .iter()
                .map(|p| format!("{} ({})", p.path, p.message))
                .collect::<Vec<_>>()
                .join("; ");
            // Refused here as the server would refuse it (422).
            refusal.set(Some(Refusal {
                status: 422,
                message: fill(say(A::ReleaseInvalid), &[("fields", &fields)]),
                fields: Vec::new(),
            }));
            return;
        }
        let url = format!("/api/surveys/{}/releases", encode(&survey.id));
        let body = serde_json::to_value(&spec).unwrap_or_default();
        leptos::task::spawn_local(async move {
            match calls::send_json::<Release>("POST", &url, &body).await {
                Ok(release) => {
                    refusal.set(None);
                    created.set(Some(release.release_id));
                    reload();
                }
                Err(refused) => refusal.set(Some(refused)),
            }
        });
    };
    let indicator_options = survey
        .indicators
        .iter()
        .map(|i| {
            let text = format!(
                "{} {}",
                i.code,
                i.name.get(&language, &survey.default_language)
            );
            view! { <option value=i.id.clone()>{text}</option> }
        })
        .collect_view();
    let by_options = move |chosen: RwSignal<String>| {
        move || {
            let options = breakdowns()
                .unwrap_or_default()
                .into_iter()
                .map(|dimension| {
                    let name = dimension.as_str();
                    view! { <option value=name selected=move || chosen.get() == name>{say(dimension.word())}</option> }
                })
                .collect_view();
            view! { <option value="" selected=move || chosen.get().is_empty()>{say(W::NoBreakdown)}</option>{options} }
        }
    };
    let texts = survey
        .languages
        .iter()
        .map(|lang| {
            let lang = lang.clone();
            let title_id = format!("release-title-{lang}");
            let note_id = format!("release-note-{lang}");
            let (title_lang, note_lang) = (lang.clone(), lang.clone());
            let name = salama_shared::language::endonym(&lang).to_owned();
            view! {
                <div class="question">
                    <label for=title_id.clone()>{fill(say(A::ReleaseTitleIn), &[("language", &name)])}</label>
                    <input id=title_id type="text" maxlength="200" lang=lang.clone()
                        on:input=move |e| titles.update(|t| { t.insert(title_lang.clone(), event_target_value(&e)); })/>
                </div>
                <div class="question">
                    <label for=note_id.clone()>{fill(say(A::ReleaseNoteIn), &[("language", &name)])}</label>
                    <textarea id=note_id rows="3" maxlength="2000" lang=lang
                        on:input=move |e| notes.update(|t| { t.insert(note_lang.clone(), event_target_value(&e)); })></textarea>
                </div>
            }
        })
        .collect_view();
    view! {
        <section aria-labelledby="release-new-title">
            <h2 id="release-new-title">{say(A::ReleaseNew)}</h2>
            <form on:submit=submit novalidate>
                <div class="question">
                    <label for="release-indicator">{say(W::Indicator)}</label>
                    <select id="release-indicator" on:change=move |e| {
                        indicator.set(event_target_value(&e));
                        first.set(String::new());
                        second.set(String::new());
                    }>{indicator_options}</select>
                </div>
                <div class="question">
                    <label for="release-by-1">{say(W::BreakDownBy)}</label>
                    <select id="release-by-1" on:change=move |e| first.set(event_target_value(&e))>{by_options(first)}</select>
                </div>
                <div class="question">
                    <label for="release-by-2">{say(W::AndBy)}</label>
                    <select id="release-by-2" on:change=move |e| second.set(event_target_value(&e))>{by_options(second)}</select>
                </div>
                <fieldset>
                    <legend>{say(A::ReleasePeriod)}</legend>
                    <p class="hint">{say(A::ReleaseWholeFieldwork)}</p>
                    <div class="question">
                        <label for="release-from">{say(A::ReleaseFrom)}</label>
                        <input id="release-from" type="date" on:input=move |e| from.set(event_target_value(&e))/>
                    </div>
                    <div class="question">
                        <label for="release-to">{say(A::ReleaseTo)}</label>
                        <input id="release-to" type="date" on:input=move |e| to.set(event_target_value(&e))/>
                    </div>
                </fieldset>
                <div class="question">
                    <label for="release-channel">{say(A::ReleaseChannel)}</label>
                    <select id="release-channel" on:change=move |e| channel.set(event_target_value(&e))>
                        <option value="">{say(A::ReleaseBothChannels)}</option>
                        <option value="enumerator">{say(W::PopulationInterviews)}</option>
                        <option value="online">{say(W::PopulationOnline)}</option>
                    </select>
                </div>
                {texts}
                <p id="release-problem" class="error" role="alert">
                    {move || refusal.get().map(|refused| {
                        if refused.fields.is_empty() {
                            refused.in_words()
                        } else {
                            let fields = refused.fields.iter()
                                .map(|f| format!("{} ({})", f.path, f.message))
                                .collect::<Vec<_>>()
                                .join("; ");
                            fill(say(A::ReleaseInvalid), &[("fields", &fields)])
                        }
                    })}
                </p>
                <button type="submit" id="release-create" class="primary">{say(A::ReleaseCreate)}</button>
            </form>
            <p id="release-status" class="status" role="status">
                {move || created.get().map(|id| fill(say(A::ReleaseCreated), &[("id", &id.to_string())]))}
            </p>
        </section>
    }
}

fn list_view(
    list: ReleaseList,
    survey_id: StoredValue<String>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
    withdrawn: RwSignal<Option<Result<u32, Refusal>>>,
) -> impl IntoView {
    let language = expect_context::<Interface>().language.get_untracked();
    let public_page = list.public_page.clone();
    if list.releases.is_empty() {
        return view! {
            <p id="no-releases">{say(A::NoReleases)}</p>
        }
        .into_any();
    }
    let rows = list
        .releases
        .into_iter()
        .map(|release| {
            let id = release.release_id;
            let title = release
                .spec
                .title_in(&language, "")
                .to_owned();
            let live = release.live();
            let when = release.released_at.get(..10).unwrap_or_default().to_owned();
            let state = if live {
                say(A::ReleaseLive)
            } else {
                say(A::ReleaseWithdrawnState)
            };
            let withdraw = move |_| {
                let url = format!(
                    "/api/surveys/{}/releases/{id}/withdraw",
                    survey_id.with_value(|id| encode(id))
                );
                leptos::task::spawn_local(async move {
                    match calls::send_json::<Release>("POST", &url, &serde_json::json!({})).await {
                        Ok(_) => {
                            withdrawn.set(Some(Ok(id)));
                            reload();
                        }
                        Err(refused) => withdrawn.set(Some(Err(refused))),
                    }
                });
            };
            let preview = format!("{}#release-{id}", list.public_page);
            view! {
                <tr>
                    <th scope="row">{id}</th>
                    <td>{title}</td>
                    <td>{release.version}</td>
                    <td>{format!("{when} · {}", release.released_by)}</td>
                    <td>{state}</td>
                    <td>
                        {live.then(|| view! {
                            <a href=preview target="_blank" rel="noopener">{say(A::ReleasePreview)}</a>
                            " "
                            <button type="button" id=format!("release-withdraw-{id}") on:click=withdraw>
                                {say(A::ReleaseWithdraw)}
                            </button>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p><a id="release-public-page" href=public_page target="_blank" rel="noopener">{say(A::ReleasePreview)}</a></p>
        <div class="scroll" tabindex="0" role="region" aria-labelledby="releases-list-title">
            <table id="releases">
                <thead><tr>
                    <th scope="col">{say(A::ColumnRelease)}</th>
                    <th scope="col">{say(A::ColumnReleaseTitle)}</th>
                    <th scope="col">{say(A::ColumnReleaseVersion)}</th>
                    <th scope="col">{say(A::ColumnReleased)}</th>
                    <th scope="col">{say(A::ColumnStatus)}</th>
                    <th scope="col">{say(A::ColumnActions)}</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
