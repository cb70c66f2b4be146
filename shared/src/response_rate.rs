//! Response rates from household visits (issue 16 item 5), as household
//! surveys report them:
//!
//! - **AAPOR** (Standard Definitions, "Calculating rates from response
//!   distributions"; final disposition codes for in-person household
//!   surveys, table 2): `RR1 = I / ((I+P) + (R+NC+O) + (UH+UO))` and
//!   `RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO))`, with `e` the share of cases
//!   of unknown eligibility estimated to be eligible, here the share among
//!   cases whose eligibility is known (the AAPOR outcome rate calculator's
//!   default: `(I+P+R+NC+O) / (I+P+R+NC+O+NE)`).
//! - **DHS / MICS**: the household response rate is households
//!   interviewed over occupied households found or not found (vacant
//!   dwellings are out); the individual rate is eligible respondents
//!   interviewed over eligible respondents in interviewed households; the
//!   overall rate is their product.
//!
//! A case is a sampled household, given the outcome of its visit that got
//! furthest ([`VisitOutcome::precedence`]). At the **household level** the
//! case's interview is the household list (made: `I`; the informant
//! refused: `R`; no one home: `NC`). At the **individual level** the case
//! is the household's drawn respondent, AAPOR's person-level case in a
//! household survey: a household refusal is then a refusal and a household
//! no one was at home in a non-contact. Either way a dwelling not found is
//! of unknown eligibility (`UH`) and a vacant one is not eligible (`NE`).
//! Rates with an empty denominator are `None`, never 0 or 100 %.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::visit::VisitOutcome;

/// AAPOR's disposition groups, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dispositions {
    /// Complete interviews.
    pub i: u64,
    /// Partial interviews.
    pub p: u64,
    /// Refusals and break-offs.
    pub r: u64,
    /// Non-contacts.
    pub nc: u64,
    /// Other eligible non-interviews.
    pub o: u64,
    /// Unknown whether a household (occupied housing unit).
    pub uh: u64,
    /// Unknown eligibility, other.
    pub uo: u64,
    /// Not eligible.
    pub ne: u64,
}

fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator > 0.0).then(|| numerator / denominator)
}

impl Dispositions {
    fn known_eligible(&self) -> f64 {
        (self.i + self.p + self.r + self.nc + self.o) as f64
    }

    fn unknown(&self) -> f64 {
        (self.uh + self.uo) as f64
    }

    /// `e`: the share of cases of known eligibility that are eligible.
    pub fn eligibility(&self) -> Option<f64> {
        ratio(
            self.known_eligible(),
            self.known_eligible() + self.ne as f64,
        )
    }

    /// AAPOR RR1: every case of unknown eligibility counted as eligible.
    pub fn rr1(&self) -> Option<f64> {
        ratio(self.i as f64, self.known_eligible() + self.unknown())
    }

    /// AAPOR RR3, with `e` the estimated share of unknown cases eligible.
    pub fn rr3(&self, e: f64) -> Option<f64> {
        ratio(self.i as f64, self.known_eligible() + e * self.unknown())
    }
}

/// Households by their final outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcomes {
    pub completed: u64,
    pub partial: u64,
    pub household_refused: u64,
    pub no_one_home: u64,
    pub vacant: u64,
    pub not_found: u64,
    pub respondent_refused: u64,
    pub respondent_unavailable: u64,
}

impl Outcomes {
    pub fn add(&mut self, outcome: VisitOutcome) {
        let count = match outcome {
            VisitOutcome::Completed => &mut self.completed,
            VisitOutcome::Partial => &mut self.partial,
            VisitOutcome::HouseholdRefused => &mut self.household_refused,
            VisitOutcome::NoOneHome => &mut self.no_one_home,
            VisitOutcome::Vacant => &mut self.vacant,
            VisitOutcome::NotFound => &mut self.not_found,
            VisitOutcome::RespondentRefused => &mut self.respondent_refused,
            VisitOutcome::RespondentUnavailable => &mut self.respondent_unavailable,
        };
        *count += 1;
    }

    fn listed(&self) -> u64 {
        self.completed + self.partial + self.respondent_refused + self.respondent_unavailable
    }

    /// The household list as the case's interview.
    pub fn household_level(&self) -> Dispositions {
        Dispositions {
            i: self.listed(),
            r: self.household_refused,
            nc: self.no_one_home,
            uh: self.not_found,
            ne: self.vacant,
            ..Dispositions::default()
        }
    }

    /// The drawn respondent as the case's interview.
    pub fn individual_level(&self) -> Dispositions {
        Dispositions {
            i: self.completed,
            p: self.partial,
            r: self.household_refused + self.respondent_refused,
            nc: self.no_one_home + self.respondent_unavailable,
            uh: self.not_found,
            ne: self.vacant,
            ..Dispositions::default()
        }
    }
}

