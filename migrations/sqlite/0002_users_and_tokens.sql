-- People and devices allowed to do more than a public respondent can.
CREATE TABLE users (
    name          TEXT NOT NULL PRIMARY KEY,
    role          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);

-- Bearer tokens (devices, scripts) and browser sessions. Only a SHA-256 of
-- each token is stored; the token itself is shown once.
CREATE TABLE tokens (
    token_sha256 TEXT NOT NULL PRIMARY KEY,
    user_name    TEXT NOT NULL REFERENCES users (name),
    kind         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT
);

CREATE INDEX tokens_by_user ON tokens (user_name);
