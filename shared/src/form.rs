//! A survey prepared for evaluation: questions numbered, names resolved to
//! places, choice lists indexed. Building it is cheap (one pass over the
//! survey) and it borrows the survey, so the server can build one per
//! request and the client one per render.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::schema::{ChoiceList, Question, QuestionKind, Section, Survey};

/// Where a question's value lives during evaluation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Slot {
    /// A question outside any roster: index into [`Form::entries`].
    Top(usize),
    /// A question repeated in each row of a roster: the roster's index into
    /// [`Form::rosters`] and the question's index among the roster's questions.
    Member { roster: usize, index: usize },
}

#[derive(Debug)]
pub struct Entry<'s> {
    pub question: &'s Question,
    /// The question's choice list, resolved once.
    pub list: Option<&'s ChoiceList>,
    pub section: usize,
    /// For a roster question, its index into [`Form::rosters`].
    pub roster: Option<usize>,
    /// An earlier entry of the same section with the same `relevant`
    /// expression: XLSForm questionnaires repeat one condition on a run of
    /// questions, and it need only be evaluated once.
    pub same_relevance_as: Option<usize>,
    /// Neither the question nor its section has a `relevant` condition.
    pub unconditional: bool,
}

#[derive(Debug)]
pub struct Roster<'s> {
    /// The roster question's index into [`Form::entries`].
    pub entry: usize,
    pub question: &'s Question,
    pub members: &'s [Question],
    /// Each member question's choice list, resolved once.
    pub member_lists: Vec<Option<&'s ChoiceList>>,
    /// For each member question, an earlier member with the same `relevant`.
    pub member_same_relevance_as: Vec<Option<usize>>,
    pub min_rows: u32,
    pub max_rows: u32,
}

/// Question ids are short, trusted strings from the survey, looked up on
/// every `${reference}` and every submitted key. Hashing the length and the
/// first and last eight bytes is enough to tell them apart and costs a
/// fraction of SipHash; flooding is no concern because submitted keys only
/// ever probe the table, never enter it.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        // A final multiply spreads the bits hashbrown takes its control byte from.
        self.0.wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }

    fn write(&mut self, bytes: &[u8]) {
        let (head, tail) = match bytes.len() {
            0..8 => {
                let word = bytes
                    .iter()
                    .rev()
                    .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
                (word, 0)
            }
            length => {
                let word = |at: usize| {
                    let mut buffer = [0u8; 8];
                    buffer.copy_from_slice(&bytes[at..at + 8]);
                    u64::from_le_bytes(buffer)
                };
                (word(0), word(length - 8))
            }
        };
        self.0 = (self.0.rotate_left(5) ^ head ^ tail.rotate_left(29) ^ bytes.len() as u64)
            .wrapping_mul(0x0100_0000_01b3);
    }
}

type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;

#[derive(Debug)]
pub struct Form<'s> {
    pub survey: &'s Survey,
    pub sections: &'s [Section],
    pub entries: Vec<Entry<'s>>,
    pub rosters: Vec<Roster<'s>>,
    slots: FastMap<&'s str, Slot>,
}

/// Whether two questions carry the same, non-empty `relevant` expression.
fn shares_relevance(a: &Question, b: &Question) -> bool {
    matches!((&a.relevant, &b.relevant), (Some(x), Some(y)) if x.source() == y.source())
}

fn same_relevance<'q>(questions: impl Iterator<Item = &'q Question>) -> Vec<Option<usize>> {
    let questions: Vec<&Question> = questions.collect();
    (0..questions.len())
        .map(|i| {
            questions[i].relevant.as_ref()?;
            (0..i)
                .rev()
                .find(|&j| shares_relevance(questions[j], questions[i]))
        })
        .collect()
}

impl<'s> Form<'s> {
    /// Indexes a survey. A survey that fails [`Survey::check`] still yields a
    /// form (the first of duplicate ids wins; nested rosters are ignored),
    /// so evaluation never panics on a bad definition.
    pub fn new(survey: &'s Survey) -> Self {
        let mut lists =
            FastMap::with_capacity_and_hasher(survey.choice_lists.len(), Default::default());
        for list in &survey.choice_lists {
            lists.entry(list.id.as_str()).or_insert(list);
        }
        let list_of =
            |question: &Question| question.kind.list().and_then(|id| lists.get(id).copied());
        let mut entries = Vec::new();
        let mut rosters = Vec::new();
        let mut slots = FastMap::with_capacity_and_hasher(128, Default::default());
        for (section_index, section) in survey.sections.iter().enumerate() {
            for question in &section.questions {
                let entry = entries.len();
                let roster = match &question.kind {
                    QuestionKind::Roster {
                        questions,
                        min_rows,
                        max_rows,
                        ..
                    } => {
                        let roster = rosters.len();
                        for (index, member) in questions.iter().enumerate() {
                            slots
                                .entry(member.id.as_str())
                                .or_insert(Slot::Member { roster, index });
                        }
                        rosters.push(Roster {
                            entry,
                            question,
                            members: questions,
                            member_lists: questions.iter().map(list_of).collect(),
                            member_same_relevance_as: same_relevance(questions.iter()),
                            min_rows: *min_rows,
                            max_rows: *max_rows,
                        });
                        Some(roster)
                    }
                    _ => None,
                };
                slots
                    .entry(question.id.as_str())
                    .or_insert(Slot::Top(entry));
                // Only conditional questions can share a condition; most have none.
                let same_relevance_as = question.relevant.as_ref().and_then(|_| {
                    entries.iter().rposition(|earlier: &Entry<'_>| {
                        earlier.section == section_index
                            && shares_relevance(earlier.question, question)
                    })
                });
                let unconditional = question.relevant.is_none()
                    && section.relevant.is_none()
                    && section.drawn_among.is_none();
                entries.push(Entry {
                    question,
                    list: list_of(question),
                    section: section_index,
                    roster,
                    same_relevance_as,
                    unconditional,
                });
            }
        }
        Self {
            survey,
            sections: &survey.sections,
            entries,
            rosters,
            slots,
        }
    }

    pub fn slot(&self, id: &str) -> Option<Slot> {
        self.slots.get(id).copied()
    }

    /// The choice list of the question in `slot`, if it has one.
    pub fn list(&self, slot: Slot) -> Option<&'s ChoiceList> {
        match slot {
            Slot::Top(entry) => self.entries.get(entry)?.list,
            Slot::Member { roster, index } => *self.rosters.get(roster)?.member_lists.get(index)?,
        }
    }

    pub fn question(&self, slot: Slot) -> Option<&'s Question> {
        match slot {
            Slot::Top(entry) => self.entries.get(entry).map(|e| e.question),
            Slot::Member { roster, index } => self.rosters.get(roster)?.members.get(index),
        }
    }
}
