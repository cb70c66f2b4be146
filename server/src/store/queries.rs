//! Surveys, submissions, users, tokens and the audit log.

use sqlx::Row;
use uuid::Uuid;

use super::{
    AuditEntry, Columns, Inserted, NewSubmission, Publication, Receipt, Revocation, Store,
    StoreError, StoreResult, StoredSurvey, TokenHolder, User, now,
};

const INSERT_SURVEY: &str = "INSERT INTO surveys (survey_id, version, definition, public, published_at) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (survey_id, version) DO NOTHING";
const SURVEY_VERSION: &str = "SELECT survey_id, version, definition, public, published_at FROM surveys \
     WHERE survey_id = $1 AND version = $2";
const LATEST_SURVEY: &str = "SELECT survey_id, version, definition, public, published_at FROM surveys \
     WHERE survey_id = $1 ORDER BY version DESC LIMIT 1";
const LATEST_SURVEYS: &str = "SELECT survey_id, version, definition, public, published_at FROM surveys s \
     WHERE version = (SELECT MAX(version) FROM surveys WHERE survey_id = s.survey_id) ORDER BY survey_id";
const INSERT_SUBMISSION: &str = "INSERT INTO submissions \
     (submission_id, survey_id, survey_version, channel, content_sha256, body, received_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (submission_id) DO NOTHING";
const RECEIPT: &str = "SELECT submission_id, survey_id, survey_version, received_at, content_sha256 \
     FROM submissions WHERE submission_id = $1";
const SUBMISSION_BODY: &str = "SELECT body FROM submissions WHERE submission_id = $1";
const COUNT_SUBMISSIONS: &str = "SELECT COUNT(*) FROM submissions WHERE survey_id = $1";
// A new user's password is a one-time one, shown once: they must choose their own.
const INSERT_USER: &str = "INSERT INTO users (name, role, password_hash, created_at, must_change_password) \
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING";
const USER: &str =
    "SELECT name, role, password_hash, revoked_at, must_change_password FROM users WHERE name = $1";
const CHANGE_PASSWORD: &str = "UPDATE users SET password_hash = $2, must_change_password = $3 \
     WHERE name = $1 AND revoked_at IS NULL";
// Device tokens are kept: a phone offline for days with interviews queued
// must still be able to send them; they are revoked with the user.
const END_OTHER_SESSIONS: &str = "UPDATE tokens SET revoked_at = $3 WHERE user_name = $1 \
     AND kind = 'session' AND token_sha256 <> $2 AND revoked_at IS NULL RETURNING token_sha256";
const SET_SURVEY_PUBLIC: &str = "UPDATE surveys SET public = $2 WHERE survey_id = $1";
const SURVEY_VERSIONS: &str = "SELECT version FROM surveys WHERE survey_id = $1 ORDER BY version";
// The last active admin is never revoked: with no admin left, nobody could
// create users or revoke a lost phone except on the server's command line.
// One statement, so SQLite (one writer at a time) cannot interleave two
// revocations between the count and the change; on PostgreSQL the
// dialect's `lock_admins` runs first in the transaction.
const REVOKE_USER: &str = "UPDATE users SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL \
     AND (role <> 'admin' OR (SELECT COUNT(*) FROM users WHERE role = 'admin' AND revoked_at IS NULL AND name <> $1) > 0)";
const ACTIVE_ROLE: &str = "SELECT role FROM users WHERE name = $1 AND revoked_at IS NULL";
const REVOKE_USER_TOKENS: &str =
    "UPDATE tokens SET revoked_at = $2 WHERE user_name = $1 AND revoked_at IS NULL";
const COUNT_ACTIVE_ADMINS: &str =
    "SELECT COUNT(*) FROM users WHERE role = 'admin' AND revoked_at IS NULL";
pub(super) const INSERT_TOKEN: &str = "INSERT INTO tokens (token_sha256, user_name, kind, created_at, expires_at, device_id, label) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";
const TOKEN_USER: &str = "SELECT u.name, u.role, u.password_hash, u.revoked_at, u.must_change_password, t.last_seen_at, t.kind FROM tokens t \
     JOIN users u ON u.name = t.user_name \
     WHERE t.token_sha256 = $1 AND t.revoked_at IS NULL AND u.revoked_at IS NULL \
     AND (t.expires_at IS NULL OR t.expires_at > $2)";
const REVOKE_TOKEN: &str =
    "UPDATE tokens SET revoked_at = $2 WHERE token_sha256 = $1 AND revoked_at IS NULL";
pub(super) const INSERT_AUDIT: &str =
    "INSERT INTO audit_log (at, actor, action, detail) VALUES ($1, $2, $3, $4)";

