//! Rows of an XLSForm turned into a Salama [`Survey`]: every row's problem
//! located by sheet, row and column, then `Survey::check`'s problems mapped
//! back to the cells they come from.

use std::collections::{BTreeMap, HashMap, HashSet};

use salama_shared::check::{Problem, ProblemCode};
use salama_shared::expr::{Expression, ParseError, ParseErrorKind};
use salama_shared::schema::{
    Channel, Choice, ChoiceList, Consent, Level, MinorRules, Missing, Question, QuestionKind,
    Required, Role, Section,
};
use salama_shared::text::{Text, is_language_tag};
use salama_shared::{Survey, schema::MAX_SURVEY_VERSION};

use super::files::{self, Files};
use super::sheets::{Row, Sheet, Workbook};
use super::{ImportProblem, Imported};

mod own;

/// Longest answer to a `text` question (XLSForm sets none; Salama bounds
/// every answer).
pub const TEXT_MAX_LENGTH: u32 = 1_000;
/// Most rows of a repeat without `repeat_count` (a household's members).
pub const ROSTER_MAX_ROWS: u32 = 30;

/// The indicators sheet's columns, in the order the export writes them:
/// the identifying ones, the label (one column per language), the rest.
/// The list an `acknowledge` row becomes a choice from.
const ACKNOWLEDGEMENT_LIST: &str = "acknowledge";

pub const INDICATOR_COLUMNS: [&str; 9] = [
    "name",
    "code",
    "label",
    "unit",
    "question",
    "numerator",
    "denominator",
    "reported",
    "source",
];

/// The question `or_other` adds after a select, and the list it makes.
const OTHER_SUFFIX: &str = "_other";

/// XLSForm functions Salama cannot check on the server: their value changes
/// each time they are worked out, or comes from a time of day.
const UNREPEATABLE: [&str; 4] = ["now", "random", "uuid", "decimal-date-time"];

/// Why GPS and media questions are refused.
pub const NO_GPS_OR_MEDIA: &str = "Salama collects no household GPS or media (respondent safety)";

/// Columns whose text is per language.
const TEXT_COLUMNS: [&str; 14] = [
    "label",
    "row_label",
    "referrals",
    "hint",
    "constraint_message",
    "required_message",
    "form_title",
    "consent_script",
    "consent_question",
    "description",
    "safety_notice",
    "media",
    "adult_consent_question",
    "assent_question",
];

/// Metadata rows: recorded by ODK about the device or the interview, not
/// asked; Salama keeps its own timestamps in the submission envelope.
const METADATA: [&str; 11] = [
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "subscriberid",
    "simserial",
    "phonenumber",
    "email",
    "audit",
    "instanceid",
];

/// Spellings of metadata rows from pyxform's first years, still in old forms.
const LEGACY_METADATA: [&str; 12] = [
    "get start time",
    "get end time",
    "get today",
    "get device id",
    "get subscriber id",
    "get sim id",
    "get phone number",
    "start time",
    "end time",
    "device id",
    "subscriber id",
    "sim id",
];

const GPS_AND_MEDIA: [&str; 16] = [
    "geopoint",
    // pyxform's older names for a geopoint and an image.
    "gps",
    "location",
    "photo",
    "geotrace",
    "geoshape",
    "image",
    "audio",
    "video",
    "file",
    "barcode",
    "background-audio",
    "background-geopoint",
    "start-geopoint",
    "osm",
    "signature",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum SheetKind {
    Survey,
    Choices,
    Settings,
    Areas,
    Indicators,
    Messages,
}

const SHEET_KINDS: [SheetKind; 6] = [
    SheetKind::Survey,
    SheetKind::Choices,
    SheetKind::Settings,
    SheetKind::Areas,
    SheetKind::Indicators,
    SheetKind::Messages,
];

impl SheetKind {
    fn key(self) -> &'static str {
        match self {
            Self::Survey => "survey",
            Self::Choices => "choices",
            Self::Settings => "settings",
            Self::Areas => "areas",
            Self::Indicators => "indicators",
            Self::Messages => "messages",
        }
    }
}

/// One header cell: its base name (`label`) and language (`fr`), if any.
#[derive(Clone, Debug)]
struct Column {
    index: u32,
    header: String,
    base: String,
    language: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Headers {
    /// As named in the workbook, or the file's name.
    sheet: String,
    /// None for a file given beside the workbook.
    sheet_kind: Option<SheetKind>,
    row: u32,
    columns: Vec<Column>,
}

impl Headers {
    fn plain(&self, base: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|column| column.base == base && column.language.is_none())
    }

    fn cell<'r>(&self, row: &'r Row, base: &str) -> (&'r str, Option<&Column>) {
        match self.plain(base) {
            Some(column) => (row.cell(column.index), Some(column)),
            None => ("", None),
        }
    }

    /// The column holding `base` in `language`, or its name if there is none.
    fn header_for(&self, base: &str, language: Option<&str>, default: &str) -> String {
        let found = self.columns.iter().find(|column| {
            column.base == base
                && match (language, column.language.as_deref()) {
                    (None, None) => true,
                    (Some(wanted), Some(has)) => wanted == has,
                    (Some(wanted), None) => wanted == default,
                    (None, Some(_)) => false,
                }
        });
        match (found, language) {
            (Some(column), _) => column.header.clone(),
            (None, Some(language)) => format!("{base}::{language}"),
            (None, None) => base.to_owned(),
        }
    }
}

/// Where a survey element came from.
#[derive(Clone, Copy, Debug)]
struct Place {
    sheet: SheetKind,
    row: Option<u32>,
}

struct Translator<'w> {
    workbook: &'w Workbook,
    headers: HashMap<SheetKind, Headers>,
    default_language: String,
    languages: Vec<String>,
    problems: Vec<ImportProblem>,
    notes: Vec<ImportProblem>,
    /// Check paths (`questions.age`, `choice_lists.sex.choices.f`, `title`)
    /// to the cells they were read from.
    places: HashMap<String, Place>,
    /// From the `role` column.
    roles: Vec<Role>,
    /// Lists made for `or_other`.
    extra_lists: Vec<ChoiceList>,
    /// Levels declared in the `areas` sheet.
    area_depth: u32,
    /// Where `select_one_from_file` finds its file.
    files: Files<'w>,
    /// The list each file named so far became (none: it was refused).
    file_lists: HashMap<String, Option<String>>,
}

/// Turns the sheets into a survey, or lists every problem.
pub fn survey<'w>(
    workbook: &'w Workbook,
    file_name: &str,
    files: Files<'w>,
) -> Result<Imported, Vec<ImportProblem>> {
    let Some(survey_sheet) = workbook.sheets.get("survey") else {
        return Err(vec![ImportProblem {
            sheet: None,
            row: None,
            column: None,
            code: "missing_sheet".into(),
            message: "the workbook has no `survey` sheet".into(),
        }]);
    };
    let mut translator = Translator {
        workbook,
        headers: HashMap::new(),
        default_language: String::new(),
        languages: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        places: HashMap::new(),
        roles: Vec::new(),
        extra_lists: Vec::new(),
        area_depth: 0,
        files,
        file_lists: HashMap::new(),
    };
    for kind in SHEET_KINDS {
        let headers = match workbook.sheets.get(kind.key()) {
            Some(sheet) => translator.headers_of(kind, sheet),
            None => Headers::default(),
        };
        translator.headers.insert(kind, headers);
    }
    translator.settle_languages();
    for (path, sheet) in [
        ("sections", SheetKind::Survey),
        ("choice_lists", SheetKind::Choices),
    ] {
        translator
            .places
            .insert(path.to_owned(), Place { sheet, row: None });
    }
    let lists = translator.choice_lists();
    let mut survey = translator.settings(file_name);
    survey.choice_lists = lists;
    (survey.area_levels, survey.areas) = translator.areas();
    translator.area_depth = u32::try_from(survey.area_levels.len()).unwrap_or(u32::MAX);
    survey.indicators = translator.indicators();
    (survey.messages, survey.interface_words) = translator.messages();
    survey.sections = translator.sections(survey_sheet, &survey);
    translator.disability_cut_off();
    survey.roles = std::mem::take(&mut translator.roles);
    survey.choice_lists.append(&mut translator.extra_lists);
    if survey.sections.is_empty() && translator.problems.is_empty() {
        translator.problems.push(ImportProblem {
            sheet: Some(survey_sheet.name.clone()),
            row: None,
            column: None,
            code: "no_questions".into(),
            message: "the survey sheet has no questions".into(),
        });
    }
    // `Survey::check` gives one problem a language that lacks interface
    // words; a spreadsheet author also needs to know where they go.
    let unworded = |problem: &Problem| {
        problem
            .path
            .strip_prefix("interface_words.")
            .filter(|language| {
                !language.contains('.') && matches!(problem.code, ProblemCode::MissingTranslation)
            })
            .map(str::to_owned)
    };
    let (unworded_languages, checked): (Vec<Problem>, Vec<Problem>) = survey
        .check()
        .into_iter()
        .partition(|problem| unworded(problem).is_some());
    for problem in unworded_languages {
        let language = unworded(&problem).unwrap_or_default();
        translator.problems.push(ImportProblem {
            sheet: Some(SheetKind::Messages.key().to_owned()),
            row: None,
            column: Some(format!("label::{language}")),
            code: "missing_translation".into(),
            message: format!(
                "{}; on a `messages` sheet, column `label::{language}`, a row a key",
                problem.message
            ),
        });
    }
    let clean = translator.problems.is_empty();
    for problem in checked {
        // After a row was refused the survey is incomplete: keep only what
        // holds whatever the refused rows were.
        if clean
            || matches!(
                problem.code,
                ProblemCode::MissingTranslation
                    | ProblemCode::InvalidId
                    | ProblemCode::InvalidText
                    | ProblemCode::InvalidLanguage
                    | ProblemCode::InvalidRange
            )
        {
            let mapped = translator.locate(problem);
            translator.problems.push(mapped);
        }
    }
    if translator.problems.is_empty() {
        Ok(Imported {
            survey,
            notes: translator.notes,
        })
    } else {
        // In the order an author reads the workbook: the file, then each
        // sheet from its top row (a problem without a row first).
        let sheet_order = |problem: &ImportProblem| {
            let Some(sheet) = &problem.sheet else {
                return 0;
            };
            SHEET_KINDS
                .iter()
                .position(|kind| sheet.eq_ignore_ascii_case(kind.key()))
                .map_or(SHEET_KINDS.len() + 1, |at| at + 1)
        };
        let mut problems = translator.problems;
        problems.sort_by_key(|problem| (sheet_order(problem), problem.row.unwrap_or(0)));
        // One cell read for two purposes (a repeat's label is its rows'
        // label too) would otherwise be blamed twice.
        let mut seen = HashSet::new();
        problems.retain(|problem| seen.insert(problem.to_string()));
        Err(problems)
    }
}

fn yes(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "true()" | "1"
    )
}

fn no(text: &str) -> bool {
    matches!(
        text.trim().to_ascii_lowercase().as_str(),
        "" | "no" | "false" | "false()" | "0"
    )
}

/// Whether a `default` is one pyxform works out when the question is
/// shown: it names an answer (`${q}`) or calls a function (`today()`,
/// pyxform's lexer: a name straight before `(`).
fn is_dynamic(default: &str) -> bool {
    default.contains("${")
        || default.match_indices('(').any(|(at, _)| {
            let name: String = default[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ':' | '.'))
                .collect();
            name.chars().last().is_some_and(char::is_alphabetic)
        })
}

