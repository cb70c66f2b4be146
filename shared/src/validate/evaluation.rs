//! Relevance and values, computed on demand and remembered, in the order the
//! expressions need them (XForms' dependency order without building the
//! graph). A cycle, which [`crate::Survey::check`] rejects, evaluates to empty.

use std::cell::{Cell, RefCell};

use super::answers::{Given, TypedAnswers};
use crate::date::Date;
use crate::expr::{Expression, Scope, Value, eval};
use crate::form::{Form, Slot};
use crate::schema::{Choice, Question, QuestionKind, Required};
use crate::selection::ModuleDraw;
use crate::submission::Answers;

pub(super) struct Evaluation<'a> {
    pub form: &'a Form<'a>,
    pub answers: TypedAnswers<'a>,
    today: Option<Date>,
    /// The language `jr:choice-name()` gives labels in.
    language: &'a str,
    sections: Vec<Cell<Known>>,
    /// One per question: top-level questions first, then each roster's cells
    /// row by row, starting at `roster_start`.
    relevance: Vec<Cell<Known>>,
    /// Calculated values by cell (allocated at the first calculation);
    /// answers need no memory, they are typed once. Indexed, not searched,
    /// so reading a calculation costs the same in row 1 as in row 30.
    calculated: RefCell<Vec<Option<Memo<Value<'a>>>>>,
    roster_start: Vec<usize>,
}

/// A remembered truth value: not yet known, being computed (a cycle), or known.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Known {
    Unknown,
    Busy,
    True,
    False,
}

/// A calculation being computed (a cycle if met again) or computed.
#[derive(Clone, Debug)]
enum Memo<T> {
    Busy,
    Known(T),
}

/// A roster row being evaluated: (roster index, row index).
pub(super) type Row = Option<(usize, usize)>;

impl<'a> Evaluation<'a> {
    /// `modules`: the draws recorded for drawn-member modules; a module is
    /// asked only after a draw with privacy confirmed.
    pub fn new(
        form: &'a Form<'a>,
        answers: TypedAnswers<'a>,
        (today, language): (Option<Date>, &'a str),
        modules: &[ModuleDraw],
    ) -> Self {
        let mut roster_start = Vec::with_capacity(form.rosters.len());
        let mut cells = form.entries.len();
        for (index, roster) in form.rosters.iter().enumerate() {
            roster_start.push(cells);
            cells += answers.rows(index) * roster.members.len();
        }
        Self {
            form,
            answers,
            today,
            language,
            sections: form
                .sections
                .iter()
                .map(|section| {
                    let closed = section.drawn_among.is_some()
                        && !modules
                            .iter()
                            .any(|draw| draw.privacy_confirmed && draw.section == section.id);
                    Cell::new(if closed { Known::False } else { Known::Unknown })
                })
                .collect(),
            relevance: vec![Cell::new(Known::Unknown); cells],
            calculated: RefCell::new(Vec::new()),
            roster_start,
        }
    }

    pub fn rows(&self, roster: usize) -> usize {
        self.answers.rows(roster)
    }

    fn cell(&self, slot: Slot, row: Option<usize>) -> Option<usize> {
        match (slot, row) {
            (Slot::Top(entry), _) => Some(entry),
            (Slot::Member { roster, index }, Some(row)) if row < self.rows(roster) => {
                let members = self.form.rosters[roster].members.len();
                Some(self.roster_start[roster] + row * members + index)
            }
            (Slot::Member { .. }, _) => None,
        }
    }

    pub fn given(&self, slot: Slot, row: Option<usize>) -> &Given<'a> {
        self.answers.given(self.form, slot, row)
    }

    fn scope(&self, row: Row, current: Value<'a>) -> RowScope<'_, 'a> {
        RowScope {
            evaluation: self,
            row,
            current,
            choice: None,
        }
    }

