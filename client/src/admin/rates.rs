//! The fieldwork page's response rates (`GET /api/surveys/{id}/response-rates`):
//! the whole survey, each cluster and each enumerator, from every visit the
//! field app recorded. Counts and shares only.

use leptos::prelude::*;
use salama_shared::response_rate::{Rates, ResponseRates};
use salama_shared::words::{AdminWord as A, StaffWord as S};

use super::calls::Refusal;
use super::say;

/// The columns after the group's own (survey, cluster or enumerator).
const COLUMNS: [A; 10] = [
    A::ColumnHouseholds,
    A::ColumnVisits,
    A::ColumnRefusals,
    A::ColumnHouseholdRr1,
    A::ColumnHouseholdRr3,
    A::ColumnIndividualRr1,
    A::ColumnIndividualRr3,
    A::ColumnDhsHousehold,
    A::ColumnDhsIndividual,
    A::ColumnDhsOverall,
];

/// A share as a percentage to one decimal; a dash where nothing can be said.
fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_owned(), |share| format!("{:.1} %", share * 100.0))
}

fn cells(key: String, rates: &Rates) -> Vec<String> {
    let refusals = rates.outcomes.household_refused + rates.outcomes.respondent_refused;
    vec![
        key,
        rates.households.to_string(),
        rates.visits.to_string(),
        refusals.to_string(),
        percent(rates.household_rr1),
        percent(rates.household_rr3),
        percent(rates.individual_rr1),
        percent(rates.individual_rr3),
        percent(rates.dhs_household),
        percent(rates.dhs_individual),
        percent(rates.dhs_overall),
    ]
}

pub(super) fn response_rates(
    survey: String,
    rates: Option<Result<ResponseRates, Refusal>>,
) -> AnyView {
    let rates = match rates {
        None => return view! { <p role="status">{say(S::Loading)}</p> }.into_any(),
        Some(Err(refusal)) => {
            return super::fieldwork::csv_problems("rates-failed", refusal).into_any();
        }
        Some(Ok(rates)) => rates,
    };
    if rates.survey.households == 0 {
        return view! { <p id="no-visits">{say(A::NoVisits)}</p> }.into_any();
    }
    let head = |first: A| {
        let mut head = vec![first];
        head.extend(COLUMNS);
        head
    };
    let grouped = |groups: &[salama_shared::response_rate::GroupRates]| {
        groups
            .iter()
            .map(|group| cells(group.key.clone(), &group.rates))
            .collect::<Vec<_>>()
    };
    view! {
        {super::fieldwork::table(
            "rates-survey".into(),
            say(A::RatesSurveyCaption).to_owned(),
            &head(A::ColumnSurvey),
            vec![cells(survey, &rates.survey)],
        )}
        {super::fieldwork::table(
            "rates-clusters".into(),
            say(A::RatesClustersCaption).to_owned(),
            &head(A::ColumnCluster),
            grouped(&rates.clusters),
        )}
        {super::fieldwork::table(
            "rates-enumerators".into(),
            say(A::RatesEnumeratorsCaption).to_owned(),
            &head(A::ColumnEnumerator),
            grouped(&rates.enumerators),
        )}
    }
    .into_any()
}