/// A cell's text for a message: quoted, shortened when long, its control
/// characters escaped (messages reach terminals too).
fn quoted(text: &str) -> String {
    format!("`{}`", crate::error::shown(text, 120))
}

/// A language tag from a header suffix or a setting: `English (en)`, `en`,
/// or a language's name.
fn language_code(written: &str) -> Result<String, String> {
    let written = written.trim();
    if let (Some(open), true) = (written.rfind('('), written.ends_with(')')) {
        let code = written[open + 1..written.len() - 1].trim();
        return if is_language_tag(code) {
            Ok(code.to_owned())
        } else {
            Err(format!(
                "`{code}` is not a language tag such as `en` or `fr-CA`"
            ))
        };
    }
    if is_language_tag(written) {
        return Ok(written.to_owned());
    }
    let lower = written.to_lowercase();
    if is_language_tag(&lower) {
        return Ok(lower);
    }
    let code = match lower.as_str() {
        "english" => "en",
        "french" | "français" | "francais" => "fr",
        "arabic" | "العربية" => "ar",
        "spanish" | "español" | "espanol" => "es",
        "portuguese" | "português" | "portugues" => "pt",
        "swahili" | "kiswahili" => "sw",
        "russian" => "ru",
        "chinese" => "zh",
        "hindi" => "hi",
        "bengali" | "bangla" => "bn",
        "urdu" => "ur",
        "persian" | "farsi" => "fa",
        "pashto" => "ps",
        "dari" => "prs",
        "somali" => "so",
        "amharic" => "am",
        "hausa" => "ha",
        "yoruba" => "yo",
        "igbo" => "ig",
        "kinyarwanda" => "rw",
        "lingala" => "ln",
        "tigrinya" => "ti",
        "oromo" => "om",
        "turkish" => "tr",
        "kurdish" => "ku",
        "ukrainian" => "uk",
        "burmese" | "myanmar" => "my",
        "indonesian" => "id",
        "tagalog" => "tl",
        "nepali" => "ne",
        "tamil" => "ta",
        "haitian creole" | "kreyòl" => "ht",
        "german" | "deutsch" => "de",
        "italian" => "it",
        "dutch" => "nl",
        "hebrew" => "he",
        _ => {
            return Err(format!(
                "`{written}` is not a language Salama knows by name; write it with its code, e.g. `{written} (xx)`"
            ));
        }
    };
    Ok(code.to_owned())
}

/// Opens a group or repeat whose name was refused all the same, so that
/// its end row matches and the rows after it are not blamed for it.
fn open_unnamed(kind: &RowType, row: &Row, nesting: &mut Nesting) {
    if matches!(kind, RowType::BeginGroup | RowType::BeginRepeat) {
        nesting.stack.push(Frame {
            repeat: matches!(kind, RowType::BeginRepeat),
            name: String::new(),
            row: row.number,
            label: Text::default(),
            relevant: None,
            rows: (0, 1),
            sensitive: false,
            extra: FrameExtra::default(),
            items: Vec::new(),
        });
    }
}

/// What a `type` cell asks for.
enum RowType {
    Select {
        multiple: bool,
        list: String,
        or_other: bool,
    },
    /// `select_one_from_file FILE`: a select whose list is a file's.
    FromFile {
        multiple: bool,
        file: String,
    },
    /// Salama's `ordinal LIST`: one code from an ordered scale.
    Ordinal(String),
    /// Salama's `yes_no`: `yes` or `no`, without a list.
    YesNo,
    Integer,
    Decimal,
    Text,
    Date,
    Time,
    DateTime,
    /// XLSForm's `range`: a number from `start` to `end` by `step`.
    Range,
    /// XLSForm's `acknowledge`: one box to tick, whose value is `OK`.
    Acknowledge,
    /// Salama's cascading choice of areas from the `areas` sheet, down to
    /// the given number of levels (all when absent).
    AdminArea(Option<u32>),
    Note,
    Calculate,
    BeginGroup,
    EndGroup,
    BeginRepeat,
    EndRepeat,
    Metadata,
    Refused(String),
    Unknown,
}

/// The older spellings of the select types pyxform still reads (forms
/// written years ago use them), longest first.
const SELECT_SPELLINGS: &[(&[&str], &str)] = &[
    (&["add", "select", "one", "prompt", "using"], "select_one"),
    (
        &["add", "select", "multiple", "prompt", "using"],
        "select_multiple",
    ),
    (
        &["select", "all", "that", "apply", "from"],
        "select_multiple",
    ),
    (&["select", "all", "that", "apply"], "select_multiple"),
    (&["select", "multiple", "from"], "select_multiple"),
    (&["select", "multiple", "using"], "select_multiple"),
    (&["select", "one", "from"], "select_one"),
    (&["select", "one", "using"], "select_one"),
    (&["select", "multiple"], "select_multiple"),
    (&["select", "one"], "select_one"),
    (&["select1"], "select_one"),
];

fn row_type(written: &str) -> RowType {
    let words: Vec<&str> = written.split_whitespace().collect();
    let lower: Vec<String> = words.iter().map(|word| word.to_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let select = SELECT_SPELLINGS
        .iter()
        .find(|(spelling, _)| lower.starts_with(spelling));
    let (keyword, rest): (String, &[&str]) = match (select, lower.as_slice()) {
        (Some((spelling, keyword)), _) => ((*keyword).to_owned(), &words[spelling.len()..]),
        // pyxform's `lgroup` and `looped group` are repeats.
        (None, ["begin" | "end", "group" | "repeat"]) => (lower.join("_"), &[]),
        (None, [begin_or_end @ ("begin" | "end"), "lgroup"])
        | (None, [begin_or_end @ ("begin" | "end"), "looped", "group"]) => {
            (format!("{begin_or_end}_repeat"), &[])
        }
        (None, ["begin_lgroup" | "begin_looped_group", ..]) => ("begin_repeat".into(), &[]),
        (None, ["end_lgroup" | "end_looped_group", ..]) => ("end_repeat".into(), &[]),
        (None, ["begin" | "end", "loop", ..]) => ("loop".into(), &[]),
        (None, ["phone", "number"]) => ("phonenumber".into(), &[]),
        // pyxform's older names for metadata: `get start time`, `device id`…
        (None, words) if LEGACY_METADATA.contains(&words.join(" ").as_str()) => {
            ("start".into(), &[])
        }
        (None, [first, ..]) => ((*first).to_owned(), &words[1..]),
        (None, []) => (String::new(), &[]),
    };
    match keyword.as_str() {
        "select_one" | "select_multiple" => {
            let multiple = keyword == "select_multiple";
            let or_other = |other: &[&str]| {
                let other = other.join(" ").to_lowercase();
                ["or_other", "or other", "or specify other"].contains(&other.as_str())
            };
            match rest {
                [list] => RowType::Select {
                    multiple,
                    list: (*list).to_owned(),
                    or_other: false,
                },
                [list, other @ ..] if or_other(other) => RowType::Select {
                    multiple,
                    list: (*list).to_owned(),
                    or_other: true,
                },
                [] => RowType::Refused(format!("`{keyword}` needs a list name after it")),
                _ => RowType::Unknown,
            }
        }
        "loop" | "begin_loop" | "end_loop" => RowType::Refused(
            "a loop over a list is not supported: use a `begin_repeat` with one row per item"
                .into(),
        ),
        "select_one_external" => RowType::Refused(
            "choices from an external file are not supported yet: copy them into the choices sheet"
                .into(),
        ),
        "select_one_from_file" | "select_multiple_from_file" => match rest {
            [file] => RowType::FromFile {
                multiple: keyword == "select_multiple_from_file",
                file: (*file).to_owned(),
            },
            [] => RowType::Refused(format!("`{keyword}` needs a file name after it")),
            _ => RowType::Unknown,
        },
        "ordinal" => match rest {
            [list] => RowType::Ordinal((*list).to_owned()),
            [] => RowType::Refused("`ordinal` needs a list name after it".into()),
            _ => RowType::Unknown,
        },
        "yes_no" if rest.is_empty() => RowType::YesNo,
        "integer" | "int" if rest.is_empty() => RowType::Integer,
        "decimal" if rest.is_empty() => RowType::Decimal,
        "text" | "string" if rest.is_empty() => RowType::Text,
        "date" if rest.is_empty() => RowType::Date,
        "time" if rest.is_empty() => RowType::Time,
        "datetime" if rest.is_empty() => RowType::DateTime,
        "note" if rest.is_empty() => RowType::Note,
        "admin_area" => match rest {
            [] => RowType::AdminArea(None),
            [levels] => match levels.parse::<u32>() {
                Ok(levels) if levels >= 1 => RowType::AdminArea(Some(levels)),
                _ => RowType::Refused(format!(
                    "`admin_area {levels}`: give the number of area levels asked, from 1"
                )),
            },
            _ => RowType::Unknown,
        },
        "calculate" if rest.is_empty() => RowType::Calculate,
        "begin_group" => RowType::BeginGroup,
        "end_group" => RowType::EndGroup,
        "begin_repeat" => RowType::BeginRepeat,
        "end_repeat" => RowType::EndRepeat,
        "range" if rest.is_empty() => RowType::Range,
        "acknowledge" if rest.is_empty() => RowType::Acknowledge,
        "rank" => RowType::Refused("`rank` is not supported".into()),
        "hidden" | "xml-external" | "csv-external" | "trigger" => {
            RowType::Refused(format!("`{keyword}` is not supported"))
        }
        word if METADATA.contains(&word) => RowType::Metadata,
        word if GPS_AND_MEDIA.contains(&word) => RowType::Refused(NO_GPS_OR_MEDIA.into()),
        _ => RowType::Unknown,
    }
}

/// The columns each sheet may have, read or knowingly ignored.
fn known_columns(kind: SheetKind) -> &'static [&'static str] {
    match kind {
        SheetKind::Survey => &[
            "type",
            "name",
            "label",
            "hint",
            "required",
            "required_message",
            "relevant",
            "constraint",
            "constraint_message",
            "calculation",
            "repeat_count",
            "appearance",
            "default",
            "choice_filter",
            "read_only",
            "parameters",
            "trigger",
            "guidance_hint",
            "media",
            "code",
            "source",
            "microdata_safe",
            "sensitive",
            "row_label",
            "drawn_among",
            "referrals",
            "min_rows",
            "max_rows",
            "min",
            "max",
            "max_length",
            "min_choices",
            "max_choices",
            "image",
            "audio",
            "video",
            "role",
        ],
        SheetKind::Choices => &[
            "list_name",
            "name",
            "label",
            "missing",
            "exclusive",
            "media",
            "image",
            "big-image",
            "audio",
            "video",
        ],
        SheetKind::Settings => &[
            "form_title",
            "form_id",
            "version",
            "default_language",
            "public",
            "channels",
            "consent_script",
            "consent_question",
            "description",
            "safety_notice",
            "self_respondent_min_age",
            "adult_age",
            "adult_consent_question",
            "assent_question",
            "disabled_if",
            "instance_name",
            "style",
            "submission_url",
            "public_key",
        ],
        SheetKind::Areas => &["level", "code", "parent", "label"],
        SheetKind::Messages => &["code", "label"],
        SheetKind::Indicators => &INDICATOR_COLUMNS,
    }
}

