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
use salama_shared::date::Date;
use salama_shared::disclosure::DisclosurePolicy;
use salama_shared::disclosure::Period;
use salama_shared::estimate::RatioVariance;
use salama_shared::publication::{
    DesignSummary, Flag, Judged, Rule, Thresholds, judge, population_notes,
};
use salama_shared::schema::{Area, Channel, Indicator, Level, QuestionKind, Role};
use salama_shared::suppression::{Lattice, Pattern, protect};
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
    /// An admin checking figures (against R, say): every value exact and
    /// shown, flags saying what the chosen rule alone would withhold.
    /// Never for analysts or releases.
    pub exact: bool,
}

/// The most cells the table and the filters' periods and areas may span
/// together: the suppression is checked over all of them, and the check
/// grows faster than the cells (`cargo xtask bench suppression`: 6 ms at
/// 336 cells, 0.12 s at 4,032, 4.4 s at 15,120 on this machine under load).
pub const MAX_PROTECTED_CELLS: usize = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error(
        "the table and its filter span {cells} cells, more than the {limit} whose suppression can be checked: ask for fewer breakdowns or no date or area filter"
    )]
    TooFine { cells: usize, limit: usize },
}

/// Tabulates `request` over `cube`; `survey` (the latest version) gives
/// the indicator, its categories and the labels.
pub fn table(
    survey: &Survey,
    indicator: &Indicator,
    cube: &Cube,
    request: &Request,
) -> Result<AggregateTable, TableError> {
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
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AggregateTable {
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
    })
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
) -> Result<Population, TableError> {
    let in_population = |unit: usize| channel_id.is_some_and(|id| cube.channel[unit] == id);
    let design = Design::of(cube, in_population);
    let outcomes = Outcomes::of(indicator, cube);
    let grid = Grid::new(dimensions);
    let protection = Protection::of(
        survey,
        indicator,
        cube,
        request,
        &outcomes,
        &grid,
        in_population,
    )?;
    let tally = tally(survey, cube, request, &outcomes, &grid, in_population);
    let variances = linearise(cube, &design, &outcomes, &tally);
    let summary = design.summary();
    let thresholds = Thresholds {
        min_n: request.policy.min_n as usize,
        caution_n: request.policy.caution_n as usize,
    };
    let judged: Vec<Judged> = tally
        .sums
        .iter()
        .zip(variances)
        .enumerate()
        .map(|(at, (cell, variance))| {
            let n = usize::try_from(cell.n).unwrap_or(usize::MAX);
            let estimate =
                variance.and_then(|variance| variance.finish(&design.psus_per_stratum, n));
            let judged = judge(request.rule, thresholds, summary.has_design(), n, estimate);
            // A withheld empty cell is withheld too: a zero shown there
            // could be subtracted like any other number.
            if protection.estimate_hidden(&grid, at) {
                Judged {
                    flag: Flag::Suppressed,
                    ..judged
                }
            } else {
                judged
            }
        })
        .collect();
    let cells = lay_out(
        indicator,
        request,
        &grid,
        &tally,
        &judged,
        &protection,
        summary.has_design(),
    );
    let some_unmeasurable = cells
        .iter()
        .any(|cell| cell.estimate.is_some() && cell.standard_error.is_none());
    Ok(Population {
        channel,
        representative: channel == Channel::Enumerator,
        design: summary.description(),
        notes: population_notes(
            channel,
            &summary,
            some_unmeasurable,
            request.rule,
            thresholds,
            request.min_count,
            &request.language,
        ),
        cells,
    })
}

/// What the disclosure policy withholds from one population's table,
/// worked out over the lattice of the table, its margins and, for a
/// filtered table, the filter as one more dimension: a month's table is
/// then a slice of the table over every month, the whole fieldwork's its
/// margin, and the two cannot be subtracted into a withheld value. The
/// lattice's dimensions are always in one order (period, areas by level,
/// then the breakdowns in `Dimension::ALL`'s order), whatever order the
/// request names them in, so a margin two tables share is withheld the
/// same way in both. An admin's `exact` table withholds nothing.
struct Protection {
    exact: bool,
    lattice: Lattice,
    dimensions: Vec<LatticeDimension>,
    estimates: Pattern,
    /// One pattern per reported category (DK, RA).
    reported: Vec<Pattern>,
}

/// One dimension of the lattice, and where its value comes from.
struct LatticeDimension {
    /// Sorts the dimensions into their one order.
    key: (u8, usize),
    values: usize,
    source: Source,
}

