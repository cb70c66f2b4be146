//! One indicator broken down by up to three dimensions, per population,
//! from the in-memory facts: a first pass sums each cell, a second walks
//! the units PSU by PSU for the linearised variance (the shared
//! estimators do the arithmetic), then the publication rules decide what
//! may be shown.

use std::collections::HashMap;

use salama_shared::Survey;
use salama_shared::aggregate::{
    AgeScheme, AggregateTable, Cell, Dimension, GroupValue, Population, ReportedCount,
};
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::estimate::RatioVariance;
use salama_shared::publication::{
    DesignSummary, Judged, Rule, judge, population_notes, suppress_counts,
};
use salama_shared::schema::{Area, Channel, Indicator, Level, QuestionKind, Role};
use salama_shared::words::{AnalysisWord, Key, fill};

use super::cube::{Cube, NO_DAY};

/// What to tabulate. Checked by the caller against the survey.
#[derive(Clone, Debug)]
pub struct Request {
    pub indicator: String,
    pub by: Vec<Dimension>,
    pub age_scheme: AgeScheme,
    /// Which level of the admin-area tree `area` breaks down by (1 = top).
    pub area_level: usize,
    /// Populations to report; both when empty.
    pub channels: Vec<Channel>,
    pub from_day: Option<i32>,
    pub to_day: Option<i32>,
    /// Only units in this admin area (a code at any level).
    pub area: Option<String>,
    pub rule: Rule,
    /// Smallest count shown for reported categories (DK, RA).
    pub min_count: u64,
    pub language: String,
    /// The survey's disclosure policy; the request's own rule and
    /// `min_count` may only be stricter (checked by the caller).
    pub policy: DisclosurePolicy,
    /// An admin checking figures (against R, say): estimates unrounded.
    /// Suppression applies all the same.
    pub exact: bool,
}

/// Tabulates `request` over `cube`; `survey` (the latest version) gives
/// the indicator, its categories and the labels.
pub fn table(
    survey: &Survey,
    indicator: &Indicator,
    cube: &Cube,
    request: &Request,
) -> AggregateTable {
    let language = request.language.as_str();
    let fallback = survey.default_language.as_str();
    let dimensions: Vec<DimensionValues> = request
        .by
        .iter()
        .map(|&dimension| DimensionValues::new(survey, indicator.unit, dimension, request, cube))
        .collect();
    let channels = if request.channels.is_empty() {
        vec![Channel::Enumerator, Channel::Online]
    } else {
        request.channels.clone()
    };
    let populations = channels
        .into_iter()
        .filter_map(|channel| {
            let explicit = !request.channels.is_empty();
            let channel_id = cube.strings.id(channel.as_str());
            if channel_id.is_none() && !explicit {
                return None;
            }
            Some(population(
                survey,
                indicator,
                cube,
                request,
                channel,
                channel_id,
                &dimensions,
            ))
        })
        .collect();
    AggregateTable {
        survey_id: survey.id.clone(),
        indicator: indicator.id.clone(),
        code: indicator.code.clone(),
        name: indicator.name.get(language, fallback).to_owned(),
        unit: indicator.unit,
        by: request.by.clone(),
        age_scheme: request.age_scheme,
        rule: request.rule,
        reported: indicator.reported.clone(),
        populations,
    }
}

/// A breakdown dimension's values (the last one: unknown) and how a unit
/// maps to one.
struct DimensionValues {
    dimension: Dimension,
    values: Vec<(Option<String>, String)>,
    /// Interned text id → value index, for text-valued dimensions.
    by_text: Vec<Option<usize>>,
    /// Age in years → band, looked up rather than searched per unit.
    age_bands: Vec<usize>,
}

/// An age band's label: `under_25` reads "under 25" in the table's language;
/// the others (`25-34`, `65+`) are numbers already.
fn band_label(band: &str, language: &str) -> String {
    match band.strip_prefix("under_") {
        Some(age) => fill(AnalysisWord::Under.in_language(language), &[("age", age)]),
        None => band.to_owned(),
    }
}

