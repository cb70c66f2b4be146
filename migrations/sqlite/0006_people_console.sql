-- What the survey team's console shows of people and devices.
-- When each person last logged in (set at every successful password check).
ALTER TABLE users ADD COLUMN last_login_at TEXT;
-- A device token's public id, the name its holder gave it, and when it was
-- last used (written at most once a minute, not per request). The id is the
-- first 16 hex digits of the token's SHA-256: it names the device in the
-- console and the API without being a credential, and rows stored before
-- this migration get theirs from the hash they already have.
ALTER TABLE tokens ADD COLUMN device_id TEXT;
ALTER TABLE tokens ADD COLUMN label TEXT;
ALTER TABLE tokens ADD COLUMN last_seen_at TEXT;
UPDATE tokens SET device_id = substr(token_sha256, 1, 16) WHERE kind = 'device';
CREATE UNIQUE INDEX tokens_by_device ON tokens (device_id);
-- The console searches the audit log by who and by what.
CREATE INDEX audit_by_actor ON audit_log (actor);
CREATE INDEX audit_by_action ON audit_log (action);
