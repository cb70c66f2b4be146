-- Each survey's saved flag rules (issue #16): what the supervisors' rounds
-- look for (interviews shorter than a number of minutes, too many "don't
-- know" in a battery) kept once by an admin instead of typed into every
-- request. The rules are JSON checked on the way in and read leniently:
-- a row that no longer parses counts as no rules saved.
CREATE TABLE flag_rules (
    survey_id TEXT NOT NULL PRIMARY KEY,
    rules     TEXT NOT NULL,
    set_by    TEXT NOT NULL,
    set_at    TEXT NOT NULL
);
