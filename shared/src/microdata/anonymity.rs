//! k-anonymity of a microdata file: its quasi-identifiers (what an outsider
//! may know of a person: sex, age, area, household size…) are generalised
//! until every combination of them occurs at least k times, and the rows
//! that still stand out lose values cell by cell.
//!
//! Two passes over the same rows: [`Collector::add`] keeps, per row, one
//! small number per quasi-identifier (the distinct answers, not the rows'
//! text), [`Collector::plan`] chooses the generalisation and the cells to
//! suppress, and [`Plan::release`] rewrites the rows of the second pass,
//! leaving out any record that changed in between. The choice is greedy,
//! not optimal (optimal local suppression is NP-hard), but deterministic:
//! the same rows give the same file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use crate::aggregate::AgeScheme;

/// What a withheld or suppressed value is written as.
pub const WITHHELD: &str = "*";

/// Generalisation stops once this share of rows or fewer still stands out;
/// those rows lose values cell by cell instead. ARX's usual default: a
/// little suppression spares every other row a coarser column.
const SUPPRESSION_LIMIT: f64 = 0.05;

/// More quasi-identifiers than this are withheld whole: a row's suppressed
/// cells are one bit each.
const MAX_QUASI_IDENTIFIERS: usize = 63;

/// Household size: as counted up to 6, then banded; then in wider bands.
const SIZE_BANDS: [&[(u32, &str)]; 2] = [
    &[
        (0, "0"),
        (1, "1"),
        (2, "2"),
        (3, "3"),
        (4, "4"),
        (5, "5"),
        (6, "6"),
        (7, "7-9"),
        (10, "10+"),
    ],
    &[(0, "0"), (1, "1-2"), (3, "3-5"), (6, "6+")],
];

/// Children in the household: as counted up to 3, then 4+; then wider.
const CHILDREN_BANDS: [&[(u32, &str)]; 2] = [
    &[(0, "0"), (1, "1"), (2, "2"), (3, "3"), (4, "4+")],
    &[(0, "0"), (1, "1-2"), (3, "3+")],
];

/// How one quasi-identifier can be generalised, finest first; its last
/// level withholds it in every row.
#[derive(Clone, Debug, PartialEq)]
pub enum Scale {
    /// As answered, or withheld (sex, urban/rural, displacement,
    /// relationship).
    Category,
    /// Age in years: the policy's bands for the unit level (their last is
    /// the top code), then pairs of them, then withheld.
    Age(AgeScheme),
    /// An admin-area answer over several columns, top level first: at most
    /// `depth` levels, then one level fewer at a time, then withheld.
    Area { depth: usize },
    /// Washington Group items over several columns: as answered, then 1
    /// when the answer is one of `disabled_if` and 0 otherwise, then
    /// withheld.
    Difficulty { disabled_if: Vec<String> },
    /// `YYYY-MM`, then `YYYY-Qn`, then `YYYY`, then withheld.
    Month,
    /// Members of the household, banded, then in wider bands, then withheld.
    HouseholdSize,
    /// Members under 18, banded likewise.
    Children,
    /// A design variable (the stratum): kept, or withheld only when no
    /// other quasi-identifier can be generalised any more, since without
    /// it variances cannot be estimated.
    Design,
}

impl Scale {
    /// Levels, the withheld one included.
    fn levels(&self) -> usize {
        match self {
            Scale::Category | Scale::Design => 2,
            Scale::Age(_) | Scale::Difficulty { .. } => 3,
            Scale::HouseholdSize | Scale::Children => 3,
            Scale::Area { depth } => depth + 1,
            Scale::Month => 4,
        }
    }

    /// The text of each of the quasi-identifier's columns at `level`, from
    /// its cells as the layout wrote them.
    fn release(&self, raw: &[&str], level: usize) -> Vec<String> {
        if level + 1 >= self.levels() {
            return vec![WITHHELD.to_owned(); raw.len()];
        }
        let first = raw.first().copied().unwrap_or_default();
        match self {
            Scale::Category | Scale::Design => raw.iter().map(|cell| (*cell).to_owned()).collect(),
            Scale::Age(scheme) => vec![age_band(*scheme, first, level)],
            Scale::Area { depth } => {
                let kept = depth - level;
                raw.iter()
                    .enumerate()
                    .map(|(at, cell)| {
                        if at < kept {
                            (*cell).to_owned()
                        } else {
                            WITHHELD.to_owned()
                        }
                    })
                    .collect()
            }
            Scale::Difficulty { disabled_if } => raw
                .iter()
                .map(|cell| match (level, *cell) {
                    (0, cell) | (_, cell @ "") => cell.to_owned(),
                    (_, cell) if disabled_if.iter().any(|code| code == cell) => "1".to_owned(),
                    _ => "0".to_owned(),
                })
                .collect(),
            Scale::Month => vec![month(first, level)],
            Scale::HouseholdSize => vec![count_band(SIZE_BANDS[level], first)],
            Scale::Children => vec![count_band(CHILDREN_BANDS[level], first)],
        }
    }

