-- Supervisors' review of submissions (received -> approved / has issues /
-- rejected), corrected revisions, each survey's counting rule and who
-- supervises whom. A submission with no review row is `received`: ingest
-- writes nothing more than before.
CREATE TABLE submission_reviews (
    submission_id TEXT NOT NULL PRIMARY KEY REFERENCES submissions (submission_id),
    survey_id     TEXT NOT NULL,
    state         TEXT NOT NULL,
    reviewer      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    reviewed_at   TEXT NOT NULL
);
CREATE INDEX submission_reviews_by_state ON submission_reviews (survey_id, state);

-- Every decision and correction, kept: the interview's history.
CREATE TABLE review_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT    NOT NULL REFERENCES submissions (submission_id),
    at            TEXT    NOT NULL,
    actor         TEXT    NOT NULL,
    -- a review state, or `corrected`
    event         TEXT    NOT NULL,
    reason        TEXT    NOT NULL,
    revision      INTEGER NOT NULL
);
CREATE INDEX review_events_by_submission ON review_events (submission_id, id);

-- Corrected revisions of a submission. Revision 0 is the body as received,
-- in `submissions`, never changed; each correction adds the next one, whole,
-- with the changes (JSON: path, old and new value) that made it.
CREATE TABLE submission_revisions (
    submission_id  TEXT    NOT NULL REFERENCES submissions (submission_id),
    revision       INTEGER NOT NULL,
    body           BLOB    NOT NULL,
    content_sha256 TEXT    NOT NULL,
    author         TEXT    NOT NULL,
    reason         TEXT    NOT NULL,
    changes        TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    PRIMARY KEY (submission_id, revision)
);

-- Whether a survey's aggregates count approved interviews only (rather
-- than every valid one not rejected). No row: every valid one.
CREATE TABLE review_policies (
    survey_id     TEXT    NOT NULL PRIMARY KEY,
    approved_only INTEGER NOT NULL
);

-- An enumerator's supervisor: who reviews the clusters assigned to them.
CREATE TABLE supervision (
    enumerator TEXT NOT NULL PRIMARY KEY REFERENCES users (name),
    supervisor TEXT NOT NULL REFERENCES users (name)
);
CREATE INDEX supervision_by_supervisor ON supervision (supervisor);
