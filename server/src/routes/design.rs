//! The sample design as the survey team keeps it: weights and strata from a
//! CSV file (previewed with `dry_run=true`: matched, unmatched, changed,
//! removed), the design summarised with its history, and each cluster's
//! progress against the households it should reach. Counts and weights
//! only: no answer is read here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use salama_shared::api::{ErrorBody, ErrorField};
use salama_shared::assignment_upload;
use salama_shared::design_upload::{
    ClusterProgress, DesignChangeRow, DesignPlan, DesignStored, DesignSummary, DesignWeight,
    MAX_DESIGN_ROWS, MAX_WEIGHT, MIN_WEIGHT, StratumSummary, UnmatchedRow,
};
use salama_shared::text::is_envelope_code;

use super::params::{CODE_RULE, Params, field, quoted};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::CsvBody;
use crate::state::AppState;
use crate::store::{DesignChange, DesignEntry, DesignRecord};

/// How many stored design files the summary lists.
const HISTORY: u32 = 50;

/// A design file as read: what its rows name and its entries, each with
/// its line.
struct DesignFile {
    by_cluster: bool,
    has_weight: bool,
    entries: Vec<(usize, DesignEntry)>,
}

/// The sample design as CSV (`Content-Type: text/csv`): either `cluster_id`
/// with `stratum` and/or `weight` (the cluster's interviews share them), or
/// `submission_id` with `weight`. Uploading again replaces the values it
/// gives and keeps those it does not (a column left out, or an empty cell);
/// with `replace=true` the weights of the same kind it leaves out are taken
/// away. Every row must name a cluster with interviews, assigned or already
/// in the design, or a stored submission. A weight is a plain decimal
/// number from 0.000001 to 1,000,000,000 (no sign, `inf` or `NaN`); at most
/// 100,000 rows. `dry_run=true` answers with the plan and stores nothing;
/// otherwise the file is stored whole, or not at all, and kept in the
/// design's history.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/weights", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)), request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "The plan: stored, or with dry_run=true only previewed", body = DesignPlan), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as text/csv", body = ErrorBody), (status = 422, description = "Every problem, by row and column, or a bad parameter", body = ErrorBody)))]
pub async fn upload_weights(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
    body: CsvBody,
) -> ApiResult<Json<DesignPlan>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    let options = assignment_upload::Query::parse(&params).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    state.survey(&survey_id, None).await?;
    let invalid = |errors: Vec<ErrorField>| {
        ApiError::invalid(
            format!("{} problem(s) in the design file", errors.len()),
            errors,
        )
    };
    let file = parse_design(&body.0).map_err(invalid)?;
    let with_interviews: BTreeSet<String> = state
        .store()
        .cluster_counts(&survey_id)
        .await?
        .into_iter()
        .filter_map(|count| count.cluster)
        .collect();
    let assigned: BTreeSet<String> = state
        .store()
        .assignments_for(&survey_id)
        .await?
        .into_iter()
        .map(|assignment| assignment.cluster_id)
        .collect();
    let design: HashMap<String, (Option<String>, Option<f64>)> = state
        .store()
        .design_clusters(&survey_id)
        .await?
        .into_iter()
        .map(|(cluster, stratum, weight)| (cluster, (stratum, weight)))
        .collect();
    let named_submissions: Vec<String> = file
        .entries
        .iter()
        .filter_map(|(_, entry)| match entry {
            DesignEntry::Submission { submission_id, .. } => Some(submission_id.clone()),
            DesignEntry::Cluster { .. } => None,
        })
        .collect();
    let stored_submissions = state
        .store()
        .stored_submissions(&survey_id, &named_submissions)
        .await?;
    let submission_weights: HashMap<String, f64> = state
        .store()
        .submission_weights(&survey_id)
        .await?
        .into_iter()
        .collect();
    let mut plan = DesignPlan {
        dry_run: options.dry_run,
        stored: DesignStored {
            clusters: 0,
            clusters_with_interviews: 0,
            submissions: 0,
        },
        keyed_by: if file.by_cluster {
            "cluster"
        } else {
            "submission"
        }
        .to_owned(),
        matched: 0,
        unchanged: 0,
        changed: Vec::new(),
        unmatched: Vec::new(),
        removed: Vec::new(),
        kept: 0,
    };
    let mut named = BTreeSet::new();
    for (line, entry) in &file.entries {
        let (key, known, before, after) = match entry {
            DesignEntry::Cluster {
                cluster_id,
                stratum,
                weight,
            } => {
                let interviews = with_interviews.contains(cluster_id);
                plan.stored.clusters += 1;
                plan.stored.clusters_with_interviews += usize::from(interviews);
                let before = design.get(cluster_id).cloned().unwrap_or_default();
                let after = (
                    stratum.clone().or_else(|| before.0.clone()),
                    weight.or(before.1),
                );
                let known =
                    interviews || assigned.contains(cluster_id) || design.contains_key(cluster_id);
                (cluster_id, known, before, after)
            }
            DesignEntry::Submission {
                submission_id,
                weight,
            } => {
                plan.stored.submissions += 1;
                let before = (None, submission_weights.get(submission_id).copied());
                let known = stored_submissions.contains(submission_id);
                (submission_id, known, before, (None, Some(*weight)))
            }
        };
        named.insert(key.clone());
        if !known {
            plan.unmatched.push(UnmatchedRow {
                line: *line,
                key: key.clone(),
            });
            continue;
        }
        plan.matched += 1;
        if before == after {
            plan.unchanged += 1;
        } else {
            plan.changed.push(DesignChangeRow {
                line: *line,
                key: key.clone(),
                stratum_before: before.0,
                stratum: after.0,
                weight_before: before.1,
                weight: after.1,
            });
        }
    }
    // Only weights are taken away: a file without a weight column has
    // none to leave out, and strata also come from assignments.
    let left_out: Vec<DesignWeight> = if !file.has_weight {
        Vec::new()
    } else if file.by_cluster {
        design
            .iter()
            .filter_map(|(cluster, (_, weight))| Some((cluster, (*weight)?)))
            .filter(|(cluster, _)| !named.contains(*cluster))
            .map(|(cluster, weight)| DesignWeight {
                key: cluster.clone(),
                weight,
            })
            .collect()
    } else {
        submission_weights
            .iter()
            .filter(|(submission, _)| !named.contains(*submission))
            .map(|(submission, weight)| DesignWeight {
                key: submission.clone(),
                weight: *weight,
            })
            .collect()
    };
    if options.replace {
        plan.removed = left_out;
        plan.removed.sort_by(|a, b| a.key.cmp(&b.key));
    } else {
        plan.kept = left_out.len();
    }
    // Checked on the preview too, so the console shows it before Apply.
    let policy = state.store().disclosure_policy(&survey_id).await?;
    let mut in_force: Vec<(WeightFrom, f64)> = Vec::new();
    let removed: BTreeSet<&str> = plan.removed.iter().map(|w| w.key.as_str()).collect();
    let mut from_file = BTreeSet::new();
    for (line, entry) in &file.entries {
        let (key, weight, kind) = match entry {
            DesignEntry::Cluster {
                cluster_id, weight, ..
            } => (cluster_id, *weight, WeightKind::Cluster),
            DesignEntry::Submission {
                submission_id,
                weight,
            } => (submission_id, Some(*weight), WeightKind::Submission),
        };
        let known = match kind {
            WeightKind::Cluster => {
                with_interviews.contains(key) || assigned.contains(key) || design.contains_key(key)
            }
            WeightKind::Submission => stored_submissions.contains(key),
        };
        if let (true, Some(weight)) = (known, weight) {
            from_file.insert((kind, key.as_str()));
            in_force.push((WeightFrom::Line(*line, kind, key.clone()), weight));
        }
    }
    let stays = |kind: WeightKind, key: &str| {
        let replaced = from_file.contains(&(kind, key));
        let taken_away = kind == file_kind(&file) && removed.contains(key);
        !replaced && !taken_away
    };
    for (cluster, (_, weight)) in &design {
        if let Some(weight) = weight
            && stays(WeightKind::Cluster, cluster)
        {
            in_force.push((
                WeightFrom::Stored(WeightKind::Cluster, cluster.clone()),
                *weight,
            ));
        }
    }
    for (submission, weight) in &submission_weights {
        if stays(WeightKind::Submission, submission) {
            in_force.push((
                WeightFrom::Stored(WeightKind::Submission, submission.clone()),
                *weight,
            ));
        }
    }
    if let Some(errors) = weight_ratio_problems(&in_force, policy.max_weight_ratio) {
        return Err(ApiError::invalid(
            "the weights are further apart than the survey's disclosure policy allows",
            errors,
        ));
    }
    if options.dry_run {
        return Ok(Json(plan));
    }
    if !plan.unmatched.is_empty() {
        let column = if file.by_cluster {
            "cluster_id"
        } else {
            "submission_id"
        };
        let errors = plan
            .unmatched
            .iter()
            .map(|row| {
                let message = if file.by_cluster {
                    format!(
                        "line {}: no interviews, assignment or design for cluster `{}`",
                        row.line, row.key
                    )
                } else {
                    format!(
                        "line {}: no stored submission `{}` in this survey",
                        row.line, row.key
                    )
                };
                field(
                    &format!("rows[{}].{column}", row.line - 2),
                    "unknown",
                    message,
                )
            })
            .collect();
        return Err(invalid(errors));
    }
    let removed: Vec<String> = plan.removed.iter().map(|w| w.key.clone()).collect();
    let entries: Vec<DesignEntry> = file.entries.into_iter().map(|(_, e)| e).collect();
    let (clear_cluster_weights, delete_submission_weights) = if file.by_cluster {
        (removed.as_slice(), &[][..])
    } else {
        (&[][..], removed.as_slice())
    };
    state
        .store()
        .store_design(
            &survey_id,
            &DesignChange {
                entries: &entries,
                clear_cluster_weights,
                delete_submission_weights,
                record: Some(DesignRecord {
                    uploaded_by: &caller.name,
                    keyed_by: &plan.keyed_by,
                    changed: plan.changed.len(),
                }),
            },
        )
        .await?;
    state
        .store()
        .audit(
            &caller.name,
            "design_uploaded",
            &format!(
                "{survey_id}: {} cluster(s) ({} with interviews), {} submission weight(s), {} changed, {} removed",
                plan.stored.clusters,
                plan.stored.clusters_with_interviews,
                plan.stored.submissions,
                plan.changed.len(),
                plan.removed.len()
            ),
        )
        .await?;
    Ok(Json(plan))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum WeightKind {
    Cluster,
    Submission,
}

