//! A survey's fact rows held in memory as columns, so a table over a
//! million interviews is two passes over arrays instead of a query per
//! cell. The copy follows the database: appended rows are read
//! incrementally, anything else (weights uploaded, facts rebuilt) reloads it.

use std::collections::HashMap;

use salama_shared::date::Date;
use salama_shared::facts::{Counted, OutcomeRef, decode_outcomes};

use crate::store::{FactRow, FactState, Store, StoreResult, UnitLevel};

/// Interned text: id 0 is "no value".
#[derive(Clone, Debug, Default)]
pub struct Strings {
    texts: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Strings {
    fn intern(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return 0 };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        self.texts.push(text.to_owned());
        let id = u32::try_from(self.texts.len()).unwrap_or(u32::MAX);
        self.ids.insert(text.to_owned(), id);
        id
    }

    pub fn text(&self, id: u32) -> Option<&str> {
        id.checked_sub(1)
            .and_then(|at| self.texts.get(at as usize))
            .map(String::as_str)
    }

    pub fn id(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// How many ids exist, "no value" included: the size of a table
    /// indexed by id.
    pub fn id_count(&self) -> usize {
        self.texts.len() + 1
    }
}

/// One byte per unit and indicator component: 0 no outcome, else the
/// [`Counted`] state in the low two bits (1 no, 2 denominator, 3 numerator)
/// and the reported category's id in `categories` above them.
pub type OutcomeByte = u8;

pub const NO_AGE: i16 = i16::MIN;
pub const NO_DAY: i32 = i32::MIN;

#[derive(Clone, Debug, Default)]
pub struct Cube {
    loaded: bool,
    pub state: FactState,
    last_seq: i64,
    pub strings: Strings,
    /// Reported categories (DK, RA, …), at most 63.
    pub categories: Strings,
    pub channel: Vec<u32>,
    pub enumerator: Vec<u32>,
    pub day: Vec<i32>,
    pub sex: Vec<u32>,
    pub age: Vec<i16>,
    pub area: Vec<u32>,
    /// 0 unknown, 1 not disabled, 2 disabled.
    pub disability: Vec<u8>,
    pub displacement: Vec<u32>,
    pub urban_rural: Vec<u32>,
    /// Dense PSU index: the cluster, or the household when there is none.
    pub psu: Vec<u32>,
    pub psu_stratum: Vec<u32>,
    pub psu_has_cluster: Vec<bool>,
    pub weight: Vec<f64>,
    pub has_weight: Vec<bool>,
    /// Per (indicator, component): one [`OutcomeByte`] per unit.
    pub outcomes: HashMap<(String, u8), Vec<OutcomeByte>>,
    /// Unit indices ordered by PSU, so each PSU's units are adjacent.
    pub by_psu: Vec<u32>,
    clusters: HashMap<u32, u32>,
    last_submission: String,
}

impl Cube {
    pub fn len(&self) -> usize {
        self.channel.len()
    }

    /// Whether any unit held comes from this cluster.
    pub fn has_cluster(&self, cluster_id: &str) -> bool {
        self.strings
            .id(cluster_id)
            .is_some_and(|id| self.clusters.contains_key(&id))
    }

    pub fn is_empty(&self) -> bool {
        self.channel.is_empty()
    }

