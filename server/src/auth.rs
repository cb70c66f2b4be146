//! Who is calling: roles, passwords (argon2id), bearer tokens for devices and
//! scripts, session cookies for browsers. Tokens are random, shown once, and
//! stored only as SHA-256 hashes, so a leaked database holds no credential.

use std::fmt;
use std::str::FromStr;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Revocation, Store, StoreError, StoreResult};

pub const SESSION_COOKIE: &str = "salama_session";
/// Browser sessions last a working day.
pub const SESSION_SECONDS: i64 = 12 * 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
// A survey's `Role` (a question's part in disaggregation) has the name.
#[schema(as = UserRole)]
pub enum Role {
    /// Users and surveys.
    Admin,
    /// Aggregates and de-identified microdata.
    Analyst,
    /// Submits interviews.
    Enumerator,
    /// Reviews and corrects the interviews of the clusters given to their
    /// enumerators (`PUT /api/users/{name}/supervisor`), and no others.
    Supervisor,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Enumerator => "enumerator",
            Role::Supervisor => "supervisor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "admin" => Ok(Role::Admin),
            "analyst" => Ok(Role::Analyst),
            "enumerator" => Ok(Role::Enumerator),
            "supervisor" => Ok(Role::Supervisor),
            other => Err(format!(
                "`{other}` is not a role: admin, analyst, enumerator or supervisor"
            )),
        }
    }
}

/// An authenticated caller, allowed every call their role allows: not a
/// browser session still on its one-time password (see [`SignedIn`]).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Caller {
    pub name: String,
    pub role: Role,
    /// A browser session of a user who must still choose their own
    /// password: only [`SignedIn`] routes accept it.
    #[serde(skip)]
    pub password_pending: bool,
}

impl Caller {
    pub fn require(&self, allowed: &[Role]) -> ApiResult<()> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

/// The caller if credentials were sent and are valid; anonymous otherwise.
/// Credentials that were sent but are not valid are refused (401), never
/// silently treated as anonymous.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequestParts<AppState> for MaybeCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(token) = presented_token(parts) else {
            return Ok(MaybeCaller(None));
        };
        let SignedIn(caller) = SignedIn::from_token(&token, state).await?;
        if caller.password_pending {
            return Err(ApiError::MustChangePassword);
        }
        Ok(MaybeCaller(Some(caller)))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        MaybeCaller::from_request_parts(parts, state)
            .await?
            .0
            .ok_or(ApiError::Unauthorized)
    }
}

/// Anyone signed in, even a browser session still on the one-time password
/// a user was created with. Only `GET /api/me`, `POST /api/me/password` and
/// `POST /api/logout` take it: every other call refuses such a session
/// (403 `must_change_password`), so a one-time password, printed on a
/// sheet or a terminal, is good for choosing one's own and nothing else.
///
/// Device tokens are exempt, as is the token `POST /api/users` shows: an
/// enumerator signs a phone in once with the one-time password from their
/// sign-in sheet (`POST /api/devices`), then works offline for days, and
/// the field app has no page to choose a password (it never needs one
/// again); holding them to it would strand them in the field. Scripts use
/// bearer tokens too.
pub struct SignedIn(pub Caller);

impl SignedIn {
    async fn from_token(token: &str, state: &AppState) -> Result<Self, ApiError> {
        let hash = token_sha256(token);
        if let Some(caller) = state.remembered_caller(&hash) {
            return Ok(SignedIn(caller));
        }
        let mark = state.forget_mark();
        let holder = state
            .store()
            .token_user(&hash)
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let user = holder.user;
        let role = user
            .role
            .parse()
            .map_err(|e: String| anyhow::anyhow!("user {}: {e}", user.name))?;
        let caller = Caller {
            name: user.name,
            role,
            password_pending: holder.session && user.must_change_password,
        };
        state.remember_caller(hash, caller.clone(), mark);
        Ok(SignedIn(caller))
    }
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = presented_token(parts).ok_or(ApiError::Unauthorized)?;
        SignedIn::from_token(&token, state).await
    }
}

