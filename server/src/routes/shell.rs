//! The first bytes of a survey's page. The citizens' form needs its
//! WebAssembly before it can show anything, seconds on a slow line; a
//! respondent at risk must be able to leave from the first byte. So the
//! page for `/s/{survey_id}` is the client's `index.html` with, in the
//! survey's language, a loading message and, for a survey with sensitive
//! sections, a Quick exit link that works before the app (and without
//! script: the boot script makes it replace the page rather than add to
//! the history). The app takes both over when it starts.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use salama_shared::Survey;
use salama_shared::text::is_right_to_left;
use salama_shared::words::FormWord;

use super::params::Params;
use crate::state::AppState;

/// Where the page's language is declared in the client's `index.html`.
const HTML_OPENING: &str = "<html lang=\"en\">";
const BODY_OPENING: &str = "<body>\n";

/// `/s/{survey_id}`: the page with the survey's own first words when it is
/// public, else the page as built (an unknown or closed survey is not told
/// apart from any other address here; the app says what it can).
pub async fn fill_page(
    template: std::sync::Arc<str>,
    State(state): State<AppState>,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
) -> Response {
    let page = match state.survey(&survey_id, None).await {
        Ok(published) if published.stored.public => render(
            &template,
            published.survey,
            salama_shared::query::last(&params, "lang"),
        ),
        _ => template.to_string(),
    };
    // Revalidated like the page it is made from, which names the assets.
    ([(header::CACHE_CONTROL, "no-cache")], Html(page)).into_response()
}

/// The page in `lang` when the survey has it, else in its default language.
pub fn render(template: &str, survey: &Survey, lang: Option<&str>) -> String {
    let language = lang
        .filter(|lang| survey.languages.iter().any(|own| own == lang))
        .unwrap_or(&survey.default_language);
    let direction = if is_right_to_left(language) {
        "rtl"
    } else {
        "ltr"
    };
    let word = |word| escape(survey.word(word, language));
    let exit = if survey.has_sensitive_sections() {
        format!(
            "<a id=\"shell-exit\" class=\"quick-exit\" href=\"/today\">{}</a>\n",
            word(FormWord::QuickExit)
        )
    } else {
        String::new()
    };
    let shell = format!(
        "<div id=\"shell\">\n{exit}<main id=\"shell-page\" class=\"page\"><p role=\"status\">{}</p></main>\n</div>\n",
        word(FormWord::Loading)
    );
    template
        .replacen(
            HTML_OPENING,
            &format!("<html lang=\"{}\" dir=\"{direction}\">", escape(language)),
            1,
        )
        .replacen(BODY_OPENING, &format!("{BODY_OPENING}{shell}"), 1)
}

/// Text for HTML content and quoted attributes. Survey authors write these
/// words (and the public results page's releases their titles); they are
/// text, never markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "<!doctype html>\n<html lang=\"en\">\n<head>\n<title>Salama</title>\n</head>\n<body>\n<noscript><p>…</p></noscript>\n</body>\n</html>\n";

    fn survey() -> Survey {
        salama_shared::community_safety()
    }

    #[test]
    fn a_sensitive_survey_can_be_left_before_the_app_loads() {
        let page = render(TEMPLATE, &survey(), None);
        assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"), "{page}");
        assert!(
            page.contains(
                "<a id=\"shell-exit\" class=\"quick-exit\" href=\"/today\">Quick exit</a>"
            )
        );
        assert!(page.contains("<p role=\"status\">Loading…</p>"));
        assert!(page.find("shell-exit") < page.find("<noscript>"));
    }

    #[test]
    fn the_language_asked_for_when_the_survey_has_it() {
        let page = render(TEMPLATE, &survey(), Some("ar"));
        assert!(page.contains("<html lang=\"ar\" dir=\"rtl\">"), "{page}");
        assert!(!page.contains(">Quick exit<"));
        let page = render(TEMPLATE, &survey(), Some("sw\"><script>"));
        assert!(page.contains("<html lang=\"en\" dir=\"ltr\">"), "{page}");
        assert!(!page.contains("<script>"));
    }

    #[test]
    fn an_authors_words_are_text() {
        let mut survey = survey();
        survey.interface_words.insert(
            "en".into(),
            [(
                "form.quick_exit".to_owned(),
                "<img src=x onerror=alert(1)> & \"go\"".to_owned(),
            )]
            .into(),
        );
        let page = render(TEMPLATE, &survey, None);
        assert!(
            page.contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;go&quot;"),
            "{page}"
        );
        assert!(!page.contains("<img"));
    }

    #[test]
    fn a_survey_without_sensitive_sections_gets_no_exit() {
        let mut survey = survey();
        for section in &mut survey.sections {
            section.sensitive = false;
        }
        let page = render(TEMPLATE, &survey, None);
        assert!(!page.contains("shell-exit"));
        assert!(page.contains("Loading…"));
    }
}
