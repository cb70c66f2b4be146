//! The surveys page: what is published, and an upload checked, previewed
//! and published as the next version.

use leptos::prelude::*;
use salama_shared::Survey;
use salama_shared::api::{ErrorField, SurveyListing};
use salama_shared::schema::Channel;
use salama_shared::words::{AdminWord as A, StaffWord as S, fill};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::calls::{self, Refusal, Upload};
use super::{Session, bar, say};
use crate::analyst::Me;
use crate::api::encode;
use crate::browser;
use crate::staff::refusal as failure;

/// Where an upload stands. Kept above the page, so that going to the
/// preview and back finds it as it was.
#[derive(Clone)]
enum Outcome {
    None,
    Checking,
    Refused { refusal: Refusal, workbook: bool },
    Checked(&'static Survey),
    Publishing(&'static Survey),
    Published(String),
}

/// The console's state between its two screens.
#[derive(Clone, Copy)]
struct Console {
    upload: RwSignal<Option<Upload>, LocalStorage>,
    outcome: RwSignal<Outcome, LocalStorage>,
    previewing: RwSignal<Option<&'static Survey>>,
    listed: RwSignal<Option<Vec<SurveyListing>>>,
}

pub fn page(who: Me, session: Session) -> impl IntoView {
    let console = Console {
        upload: RwSignal::new_local(None),
        outcome: RwSignal::new_local(Outcome::None),
        previewing: RwSignal::new(None),
        listed: RwSignal::new(None),
    };
    let interface = expect_context::<crate::interface::Interface>();
    refresh(console);
    // Made once, outside the screen it leaves: the preview is disposed when
    // it is left, and a callback it owned would go with it.
    // The change is made after the click's handler has returned: the
    // button clicked belongs to the preview this change disposes.
    let back = Callback::new(move |()| {
        leptos::task::spawn_local(async move {
            console.previewing.set(None);
            browser::focus_soon("preview-button".into());
        });
    });
    // Untracked, as the form's own pages build it: the questionnaire reads
    // its signals while it is built, and this screen must not follow them.
    move || {
        match console.previewing.get() {
        Some(survey) => untrack(|| super::preview::view(survey, back)).into_any(),
        None => untrack(|| {
            // The preview provides its own Interface in this closure's
            // owner, whose contexts outlive each run (its views are built
            // there, so it cannot have an owner of its own): the console's
            // is put back, or the console would read the preview's disposed
            // signals after "Back".
            provide_context(interface);
            view! {
                {bar(&who, session)}
                <main id="main" class="page wide">
                    <h1 id="surveys-title">{say(A::SurveysTitle)}</h1>
                    {move || console.listed.get().and_then(|listed| super::settings::warnings(&listed))}
                    {survey_table(console)}
                    <p class="hint">{say(A::PublicExplained)}</p>
                    {upload_section(console)}
                </main>
            }
        })
        .into_any(),
    }
    }
}

fn refresh(console: Console) {
    leptos::task::spawn_local(async move {
        console
            .listed
            .set(Some(calls::surveys().await.unwrap_or_default()));
    });
}

fn survey_table(console: Console) -> impl IntoView {
    let language = expect_context::<crate::interface::Interface>().language;
    let status = RwSignal::new(String::new());
    move || {
        let Some(listed) = console.listed.get() else {
            return view! { <p role="status">{say(S::Loading)}</p> }.into_any();
        };
        if listed.is_empty() {
            return view! { <p>{say(A::NoSurveys)}</p> }.into_any();
        }
        let language = language.get_untracked();
        let rows = listed
            .into_iter()
            .map(|listing| survey_row(console, listing, &language, status))
            .collect_view();
        view! {
            // Focusable, so a keyboard can scroll a table wider than a phone.
            <div class="scroll" tabindex="0" role="region" aria-labelledby="surveys-title">
                <table id="surveys">
                    <thead><tr>
                        <th scope="col">{say(A::ColumnSurvey)}</th>
                        <th scope="col">{say(A::ColumnVersions)}</th>
                        <th scope="col">{say(A::ColumnLanguages)}</th>
                        <th scope="col">{say(A::ColumnChannels)}</th>
                        <th scope="col">{say(A::ColumnSubmissions)}</th>
                        <th scope="col">{say(A::ColumnPublic)}</th>
                        <th scope="col">{say(A::ColumnDownload)}</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <p role="status" class="status">{move || status.get()}</p>
        }
        .into_any()
    }
}

fn survey_row(
    console: Console,
    listing: SurveyListing,
    language: &str,
    status: RwSignal<String>,
) -> impl IntoView {
    let summary = listing.summary;
    let title = summary
        .title
        .get(language, &summary.default_language)
        .to_owned();
    let versions = listing
        .versions
        .unwrap_or_else(|| vec![summary.version])
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let channels = listing
        .channels
        .unwrap_or_default()
        .iter()
        .map(|channel| match channel {
            Channel::Online => say(A::ChannelOnline),
            Channel::Enumerator => say(A::ChannelEnumerator),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let id = summary.id.clone();
    let version = summary.version.to_string();
    let named = [("survey", title.as_str()), ("version", version.as_str())];
    let json_label = fill(say(A::DownloadJson), &named);
    let xlsform_label = fill(say(A::DownloadXlsform), &named);
    let definition = format!("/api/surveys/{}/versions/{version}", encode(&id));
    let xlsform = format!("{definition}/xlsform");
    let public = summary.public;
    let toggle = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            leptos::task::spawn_local(async move {
                match calls::set_public(&id, !public).await {
                    Ok(_) => refresh(console),
                    Err(error) => status.set(failure(&error)),
                }
            });
        }
    };
    let toggle_id = format!("public-{id}");
    view! {
        <tr data-survey=id.clone()>
            <th scope="row">{title}<br/><code>{id.clone()}</code></th>
            <td class="versions">{versions}</td>
            <td>{summary.languages.join(", ")}</td>
            <td>{channels}</td>
            <td class="submissions">{listing.submissions.unwrap_or(0)}</td>
            <td>
                <p class="public">{say(if public { A::IsPublic } else { A::IsNotPublic })}</p>
                <button type="button" id=toggle_id on:click=toggle>
                    {say(if public { A::MakePrivate } else { A::MakePublic })}
                </button>
            </td>
            <td class="downloads">
                <a href=definition download=format!("{id}-v{version}.json") aria-label=json_label>"JSON"</a>
                " · "
                <a href=xlsform aria-label=xlsform_label>"XLSForm"</a>
            </td>
        </tr>
    }
}

fn upload_section(console: Console) -> impl IntoView {
    let files = NodeRef::<leptos::html::Input>::new();
    let check = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let Some(input) = files.get_untracked() else {
            return;
        };
        let chosen: Vec<web_sys::File> = input
            .files()
            .map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect())
            .unwrap_or_default();
        if chosen.is_empty() {
            console.outcome.set(Outcome::Refused {
                refusal: Refusal {
                    status: 400,
                    message: say(A::NoFile).to_owned(),
                    fields: Vec::new(),
                },
                workbook: false,
            });
            return;
        }
        console.outcome.set(Outcome::Checking);
        leptos::task::spawn_local(async move {
            let upload = match upload_of(chosen).await {
                Some(upload) => upload,
                None => {
                    console.outcome.set(Outcome::Refused {
                        refusal: Refusal::default(),
                        workbook: false,
                    });
                    return;
                }
            };
            let workbook = upload.is_workbook();
            let outcome = match calls::check(&upload).await {
                // Kept for the page's life: the form's views borrow the
                // survey they show (`&'static`, see `form::Prepared`).
                Ok(survey) => Outcome::Checked(Box::leak(Box::new(survey))),
                Err(refusal) => Outcome::Refused { refusal, workbook },
            };
            console.upload.set(Some(upload));
            console.outcome.set(outcome);
            browser::focus_soon("outcome-title".into());
        });
    };
    view! {
        <section class="upload" aria-labelledby="upload-title">
            <h2 id="upload-title">{say(A::UploadTitle)}</h2>
            <p>{say(A::UploadIntro)}</p>
            <form on:submit=check>
                <div class="question">
                    <label for="files">{say(A::Files)}</label>
                    <input id="files" type="file" multiple node_ref=files
                        accept=".xlsx,.xls,.csv,.json,application/json"/>
                </div>
                <button id="check" type="submit" class="primary"
                    prop:disabled=move || matches!(console.outcome.get(), Outcome::Checking | Outcome::Publishing(_))>
                    {say(A::Check)}
                </button>
            </form>
            {move || outcome_view(console)}
        </section>
    }
}

