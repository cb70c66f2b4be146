-- Which enumerator works which cluster (PSU) of which survey, with the
-- cluster's stratum and admin area: sent to the enumerator's device, and
-- the source of strata for the survey design.
CREATE TABLE assignments (
    survey_id   TEXT NOT NULL,
    cluster_id  TEXT NOT NULL,
    user_name   TEXT NOT NULL REFERENCES users (name),
    stratum     TEXT,
    area        TEXT,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (survey_id, cluster_id, user_name)
);

CREATE INDEX assignments_by_user ON assignments (user_name);
