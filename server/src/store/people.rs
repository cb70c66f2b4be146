//! What the survey team's console reads and changes of people, their
//! devices and the audit log.

use salama_shared::audit::Query as AuditQuery;
use serde::Serialize;
use sqlx::Row;

use super::{AuditEntry, Columns, Store, StoreResult, now};

/// A person who logs in, as the console lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Person {
    pub name: String,
    /// admin, analyst or enumerator.
    pub role: String,
    pub created_at: String,
    /// The last successful password check (browser login or device sign-in).
    pub last_login_at: Option<String>,
    pub revoked: bool,
    pub revoked_at: Option<String>,
    pub devices: Vec<Device>,
}

/// One device token a person holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Device {
    /// Names the device in `POST /api/devices/{id}/revoke`; not a credential.
    pub id: String,
    /// As the person named it when signing the device in.
    pub label: Option<String>,
    pub registered_at: String,
    /// To the minute: written at most once a minute.
    pub last_seen_at: Option<String>,
    pub revoked: bool,
    pub revoked_at: Option<String>,
}

/// A device token just revoked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokedDevice {
    pub user_name: String,
    /// To drop it from the token cache at once.
    pub token_sha256: String,
    /// `false`: it was revoked already, nothing changed.
    pub newly: bool,
}

/// Seconds between two writes of a token's `last_seen_at`: a busy device
/// costs one write a minute, not one per request.
const LAST_SEEN_EVERY: i64 = 60;

const PEOPLE: &str = "SELECT name, role, created_at, last_login_at, revoked_at FROM users";
const DEVICES: &str = "SELECT device_id, user_name, label, created_at, last_seen_at, revoked_at \
     FROM tokens WHERE kind = 'device' AND device_id IS NOT NULL ORDER BY created_at, device_id";
const DEVICE: &str = "SELECT token_sha256, user_name, revoked_at FROM tokens WHERE device_id = $1 AND kind = 'device'";
const REVOKE_DEVICE: &str =
    "UPDATE tokens SET revoked_at = $2 WHERE device_id = $1 AND revoked_at IS NULL";
const RECORD_LOGIN: &str = "UPDATE users SET last_login_at = $2 WHERE name = $1";
const SEEN: &str = "UPDATE tokens SET last_seen_at = $2 WHERE token_sha256 = $1";
/// The audit search's statement for `who` and `action` lists of these
/// lengths: `$1`–`$4` are `from`, `to`, `before_id` and the limit (`$n IS
/// NULL OR …` keeps one statement whatever of them is given), then one
/// placeholder per name and per action. Each name or action is a lookup
/// of its index (`audit_by_actor`, `audit_by_action`), the id bound one of
/// the primary key; stamps are UTC RFC 3339 of one width, so text order
/// is time order.
fn audit_search(names: usize, actions: usize) -> String {
    let mut sql = String::from(
        "SELECT id, at, actor, action, detail FROM audit_log \
         WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) AND ($3 IS NULL OR id < $3)",
    );
    let mut next = 5;
    for (column, count) in [("actor", names), ("action", actions)] {
        if count > 0 {
            let placeholders: Vec<String> = (next..next + count).map(|n| format!("${n}")).collect();
            sql.push_str(&format!(" AND {column} IN ({})", placeholders.join(", ")));
            next += count;
        }
    }
    sql.push_str(" ORDER BY id DESC LIMIT $4");
    sql
}

/// The public id of a device token: the first 16 hex digits of its hash
/// (the migration gives older tokens the same).
pub fn device_id(token_sha256: &str) -> &str {
    token_sha256.get(..16).unwrap_or(token_sha256)
}

