//! Clusters from a CSV file (`cluster,stratum,area,enumerator`, and
//! optionally `households`, the number to interview there): the survey
//! team's sample list given to enumerators in one upload. The file is read
//! into a plan (added, moved to another enumerator, updated, unchanged,
//! unknown enumerators, withdrawn), which `dry_run=true` answers with and
//! which is otherwise applied in one transaction.
//!
//! The assignment model keeps a cluster's stratum and admin area with each
//! assignment (and the stratum goes into the survey design), so both
//! columns are stored; they may be left empty.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use axum::Json;
use axum::extract::{Path, Query, State};
use salama_shared::api::{ErrorBody, ErrorField};
use salama_shared::assignment_upload::{
    self, AssignmentPlan, MAX_HOUSEHOLDS, MAX_ROWS, Move, PlannedAssignment, UnknownEnumerator,
    Withdrawal,
};
use salama_shared::text::is_envelope_code;

use super::params::{CODE_RULE, Params, field, quoted};
use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::CsvBody;
use crate::state::AppState;
use crate::store::Assignment;

/// The columns a file has; `cluster` and `enumerator` are required.
const COLUMNS: [&str; 5] = ["cluster", "stratum", "area", "enumerator", "households"];
/// Longest cell read. Every column is a code of at most 64 characters;
/// this bounds what a message quotes and what is compared, whatever the file.
const MAX_CELL: usize = 256;

/// Gives a survey's clusters to enumerators from a CSV file
/// (`Content-Type: text/csv`) with the header `cluster,stratum,area,enumerator`
/// (any order; `stratum` and `area` may be left out or empty), and
/// optionally `households`: how many to interview there (1 to 10,000), kept
/// with the cluster wherever it moves. One row a
/// cluster, at most 20,000 rows. Every problem is listed by row and column
/// (`rows[0].enumerator`: the first row after the header, line 2).
/// `dry_run=true` answers with the plan and changes nothing; otherwise the
/// plan is applied at once, whole or not at all.
#[utoipa::path(post, path = "/api/surveys/{survey_id}/assignments.csv", tag = "fieldwork", security(("token" = []), ("session" = [])),
    params(("survey_id" = String, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "The plan: applied, or with dry_run=true only previewed", body = AssignmentPlan), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such survey", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as text/csv", body = ErrorBody), (status = 422, description = "Every problem, by row and column, or a bad parameter", body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    Path(survey_id): Path<String>,
    Query(params): Query<Params>,
    body: CsvBody,
) -> ApiResult<Json<AssignmentPlan>> {
    caller.require(&[Role::Admin])?;
    let options = assignment_upload::Query::parse(&params).map_err(|errors| {
        ApiError::invalid(format!("{} invalid parameter(s)", errors.len()), errors)
    })?;
    let published = state.survey(&survey_id, None).await?;
    let areas: BTreeSet<&str> = published
        .survey
        .areas_by_level()
        .into_iter()
        .map(|area| area.code.as_str())
        .collect();
    let rows = read(&body.0, &areas).map_err(|errors| {
        ApiError::invalid(format!("{} problem(s) in the file", errors.len()), errors)
    })?;
    // Each enumerator named is looked up once.
    let mut roles: HashMap<String, Option<String>> = HashMap::new();
    for row in &rows {
        if !roles.contains_key(&row.enumerator) {
            let role = state
                .store()
                .user(&row.enumerator)
                .await?
                .filter(|user| !user.revoked)
                .map(|user| user.role);
            roles.insert(row.enumerator.clone(), role);
        }
    }
    let current = state.store().assignments_for(&survey_id).await?;
    let targets: HashMap<String, i64> = state
        .store()
        .cluster_targets(&survey_id)
        .await?
        .into_iter()
        .collect();
    let mut plan = plan(rows, &current, &targets, &roles, options.replace);
    plan.dry_run = options.dry_run;
    if options.dry_run {
        return Ok(Json(plan));
    }
    if !plan.unknown_enumerators.is_empty() {
        let errors: Vec<ErrorField> = plan
            .unknown_enumerators
            .iter()
            .map(|unknown| {
                field(
                    &format!("rows[{}].enumerator", unknown.line - 2),
                    &unknown.code,
                    format!(
                        "line {}: `{}` is not an active enumerator",
                        unknown.line,
                        quoted(&unknown.enumerator)
                    ),
                )
            })
            .collect();
        return Err(ApiError::invalid(
            format!("{} row(s) name no active enumerator", errors.len()),
            errors,
        ));
    }
    let to_store: Vec<Assignment> = plan
        .added
        .iter()
        .chain(plan.moved.iter().map(|moved| &moved.to))
        .chain(&plan.updated)
        .map(|row| Assignment {
            survey_id: survey_id.clone(),
            cluster_id: row.cluster.clone(),
            enumerator: row.enumerator.clone(),
            stratum: row.stratum.clone(),
            area: row.area.clone(),
        })
        .collect();
    let to_withdraw: Vec<(String, String)> = plan
        .moved
        .iter()
        .flat_map(|moved| {
            moved
                .from
                .iter()
                .map(|from| (moved.to.cluster.clone(), from.clone()))
        })
        .chain(
            plan.withdrawn
                .iter()
                .map(|w| (w.cluster.clone(), w.enumerator.clone())),
        )
        .collect();
    let households: Vec<(String, u32)> = plan
        .added
        .iter()
        .chain(plan.moved.iter().map(|moved| &moved.to))
        .chain(&plan.updated)
        .filter_map(|row| Some((row.cluster.clone(), row.households?)))
        .collect();
    if !to_store.is_empty() || !to_withdraw.is_empty() {
        state
            .store()
            .reassign(&survey_id, &to_store, &to_withdraw, &households)
            .await?;
    }
    state
        .store()
        .audit(
            &caller.name,
            "assignments_uploaded",
            &format!(
                "{survey_id}: {} added, {} moved, {} updated, {} unchanged, {} withdrawn",
                plan.added.len(),
                plan.moved.len(),
                plan.updated.len(),
                plan.unchanged,
                plan.withdrawn.len()
            ),
        )
        .await?;
    Ok(Json(plan))
}