fn file_kind(file: &DesignFile) -> WeightKind {
    if file.by_cluster {
        WeightKind::Cluster
    } else {
        WeightKind::Submission
    }
}

/// Where a weight in force after an upload comes from: a line of the file
/// or the stored design it leaves as it is.
#[derive(Clone, Debug)]
enum WeightFrom {
    Line(usize, WeightKind, String),
    Stored(WeightKind, String),
}

impl WeightFrom {
    fn described(&self, weight: f64) -> String {
        let what = |kind: WeightKind, key: &str| match kind {
            WeightKind::Cluster => format!("cluster `{}`", quoted(key)),
            WeightKind::Submission => format!("submission `{}`", quoted(key)),
        };
        match self {
            WeightFrom::Line(line, kind, key) => {
                format!("{weight} (line {line}, {})", what(*kind, key))
            }
            WeightFrom::Stored(kind, key) => {
                format!(
                    "{weight} ({}, kept from the stored design)",
                    what(*kind, key)
                )
            }
        }
    }
}

/// When the largest weight in force is more than `bound` times the
/// smallest: a problem at each of the two rows from the file (or at
/// `weight` when both are stored), naming both and the bound. Weights that
/// far apart (1 against 1e-300) turn a table into one cluster's while its
/// n stays large.
fn weight_ratio_problems(in_force: &[(WeightFrom, f64)], bound: f64) -> Option<Vec<ErrorField>> {
    // The first of equal weights: the file's rows before stored ones.
    let smallest = in_force
        .iter()
        .reduce(|a, b| if b.1 < a.1 { b } else { a })?;
    let largest = in_force
        .iter()
        .reduce(|a, b| if b.1 > a.1 { b } else { a })?;
    let ratio = largest.1 / smallest.1;
    if ratio <= bound {
        return None;
    }
    let message = format!(
        "the largest weight, {}, is {ratio:.0} times the smallest, {}; the survey's disclosure policy allows at most {bound} times",
        largest.0.described(largest.1),
        smallest.0.described(smallest.1),
    );
    let mut errors: Vec<ErrorField> = [&largest.0, &smallest.0]
        .into_iter()
        .filter_map(|from| match from {
            WeightFrom::Line(line, ..) => Some(field(
                &format!("rows[{}].weight", line - 2),
                salama_shared::aggregate::POLICY_CODE,
                format!("line {line}: {message}"),
            )),
            WeightFrom::Stored(..) => None,
        })
        .collect();
    if errors.is_empty() {
        errors.push(field(
            "weight",
            salama_shared::aggregate::POLICY_CODE,
            message,
        ));
    }
    Some(errors)
}