impl DimensionValues {
    fn new(
        survey: &Survey,
        unit: Level,
        dimension: Dimension,
        request: &Request,
        cube: &Cube,
    ) -> Self {
        let language = request.language.as_str();
        let fallback = survey.default_language.as_str();
        let mut values: Vec<(Option<String>, String)> = Vec::new();
        let mut by_text = vec![None; cube.strings.id_count()];
        match dimension {
            Dimension::AgeBand => {
                values = request
                    .age_scheme
                    .bands()
                    .map(|band| (Some(band.to_owned()), band_label(band, language)))
                    .collect();
            }
            Dimension::Disability => {
                values = vec![
                    (Some("no_disability".into()), "Without disability".into()),
                    (Some("disability".into()), "With disability".into()),
                ];
            }
            Dimension::Area => {
                let mut at_level = Vec::new();
                areas_at(&survey.areas, request.area_level, &mut at_level);
                for (index, area) in at_level.iter().enumerate() {
                    values.push((
                        Some(area.code.clone()),
                        area.name.get(language, fallback).to_owned(),
                    ));
                    // Every leaf below (or at) this area maps to it.
                    let mut codes = Vec::new();
                    descendants(area, &mut codes);
                    for code in codes {
                        if let Some(id) = cube.strings.id(code) {
                            by_text[id as usize] = Some(index);
                        }
                    }
                }
            }
            Dimension::Sex | Dimension::Displacement | Dimension::UrbanRural => {
                if let Some(list) = role_choices(survey, unit, dimension) {
                    for (index, choice) in list.iter().enumerate() {
                        values.push((
                            Some(choice.value.clone()),
                            choice.label.get(language, fallback).to_owned(),
                        ));
                        if let Some(id) = cube.strings.id(&choice.value) {
                            by_text[id as usize] = Some(index);
                        }
                    }
                }
            }
        }
        values.push((None, AnalysisWord::Unknown.in_language(language).into()));
        let unknown = values.len() - 1;
        let age_bands = (0..=i64::from(i16::MAX))
            .take(151)
            .map(|age| request.age_scheme.band(age).unwrap_or(unknown))
            .collect();
        Self {
            dimension,
            values,
            by_text,
            age_bands,
        }
    }

    fn unknown(&self) -> usize {
        self.values.len() - 1
    }

    fn value_of(&self, cube: &Cube, unit: usize) -> usize {
        let text = |column: &[u32]| {
            self.by_text
                .get(column[unit] as usize)
                .copied()
                .flatten()
                .unwrap_or(self.unknown())
        };
        match self.dimension {
            Dimension::Sex => text(&cube.sex),
            Dimension::Area => text(&cube.area),
            Dimension::Displacement => text(&cube.displacement),
            Dimension::UrbanRural => text(&cube.urban_rural),
            Dimension::Disability => match cube.disability[unit] {
                1 => 0,
                2 => 1,
                _ => self.unknown(),
            },
            Dimension::AgeBand => match cube.age[unit] {
                age if age < 0 => self.unknown(),
                age => usize::try_from(age)
                    .ok()
                    .and_then(|age| self.age_bands.get(age).copied())
                    // Past the table: the open-ended top band.
                    .unwrap_or_else(|| self.age_bands.last().copied().unwrap_or(self.unknown())),
            },
        }
    }
}

/// The choice list of the question holding `dimension` for units of
/// `unit`'s level (members borrow what describes the household,
/// [`Role::describes_household`]).
fn role_choices(
    survey: &Survey,
    unit: Level,
    dimension: Dimension,
) -> Option<&[salama_shared::schema::Choice]> {
    let name = dimension.as_str();
    let find = |level: Level| {
        survey
            .roles
            .iter()
            .find(|role| role.level() == level && role.dimension() == name)
    };
    let role = find(unit).or_else(|| {
        (unit == Level::Member)
            .then(|| find(Level::Respondent).filter(|role| role.describes_household()))
            .flatten()
    })?;
    let question = match role {
        Role::Sex { question, .. }
        | Role::Displacement { question, .. }
        | Role::UrbanRural { question, .. } => question,
        _ => return None,
    };
    match &survey.question(question)?.question.kind {
        QuestionKind::Single { list } | QuestionKind::Ordinal { list } => {
            survey.choice_list(list).map(|list| list.choices.as_slice())
        }
        _ => None,
    }
}

pub fn areas_at<'s>(areas: &'s [Area], level: usize, found: &mut Vec<&'s Area>) {
    for area in areas {
        if level <= 1 {
            found.push(area);
        } else {
            areas_at(&area.children, level - 1, found);
        }
    }
}

