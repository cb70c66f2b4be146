//! Every shape problem of a JSON document at once, each with its JSON path
//! (`sections[2].questions[4].relevent: unknown key; did you mean
//! `relevant`?`), instead of serde's first one alone.
//!
//! serde stops at the first problem. So the document is read as a tree,
//! deserialised, and the piece serde stopped at is mended, again and again:
//! an unknown key is removed; a missing or wrong value is replaced by one
//! that reads (the same place in a sibling row of the nearest list first,
//! since that one has just read without fault, else a plain `""`, `0`,
//! `false`, `[]` or `{}`). What a mended value makes go wrong below it is a
//! consequence, not reported. Nothing here knows the schema: the keys,
//! kinds and types expected are serde's, so they cannot drift from it.

use std::fmt;

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_path_to_error::Segment;

/// Problems listed at most; the walk stops there.
pub const MAX_PROBLEMS: usize = 100;

/// Rounds of reading and mending at most, consequences included.
const MAX_ROUNDS: usize = 4 * MAX_PROBLEMS;

/// Values tried in place of a bad one, per problem, beyond the plain ones.
const MAX_DONORS: usize = 4;

/// One thing wrong with the document's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShapeProblem {
    /// `sections[2].questions[4].relevent`; empty for the document itself.
    pub path: String,
    /// `not_json`, `unknown_key`, `missing_key`, `unknown_value`,
    /// `wrong_type` or `more_problems`.
    pub code: &'static str,
    pub message: String,
}

impl fmt::Display for ShapeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Reads `text` as a `T`, or lists every shape problem found in it.
pub fn read<T: DeserializeOwned>(text: &str) -> Result<T, Vec<ShapeProblem>> {
    let mut document: Value =
        match crate::json::well_formed(text.as_bytes()).and_then(|()| serde_json::from_str(text)) {
            Ok(document) => document,
            Err(error) => {
                return Err(vec![ShapeProblem {
                    path: String::new(),
                    code: "not_json",
                    message: format!("not JSON: {error}"),
                }]);
            }
        };
    let mut problems = Vec::new();
    // Places whose value was made up: what goes wrong under them is ours.
    let mut made_up: Vec<Vec<Step>> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let Some(fault) = first_fault::<T>(&document) else {
            return match serde_json::from_value(document) {
                Ok(read) if problems.is_empty() => Ok(read),
                _ => Err(problems),
            };
        };
        if problems.len() >= MAX_PROBLEMS {
            problems.push(ShapeProblem {
                path: String::new(),
                code: "more_problems",
                message: format!("and more: the first {MAX_PROBLEMS} are listed; fix these first"),
            });
            return Err(problems);
        }
        let problem = explain(&document, &fault);
        let mended = mend::<T>(&mut document, &fault, &problem);
        let consequence = made_up.iter().any(|place| problem.at.starts_with(place));
        if !consequence {
            problems.push(ShapeProblem {
                path: path_text(&problem.at),
                code: problem.code,
                message: problem.message,
            });
        }
        match mended {
            Mended::Removed => {}
            Mended::MadeUp => made_up.push(problem.at),
            Mended::No => break,
        }
    }
    problems.push(ShapeProblem {
        path: String::new(),
        code: "more_problems",
        message: "further problems may be hidden behind these".into(),
    });
    Err(problems)
}

/// One step down a JSON tree.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Where serde stopped, and why.
struct Fault {
    at: Vec<Step>,
    message: String,
}

fn first_fault<T: DeserializeOwned>(document: &Value) -> Option<Fault> {
    let error = serde_path_to_error::deserialize::<_, T>(document).err()?;
    let at = error
        .path()
        .iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(Step::Index(*index)),
            Segment::Map { key } => Some(Step::Key(key.clone())),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .collect();
    Some(Fault {
        at,
        message: error.into_inner().to_string(),
    })
}

/// A fault in the author's words, at the place to mend.
struct Explained {
    at: Vec<Step>,
    code: &'static str,
    message: String,
    /// The problem is a key that must go.
    remove: bool,
}