/// The chosen files as the API takes them: a `.json` file as JSON, else
/// every file as a part of one multipart body (the workbook and its CSVs).
async fn upload_of(chosen: Vec<web_sys::File>) -> Option<Upload> {
    if let Some(json) = chosen
        .iter()
        .find(|file| file.name().to_lowercase().ends_with(".json"))
    {
        let text = JsFuture::from(json.text()).await.ok()?.as_string()?;
        return Some(Upload::Json(text));
    }
    let parts = web_sys::FormData::new().ok()?;
    for (index, file) in chosen.iter().enumerate() {
        parts
            .append_with_blob_and_filename(
                &format!("file{index}"),
                file.unchecked_ref(),
                &file.name(),
            )
            .ok()?;
    }
    Some(Upload::Workbook(parts))
}

fn outcome_view(console: Console) -> impl IntoView {
    match console.outcome.get() {
        Outcome::None => ().into_any(),
        Outcome::Checking => view! { <p role="status">{say(A::Checking)}</p> }.into_any(),
        Outcome::Refused { refusal, workbook } => problems(refusal, workbook).into_any(),
        Outcome::Checked(survey) => checked(console, survey, false).into_any(),
        Outcome::Publishing(survey) => checked(console, survey, true).into_any(),
        Outcome::Published(message) => view! {
            <p id="outcome-title" tabindex="-1" role="status" class="status">{message}</p>
        }
        .into_any(),
    }
}