    /// What `level` releases, for the codebook: `None` when as answered.
    fn describe(&self, level: usize) -> Released {
        if level + 1 >= self.levels() {
            return Released::Withheld;
        }
        match self {
            Scale::Category | Scale::Design => Released::AsAnswered,
            Scale::Age(scheme) => Released::Bands(age_bands(*scheme, level)),
            Scale::Area { depth } => Released::AreaLevels(depth - level),
            Scale::Difficulty { disabled_if } if level == 1 => {
                Released::Difficulty(disabled_if.join(", "))
            }
            Scale::Difficulty { .. } => Released::AsAnswered,
            Scale::Month => match level {
                0 => Released::AsAnswered,
                1 => Released::Quarter,
                _ => Released::Year,
            },
            Scale::HouseholdSize => Released::Bands(band_labels(SIZE_BANDS[level])),
            Scale::Children => Released::Bands(band_labels(CHILDREN_BANDS[level])),
        }
    }
}

/// What a quasi-identifier's column holds in the file, for the codebook.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Released {
    AsAnswered,
    /// These bands, `, `-separated; the last is the top code.
    Bands(String),
    /// Area codes down to this level (1 = top); deeper ones withheld.
    AreaLevels(usize),
    /// 1 for these codes, 0 for any other answer.
    Difficulty(String),
    Quarter,
    Year,
    Withheld,
}

fn age_lower_bounds(scheme: AgeScheme) -> Vec<i64> {
    let mut bounds = Vec::new();
    for age in 0..=200 {
        if scheme.band(age) == Some(bounds.len()) {
            bounds.push(age);
        }
    }
    bounds
}

/// The bands of `level`: the scheme's own at 0, pairs of them at 1.
fn age_bands(scheme: AgeScheme, level: usize) -> String {
    if level == 0 {
        return scheme.bands().collect::<Vec<_>>().join(", ");
    }
    let bounds = age_lower_bounds(scheme);
    (0..bounds.len())
        .step_by(2)
        .map(|first| merged_label(&bounds, first))
        .collect::<Vec<_>>()
        .join(", ")
}

fn merged_label(bounds: &[i64], first: usize) -> String {
    match bounds.get(first + 2) {
        Some(next) => format!("{}-{}", bounds[first], next - 1),
        None => format!("{}+", bounds[first]),
    }
}

fn age_band(scheme: AgeScheme, cell: &str, level: usize) -> String {
    let Some(band) = cell.parse::<i64>().ok().and_then(|age| scheme.band(age)) else {
        return String::new();
    };
    if level == 0 {
        scheme.bands().nth(band).unwrap_or_default().to_owned()
    } else {
        merged_label(&age_lower_bounds(scheme), band - band % 2)
    }
}

fn month(cell: &str, level: usize) -> String {
    let (Some(year), Some(month)) = (
        cell.get(..4),
        cell.get(5..7).and_then(|m| m.parse::<u32>().ok()),
    ) else {
        return String::new();
    };
    match level {
        0 => cell.to_owned(),
        1 => format!("{year}-Q{}", month.div_ceil(3)),
        _ => year.to_owned(),
    }
}

fn count_band(bands: &[(u32, &str)], cell: &str) -> String {
    cell.parse::<u32>()
        .ok()
        .and_then(|n| bands.iter().rev().find(|(lower, _)| *lower <= n))
        .map_or_else(String::new, |(_, label)| (*label).to_owned())
}

fn band_labels(bands: &[(u32, &str)]) -> String {
    bands
        .iter()
        .map(|(_, label)| *label)
        .collect::<Vec<_>>()
        .join(", ")
}