fn explain(document: &Value, fault: &Fault) -> Explained {
    let here = value_at(document, &fault.at);
    let words = backticked(&fault.message);
    let object_has = |key: &str| {
        here.and_then(Value::as_object)
            .is_some_and(|o| o.contains_key(key))
    };
    if let Some(key) = fault
        .message
        .strip_prefix("unknown field `")
        .and(words.first())
    {
        let expected = &words[1..];
        let message = match crate::spelling::slip_of(key, expected.iter().map(String::as_str)) {
            Some(meant) => format!("unknown key; did you mean `{meant}`?"),
            None if expected.is_empty() => "unknown key: nothing is expected here".into(),
            None => format!("unknown key; expected {}", listed(expected)),
        };
        return Explained {
            at: below(&fault.at, key, object_has(key)),
            code: "unknown_key",
            message,
            remove: true,
        };
    }
    if let Some(key) = fault
        .message
        .strip_prefix("missing field `")
        .and(words.first())
    {
        return Explained {
            at: below(&fault.at, key, !object_has(key)),
            code: "missing_key",
            message: "missing: this key is required".into(),
            remove: false,
        };
    }
    if let Some(value) = fault
        .message
        .strip_prefix("unknown variant `")
        .and(words.first())
    {
        let expected = &words[1..];
        let meant = crate::spelling::slip_of(value, expected.iter().map(String::as_str))
            .map(|meant| format!("; did you mean `{meant}`?"))
            .unwrap_or_default();
        // A map key outside its list (a message code) is a key to remove;
        // a tag (`type`, `rule`, `role`) is named by the key holding it.
        if object_has(value) {
            return Explained {
                at: below(&fault.at, value, true),
                code: "unknown_key",
                message: format!("unknown key; expected {}{meant}", listed(expected)),
                remove: true,
            };
        }
        let tag = here.and_then(Value::as_object).and_then(|object| {
            object
                .iter()
                .find(|(_, held)| held.as_str() == Some(value.as_str()))
                .map(|(key, _)| key.clone())
        });
        let at = match tag {
            Some(tag) => below(&fault.at, &tag, true),
            None => fault.at.clone(),
        };
        return Explained {
            at,
            code: "unknown_value",
            message: format!("`{value}` is not {}{meant}", listed(expected)),
            remove: false,
        };
    }
    Explained {
        at: fault.at.clone(),
        code: "wrong_type",
        message: fault.message.clone(),
        remove: false,
    }
}

/// `at` and then `key`, when the key belongs below `at` (serde reports some
/// problems of a key at the object holding it).
fn below(at: &[Step], key: &str, belongs: bool) -> Vec<Step> {
    let mut at = at.to_vec();
    if belongs && at.last() != Some(&Step::Key(key.to_owned())) {
        at.push(Step::Key(key.to_owned()));
    }
    at
}

/// The names serde quotes in backticks, in order.
fn backticked(message: &str) -> Vec<String> {
    message
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn listed(names: &[String]) -> String {
    match names {
        [] => "nothing here".into(),
        [one] => format!("`{one}`"),
        _ => format!(
            "one of {}",
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

enum Mended {
    Removed,
    MadeUp,
    No,
}

/// Changes the document so that serde gets past `fault`.
fn mend<T: DeserializeOwned>(document: &mut Value, fault: &Fault, problem: &Explained) -> Mended {
    let at = problem.at.as_slice();
    if problem.remove {
        return if remove(document, at) {
            Mended::Removed
        } else {
            Mended::No
        };
    }
    let before = value_at(document, at).cloned();
    for candidate in stand_ins(document, at) {
        if !set(document, at, candidate) {
            break;
        }
        let passed = match first_fault::<T>(document) {
            None => true,
            Some(next) => !next.at.starts_with(at) && !same_fault(&next, fault),
        };
        if passed {
            return Mended::MadeUp;
        }
    }
    // A bad value of an optional key: without it, it may read.
    if let Some(Step::Key(_)) = at.last()
        && remove(document, at)
        && first_fault::<T>(document)
            .is_none_or(|next| !next.at.starts_with(at) && !same_fault(&next, fault))
    {
        return Mended::Removed;
    }
    match before {
        Some(before) => {
            set(document, at, before);
        }
        None => {
            remove(document, at);
        }
    }
    Mended::No
}

fn same_fault(a: &Fault, b: &Fault) -> bool {
    a.at == b.at && a.message == b.message
}

/// Values to try at `at`: the same place in sibling rows of the nearest
/// lists around it (rows before it have read without fault), then plain ones.
fn stand_ins(document: &Value, at: &[Step]) -> Vec<Value> {
    let mut candidates = Vec::new();
    for (depth, step) in at.iter().enumerate().rev() {
        let Step::Index(index) = step else { continue };
        let Some(rows) = value_at(document, &at[..depth]).and_then(Value::as_array) else {
            continue;
        };
        let siblings = (0..*index).rev().chain(index + 1..rows.len());
        for sibling in siblings {
            let mut place = at.to_vec();
            place[depth] = Step::Index(sibling);
            if let Some(value) = value_at(document, &place) {
                candidates.push(value.clone());
            }
            if candidates.len() >= MAX_DONORS {
                break;
            }
        }
        if !candidates.is_empty() {
            break;
        }
    }
    candidates.extend([
        Value::from(""),
        Value::from(0),
        Value::from(false),
        Value::Array(Vec::new()),
        Value::Object(serde_json::Map::new()),
    ]);
    candidates
}

fn value_at<'v>(document: &'v Value, at: &[Step]) -> Option<&'v Value> {
    at.iter().try_fold(document, |value, step| match step {
        Step::Key(key) => value.get(key),
        Step::Index(index) => value.get(index),
    })
}

fn parent_mut<'v>(document: &'v mut Value, at: &[Step]) -> Option<&'v mut Value> {
    let (_, parents) = at.split_last()?;
    parents.iter().try_fold(document, |value, step| match step {
        Step::Key(key) => value.get_mut(key),
        Step::Index(index) => value.get_mut(index),
    })
}

