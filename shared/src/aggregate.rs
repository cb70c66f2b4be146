//! The shape of aggregate tables: breakdown dimensions, age-band schemes
//! and the cells the server sends (and the analyst pages read); `query`
//! is what an analyst asks for.

mod query;

use serde::{Deserialize, Serialize};

pub use query::{Format, POLICY_CODE, Query, area_level_of, available_breakdowns};

use crate::publication::{Flag, Rule};
use crate::schema::{Channel, Level};

/// What a table can be broken down by (up to three at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Sex,
    AgeBand,
    Area,
    Disability,
    Displacement,
    UrbanRural,
}

impl Dimension {
    pub const ALL: [Dimension; 6] = [
        Dimension::Sex,
        Dimension::AgeBand,
        Dimension::Area,
        Dimension::Disability,
        Dimension::Displacement,
        Dimension::UrbanRural,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Sex => "sex",
            Dimension::AgeBand => "age_band",
            Dimension::Area => "area",
            Dimension::Disability => "disability",
            Dimension::Displacement => "displacement",
            Dimension::UrbanRural => "urban_rural",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == name)
    }

    /// The dimension's name in the catalogue, as tables and pages say it.
    pub fn word(self) -> crate::words::AnalysisWord {
        use crate::words::AnalysisWord as W;
        match self {
            Dimension::Sex => W::DimensionSex,
            Dimension::AgeBand => W::DimensionAgeBand,
            Dimension::Area => W::DimensionArea,
            Dimension::Disability => W::DimensionDisability,
            Dimension::Displacement => W::DimensionDisplacement,
            Dimension::UrbanRural => W::DimensionUrbanRural,
        }
    }
}

/// Age bands, derived at query time from age in completed years.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgeScheme {
    /// The SDG 16.7.2 metadata's adult bands: under 25, 25–34 … 65+.
    #[default]
    UnAdult,
    /// Humanitarian sex-and-age-disaggregated-data bands (UNHCR):
    /// 0–4, 5–11, 12–17, 18–59, 60+.
    Sadd,
}

const UN_ADULT: [(i64, &str); 6] = [
    (25, "under_25"),
    (35, "25-34"),
    (45, "35-44"),
    (55, "45-54"),
    (65, "55-64"),
    (i64::MAX, "65+"),
];
const SADD: [(i64, &str); 5] = [
    (5, "0-4"),
    (12, "5-11"),
    (18, "12-17"),
    (60, "18-59"),
    (i64::MAX, "60+"),
];

impl AgeScheme {
    pub const ALL: [AgeScheme; 2] = [AgeScheme::UnAdult, AgeScheme::Sadd];

    pub fn as_str(self) -> &'static str {
        match self {
            AgeScheme::UnAdult => "un_adult",
            AgeScheme::Sadd => "sadd",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn table(self) -> &'static [(i64, &'static str)] {
        match self {
            AgeScheme::UnAdult => &UN_ADULT,
            AgeScheme::Sadd => &SADD,
        }
    }

    /// The bands in order.
    pub fn bands(self) -> impl Iterator<Item = &'static str> {
        self.table().iter().map(|(_, band)| *band)
    }

    /// The index of the band holding `age`; `None` for a negative age.
    pub fn band(self, age: i64) -> Option<usize> {
        if age < 0 {
            return None;
        }
        self.table().iter().position(|(below, _)| age < *below)
    }
}

/// An aggregate table: one indicator broken down by up to three dimensions,
/// for each population (interviews and online answers are never pooled).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AggregateTable {
    pub survey_id: String,
    pub indicator: String,
    pub code: String,
    pub name: String,
    pub unit: Level,
    pub by: Vec<Dimension>,
    pub age_scheme: AgeScheme,
    pub rule: Rule,
    /// Categories whose counts are reported beside the estimate.
    pub reported: Vec<String>,
    pub populations: Vec<Population>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Population {
    pub channel: Channel,
    /// Probability samples are; opt-in online answers are not.
    pub representative: bool,
    /// How the estimates were made, in words (design, weights, interval).
    pub design: String,
    /// Anything a reader must know before using the numbers.
    pub notes: Vec<String>,
    /// The total first, then one cell per combination of group values.
    pub cells: Vec<Cell>,
}

/// One cell. A suppressed estimate is absent, not merely flagged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Cell {
    /// One value per breakdown dimension, in the table's order; empty for
    /// the total. A `None` value groups units whose answer is unknown.
    pub group: Vec<GroupValue>,
    /// Unweighted units in the denominator; absent when the cell is
    /// withheld (a shown n would give the withheld value away by
    /// subtraction from the total).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_n: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_error: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_lower: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ci_upper: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degrees_of_freedom: Option<f64>,
    pub flag: Flag,
    /// Counts of the reported categories; a count under the minimum cell
    /// size (or one that would give it away) is absent.
    pub reported: Vec<ReportedCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupValue {
    pub dimension: Dimension,
    pub value: Option<String>,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportedCount {
    pub category: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
}

/// How fieldwork is going: interviews and online answers received, by
/// day, area and enumerator.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Fieldwork {
    pub survey_id: String,
    pub interviews: u64,
    pub online: u64,
    pub by_day: Vec<DayCount>,
    pub by_area: Vec<AreaCount>,
    pub by_enumerator: Vec<EnumeratorCount>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayCount {
    /// `YYYY-MM-DD`, the interview's local date.
    pub date: String,
    pub interviews: u64,
    pub online: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AreaCount {
    pub area: Option<String>,
    pub label: String,
    pub interviews: u64,
    pub online: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnumeratorCount {
    pub enumerator: String,
    pub interviews: u64,
    /// The most recent interview's date.
    pub last: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_cover_every_age_once() {
        for scheme in [AgeScheme::UnAdult, AgeScheme::Sadd] {
            let bands: Vec<_> = scheme.bands().collect();
            for age in 0..=130 {
                let band = scheme.band(age).expect("every age has a band");
                assert!(band < bands.len());
            }
            assert_eq!(scheme.band(-1), None);
            assert_eq!(AgeScheme::parse(scheme.as_str()), Some(scheme));
        }
        let sadd = |age| {
            AgeScheme::Sadd
                .bands()
                .nth(AgeScheme::Sadd.band(age).unwrap_or(99))
        };
        assert_eq!(
            [0, 4, 5, 11, 12, 17, 18, 59, 60].map(sadd),
            [
                Some("0-4"),
                Some("0-4"),
                Some("5-11"),
                Some("5-11"),
                Some("12-17"),
                Some("12-17"),
                Some("18-59"),
                Some("18-59"),
                Some("60+")
            ]
        );
        let un = |age| {
            AgeScheme::UnAdult
                .bands()
                .nth(AgeScheme::UnAdult.band(age).unwrap_or(99))
        };
        assert_eq!(
            [17, 24, 25, 64, 65, 99].map(un),
            [
                Some("under_25"),
                Some("under_25"),
                Some("25-34"),
                Some("55-64"),
                Some("65+"),
                Some("65+")
            ]
        );
    }

    #[test]
    fn dimensions_read_back_by_name() {
        for dimension in Dimension::ALL {
            assert_eq!(Dimension::parse(dimension.as_str()), Some(dimension));
        }
        assert_eq!(Dimension::parse("income"), None);
    }
}
