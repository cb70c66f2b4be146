//! What may be published (DOMAIN §4): flags for estimates under the DHS/MICS
//! convention or NCHS's standards for proportions, and the interval that fits
//! a design, and the notes a table carries. The server applies them for
//! everyone; a suppressed value is left out, not merely marked.

use serde::{Deserialize, Serialize};

use crate::estimate::{Estimate, korn_graubard, wilson};
use crate::schema::Channel;
use crate::words::{AnalysisWord, Key, fill};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Ok,
    /// Shown in parentheses: use with caution.
    Caution,
    /// Not shown ("*").
    Suppressed,
    /// No case at all ("–").
    Empty,
}

impl Flag {
    /// The flag's name, as in JSON and CSV.
    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Ok => "ok",
            Flag::Caution => "caution",
            Flag::Suppressed => "suppressed",
            Flag::Empty => "empty",
        }
    }

    /// What a printed table shows for a proportion with this flag (DHS/MICS
    /// convention): the percentage, in parentheses when to be used with
    /// caution, `*` when suppressed, `–` when there is no case.
    pub fn shown_as(self, estimate: Option<f64>) -> String {
        match (self, estimate) {
            (Flag::Ok, Some(estimate)) => format!("{:.1}", estimate * 100.0),
            (Flag::Caution, Some(estimate)) => format!("({:.1})", estimate * 100.0),
            (Flag::Empty, _) => "–".to_owned(),
            _ => "*".to_owned(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// Under 25 unweighted cases suppressed, 25–49 with caution.
    #[default]
    DhsMics,
    /// Parker et al. (2017), NCHS data presentation standards for proportions.
    Nchs,
}

impl Rule {
    pub const ALL: [Rule; 2] = [Rule::DhsMics, Rule::Nchs];

    /// The rule's name, as in JSON and in the aggregates query.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::DhsMics => "dhs_mics",
            Rule::Nchs => "nchs",
        }
    }
}

/// The thresholds a survey's disclosure policy sets for estimates: DHS and
/// MICS use 25 and 50 unweighted cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    /// Fewer cases: withheld.
    pub min_n: usize,
    /// Fewer cases: shown "with caution".
    pub caution_n: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            min_n: 25,
            caution_n: 50,
        }
    }
}

/// The DHS/MICS flag for an estimate over `unweighted_n` cases.
pub fn dhs_mics(unweighted_n: usize, thresholds: Thresholds) -> Flag {
    match unweighted_n {
        0 => Flag::Empty,
        n if n < thresholds.min_n => Flag::Suppressed,
        n if n < thresholds.caution_n => Flag::Caution,
        _ => Flag::Ok,
    }
}

/// NCHS: suppress when the effective n is under 30; show when the 95% CI is
/// at most 5 points wide; otherwise suppress when it is 30 points or wider,
/// or wider than 130% of the estimate; flag for review when the design has
/// fewer than 8 degrees of freedom.
pub fn nchs(estimate: &Estimate, interval: (f64, f64)) -> Flag {
    if estimate.n == 0 {
        return Flag::Empty;
    }
    if estimate.effective_n() < 30.0 {
        return Flag::Suppressed;
    }
    let width = interval.1 - interval.0;
    if width > 0.05 {
        let relative = if estimate.estimate > 0.0 {
            width / estimate.estimate
        } else {
            f64::INFINITY
        };
        if width >= 0.30 || relative > 1.30 {
            return Flag::Suppressed;
        }
    }
    if estimate.degrees_of_freedom < 8.0 {
        Flag::Caution
    } else {
        Flag::Ok
    }
}

/// What a population's sample design is, as far as the tables need it:
/// whether there is one decides the interval and which numbers are shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DesignSummary {
    pub strata: usize,
    pub psus: usize,
    /// Some unit's PSU is a cluster named in the design (not its household).
    pub clustered: bool,
    /// Some unit is in a stratum other than the default.
    pub stratified: bool,
    pub units: u64,
    /// Units with an uploaded weight.
    pub weighted_units: u64,
}

impl DesignSummary {
    /// Clusters, strata or weights: anything but simple random sampling.
    pub fn has_design(&self) -> bool {
        self.clustered || self.stratified || self.weighted_units > 0
    }

    /// How the estimates were computed, as the table says it.
    pub fn description(&self) -> String {
        if self.clustered || self.stratified {
            format!(
                "Taylor linearisation over {} stratum/strata and {} PSUs (with replacement at the first stage); Korn–Graubard 95% intervals with design degrees of freedom",
                self.strata, self.psus
            )
        } else if self.has_design() {
            "Weighted; each household is its own PSU (no clusters given); Korn–Graubard 95% intervals"
                .to_owned()
        } else {
            "No design information: simple random sampling of households assumed, unweighted; Wilson 95% intervals".to_owned()
        }
    }
}

/// One cell's estimate as it may be published: the interval that fits the
/// design, whether its sampling error can be measured at all, and its flag.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Judged {
    pub estimate: Option<Estimate>,
    pub interval: Option<(f64, f64)>,
    /// False when every PSU of the domain sits alone in its stratum: the
    /// estimate exists but its variance cannot be estimated.
    pub measurable: bool,
    pub flag: Flag,
}

impl Judged {
    /// Whether the estimate is shown (plain or in parentheses).
    pub fn shown(&self) -> bool {
        matches!(self.flag, Flag::Ok | Flag::Caution)
    }
}