fn descendants<'s>(area: &'s Area, codes: &mut Vec<&'s str>) {
    codes.push(&area.code);
    for child in &area.children {
        descendants(child, codes);
    }
}

/// The cells one PSU touches, with the PSU's sums for each, in flat
/// arrays reused from PSU to PSU.
struct Touched {
    /// Cell → its slot in this PSU, or `usize::MAX`.
    slot_of: Vec<usize>,
    cells: Vec<usize>,
    /// `components` pairs (Σ w·y, Σ w) per slot.
    sums: Vec<(f64, f64)>,
    seen: Vec<bool>,
    components: usize,
    total: Vec<(f64, f64)>,
}

impl Touched {
    fn new(cells: usize, components: usize) -> Self {
        Self {
            slot_of: vec![usize::MAX; cells],
            cells: Vec::new(),
            sums: Vec::new(),
            seen: Vec::new(),
            components,
            total: vec![(0.0, 0.0); components],
        }
    }

    fn slot(&mut self, cell: usize) -> usize {
        if self.slot_of[cell] == usize::MAX {
            self.slot_of[cell] = self.cells.len();
            self.cells.push(cell);
            self.sums
                .extend(std::iter::repeat_n((0.0, 0.0), self.components));
            self.seen.push(false);
        }
        self.slot_of[cell]
    }

    /// Hands the finished PSU's sums to the cells' variances and the total's.
    fn flush(&mut self, stratum: usize, total: usize, variances: &mut [Option<RatioVariance>]) {
        let components = self.components;
        self.total.iter_mut().for_each(|sum| *sum = (0.0, 0.0));
        let mut total_seen = false;
        for (slot, &cell) in self.cells.iter().enumerate() {
            let sums = &self.sums[slot * components..(slot + 1) * components];
            for (sum, part) in self.total.iter_mut().zip(sums) {
                sum.0 += part.0;
                sum.1 += part.1;
            }
            total_seen |= self.seen[slot];
            if cell != total
                && let Some(variance) = &mut variances[cell]
            {
                variance.add_psu(stratum, sums, self.seen[slot]);
            }
            self.slot_of[cell] = usize::MAX;
        }
        if let Some(variance) = &mut variances[total] {
            variance.add_psu(stratum, &self.total, total_seen);
        }
        self.cells.clear();
        self.sums.clear();
        self.seen.clear();
    }
}

/// One population's table, step by step: its design, the cells' sums, their
/// linearised variances, what the publication rule lets through, the cells
/// laid out, and the notes.
fn population(
    survey: &Survey,
    indicator: &Indicator,
    cube: &Cube,
    request: &Request,
    channel: Channel,
    channel_id: Option<u32>,
    dimensions: &[DimensionValues],
) -> Population {
    let in_population = |unit: usize| channel_id.is_some_and(|id| cube.channel[unit] == id);
    let design = Design::of(cube, in_population);
    let outcomes = Outcomes::of(indicator, cube);
    let grid = Grid::new(dimensions);
    let tally = tally(survey, cube, request, &outcomes, &grid, in_population);
    let variances = linearise(cube, &design, &outcomes, &tally);
    let summary = design.summary();
    let judged: Vec<Judged> = tally
        .sums
        .iter()
        .zip(variances)
        .map(|(cell, variance)| {
            let n = usize::try_from(cell.n).unwrap_or(usize::MAX);
            let estimate =
                variance.and_then(|variance| variance.finish(&design.psus_per_stratum, n));
            judge(request.rule, summary.has_design(), n, estimate)
        })
        .collect();
    let cells = lay_out(
        indicator,
        request,
        &grid,
        &tally,
        &judged,
        summary.has_design(),
    );
    let some_unmeasurable = cells
        .iter()
        .any(|cell| cell.estimate.is_some() && cell.standard_error.is_none());
    Population {
        channel,
        representative: channel == Channel::Enumerator,
        design: summary.description(),
        notes: population_notes(
            channel,
            &summary,
            some_unmeasurable,
            request.rule,
            &request.language,
        ),
        cells,
    }
}

/// The sample design of a whole population: its PSUs and strata (filters
/// and breakdowns are domains within it, as `subset` and `svyby` treat
/// them), and how many of its units carry a weight.
struct Design {
    /// Stratum code (interned) → position in `psus_per_stratum`.
    strata: HashMap<u32, usize>,
    psus_per_stratum: Vec<usize>,
    units: u64,
    weighted_units: u64,
    clustered: bool,
}

