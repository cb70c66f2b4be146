-- What aggregation reads: one row per respondent (unit 0) and per household
-- roster member (unit n), written in the same transaction as the raw
-- submission. Outcomes hold, per indicator component, whether the unit is in
-- the denominator or numerator and which reported category it gave
-- (salama_shared::facts::encode_outcomes).
CREATE TABLE fact_units (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id  TEXT    NOT NULL REFERENCES submissions (submission_id),
    unit           INTEGER NOT NULL,
    survey_id      TEXT    NOT NULL,
    survey_version INTEGER NOT NULL,
    channel        TEXT    NOT NULL,
    completed_on   TEXT    NOT NULL,
    enumerator_id  TEXT,
    cluster_id     TEXT,
    sex            TEXT,
    age            INTEGER,
    area           TEXT,
    disability     INTEGER,
    displacement   TEXT,
    urban_rural    TEXT,
    outcomes       TEXT    NOT NULL,
    UNIQUE (submission_id, unit)
);

CREATE INDEX fact_units_by_survey ON fact_units (survey_id, seq);

-- Microdata and fact rebuilds page through a survey's submissions by id.
CREATE INDEX submissions_by_survey_and_id ON submissions (survey_id, submission_id);

-- Per survey: how many fact rows exist and a generation bumped whenever
-- facts or the design change otherwise than by appending, so an in-memory
-- copy can tell whether it is current without counting rows.
CREATE TABLE fact_state (
    survey_id  TEXT   NOT NULL PRIMARY KEY,
    units      INTEGER NOT NULL,
    generation INTEGER NOT NULL
);

-- The sample design: a cluster (PSU) belongs to a stratum and may carry the
-- weight of every interview in it; a weight for one submission overrides it.
CREATE TABLE design_clusters (
    survey_id  TEXT NOT NULL,
    cluster_id TEXT NOT NULL,
    stratum    TEXT,
    weight     REAL,
    PRIMARY KEY (survey_id, cluster_id)
);

CREATE TABLE design_submission_weights (
    survey_id     TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    weight        REAL NOT NULL,
    PRIMARY KEY (survey_id, submission_id)
);

-- Submissions received before facts existed get theirs when the server
-- next starts (or with `salama facts rebuild`).
CREATE TABLE pending_maintenance (
    task TEXT NOT NULL PRIMARY KEY
);
INSERT INTO pending_maintenance (task) VALUES ('facts_backfill');