/// One quasi-identifier: the columns of a layout it covers and its scale.
#[derive(Clone, Debug, PartialEq)]
pub struct QuasiIdentifier {
    pub columns: Vec<usize>,
    pub scale: Scale,
}

/// A record's rows as the first pass saw them.
#[derive(Clone, Copy, Debug)]
struct Span {
    first: u32,
    rows: u32,
}

/// The first pass: every row's quasi-identifiers as numbers.
#[derive(Debug)]
pub struct Collector {
    identifiers: Vec<QuasiIdentifier>,
    /// Per quasi-identifier: its distinct cells (joined), numbered.
    numbers: Vec<FastMap<String, u32>>,
    /// Per quasi-identifier, by number: the cells.
    cells: Vec<Vec<Vec<String>>>,
    /// Row after row, one number per quasi-identifier.
    codes: Vec<u32>,
    records: HashMap<u64, Option<Span>>,
    rows: usize,
}

fn record_key(id: &str) -> u64 {
    use std::hash::Hasher as _;
    let mut hasher = super::Fnv::default();
    hasher.write(id.as_bytes());
    hasher.finish()
}

impl Collector {
    pub fn new(mut identifiers: Vec<QuasiIdentifier>) -> Self {
        // Beyond the bit mask's width, a quasi-identifier is withheld
        // whole: its only level is the withheld one.
        for extra in identifiers.iter_mut().skip(MAX_QUASI_IDENTIFIERS) {
            extra.scale = Scale::Category;
        }
        let count = identifiers.len();
        Self {
            identifiers,
            numbers: vec![FastMap::default(); count],
            cells: vec![Vec::new(); count],
            codes: Vec::new(),
            records: HashMap::new(),
            rows: 0,
        }
    }

