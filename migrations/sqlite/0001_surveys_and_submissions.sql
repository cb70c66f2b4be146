-- Published survey versions are immutable: a new definition is a new version.
CREATE TABLE surveys (
    survey_id    TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    definition   TEXT    NOT NULL,
    public       INTEGER NOT NULL,
    published_at TEXT    NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- Raw submissions exactly as received; the id is generated on the device so a
-- resend is recognised and never stored twice.
CREATE TABLE submissions (
    submission_id  TEXT    NOT NULL PRIMARY KEY,
    survey_id      TEXT    NOT NULL,
    survey_version INTEGER NOT NULL,
    channel        TEXT    NOT NULL,
    content_sha256 TEXT    NOT NULL,
    body           BLOB    NOT NULL,
    received_at    TEXT    NOT NULL,
    FOREIGN KEY (survey_id, survey_version) REFERENCES surveys (survey_id, version)
);

CREATE INDEX submissions_by_survey ON submissions (survey_id, survey_version);

CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     TEXT NOT NULL,
    actor  TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