/// Every problem in a table a person fixing the spreadsheet reads: sheet,
/// row and column for a workbook, the JSON path for a definition.
fn problems(refusal: Refusal, workbook: bool) -> impl IntoView {
    if refusal.status == 0 {
        return view! { <p id="outcome-title" tabindex="-1" class="error" role="alert">{say(S::Unreachable)}</p> }.into_any();
    }
    let count = refusal.fields.len().max(1).to_string();
    let title = fill(say(A::ProblemsTitle), &[("n", &count)]);
    let fields = if refusal.fields.is_empty() {
        vec![ErrorField::new("", "", refusal.message.clone())]
    } else {
        refusal.fields
    };
    let head = if workbook {
        view! {
            <th scope="col">{say(A::ColumnSheet)}</th>
            <th scope="col">{say(A::ColumnRow)}</th>
            <th scope="col">{say(A::ColumnColumn)}</th>
        }
        .into_any()
    } else {
        view! { <th scope="col">{say(A::ColumnPlace)}</th> }.into_any()
    };
    let rows = fields
        .into_iter()
        .map(|field| {
            let place = Place::of(&field.path);
            let message = place.without_itself(&field.message);
            let cells = if workbook {
                view! {
                    <td class="sheet">{place.sheet}</td>
                    <td class="row">{place.row}</td>
                    <td class="column">{place.column}</td>
                }
                .into_any()
            } else {
                view! { <td class="path"><code>{field.path}</code></td> }.into_any()
            };
            view! { <tr>{cells}<td class="problem">{message}</td></tr> }
        })
        .collect_view();
    view! {
        <h3 id="outcome-title" tabindex="-1" role="alert">{title}</h3>
        <div class="scroll" tabindex="0" role="region" aria-labelledby="outcome-title">
            <table id="problems">
                <thead><tr>{head}<th scope="col">{say(A::ColumnProblem)}</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Where in a workbook a problem is, from its path (`survey!R3:relevant`,
/// `settings!R2`, `choices`, or empty for the whole file).
#[derive(Debug, PartialEq)]
struct Place {
    sheet: String,
    row: String,
    column: String,
}

impl Place {
    fn of(path: &str) -> Place {
        let (sheet, rest) = path.split_once('!').unwrap_or((path, ""));
        let (row, column) = rest.split_once(':').unwrap_or((rest, ""));
        Place {
            sheet: if sheet.is_empty() {
                say(A::WholeFile).to_owned()
            } else {
                sheet.to_owned()
            },
            row: row.trim_start_matches('R').to_owned(),
            column: column.to_owned(),
        }
    }

    /// The message without the place it starts with (`survey row 3,
    /// column type: `): the table says it already.
    fn without_itself(&self, message: &str) -> String {
        match message.split_once(": ") {
            Some((place, rest))
                if !self.row.is_empty() && place.starts_with(self.sheet.as_str()) =>
            {
                rest.to_owned()
            }
            _ => message.to_owned(),
        }
    }
}

fn checked(console: Console, survey: &'static Survey, publishing: bool) -> impl IntoView {
    let version = survey.version.to_string();
    let language = expect_context::<crate::interface::Interface>()
        .language
        .get_untracked();
    let title = survey
        .title
        .get(&language, &survey.default_language)
        .to_owned();
    let named = [("survey", title.as_str()), ("version", version.as_str())];
    let heading = fill(say(A::CheckedTitle), &named);
    let preview = move |_| console.previewing.set(Some(survey));
    let publish = move |_| {
        let Some(upload) = console.upload.get_untracked() else {
            return;
        };
        console.outcome.set(Outcome::Publishing(survey));
        let language = language.clone();
        leptos::task::spawn_local(async move {
            let version = survey.version.to_string();
            let title = survey
                .title
                .get(&language, &survey.default_language)
                .to_owned();
            let named = [("survey", title.as_str()), ("version", version.as_str())];
            let outcome = match calls::publish(&upload).await {
                Ok((_, true)) => Outcome::Published(fill(say(A::Published), &named)),
                Ok((_, false)) => Outcome::Published(say(A::AlreadyPublished).to_owned()),
                Err(refusal) if refusal.status == 409 => {
                    Outcome::Published(fill(say(A::VersionTaken), &[("version", &version)]))
                }
                Err(refusal) => Outcome::Refused {
                    workbook: upload.is_workbook(),
                    refusal,
                },
            };
            console.outcome.set(outcome);
            refresh(console);
            browser::focus_soon("outcome-title".into());
        });
    };
    view! {
        <h3 id="outcome-title" tabindex="-1">{heading}</h3>
        <p class="notice immutable">{say(A::Immutable)}</p>
        <div class="actions">
            <button type="button" id="preview-button" on:click=preview>{say(A::Preview)}</button>
            <button type="button" id="publish" class="primary" on:click=publish prop:disabled=publishing>
                {if publishing { say(A::Publishing).to_owned() } else { fill(say(A::Publish), &[("version", &version)]) }}
            </button>
        </div>
    }
}