    /// `cube` brought up to date with the store, if it is not: rows
    /// written since are appended to a copy, and any other change reloads.
    pub async fn refreshed(
        cube: &Cube,
        store: &Store,
        survey_id: &str,
        level: UnitLevel,
    ) -> StoreResult<Option<Cube>> {
        let current = store.fact_state(survey_id).await?;
        if cube.loaded && current == cube.state {
            return Ok(None);
        }
        if cube.loaded && current.generation == cube.state.generation {
            let (state, rows) = store.load_facts(survey_id, level, cube.last_seq).await?;
            if state.generation == cube.state.generation {
                let mut grown = cube.clone();
                grown.append(rows.iter())?;
                grown.state = state;
                return Ok(Some(grown));
            }
        }
        let (state, rows) = store.load_facts(survey_id, level, 0).await?;
        // Stored by cluster, so a table's walk PSU by PSU reads memory in
        // order instead of jumping (interviews arrive interleaved).
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&rows[a], &rows[b]);
            (a.cluster_id.is_none(), &a.cluster_id, a.seq).cmp(&(
                b.cluster_id.is_none(),
                &b.cluster_id,
                b.seq,
            ))
        });
        let mut fresh = Cube::default();
        fresh.append(order.iter().map(|&at| &rows[at]))?;
        fresh.state = state;
        fresh.loaded = true;
        Ok(Some(fresh))
    }

    fn append<'r>(&mut self, rows: impl Iterator<Item = &'r FactRow>) -> StoreResult<()> {
        let start = self.len();
        let mut new_psus_only = true;
        for row in rows {
            // Checked before anything is pushed, so a row left out leaves
            // every column as long as the others.
            let Some(outcomes) = self.readable_outcomes(row) else {
                crate::skipped::log_skipped(
                    &row.submission_id,
                    crate::skipped::SkipReason::Unreadable,
                    "aggregates",
                );
                crate::skipped::count_skipped(1);
                continue;
            };
            let index = self.len();
            self.last_seq = self.last_seq.max(row.seq);
            let channel = self.strings.intern(Some(&row.channel));
            self.channel.push(channel);
            let enumerator = self.strings.intern(row.enumerator_id.as_deref());
            self.enumerator.push(enumerator);
            self.day.push(
                Date::parse(&row.completed_on)
                    .map(Date::days)
                    .unwrap_or(NO_DAY),
            );
            let sex = self.strings.intern(row.sex.as_deref());
            self.sex.push(sex);
            self.age.push(
                row.age
                    .and_then(|age| i16::try_from(age).ok())
                    .unwrap_or(NO_AGE),
            );
            let area = self.strings.intern(row.area.as_deref());
            self.area.push(area);
            self.disability.push(match row.disability {
                None => 0,
                Some(false) => 1,
                Some(true) => 2,
            });
            let displacement = self.strings.intern(row.displacement.as_deref());
            self.displacement.push(displacement);
            let urban_rural = self.strings.intern(row.urban_rural.as_deref());
            self.urban_rural.push(urban_rural);
            let stratum = self.strings.intern(row.stratum.as_deref());
            let psu = match &row.cluster_id {
                Some(cluster) => {
                    let cluster = self.strings.intern(Some(cluster));
                    match self.clusters.get(&cluster) {
                        Some(&psu) => {
                            new_psus_only = false;
                            psu
                        }
                        None => {
                            let psu = self.new_psu(stratum, true);
                            self.clusters.insert(cluster, psu);
                            psu
                        }
                    }
                }
                // Without a cluster, the household is the sampling unit:
                // a submission's units arrive together.
                None if row.submission_id == self.last_submission && index > 0 => {
                    self.psu[index - 1]
                }
                None => self.new_psu(stratum, false),
            };
            self.last_submission.clone_from(&row.submission_id);
            self.psu.push(psu);
            self.has_weight.push(row.weight.is_some());
            self.weight.push(row.weight.unwrap_or(1.0));
            for outcome in outcomes {
                let category = self.categories.intern(outcome.reported);
                let counted = match outcome.counted {
                    Counted::No => 1,
                    Counted::Denominator => 2,
                    Counted::Numerator => 3,
                };
                let column = self
                    .outcomes
                    .entry((outcome.indicator.to_owned(), outcome.component))
                    .or_default();
                column.resize(index + 1, 0);
                column[index] = counted | ((category as u8) << 2);
            }
        }
        let units = self.len();
        for column in self.outcomes.values_mut() {
            column.resize(units, 0);
        }
        let appended = (start..units).map(|i| u32::try_from(i).unwrap_or(u32::MAX));
        self.by_psu.extend(appended);
        if !new_psus_only {
            // Stable sort: the old order and the new tail are two runs.
            let psu = &self.psu;
            self.by_psu.sort_by_key(|&unit| psu[unit as usize]);
        }
        Ok(())
    }

    /// A row's outcomes if they decode and their reported categories fit the
    /// six bits a cell keeps for them.
    fn readable_outcomes<'r>(&self, row: &'r FactRow) -> Option<Vec<OutcomeRef<'r>>> {
        let outcomes = decode_outcomes(&row.outcomes)?;
        let mut new_categories: Vec<&str> = Vec::new();
        for reported in outcomes.iter().filter_map(|outcome| outcome.reported) {
            if self.categories.id(reported).is_none() && !new_categories.contains(&reported) {
                new_categories.push(reported);
            }
        }
        (self.categories.id_count() + new_categories.len() <= 64).then_some(outcomes)
    }

    fn new_psu(&mut self, stratum: u32, cluster: bool) -> u32 {
        self.psu_stratum.push(stratum);
        self.psu_has_cluster.push(cluster);
        u32::try_from(self.psu_stratum.len() - 1).unwrap_or(u32::MAX)
    }

    /// The outcome column of one indicator component, if any unit has one.
    pub fn outcome(&self, indicator: &str, component: u8) -> Option<&[OutcomeByte]> {
        self.outcomes
            .get(&(indicator.to_owned(), component))
            .map(Vec::as_slice)
    }
}