impl Design {
    fn of(cube: &Cube, in_population: impl Fn(usize) -> bool) -> Self {
        let mut design = Design {
            strata: HashMap::new(),
            psus_per_stratum: Vec::new(),
            units: 0,
            weighted_units: 0,
            clustered: false,
        };
        let mut psu_seen = vec![false; cube.psu_stratum.len()];
        for unit in (0..cube.len()).filter(|&unit| in_population(unit)) {
            design.units += 1;
            design.weighted_units += u64::from(cube.has_weight[unit]);
            let psu = cube.psu[unit] as usize;
            if psu_seen[psu] {
                continue;
            }
            psu_seen[psu] = true;
            design.clustered |= cube.psu_has_cluster[psu];
            let next = design.strata.len();
            let stratum = *design.strata.entry(cube.psu_stratum[psu]).or_insert(next);
            if stratum == design.psus_per_stratum.len() {
                design.psus_per_stratum.push(0);
            }
            design.psus_per_stratum[stratum] += 1;
        }
        design
    }

    fn stratum_of(&self, cube: &Cube, psu: u32) -> usize {
        self.strata
            .get(&cube.psu_stratum[psu as usize])
            .copied()
            .unwrap_or(0)
    }

    fn summary(&self) -> DesignSummary {
        DesignSummary {
            strata: self.psus_per_stratum.len(),
            psus: self.psus_per_stratum.iter().sum(),
            clustered: self.clustered,
            stratified: self.strata.keys().any(|&stratum| stratum != 0),
            units: self.units,
            weighted_units: self.weighted_units,
        }
    }
}

/// The indicator's outcome columns in the cube, one byte per unit and
/// component: bit 1 in the denominator, bit 0 in the numerator, the rest
/// a reported category (DK, RA) id.
struct Outcomes<'c> {
    columns: Vec<&'c [u8]>,
    /// Reported category id → position in the indicator's list, or MAX.
    reported_at: Vec<usize>,
    reported: usize,
}

impl<'c> Outcomes<'c> {
    fn of(indicator: &Indicator, cube: &'c Cube) -> Self {
        let columns = (0..indicator.components.len())
            .map(|k| {
                cube.outcome(&indicator.id, u8::try_from(k).unwrap_or(u8::MAX))
                    .unwrap_or(&[])
            })
            .collect();
        // Six bits of category id: 64 slots.
        let mut reported_at = vec![usize::MAX; 64];
        for (position, category) in indicator.reported.iter().enumerate() {
            if let Some(id) = cube.categories.id(category)
                && let Some(slot) = reported_at.get_mut(id as usize)
            {
                *slot = position;
            }
        }
        Self {
            columns,
            reported_at,
            reported: indicator.reported.len(),
        }
    }

    fn components(&self) -> usize {
        self.columns.len()
    }

    fn byte(&self, k: usize, unit: usize) -> u8 {
        self.columns[k].get(unit).copied().unwrap_or(0)
    }
}

/// The cells of the breakdown, numbered in mixed radix over the dimensions'
/// values, and the total after them.
struct Grid<'d> {
    dimensions: &'d [DimensionValues],
    radix: Vec<usize>,
    cells: usize,
}

impl<'d> Grid<'d> {
    fn new(dimensions: &'d [DimensionValues]) -> Self {
        let radix: Vec<usize> = dimensions.iter().map(|d| d.values.len()).collect();
        // Without a breakdown there is only the total.
        let cells = if dimensions.is_empty() {
            0
        } else {
            radix.iter().product()
        };
        Self {
            dimensions,
            radix,
            cells,
        }
    }

    /// The total's index, after every cell.
    fn total(&self) -> usize {
        self.cells
    }

    fn cell_of(&self, cube: &Cube, unit: usize) -> usize {
        self.dimensions
            .iter()
            .zip(&self.radix)
            .fold(0, |cell, (dimension, &size)| {
                cell * size + dimension.value_of(cube, unit)
            })
    }