enum Source {
    /// The date period a filter selects (`selected`, an index into
    /// `present`): the periods some unit of the population falls in and the
    /// selected one, in order; the last value is "no date". Periods nobody
    /// answered in are left out (they hold known zeros), so one interview
    /// dated in the year 9999 adds one value, not 95,000.
    Period {
        period: Period,
        present: Vec<i32>,
        selected: usize,
    },
    /// Admin areas at one level: a filter's (`selected`), a breakdown's
    /// (the `by`-th), or both when they are at the same level.
    Area {
        values: DimensionValues,
        selected: Option<usize>,
        by: Option<usize>,
    },
    /// The `by`-th breakdown.
    Breakdown { by: usize },
}

impl Protection {
    #[allow(clippy::too_many_arguments)]
    fn of(
        survey: &Survey,
        indicator: &Indicator,
        cube: &Cube,
        request: &Request,
        outcomes: &Outcomes<'_>,
        grid: &Grid<'_>,
        in_population: impl Fn(usize) -> bool,
    ) -> Result<Self, TableError> {
        if request.exact {
            return Ok(Self {
                exact: true,
                lattice: Lattice::new(Vec::new()),
                dimensions: Vec::new(),
                estimates: Pattern::default(),
                reported: Vec::new(),
            });
        }
        let dimensions = lattice_dimensions(survey, indicator, cube, request, grid, &in_population);
        let sizes: Vec<usize> = dimensions.iter().map(|d| d.values).collect();
        let cells: usize = sizes.iter().product();
        if cells > MAX_PROTECTED_CELLS {
            return Err(TableError::TooFine {
                cells,
                limit: MAX_PROTECTED_CELLS,
            });
        }
        let lattice = Lattice::new(sizes);
        let full = lattice.full();
        let mut n = vec![0u64; cells];
        let mut reported = vec![vec![0u64; cells]; outcomes.reported];
        let mut categories = Vec::new();
        let mut coordinates = vec![0; dimensions.len()];
        for unit in (0..cube.len()).filter(|&unit| in_population(unit)) {
            let Some(in_denominator) = outcomes.of_unit(unit, &mut categories) else {
                continue;
            };
            for (coordinate, dimension) in coordinates.iter_mut().zip(&dimensions) {
                *coordinate = dimension.value_of(cube, unit, grid);
            }
            let at = lattice.index(full, &coordinates);
            n[at] += u64::from(in_denominator);
            for &category in &categories {
                reported[category][at] += 1;
            }
        }
        let policy = &request.policy;
        // A shown estimate shows its n: a count too, so never under k.
        let k = u64::from(policy.min_count);
        let min_n = u64::from(policy.min_n).max(k);
        let counts = lattice.margins(&n);
        let canonical = protect(&lattice, &counts, |n| n < min_n, None);
        let estimates = if request.min_count > min_n {
            protect(
                &lattice,
                &counts,
                |n| n < request.min_count,
                Some(&canonical),
            )
        } else {
            canonical
        };
        let reported = reported
            .iter()
            .map(|counts| {
                let counts = lattice.margins(counts);
                let canonical = protect(&lattice, &counts, |count| count < k, None);
                if request.min_count > k {
                    protect(
                        &lattice,
                        &counts,
                        |count| count < request.min_count,
                        Some(&canonical),
                    )
                } else {
                    canonical
                }
            })
            .collect();
        Ok(Self {
            exact: false,
            lattice,
            dimensions,
            estimates,
            reported,
        })
    }

    /// The lattice cell (mask, index) that the requested table's cell `at`
    /// shows; `None` for a cell its own filter empties (an area other than
    /// the filter's, broken down at the filter's level).
    fn cell_of(&self, grid: &Grid<'_>, at: usize) -> Option<(usize, usize)> {
        let by_values = (at != grid.total()).then(|| grid.values(at));
        let mut mask = 0;
        let mut coordinates = vec![0; self.dimensions.len()];
        for (d, dimension) in self.dimensions.iter().enumerate() {
            let by_value = |by: usize| by_values.as_ref().map(|values| values[by]);
            let value = match &dimension.source {
                Source::Period { selected, .. } => Some(*selected),
                Source::Area {
                    selected, by: None, ..
                } => *selected,
                Source::Area {
                    selected,
                    by: Some(by),
                    ..
                } => match (selected, by_value(*by)) {
                    (Some(selected), Some(value)) if value != *selected => return None,
                    (Some(selected), _) => Some(*selected),
                    (None, value) => value,
                },
                Source::Breakdown { by } => by_value(*by),
            };
            if let Some(value) = value {
                mask |= 1 << d;
                coordinates[d] = value;
            }
        }
        Some((mask, self.lattice.index(mask, &coordinates)))
    }

    fn hidden(&self, pattern: &Pattern, grid: &Grid<'_>, at: usize) -> bool {
        if self.exact {
            return false;
        }
        self.cell_of(grid, at)
            .is_some_and(|(mask, cell)| pattern.hidden[mask][cell])
    }