    /// Whether `question` (in `slot`) offers `choice` now: its
    /// `choice_filter` holds with bare names read from the choice. A filter
    /// that does not parse offers nothing (`Survey::check` refuses it).
    pub fn offers(&self, slot: Slot, row: Option<usize>, choice: &'a Choice) -> bool {
        let Some(filter) = self
            .form
            .question(slot)
            .and_then(|q| q.choice_filter.as_ref())
        else {
            return true;
        };
        let scope = RowScope {
            choice: Some(choice),
            ..self.scope(context(slot, row), Value::Empty)
        };
        filter
            .parsed()
            .is_ok_and(|expr| eval(expr, &scope).to_bool())
    }

    /// Remembers a truth value in `memo`, computing it at most once.
    fn remember(memo: &Cell<Known>, compute: impl FnOnce() -> bool) -> bool {
        match memo.get() {
            Known::True => return true,
            Known::False | Known::Busy => return false,
            Known::Unknown => {}
        }
        memo.set(Known::Busy);
        let known = compute();
        memo.set(if known { Known::True } else { Known::False });
        known
    }

    pub fn section_relevant(&self, section: usize) -> bool {
        let Some(memo) = self.sections.get(section) else {
            return false;
        };
        Self::remember(memo, || {
            self.form.sections[section]
                .relevant
                .as_ref()
                .is_none_or(|expr| self.holds(expr, None, Value::Empty))
        })
    }

    pub fn holds(&self, expression: &'a Expression, row: Row, current: Value<'a>) -> bool {
        match expression.parsed() {
            Ok(expr) => eval(expr, &self.scope(row, current)).to_bool(),
            Err(_) => false,
        }
    }

    pub fn eval(
        &self,
        expression: &'a Expression,
        row: Row,
        current: Value<'a>,
    ) -> Option<Value<'a>> {
        expression
            .parsed()
            .ok()
            .map(|expr| eval(expr, &self.scope(row, current)))
    }

    /// Whether a question applies: its section, its roster and its own
    /// `relevant` all hold.
    pub fn relevant(&self, slot: Slot, row: Option<usize>) -> bool {
        // Most questions carry no condition: they apply when their roster does.
        let form = self.form;
        match slot {
            Slot::Top(entry) if form.entries[entry].unconditional => return true,
            Slot::Member { roster, index }
                if form.rosters[roster].members[index].relevant.is_none() =>
            {
                return row.is_some_and(|row| row < self.rows(roster))
                    && self.relevant(Slot::Top(form.rosters[roster].entry), None);
            }
            _ => {}
        }
        let Some(memo) = self
            .cell(slot, row)
            .and_then(|cell| self.relevance.get(cell))
        else {
            return false;
        };
        Self::remember(memo, || self.compute_relevant(slot, row))
    }

    fn compute_relevant(&self, slot: Slot, row: Option<usize>) -> bool {
        let form = self.form;
        let alias = match slot {
            Slot::Top(entry) => form.entries[entry].same_relevance_as.map(Slot::Top),
            Slot::Member { roster, index } => form.rosters[roster].member_same_relevance_as[index]
                .map(|index| Slot::Member { roster, index }),
        };
        if let Some(alias) = alias {
            return self.relevant(alias, row);
        }
        let (entry, context) = match (slot, row) {
            (Slot::Top(entry), _) => (entry, None),
            (Slot::Member { roster, .. }, Some(row)) => {
                let roster_entry = form.rosters[roster].entry;
                if !self.relevant(Slot::Top(roster_entry), None) {
                    return false;
                }
                (roster_entry, Some((roster, row)))
            }
            (Slot::Member { .. }, None) => return false,
        };
        if !self.section_relevant(form.entries[entry].section) {
            return false;
        }
        let Some(question) = form.question(slot) else {
            return false;
        };
        question
            .relevant
            .as_ref()
            .is_none_or(|expr| self.holds(expr, context, Value::Empty))
    }

    /// The value other expressions see: empty when not relevant, computed
    /// (once) for calculations, the typed answer otherwise.
    pub fn value(&self, slot: Slot, row: Option<usize>) -> Value<'a> {
        if !self.relevant(slot, row) {
            return Value::Empty;
        }
        self.value_when_relevant(slot, row)
    }

    /// [`Self::value`] for a question already known to be relevant.
    pub fn value_when_relevant(&self, slot: Slot, row: Option<usize>) -> Value<'a> {
        let Some(question) = self.form.question(slot) else {
            return Value::Empty;
        };
        match &question.kind {
            QuestionKind::Calculate { calculation } => self.calculated(slot, row, calculation),
            QuestionKind::Roster { .. } => {
                let rows = match slot {
                    Slot::Top(entry) => self.form.entries[entry]
                        .roster
                        .map_or(0, |roster| self.rows(roster)),
                    Slot::Member { .. } => 0,
                };
                Value::List(vec![Value::Bool(true); rows])
            }
            _ => self.given(slot, row).value.clone(),
        }
    }

    /// Answers are already typed; only calculations need remembering, and
    /// guarding against cycles.
    fn calculated(&self, slot: Slot, row: Option<usize>, calculation: &'a Expression) -> Value<'a> {
        let Some(cell) = self.cell(slot, row) else {
            return Value::Empty;
        };
        let remembered = self.calculated.borrow().get(cell).cloned().flatten();
        match remembered {
            Some(Memo::Known(value)) => return value,
            Some(Memo::Busy) => return Value::Empty,
            None => {}
        }
        self.set_calculated(cell, Memo::Busy);
        let value = match self.eval(calculation, context(slot, row), Value::Empty) {
            Some(Value::Bool(b)) => Value::text(if b { "true" } else { "false" }),
            Some(other) => other,
            None => Value::Empty,
        };
        self.set_calculated(cell, Memo::Known(value.clone()));
        value
    }

    fn set_calculated(&self, cell: usize, memo: Memo<Value<'a>>) {
        let mut calculated = self.calculated.borrow_mut();
        if calculated.is_empty() {
            calculated.resize(self.relevance.len(), None);
        }
        if let Some(slot) = calculated.get_mut(cell) {
            *slot = Some(memo);
        }
    }

    pub fn required(&self, question: &'a Question, row: Row) -> bool {
        match &question.required {
            Required::Always(always) => *always,
            Required::When(expr) => self.holds(expr, row, Value::Empty),
        }
    }
}