/// The known column a header is one or two typing slips away from
/// (`relevent`), if it is not known itself.
fn misspelt(kind: SheetKind, base: &str) -> Option<&'static str> {
    let known = known_columns(kind);
    if known.contains(&base) {
        return None;
    }
    crate::spelling::slip_of(base, known.iter().copied())
}

/// `(outer) and (inner)`, or whichever exists.
fn and(outer: Option<&Expression>, inner: Option<Expression>) -> Option<Expression> {
    match (outer, inner) {
        (Some(outer), Some(inner)) => Some(Expression::new(format!(
            "({}) and ({})",
            outer.source(),
            inner.source()
        ))),
        (Some(outer), None) => Some(outer.clone()),
        (None, inner) => inner,
    }
}

/// An open `begin_group` or `begin_repeat`.
struct Frame {
    repeat: bool,
    name: String,
    row: u32,
    label: Text,
    relevant: Option<Expression>,
    rows: (u32, u32),
    /// Salama's `sensitive` column, for a group that becomes a section.
    sensitive: bool,
    /// Salama's own columns on a group or repeat row: what the roster or
    /// section carries besides its label.
    extra: FrameExtra,
    items: Vec<Question>,
}

/// What the walk down the survey sheet keeps from row to row.
struct Walk<'s> {
    type_column: Column,
    name_column: Option<Column>,
    /// Every name on the sheet, for references written before their question.
    names: HashSet<String>,
    lists: HashSet<&'s str>,
    list_names: Vec<&'s str>,
    /// Names seen so far, with their row.
    used: HashMap<String, u32>,
}

/// Sections made so far, questions waiting for one, and the groups and
/// repeats open around the current row (innermost last).
#[derive(Default)]
struct Nesting {
    sections: Vec<Section>,
    loose: Vec<Question>,
    stack: Vec<Frame>,
}

impl Nesting {
    /// Questions go into the innermost open group or repeat, else wait
    /// outside any section.
    fn add(&mut self, questions: impl IntoIterator<Item = Question>) {
        match self.stack.last_mut() {
            Some(frame) => frame.items.extend(questions),
            None => self.loose.extend(questions),
        }
    }
}

#[derive(Default)]
struct FrameExtra {
    row_label: Option<Text>,
    hint: Option<Text>,
    code: Option<String>,
    source: Option<String>,
    drawn_among: Option<Expression>,
    referrals: Option<Text>,
}

impl<'w> Translator<'w> {
    fn problem(
        &mut self,
        kind: SheetKind,
        row: Option<u32>,
        column: Option<String>,
        code: &str,
        message: String,
    ) {
        let sheet = self.headers.get(&kind).map(|h| h.sheet.clone());
        let sheet = match sheet {
            Some(name) if !name.is_empty() => name,
            _ => kind.key().to_owned(),
        };
        self.problems.push(ImportProblem {
            sheet: Some(sheet),
            row,
            column,
            code: code.into(),
            message,
        });
    }

    fn headers_of(&mut self, kind: SheetKind, sheet: &Sheet) -> Headers {
        let mut headers = Headers {
            sheet: sheet.name.clone(),
            sheet_kind: Some(kind),
            row: 1,
            columns: Vec::new(),
        };
        let Some(first) = sheet.rows.first() else {
            return headers;
        };
        headers.row = first.number;
        for (&index, raw) in &first.cells {
            let raw = raw.trim();
            let lower = raw.to_lowercase();
            let lower = match lower.as_str() {
                "list name" => "list_name".to_owned(),
                "jr:constraintmsg" => "constraint_message".to_owned(),
                "jr:requiredmsg" => "required_message".to_owned(),
                "jr:count" => "repeat_count".to_owned(),
                _ => lower,
            };
            let (base, language) = if let Some((base, _)) = lower.split_once("::") {
                let suffix = &raw[raw.find("::").map_or(0, |at| at + 2)..];
                (
                    base.trim().replace(' ', "_"),
                    Some(suffix.trim().to_owned()),
                )
            } else if let Some((base, _)) = lower.split_once(':')
                && TEXT_COLUMNS.contains(&base.trim())
            {
                let suffix = &raw[raw.find(':').map_or(0, |at| at + 1)..];
                (base.trim().to_owned(), Some(suffix.trim().to_owned()))
            } else {
                (lower.trim().replace(' ', "_"), None)
            };
            let base = match base.as_str() {
                // Other names pyxform reads for the same columns.
                "relevance" => "relevant".to_owned(),
                "readonly" => "read_only".to_owned(),
                "caption" => "label".to_owned(),
                "constraining_message" => "constraint_message".to_owned(),
                "requiredmsg" => "required_message".to_owned(),
                "count" if kind == SheetKind::Survey => "repeat_count".to_owned(),
                _ => base,
            };
            let language = match language {
                // `media::image`, `media::audio::fr`: ignored, whatever follows.
                Some(_) if base == "media" => continue,
                Some(written) if TEXT_COLUMNS.contains(&base.as_str()) => {
                    match language_code(&written) {
                        Ok(code) => Some(code),
                        Err(message) => {
                            self.problems.push(ImportProblem {
                                sheet: Some(sheet.name.clone()),
                                row: Some(first.number),
                                column: Some(raw.to_owned()),
                                code: "invalid_language".into(),
                                message,
                            });
                            continue;
                        }
                    }
                }
                // `media::image::en` and other columns Salama ignores.
                Some(_) => continue,
                None => None,
            };
            if let Some(meant) = misspelt(kind, &base) {
                self.problems.push(ImportProblem {
                    sheet: Some(sheet.name.clone()),
                    row: Some(first.number),
                    column: Some(raw.to_owned()),
                    code: "unknown_column".into(),
                    message: format!(
                        "{} is not a column Salama reads; did you mean `{meant}`?",
                        quoted(raw)
                    ),
                });
                continue;
            }
            headers.columns.push(Column {
                index,
                header: raw.to_owned(),
                base,
                language,
            });
        }
        headers
    }

