//! What `POST /api/surveys/{id}/assignments.csv` reads besides its file:
//! whether to only preview the plan (`dry_run`) and whether clusters the
//! file leaves out are withdrawn (`replace`), with every bad parameter
//! named, and the parameter list the API document is generated from; and
//! the plan it answers with, as the console reads it.

use serde::{Deserialize, Serialize};

use crate::api::ErrorField;
use crate::query::{Parameter, ParameterKind, choice, last};

/// Most rows one file may have: a national sample is a few thousand
/// clusters, and the plan of a larger file would not be read by anyone.
pub const MAX_ROWS: usize = 20_000;

/// Most households one cluster may be given: an enumeration area holds a
/// few hundred, and a survey interviews tens of them.
pub const MAX_HOUSEHOLDS: u32 = 10_000;

/// One row of the file, checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedAssignment {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    pub cluster: String,
    pub enumerator: String,
    pub stratum: Option<String>,
    pub area: Option<String>,
    /// How many households to interview in the cluster; left out, the
    /// cluster keeps the number it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub households: Option<u32>,
}

/// A cluster that goes to another enumerator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Move {
    #[serde(flatten)]
    pub to: PlannedAssignment,
    /// Who has it now (and will not).
    pub from: Vec<String>,
}

/// A row naming someone who cannot be given clusters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnknownEnumerator {
    pub line: usize,
    pub cluster: String,
    pub enumerator: String,
    /// `unknown` (no active user) or `wrong_role` (not an enumerator).
    pub code: String,
}

/// An assignment taken back.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Withdrawal {
    pub cluster: String,
    pub enumerator: String,
}

/// What an upload changes (or, with `dry_run=true`, would change).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentPlan {
    /// Nothing was changed: this is a preview.
    pub dry_run: bool,
    /// Clusters nobody had.
    pub added: Vec<PlannedAssignment>,
    /// Clusters someone else had.
    pub moved: Vec<Move>,
    /// Same enumerator, another stratum, area or number of households.
    pub updated: Vec<PlannedAssignment>,
    /// Rows that change nothing.
    pub unchanged: usize,
    /// Rows naming no active enumerator: listed in a preview, refused (422)
    /// when applying.
    pub unknown_enumerators: Vec<UnknownEnumerator>,
    /// With `replace=true`: clusters the file leaves out, taken back.
    pub withdrawn: Vec<Withdrawal>,
}

/// The upload's options; both off by default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// Answer with the plan and change nothing.
    pub dry_run: bool,
    /// Withdraw every assignment of a cluster the file does not name.
    pub replace: bool,
}

fn flag_name(flag: bool) -> &'static str {
    if flag { "true" } else { "false" }
}

impl Query {
    pub fn parameters() -> Vec<Parameter> {
        Self::described(
            "true: answer with what would change, and change nothing (default false)",
            "true: clusters the file does not name are withdrawn from their enumerators (default false)",
        )
    }

    /// The same options as the design (weights) upload reads them: there
    /// `replace` takes away the weights the file leaves out.
    pub fn design_parameters() -> Vec<Parameter> {
        Self::described(
            "true: answer with what would change (matched, unmatched, changed, removed), and store nothing (default false)",
            "true: stored weights of the same kind (cluster or submission) the file does not name are taken away (default false)",
        )
    }

    fn described(dry_run: &'static str, replace: &'static str) -> Vec<Parameter> {
        let flags = [false, true].map(flag_name);
        vec![
            Parameter::optional("dry_run", ParameterKind::Text, &flags, dry_run),
            Parameter::optional("replace", ParameterKind::Text, &flags, replace),
        ]
    }

    /// Reads the options from the query's pairs, listing every problem.
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Vec<ErrorField>> {
        let mut errors = Vec::new();
        let mut read = |name: &str| {
            choice(
                last(pairs, name),
                name,
                &[false, true],
                flag_name,
                &mut errors,
            )
            .unwrap_or_default()
        };
        let query = Query {
            dry_run: read("dry_run"),
            replace: read("replace"),
        };
        if errors.is_empty() {
            Ok(query)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_true_or_false_and_bad_ones_named() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(Query::parse(&[]), Ok(Query::default()));
        assert_eq!(
            Query::parse(&pairs(&[("dry_run", "true"), ("replace", "false")])),
            Ok(Query {
                dry_run: true,
                replace: false
            })
        );
        let errors =
            Query::parse(&pairs(&[("dry_run", "yes"), ("replace", "1")])).expect_err("bad");
        let names: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(names, ["dry_run", "replace"]);
    }
}