/// A weight cell as a number: plain decimal notation (`12`, `0.5`,
/// `1.5e3`) within the accepted range. A sign, `inf`, `NaN` or a formula
/// is refused rather than read.
fn weight(text: &str) -> Option<f64> {
    let plain = text.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    let value: f64 = text.parse().ok().filter(|_| plain)?;
    (MIN_WEIGHT..=MAX_WEIGHT).contains(&value).then_some(value)
}

/// Reads a design CSV, reporting every problem with its row and column.
fn parse_design(body: &[u8]) -> Result<DesignFile, Vec<ErrorField>> {
    let (reader, headers) = super::params::csv_header(body)?;
    let column = |name: &str| headers.iter().position(|h| h == name);
    let (cluster, submission) = (column("cluster_id"), column("submission_id"));
    let (stratum, weight_at) = (column("stratum"), column("weight"));
    let by_cluster = match (cluster, submission) {
        (Some(_), None) => true,
        (None, Some(_)) => false,
        _ => {
            return Err(vec![field(
                "header",
                "invalid_header",
                "name exactly one of `cluster_id` or `submission_id`, with `weight` and/or `stratum`",
            )]);
        }
    };
    if weight_at.is_none() && (!by_cluster || stratum.is_none()) {
        return Err(vec![field(
            "header",
            "invalid_header",
            "a `weight` column is needed (or `stratum` for clusters)",
        )]);
    }
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    super::params::csv_rows(
        reader,
        MAX_DESIGN_ROWS,
        &mut errors,
        |index, line, record, errors| {
            let path = |name: &str| format!("rows[{index}].{name}");
            let get =
                |at: Option<usize>| at.and_then(|at| record.get(at)).filter(|v| !v.is_empty());
            let key_name = if by_cluster {
                "cluster_id"
            } else {
                "submission_id"
            };
            let Some(key) = get(if by_cluster { cluster } else { submission }) else {
                errors.push(field(
                    &path(key_name),
                    "required",
                    format!("line {line}: empty"),
                ));
                return;
            };
            if by_cluster && !is_envelope_code(key) {
                errors.push(field(
                    &path(key_name),
                    "invalid",
                    format!("line {line}: `{}` is not a code ({CODE_RULE})", quoted(key)),
                ));
                return;
            }
            let key = if by_cluster {
                key.to_owned()
            } else {
                match uuid::Uuid::parse_str(key) {
                    Ok(id) => id.hyphenated().to_string(),
                    Err(_) => {
                        errors.push(field(
                            &path("submission_id"),
                            "invalid",
                            format!(
                                "line {line}: `{}` is not a submission id (UUID)",
                                quoted(key)
                            ),
                        ));
                        return;
                    }
                }
            };
            if let Some(first) = seen.get(&key) {
                errors.push(field(
                    &path(key_name),
                    "duplicate",
                    format!("line {line}: `{key}` is on line {first} already"),
                ));
                return;
            }
            seen.insert(key.clone(), line);
            let parsed_weight = match get(weight_at) {
                None => None,
                Some(text) => match weight(text) {
                    Some(value) => Some(value),
                    None => {
                        errors.push(field(
                        &path("weight"),
                        "out_of_range",
                        format!(
                            "line {line}: `{}` is not a weight (a plain number from {MIN_WEIGHT} to {MAX_WEIGHT})",
                            quoted(text)
                        ),
                    ));
                        return;
                    }
                },
            };
            if by_cluster {
                let stratum = get(stratum).map(str::to_owned);
                if let Some(text) = stratum.as_deref().filter(|s| !is_envelope_code(s)) {
                    errors.push(field(
                        &path("stratum"),
                        "invalid",
                        format!(
                            "line {line}: `{}` is not a code ({CODE_RULE})",
                            quoted(text)
                        ),
                    ));
                    return;
                }
                if parsed_weight.is_none() && stratum.is_none() {
                    errors.push(field(
                        &path("weight"),
                        "required",
                        format!("line {line}: a cluster row needs a weight or a stratum"),
                    ));
                    return;
                }
                entries.push((
                    line,
                    DesignEntry::Cluster {
                        cluster_id: key,
                        stratum,
                        weight: parsed_weight,
                    },
                ));
            } else {
                let Some(weight) = parsed_weight else {
                    errors.push(field(
                        &path("weight"),
                        "required",
                        format!("line {line}: empty"),
                    ));
                    return;
                };
                entries.push((
                    line,
                    DesignEntry::Submission {
                        submission_id: key,
                        weight,
                    },
                ));
            }
        },
    );
    let entries = super::params::rows_read(entries, errors)?;
    Ok(DesignFile {
        by_cluster,
        has_weight: weight_at.is_some(),
        entries,
    })
}