fn version(value: i64) -> StoreResult<u32> {
    u32::try_from(value)
        .map_err(|_| StoreError::Corrupt(format!("survey version {value} out of range")))
}

fn stored_survey(row: &impl Columns) -> StoreResult<StoredSurvey> {
    Ok(StoredSurvey {
        survey_id: row.text("survey_id")?,
        version: version(row.integer("version")?)?,
        definition: row.text("definition")?,
        public: row.flag("public")?,
        published_at: row.text("published_at")?,
    })
}

fn user(row: &impl Columns) -> StoreResult<User> {
    Ok(User {
        name: row.text("name")?,
        role: row.text("role")?,
        password_hash: row.text("password_hash")?,
        revoked: row.optional_text("revoked_at")?.is_some(),
        must_change_password: row.flag("must_change_password")?,
    })
}

fn receipt(row: &impl Columns) -> StoreResult<Receipt> {
    let id = row.text("submission_id")?;
    Ok(Receipt {
        submission_id: Uuid::parse_str(&id)
            .map_err(|e| StoreError::Corrupt(format!("submission id {id}: {e}")))?,
        survey_id: row.text("survey_id")?,
        survey_version: version(row.integer("survey_version")?)?,
        received_at: row.text("received_at")?,
        content_sha256: row.text("content_sha256")?,
    })
}

