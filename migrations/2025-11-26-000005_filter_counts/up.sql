-- Exact totals of contacts filters, remembered per district and per version of the state's voter data
-- (docs/adr/0016-remembered-totals.md).
--
-- A filter's total is summed from district_facets (hot columns only) or counted live over every
-- membership of the district (other criteria). It is remembered here with the version of the state's
-- data it was counted at, and reused while that version is current. Every change to voter_districts
-- bumps the version in the same transaction, so a remembered total is never used for data it was not
-- counted from: a reader whose snapshot predates an import reads the old version and the old rows; one
-- whose snapshot includes the import reads the new version and misses.

-- The current version of each state's voter data (a state without a row is at version 0).
CREATE TABLE voter_data_versions (
    state text PRIMARY KEY CONSTRAINT voter_data_versions_state_shape CHECK (state ~ '^[A-Z]{2}$'),
    version bigint NOT NULL CONSTRAINT voter_data_versions_version_positive CHECK (version > 0)
);

CREATE TABLE filter_counts (
    district_id uuid NOT NULL,
    -- The filter in canonical form (winserve-adapters-postgres, contacts_sql::filter_key): equal filters
    -- share a row, whichever segment or organization asked.
    filter_key text NOT NULL,
    data_version bigint NOT NULL,
    voters bigint NOT NULL CONSTRAINT filter_counts_voters_not_negative CHECK (voters >= 0),
    CONSTRAINT filter_counts_pkey PRIMARY KEY (district_id, filter_key)
);

-- Bumps the version of each state in `states` (rows in state order, so concurrent writers lock them in
-- the same order).
CREATE FUNCTION voter_data_changed(states text[]) RETURNS void LANGUAGE sql AS $$
    INSERT INTO voter_data_versions AS v (state, version)
    SELECT DISTINCT s, 1::bigint FROM unnest(states) AS s ORDER BY 1
    ON CONFLICT (state) DO UPDATE SET version = v.version + 1
$$;

-- Every statement that changes voter_districts bumps the versions of the states it touched, in its own
-- transaction. (The build-and-swap import writes no row through these triggers and calls
-- voter_data_changed itself.)
CREATE FUNCTION voter_data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM voter_data_changed(ARRAY(SELECT DISTINCT state FROM new_rows));
    ELSE
        PERFORM voter_data_changed(ARRAY(SELECT DISTINCT state FROM old_rows));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER voter_data_version_insert AFTER INSERT ON voter_districts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION voter_data_version_bump();
CREATE TRIGGER voter_data_version_update AFTER UPDATE ON voter_districts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION voter_data_version_bump();
CREATE TRIGGER voter_data_version_delete AFTER DELETE ON voter_districts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION voter_data_version_bump();
