-- Releases (issue 18): the tables a survey team shows the public at
-- /results/{survey}. Versioned: editing a release adds a version, the
-- earlier ones are kept; the latest version of each is the one shown,
-- unless withdrawn. The public page reads this table on every request,
-- so a withdrawal takes the table down at once on every instance.
CREATE TABLE releases (
    survey_id    TEXT    NOT NULL,
    release_id   BIGINT  NOT NULL,
    version      BIGINT  NOT NULL,
    -- The release's spec as JSON (`salama_shared::release::ReleaseSpec`).
    spec         TEXT    NOT NULL,
    released_by  TEXT    NOT NULL,
    released_at  TEXT    NOT NULL,
    -- Set on the latest version only: withdrawn, not shown.
    withdrawn_by TEXT,
    withdrawn_at TEXT,
    PRIMARY KEY (survey_id, release_id, version)
);
