-- Reference data: L2 districts and BallotReady positions (product.md §2, §7).
-- Loaded by the command-line importers; read by everyone.

CREATE TABLE districts (
    id uuid PRIMARY KEY,
    -- Two-letter upper-case postal code; the domain's StateCode validates the list, the database keeps
    -- at least the shape so a buggy importer cannot store "Wyoming".
    state text NOT NULL CONSTRAINT districts_state_shape CHECK (state ~ '^[A-Z]{2}$'),
    -- The voter-file column naming the district type, e.g. City_Ward.
    l2_type text NOT NULL CONSTRAINT districts_l2_type_not_blank CHECK (l2_type <> ''),
    -- The cleaned L2 name (split on '##', longest piece kept) — cleaning happens in the domain.
    l2_name text NOT NULL CONSTRAINT districts_l2_name_not_blank CHECK (l2_name <> ''),
    -- The natural key: importers upsert on it, so re-importing a file never duplicates a district.
    CONSTRAINT districts_natural_key UNIQUE (state, l2_type, l2_name)
);

-- District search filters by state and type and orders by name.
CREATE INDEX districts_state_type_name ON districts (state, l2_type, l2_name);
CREATE INDEX districts_name ON districts (l2_name, id);

CREATE TABLE positions (
    -- BallotReady's global id is the natural key: importers upsert on it and organizations reference it,
    -- so an id taken from BallotReady means the same office everywhere.
    ballotready_position_id text PRIMARY KEY
        CONSTRAINT positions_id_shape CHECK (ballotready_position_id ~ '^[A-Za-z0-9+/=_:-]{1,128}$'),
    name text NOT NULL CONSTRAINT positions_name_not_blank CHECK (btrim(name) <> ''),
    state text NOT NULL CONSTRAINT positions_state_shape CHECK (state ~ '^[A-Z]{2}$'),
    -- The closed list of government levels the domain knows (PositionLevel).
    level text NOT NULL CONSTRAINT positions_level_known
        CHECK (level IN ('city', 'county', 'state', 'federal', 'local', 'regional', 'township')),
    -- The position's natural L2 district, when one is matched. Districts are never deleted; RESTRICT
    -- keeps it that way for positions that use them.
    district_id uuid NULL CONSTRAINT positions_district_id_fkey REFERENCES districts (id) ON DELETE RESTRICT
);

-- Position search filters by state and orders by name.
CREATE INDEX positions_state_name ON positions (state, name);
CREATE INDEX positions_name ON positions (name, ballotready_position_id);
CREATE INDEX positions_district ON positions (district_id);