impl Store {
    /// Everyone, by name, each with their devices (revoked ones too, so the
    /// console shows what was lost and when).
    pub async fn people(&self) -> StoreResult<Vec<Person>> {
        let (people, devices) = with_pool!(self, pool => {
            let people = sqlx::query(PEOPLE).fetch_all(pool).await?;
            let mut found = Vec::with_capacity(people.len());
            for row in &people {
                let revoked_at = row.optional_text("revoked_at")?;
                found.push(Person {
                    name: row.text("name")?,
                    role: row.text("role")?,
                    created_at: row.text("created_at")?,
                    last_login_at: row.optional_text("last_login_at")?,
                    revoked: revoked_at.is_some(),
                    revoked_at,
                    devices: Vec::new(),
                });
            }
            let rows = sqlx::query(DEVICES).fetch_all(pool).await?;
            let mut devices = Vec::with_capacity(rows.len());
            for row in &rows {
                let revoked_at = row.optional_text("revoked_at")?;
                devices.push((row.text("user_name")?, Device {
                    id: row.text("device_id")?,
                    label: row.optional_text("label")?,
                    registered_at: row.text("created_at")?,
                    last_seen_at: row.optional_text("last_seen_at")?,
                    revoked: revoked_at.is_some(),
                    revoked_at,
                }));
            }
            (found, devices)
        });
        // Sorted here, by bytes: PostgreSQL's ORDER BY follows the
        // database's collation (which may ignore `-` and case), SQLite's
        // does not, and the console lists the same order on both.
        let mut people = people;
        people.sort_by(|a, b| a.name.cmp(&b.name));
        let at: std::collections::HashMap<String, usize> = people
            .iter()
            .enumerate()
            .map(|(index, person)| (person.name.clone(), index))
            .collect();
        for (owner, device) in devices {
            if let Some(&index) = at.get(&owner) {
                people[index].devices.push(device);
            }
        }
        Ok(people)
    }

    /// Revokes one device token; the person's other devices and sessions
    /// keep working. `None` when no device has this id.
    pub async fn revoke_device(&self, device_id: &str) -> StoreResult<Option<RevokedDevice>> {
        with_pool!(self, pool => {
            let mut transaction = pool.begin().await?;
            let Some(row) = sqlx::query(DEVICE).bind(device_id).fetch_optional(&mut *transaction).await? else {
                return Ok(None);
            };
            let newly = sqlx::query(REVOKE_DEVICE).bind(device_id).bind(now())
                .execute(&mut *transaction).await?.rows_affected() > 0;
            transaction.commit().await?;
            Ok(Some(RevokedDevice {
                user_name: row.text("user_name")?,
                token_sha256: row.text("token_sha256")?,
                newly,
            }))
        })
    }

    /// Notes a successful password check.
    pub async fn record_login(&self, name: &str) -> StoreResult<()> {
        with_pool!(self, pool => {
            sqlx::query(RECORD_LOGIN).bind(name).bind(now()).execute(pool).await?;
        });
        Ok(())
    }

    /// Notes that a token was used, unless that was noted within the last
    /// minute (`last_seen_at` as read with the token).
    pub(super) async fn token_seen(
        &self,
        token_sha256: &str,
        last_seen_at: Option<&str>,
    ) -> StoreResult<()> {
        let now = now();
        let recent = match (
            last_seen_at.and_then(salama_shared::date::Timestamp::parse),
            salama_shared::date::Timestamp::parse(&now),
        ) {
            (Some(seen), Some(now)) => now.unix_seconds() - seen.unix_seconds() < LAST_SEEN_EVERY,
            _ => false,
        };
        if !recent {
            with_pool!(self, pool => {
                sqlx::query(SEEN).bind(token_sha256).bind(&now).execute(pool).await?;
            });
        }
        Ok(())
    }

    /// The audit entries a search finds, newest first, at most `query.limit`.
    pub async fn search_audit(&self, query: &AuditQuery) -> StoreResult<Vec<AuditEntry>> {
        let (since, before) = (query.since(), query.before());
        let sql = audit_search(query.who.len(), query.action.len());
        with_pool!(self, pool => {
            let mut statement = sqlx::query(&sql)
                .bind(since.as_deref())
                .bind(before.as_deref())
                .bind(query.before_id)
                .bind(i64::from(query.limit));
            for value in query.who.iter().chain(&query.action) {
                statement = statement.bind(value.as_str());
            }
            let rows = statement.fetch_all(pool).await?;
            let mut entries = Vec::with_capacity(rows.len());
            for row in rows {
                entries.push(AuditEntry {
                    id: row.integer("id")?,
                    at: row.try_get("at")?,
                    actor: row.try_get("actor")?,
                    action: row.try_get("action")?,
                    detail: row.try_get("detail")?,
                });
            }
            Ok(entries)
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_name_and_action_has_its_placeholder() {
        assert_eq!(
            super::audit_search(2, 1),
            "SELECT id, at, actor, action, detail FROM audit_log \
             WHERE ($1 IS NULL OR at >= $1) AND ($2 IS NULL OR at < $2) AND ($3 IS NULL OR id < $3) \
             AND actor IN ($5, $6) AND action IN ($7) ORDER BY id DESC LIMIT $4"
        );
        assert!(!super::audit_search(0, 0).contains(" IN "));
    }
}
