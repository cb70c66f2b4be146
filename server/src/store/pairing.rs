//! Device pairing codes kept (migration 0011): made for one person by an
//! admin, exchanged once, before they expire, for a device token.

use super::queries::{INSERT_AUDIT, INSERT_TOKEN};
use super::{Store, StoreResult, now};

const FORGET_UNUSED: &str = "DELETE FROM device_pairings WHERE user_name = $1 AND used_at IS NULL";
const INSERT: &str = "INSERT INTO device_pairings \
     (code_sha256, user_name, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)";
/// Timestamps are RFC 3339 in UTC, all written alike: text order is time
/// order.
const USE: &str = "UPDATE device_pairings SET used_at = $2 \
     WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > $2 \
     AND user_name IN (SELECT name FROM users WHERE revoked_at IS NULL) \
     RETURNING user_name";

impl Store {
    /// Keeps a new code for `user`, replacing their unused ones, audited.
    pub async fn create_pairing(
        &self,
        code_sha256: &str,
        user: &str,
        created_by: &str,
        expires_at: &str,
    ) -> StoreResult<()> {
        let at = now();
        let detail = format!("a pairing code for {user}, good until {expires_at}");
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            sqlx::query(FORGET_UNUSED).bind(user).execute(&mut *transaction).await?;
            sqlx::query(INSERT).bind(code_sha256).bind(user).bind(created_by).bind(&at).bind(expires_at)
                .execute(&mut *transaction).await?;
            sqlx::query(INSERT_AUDIT).bind(&at).bind(created_by).bind("pairing_created").bind(&detail)
                .execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(())
        })
    }

    /// Uses the code, if it is unused, unexpired and its person active, and
    /// keeps the device token it is exchanged for, in one transaction:
    /// the person's name, or `None` and nothing written.
    pub async fn pair_device(
        &self,
        code_sha256: &str,
        token_sha256: &str,
        label: &str,
    ) -> StoreResult<Option<String>> {
        let at = now();
        let label = Some(label).filter(|label| !label.is_empty());
        let device_id = super::people::device_id(token_sha256);
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let used: Option<(String,)> = sqlx::query_as(USE).bind(code_sha256).bind(&at)
                .fetch_optional(&mut *transaction).await?;
            let Some((user,)) = used else {
                return Ok(None);
            };
            sqlx::query(INSERT_TOKEN).bind(token_sha256).bind(&user).bind("device").bind(&at)
                .bind(None::<&str>).bind(device_id).bind(label).execute(&mut *transaction).await?;
            transaction.commit().await?;
            Ok(Some(user))
        })
    }
}