    /// The cell's value in each dimension; empty for the total.
    fn group(&self, at: usize) -> Vec<GroupValue> {
        if at == self.total() {
            return Vec::new();
        }
        let mut indices = vec![0; self.dimensions.len()];
        let mut rest = at;
        for (d, &size) in self.radix.iter().enumerate().rev() {
            indices[d] = rest % size;
            rest /= size;
        }
        self.dimensions
            .iter()
            .zip(indices)
            .map(|(dimension, index)| {
                let (value, label) = &dimension.values[index];
                GroupValue {
                    dimension: dimension.dimension,
                    value: value.clone(),
                    label: label.clone(),
                }
            })
            .collect()
    }
}

/// Per cell sums from the first pass.
#[derive(Clone, Default)]
struct CellSums {
    n: u64,
    weighted_n: f64,
    totals: Vec<(f64, f64)>,
    reported: Vec<u64>,
}

impl CellSums {
    fn add(&mut self, other: &CellSums) {
        self.n += other.n;
        self.weighted_n += other.weighted_n;
        for (sum, part) in self.totals.iter_mut().zip(&other.totals) {
            sum.0 += part.0;
            sum.1 += part.1;
        }
        for (sum, part) in self.reported.iter_mut().zip(&other.reported) {
            *sum += part;
        }
    }
}

const OUTSIDE: u32 = u32::MAX;

/// The first pass: each unit's cell (or OUTSIDE) and each cell's sums.
struct Tally {
    /// One per cell, then the total.
    sums: Vec<CellSums>,
    cell_of: Vec<u32>,
}

/// Pass 1 over the units of the population that pass the filters and have
/// an outcome. The total is the sum of the cells, added up afterwards
/// rather than unit by unit.
fn tally(
    survey: &Survey,
    cube: &Cube,
    request: &Request,
    outcomes: &Outcomes<'_>,
    grid: &Grid<'_>,
    in_population: impl Fn(usize) -> bool,
) -> Tally {
    let components = outcomes.components();
    let empty = CellSums {
        totals: vec![(0.0, 0.0); components],
        reported: vec![0; outcomes.reported],
        ..CellSums::default()
    };
    let mut sums = vec![empty; grid.cells + 1];
    let mut cell_of = vec![OUTSIDE; cube.len()];
    let area_filter = request
        .area
        .as_deref()
        .map(|code| area_filter(survey, cube, code));
    let outside_dates = |day: i32| {
        request
            .from_day
            .is_some_and(|from| day == NO_DAY || day < from)
            || request.to_day.is_some_and(|to| day == NO_DAY || day > to)
    };
    let mut seen_categories = Vec::with_capacity(components);
    for (unit, cell_slot) in cell_of.iter_mut().enumerate() {
        if !in_population(unit) || outside_dates(cube.day[unit]) {
            continue;
        }
        if let Some(filter) = &area_filter
            && !filter
                .get(cube.area[unit] as usize)
                .copied()
                .unwrap_or(false)
        {
            continue;
        }
        let (mut any_outcome, mut in_denominator) = (false, false);
        for k in 0..components {
            let byte = outcomes.byte(k, unit);
            any_outcome |= byte != 0;
            in_denominator |= byte & 3 >= 2;
        }
        if !any_outcome {
            continue;
        }
        let cell = grid.cell_of(cube, unit);
        *cell_slot = u32::try_from(cell).unwrap_or(OUTSIDE);
        let weight = cube.weight[unit];
        let sums = &mut sums[cell];
        if in_denominator {
            sums.n += 1;
            sums.weighted_n += weight;
        }
        seen_categories.clear();
        for k in 0..components {
            let byte = outcomes.byte(k, unit);
            if byte & 3 >= 2 {
                sums.totals[k].1 += weight;
                if byte & 3 == 3 {
                    sums.totals[k].0 += weight;
                }
            }
            let position = outcomes.reported_at[usize::from(byte >> 2)];
            // A unit counts once per category, whichever components gave it.
            if position != usize::MAX && !seen_categories.contains(&position) {
                seen_categories.push(position);
                sums.reported[position] += 1;
            }
        }
    }
    let total = grid.total();
    if grid.cells > 0 {
        let (cells, whole) = sums.split_at_mut(total);
        for cell in cells.iter() {
            whole[0].add(cell);
        }
    }
    Tally { sums, cell_of }
}

