//! Signing a phone in with a short code instead of a password typed on it
//! (`salama_shared::pairing`): an admin makes a code for an enumerator
//! (with a QR code of the field app's address carrying it), the phone
//! exchanges it once for its own device token.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use salama_shared::api::{ErrorBody, ErrorField};
use salama_shared::date::Timestamp;
use salama_shared::pairing::{
    self, DevicePairing, FRAGMENT_PREFIX, LIFETIME_SECONDS, PairingCode, PairingRequest,
};

use super::session::DeviceToken;
use crate::auth::{self, Caller, Role};
use crate::client_address::ClientAddress;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::state::AppState;
use crate::store::now;

/// Longest origin taken for the QR code's link.
const MAX_ORIGIN: usize = 200;

/// Makes a pairing code for an active enumerator, good once for 15
/// minutes, replacing their unused one; audited. With the console's
/// `origin`, the answer also holds a QR code (SVG) of the field app's
/// address carrying the code, for the phone's camera.
#[utoipa::path(post, path = "/api/users/{name}/pairing", tag = "users", security(("token" = []), ("session" = [])),
    params(("name" = String, Path)), request_body = PairingRequest,
    responses((status = 201, description = "The code, shown this once", body = PairingCode), (status = 401, description = "No credentials", body = ErrorBody), (status = 403, description = "Not an admin", body = ErrorBody), (status = 404, description = "No active enumerator of that name", body = ErrorBody), (status = 422, description = "The origin is not an http(s) origin", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    body: JsonBody<PairingRequest>,
) -> ApiResult<(StatusCode, Json<PairingCode>)> {
    caller.require(&[Role::Admin])?;
    let origin = match body.value.origin.as_deref() {
        Some(origin) => Some(checked_origin(origin)?),
        None => None,
    };
    let person = state
        .store()
        .user(&name)
        .await?
        .filter(|user| !user.revoked && user.role == Role::Enumerator.as_str());
    let Some(person) = person else {
        return Err(ApiError::NotFound(format!(
            "no active enumerator `{}`",
            salama_shared::text::shown(&name, 64)
        )));
    };
    let mut random = [0u8; pairing::CODE_LENGTH];
    getrandom::fill(&mut random)
        .map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    let code = pairing::code_from(&random);
    let issued =
        Timestamp::parse(&now()).ok_or_else(|| anyhow::anyhow!("clock reading does not parse"))?;
    let expires_at = Timestamp::from_unix_seconds(issued.unix_seconds() + LIFETIME_SECONDS);
    state
        .store()
        .create_pairing(
            &auth::token_sha256(&code),
            &person.name,
            &caller.name,
            expires_at.as_str(),
        )
        .await?;
    let path = format!("/field#{FRAGMENT_PREFIX}{code}");
    let qr_svg = origin
        .map(|origin| qr_svg(&format!("{origin}{path}")))
        .transpose()?;
    Ok((
        StatusCode::CREATED,
        Json(PairingCode {
            name: person.name,
            code: pairing::shown(&code),
            expires_at: expires_at.as_str().to_owned(),
            path,
            qr_svg,
        }),
    ))
}

/// Exchanges a pairing code for a device token, as `POST /api/devices`
/// exchanges a password: rate limited per address like logins, every
/// attempt audited, a wrong, used or expired code answered 401 alike.
#[utoipa::path(post, path = "/api/devices/pair", tag = "session", request_body = DevicePairing,
    responses((status = 201, description = "The device's token, shown once", body = DeviceToken), (status = 401, description = "The code is wrong, used or expired", body = ErrorBody), (status = 422, description = "Not a code's form: the problem at `code`", body = ErrorBody), (status = 429, description = "Rate limited", body = ErrorBody), (status = 400, description = "Not JSON", body = ErrorBody), (status = 413, description = "Larger than the body limit", body = ErrorBody), (status = 415, description = "Not sent as application/json", body = ErrorBody)))]
pub async fn pair(
    State(state): State<AppState>,
    client: ClientAddress,
    body: JsonBody<DevicePairing>,
) -> ApiResult<(StatusCode, Json<DeviceToken>)> {
    state.login_limiter().check(client.0)?;
    let DevicePairing { code, label } = body.value;
    let Some(code) = pairing::read(&code) else {
        return Err(ApiError::invalid(
            "not a pairing code",
            [ErrorField::new(
                "code",
                "invalid_code",
                "a pairing code is 8 letters and digits, as the console shows it (K7QM-4TXP)",
            )],
        ));
    };
    let label: String = label.chars().filter(|c| !c.is_control()).take(80).collect();
    let token = auth::new_secret("slm_")?;
    let token_sha256 = auth::token_sha256(&token);
    let store = state.store();
    let Some(name) = store
        .pair_device(&auth::token_sha256(&code), &token_sha256, &label)
        .await?
    else {
        store
            .audit("-", "pairing_failed", &client.0.to_string())
            .await?;
        return Err(ApiError::Unauthorized);
    };
    let user = store
        .user(&name)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the paired user {name} is gone"))?;
    let role: Role = user.role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
    store.record_login(&name).await?;
    store
        .audit(
            &name,
            "device_registered",
            &format!(
                "{label} from {} (device {}), paired by code",
                client.0,
                crate::store::device_id(&token_sha256)
            ),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(DeviceToken { name, role, token })))
}

/// `https://host[:port]` or `http://…`, nothing after the host: the QR
/// code's link is this and the field app's path, so an admin's page cannot
/// be made to print a link elsewhere than a server's root.
fn checked_origin(origin: &str) -> ApiResult<&str> {
    let host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    let plain = |host: &str| {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
    };
    match host {
        Some(host) if origin.len() <= MAX_ORIGIN && plain(host) => Ok(origin),
        _ => Err(ApiError::invalid(
            "not an origin",
            [ErrorField::new(
                "origin",
                "invalid_origin",
                "an origin is http:// or https:// and a host, with nothing after it",
            )],
        )),
    }
}

fn qr_svg(link: &str) -> ApiResult<String> {
    let code = qrcode::QrCode::new(link.as_bytes())
        .map_err(|e| anyhow::anyhow!("a QR code of {} characters: {e}", link.len()))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build())
}