/// Every rate of one group of households (a cluster, an enumerator, the
/// survey). Shares from 0 to 1; `None` where nothing can be said yet.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Rates {
    /// Sampled households visited at least once.
    pub households: u64,
    /// Visits, call-backs included.
    pub visits: u64,
    pub outcomes: Outcomes,
    pub household: Dispositions,
    pub individual: Dispositions,
    /// The `e` RR3 used (the same at both levels: the cases of known
    /// eligibility are the same households).
    pub eligibility: Option<f64>,
    pub household_rr1: Option<f64>,
    pub household_rr3: Option<f64>,
    pub individual_rr1: Option<f64>,
    pub individual_rr3: Option<f64>,
    /// DHS/MICS: households listed over occupied households (found or not).
    pub dhs_household: Option<f64>,
    /// DHS/MICS: respondents interviewed over respondents drawn.
    pub dhs_individual: Option<f64>,
    /// DHS/MICS: the product of the two.
    pub dhs_overall: Option<f64>,
}

impl Rates {
    pub fn of(outcomes: Outcomes, visits: u64) -> Rates {
        let household = outcomes.household_level();
        let individual = outcomes.individual_level();
        let eligibility = household.eligibility();
        let e = eligibility.unwrap_or(1.0);
        let listed = outcomes.listed() as f64;
        let dhs_household = ratio(
            listed,
            listed
                + (outcomes.household_refused + outcomes.no_one_home + outcomes.not_found) as f64,
        );
        let dhs_individual = ratio(outcomes.completed as f64, listed);
        Rates {
            households: household.known_eligible() as u64 + household.uh + household.ne,
            visits,
            outcomes,
            eligibility,
            household_rr1: household.rr1(),
            household_rr3: household.rr3(e),
            individual_rr1: individual.rr1(),
            individual_rr3: individual.rr3(e),
            dhs_household,
            dhs_individual,
            dhs_overall: dhs_household.zip(dhs_individual).map(|(h, i)| h * i),
            household,
            individual,
        }
    }
}

/// One visit as the rates read it.
#[derive(Clone, Debug, PartialEq)]
pub struct VisitRow {
    pub cluster_id: String,
    pub household: String,
    pub enumerator: String,
    pub outcome: VisitOutcome,
}

/// The rates of one cluster or enumerator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupRates {
    /// The cluster's code or the enumerator's name.
    pub key: String,
    pub rates: Rates,
}

/// A survey's response rates (`GET /api/surveys/{id}/response-rates`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResponseRates {
    pub survey: Rates,
    pub clusters: Vec<GroupRates>,
    /// Households credited to the enumerator of their final visit.
    pub enumerators: Vec<GroupRates>,
}