/// The current sample design summarised: strata, PSUs, weighted totals,
/// clusters with interviews but no weight, and each design file stored.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/design", tag = "analysis", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The design", body = DesignSummary), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an analyst or admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn summary(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<DesignSummary>> {
    caller.require(&[Role::Analyst, Role::Admin])?;
    state.survey(&survey_id, None).await?;
    let counts = state.store().cluster_counts(&survey_id).await?;
    let mut strata: BTreeMap<Option<String>, StratumSummary> = BTreeMap::new();
    let mut summary = DesignSummary {
        interviews: 0,
        weighted_interviews: 0,
        sum_of_weights: 0.0,
        psus: 0,
        strata: Vec::new(),
        clusters_without_weight: Vec::new(),
        submission_weights: state.store().submission_weights(&survey_id).await?.len(),
        history: state.store().design_uploads(&survey_id, HISTORY).await?,
    };
    for count in counts {
        summary.interviews += count.interviews;
        summary.weighted_interviews += count.weighted;
        summary.sum_of_weights += count.sum_of_weights;
        let Some(cluster) = count.cluster else {
            continue;
        };
        summary.psus += 1;
        if count.weighted < count.interviews {
            summary.clusters_without_weight.push(cluster);
        }
        let stratum = strata
            .entry(count.stratum.clone())
            .or_insert_with(|| StratumSummary {
                stratum: count.stratum,
                clusters: 0,
                interviews: 0,
                weighted_interviews: 0,
                sum_of_weights: 0.0,
            });
        stratum.clusters += 1;
        stratum.interviews += count.interviews;
        stratum.weighted_interviews += count.weighted;
        stratum.sum_of_weights += count.sum_of_weights;
    }
    summary.strata = strata.into_values().collect();
    Ok(Json(summary))
}