/// The roster row a slot's expressions are evaluated in.
pub(super) fn context(slot: Slot, row: Option<usize>) -> Row {
    match (slot, row) {
        (Slot::Member { roster, .. }, Some(row)) => Some((roster, row)),
        _ => None,
    }
}

struct RowScope<'e, 'a> {
    evaluation: &'e Evaluation<'a>,
    row: Row,
    current: Value<'a>,
    /// The choice a `choice_filter` is deciding on.
    choice: Option<&'a Choice>,
}

impl<'a> Scope<'a> for RowScope<'_, 'a> {
    fn reference(&self, name: &str) -> Value<'a> {
        let evaluation = self.evaluation;
        match evaluation.form.slot(name) {
            None => Value::Empty,
            Some(slot @ Slot::Top(_)) => evaluation.value(slot, None),
            Some(slot @ Slot::Member { roster, .. }) => match self.row {
                Some((current, row)) if current == roster => evaluation.value(slot, Some(row)),
                _ => Value::List(
                    (0..evaluation.rows(roster))
                        .map(|row| evaluation.value(slot, Some(row)))
                        .collect(),
                ),
            },
        }
    }

    fn current(&self) -> Value<'a> {
        self.current.clone()
    }

    fn position(&self) -> Option<usize> {
        self.row.map(|(_, row)| row + 1)
    }

    fn today(&self) -> Option<Date> {
        self.evaluation.today
    }

    fn column(&self, name: &str) -> Value<'a> {
        let evaluation = self.evaluation;
        match evaluation.form.slot(name) {
            Some(slot @ Slot::Member { roster, .. }) => Value::List(
                (0..evaluation.rows(roster))
                    .map(|row| evaluation.value(slot, Some(row)))
                    .collect(),
            ),
            _ => self.reference(name),
        }
    }

    fn choice_column(&self, name: &str) -> Value<'a> {
        match self.choice {
            Some(choice) if name == "name" => Value::text(choice.value.as_str()),
            Some(choice) => choice
                .columns
                .get(name)
                .map_or(Value::Empty, |text| Value::text(text.as_str())),
            None => Value::Empty,
        }
    }

    fn choice_label(&self, question: &str, value: &str) -> Value<'a> {
        let evaluation = self.evaluation;
        let form = evaluation.form;
        let list = form.slot(question).and_then(|slot| form.list(slot));
        list.and_then(|list| list.choices.iter().find(|choice| choice.value == value))
            .map_or(Value::Empty, |choice| {
                Value::text(
                    choice
                        .label
                        .get(evaluation.language, &form.survey.default_language),
                )
            })
    }
}

