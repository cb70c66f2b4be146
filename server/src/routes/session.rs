//! Logging in and out of the browser app, and who am I.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use salama_shared::api::ErrorBody;
use salama_shared::api::MIN_PASSWORD_CHARS;
use serde::Deserialize;

use crate::auth::{self, SESSION_COOKIE, SESSION_SECONDS, SignedIn};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::now;

/// Longest password checked.
const MAX_PASSWORD_BYTES: usize = 1024;

/// Who is signed in, and whether they still hold the one-time password
/// they were created with (the console then asks for their own first).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    pub role: auth::Role,
    pub must_change_password: bool,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Login {
    pub name: String,
    pub password: String,
}

/// Checks a name and password, rate limited per address; a failure is
/// audited and answered 401 whether the name exists or not.
async fn authenticate(
    state: &AppState,
    client: ClientAddress,
    name: &str,
    password: String,
) -> ApiResult<(crate::store::User, auth::Role)> {
    state.login_limiter().check(client.0)?;
    let store = state.store();
    // No user has a longer name (they are codes), and no password manager
    // makes a longer password: such attempts cost no lookup and no hashing.
    if name.len() > salama_shared::text::MAX_CODE_LENGTH || password.len() > MAX_PASSWORD_BYTES {
        return Err(ApiError::Unauthorized);
    }
    let user = store.user(name).await?.filter(|user| !user.revoked);
    let valid = match &user {
        Some(user) => auth::verify_password(password, user.password_hash.clone()).await,
        // Spend the same effort on unknown names, so timing does not reveal them.
        None => {
            let _ = auth::hash_password(password).await;
            false
        }
    };
    let (Some(user), true) = (user, valid) else {
        // The name is whatever was typed: kept short and printable.
        let tried: String = name.chars().filter(|c| !c.is_control()).take(64).collect();
        store
            .audit(&tried, "login_failed", &client.0.to_string())
            .await?;
        return Err(ApiError::Unauthorized);
    };
    let role: auth::Role = user.role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    store.record_login(&user.name).await?;
    Ok((user, role))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceLogin {
    pub name: String,
    pub password: String,
    /// How the person names this device ("Samsung A14, team 3"), for the audit log.
    #[serde(default)]
    pub label: String,
}

/// A device's own credentials.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct DeviceToken {
    pub name: String,
    pub role: auth::Role,
    /// Shown once; kept by the device for offline days and revocable.
    pub token: String,
}

/// Signs a device in once, while online: checks the password and returns a
/// bearer token that does not expire (fieldwork can be offline for days) but
/// is revoked with the user, or by `POST /api/logout` from the device.
#[utoipa::path(post, path = "/api/devices", tag = "session", request_body = DeviceLogin, responses((status = 201, description = "The device's token, shown once", body = DeviceToken), (status = 401, description = "Wrong name or password", body = ErrorBody), (status = 429, description = "Rate limited", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 422, description = "JSON, but not a device login: the problem with its field", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn register_device(
    State(state): State<AppState>,
    client: ClientAddress,
    body: JsonBody<DeviceLogin>,
) -> ApiResult<(StatusCode, Json<DeviceToken>)> {
    let DeviceLogin {
        name,
        password,
        label,
    } = body.value;
    let (user, role) = authenticate(&state, client, &name, password).await?;
    let token = auth::new_secret("slm_")?;
    let store = state.store();
    let label: String = label.chars().filter(|c| !c.is_control()).take(80).collect();
    let device = store
        .insert_device(&auth::token_sha256(&token), &user.name, &label)
        .await?;
    store
        .audit(
            &user.name,
            "device_registered",
            &format!("{label} from {} (device {device})", client.0),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(DeviceToken {
            name: user.name,
            role,
            token,
        }),
    ))
}

/// Checks a password and starts a session held in an HttpOnly,
/// SameSite=Strict cookie. Rate limited per address; every attempt audited.
#[utoipa::path(post, path = "/api/login", tag = "session", request_body = Login, responses((status = 200, description = "Logged in; session cookie set", body = Me), (status = 401, description = "Wrong name or password", body = ErrorBody), (status = 429, description = "Rate limited", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 422, description = "JSON, but not a login: the problem with its field", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientAddress,
    body: JsonBody<Login>,
) -> ApiResult<Response> {
    let Login { name, password } = body.value;
    let (user, role) = authenticate(&state, client, &name, password).await?;
    let store = state.store();
    let session = auth::new_secret("sess_")?;
    let expires = salama_shared::date::Timestamp::parse(&now())
        .map(|t| {
            salama_shared::date::Timestamp::from_unix_seconds(t.unix_seconds() + SESSION_SECONDS)
        })
        .ok_or_else(|| anyhow::anyhow!("clock reading does not parse"))?;
    store
        .insert_token(
            &auth::token_sha256(&session),
            &user.name,
            "session",
            Some(expires.as_str()),
        )
        .await?;
    store
        .audit(&user.name, "login", &client.0.to_string())
        .await?;
    let secure = if state.config().secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={session}; HttpOnly; SameSite=Strict; Path=/; Max-Age={SESSION_SECONDS}{secure}"
    );
    let mut response = Json(Me {
        name: user.name,
        role,
        must_change_password: user.must_change_password,
    })
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| anyhow::anyhow!("cookie header: {e}"))?,
    );
    Ok(response)
}

