-- One-time codes that sign a device in without anyone typing a password
-- on it: the console shows one, the field app exchanges it for a device
-- token. Only a SHA-256 of each code is kept; a code is good once, for 15
-- minutes, and a new code for the same person replaces their unused one.
CREATE TABLE device_pairings (
    code_sha256 TEXT NOT NULL PRIMARY KEY,
    user_name   TEXT NOT NULL REFERENCES users (name),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT
);
CREATE INDEX device_pairings_by_user ON device_pairings (user_name);
