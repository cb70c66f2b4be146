-- Every version of each survey's disclosure policy (DOMAIN §4): what the
-- server may show of its answers. The latest version is in force; a survey
-- with none has the defaults (`DisclosurePolicy::default`). Versions are
-- kept, never changed, so any table can be traced to the policy it was
-- shown under.
CREATE TABLE disclosure_policies (
    survey_id TEXT    NOT NULL,
    version   INTEGER NOT NULL,
    -- The policy as JSON (`salama_shared::disclosure::DisclosurePolicy`).
    policy    TEXT    NOT NULL,
    set_by    TEXT    NOT NULL,
    set_at    TEXT    NOT NULL,
    PRIMARY KEY (survey_id, version)
);