/// What a form shows while it is being filled: which questions apply now and
/// what calculations give, from the same evaluation the validator uses.
pub struct Inspection<'a> {
    evaluation: Evaluation<'a>,
}

impl<'s> Form<'s> {
    /// Evaluates answers in progress. Typing problems are dropped here:
    /// [`Form::validate`] reports them.
    /// What applies to `answers`, with the modules `modules` opened.
    /// `language`: the one `jr:choice-name()` gives labels in.
    pub fn inspect<'a>(
        &'a self,
        answers: &'a Answers,
        (today, language): (Option<Date>, &'a str),
        modules: &[ModuleDraw],
    ) -> Inspection<'a> {
        let mut scratch = super::Report::new(self.survey, &self.survey.default_language);
        let typed = TypedAnswers::parse(self, answers, &mut scratch);
        Inspection {
            evaluation: Evaluation::new(self, typed, (today, language), modules),
        }
    }
}

impl<'a> Inspection<'a> {
    pub fn is_relevant(&self, id: &str, row: Option<usize>) -> bool {
        self.evaluation
            .form
            .slot(id)
            .is_some_and(|slot| self.evaluation.relevant(slot, row))
    }

    pub fn value(&self, id: &str, row: Option<usize>) -> Value<'a> {
        self.evaluation
            .form
            .slot(id)
            .map_or(Value::Empty, |slot| self.evaluation.value(slot, row))
    }

    pub fn is_required(&self, id: &str, row: Option<usize>) -> bool {
        let form = self.evaluation.form;
        let Some(slot) = form.slot(id) else {
            return false;
        };
        let Some(question) = form.question(slot) else {
            return false;
        };
        self.evaluation.required(question, context(slot, row))
    }

    /// Whether a condition holds for the answers, or for one row of a
    /// roster (`${member_question}` then reads that row).
    pub fn holds(&self, condition: &'a Expression, roster_row: Option<(&str, usize)>) -> bool {
        let form = self.evaluation.form;
        let row = match roster_row {
            None => None,
            Some((roster_id, row)) => match form.slot(roster_id) {
                Some(Slot::Top(entry)) => match form.entries[entry].roster {
                    Some(roster) => Some((roster, row)),
                    None => return false,
                },
                _ => return false,
            },
        };
        self.evaluation.holds(condition, row, Value::Empty)
    }

    /// The choices a select offers now (all of its list without a
    /// `choice_filter`), in the list's order.
    pub fn offered(&self, id: &str, row: Option<usize>) -> Vec<&'a Choice> {
        let evaluation = &self.evaluation;
        let Some(slot) = evaluation.form.slot(id) else {
            return Vec::new();
        };
        evaluation.form.list(slot).map_or_else(Vec::new, |list| {
            list.choices
                .iter()
                .filter(|choice| evaluation.offers(slot, row, choice))
                .collect()
        })
    }

    pub fn section_is_relevant(&self, section: usize) -> bool {
        self.evaluation.section_relevant(section)
    }

    pub fn rows(&self, roster_id: &str) -> usize {
        match self.evaluation.form.slot(roster_id) {
            Some(Slot::Top(entry)) => self.evaluation.form.entries[entry]
                .roster
                .map_or(0, |roster| self.evaluation.rows(roster)),
            _ => 0,
        }
    }
}