/// A bearer token, else the session cookie.
pub fn presented_token(parts: &Parts) -> Option<String> {
    if let Some(value) = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        return value
            .strip_prefix("Bearer ")
            .map(|token| token.trim().to_owned());
    }
    session_cookie(&parts.headers).map(str::to_owned)
}

/// The session cookie's value, if the request carries one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .find_map(|cookie| {
            cookie
                .trim()
                .strip_prefix(SESSION_COOKIE)?
                .strip_prefix('=')
        })
}

pub fn token_sha256(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// 32 random bytes from the operating system, as text.
pub fn new_secret(prefix: &str) -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow::anyhow!("no randomness from the operating system: {e}"))?;
    Ok(format!("{prefix}{}", hex::encode(bytes)))
}

/// Password hashes computed at once. Each takes 19 MiB and a core for tens
/// of milliseconds; without a bound, a burst of logins from many addresses
/// (each within its rate limit) would take every core and gigabytes of
/// memory. Callers beyond it wait their turn, which costs nothing.
static HASHING: std::sync::LazyLock<tokio::sync::Semaphore> = std::sync::LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
    tokio::sync::Semaphore::new(cores.max(2))
});

/// argon2id with the crate's defaults (19 MiB, 2 passes), off the async threads.
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    let _turn = HASHING
        .acquire()
        .await
        .map_err(|e| anyhow::anyhow!("password hashing closed: {e}"))?;
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await?
}

pub async fn verify_password(password: String, hash: String) -> bool {
    let Ok(_turn) = HASHING.acquire().await else {
        return false;
    };
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// What a new user receives, once.
pub struct NewUser {
    pub password: String,
    pub token: String,
}

/// Why a user was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateUserError {
    #[error(
        "`{}` is not a user name: use at most {} letters, digits, `-`, `_`, `.` or `:`",
        .0.escape_debug(),
        salama_shared::text::MAX_CODE_LENGTH
    )]
    InvalidName(String),
    #[error("a user named {0} exists already")]
    Exists(String),
    #[error(transparent)]
    Store(StoreError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<StoreError> for CreateUserError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::UserExists(name) => CreateUserError::Exists(name),
            other => CreateUserError::Store(other),
        }
    }
}

/// Creates a user with a generated password and a device token, audited
/// as done `by` that user (or `cli`). The command line and
/// `POST /api/users` both create users here.
/// A name is a code (letters, digits, `- _ . :`, at most 64): it is what an
/// enumerator's interviews carry as `enumerator_id`, and it appears in the
/// audit log and in fieldwork tables.
pub async fn create_user(
    store: &Store,
    name: &str,
    role: Role,
    by: &str,
) -> Result<NewUser, CreateUserError> {
    if !salama_shared::text::is_envelope_code(name) {
        return Err(CreateUserError::InvalidName(name.to_owned()));
    }
    let password = new_secret("")?;
    let token = new_secret("slm_")?;
    let hash = hash_password(password.clone()).await?;
    store.create_user(name, role.as_str(), &hash).await?;
    store
        .insert_token(&token_sha256(&token), name, "device", None)
        .await?;
    store
        .audit(by, "user_created", &format!("{name} ({role})"))
        .await?;
    store.audit(by, "token_created", name).await?;
    Ok(NewUser { password, token })
}

/// Revokes a user with every token, session and device they hold, audited
/// as done `by`; the command line and `POST /api/users/{name}/revoke` both
/// revoke here. A server must also forget the user's cached tokens
/// (`AppState::forget_user`).
pub async fn revoke_user(store: &Store, name: &str, by: &str) -> StoreResult<Revocation> {
    let revoked = store.revoke_user(name).await?;
    if revoked == Revocation::Revoked {
        store.audit(by, "user_revoked", name).await?;
    }
    Ok(revoked)
}