    fn estimate_hidden(&self, grid: &Grid<'_>, at: usize) -> bool {
        self.hidden(&self.estimates, grid, at)
    }

    fn count_hidden(&self, grid: &Grid<'_>, at: usize, category: usize) -> bool {
        self.reported
            .get(category)
            .is_some_and(|pattern| self.hidden(pattern, grid, at))
    }
}

impl LatticeDimension {
    fn value_of(&self, cube: &Cube, unit: usize, grid: &Grid<'_>) -> usize {
        match &self.source {
            Source::Period {
                period, present, ..
            } => period_of(*period, cube.day[unit])
                .and_then(|at| present.binary_search(&at).ok())
                .unwrap_or(self.values - 1),
            Source::Area { values, .. } => values.value_of(cube, unit),
            Source::Breakdown { by } => grid.dimensions[*by].value_of(cube, unit),
        }
    }
}

/// The lattice's dimensions in their one order: the period a date filter
/// selects, the admin areas of the area filter and of an area breakdown
/// (one dimension when at the same level), then the other breakdowns.
fn lattice_dimensions(
    survey: &Survey,
    indicator: &Indicator,
    cube: &Cube,
    request: &Request,
    grid: &Grid<'_>,
    in_population: &impl Fn(usize) -> bool,
) -> Vec<LatticeDimension> {
    let mut dimensions = Vec::new();
    let period = request.policy.period;
    if let Some(from) = request.from_day
        && let Some(selected) = period.index(Date::from_days(from))
    {
        let mut present: std::collections::HashSet<i32> = std::collections::HashSet::new();
        present.insert(selected);
        let mut last_day = None;
        for unit in (0..cube.len()).filter(|&unit| in_population(unit)) {
            // Units come in runs of one day: one lookup per run.
            let day = cube.day[unit];
            if last_day != Some(day) {
                last_day = Some(day);
                if let Some(index) = period_of(period, day) {
                    present.insert(index);
                }
            }
        }
        let mut present: Vec<i32> = present.into_iter().collect();
        present.sort_unstable();
        let selected = present.binary_search(&selected).unwrap_or(0);
        dimensions.push(LatticeDimension {
            key: (0, 0),
            values: present.len() + 1,
            source: Source::Period {
                period,
                present,
                selected,
            },
        });
    }
    let filter_level = request.area.as_deref().and_then(|code| {
        salama_shared::aggregate::area_level_of(survey, code).map(|level| (code, level))
    });
    let by_area = request.by.iter().position(|&d| d == Dimension::Area);
    if let Some((code, level)) = filter_level {
        let at_level = Request {
            area_level: level,
            ..request.clone()
        };
        let values = DimensionValues::new(survey, indicator.unit, Dimension::Area, &at_level, cube);
        let selected = values
            .values
            .iter()
            .position(|(value, _)| value.as_deref() == Some(code))
            .unwrap_or(values.unknown());
        let shared = by_area.filter(|_| request.area_level == level);
        dimensions.push(LatticeDimension {
            key: (1, level),
            values: values.values.len(),
            source: Source::Area {
                values,
                selected: Some(selected),
                by: shared,
            },
        });
    }
    for (by, &dimension) in request.by.iter().enumerate() {
        let shared = dimension == Dimension::Area
            && filter_level.is_some_and(|(_, level)| level == request.area_level);
        if shared {
            continue;
        }
        let key = if dimension == Dimension::Area {
            (1, request.area_level)
        } else {
            let rank = Dimension::ALL
                .iter()
                .position(|&d| d == dimension)
                .unwrap_or(0);
            (2, rank)
        };
        dimensions.push(LatticeDimension {
            key,
            values: grid.radix[by],
            source: Source::Breakdown { by },
        });
    }
    dimensions.sort_by_key(|dimension| dimension.key);
    dimensions
}