/// Judges an estimate over `n` unweighted cases under `rule`: Korn–Graubard
/// with a design, Wilson without one (DOMAIN §4), then the rule's flag.
/// Under either rule an estimate over fewer than the policy's `min_n`
/// cases is withheld, so choosing the rule never shows more.
pub fn judge(
    rule: Rule,
    thresholds: Thresholds,
    has_design: bool,
    n: usize,
    estimate: Option<Estimate>,
) -> Judged {
    // A design with one PSU per stratum cannot measure its variance.
    let measurable = estimate.is_some_and(|e| !has_design || e.degrees_of_freedom >= 1.0);
    let interval = estimate.filter(|_| measurable).and_then(|estimate| {
        if has_design {
            korn_graubard(&estimate, 0.95)
        } else {
            wilson(estimate.estimate * n as f64, n as f64, 0.95)
        }
    });
    let flag = match (rule, &estimate, interval) {
        _ if n == 0 => Flag::Empty,
        (_, None, _) => Flag::Suppressed,
        _ if n < thresholds.min_n => Flag::Suppressed,
        // Without an interval a shown estimate is at best "use with caution".
        (Rule::DhsMics, Some(_), None) => dhs_mics(n, thresholds).max(Flag::Caution),
        (Rule::DhsMics, Some(_), Some(_)) => dhs_mics(n, thresholds),
        (Rule::Nchs, Some(estimate), Some(interval)) => nchs(estimate, interval),
        (Rule::Nchs, Some(_), None) => Flag::Suppressed,
    };
    Judged {
        estimate,
        interval,
        measurable,
        flag,
    }
}

/// The notes printed under a population's table: what kind of sample it is,
/// what the weights were, and how the flags read.
pub fn population_notes(
    channel: Channel,
    design: &DesignSummary,
    some_unmeasurable: bool,
    rule: Rule,
    thresholds: Thresholds,
    min_count: u64,
    language: &str,
) -> Vec<String> {
    let word = |word: AnalysisWord| word.in_language(language).to_owned();
    let DesignSummary {
        units,
        weighted_units,
        ..
    } = *design;
    let mut notes = Vec::new();
    match channel {
        Channel::Online => notes.push(word(AnalysisWord::NoteOptIn)),
        Channel::Enumerator if weighted_units == 0 && units > 0 => {
            notes.push(word(AnalysisWord::NoteNoWeights));
        }
        Channel::Enumerator if weighted_units < units => notes.push(fill(
            AnalysisWord::NoteUnweightedUnits.in_language(language),
            &[
                ("n", &(units - weighted_units).to_string()),
                ("units", &units.to_string()),
            ],
        )),
        Channel::Enumerator => {}
    }
    if some_unmeasurable {
        notes.push(word(AnalysisWord::NoteSinglePsu));
    }
    let min = thresholds.min_n.to_string();
    notes.push(match rule {
        Rule::DhsMics => fill(
            AnalysisWord::NoteFlagsDhsMics.in_language(language),
            &[
                ("min", &min),
                ("last", &thresholds.caution_n.saturating_sub(1).to_string()),
            ],
        ),
        Rule::Nchs => word(AnalysisWord::NoteFlagsNchs),
    });
    notes.push(fill(
        AnalysisWord::NoteWithheld.in_language(language),
        &[("min", &min), ("k", &min_count.to_string())],
    ));
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(p: f64, se: f64, n: usize, df: f64) -> Estimate {
        Estimate {
            estimate: p,
            standard_error: se,
            n,
            degrees_of_freedom: df,
        }
    }

    #[test]
    fn dhs_mics_thresholds() {
        let dhs = |n| dhs_mics(n, Thresholds::default());
        assert_eq!(dhs(0), Flag::Empty);
        assert_eq!(dhs(24), Flag::Suppressed);
        assert_eq!(dhs(25), Flag::Caution);
        assert_eq!(dhs(49), Flag::Caution);
        assert_eq!(dhs(50), Flag::Ok);
        let strict = Thresholds {
            min_n: 40,
            caution_n: 100,
        };
        assert_eq!(dhs_mics(39, strict), Flag::Suppressed);
        assert_eq!(dhs_mics(99, strict), Flag::Caution);
    }

    #[test]
    fn nchs_rules() {
        // Effective n = 0.25 / 0.0001 = 2500 capped at 400.
        let precise = estimate(0.5, 0.01, 400, 30.0);
        assert_eq!(nchs(&precise, (0.48, 0.52)), Flag::Ok);
        assert_eq!(
            nchs(&precise, (0.35, 0.66)),
            Flag::Suppressed,
            "31 points wide"
        );
        let rare = estimate(0.05, 0.01, 400, 30.0);
        assert_eq!(
            nchs(&rare, (0.01, 0.12)),
            Flag::Suppressed,
            "relative width 220%"
        );
        let few_psus = estimate(0.5, 0.01, 400, 6.0);
        assert_eq!(nchs(&few_psus, (0.48, 0.52)), Flag::Caution);
        let thin = estimate(0.5, 0.1, 400, 30.0);
        assert!(thin.effective_n() < 30.0);
        assert_eq!(nchs(&thin, (0.3, 0.7)), Flag::Suppressed);
    }
}