/// Pass 2: PSU by PSU, the linearised scores of each cell the PSU touches
/// (and of the total: the sum of the PSU's cells).
fn linearise(
    cube: &Cube,
    design: &Design,
    outcomes: &Outcomes<'_>,
    tally: &Tally,
) -> Vec<Option<RatioVariance>> {
    let components = outcomes.components();
    let strata = design.psus_per_stratum.len();
    let mut variances: Vec<Option<RatioVariance>> = tally
        .sums
        .iter()
        .map(|cell| RatioVariance::new(&cell.totals, strata))
        .collect();
    let total = tally.sums.len() - 1;
    let mut touched = Touched::new(tally.sums.len(), components);
    let mut current_psu = None;
    for &unit in &cube.by_psu {
        let unit = unit as usize;
        let cell = tally.cell_of[unit];
        if cell == OUTSIDE {
            continue;
        }
        let psu = cube.psu[unit];
        if current_psu != Some(psu) {
            if let Some(done) = current_psu {
                touched.flush(design.stratum_of(cube, done), total, &mut variances);
            }
            current_psu = Some(psu);
        }
        let weight = cube.weight[unit];
        let slot = touched.slot(cell as usize);
        for k in 0..components {
            let byte = outcomes.byte(k, unit);
            if byte & 3 >= 2 {
                let sums = &mut touched.sums[slot * components + k];
                sums.1 += weight;
                if byte & 3 == 3 {
                    sums.0 += weight;
                }
                touched.seen[slot] |= weight > 0.0;
            }
        }
    }
    if let Some(done) = current_psu {
        touched.flush(design.stratum_of(cube, done), total, &mut variances);
    }
    variances
}

/// The published cells, total first: estimates only where the rule shows
/// them, reported counts with small cells and their complements withheld
/// (so no withheld count can be recovered from the totals), and empty
/// "unknown" cells left out.
fn lay_out(
    indicator: &Indicator,
    request: &Request,
    grid: &Grid<'_>,
    tally: &Tally,
    judged: &[Judged],
    has_design: bool,
) -> Vec<Cell> {
    let total = grid.total();
    let counts: Vec<Vec<u64>> = tally.sums[..grid.cells]
        .iter()
        .map(|cell| cell.reported.clone())
        .collect();
    let hidden = suppress_counts(&counts, request.min_count);
    let mut out = Vec::with_capacity(grid.cells + 1);
    for at in std::iter::once(total).chain(0..grid.cells) {
        let cell = &tally.sums[at];
        let group = grid.group(at);
        let unknown_value = group.iter().any(|value| value.value.is_none());
        if unknown_value && cell.n == 0 && cell.reported.iter().all(|&count| count == 0) {
            continue;
        }
        let Judged {
            estimate,
            interval,
            measurable,
            flag,
        } = judged[at];
        let shown = judged[at].shown();
        let reported = indicator
            .reported
            .iter()
            .enumerate()
            .map(|(r, category)| {
                let count = cell.reported[r];
                let withheld = if at == total {
                    count > 0 && count < request.min_count
                } else {
                    hidden[at][r]
                };
                ReportedCount {
                    category: category.clone(),
                    count: (!withheld).then_some(count),
                }
            })
            .collect();
        out.push(Cell {
            group,
            n: cell.n,
            weighted_n: (shown && has_design).then_some(cell.weighted_n),
            estimate: estimate.filter(|_| shown).map(|e| e.estimate),
            standard_error: estimate
                .filter(|_| shown && measurable)
                .map(|e| e.standard_error),
            ci_lower: interval.filter(|_| shown).map(|i| i.0),
            ci_upper: interval.filter(|_| shown).map(|i| i.1),
            degrees_of_freedom: estimate
                .filter(|_| shown && has_design && measurable)
                .map(|e| e.degrees_of_freedom),
            flag,
            reported,
        });
    }
    out
}

/// For each interned text id: whether it is `code` or an area below it.
fn area_filter(survey: &Survey, cube: &Cube, code: &str) -> Vec<bool> {
    let mut allowed = vec![false; cube.strings.id_count()];
    if let Some(area) = survey
        .areas_by_level()
        .into_iter()
        .find(|area| area.code == code)
    {
        let mut codes = Vec::new();
        descendants(area, &mut codes);
        for code in codes {
            if let Some(id) = cube.strings.id(code) {
                allowed[id as usize] = true;
            }
        }
    }
    allowed
}