fn period_of(period: Period, day: i32) -> Option<i32> {
    if day == NO_DAY {
        return None;
    }
    period.index(Date::from_days(day))
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

    /// Whether `unit` has an outcome at all (`None` if not) and is in the
    /// denominator; `categories` gets the reported categories it counts
    /// in, once each whichever components gave them.
    fn of_unit(&self, unit: usize, categories: &mut Vec<usize>) -> Option<bool> {
        categories.clear();
        let (mut any_outcome, mut in_denominator) = (false, false);
        for k in 0..self.components() {
            let byte = self.byte(k, unit);
            any_outcome |= byte != 0;
            in_denominator |= byte & 3 >= 2;
            let position = self.reported_at[usize::from(byte >> 2)];
            if position != usize::MAX && !categories.contains(&position) {
                categories.push(position);
            }
        }
        any_outcome.then_some(in_denominator)
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

    /// The index of the cell's value in each dimension.
    fn values(&self, at: usize) -> Vec<usize> {
        let mut indices = vec![0; self.dimensions.len()];
        let mut rest = at;
        for (d, &size) in self.radix.iter().enumerate().rev() {
            indices[d] = rest % size;
            rest /= size;
        }
        indices
    }

    /// The cell's value in each dimension; empty for the total.
    fn group(&self, at: usize) -> Vec<GroupValue> {
        if at == self.total() {
            return Vec::new();
        }
        let indices = self.values(at);
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
    let filters = Filters::of(survey, cube, request);
    let mut categories = Vec::with_capacity(components);
    for (unit, cell_slot) in cell_of.iter_mut().enumerate() {
        if !in_population(unit) || filters.excludes(cube, unit) {
            continue;
        }
        let Some(in_denominator) = outcomes.of_unit(unit, &mut categories) else {
            continue;
        };
        let cell = grid.cell_of(cube, unit);
        *cell_slot = u32::try_from(cell).unwrap_or(OUTSIDE);
        let weight = cube.weight[unit];
        let sums = &mut sums[cell];
        if in_denominator {
            sums.n += 1;
            sums.weighted_n += weight;
        }
        for k in 0..components {
            let byte = outcomes.byte(k, unit);
            if byte & 3 >= 2 {
                sums.totals[k].1 += weight;
                if byte & 3 == 3 {
                    sums.totals[k].0 += weight;
                }
            }
        }
        for &position in &categories {
            sums.reported[position] += 1;
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

/// The date and area filters of a request, applied unit by unit.
struct Filters {
    from_day: Option<i32>,
    to_day: Option<i32>,
    /// Interned area text id → inside the filter's area.
    areas: Option<Vec<bool>>,
}

impl Filters {
    fn of(survey: &Survey, cube: &Cube, request: &Request) -> Self {
        Self {
            from_day: request.from_day,
            to_day: request.to_day,
            areas: request
                .area
                .as_deref()
                .map(|code| area_filter(survey, cube, code)),
        }
    }

    fn excludes(&self, cube: &Cube, unit: usize) -> bool {
        let day = cube.day[unit];
        let outside_dates = self
            .from_day
            .is_some_and(|from| day == NO_DAY || day < from)
            || self.to_day.is_some_and(|to| day == NO_DAY || day > to);
        outside_dates
            || self.areas.as_ref().is_some_and(|allowed| {
                !allowed
                    .get(cube.area[unit] as usize)
                    .copied()
                    .unwrap_or(false)
            })
    }
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

/// The published cells, total first: what the policy withholds shows
/// nothing at all (no n, no weighted n, no value), reported counts under
/// k and their complements are absent, empty "unknown" cells are left
/// out, and everything else is rounded to what the table shows unless an
/// admin asked for the exact values.
fn lay_out(
    indicator: &Indicator,
    request: &Request,
    grid: &Grid<'_>,
    tally: &Tally,
    judged: &[Judged],
    protection: &Protection,
    has_design: bool,
) -> Vec<Cell> {
    let total = grid.total();
    let round = |value: f64, places: i32| {
        if request.exact {
            value
        } else {
            let scale = 10f64.powi(places);
            (value * scale).round() / scale
        }
    };
    let mut out = Vec::with_capacity(grid.cells + 1);
    for at in std::iter::once(total).chain(0..grid.cells) {
        let cell = &tally.sums[at];
        let group = grid.group(at);
        let unknown_value = group.iter().any(|value| value.value.is_none());
        let withheld = protection.estimate_hidden(grid, at)
            || (0..cell.reported.len()).any(|r| protection.count_hidden(grid, at, r));
        if unknown_value
            && !withheld
            && cell.n == 0
            && cell.reported.iter().all(|&count| count == 0)
        {
            continue;
        }
        let Judged {
            estimate,
            interval,
            measurable,
            flag,
        } = judged[at];
        // An admin's exact table shows every estimate there is.
        let shown = judged[at].shown() || request.exact && estimate.is_some();
        let reported = indicator
            .reported
            .iter()
            .enumerate()
            .map(|(r, category)| {
                let count = cell.reported[r];
                let withheld = protection.count_hidden(grid, at, r);
                ReportedCount {
                    category: category.clone(),
                    count: (!withheld).then_some(count),
                }
            })
            .collect();
        out.push(Cell {
            group,
            n: (flag != Flag::Suppressed || request.exact).then_some(cell.n),
            weighted_n: (shown && has_design).then(|| round(cell.weighted_n, 0)),
            estimate: estimate.filter(|_| shown).map(|e| round(e.estimate, 3)),
            standard_error: estimate
                .filter(|_| shown && measurable)
                .map(|e| round(e.standard_error, 4)),
            ci_lower: interval.filter(|_| shown).map(|i| round(i.0, 3)),
            ci_upper: interval.filter(|_| shown).map(|i| round(i.1, 3)),
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
