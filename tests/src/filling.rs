//! Filling the questionnaire's steps in the browser the way a hurried but
//! valid respondent (or enumerator) would, shared by the citizens' and the
//! enumerators' browser tests.

use serde_json::Value;

use crate::Browser;

/// The visible, unanswered controls of the current step, as
/// `{kind, id}`: one entry per radio or checkbox group, text box or select.
const UNANSWERED: &str = r#"
const form = document.querySelector('form.step');
if (!form) return [];
const groups = new Set();
const out = [];
for (const el of form.querySelectorAll('input, select')) {
  if (el.offsetParent === null || el.disabled) continue;
  if (el.type === 'radio' || el.type === 'checkbox') {
    if (groups.has(el.name)) continue;
    groups.add(el.name);
    const group = form.querySelectorAll(`input[name="${CSS.escape(el.name)}"]`);
    if ([...group].some(i => i.checked)) continue;
    out.push({ kind: el.type, id: el.id });
  } else if (el.tagName === 'SELECT') {
    if (el.value === '') out.push({ kind: 'select', id: el.id });
  } else if (el.value === '') {
    out.push({ kind: el.inputMode || el.type, id: el.id });
  }
}
return out;
"#;

/// Answers every question of the current step the way a hurried but valid
/// respondent would: the first option, age 34, the first area.
pub async fn answer_current_step(browser: &Browser) {
    // A roster with no rows yet gets one member.
    let needs_row = browser
        .script("const add = document.getElementById('q-household'); return !!add && !document.querySelector('fieldset.row');")
        .await;
    if needs_row == Value::Bool(true) {
        browser.click("#q-household").await;
    }
    // Answers can reveal further questions: repeat until none is left.
    for _ in 0..200 {
        let controls = browser.script(UNANSWERED).await;
        let Some(control) = controls.as_array().and_then(|list| list.first()).cloned() else {
            return;
        };
        let id = control["id"].as_str().expect("control id").to_owned();
        let css = format!("[id=\"{id}\"]");
        match control["kind"].as_str().unwrap_or_default() {
            "radio" | "checkbox" => browser.click(&css).await,
            "select" => browser
                .find(&css)
                .await
                .select_by_index(1)
                .await
                .expect("an option"),
            "numeric" | "decimal" => browser.type_into(&css, "34").await,
            "date" => browser.type_into(&css, "01152026").await,
            "time" => browser.type_into(&css, "0930AM").await,
            // Tab (WebDriver's U+E004) leaves the year for the hours.
            "datetime-local" => browser.type_into(&css, "01152026\u{e004}0930AM").await,
            _ => browser.type_into(&css, "ok").await,
        }
    }
    panic!("the step kept asking for answers");
}

/// Continues from the current step and waits for the next one.
pub async fn continue_to_next_step(browser: &Browser) {
    let before = browser.heading().await;
    browser.click("form.step button[type=submit]").await;
    browser
        .wait_until(
            "the next step",
            &format!(
                "const h = document.getElementById('step-heading'); return !!h && h.textContent !== {};",
                serde_json::to_string(&before).expect("json")
            ),
        )
        .await;
}
