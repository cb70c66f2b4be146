-- Each survey's retention date (DOMAIN §5): the last day its raw data is
-- kept. Once it has passed, the survey takes no more answers and its
-- submissions, with everything computed from them one respondent at a
-- time, are destroyed; what the destruction removed is recorded here and
-- in the audit log. The survey's definition and the audit log stay.
CREATE TABLE survey_retention (
    survey_id             TEXT    NOT NULL PRIMARY KEY,
    retain_until          TEXT    NOT NULL,
    set_by                TEXT    NOT NULL,
    set_at                TEXT    NOT NULL,
    destroyed_at          TEXT,
    destroyed_submissions INTEGER NOT NULL DEFAULT 0
);