impl Store {
    /// Checks the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        let _: i32 =
            with_pool!(self, pool => sqlx::query_scalar("SELECT 1").fetch_one(pool).await?);
        Ok(())
    }

    /// Publishes a survey version. Publishing the identical definition again
    /// is accepted (a retried request); another definition under a version
    /// that exists is refused: published versions never change.
    pub async fn publish_survey(
        &self,
        survey_id: &str,
        version: u32,
        definition: &str,
        public: bool,
    ) -> StoreResult<Publication> {
        let inserted = with_pool!(self, pool => sqlx::query(INSERT_SURVEY)
            .bind(survey_id)
            .bind(i64::from(version))
            .bind(definition)
            .bind(public)
            .bind(now())
            .execute(pool)
            .await?
            .rows_affected());
        let stored = self
            .survey(survey_id, Some(version))
            .await?
            .ok_or_else(|| {
                StoreError::Corrupt(format!(
                    "survey {survey_id} version {version} vanished after publishing"
                ))
            })?;
        if inserted == 0 && stored.definition != definition {
            return Err(StoreError::VersionExists {
                survey_id: survey_id.to_owned(),
                version,
            });
        }
        Ok(Publication {
            survey: stored,
            new: inserted == 1,
        })
    }

    /// A published version, or the latest one when `version` is `None`.
    pub async fn survey(
        &self,
        survey_id: &str,
        version: Option<u32>,
    ) -> StoreResult<Option<StoredSurvey>> {
        with_pool!(self, pool => {
            let row = match version {
                Some(version) => {
                    sqlx::query(SURVEY_VERSION).bind(survey_id).bind(i64::from(version)).fetch_optional(pool).await?
                }
                None => sqlx::query(LATEST_SURVEY).bind(survey_id).fetch_optional(pool).await?,
            };
            row.as_ref().map(stored_survey).transpose()
        })
    }

    /// The latest version of every survey, by id.
    pub async fn surveys(&self) -> StoreResult<Vec<StoredSurvey>> {
        with_pool!(self, pool => {
            let rows = sqlx::query(LATEST_SURVEYS).fetch_all(pool).await?;
            rows.iter().map(stored_survey).collect()
        })
    }

    /// Stores a submission once. Returns only after the transaction has
    /// committed, so a `New` receipt means the data is durable.
    pub async fn insert_submission(&self, new: &NewSubmission<'_>) -> StoreResult<Inserted> {
        let mut results = self.insert_submissions(std::slice::from_ref(new)).await?;
        results
            .pop()
            .ok_or_else(|| StoreError::Corrupt("a batch of one gave no result".into()))
    }

    /// Stores several submissions in one transaction (one disk flush for
    /// all), each at most once; results in the order given. Returns only
    /// after the commit. If any statement fails, nothing is stored.
    pub async fn insert_submissions(
        &self,
        batch: &[NewSubmission<'_>],
    ) -> StoreResult<Vec<Inserted>> {
        let received_at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let mut results = Vec::with_capacity(batch.len());
            for new in batch {
                let id = new.submission_id.hyphenated().to_string();
                let inserted = sqlx::query(INSERT_SUBMISSION)
                    .bind(&id)
                    .bind(new.survey_id)
                    .bind(i64::from(new.survey_version))
                    .bind(new.channel)
                    .bind(new.content_sha256)
                    .bind(new.body)
                    .bind(&received_at)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                if inserted == 1 {
                    // The count first: on PostgreSQL its row lock makes fact
                    // sequence numbers commit in order, so a reader that has
                    // seen seq n has seen every row before it.
                    let units = i64::try_from(new.facts.units.len()).unwrap_or(i64::MAX);
                    sqlx::query(super::facts::ADD_FACT_UNITS).bind(new.survey_id).bind(units).execute(&mut *transaction).await?;
                    for insert in super::facts::fact_inserts(&id, new.survey_id, new.survey_version, new.channel, new.facts) {
                        insert.execute(&mut *transaction).await?;
                    }
                    results.push(Inserted::New(Receipt {
                        submission_id: new.submission_id,
                        survey_id: new.survey_id.to_owned(),
                        survey_version: new.survey_version,
                        received_at: received_at.clone(),
                        content_sha256: new.content_sha256.to_owned(),
                    }));
                    continue;
                }
                let row = sqlx::query(RECEIPT).bind(&id).fetch_optional(&mut *transaction).await?;
                let existing = match row {
                    Some(row) => receipt(&row)?,
                    None => return Err(StoreError::Corrupt(format!("submission {id} conflicted but cannot be read"))),
                };
                results.push(if existing.content_sha256 == new.content_sha256 {
                    Inserted::Duplicate(existing)
                } else {
                    Inserted::Conflict(existing)
                });
            }
            transaction.commit().await?;
            Ok(results)
        })
    }

    pub async fn receipt(&self, submission_id: Uuid) -> StoreResult<Option<Receipt>> {
        let id = submission_id.hyphenated().to_string();
        with_pool!(self, pool => {
            let row = sqlx::query(RECEIPT).bind(&id).fetch_optional(pool).await?;
            row.as_ref().map(receipt).transpose()
        })
    }

    /// The body exactly as it was received.
    pub async fn submission_body(&self, submission_id: Uuid) -> StoreResult<Option<Vec<u8>>> {
        let id = submission_id.hyphenated().to_string();
        with_pool!(self, pool => {
            let row = sqlx::query(SUBMISSION_BODY).bind(&id).fetch_optional(pool).await?;
            Ok(match row {
                Some(row) => Some(row.try_get("body")?),
                None => None,
            })
        })
    }

    pub async fn submission_count(&self, survey_id: &str) -> StoreResult<u64> {
        let count: i64 = with_pool!(self, pool => sqlx::query_scalar(COUNT_SUBMISSIONS).bind(survey_id).fetch_one(pool).await?);
        Ok(u64::try_from(count).unwrap_or(0))
    }

    pub async fn create_user(
        &self,
        name: &str,
        role: &str,
        password_hash: &str,
    ) -> StoreResult<()> {
        let inserted = with_pool!(self, pool => sqlx::query(INSERT_USER)
            .bind(name)
            .bind(role)
            .bind(password_hash)
            .bind(now())
            .bind(true)
            .execute(pool)
            .await?
            .rows_affected());
        if inserted == 0 {
            return Err(StoreError::UserExists(name.to_owned()));
        }
        Ok(())
    }

    pub async fn user(&self, name: &str) -> StoreResult<Option<User>> {
        with_pool!(self, pool => {
            let row = sqlx::query(USER).bind(name).fetch_optional(pool).await?;
            row.as_ref().map(user).transpose()
        })
    }

    /// Revokes a user and every token and session they hold, unless they
    /// are the last active admin.
    pub async fn revoke_user(&self, name: &str) -> StoreResult<Revocation> {
        let at = now();
        let lock = self.dialect.lock_admins;
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            if let Some(lock) = lock {
                sqlx::query(lock).execute(&mut *transaction).await?;
            }
            let revoked = sqlx::query(REVOKE_USER).bind(name).bind(&at).execute(&mut *transaction).await?.rows_affected();
            if revoked == 0 {
                let role: Option<String> = sqlx::query_scalar(ACTIVE_ROLE).bind(name).fetch_optional(&mut *transaction).await?;
                return Ok(if role.is_some() { Revocation::LastAdmin } else { Revocation::NotActive });
            }
            sqlx::query(REVOKE_USER_TOKENS).bind(name).bind(&at).execute(&mut *transaction).await?;
            transaction.commit().await?;
        });
        Ok(Revocation::Revoked)
    }

    /// Replaces a user's password (and clears the one-time mark) and ends
    /// their other browser sessions, in one transaction. Returns the hashes
    /// of the sessions ended, for the callers' cache to forget them.
    pub async fn change_password(
        &self,
        name: &str,
        password_hash: &str,
        keep_token_sha256: &str,
    ) -> StoreResult<Vec<String>> {
        let at = now();
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            sqlx::query(CHANGE_PASSWORD).bind(name).bind(password_hash).bind(false).execute(&mut *transaction).await?;
            let ended = sqlx::query_scalar(END_OTHER_SESSIONS).bind(name).bind(keep_token_sha256).bind(&at).fetch_all(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(ended)
        })
    }

    /// Sets whether a survey is open to anonymous callers, on every version:
    /// a setting of the publication, not of the questions, so no version
    /// changes. Returns whether the survey exists.
    pub async fn set_survey_public(&self, survey_id: &str, public: bool) -> StoreResult<bool> {
        let changed = with_pool!(self, pool => sqlx::query(SET_SURVEY_PUBLIC).bind(survey_id).bind(public).execute(pool).await?.rows_affected());
        Ok(changed > 0)
    }

    /// Every published version number of a survey, oldest first.
    pub async fn survey_versions(&self, survey_id: &str) -> StoreResult<Vec<u32>> {
        let versions: Vec<i64> = with_pool!(self, pool => sqlx::query_scalar(SURVEY_VERSIONS).bind(survey_id).fetch_all(pool).await?);
        versions.into_iter().map(version).collect()
    }

    pub async fn has_active_admin(&self) -> StoreResult<bool> {
        let count: i64 = with_pool!(self, pool => sqlx::query_scalar(COUNT_ACTIVE_ADMINS).fetch_one(pool).await?);
        Ok(count > 0)
    }

    /// Stores the hash of a new token; `expires_at` (RFC 3339, UTC) for
    /// sessions. A `device` token gets a public id (see `people.rs`).
    pub async fn insert_token(
        &self,
        token_sha256: &str,
        user: &str,
        kind: &str,
        expires_at: Option<&str>,
    ) -> StoreResult<()> {
        self.insert_labelled_token(token_sha256, user, kind, expires_at, None)
            .await
    }

    /// Stores a device's token with the name its holder gave it; returns
    /// the device's public id.
    pub async fn insert_device(
        &self,
        token_sha256: &str,
        user: &str,
        label: &str,
    ) -> StoreResult<String> {
        let label = Some(label).filter(|label| !label.is_empty());
        self.insert_labelled_token(token_sha256, user, "device", None, label)
            .await?;
        Ok(super::people::device_id(token_sha256).to_owned())
    }

    async fn insert_labelled_token(
        &self,
        token_sha256: &str,
        user: &str,
        kind: &str,
        expires_at: Option<&str>,
        label: Option<&str>,
    ) -> StoreResult<()> {
        let device_id = (kind == "device").then(|| super::people::device_id(token_sha256));
        with_pool!(self, pool => {
            sqlx::query(INSERT_TOKEN).bind(token_sha256).bind(user).bind(kind).bind(now()).bind(expires_at)
                .bind(device_id).bind(label).execute(pool).await?;
        });
        Ok(())
    }

    /// The active user holding an active, unexpired token, and whether
    /// the token is a browser session; notes the token's use (at most once
    /// a minute) for the console.
    pub async fn token_user(&self, token_sha256: &str) -> StoreResult<Option<TokenHolder>> {
        let (found, last_seen_at) = with_pool!(self, pool => {
            let row = sqlx::query(TOKEN_USER).bind(token_sha256).bind(now()).fetch_optional(pool).await?;
            match row {
                Some(row) => (
                    Some(TokenHolder { user: user(&row)?, session: row.text("kind")? == "session" }),
                    row.optional_text("last_seen_at")?,
                ),
                None => (None, None),
            }
        });
        if found.is_some() {
            self.token_seen(token_sha256, last_seen_at.as_deref())
                .await?;
        }
        Ok(found)
    }

    pub async fn revoke_token(&self, token_sha256: &str) -> StoreResult<bool> {
        let revoked = with_pool!(self, pool => sqlx::query(REVOKE_TOKEN).bind(token_sha256).bind(now()).execute(pool).await?.rows_affected());
        Ok(revoked > 0)
    }

    pub async fn audit(&self, actor: &str, action: &str, detail: &str) -> StoreResult<()> {
        debug_assert!(
            salama_shared::audit::ACTIONS.contains(&action),
            "`{action}` is missing from salama_shared::audit::ACTIONS: the console could not search for it"
        );
        with_pool!(self, pool => {
            sqlx::query(INSERT_AUDIT).bind(now()).bind(actor).bind(action).bind(detail).execute(pool).await?;
        });
        Ok(())
    }

    /// The most recent audit entries, newest first.
    pub async fn recent_audit(&self, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.search_audit(&salama_shared::audit::Query {
            limit,
            ..Default::default()
        })
        .await
    }
}