/// Puts `value` at `at`, adding the key if missing; false when the place
/// cannot hold it.
fn set(document: &mut Value, at: &[Step], value: Value) -> bool {
    let Some(last) = at.last().cloned() else {
        *document = value;
        return true;
    };
    match (parent_mut(document, at), last) {
        (Some(Value::Object(object)), Step::Key(key)) => {
            object.insert(key, value);
            true
        }
        (Some(Value::Array(rows)), Step::Index(index)) if index < rows.len() => {
            rows[index] = value;
            true
        }
        _ => false,
    }
}

/// Removes the key at `at`; rows of a list are never removed, which would
/// shift the places of the rows after them.
fn remove(document: &mut Value, at: &[Step]) -> bool {
    match (parent_mut(document, at), at.last()) {
        (Some(Value::Object(object)), Some(Step::Key(key))) => object.remove(key).is_some(),
        _ => false,
    }
}

/// `sections[2].questions[4].relevent`; a key that is not a plain name is
/// quoted (`messages["x y"]`).
fn path_text(at: &[Step]) -> String {
    let mut text = String::new();
    for step in at {
        match step {
            Step::Index(index) => text.push_str(&format!("[{index}]")),
            Step::Key(key)
                if !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') =>
            {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Key(key) => text.push_str(&format!("[{}]", Value::from(key.as_str()))),
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use salama_shared::Survey;
    use serde_json::json;

    fn listed(document: &Value) -> Vec<(String, &'static str)> {
        read::<Survey>(&document.to_string())
            .expect_err("problems")
            .into_iter()
            .map(|problem| (problem.path, problem.code))
            .collect()
    }

    #[test]
    fn every_shape_problem_is_listed_with_its_path() {
        let mut survey: Value =
            serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON)
                .expect("json");
        let questions = &mut survey["sections"][2]["questions"];
        questions[4]["relevent"] = json!("${saf_1} != ''");
        questions[1]["kind"]["type"] = json!("integr");
        // Two problems in one question: the second is not hidden.
        questions[1]["hnt"] = json!({"en": "?"});
        questions[2]
            .as_object_mut()
            .map(|question| question.remove("label"));
        survey["sections"][3]["questions"][0]["required"] = json!([1]);
        survey["sections"][0]["questions"][1]["kind"]["max"] = json!("ninety");
        survey["indicators"][0]["denominator"] = json!({"rule": "everyone"});
        survey["tittle"] = survey["title"].clone();
        survey["consent"]
            .as_object_mut()
            .map(|consent| consent.remove("question"));
        let problems = listed(&survey);
        let expected = [
            ("consent.question", "missing_key"),
            ("indicators[0].denominator.rule", "unknown_value"),
            ("sections[0].questions[1].kind.max", "wrong_type"),
            ("sections[2].questions[1].hnt", "unknown_key"),
            ("sections[2].questions[1].kind.type", "unknown_value"),
            ("sections[2].questions[2].label", "missing_key"),
            ("sections[2].questions[4].relevent", "unknown_key"),
            ("sections[3].questions[0].required", "wrong_type"),
            ("tittle", "unknown_key"),
        ];
        assert_eq!(
            problems,
            expected.map(|(path, code)| (path.to_owned(), code)),
        );
        let messages: Vec<String> = read::<Survey>(&survey.to_string())
            .expect_err("problems")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert!(messages.contains(
            &"sections[2].questions[4].relevent: unknown key; did you mean `relevant`?".to_owned()
        ));
        assert!(messages.iter().any(|message| {
            message
                .starts_with("sections[2].questions[1].kind.type: `integr` is not one of `single`")
                && message.ends_with("did you mean `integer`?")
        }));
    }

    #[test]
    fn a_sound_document_reads_and_one_that_is_not_json_says_where() {
        let survey = read::<Survey>(salama_shared::default_survey::COMMUNITY_SAFETY_JSON)
            .expect("the default questionnaire reads");
        assert_eq!(survey.id, "community-safety");
        let problems = read::<Survey>("{\"id\": \"x\",\n \"version\": }").expect_err("not JSON");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].code, "not_json");
        assert!(problems[0].message.contains("line 2"), "{}", problems[0]);
        let twice = read::<Survey>(r#"{"id": "a", "id": "b"}"#).expect_err("a key twice");
        assert_eq!(twice[0].code, "not_json");
    }

    #[test]
    fn a_key_that_is_not_a_plain_name_is_quoted_and_a_bare_value_has_no_fields() {
        let problems = listed(&json!({"\u{1b}[31mred": 1}));
        assert_eq!(
            problems[0],
            ("[\"\\u001b[31mred\"]".to_owned(), "unknown_key")
        );
        let problems = listed(&json!([1, 2]));
        assert_eq!(problems[0].1, "wrong_type");
    }

    #[test]
    fn a_flood_of_problems_is_cut_short() {
        let mut survey: Value =
            serde_json::from_str(salama_shared::default_survey::COMMUNITY_SAFETY_JSON)
                .expect("json");
        for index in 0..500 {
            survey[format!("extra_{index}")] = json!(index);
        }
        let problems = listed(&survey);
        assert_eq!(problems.len(), MAX_PROBLEMS + 1);
        assert_eq!(problems[MAX_PROBLEMS].1, "more_problems");
    }
}