/// The rates of a survey, per cluster and per enumerator, from every visit
/// in the order they were made (the final visit of a household, among those
/// with its final outcome, names its enumerator).
pub fn response_rates(visits: &[VisitRow]) -> ResponseRates {
    // Per household: its final outcome, who made that visit, its visits.
    let mut households: BTreeMap<(&str, &str), (VisitOutcome, &str, u64)> = BTreeMap::new();
    for visit in visits {
        let key = (visit.cluster_id.as_str(), visit.household.as_str());
        let entry = households
            .entry(key)
            .or_insert((visit.outcome, visit.enumerator.as_str(), 0));
        if visit.outcome.precedence() <= entry.0.precedence() {
            entry.0 = visit.outcome;
            entry.1 = visit.enumerator.as_str();
        }
        entry.2 += 1;
    }
    let mut survey = (Outcomes::default(), 0);
    let mut clusters: BTreeMap<&str, (Outcomes, u64)> = BTreeMap::new();
    let mut enumerators: BTreeMap<&str, (Outcomes, u64)> = BTreeMap::new();
    for ((cluster, _), (outcome, enumerator, count)) in households {
        for group in [
            &mut survey,
            clusters.entry(cluster).or_default(),
            enumerators.entry(enumerator).or_default(),
        ] {
            group.0.add(outcome);
            group.1 += count;
        }
    }
    let grouped = |groups: BTreeMap<&str, (Outcomes, u64)>| {
        groups
            .into_iter()
            .map(|(key, (outcomes, visits))| GroupRates {
                key: key.to_owned(),
                rates: Rates::of(outcomes, visits),
            })
            .collect()
    };
    ResponseRates {
        survey: Rates::of(survey.0, survey.1),
        clusters: grouped(clusters),
        enumerators: grouped(enumerators),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) {
        let actual = actual.expect("a rate");
        assert!(
            (actual - expected).abs() < 1e-9,
            "{actual} is not {expected}"
        );
    }

    /// A hand-computed example with every AAPOR disposition group, the
    /// one of rOpenSci's `outcomerate` README (I 4, P 2, R 1, NC 1, O 1,
    /// UH 1, UO 1, NE 1), which follows AAPOR's Standard Definitions
    /// (2016), "Calculating rates from response distributions":
    /// RR1 = I / ((I+P) + (R+NC+O) + (UH+UO)) = 4 / (6 + 3 + 2) = 4/11;
    /// e = (I+P+R+NC+O) / (I+P+R+NC+O+NE) = 9/10 (the AAPOR outcome rate
    /// calculator's default);
    /// RR3 = I / ((I+P) + (R+NC+O) + e(UH+UO)) = 4 / (9 + 0.9 × 2) = 4/10.8.
    #[test]
    fn aapor_rates_match_a_hand_computed_example() {
        let example = Dispositions {
            i: 4,
            p: 2,
            r: 1,
            nc: 1,
            o: 1,
            uh: 1,
            uo: 1,
            ne: 1,
        };
        close(example.rr1(), 4.0 / 11.0);
        close(example.eligibility(), 0.9);
        close(example.rr3(0.9), 4.0 / 10.8);
        // RR3 with every unknown case eligible is RR1; with none, it leaves
        // them out.
        assert_eq!(example.rr3(1.0), example.rr1());
        close(example.rr3(0.0), 4.0 / 9.0);
        assert_eq!(Dispositions::default().rr1(), None);
        assert_eq!(Dispositions::default().eligibility(), None);
    }

    fn row(cluster: &str, household: &str, enumerator: &str, outcome: VisitOutcome) -> VisitRow {
        VisitRow {
            cluster_id: cluster.into(),
            household: household.into(),
            enumerator: enumerator.into(),
            outcome,
        }
    }

    /// Twelve households of two clusters, with call-backs, computed by
    /// hand: 5 completed, 1 partial, 1 respondent refused, 1 respondent
    /// unavailable (8 listed), 1 household refusal, 1 no one home, 1 not
    /// found, 1 vacant.
    #[test]
    fn households_take_their_furthest_visit_and_both_levels_are_rated() {
        use VisitOutcome::*;
        let visits = [
            row("c1", "1", "amina", NoOneHome),
            row("c1", "1", "amina", Completed),
            row("c1", "2", "amina", Completed),
            row("c1", "3", "amina", HouseholdRefused),
            // A refusal is not undone by an empty doorstep at the call-back.
            row("c1", "3", "amina", NoOneHome),
            row("c1", "4", "amina", Vacant),
            row("c1", "5", "amina", NotFound),
            row("c1", "6", "amina", RespondentRefused),
            row("c2", "1", "bilal", Completed),
            row("c2", "2", "bilal", Completed),
            row("c2", "3", "bilal", RespondentUnavailable),
            // Completed at a call-back by a colleague: credited to her.
            row("c2", "4", "bilal", NoOneHome),
            row("c2", "4", "amina", Completed),
            row("c2", "5", "bilal", Partial),
            row("c2", "6", "bilal", NoOneHome),
            row("c2", "6", "bilal", NoOneHome),
        ];
        let rates = response_rates(&visits);
        let survey = &rates.survey;
        assert_eq!(survey.households, 12);
        assert_eq!(survey.visits, 16);
        assert_eq!(survey.outcomes.completed, 5);
        assert_eq!(survey.outcomes.household_refused, 1);
        assert_eq!(survey.outcomes.no_one_home, 1);
        // Household level: I = 8 listed, R = 1, NC = 1, UH = 1, NE = 1.
        close(survey.eligibility, 10.0 / 11.0);
        close(survey.household_rr1, 8.0 / 11.0);
        close(survey.household_rr3, 8.0 / (10.0 + 10.0 / 11.0));
        // Individual level: I = 5, P = 1, R = 2, NC = 2, UH = 1, NE = 1.
        close(survey.individual_rr1, 5.0 / 11.0);
        close(survey.individual_rr3, 5.0 / (10.0 + 10.0 / 11.0));
        // DHS/MICS: 8 listed of 11 occupied or not found; 5 of 8 drawn.
        close(survey.dhs_household, 8.0 / 11.0);
        close(survey.dhs_individual, 5.0 / 8.0);
        close(survey.dhs_overall, 5.0 / 11.0);
        let keys: Vec<&str> = rates.clusters.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["c1", "c2"]);
        let c1 = &rates.clusters[0].rates;
        assert_eq!((c1.households, c1.visits), (6, 8));
        // c1: listed 3 (1, 2, 6), refused 1, not found 1, vacant 1.
        close(c1.household_rr1, 3.0 / 5.0);
        close(c1.dhs_individual, 2.0 / 3.0);
        let amina = &rates.enumerators[0];
        assert_eq!(amina.key, "amina");
        assert_eq!(amina.rates.households, 7);
        assert_eq!(amina.rates.outcomes.completed, 3);
        let bilal = &rates.enumerators[1];
        assert_eq!(bilal.rates.households, 5);
        assert_eq!(bilal.rates.visits, 6);
    }

    #[test]
    fn nothing_visited_says_nothing() {
        let rates = response_rates(&[]);
        assert_eq!(rates.survey.households, 0);
        assert_eq!(rates.survey.household_rr1, None);
        assert_eq!(rates.survey.dhs_overall, None);
        assert!(rates.clusters.is_empty());
        let vacant = response_rates(&[row("c", "1", "e", VisitOutcome::Vacant)]);
        assert_eq!(vacant.survey.eligibility, Some(0.0));
        assert_eq!(vacant.survey.household_rr1, None);
    }
}
