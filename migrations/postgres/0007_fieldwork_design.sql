-- What the console's fieldwork page shows and keeps.
-- How many households a cluster's interviews should reach, from the
-- clusters file (optional): progress is read against it. Kept with the
-- cluster's design row, so it follows the cluster when it moves to another
-- enumerator.
ALTER TABLE design_clusters ADD COLUMN target_households BIGINT;
-- Each design (weights and strata) file stored: who, when, and how much it
-- changed. The audit log says that an upload happened; this says what it
-- did, in numbers the console can show without reading free text.
CREATE TABLE design_uploads (
    id          BIGSERIAL PRIMARY KEY,
    survey_id   TEXT    NOT NULL,
    uploaded_by TEXT    NOT NULL,
    uploaded_at TEXT    NOT NULL,
    keyed_by    TEXT    NOT NULL,
    row_count   BIGINT NOT NULL,
    changed     BIGINT NOT NULL,
    removed     BIGINT NOT NULL
);
CREATE INDEX design_uploads_by_survey ON design_uploads (survey_id, id);