/// Reads and checks the file, listing every problem by row and column.
fn read(body: &[u8], areas: &BTreeSet<&str>) -> Result<Vec<PlannedAssignment>, Vec<ErrorField>> {
    let (reader, headers) = super::params::csv_header(body)?;
    let mut errors = Vec::new();
    let mut at = [None; COLUMNS.len()];
    for (index, name) in headers.iter().enumerate() {
        match COLUMNS.iter().position(|column| *column == name) {
            Some(column) if at[column].is_some() => errors.push(field(
                "header",
                "duplicate",
                format!("the column `{name}` is named twice"),
            )),
            Some(column) => at[column] = Some(index),
            None => errors.push(field(
                "header",
                "unknown_column",
                format!(
                    "`{}` is not a column: the header is cluster,stratum,area,enumerator (and households if wanted)",
                    quoted(name)
                ),
            )),
        }
    }
    let [cluster, _, _, enumerator, _] = at;
    if cluster.is_none() || enumerator.is_none() {
        errors.push(field(
            "header",
            "invalid_header",
            "the first line names the columns: cluster,stratum,area,enumerator (cluster and enumerator required)",
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut first_line: HashMap<String, usize> = HashMap::new();
    super::params::csv_rows(
        reader,
        MAX_ROWS,
        &mut errors,
        |index, line, record, errors| {
            let before = errors.len();
            let mut cell = |column: usize, name: &str| -> Option<String> {
                let text = at[column].and_then(|at| record.get(at)).unwrap_or_default();
                let path = format!("rows[{index}].{name}");
                if text.len() > MAX_CELL {
                    errors.push(field(
                        &path,
                        "too_long",
                        format!("line {line}: longer than {MAX_CELL} bytes"),
                    ));
                    return None;
                }
                if text.chars().any(char::is_control) {
                    errors.push(field(
                        &path,
                        "control_character",
                        format!("line {line}: `{}` holds a control character", quoted(text)),
                    ));
                    return None;
                }
                let text = (!text.is_empty()).then(|| text.to_owned())?;
                if name == "households" {
                    return match households(&text) {
                        Some(_) => Some(text),
                        None => {
                            errors.push(field(
                            &path,
                            "out_of_range",
                            format!(
                                "line {line}: `{}` is not a whole number of households from 1 to {MAX_HOUSEHOLDS}",
                                quoted(&text)
                            ),
                        ));
                            None
                        }
                    };
                }
                // Codes only: a formula (`=…`, `+…`, `@…`) is never one.
                if name != "area" && !is_envelope_code(&text) {
                    errors.push(field(
                        &path,
                        "invalid",
                        format!(
                            "line {line}: `{}` is not a code ({CODE_RULE})",
                            quoted(&text)
                        ),
                    ));
                    return None;
                }
                if name == "area" && !areas.contains(text.as_str()) {
                    errors.push(field(
                        &path,
                        "unknown",
                        format!(
                            "line {line}: the survey has no admin area `{}`",
                            quoted(&text)
                        ),
                    ));
                    return None;
                }
                Some(text)
            };
            let row = (
                cell(0, "cluster"),
                cell(1, "stratum"),
                cell(2, "area"),
                cell(3, "enumerator"),
                cell(4, "households").as_deref().and_then(households),
            );
            for (value, name) in [(&row.0, "cluster"), (&row.3, "enumerator")] {
                if value.is_none() && !errors[before..].iter().any(|e| e.path.ends_with(name)) {
                    errors.push(field(
                        &format!("rows[{index}].{name}"),
                        "required",
                        format!("line {line}: empty"),
                    ));
                }
            }
            let (Some(cluster), stratum, area, Some(enumerator), households) = row else {
                return;
            };
            if let Some(first) = first_line.get(&cluster) {
                errors.push(field(
                &format!("rows[{index}].cluster"),
                "duplicate",
                format!(
                    "line {line}: cluster `{cluster}` is on line {first} already (one enumerator a cluster)"
                ),
            ));
                return;
            }
            first_line.insert(cluster.clone(), line);
            if errors.len() == before {
                rows.push(PlannedAssignment {
                    line,
                    cluster,
                    enumerator,
                    stratum,
                    area,
                    households,
                });
            }
        },
    );
    super::params::rows_read(rows, errors)
}

/// A households cell as a number, digits only (no sign, no formula).
fn households(text: &str) -> Option<u32> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse()
        .ok()
        .filter(|n| (1..=MAX_HOUSEHOLDS).contains(n))
}

/// What the checked rows change, against the survey's assignments now and
/// the roles of the people they name.
fn plan(
    rows: Vec<PlannedAssignment>,
    current: &[Assignment],
    targets: &HashMap<String, i64>,
    roles: &HashMap<String, Option<String>>,
    replace: bool,
) -> AssignmentPlan {
    let mut holders: BTreeMap<&str, Vec<&Assignment>> = BTreeMap::new();
    for assignment in current {
        holders
            .entry(assignment.cluster_id.as_str())
            .or_default()
            .push(assignment);
    }
    let mut plan = AssignmentPlan::default();
    let named: BTreeSet<String> = rows.iter().map(|row| row.cluster.clone()).collect();
    for row in rows {
        match roles.get(&row.enumerator).cloned().flatten() {
            Some(role) if role == Role::Enumerator.as_str() => {}
            role => {
                plan.unknown_enumerators.push(UnknownEnumerator {
                    line: row.line,
                    cluster: row.cluster,
                    enumerator: row.enumerator,
                    code: if role.is_some() {
                        "wrong_role"
                    } else {
                        "unknown"
                    }
                    .to_owned(),
                });
                continue;
            }
        }
        let now = holders
            .get(row.cluster.as_str())
            .map(Vec::as_slice)
            .unwrap_or_default();
        let others: Vec<String> = now
            .iter()
            .filter(|held| held.enumerator != row.enumerator)
            .map(|held| held.enumerator.clone())
            .collect();
        let same = now.iter().find(|held| held.enumerator == row.enumerator);
        if !others.is_empty() {
            plan.moved.push(Move {
                to: row,
                from: others,
            });
        } else {
            match same {
                None => plan.added.push(row),
                Some(held)
                    if held.stratum == row.stratum
                        && held.area == row.area
                        && row
                            .households
                            .is_none_or(|n| targets.get(&row.cluster) == Some(&i64::from(n))) =>
                {
                    plan.unchanged += 1;
                }
                Some(_) => plan.updated.push(row),
            }
        }
    }
    if replace {
        plan.withdrawn = current
            .iter()
            .filter(|assignment| !named.contains(&assignment.cluster_id))
            .map(|assignment| Withdrawal {
                cluster: assignment.cluster_id.clone(),
                enumerator: assignment.enumerator.clone(),
            })
            .collect();
    }
    plan
}
