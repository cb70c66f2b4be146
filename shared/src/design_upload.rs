//! The sample design as `POST /api/surveys/{id}/weights`,
//! `GET /api/surveys/{id}/design` and `GET /api/surveys/{id}/clusters`
//! answer: a design file's plan (matched, unmatched, changed, removed), the
//! design summarised with its history, each cluster's progress. Defined
//! once, so the server writes and the console reads the same fields.

use serde::{Deserialize, Serialize};

/// Most rows one design file may have: one a submission is the largest
/// design, and a survey of more interviews uploads cluster weights.
pub const MAX_DESIGN_ROWS: usize = 100_000;
/// The range a weight must lie in. A weight is an inverse probability of
/// selection, scaled or not; outside this range it is a slip (a percentage
/// read as a fraction, a column of ids), and the variance sums its squares
/// over every interview, which below 1e-6 or above 1e9 lose their digits.
pub const MIN_WEIGHT: f64 = 1e-6;
pub const MAX_WEIGHT: f64 = 1e9;

/// One stored design file, as its history shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignUpload {
    pub uploaded_by: String,
    pub uploaded_at: String,
    /// `cluster` or `submission`: what the file's rows named.
    pub keyed_by: String,
    pub rows: i64,
    /// Rows that gave a cluster or submission another weight or stratum.
    pub changed: i64,
    /// Weights taken away (`replace=true`) because the file left them out.
    pub removed: i64,
}

/// How many clusters and submissions a design file names, and how many of
/// its clusters have interviews.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignStored {
    /// Cluster rows.
    pub clusters: usize,
    /// Of those, clusters with interviews so far (the others are assigned,
    /// or named by an earlier upload, and have none yet).
    pub clusters_with_interviews: usize,
    /// Submission weight rows.
    pub submissions: usize,
}

/// A cluster's or submission's design before and after the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignChangeRow {
    /// The row's line in the file (the header is line 1).
    pub line: usize,
    /// The cluster or submission.
    pub key: String,
    pub stratum_before: Option<String>,
    pub stratum: Option<String>,
    pub weight_before: Option<f64>,
    pub weight: Option<f64>,
}

/// A row naming no cluster or submission the survey knows: listed in a
/// preview, refused (422) when storing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnmatchedRow {
    pub line: usize,
    pub key: String,
}

/// A stored weight the file leaves out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignWeight {
    pub key: String,
    pub weight: f64,
}

/// What a design file changes (or, with `dry_run=true`, would change).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignPlan {
    /// Nothing was stored: this is a preview.
    pub dry_run: bool,
    #[serde(flatten)]
    pub stored: DesignStored,
    /// `cluster` or `submission`: what the file's rows name.
    pub keyed_by: String,
    /// Rows naming a cluster or submission the survey knows.
    pub matched: usize,
    /// Of those, rows that change nothing.
    pub unchanged: usize,
    pub changed: Vec<DesignChangeRow>,
    pub unmatched: Vec<UnmatchedRow>,
    /// With `replace=true`, stored weights of the same kind the file leaves
    /// out, taken away (a cluster keeps its stratum).
    pub removed: Vec<DesignWeight>,
    /// Without `replace`, how many of those the file leaves as they are.
    pub kept: usize,
}

/// One stratum of the design (`stratum: null`: clusters without one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StratumSummary {
    pub stratum: Option<String>,
    /// Clusters (PSUs) of the stratum with interviews.
    pub clusters: usize,
    pub interviews: i64,
    pub weighted_interviews: i64,
    pub sum_of_weights: f64,
}

/// The survey's design as the aggregates use it now, and its history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DesignSummary {
    /// Respondents, every channel.
    pub interviews: i64,
    /// Of those, respondents carrying a weight (their own or their cluster's).
    pub weighted_interviews: i64,
    /// The weighted total: the sum of the weights of the respondents.
    pub sum_of_weights: f64,
    /// Clusters with interviews.
    pub psus: usize,
    pub strata: Vec<StratumSummary>,
    /// Clusters with interviews, some of them without a weight.
    pub clusters_without_weight: Vec<String>,
    /// Weights given to single submissions.
    pub submission_weights: usize,
    /// The last 50 design files stored, newest first.
    pub history: Vec<DesignUpload>,
}

/// One cluster of the sample: who works it, how many households it should
/// reach, how many interviews it has given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClusterProgress {
    pub cluster: String,
    pub stratum: Option<String>,
    pub area: Option<String>,
    /// Who has it now (none: withdrawn, or only in the design).
    pub enumerators: Vec<String>,
    /// Households to interview, from the clusters file.
    pub target_households: Option<i64>,
    /// Interviews received so far (respondents).
    pub interviews: i64,
    pub weight: Option<f64>,
}
