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
use salama_shared::estimate::{Estimate, RatioVariance, korn_graubard, wilson};
use salama_shared::publication::{Flag, Rule, dhs_mics, nchs, suppress_counts};
use salama_shared::schema::{Area, Channel, Indicator, Level, QuestionKind, Role};

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
                    .map(|band| (Some(band.to_owned()), band.replace('_', " ")))
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
        values.push((None, "Unknown".into()));
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
/// `unit`'s level (members borrow the household's geography).
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
        (unit == Level::Member && dimension == Dimension::UrbanRural)
            .then(|| find(Level::Respondent))
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

/// Per cell sums from the first pass.
#[derive(Clone, Default)]
struct CellSums {
    n: u64,
    weighted_n: f64,
    totals: Vec<(f64, f64)>,
    reported: Vec<u64>,
}

const OUTSIDE: u32 = u32::MAX;

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

/// A cell's estimate, interval, whether its variance is measurable, flag.
type Estimated = (Option<Estimate>, Option<(f64, f64)>, bool, Flag);

fn population(
    survey: &Survey,
    indicator: &Indicator,
    cube: &Cube,
    request: &Request,
    channel: Channel,
    channel_id: Option<u32>,
    dimensions: &[DimensionValues],
) -> Population {
    let components = indicator.components.len();
    let columns: Vec<Option<&[u8]>> = (0..components)
        .map(|k| cube.outcome(&indicator.id, u8::try_from(k).unwrap_or(u8::MAX)))
        .collect();
    let reported_ids: Vec<Option<u32>> = indicator
        .reported
        .iter()
        .map(|category| cube.categories.id(category))
        .collect();
    let radix: Vec<usize> = dimensions.iter().map(|d| d.values.len()).collect();
    // Without a breakdown there is only the total.
    let cells: usize = if dimensions.is_empty() {
        0
    } else {
        radix.iter().product()
    };
    let total = cells;
    let area_filter = request
        .area
        .as_deref()
        .map(|code| area_filter(survey, cube, code));

    // The design: PSUs and strata of the whole population (filters and
    // breakdowns are domains within it, as `subset` and `svyby` treat them).
    let mut strata: HashMap<u32, usize> = HashMap::new();
    let mut psu_seen = vec![false; cube.psu_stratum.len()];
    let mut psus_per_stratum: Vec<usize> = Vec::new();
    let (mut units, mut weighted_units, mut clustered) = (0u64, 0u64, false);
    let in_population = |unit: usize| channel_id.is_some_and(|id| cube.channel[unit] == id);
    for unit in 0..cube.len() {
        if !in_population(unit) {
            continue;
        }
        units += 1;
        weighted_units += u64::from(cube.has_weight[unit]);
        let psu = cube.psu[unit] as usize;
        if !psu_seen[psu] {
            psu_seen[psu] = true;
            clustered |= cube.psu_has_cluster[psu];
            let next = strata.len();
            let stratum = *strata.entry(cube.psu_stratum[psu]).or_insert(next);
            if stratum == psus_per_stratum.len() {
                psus_per_stratum.push(0);
            }
            psus_per_stratum[stratum] += 1;
        }
    }
    let stratified = strata.keys().any(|&stratum| stratum != 0);
    let stratum_of = |psu: u32| {
        strata
            .get(&cube.psu_stratum[psu as usize])
            .copied()
            .unwrap_or(0)
    };
    let has_design = clustered || stratified || weighted_units > 0;

    // Pass 1: each unit's cell, and the cells' sums. The total is the sum
    // of the cells, added up afterwards rather than unit by unit.
    let empty = CellSums {
        totals: vec![(0.0, 0.0); components],
        reported: vec![0; indicator.reported.len()],
        ..CellSums::default()
    };
    let mut sums = vec![empty; cells + 1];
    let mut cell_of = vec![OUTSIDE; cube.len()];
    // Reported category id → position in the indicator's list.
    let mut reported_at = vec![usize::MAX; 64];
    for (position, id) in reported_ids.iter().enumerate() {
        if let Some(id) = id
            && let Some(slot) = reported_at.get_mut(*id as usize)
        {
            *slot = position;
        }
    }
    let columns: Vec<&[u8]> = columns.iter().map(|c| c.unwrap_or(&[])).collect();
    let mut seen_categories = Vec::with_capacity(components);
    for (unit, cell_slot) in cell_of.iter_mut().enumerate() {
        if !in_population(unit) {
            continue;
        }
        let day = cube.day[unit];
        if request
            .from_day
            .is_some_and(|from| day == NO_DAY || day < from)
            || request.to_day.is_some_and(|to| day == NO_DAY || day > to)
        {
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
        let mut any_outcome = false;
        let mut in_denominator = false;
        for column in &columns {
            let byte = column.get(unit).copied().unwrap_or(0);
            any_outcome |= byte != 0;
            in_denominator |= byte & 3 >= 2;
        }
        if !any_outcome {
            continue;
        }
        let mut cell = 0;
        for (dimension, &size) in dimensions.iter().zip(&radix) {
            cell = cell * size + dimension.value_of(cube, unit);
        }
        *cell_slot = u32::try_from(cell).unwrap_or(OUTSIDE);
        let weight = cube.weight[unit];
        let sums = &mut sums[cell];
        if in_denominator {
            sums.n += 1;
            sums.weighted_n += weight;
        }
        seen_categories.clear();
        for (k, column) in columns.iter().enumerate() {
            let byte = column.get(unit).copied().unwrap_or(0);
            if byte & 3 >= 2 {
                sums.totals[k].1 += weight;
                if byte & 3 == 3 {
                    sums.totals[k].0 += weight;
                }
            }
            let position = reported_at[usize::from(byte >> 2)];
            // A unit counts once per category, whichever components gave it.
            if position != usize::MAX && !seen_categories.contains(&position) {
                seen_categories.push(position);
                sums.reported[position] += 1;
            }
        }
    }
    if cells > 0 {
        let mut whole = sums[total].clone();
        for cell in &sums[..cells] {
            whole.n += cell.n;
            whole.weighted_n += cell.weighted_n;
            for (sum, part) in whole.totals.iter_mut().zip(&cell.totals) {
                sum.0 += part.0;
                sum.1 += part.1;
            }
            for (sum, part) in whole.reported.iter_mut().zip(&cell.reported) {
                *sum += part;
            }
        }
        sums[total] = whole;
    }

    // Pass 2: PSU by PSU, the linearised scores of each cell it touches
    // (and of the total: the sum of the PSU's cells).
    let mut variances: Vec<Option<RatioVariance>> = sums
        .iter()
        .map(|cell| RatioVariance::new(&cell.totals, psus_per_stratum.len()))
        .collect();
    let mut touched = Touched::new(cells + 1, components);
    let mut current_psu = None;
    for &unit in &cube.by_psu {
        let unit = unit as usize;
        let cell = cell_of[unit];
        if cell == OUTSIDE {
            continue;
        }
        let psu = cube.psu[unit];
        if current_psu != Some(psu) {
            if let Some(done) = current_psu {
                touched.flush(stratum_of(done), total, &mut variances);
            }
            current_psu = Some(psu);
        }
        let weight = cube.weight[unit];
        let slot = touched.slot(cell as usize);
        for (k, column) in columns.iter().enumerate() {
            let byte = column.get(unit).copied().unwrap_or(0);
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
        touched.flush(stratum_of(done), total, &mut variances);
    }

    // Estimates, intervals and flags.
    let mut estimated: Vec<Estimated> = Vec::new();
    for (cell, variance) in sums.iter().zip(variances) {
        let n = usize::try_from(cell.n).unwrap_or(usize::MAX);
        let estimate = variance.and_then(|variance| variance.finish(&psus_per_stratum, n));
        // A design with one PSU per stratum cannot measure its variance.
        let measurable = estimate.is_some_and(|e| !has_design || e.degrees_of_freedom >= 1.0);
        let interval = estimate.filter(|_| measurable).and_then(|estimate| {
            if has_design {
                korn_graubard(&estimate, 0.95)
            } else {
                wilson(estimate.estimate * n as f64, n as f64, 0.95)
            }
        });
        let flag = match (request.rule, &estimate, interval) {
            (_, _, _) if n == 0 => Flag::Empty,
            (_, None, _) => Flag::Suppressed,
            (Rule::DhsMics, Some(_), None) => dhs_mics(n).max(Flag::Caution),
            (Rule::DhsMics, Some(_), Some(_)) => dhs_mics(n),
            (Rule::Nchs, Some(estimate), Some(interval)) => nchs(estimate, interval),
            (Rule::Nchs, Some(_), None) => Flag::Suppressed,
        };
        estimated.push((estimate, interval, measurable, flag));
    }

    // Reported counts: small cells withheld, and complements so no withheld
    // count can be recovered from the totals.
    let counts: Vec<Vec<u64>> = sums[..cells]
        .iter()
        .map(|cell| cell.reported.clone())
        .collect();
    let hidden = suppress_counts(&counts, request.min_count);

    let mut out = Vec::with_capacity(cells + 1);
    for at in std::iter::once(total).chain(0..cells) {
        let cell = &sums[at];
        let mut group = Vec::new();
        let mut rest = at;
        let mut unknown_value = false;
        if at != total {
            let mut indices = vec![0; dimensions.len()];
            for (d, &size) in radix.iter().enumerate().rev() {
                indices[d] = rest % size;
                rest /= size;
            }
            for (dimension, index) in dimensions.iter().zip(indices) {
                let (value, label) = &dimension.values[index];
                unknown_value |= value.is_none();
                group.push(GroupValue {
                    dimension: dimension.dimension,
                    value: value.clone(),
                    label: label.clone(),
                });
            }
        }
        let reported_total = cell.reported.iter().sum::<u64>();
        if unknown_value && cell.n == 0 && reported_total == 0 {
            continue;
        }
        let (estimate, interval, measurable, flag) = estimated[at];
        let shown = matches!(flag, Flag::Ok | Flag::Caution);
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

    let psus: usize = psus_per_stratum.iter().sum();
    let design = if clustered || stratified {
        format!(
            "Taylor linearisation over {} stratum/strata and {psus} PSUs (with replacement at the first stage); Korn–Graubard 95% intervals with design degrees of freedom",
            psus_per_stratum.len()
        )
    } else if has_design {
        "Weighted; each household is its own PSU (no clusters given); Korn–Graubard 95% intervals"
            .to_owned()
    } else {
        "No design information: simple random sampling of households assumed, unweighted; Wilson 95% intervals".to_owned()
    };
    let mut notes = Vec::new();
    match channel {
        Channel::Online => notes.push(
            "Opt-in online answers: not a probability sample. The numbers describe those who chose to answer, not the population, and are never pooled with interviews.".to_owned(),
        ),
        Channel::Enumerator if weighted_units == 0 && units > 0 => notes.push(
            "No weights uploaded: every interview counts equally (a self-weighting sample is assumed).".to_owned(),
        ),
        Channel::Enumerator if weighted_units < units => notes.push(format!(
            "{} of {units} units have no weight and count with weight 1.",
            units - weighted_units
        )),
        Channel::Enumerator => {}
    }
    if out
        .iter()
        .any(|cell| cell.estimate.is_some() && cell.standard_error.is_none())
    {
        notes.push("Some estimates rest on a single PSU in their strata, so their sampling error cannot be estimated: shown with caution and without an interval.".to_owned());
    }
    if request.rule == Rule::DhsMics {
        notes.push("Flags (DHS/MICS): under 25 unweighted cases suppressed (*), 25–49 in parentheses (use with caution).".to_owned());
    } else {
        notes.push("Flags (NCHS 2017): suppressed when the effective n is under 30 or the interval too wide; caution when the design has under 8 degrees of freedom.".to_owned());
    }
    Population {
        channel,
        representative: channel == Channel::Enumerator,
        design,
        notes,
        cells: out,
    }
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
