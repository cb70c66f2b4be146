//! People and devices, for admins: the console's users page. Creating and
//! revoking go through the same functions as `salama user create/revoke`.
//! A revocation takes effect on this server's very next request (its token
//! cache is cleared of the user's or device's tokens); other servers on
//! the same database refuse them within `Config::remember_callers_for`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use salama_shared::api::ErrorBody;
use serde::{Deserialize, Serialize};

use super::params::{CODE_RULE, field, quoted};
use crate::auth::{self, Caller, CreateUserError, Role};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::{Person, Revocation};

/// A user to create.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserRequest {
    /// A code: letters, digits, `-`, `_`, `.` and `:`, at most 64.
    pub name: String,
    pub role: Role,
}

/// A created user's credentials, shown this once: the password for the
/// browser (and for signing more devices in), and a device token.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub name: String,
    pub role: Role,
    pub password: String,
    pub token: String,
}

/// Everyone, by name, with their devices, last login and revocation.
#[utoipa::path(get, path = "/api/users", tag = "users", security(("token" = []), ("session" = [])),
    responses((status = 200, description = "Every user with their devices", body = Vec<Person>), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody)))]
pub async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Vec<Person>>> {
    caller.require(&[Role::Admin])?;
    Ok(Json(state.store().people().await?))
}

/// Creates a user as `salama user create` does; the answer holds their
/// password and a device token, shown once.
#[utoipa::path(post, path = "/api/users", tag = "users", security(("token" = []), ("session" = [])),
    request_body = NewUserRequest,
    responses((status = 201, description = "Created; the credentials are shown this once", body = CreatedUser), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 409, description = "The name is taken (by an active or a revoked user)", body = ErrorBody), (status = 422, description = "Not a valid name or role", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    body: JsonBody<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    caller.require(&[Role::Admin])?;
    let NewUserRequest { name, role } = body.value;
    let created = auth::create_user(state.store(), &name, role, &caller.name)
        .await
        .map_err(|error| match error {
            CreateUserError::InvalidName(_) => ApiError::invalid(
                "not a user name",
                [field("name", "invalid", CODE_RULE)],
            ),
            CreateUserError::Exists(name) => ApiError::Conflict(format!(
                "a user named `{}` exists already (names of revoked users stay taken, so the audit log keeps meaning one person)",
                quoted(&name)
            )),
            CreateUserError::Store(error) => error.into(),
            CreateUserError::Other(error) => error.into(),
        })?;
    tracing::info!(user = %name, role = %role, by = %caller.name, "user created");
    Ok((
        StatusCode::CREATED,
        Json(CreatedUser {
            name,
            role,
            password: created.password,
            token: created.token,
        }),
    ))
}

/// Revokes a user with every session, token and device they hold, as
/// `salama user revoke` does.
#[utoipa::path(post, path = "/api/users/{name}/revoke", tag = "users", security(("token" = []), ("session" = [])),
    params(("name" = String, Path)),
    responses((status = 204, description = "Revoked; their tokens are refused from the next request"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No active user of that name", body = ErrorBody), (status = 409, description = "Admins cannot revoke themselves, nor anyone the last active admin", body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    // An admin locking themselves out by a slip of the console would end
    // their own work mid-way; another admin (or the command line) can do
    // it, and the store refuses to revoke the last admin in any case.
    if name == caller.name {
        return Err(ApiError::Conflict(
            "you cannot revoke yourself; ask another admin".into(),
        ));
    }
    let revoked = auth::revoke_user(state.store(), &name, &caller.name).await?;
    // Whether or not it was active, nothing of theirs stays cached here.
    state.forget_user(&name);
    match revoked {
        Revocation::Revoked => {}
        Revocation::NotActive => {
            return Err(ApiError::NotFound(format!(
                "no active user `{}`",
                quoted(&name)
            )));
        }
        Revocation::LastAdmin => {
            return Err(ApiError::Conflict(format!(
                "`{}` is the last active admin; create another admin first",
                quoted(&name)
            )));
        }
    }
    tracing::info!(user = %name, by = %caller.name, "user revoked");
    Ok(StatusCode::NO_CONTENT)
}

/// Revokes one device (lost, stolen, handed on): its token stops working,
/// the person's other devices and sessions do not.
#[utoipa::path(post, path = "/api/devices/{device_id}/revoke", tag = "users", security(("token" = []), ("session" = [])),
    params(("device_id" = String, Path, description = "A device's id, as `GET /api/users` lists it")),
    responses((status = 204, description = "Revoked; its token is refused from the next request"), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No such device", body = ErrorBody)))]
pub async fn revoke_device(
    State(state): State<AppState>,
    caller: Caller,
    Path(device_id): Path<String>,
) -> ApiResult<StatusCode> {
    caller.require(&[Role::Admin])?;
    let Some(device) = state.store().revoke_device(&device_id).await? else {
        return Err(ApiError::NotFound(format!(
            "no device `{}`",
            quoted(&device_id)
        )));
    };
    state.forget_caller(&device.token_sha256);
    if device.newly {
        state
            .store()
            .audit(
                &caller.name,
                "device_revoked",
                &format!("{device_id} of {}", device.user_name),
            )
            .await?;
        tracing::info!(device = %device_id, user = %device.user_name, by = %caller.name, "device revoked");
    }
    Ok(StatusCode::NO_CONTENT)
}