/// Ends the session (or revokes the bearer token) the request came with.
#[utoipa::path(post, path = "/api/logout", tag = "session", security(("token" = []), ("session" = [])), responses((status = 204, description = "Session or token ended"), (status = 401, description = "No credentials", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    if let Some(token) = auth::presented_token(&parts) {
        let hash = auth::token_sha256(&token);
        state.store().revoke_token(&hash).await?;
        state.forget_caller(&hash);
    }
    state.store().audit(&caller.name, "logout", "").await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static("salama_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"),
    );
    Ok(response)
}

#[utoipa::path(get, path = "/api/me", tag = "session", security(("token" = []), ("session" = [])), responses((status = 200, description = "The caller, their role, and whether they must still choose their own password", body = Me), (status = 401, description = "No credentials", body = ErrorBody)))]
pub async fn me(State(state): State<AppState>, SignedIn(caller): SignedIn) -> ApiResult<Json<Me>> {
    // Read afresh, not from the callers' cache: the mark is cleared by a
    // password change that the cache does not see.
    let must_change_password = state
        .store()
        .user(&caller.name)
        .await?
        .is_some_and(|user| user.must_change_password);
    Ok(Json(Me {
        name: caller.name,
        role: caller.role,
        must_change_password,
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current: String,
    pub new: String,
}

/// Replaces the caller's password with one of their own (any signed-in
/// user). The current one is asked again, so a session left open cannot be
/// turned into a stolen account; attempts share the login rate limit. The
/// caller's other browser sessions end; this one and device tokens stay.
#[utoipa::path(post, path = "/api/me/password", tag = "session", security(("token" = []), ("session" = [])), request_body = PasswordChange, responses((status = 204, description = "Changed; other sessions ended"), (status = 401, description = "No credentials", body = ErrorBody), (status = 422, description = "The current password is wrong, or the new one breaks a rule; each problem with its field", body = ErrorBody), (status = 429, description = "Rate limited", body = ErrorBody), (status = 400, description = "Not JSON, or not a password change", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn change_password(
    State(state): State<AppState>,
    client: ClientAddress,
    SignedIn(caller): SignedIn,
    headers: HeaderMap,
    body: JsonBody<PasswordChange>,
) -> ApiResult<StatusCode> {
    use salama_shared::api::ErrorField;
    let PasswordChange { current, new } = body.value;
    state.login_limiter().check(client.0)?;
    let store = state.store();
    let user = store
        .user(&caller.name)
        .await?
        .ok_or(ApiError::Unauthorized)?;
    let mut problems = Vec::new();
    let length = new.chars().count();
    if length < MIN_PASSWORD_CHARS {
        problems.push(ErrorField::new(
            "new",
            "too_short",
            format!("a password has at least {MIN_PASSWORD_CHARS} characters"),
        ));
    } else if new.len() > MAX_PASSWORD_BYTES {
        problems.push(ErrorField::new(
            "new",
            "too_long",
            format!("a password has at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    } else if new == current {
        problems.push(ErrorField::new(
            "new",
            "unchanged",
            "the new password is the current one",
        ));
    }
    let current_is_right = current.len() <= MAX_PASSWORD_BYTES
        && auth::verify_password(current, user.password_hash.clone()).await;
    if !current_is_right {
        store
            .audit(
                &caller.name,
                "password_change_failed",
                &client.0.to_string(),
            )
            .await?;
        problems.insert(
            0,
            ErrorField::new(
                "current",
                "wrong_password",
                "the current password is not right",
            ),
        );
    }
    if !problems.is_empty() {
        return Err(ApiError::invalid("the password was not changed", problems));
    }
    let hash = auth::hash_password(new).await?;
    let mut parts = axum::http::Request::new(()).into_parts().0;
    parts.headers = headers;
    let this_session = auth::presented_token(&parts)
        .map(|token| auth::token_sha256(&token))
        .unwrap_or_default();
    let ended = store
        .change_password(&caller.name, &hash, &this_session)
        .await?;
    for session in &ended {
        state.forget_caller(session);
    }
    // This session was cached as one that must change its password: read
    // afresh, it may do everything its role allows from the next request.
    state.forget_caller(&this_session);
    store
        .audit(
            &caller.name,
            "password_changed",
            &format!("{} other session(s) ended", ended.len()),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