/// Every cluster of the survey, assigned, in the design or with interviews,
/// with its progress against its target number of households. Counts only.
#[utoipa::path(get, path = "/api/surveys/{survey_id}/clusters", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    responses((status = 200, description = "The clusters, by code", body = Vec<ClusterProgress>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin or analyst", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody)))]
pub async fn clusters(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
) -> ApiResult<Json<Vec<ClusterProgress>>> {
    caller.require(&[Role::Admin, Role::Analyst])?;
    state.survey(&survey_id, None).await?;
    let blank = |cluster: &str| ClusterProgress {
        cluster: cluster.to_owned(),
        stratum: None,
        area: None,
        enumerators: Vec::new(),
        target_households: None,
        interviews: 0,
        weight: None,
    };
    let mut clusters: BTreeMap<String, ClusterProgress> = BTreeMap::new();
    let store = state.store();
    for (cluster, stratum, weight) in store.design_clusters(&survey_id).await? {
        let progress = clusters
            .entry(cluster.clone())
            .or_insert_with(|| blank(&cluster));
        progress.stratum = stratum;
        progress.weight = weight;
    }
    for (cluster, target) in store.cluster_targets(&survey_id).await? {
        if let Some(progress) = clusters.get_mut(&cluster) {
            progress.target_households = Some(target);
        }
    }
    for assignment in store.assignments_for(&survey_id).await? {
        let cluster = assignment.cluster_id;
        let progress = clusters
            .entry(cluster.clone())
            .or_insert_with(|| blank(&cluster));
        progress.enumerators.push(assignment.enumerator);
        progress.stratum = progress.stratum.take().or(assignment.stratum);
        progress.area = progress.area.take().or(assignment.area);
    }
    for count in store.cluster_counts(&survey_id).await? {
        let Some(cluster) = count.cluster else {
            continue;
        };
        let progress = clusters
            .entry(cluster.clone())
            .or_insert_with(|| blank(&cluster));
        progress.interviews += count.interviews;
    }
    Ok(Json(clusters.into_values().collect()))
}