    fn sheet(&self, kind: SheetKind) -> Option<&'w Sheet> {
        self.workbook.sheets.get(kind.key())
    }

    fn data_rows(&self, kind: SheetKind) -> &'w [Row] {
        match self.sheet(kind) {
            Some(sheet) if !sheet.rows.is_empty() => &sheet.rows[1..],
            _ => &[],
        }
    }

    /// The default language and every language a text column with content
    /// is written in, the default first.
    fn settle_languages(&mut self) {
        let mut seen: Vec<String> = Vec::new();
        for kind in SHEET_KINDS {
            let columns: Vec<Column> = self.headers[&kind].columns.clone();
            for column in columns {
                let (Some(language), true) = (
                    &column.language,
                    TEXT_COLUMNS.contains(&column.base.as_str())
                        && !matches!(column.base.as_str(), "required_message" | "media"),
                ) else {
                    continue;
                };
                let used = self
                    .data_rows(kind)
                    .iter()
                    .any(|row| !row.cell(column.index).is_empty());
                if used && !seen.contains(language) {
                    seen.push(language.clone());
                }
            }
        }
        let settings = &self.headers[&SheetKind::Settings];
        let written = self
            .data_rows(SheetKind::Settings)
            .first()
            .zip(settings.plain("default_language"))
            .map(|(row, column)| (row.cell(column.index).to_owned(), row.number, column));
        let mut default = None;
        if let Some((written, row, column)) = written
            && !written.is_empty()
        {
            let header = column.header.clone();
            match language_code(&written) {
                Ok(code) => default = Some(code),
                Err(message) => self.problem(
                    SheetKind::Settings,
                    Some(row),
                    Some(header),
                    "invalid_language",
                    message,
                ),
            }
        }
        let default = default
            .or_else(|| seen.first().cloned())
            .unwrap_or_else(|| "en".to_owned());
        let mut languages = vec![default.clone()];
        languages.extend(seen.into_iter().filter(|language| *language != default));
        self.default_language = default;
        self.languages = languages;
    }

    /// A text from the `base` columns of a row: language columns first, the
    /// plain column in the default language.
    fn text(&self, kind: SheetKind, row: &Row, base: &str) -> Text {
        self.text_in(&self.headers[&kind], row, base)
    }

    /// [`Translator::text`] from rows under other headers (a file's).
    fn text_in(&self, headers: &Headers, row: &Row, base: &str) -> Text {
        let mut text = BTreeMap::new();
        for column in headers.columns.iter().filter(|c| c.base == base) {
            let cell = row.cell(column.index);
            if cell.is_empty() {
                continue;
            }
            match &column.language {
                Some(language) => {
                    text.insert(language.clone(), cell.to_owned());
                }
                None => {
                    text.entry(self.default_language.clone())
                        .or_insert_with(|| cell.to_owned());
                }
            }
        }
        Text(text)
    }

    fn optional_text(&self, kind: SheetKind, row: &Row, base: &str) -> Option<Text> {
        let text = self.text(kind, row, base);
        (!text.0.is_empty()).then_some(text)
    }

    /// The same text in every language: for rows that need a label and
    /// have none of their own (calculations).
    fn everywhere(&self, text: &str) -> Text {
        Text(
            self.languages
                .iter()
                .map(|language| (language.clone(), text.to_owned()))
                .collect(),
        )
    }

    fn choice_lists(&mut self) -> Vec<ChoiceList> {
        let Some(sheet) = self.sheet(SheetKind::Choices) else {
            return Vec::new();
        };
        let headers = self.headers[&SheetKind::Choices].clone();
        self.choices_from(&headers, &sheet.rows, None)
    }

    /// Choices read from rows under `headers`: the choices sheet's, or a
    /// file's given beside the workbook (`list` then names its one list,
    /// and its problems are located in the file).
    fn choices_from(
        &mut self,
        headers: &Headers,
        sheet_rows: &[Row],
        list: Option<&str>,
    ) -> Vec<ChoiceList> {
        let problem = |this: &mut Self,
                       row: Option<u32>,
                       column: Option<String>,
                       code: &str,
                       message: String| {
            this.problems.push(ImportProblem {
                sheet: Some(headers.sheet.clone()),
                row,
                column,
                code: code.into(),
                message,
            });
        };
        let mut lists: Vec<ChoiceList> = Vec::new();
        let list_column = headers.plain("list_name").cloned();
        let name_column = headers
            .plain("name")
            .or_else(|| headers.plain("value"))
            .cloned();
        let missing_column = headers.plain("missing").cloned();
        let exclusive_column = headers.plain("exclusive").cloned();
        // The author's own columns, for choice filters, named as written;
        // one a filter could not name (`$kuid`, `Region name`) is ignored.
        let known = known_columns(SheetKind::Choices);
        let own_columns: Vec<(u32, String)> = headers
            .columns
            .iter()
            .filter(|column| {
                let mut chars = column.header.chars();
                column.language.is_none()
                    && !known.contains(&column.base.as_str())
                    && chars
                        .next()
                        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            })
            .map(|column| (column.index, column.header.clone()))
            .collect();
        if (!sheet_rows.is_empty() || list.is_some())
            && ((list_column.is_none() && list.is_none()) || name_column.is_none())
        {
            let message = match list {
                None => {
                    "the choices sheet needs the columns `list_name` and `name` in its first row"
                }
                Some(_) => {
                    "a file of choices needs the columns `name` and `label` in its first row"
                }
            };
            problem(
                self,
                Some(headers.row),
                None,
                "missing_column",
                message.into(),
            );
            return Vec::new();
        }
        let Some(name_column) = name_column else {
            return Vec::new();
        };
        let mut seen: HashMap<(String, String), u32> = HashMap::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        for row in sheet_rows.iter().skip(1) {
            let list = match (list, &list_column) {
                (Some(list), _) => list,
                (None, Some(column)) => row.cell(column.index),
                (None, None) => "",
            };
            let value = row.cell(name_column.index);
            // A file's rows are never blank: each has something to say.
            if list_column.is_some() && list.is_empty() && value.is_empty() {
                continue;
            }
            if list.is_empty() {
                let header = list_column.as_ref().map(|c| c.header.clone());
                problem(
                    self,
                    Some(row.number),
                    header,
                    "missing_list_name",
                    format!("the choice {} belongs to no list", quoted(value)),
                );
                continue;
            }
            if value.is_empty() {
                problem(
                    self,
                    Some(row.number),
                    Some(name_column.header.clone()),
                    "missing_name",
                    format!("a choice of list {} has no name", quoted(list)),
                );
                continue;
            }
            if let Some(first) = seen.get(&(list.to_owned(), value.to_owned())) {
                let message = format!(
                    "{} is in list {} already, on row {first}",
                    quoted(value),
                    quoted(list)
                );
                problem(
                    self,
                    Some(row.number),
                    Some(name_column.header.clone()),
                    "duplicate_name",
                    message,
                );
                continue;
            }
            seen.insert((list.to_owned(), value.to_owned()), row.number);
            let missing = match &missing_column {
                Some(column) => match row.cell(column.index).to_ascii_lowercase().as_str() {
                    "" => None,
                    "dk" => Some(Missing::Dk),
                    "ra" => Some(Missing::Ra),
                    "na" => Some(Missing::Na),
                    other => {
                        let message = format!(
                            "{} is not a missing-value kind: write `dk`, `ra` or `na`, or leave it empty",
                            quoted(other)
                        );
                        problem(
                            self,
                            Some(row.number),
                            Some(column.header.clone()),
                            "invalid_value",
                            message,
                        );
                        None
                    }
                },
                None => None,
            };
            let exclusive = exclusive_column
                .as_ref()
                .is_some_and(|column| yes(row.cell(column.index)));
            let columns = own_columns
                .iter()
                .map(|(index, header)| (header.clone(), row.cell(*index).to_owned()))
                .filter(|(_, cell)| !cell.is_empty())
                .collect();
            let choice = Choice {
                value: value.to_owned(),
                label: self.text_in(headers, row, "label"),
                missing,
                exclusive,
                columns,
            };
            // A file's choices are located by the survey row naming it.
            if headers.sheet_kind == Some(SheetKind::Choices) {
                let place = Place {
                    sheet: SheetKind::Choices,
                    row: Some(row.number),
                };
                self.places
                    .entry(format!("choice_lists.{list}"))
                    .or_insert(place);
                self.places
                    .insert(format!("choice_lists.{list}.choices.{value}"), place);
            }
            match index.get(list) {
                Some(&at) => lists[at].choices.push(choice),
                None => {
                    index.insert(list.to_owned(), lists.len());
                    lists.push(ChoiceList {
                        id: list.to_owned(),
                        choices: vec![choice],
                    });
                }
            }
        }
        lists
    }

    /// The survey's own fields from the settings sheet; sections and lists
    /// come after.
    fn settings(&mut self, file_name: &str) -> Survey {
        let row = self.data_rows(SheetKind::Settings).first();
        let row_number = row.map(|row| row.number);
        let place = Place {
            sheet: SheetKind::Settings,
            row: row_number,
        };
        for path in [
            "id",
            "version",
            "title",
            "languages",
            "default_language",
            "channels",
            "consent",
            "description",
            "safety_notice",
            "messages",
        ] {
            self.places.insert(path.to_owned(), place);
        }
        let setting = |base: &str| -> (String, Option<String>) {
            let headers = &self.headers[&SheetKind::Settings];
            match (row, headers.plain(base)) {
                (Some(row), Some(column)) => (
                    row.cell(column.index).to_owned(),
                    Some(column.header.clone()),
                ),
                _ => (String::new(), None),
            }
        };
        let (form_id, _) = setting("form_id");
        let (version_text, version_column) = setting("version");
        let (public_text, _) = setting("public");
        let (channels_text, channels_column) = setting("channels");
        let plain_title = setting("form_title").0;
        let minimum_age = setting("self_respondent_min_age");
        let adult_age = setting("adult_age");
        let stem = std::path::Path::new(file_name)
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or_default();
        let id = if !form_id.is_empty() {
            form_id
        } else if !stem.is_empty() {
            // `Household survey v2.1.xlsx` gives `Household_survey_v2_1`.
            stem.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        } else {
            let column = self.headers[&SheetKind::Settings].header_for("form_id", None, "");
            self.problem(
                SheetKind::Settings,
                row_number,
                Some(column),
                "missing_setting",
                "the survey needs an id: give `form_id` in the settings sheet".into(),
            );
            "survey".to_owned()
        };
        let version = if version_text.is_empty() {
            1
        } else {
            match version_text.parse::<u32>() {
                Ok(version) if (1..=MAX_SURVEY_VERSION).contains(&version) => version,
                _ => {
                    self.problem(
                        SheetKind::Settings,
                        row_number,
                        version_column,
                        "invalid_version",
                        format!(
                            "version {}: Salama numbers versions 1, 2, 3… (whole numbers up to {MAX_SURVEY_VERSION}, not dates or dotted numbers); write 1 for a first version, and the next number for each change",
                            quoted(&version_text)
                        ),
                    );
                    1
                }
            }
        };
        let public = yes(&public_text);
        let mut channels = Vec::new();
        for word in channels_text.split([' ', ',']).filter(|w| !w.is_empty()) {
            match word.to_ascii_lowercase().as_str() {
                "enumerator" => channels.push(Channel::Enumerator),
                "online" => channels.push(Channel::Online),
                _ => self.problem(
                    SheetKind::Settings,
                    row_number,
                    channels_column.clone(),
                    "invalid_value",
                    format!(
                        "{} is not a channel: write `enumerator`, `online` or both",
                        quoted(word)
                    ),
                ),
            }
        }
        if channels_text.trim().is_empty() {
            channels.push(Channel::Enumerator);
            if public {
                channels.push(Channel::Online);
            }
        }
        channels.dedup();
        let texts = |base: &str| match row {
            Some(row) => self.text(SheetKind::Settings, row, base),
            None => Text::default(),
        };
        let mut title = texts("form_title");
        let fallback = if plain_title.is_empty() {
            id.clone()
        } else {
            plain_title
        };
        for language in &self.languages {
            title
                .0
                .entry(language.clone())
                .or_insert_with(|| fallback.clone());
        }
        let script = texts("consent_script");
        let question = texts("consent_question");
        let description = texts("description");
        let safety_notice = texts("safety_notice");
        for (base, text, what) in [
            (
                "consent_script",
                &script,
                "the text read before any question: purpose, confidentiality, the right to skip any question or stop",
            ),
            (
                "consent_question",
                &question,
                "the yes/no question that records consent",
            ),
        ] {
            if text.0.is_empty() {
                let column = self.headers[&SheetKind::Settings].header_for(
                    base,
                    None,
                    &self.default_language,
                );
                self.problem(
                    SheetKind::Settings,
                    row_number,
                    Some(column),
                    "missing_setting",
                    format!("Salama needs `{base}` in the settings sheet ({what}), in every language of the form"),
                );
            }
        }
        // A text reported missing above is not reported again by the check.
        let script = if script.0.is_empty() {
            self.everywhere("-")
        } else {
            script
        };
        let question = if question.0.is_empty() {
            self.everywhere("-")
        } else {
            question
        };
        let minors = self.minors(row_number, minimum_age, adult_age, row);
        Survey {
            id,
            version,
            languages: self.languages.clone(),
            default_language: self.default_language.clone(),
            title,
            description: (!description.0.is_empty()).then_some(description),
            public,
            channels,
            consent: Consent {
                script,
                question,
                minors,
            },
            safety_notice: (!safety_notice.0.is_empty()).then_some(safety_notice),
            area_levels: Vec::new(),
            areas: Vec::new(),
            choice_lists: Vec::new(),
            sections: Vec::new(),
            roles: Vec::new(),
            indicators: Vec::new(),
            messages: BTreeMap::new(),
            interface_words: BTreeMap::new(),
        }
    }

    /// Rules for young respondents, when the settings give any of them:
    /// `self_respondent_min_age`, `adult_age`, `adult_consent_question::LANG`
    /// and `assent_question::LANG`, all four.
    fn minors(
        &mut self,
        row_number: Option<u32>,
        minimum_age: (String, Option<String>),
        adult_age: (String, Option<String>),
        row: Option<&Row>,
    ) -> Option<MinorRules> {
        let texts = |base: &str| match row {
            Some(row) => self.text(SheetKind::Settings, row, base),
            None => Text::default(),
        };
        let adult_consent_question = texts("adult_consent_question");
        let assent_question = texts("assent_question");
        if minimum_age.0.is_empty()
            && adult_age.0.is_empty()
            && adult_consent_question.0.is_empty()
            && assent_question.0.is_empty()
        {
            return None;
        }
        let mut age = |(written, column): (String, Option<String>), base: &str| {
            let column = column.or_else(|| Some(base.to_owned()));
            match written.parse::<u32>() {
                Ok(age) => Some(age),
                Err(_) => {
                    self.problem(
                        SheetKind::Settings,
                        row_number,
                        column,
                        "missing_setting",
                        format!(
                            "rules for minors need `{base}` as a whole number of years, not {}",
                            quoted(&written)
                        ),
                    );
                    None
                }
            }
        };
        let self_respondent_min_age = age(minimum_age, "self_respondent_min_age");
        let adult_age = age(adult_age, "adult_age");
        let mut fine = self_respondent_min_age.is_some() && adult_age.is_some();
        for (base, text) in [
            ("adult_consent_question", &adult_consent_question),
            ("assent_question", &assent_question),
        ] {
            if text.0.is_empty() {
                let column = self.headers[&SheetKind::Settings].header_for(
                    base,
                    None,
                    &self.default_language,
                );
                self.problem(
                    SheetKind::Settings,
                    row_number,
                    Some(column),
                    "missing_setting",
                    format!("rules for minors need `{base}` in every language of the form"),
                );
                fine = false;
            }
        }
        Some(MinorRules {
            self_respondent_min_age: self_respondent_min_age?,
            adult_age: adult_age?,
            adult_consent_question,
            assent_question,
        })
        .filter(|_| fine)
    }

    /// The names later rows may reference: questions and repeats.
    fn names(&self, sheet: &Sheet) -> HashSet<String> {
        let headers = &self.headers[&SheetKind::Survey];
        let (Some(type_column), Some(name_column)) = (headers.plain("type"), headers.plain("name"))
        else {
            return HashSet::new();
        };
        sheet
            .rows
            .iter()
            .skip(1)
            .filter(|row| {
                !matches!(
                    row_type(row.cell(type_column.index)),
                    RowType::BeginGroup
                        | RowType::EndGroup
                        | RowType::EndRepeat
                        | RowType::Metadata
                        | RowType::Refused(_)
                        | RowType::Unknown
                )
            })
            .flat_map(|row| {
                let name = row.cell(name_column.index).to_owned();
                let other = matches!(
                    row_type(row.cell(type_column.index)),
                    RowType::Select { or_other: true, .. }
                )
                .then(|| format!("{name}{OTHER_SUFFIX}"));
                std::iter::once(name).chain(other)
            })
            .filter(|name| !name.is_empty())
            .collect()
    }

    /// An expression cell, if it reads and names only known questions.
    fn expression(&mut self, row: &Row, base: &str, names: &HashSet<String>) -> Option<Expression> {
        self.expression_as(row, base, names, Expression::new)
    }

    /// An expression cell read by `read` (`choice_filter`s read bare names).
    fn expression_as(
        &mut self,
        row: &Row,
        base: &str,
        names: &HashSet<String>,
        read: fn(String) -> Expression,
    ) -> Option<Expression> {
        let headers = &self.headers[&SheetKind::Survey];
        let (text, column) = headers.cell(row, base);
        if text.is_empty() {
            return None;
        }
        let header = column.map(|c| c.header.clone());
        let expression = read(text.to_owned());
        let mut fine = true;
        match expression.parsed() {
            Err(ParseError {
                kind: ParseErrorKind::UnknownFunction(name),
                ..
            }) if UNREPEATABLE.contains(&name.as_str()) => {
                let why = if name == "decimal-date-time" {
                    "reads a time of day, which Salama keeps for no answer (the `start` and `end` \
                     rows record when the interview was made); for the days since 1970 of a \
                     date, write number(${the_date})"
                } else if name == "now" {
                    "gives another value each time it is worked out, and Salama works every \
                     interview out again on the server to check it, where such a value could not \
                     be checked; the `start` and `end` rows record when the interview was made"
                } else {
                    "gives another value each time it is worked out, and Salama works every \
                     interview out again on the server to check it, where such a value could not \
                     be checked"
                };
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "unsupported_function",
                    format!("{}: `{name}()` {why}", quoted(text)),
                );
                fine = false;
            }
            Err(error) => {
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "expression_syntax",
                    format!(
                        "{} does not read as an expression: {error}{}",
                        quoted(text),
                        if text.contains(['‘', '’', '“', '”']) {
                            "; ‘ ’ “ ” are typographic quotes, which spreadsheets put in as you \
                             type: write ' or \" instead"
                        } else {
                            ""
                        }
                    ),
                );
                fine = false;
            }
            Ok(parsed) => {
                let mut reported = HashSet::new();
                let unknown: Vec<String> = parsed
                    .references()
                    .into_iter()
                    .filter(|name| !names.contains(*name))
                    .filter(|name| reported.insert(name.to_string()))
                    .map(str::to_owned)
                    .collect();
                for name in unknown {
                    self.problem(
                        SheetKind::Survey,
                        Some(row.number),
                        header.clone(),
                        "unknown_reference",
                        format!("{}: `${{{name}}}` names no question", quoted(text)),
                    );
                    fine = false;
                }
            }
        }
        fine.then_some(expression)
    }

    fn sections(&mut self, sheet: &Sheet, survey: &Survey) -> Vec<Section> {
        let headers = &self.headers[&SheetKind::Survey];
        let Some(type_column) = headers.plain("type").cloned() else {
            self.problem(
                SheetKind::Survey,
                Some(headers.row),
                None,
                "missing_column",
                "the survey sheet needs a `type` column in its first row".into(),
            );
            return Vec::new();
        };
        let lists: HashSet<&str> = survey.choice_lists.iter().map(|l| l.id.as_str()).collect();
        let mut list_names: Vec<&str> = lists.iter().copied().collect();
        list_names.sort_unstable();
        let mut walk = Walk {
            name_column: headers.plain("name").cloned(),
            type_column,
            names: self.names(sheet),
            lists,
            list_names,
            used: HashMap::new(),
        };
        let mut nesting = Nesting::default();
        for row in sheet.rows.iter().skip(1) {
            self.survey_row(row, &mut walk, &mut nesting, survey);
        }
        while let Some(frame) = nesting.stack.pop() {
            let (begin, end) = if frame.repeat {
                ("begin_repeat", "end_repeat")
            } else {
                ("begin_group", "end_group")
            };
            self.problem(
                SheetKind::Survey,
                Some(frame.row),
                Some(walk.type_column.header.clone()),
                "unclosed_group",
                format!("{begin} `{}` is never closed by an `{end}`", frame.name),
            );
            self.close(frame, &mut nesting, survey);
        }
        self.flush(&mut nesting, survey);
        nesting.sections
    }

    /// One row of the survey sheet: a group or repeat opened or closed, a
    /// question added to the innermost open one, or the row's problems.
    fn survey_row(
        &mut self,
        row: &Row,
        walk: &mut Walk<'_>,
        nesting: &mut Nesting,
        survey: &Survey,
    ) {
        let written_type = row.cell(walk.type_column.index);
        if written_type.is_empty() {
            // A row with neither name nor label is a comment, as pyxform
            // reads it (a heading in a column of the author's own, a total).
            let name = walk
                .name_column
                .as_ref()
                .map_or("", |column| row.cell(column.index));
            let label = self.text(SheetKind::Survey, row, "label");
            if !name.is_empty() || !label.0.is_empty() {
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    Some(walk.type_column.header.clone()),
                    "missing_type",
                    "the row has no type".into(),
                );
            }
            return;
        }
        let kind = row_type(written_type);
        self.refused_columns(row, &kind);
        if self.structure_row(row, &kind, written_type, walk, nesting, survey) {
            return;
        }
        let Some(name) = self.new_name(row, &kind, written_type, walk, nesting) else {
            return;
        };
        let place = Place {
            sheet: SheetKind::Survey,
            row: Some(row.number),
        };
        let label = self.text(SheetKind::Survey, row, "label");
        let relevant = self.expression(row, "relevant", &walk.names);
        if let RowType::BeginGroup | RowType::BeginRepeat = kind {
            let repeat = matches!(kind, RowType::BeginRepeat);
            if repeat {
                self.places.insert(format!("questions.{name}"), place);
            } else if nesting.stack.is_empty() {
                self.places.insert(format!("sections.{name}"), place);
            }
            let frame = self.frame(row, name, repeat, label, relevant, &walk.names);
            nesting.stack.push(frame);
            return;
        }
        self.places.insert(format!("questions.{name}"), place);
        let in_roster = nesting.stack.iter().any(|frame| frame.repeat);
        self.role(row, name, in_roster);
        let kind = match kind {
            RowType::FromFile { multiple, file } => {
                let Some(list) = self.list_from_file(row, &file, &walk.lists) else {
                    return;
                };
                RowType::Select {
                    multiple,
                    list,
                    or_other: false,
                }
            }
            kind => kind,
        };
        let Some(question) = self.question(
            row,
            name,
            &kind,
            label,
            relevant,
            &walk.names,
            &walk.lists,
            &walk.list_names,
        ) else {
            return;
        };
        let questions = match &kind {
            RowType::Select {
                list,
                or_other: true,
                ..
            } => self.or_other(row, question, list, survey, &mut walk.used),
            _ => vec![question],
        };
        nesting.add(questions);
    }

    /// Columns Salama does not read (yet), reported where they are filled:
    /// `trigger` anywhere, `default` on a group or repeat, which has no answer.
    fn refused_columns(&mut self, row: &Row, kind: &RowType) {
        let group = matches!(kind, RowType::BeginGroup | RowType::BeginRepeat);
        for (refused, why) in [
            ("trigger", "`trigger` is not supported yet"),
            ("default", "a group or repeat takes no `default`"),
        ] {
            let (cell, column) = self.headers[&SheetKind::Survey].cell(row, refused);
            if !cell.is_empty() && (refused == "trigger" || group) {
                let header = column.map(|c| c.header.clone());
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "unsupported_column",
                    format!("{}: {why}", quoted(cell)),
                );
            }
        }
    }

    /// A `default` cell: a static answer, kept as written for
    /// `Survey::check` to judge. A dynamic one (pyxform's: a `${…}` or a
    /// function call, worked out when the question is shown) is refused.
    fn default(&mut self, row: &Row) -> Result<Option<String>, ()> {
        let (written, column) = self.headers[&SheetKind::Survey].cell(row, "default");
        if written.is_empty() {
            return Ok(None);
        }
        if !is_dynamic(written) {
            return Ok(Some(written.to_owned()));
        }
        let header = column.map(|c| c.header.clone());
        let message = format!(
            "{}: a default worked out from other answers or a function is not supported (Salama pre-fills only a fixed answer, such as `yes` or `2024-01-31`); for a value computed from answers, use a `calculate` row",
            quoted(written)
        );
        self.problem(
            SheetKind::Survey,
            Some(row.number),
            header,
            "unsupported_value",
            message,
        );
        Err(())
    }

    /// Rows that add no question: unknown and refused types, metadata, and
    /// the ends of groups and repeats. True when the row was one of them.
    fn structure_row(
        &mut self,
        row: &Row,
        kind: &RowType,
        written_type: &str,
        walk: &Walk<'_>,
        nesting: &mut Nesting,
        survey: &Survey,
    ) -> bool {
        let type_header = Some(walk.type_column.header.clone());
        match kind {
            RowType::Unknown => self.problem(
                SheetKind::Survey,
                Some(row.number),
                type_header,
                "unknown_type",
                format!(
                    "type {} is not an XLSForm type Salama reads (select_one LIST, select_multiple LIST, integer, decimal, text, date, note, calculate, begin_group, end_group, begin_repeat, end_repeat)",
                    quoted(written_type)
                ),
            ),
            RowType::Refused(reason) => {
                let message = format!("type {}: {reason}", quoted(written_type));
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    type_header,
                    "unsupported_type",
                    message,
                );
            }
            RowType::Metadata => self.notes.push(ImportProblem {
                sheet: Some(self.headers[&SheetKind::Survey].sheet.clone()),
                row: Some(row.number),
                column: type_header,
                code: "dropped".into(),
                message: format!(
                    "{} is device or interview metadata; Salama does not collect it and leaves the row out",
                    quoted(written_type)
                ),
            }),
            RowType::EndGroup | RowType::EndRepeat => {
                let repeat = matches!(kind, RowType::EndRepeat);
                match nesting.stack.pop() {
                    None => self.problem(
                        SheetKind::Survey,
                        Some(row.number),
                        type_header,
                        "unmatched_end",
                        format!(
                            "{} closes nothing: no group or repeat is open",
                            quoted(written_type)
                        ),
                    ),
                    Some(frame) => {
                        if frame.repeat != repeat {
                            self.problem(
                                SheetKind::Survey,
                                Some(row.number),
                                type_header,
                                "unmatched_end",
                                format!(
                                    "{} closes `{}` opened on row {} as a {}",
                                    quoted(written_type),
                                    frame.name,
                                    frame.row,
                                    if frame.repeat { "repeat" } else { "group" }
                                ),
                            );
                        }
                        self.close(frame, nesting, survey);
                    }
                }
            }
            _ => return false,
        }
        true
    }

    /// The row's name when it is present and not used before; otherwise
    /// the problem is reported and `None` returned.
    fn new_name<'r>(
        &mut self,
        row: &'r Row,
        kind: &RowType,
        written_type: &str,
        walk: &mut Walk<'_>,
        nesting: &mut Nesting,
    ) -> Option<&'r str> {
        let name = walk
            .name_column
            .as_ref()
            .map_or("", |column| row.cell(column.index));
        let name_header = walk.name_column.as_ref().map(|c| c.header.clone());
        if name.is_empty() {
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                name_header.or_else(|| Some("name".into())),
                "missing_name",
                format!("a row of type {} needs a name", quoted(written_type)),
            );
            open_unnamed(kind, row, nesting);
            return None;
        }
        // A group inside another is no id in Salama (its relevance goes onto
        // its questions), and pyxform lets its name repeat elsewhere.
        if matches!(kind, RowType::BeginGroup) && !nesting.stack.is_empty() {
            return Some(name);
        }
        if let Some(first) = walk.used.get(name) {
            let message = format!(
                "name {} is used already on row {first}; names are unique in a form",
                quoted(name)
            );
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                name_header,
                "duplicate_name",
                message,
            );
            open_unnamed(kind, row, nesting);
            return None;
        }
        walk.used.insert(name.to_owned(), row.number);
        Some(name)
    }

    /// A group or repeat being opened, with Salama's own columns on its row.
    fn frame(
        &mut self,
        row: &Row,
        name: &str,
        repeat: bool,
        label: Text,
        relevant: Option<Expression>,
        names: &HashSet<String>,
    ) -> Frame {
        let rows = if repeat {
            self.repeat_rows(row)
        } else {
            (0, 1)
        };
        let sensitive = yes(self.headers[&SheetKind::Survey].cell(row, "sensitive").0);
        let plain = |base: &str| {
            let (text, _) = self.headers[&SheetKind::Survey].cell(row, base);
            (!text.is_empty()).then(|| text.to_owned())
        };
        let (code, source) = (plain("code"), plain("source"));
        let extra = FrameExtra {
            row_label: self.optional_text(SheetKind::Survey, row, "row_label"),
            hint: self.optional_text(SheetKind::Survey, row, "hint"),
            code,
            source,
            drawn_among: self.expression(row, "drawn_among", names),
            referrals: self.optional_text(SheetKind::Survey, row, "referrals"),
        };
        Frame {
            repeat,
            name: name.to_owned(),
            row: row.number,
            label,
            relevant,
            rows,
            sensitive,
            extra,
            items: Vec::new(),
        }
    }

    /// pyxform's `or_other`: the list with a choice `other` added, and a
    /// text question `NAME_other` asked when it is chosen, both labelled in
    /// English (noted, so the author can word them).
    fn or_other(
        &mut self,
        row: &Row,
        mut question: Question,
        list: &str,
        survey: &Survey,
        used: &mut HashMap<String, u32>,
    ) -> Vec<Question> {
        let other_name = format!("{}{OTHER_SUFFIX}", question.id);
        if let Some(first) = used.get(&other_name) {
            let header = self.headers[&SheetKind::Survey].header_for("type", None, "");
            let message = format!(
                "`or_other` adds a question `{other_name}`, but that name is used already on row {first}"
            );
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                Some(header),
                "duplicate_name",
                message,
            );
            return vec![question];
        }
        used.insert(other_name.clone(), row.number);
        let Some(original) = survey.choice_list(list) else {
            return vec![question];
        };
        let with_other = if original.choices.iter().any(|c| c.value == "other") {
            list.to_owned()
        } else {
            let id = format!("{list}{OTHER_SUFFIX}");
            if !self.extra_lists.iter().any(|known| known.id == id) {
                let mut choices = original.choices.clone();
                choices.push(Choice {
                    value: "other".into(),
                    label: self.everywhere("Other"),
                    missing: None,
                    exclusive: false,
                    columns: BTreeMap::new(),
                });
                self.extra_lists.push(ChoiceList {
                    id: id.clone(),
                    choices,
                });
            }
            id
        };
        match &mut question.kind {
            QuestionKind::Single { list } | QuestionKind::Multiple { list, .. } => {
                *list = with_other;
            }
            _ => {}
        }
        let place = Place {
            sheet: SheetKind::Survey,
            row: Some(row.number),
        };
        self.places.insert(format!("questions.{other_name}"), place);
        let header = self.headers[&SheetKind::Survey].header_for("type", None, "");
        self.notes.push(ImportProblem {
            sheet: Some(self.headers[&SheetKind::Survey].sheet.clone()),
            row: Some(row.number),
            column: Some(header),
            code: "or_other".into(),
            message: format!(
                "`or_other` adds the choice `other` (\"Other\") and the question `{other_name}` (\"Specify other.\"), in English in every language; for your own words, add an `other` choice and a text question"
            ),
        });
        let relevant = Expression::new(format!("selected(${{{}}}, 'other')", question.id));
        let specify = Question {
            id: other_name,
            code: None,
            label: self.everywhere("Specify other."),
            hint: None,
            kind: QuestionKind::Text {
                max_length: TEXT_MAX_LENGTH,
            },
            required: Required::Always(false),
            relevant: and(question.relevant.as_ref(), Some(relevant)),
            constraint: None,
            constraint_message: None,
            choice_filter: None,
            source: None,
            appearance: None,
            default: None,
            microdata_safe: false,
        };
        vec![question, specify]
    }

    /// A `role` cell: the question's part in disaggregation, at the member
    /// level inside a repeat and the respondent level outside.
    fn role(&mut self, row: &Row, name: &str, in_roster: bool) {
        let (written, column) = self.headers[&SheetKind::Survey].cell(row, "role");
        if written.is_empty() {
            return;
        }
        let header = column.map(|c| c.header.clone());
        let level = if in_roster {
            Level::Member
        } else {
            Level::Respondent
        };
        let question = name.to_owned();
        let role = match written.to_ascii_lowercase().as_str() {
            "sex" => Role::Sex { level, question },
            "age" => Role::Age { level, question },
            "location" => Role::Location { level, question },
            "displacement" => Role::Displacement {
                level,
                question,
                household: false,
            },
            // The household's situation, which its members share.
            "household_displacement" if !in_roster => Role::Displacement {
                level,
                question,
                household: true,
            },
            "urban_rural" => Role::UrbanRural { level, question },
            "disability" => {
                // One role per level, its domains in row order; the cut-off
                // comes from the settings' `disabled_if`.
                let existing = self.roles.iter_mut().find_map(|role| match role {
                    Role::Disability {
                        level: at,
                        questions,
                        ..
                    } if *at == level => Some(questions),
                    _ => None,
                });
                if let Some(questions) = existing {
                    questions.push(question);
                    return;
                }
                Role::Disability {
                    level,
                    questions: vec![question],
                    disabled_if: Vec::new(),
                }
            }
            _ => {
                let message = format!(
                    "role {} is not one of sex, age, location, disability, displacement, household_displacement (outside repeats), urban_rural",
                    quoted(written)
                );
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "invalid_value",
                    message,
                );
                return;
            }
        };
        self.places.insert(
            format!("roles[{}]", self.roles.len()),
            Place {
                sheet: SheetKind::Survey,
                row: Some(row.number),
            },
        );
        self.roles.push(role);
    }

    /// `(min_rows, max_rows)` of a repeat: exactly `repeat_count` when it is
    /// a number, else open-ended up to [`ROSTER_MAX_ROWS`].
    fn repeat_rows(&mut self, row: &Row) -> (u32, u32) {
        let (count, column) = self.headers[&SheetKind::Survey].cell(row, "repeat_count");
        if count.is_empty() {
            // Salama's `min_rows` and `max_rows`: an open-ended roster's bounds.
            let mut bound = |base: &str, default: u32| {
                let (written, column) = self.headers[&SheetKind::Survey].cell(row, base);
                if written.is_empty() {
                    return default;
                }
                match written.parse::<u32>() {
                    Ok(n) if n <= 1000 => n,
                    _ => {
                        let header = column.map(|c| c.header.clone());
                        let message = format!(
                            "{base} {}: give a number of rows from 0 to 1000",
                            quoted(written)
                        );
                        self.problem(
                            SheetKind::Survey,
                            Some(row.number),
                            header,
                            "invalid_value",
                            message,
                        );
                        default
                    }
                }
            };
            return (bound("min_rows", 0), bound("max_rows", ROSTER_MAX_ROWS));
        }
        match count.parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => (n, n),
            _ => {
                let header = column.map(|c| c.header.clone());
                let message = format!(
                    "repeat_count {}: Salama takes a number of rows from 1 to 1000 here; a count read from an answer is not supported yet (leave it empty for up to {ROSTER_MAX_ROWS} rows)",
                    quoted(count)
                );
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "unsupported_value",
                    message,
                );
                (0, ROSTER_MAX_ROWS)
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn question(
        &mut self,
        row: &Row,
        name: &str,
        kind: &RowType,
        label: Text,
        relevant: Option<Expression>,
        names: &HashSet<String>,
        lists: &HashSet<&str>,
        list_names: &[&str],
    ) -> Option<Question> {
        let headers = &self.headers[&SheetKind::Survey];
        let type_header = headers.plain("type").map(|c| c.header.clone());
        let (written_type, _) = headers.cell(row, "type");
        let (calculation_text, calculation_column) = headers.cell(row, "calculation");
        let calculation_header = calculation_column.map(|c| c.header.clone());
        let (required_text, _) = headers.cell(row, "required");
        let required_text = required_text.to_owned();
        let written_type = written_type.to_owned();
        let has_calculation = !calculation_text.is_empty();
        let calculation = self.expression(row, "calculation", names);
        let mut constraint = self.expression(row, "constraint", names);
        let choice_filter =
            self.expression_as(row, "choice_filter", names, Expression::choice_filter);
        let required = if no(&required_text) {
            Required::Always(false)
        } else if yes(&required_text) {
            Required::Always(true)
        } else {
            self.expression(row, "required", names)
                .map_or(Required::Always(false), Required::When)
        };
        let default = self.default(row);
        let mut fine = default.is_ok();
        let row_kind = kind;
        // Salama's `min`, `max`, `max_length`, `min_choices`, `max_choices`.
        let number = |this: &mut Self, base: &str| -> Option<f64> {
            let (written, column) = this.headers[&SheetKind::Survey].cell(row, base);
            if written.is_empty() {
                return None;
            }
            let (written, header) = (written.to_owned(), column.map(|c| c.header.clone()));
            match written.parse::<f64>() {
                Ok(n) if n.is_finite() => Some(n),
                _ => {
                    this.problem(
                        SheetKind::Survey,
                        Some(row.number),
                        header,
                        "invalid_value",
                        format!("{base} {} is not a number", quoted(&written)),
                    );
                    None
                }
            }
        };
        // A bound that must be whole (and, for a count, not negative).
        let whole = |this: &mut Self, base: &str, counted: bool| -> Option<f64> {
            let n = number(this, base)?;
            let fits = n.fract() == 0.0
                && n.abs() < 1e15
                && (!counted || (0.0..=f64::from(u32::MAX)).contains(&n));
            if !fits {
                let header = this.headers[&SheetKind::Survey]
                    .cell(row, base)
                    .1
                    .map(|c| c.header.clone());
                let what = if counted {
                    "a whole number from 0"
                } else {
                    "a whole number"
                };
                this.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    header,
                    "invalid_value",
                    format!("{base} {n}: give {what}"),
                );
            }
            fits.then_some(n)
        };
        let list_of = match kind {
            RowType::Select { list, .. } | RowType::Ordinal(list) => Some(list),
            _ => None,
        };
        if let Some(list) = list_of
            && !lists.contains(list.as_str())
            && !self.extra_lists.iter().any(|extra| extra.id == *list)
        {
            let there = if list_names.is_empty() {
                "the choices sheet has no lists".to_owned()
            } else {
                let mut shown: Vec<&str> = list_names.iter().take(20).copied().collect();
                if list_names.len() > 20 {
                    shown.push("…");
                }
                format!("lists there: {}", shown.join(", "))
            };
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                type_header.clone(),
                "unknown_list",
                format!(
                    "type {} names no list in the choices sheet; {there}",
                    quoted(&written_type)
                ),
            );
            fine = false;
        }
        let kind = match kind {
            RowType::Ordinal(list) => QuestionKind::Ordinal { list: list.clone() },
            RowType::YesNo => QuestionKind::YesNo,
            RowType::Select { multiple, list, .. } => {
                if *multiple {
                    let min_choices = whole(self, "min_choices", true).map(|n| n as u32);
                    let max_choices = whole(self, "max_choices", true).map(|n| n as u32);
                    QuestionKind::Multiple {
                        list: list.clone(),
                        min_choices,
                        max_choices,
                    }
                } else {
                    QuestionKind::Single { list: list.clone() }
                }
            }
            RowType::Integer => QuestionKind::Integer {
                min: whole(self, "min", false).map(|n| n as i64),
                max: whole(self, "max", false).map(|n| n as i64),
            },
            RowType::Decimal => QuestionKind::Decimal {
                min: number(self, "min"),
                max: number(self, "max"),
            },
            RowType::Text => QuestionKind::Text {
                max_length: whole(self, "max_length", true).map_or(TEXT_MAX_LENGTH, |n| n as u32),
            },
            RowType::Date => QuestionKind::Date,
            RowType::Time => QuestionKind::Time,
            RowType::DateTime => QuestionKind::DateTime,
            RowType::Acknowledge => QuestionKind::Single {
                list: self.acknowledgement_list(lists),
            },
            RowType::Range => match self.range(row) {
                Some((kind, step_rule)) => {
                    constraint = and(constraint.as_ref(), step_rule);
                    kind
                }
                None => {
                    fine = false;
                    QuestionKind::Note
                }
            },
            RowType::AdminArea(levels) => QuestionKind::AdminArea {
                levels: levels.unwrap_or(self.area_depth),
            },
            RowType::Note => QuestionKind::Note,
            RowType::Calculate => match calculation.clone() {
                Some(calculation) => QuestionKind::Calculate { calculation },
                None => {
                    if !has_calculation {
                        self.problem(
                            SheetKind::Survey,
                            Some(row.number),
                            calculation_header
                                .clone()
                                .or_else(|| Some("calculation".into())),
                            "missing_calculation",
                            "a `calculate` row needs a calculation".into(),
                        );
                    }
                    fine = false;
                    QuestionKind::Note
                }
            },
            _ => return None,
        };
        if has_calculation && !matches!(kind, QuestionKind::Calculate { .. }) && fine {
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                calculation_header,
                "unsupported_column",
                format!(
                    "a calculation on a {} row is not supported: Salama computes only `calculate` rows",
                    quoted(&written_type)
                ),
            );
            fine = false;
        }
        let label = if !label.0.is_empty() {
            label
        } else if matches!(row_kind, RowType::Calculate) {
            self.everywhere(name)
        } else {
            let header = self.headers[&SheetKind::Survey].header_for(
                "label",
                Some(&self.default_language),
                &self.default_language,
            );
            self.problem(
                SheetKind::Survey,
                Some(row.number),
                Some(header),
                "missing_label",
                format!("a row of type {} needs a label", quoted(&written_type)),
            );
            fine = false;
            self.everywhere(name)
        };
        if !fine {
            return None;
        }
        let headers = &self.headers[&SheetKind::Survey];
        let code = Some(headers.cell(row, "code").0.to_owned()).filter(|code| !code.is_empty());
        let source = Some(headers.cell(row, "source").0.to_owned()).filter(|s| !s.is_empty());
        let microdata_safe = yes(headers.cell(row, "microdata_safe").0);
        let appearance =
            Some(headers.cell(row, "appearance").0.to_owned()).filter(|a| !a.is_empty());
        Some(Question {
            id: name.to_owned(),
            code,
            label,
            hint: self.optional_text(SheetKind::Survey, row, "hint"),
            kind,
            required,
            relevant,
            constraint,
            constraint_message: self.optional_text(SheetKind::Survey, row, "constraint_message"),
            choice_filter,
            source,
            appearance,
            default: default.ok().flatten(),
            microdata_safe,
        })
    }

    /// The list a `select_one_from_file` row's file becomes, read once
    /// however many rows name it; none when it is refused (said at the row).
    fn list_from_file(&mut self, row: &Row, file: &str, lists: &HashSet<&str>) -> Option<String> {
        if let Some(known) = self.file_lists.get(file) {
            return known.clone();
        }
        let list = self.read_list_file(row, file, lists);
        self.file_lists.insert(file.to_owned(), list.clone());
        list
    }

    fn read_list_file(&mut self, row: &Row, file: &str, lists: &HashSet<&str>) -> Option<String> {
        let header = self.headers[&SheetKind::Survey].header_for("type", None, "");
        let refuse = |this: &mut Self, code: &str, message: String| {
            this.problem(
                SheetKind::Survey,
                Some(row.number),
                Some(header.clone()),
                code,
                message,
            );
        };
        if !files::is_plain_file_name(file) {
            let csv = file.to_ascii_lowercase().ends_with(".csv");
            let message = format!(
                "{}: a file of choices is named by its file name alone, a .csv file beside the workbook (`towns.csv`){}",
                quoted(file),
                if csv {
                    ""
                } else {
                    "; choices from .xml or .geojson files are not supported"
                }
            );
            refuse(self, "invalid_file_name", message);
            return None;
        }
        let sheet = match self
            .files
            .get(file)
            .and_then(|bytes| files::csv_sheet(file, &bytes))
        {
            Ok(sheet) => sheet,
            Err(message) => {
                refuse(self, "missing_file", message);
                return None;
            }
        };
        let mut headers = self.headers_of(SheetKind::Choices, &sheet);
        headers.sheet_kind = None;
        let before = self.problems.len();
        if !headers.columns.iter().any(|column| column.base == "label") {
            self.problems.push(ImportProblem {
                sheet: Some(file.to_owned()),
                row: Some(headers.row),
                column: None,
                code: "missing_column".into(),
                message: "a file of choices needs the columns `name` and `label` in its first row"
                    .into(),
            });
        }
        let mut id = files::list_id(file);
        while lists.contains(id.as_str()) || self.extra_lists.iter().any(|list| list.id == id) {
            id.push('_');
        }
        let list = self.choices_from(&headers, &sheet.rows, Some(&id)).pop();
        if self.problems.len() > before {
            return None;
        }
        let Some(list) = list else {
            refuse(self, "empty_file", format!("`{file}` holds no choices"));
            return None;
        };
        let place = Place {
            sheet: SheetKind::Survey,
            row: Some(row.number),
        };
        self.places.insert(format!("choice_lists.{id}"), place);
        self.extra_lists.push(list);
        Some(id)
    }

    /// The list an `acknowledge` row picks from: its one choice `OK`, the
    /// value ODK records, worded "OK" in every language (noted once, so the
    /// author can word it). Named apart from the choices sheet's lists.
    fn acknowledgement_list(&mut self, lists: &HashSet<&str>) -> String {
        let mut id = ACKNOWLEDGEMENT_LIST.to_owned();
        while lists.contains(id.as_str()) {
            id.push('_');
        }
        if !self.extra_lists.iter().any(|known| known.id == id) {
            let choice = Choice {
                value: "OK".into(),
                label: self.everywhere("OK"),
                missing: None,
                exclusive: false,
                columns: BTreeMap::new(),
            };
            self.extra_lists.push(ChoiceList {
                id: id.clone(),
                choices: vec![choice],
            });
            self.notes.push(ImportProblem {
                sheet: Some(self.headers[&SheetKind::Survey].sheet.clone()),
                row: None,
                column: None,
                code: "acknowledge".into(),
                message: format!(
                    "`acknowledge` is asked as a choice of one option `OK` (\"OK\" in every language), from the list `{id}`; for your own words, use `select_one` with a list of one choice"
                ),
            });
        }
        id
    }

    /// A `range` row as a number question: its `parameters` cell
    /// (`start=1 end=10 step=1`, pyxform's defaults for what is left out)
    /// bound it; a whole step other than 1 becomes a rule ANDed onto the
    /// constraint, since the clients show a number box, not a slider.
    fn range(&mut self, row: &Row) -> Option<(QuestionKind, Option<Expression>)> {
        let (written, column) = self.headers[&SheetKind::Survey].cell(row, "parameters");
        let (written, header) = (
            written.to_owned(),
            column.map_or_else(|| "parameters".to_owned(), |c| c.header.clone()),
        );
        let mut problems = Vec::new();
        let (mut start, mut end, mut step) = (1.0, 10.0, 1.0);
        for pair in written
            .split([' ', ';', ','])
            .filter(|pair| !pair.is_empty())
        {
            let parsed = pair
                .split_once('=')
                .map(|(key, value)| (key.trim().to_ascii_lowercase(), value.trim().parse::<f64>()));
            match parsed {
                Some((key, Ok(value))) if value.is_finite() && value.abs() < 1e15 => {
                    match key.as_str() {
                        "start" => start = value,
                        "end" => end = value,
                        "step" => step = value,
                        _ => problems.push(format!(
                            "{} is not a parameter of `range`: give start, end and step",
                            quoted(pair)
                        )),
                    }
                }
                _ => problems.push(format!(
                    "{}: give `name=number`, as in `start=0 end=10 step=1`",
                    quoted(pair)
                )),
            }
        }
        if step <= 0.0 {
            problems.push(format!("step {step}: give a number above 0"));
        }
        if !problems.is_empty() {
            for message in problems {
                self.problem(
                    SheetKind::Survey,
                    Some(row.number),
                    Some(header.clone()),
                    "invalid_value",
                    message,
                );
            }
            return None;
        }
        let (min, max) = (start.min(end), start.max(end));
        if [start, end, step].iter().all(|n| n.fract() == 0.0) {
            let step_rule =
                (step != 1.0).then(|| Expression::new(format!("(. - ({start})) mod {step} = 0")));
            let kind = QuestionKind::Integer {
                min: Some(min as i64),
                max: Some(max as i64),
            };
            return Some((kind, step_rule));
        }
        self.notes.push(ImportProblem {
            sheet: Some(self.headers[&SheetKind::Survey].sheet.clone()),
            row: Some(row.number),
            column: Some(header),
            code: "step_not_enforced".into(),
            message: format!(
                "a decimal `range` is asked as a number from {min} to {max}; its step {step} is not enforced"
            ),
        });
        let kind = QuestionKind::Decimal {
            min: Some(min),
            max: Some(max),
        };
        Some((kind, None))
    }

    /// Ends a group or repeat: a section at the top, a roster for a repeat,
    /// else its questions go up with its relevance ANDed on.
    fn close(&mut self, frame: Frame, nesting: &mut Nesting, survey: &Survey) {
        if frame.name.is_empty() {
            return;
        }
        if frame.repeat {
            let roster = Question {
                id: frame.name.clone(),
                code: frame.extra.code,
                label: frame.label.clone(),
                hint: frame.extra.hint,
                kind: QuestionKind::Roster {
                    min_rows: frame.rows.0,
                    max_rows: frame.rows.1,
                    row_label: frame.extra.row_label.unwrap_or(frame.label),
                    questions: frame.items,
                },
                required: Required::Always(false),
                relevant: frame.relevant,
                constraint: None,
                constraint_message: None,
                choice_filter: None,
                source: frame.extra.source,
                // A repeat's appearance (`field-list`, `table-list`) asks
                // for how rows are laid out; the roster has one layout.
                appearance: None,
                default: None,
                microdata_safe: false,
            };
            nesting.add([roster]);
            return;
        }
        if nesting.stack.is_empty() {
            self.flush(nesting, survey);
            if frame.items.is_empty() {
                self.problem(
                    SheetKind::Survey,
                    Some(frame.row),
                    None,
                    "empty_group",
                    format!(
                        "group `{}` has no questions; a top-level group becomes a section, which needs at least one",
                        frame.name
                    ),
                );
                return;
            }
            // Groups often carry no label (a `field-list` page, say): the
            // section is then titled as the survey, as loose questions are.
            let title = if frame.label.0.is_empty() {
                survey.title.clone()
            } else {
                frame.label
            };
            nesting.sections.push(Section {
                id: frame.name,
                title,
                relevant: frame.relevant,
                sensitive: frame.sensitive,
                drawn_among: frame.extra.drawn_among,
                referrals: frame.extra.referrals,
                questions: frame.items,
            });
            return;
        }
        let relevant = frame.relevant;
        let items = frame.items.into_iter().map(|mut question| {
            question.relevant = and(relevant.as_ref(), question.relevant.take());
            question
        });
        nesting.add(items);
    }

    /// Questions outside any group become a section titled as the survey.
    fn flush(&mut self, nesting: &mut Nesting, survey: &Survey) {
        let Nesting {
            sections, loose, ..
        } = nesting;
        if loose.is_empty() {
            return;
        }
        let mut number = sections.len() + 1;
        let id = loop {
            let id = format!("part_{number}");
            if !self.places.contains_key(&format!("sections.{id}"))
                && !sections.iter().any(|s| s.id == id)
            {
                break id;
            }
            number += 1;
        };
        sections.push(Section {
            id,
            title: survey.title.clone(),
            relevant: None,
            sensitive: false,
            drawn_among: None,
            referrals: None,
            questions: std::mem::take(loose),
        });
    }

    /// A check problem at the cell its path comes from, where known.
    fn locate(&self, problem: Problem) -> ImportProblem {
        let code = serde_json::to_value(problem.code)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| "invalid".into());
        let path = problem.path.as_str();
        let mut cuts: Vec<usize> = path.match_indices('.').map(|(at, _)| at).collect();
        cuts.push(path.len());
        for &cut in cuts.iter().rev() {
            let (prefix, rest) = (&path[..cut], path.get(cut + 1..).unwrap_or(""));
            let Some(place) = self.places.get(prefix) else {
                continue;
            };
            let headers = &self.headers[&place.sheet];
            let column = self.column_of(place.sheet, prefix, rest, &problem.code, headers);
            let sheet = if headers.sheet.is_empty() {
                place.sheet.key().to_owned()
            } else {
                headers.sheet.clone()
            };
            return ImportProblem {
                sheet: Some(sheet),
                row: place.row,
                column,
                code,
                message: problem.message,
            };
        }
        ImportProblem {
            sheet: None,
            row: None,
            column: None,
            code,
            message: format!("{}: {}", problem.path, problem.message),
        }
    }

    /// The header of the column a check path's field was read from.
    fn column_of(
        &self,
        sheet: SheetKind,
        prefix: &str,
        rest: &str,
        code: &ProblemCode,
        headers: &Headers,
    ) -> Option<String> {
        let default = self.default_language.as_str();
        let (field, language) = match rest.split_once('.') {
            Some((field, language)) => (field, Some(language)),
            None => (rest, None),
        };
        let base = match (sheet, prefix, field) {
            (SheetKind::Settings, "id", _) => "form_id",
            (SheetKind::Settings, "title", _) => "form_title",
            (SheetKind::Settings, "version", _) => "version",
            (SheetKind::Settings, "languages" | "default_language", _) => "default_language",
            (SheetKind::Settings, "channels", _) => "channels",
            (SheetKind::Settings, "description", _) => "description",
            (SheetKind::Settings, "safety_notice", _) => "safety_notice",
            (SheetKind::Settings, "consent", "script") => {
                return Some(headers.header_for("consent_script", language, default));
            }
            (SheetKind::Settings, "consent", "question") => {
                return Some(headers.header_for("consent_question", language, default));
            }
            (SheetKind::Settings, "consent", "minors") => {
                let mut parts = rest.splitn(3, '.').skip(1);
                let base = parts.next().unwrap_or("adult_age");
                return Some(headers.header_for(base, parts.next(), default));
            }
            (SheetKind::Settings, _, _) => return None,
            (SheetKind::Messages, _, _) => {
                let language = (!rest.is_empty()).then_some(rest);
                return Some(headers.header_for("label", language, default));
            }
            (SheetKind::Areas | SheetKind::Indicators, _, "name" | "label") => "label",
            (SheetKind::Indicators, _, "components") => "question",
            (SheetKind::Indicators, _, "denominator") => "denominator",
            (SheetKind::Indicators, _, "unit") => "unit",
            (SheetKind::Indicators, _, "code") => "code",
            (_, _, "label" | "title" | "row_label") => "label",
            (_, _, "hint") => "hint",
            (_, _, "constraint_message") => "constraint_message",
            (_, _, "relevant") => "relevant",
            (_, _, "constraint") => "constraint",
            (_, _, "choice_filter") => "choice_filter",
            (_, _, "default") => "default",
            (_, _, "required") => "required",
            (_, _, "kind") if rest == "kind.calculation" => "calculation",
            (_, _, "kind") => "type",
            (_, prefix, _) if prefix.starts_with("roles[") => "role",
            (_, _, "") if matches!(code, ProblemCode::InvalidId | ProblemCode::DuplicateId) => {
                "name"
            }
            _ => return None,
        };
        let language = match (sheet, prefix) {
            // `title.fr`, `description.fr`: the language is the whole rest.
            (SheetKind::Settings, _) if !rest.is_empty() => Some(rest),
            (SheetKind::Settings, _) => None,
            _ if TEXT_COLUMNS.contains(&base) => language,
            _ => None,
        };
        Some(headers.header_for(base, language, default))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_read_by_code_or_name() {
        assert_eq!(language_code("English (en)").as_deref(), Ok("en"));
        assert_eq!(language_code("Español (es)").as_deref(), Ok("es"));
        assert_eq!(language_code("fr-CA").as_deref(), Ok("fr-CA"));
        assert_eq!(language_code("FR").as_deref(), Ok("fr"));
        assert_eq!(language_code("english").as_deref(), Ok("en"));
        assert_eq!(language_code("Français").as_deref(), Ok("fr"));
        assert!(language_code("Klingon").is_err());
        assert!(language_code("Klingon (klingon)").is_err());
    }

    #[test]
    fn types_are_read_in_every_spelling() {
        assert!(matches!(
            row_type("select_one yes_no"),
            RowType::Select { multiple: false, ref list, or_other: false } if list == "yes_no"
        ));
        assert!(matches!(
            row_type("Select Multiple Reasons"),
            RowType::Select { multiple: true, ref list, or_other: false } if list == "Reasons"
        ));
        assert!(matches!(row_type("begin group"), RowType::BeginGroup));
        assert!(matches!(row_type("BEGIN_REPEAT"), RowType::BeginRepeat));
        assert!(matches!(row_type("deviceid"), RowType::Metadata));
        assert!(
            matches!(row_type("geopoint"), RowType::Refused(ref why) if why == NO_GPS_OR_MEDIA)
        );
        assert!(matches!(
            row_type("select_one yes_no or_other"),
            RowType::Select { or_other: true, .. }
        ));
        assert!(matches!(row_type("integer extra"), RowType::Unknown));
        assert!(matches!(row_type("selct_one x"), RowType::Unknown));
    }

    /// Spellings pyxform reads, met in public forms written years ago.
    #[test]
    fn older_pyxform_spellings_are_read() {
        assert!(matches!(
            row_type("select one from relationships"),
            RowType::Select { multiple: false, ref list, or_other: false } if list == "relationships"
        ));
        assert!(matches!(
            row_type("select all that apply from toilet_type or specify other"),
            RowType::Select { multiple: true, ref list, or_other: true } if list == "toilet_type"
        ));
        assert!(matches!(
            row_type("select1 sexes or other"),
            RowType::Select {
                multiple: false,
                or_other: true,
                ..
            }
        ));
        assert!(matches!(
            row_type("add select multiple prompt using crops"),
            RowType::Select { multiple: true, .. }
        ));
        assert!(matches!(
            row_type("begin looped group"),
            RowType::BeginRepeat
        ));
        assert!(matches!(row_type("end lgroup"), RowType::EndRepeat));
        assert!(matches!(
            row_type("begin loop over toilet_type"),
            RowType::Refused(ref why) if why.contains("loop over a list")
        ));
        assert!(matches!(row_type("select one from"), RowType::Refused(_)));
        assert!(matches!(row_type("phone number"), RowType::Metadata));
        assert!(matches!(row_type("get device id"), RowType::Metadata));
        assert!(matches!(row_type("gps"), RowType::Refused(ref why) if why == NO_GPS_OR_MEDIA));
        assert!(matches!(
            row_type("select_one_external towns"),
            RowType::Refused(_)
        ));
    }

    #[test]
    fn dynamic_defaults_are_told_from_static_ones() {
        for dynamic in [
            "${age}",
            "today()",
            "concat('a', ${b})",
            "jr:choice-name(x)",
        ] {
            assert!(is_dynamic(dynamic), "{dynamic}");
        }
        for fixed in [
            "yes",
            "a b",
            "2024-01-31",
            "-3.5",
            "(none)",
            "=1+1",
            "12:30",
        ] {
            assert!(!is_dynamic(fixed), "{fixed}");
        }
    }

    #[test]
    fn near_misses_of_known_columns_are_caught() {
        assert_eq!(misspelt(SheetKind::Survey, "relevent"), Some("relevant"));
        assert_eq!(misspelt(SheetKind::Survey, "contraint"), Some("constraint"));
        assert_eq!(misspelt(SheetKind::Survey, "relevant"), None);
        assert_eq!(misspelt(SheetKind::Survey, "comments"), None);
        assert_eq!(misspelt(SheetKind::Survey, "note"), None);
        assert_eq!(misspelt(SheetKind::Survey, "labels"), Some("label"));
        assert_eq!(
            misspelt(SheetKind::Settings, "form_titel"),
            Some("form_title")
        );
    }

    #[test]
    fn relevance_is_anded_with_parentheses() {
        let outer = Expression::new("${a} = 1 or ${b} = 2");
        let joined = and(Some(&outer), Some(Expression::new("${c} > 0")));
        assert_eq!(
            joined.as_ref().map(Expression::source),
            Some("(${a} = 1 or ${b} = 2) and (${c} > 0)")
        );
        assert!(and(None, None).is_none());
    }
}