    fn cells_of<'c>(&self, q: usize, row: &'c [Cow<'_, str>]) -> Vec<&'c str> {
        self.identifiers[q]
            .columns
            .iter()
            .map(|&at| row.get(at).map_or("", |cell| cell.as_ref()))
            .collect()
    }

    /// The rows of the record `id`, as the layout wrote them.
    pub fn add(&mut self, id: &str, rows: &[Vec<Cow<'_, str>>]) {
        let span = Span {
            first: self.rows as u32,
            rows: rows.len() as u32,
        };
        for row in rows {
            for q in 0..self.identifiers.len() {
                let cells = self.cells_of(q, row);
                let joined = cells.join("\u{1f}");
                let next = self.cells[q].len() as u32;
                let code = *self.numbers[q].entry(joined).or_insert_with(|| {
                    self.cells[q].push(cells.iter().map(|c| (*c).to_owned()).collect());
                    next
                });
                self.codes.push(code);
            }
            self.rows += 1;
        }
        // An id seen twice (or two ids with one hash) is left out of the
        // second pass: neither is known for sure.
        self.records
            .entry(record_key(id))
            .and_modify(|known| *known = None)
            .or_insert(Some(span));
    }

    /// Chooses the generalisation and the suppressed cells that make every
    /// combination of quasi-identifiers occur at least `k` times.
    pub fn plan(self, k: u32) -> Plan {
        let q = self.identifiers.len();
        let n = self.rows;
        let scales: Vec<&Scale> = self.identifiers.iter().map(|i| &i.scale).collect();
        // Per quasi-identifier and level: number → number at that level,
        // the withheld level being `WITHHELD_CODE`.
        let mut maps: Vec<Vec<Vec<u32>>> = Vec::with_capacity(q);
        let mut texts: Vec<Vec<Vec<Vec<String>>>> = Vec::with_capacity(q);
        for (at, scale) in scales.iter().enumerate() {
            let mut level_maps = Vec::new();
            let mut level_texts = Vec::new();
            for level in 0..scale.levels() {
                let mut seen: HashMap<Vec<String>, u32> = HashMap::new();
                let mut map = Vec::with_capacity(self.cells[at].len());
                let mut released = Vec::with_capacity(self.cells[at].len());
                for cells in &self.cells[at] {
                    let raw: Vec<&str> = cells.iter().map(String::as_str).collect();
                    let text = scale.release(&raw, level);
                    let next = seen.len() as u32;
                    let code = if level + 1 == scale.levels() {
                        WITHHELD_CODE
                    } else {
                        *seen.entry(text.clone()).or_insert(next)
                    };
                    map.push(code);
                    released.push(text);
                }
                level_maps.push(map);
                level_texts.push(released);
            }
            maps.push(level_maps);
            texts.push(level_texts);
        }
        let radix: Vec<Vec<u32>> = maps
            .iter()
            .map(|levels| {
                levels
                    .iter()
                    .map(|map| {
                        map.iter()
                            .filter(|c| **c != WITHHELD_CODE)
                            .max()
                            .map_or(1, |m| m + 2)
                    })
                    .collect()
            })
            .collect();
        let mut levels: Vec<usize> = vec![0; q];
        // Rows within ones that were withheld beyond the mask's width.
        for (at, level) in levels.iter_mut().enumerate().skip(MAX_QUASI_IDENTIFIERS) {
            *level = scales[at].levels() - 1;
        }
        let codes = &self.codes;
        let code_at = |levels: &[usize], masks: &[u64], row: usize, at: usize| -> u32 {
            if at < 64 && masks[row] & (1 << at) != 0 {
                WITHHELD_CODE
            } else {
                maps[at][levels[at]][codes[row * q + at] as usize]
            }
        };
        let no_masks = vec![0u64; n];
        let classes_with = |levels: &[usize], masks: &[u64]| {
            let radix: Vec<u32> = (0..q).map(|at| radix[at][levels[at]]).collect();
            classes(n, &radix, |row, at| code_at(levels, masks, row, at))
        };
        let failing_with = |levels: &[usize], masks: &[u64]| -> Vec<bool> {
            let (class, sizes) = classes_with(levels, masks);
            class.into_iter().map(|id| sizes[id as usize] < k).collect()
        };
        let limit = (n as f64 * SUPPRESSION_LIMIT).floor() as usize;
        let mut failing = failing_with(&levels, &no_masks);
        // Global recoding: one step at a time, the step that brings the
        // most rows into classes of k per unit of precision it costs (a
        // step is its share of the scale's height: banding ages costs
        // half of withholding sex); the design only when nothing else can
        // move.
        while failing.iter().filter(|f| **f).count() > limit {
            // A step only merges whole classes: each is tried as one row
            // weighted by its size, so a step costs the classes, not the
            // rows.
            let (class, sizes) = classes_with(&levels, &no_masks);
            let mut standing = vec![usize::MAX; sizes.len()];
            for (row, id) in class.iter().enumerate() {
                if standing[*id as usize] == usize::MAX {
                    standing[*id as usize] = row;
                }
            }
            let before: u32 = sizes.iter().filter(|size| **size < k).sum();
            // Rows rescued per unit of loss, then classes merged per unit
            // of loss (a step that merges nothing is never worth taking).
            let mut best: Option<(f64, f64, usize)> = None;
            for pass in [false, true] {
                for at in 0..q {
                    if (*scales[at] == Scale::Design) != pass
                        || levels[at] + 1 >= scales[at].levels()
                    {
                        continue;
                    }
                    let mut trial = levels.clone();
                    trial[at] += 1;
                    let trial_radix: Vec<u32> = (0..q).map(|at| radix[at][trial[at]]).collect();
                    let (merged_into, merged_sizes) =
                        classes(standing.len(), &trial_radix, |i, at| {
                            code_at(&trial, &no_masks, standing[i], at)
                        });
                    if merged_sizes.len() == sizes.len() {
                        continue;
                    }
                    let mut weights = vec![0u32; merged_sizes.len()];
                    for (i, id) in merged_into.iter().enumerate() {
                        weights[*id as usize] += sizes[i];
                    }
                    let after: u32 = weights.iter().filter(|weight| **weight < k).sum();
                    let loss = 1.0 / (scales[at].levels() - 1) as f64;
                    let gain = f64::from(before.saturating_sub(after)) / loss;
                    let merged = (sizes.len() - merged_sizes.len()) as f64 / loss;
                    if best.is_none_or(|(most, most_merged, _)| {
                        gain > most || (gain == most && merged > most_merged)
                    }) {
                        best = Some((gain, merged, at));
                    }
                }
                if best.is_some() {
                    break;
                }
            }
            let Some((_, _, at)) = best else { break };
            levels[at] += 1;
            failing = failing_with(&levels, &no_masks);
        }
        // Local suppression: rows still standing out lose, round by round,
        // the quasi-identifier whose loss lets the most of them join a
        // class of k; a row that passes keeps what it has, since the
        // classes it is in only grow.
        let mut masks = vec![0u64; n];
        let candidates: Vec<usize> = (0..q.min(MAX_QUASI_IDENTIFIERS))
            .filter(|&at| levels[at] + 1 < scales[at].levels())
            .collect();
        let mut used = vec![false; q];
        while failing.iter().any(|f| *f) {
            let mut best: Option<(usize, usize, Vec<u64>, Vec<bool>)> = None;
            for pass in [false, true] {
                for &at in &candidates {
                    if used[at] || (*scales[at] == Scale::Design) != pass {
                        continue;
                    }
                    let mut trial = masks.clone();
                    for (row, mask) in trial.iter_mut().enumerate() {
                        if failing[row] {
                            *mask |= 1 << at;
                        }
                    }
                    let after = failing_with(&levels, &trial);
                    let still = after.iter().filter(|f| **f).count();
                    if best.as_ref().is_none_or(|(fewest, ..)| still < *fewest) {
                        best = Some((still, at, trial, after));
                    }
                }
                if best.is_some() {
                    break;
                }
            }
            let Some((_, at, trial, after)) = best else {
                break;
            };
            used[at] = true;
            masks = trial;
            failing = after;
        }
        // What still stands out has every quasi-identifier withheld and is
        // fewer than k such rows: rows of classes larger than k lend
        // theirs until k rows are withheld alike, then whole classes,
        // smallest first, so no answer is lost; only a file of fewer than
        // k rows is left out whole.
        let short = failing.iter().filter(|f| **f).count();
        if short > 0 {
            let (class, mut sizes) = classes_with(&levels, &masks);
            let all = candidates.iter().fold(0u64, |mask, at| mask | (1 << at));
            let mut donors = Vec::new();
            for row in 0..n {
                if donors.len() + short >= k as usize {
                    break;
                }
                let id = class[row] as usize;
                if !failing[row] && sizes[id] > k && masks[row] & all != all {
                    sizes[id] -= 1;
                    donors.push(row);
                }
            }
            let mut whole: Vec<u32> = (0..sizes.len() as u32)
                .filter(|id| sizes[*id as usize] >= k)
                .collect();
            whole.sort_by_key(|id| (sizes[*id as usize], *id));
            for id in whole {
                if donors.len() + short >= k as usize {
                    break;
                }
                let rows: Vec<usize> = (0..n)
                    .filter(|&row| class[row] == id && !donors.contains(&row))
                    .collect();
                if rows.iter().all(|&row| masks[row] & all == all) {
                    continue;
                }
                donors.extend(rows);
            }
            if donors.len() + short >= k as usize {
                for row in donors {
                    masks[row] |= all;
                }
                failing = vec![false; n];
            }
        }
        let left_out = failing;
        let mut suppressed = vec![0u64; q];
        for (row, mask) in masks.iter().enumerate() {
            if left_out[row] {
                continue;
            }
            for (at, count) in suppressed.iter_mut().enumerate().take(64) {
                if mask & (1 << at) != 0
                    && maps[at][levels[at]][codes[row * q + at] as usize] != WITHHELD_CODE
                {
                    *count += 1;
                }
            }
        }
        let rows_left_out = left_out.iter().filter(|l| **l).count() as u64;
        let released: Vec<Vec<Vec<String>>> = texts
            .into_iter()
            .zip(&levels)
            .map(|(mut by_level, level)| std::mem::take(&mut by_level[*level]))
            .collect();
        Plan {
            k,
            identifiers: self.identifiers,
            levels,
            numbers: self.numbers,
            codes: self.codes,
            released,
            masks,
            left_out,
            records: self.records,
            suppressed,
            rows_left_out,
        }
    }
}

const WITHHELD_CODE: u32 = u32::MAX;

/// Maps keyed by short texts or packed rows, looked up once per row and
/// quasi-identifier: FNV-1a hashes them several times faster than the
/// default.
type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<super::Fnv>>;

/// Each row's class (the rows with the same numbers) and each class's
/// size. Rows are packed into one integer when their numbers fit, else
/// keyed by the list.
fn classes(rows: usize, radix: &[u32], code: impl Fn(usize, usize) -> u32) -> (Vec<u32>, Vec<u32>) {
    let digit = |row: usize, at: usize| {
        let c = code(row, at);
        if c == WITHHELD_CODE { radix[at] - 1 } else { c }
    };
    let width = |r: &u32| u32::BITS - r.saturating_sub(1).leading_zeros();
    let bits: u32 = radix.iter().map(width).sum();
    fn number<K: std::hash::Hash + Eq>(
        keys: impl Iterator<Item = K>,
        rows: usize,
    ) -> (Vec<u32>, Vec<u32>) {
        let mut ids: HashMap<K, u32> = HashMap::with_capacity(rows / 4);
        let mut sizes = Vec::new();
        let class = keys
            .map(|key| {
                let next = ids.len() as u32;
                let id = *ids.entry(key).or_insert(next);
                if id == next {
                    sizes.push(0);
                }
                sizes[id as usize] += 1;
                id
            })
            .collect();
        (class, sizes)
    }
    if bits <= 128 {
        number(
            (0..rows).map(|row| {
                radix.iter().enumerate().fold(0u128, |key, (at, r)| {
                    (key << width(r)) | u128::from(digit(row, at))
                })
            }),
            rows,
        )
    } else {
        number(
            (0..rows).map(|row| {
                (0..radix.len())
                    .map(|at| digit(row, at))
                    .collect::<Vec<u32>>()
            }),
            rows,
        )
    }
}

/// The second pass: what each row may show.
#[derive(Debug)]
pub struct Plan {
    pub k: u32,
    identifiers: Vec<QuasiIdentifier>,
    levels: Vec<usize>,
    numbers: Vec<FastMap<String, u32>>,
    codes: Vec<u32>,
    /// Per quasi-identifier, by number: the texts at the chosen level.
    released: Vec<Vec<Vec<String>>>,
    masks: Vec<u64>,
    left_out: Vec<bool>,
    records: HashMap<u64, Option<Span>>,
    suppressed: Vec<u64>,
    rows_left_out: u64,
}

impl Plan {
    /// Rewrites the rows of record `id` as the plan allows, leaving out
    /// the rows it drops; `false` when the record is not the one the
    /// first pass saw (new, changed or ambiguous): then it must not be
    /// written at all.
    pub fn release(&self, id: &str, rows: &mut Vec<Vec<Cow<'_, str>>>) -> bool {
        let Some(Some(span)) = self.records.get(&record_key(id)) else {
            return false;
        };
        if span.rows as usize != rows.len() {
            return false;
        }
        let q = self.identifiers.len();
        let mut codes = Vec::with_capacity(rows.len() * q);
        for row in rows.iter() {
            for (at, identifier) in self.identifiers.iter().enumerate() {
                let joined = identifier
                    .columns
                    .iter()
                    .map(|&c| row.get(c).map_or("", |cell| cell.as_ref()))
                    .collect::<Vec<_>>()
                    .join("\u{1f}");
                match self.numbers[at].get(&joined) {
                    Some(code) => codes.push(*code),
                    None => return false,
                }
            }
        }
        let first = span.first as usize;
        if codes[..] != self.codes[first * q..(first + rows.len()) * q] {
            return false;
        }
        let mut index = 0;
        rows.retain_mut(|row| {
            let at_row = first + index;
            index += 1;
            if self.left_out[at_row] {
                return false;
            }
            for (at, identifier) in self.identifiers.iter().enumerate() {
                let suppressed = at < 64 && self.masks[at_row] & (1 << at) != 0;
                let code = self.codes[at_row * q + at] as usize;
                for (column, text) in identifier.columns.iter().zip(&self.released[at][code]) {
                    if let Some(cell) = row.get_mut(*column) {
                        *cell = Cow::Owned(if suppressed {
                            WITHHELD.to_owned()
                        } else {
                            text.clone()
                        });
                    }
                }
            }
            true
        });
        true
    }

    /// For the codebook: what column `column` holds and how many of its
    /// values were suppressed; `None` when it is no quasi-identifier.
    pub fn column(&self, column: usize) -> Option<(Released, u64)> {
        self.identifiers
            .iter()
            .enumerate()
            .find(|(_, identifier)| identifier.columns.contains(&column))
            .map(|(at, identifier)| {
                (
                    identifier.scale.describe(self.levels[at]),
                    self.suppressed[at],
                )
            })
    }

    /// Rows left out whole: too rare even with every quasi-identifier
    /// withheld.
    pub fn rows_left_out(&self) -> u64 {
        self.rows_left_out
    }
}

#[cfg(test)]
mod tests;
