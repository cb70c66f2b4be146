-- Every visit to a sampled household and its outcome (completed, refused,
-- no one home, vacant…), call-backs included: response rates are computed
-- from these. No answer is kept here; an interview is named by its id.
-- A visit is stored once under the id its device made: a resend with the
-- same content is acknowledged again, other content under the id refused.
CREATE TABLE visits (
    visit_id       TEXT PRIMARY KEY,
    survey_id      TEXT NOT NULL,
    cluster_id     TEXT NOT NULL,
    household      TEXT NOT NULL,
    enumerator     TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    visited_at     TEXT NOT NULL,
    -- Seconds since 1970 of visited_at, to order a household's visits
    -- whatever offset the device wrote.
    visited_unix   INTEGER NOT NULL,
    submission_id  TEXT,
    note           TEXT,
    content_sha256 TEXT NOT NULL,
    received_at    TEXT NOT NULL
);
CREATE INDEX visits_by_survey ON visits (survey_id, cluster_id, household);
