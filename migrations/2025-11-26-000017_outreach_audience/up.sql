-- Voter Outreach (issue 16): a plan's audience is frozen when it goes in progress, and the outcome of
-- each contact is recorded against that frozen audience.

-- When the audience was frozen (NULL: still live, computed from the voter file on every read).
ALTER TABLE outreach_plans ADD COLUMN audience_frozen_at timestamptz NULL;

-- The walk-list key of an address line: street name, house number as a number, then the unit, so that a
-- canvasser walks one side of a street after the other in number order, not in alphabetical order of
-- "10, 100, 11". One text key (numbers left-padded) sorts with COLLATE "C". Lines without a house number
-- sort after the numbered ones of their street; rows without an address sort last.
CREATE FUNCTION outreach_walk_key(line text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    WITH n AS (SELECT upper(regexp_replace(btrim(line), '\s+', ' ', 'g')) AS l),
    parts AS (
        SELECT l,
               substring(l FROM '^(\d{1,12})') AS number,
               substring(l FROM '^\d{1,12}([A-Z]|-\d+|\s1/2)?\s') AS suffix,
               substring(l FROM '\s(?:(?:APT|APARTMENT|UNIT|STE|SUITE|LOT|RM|ROOM|FL|FLOOR|BLDG|SPC|TRLR)\.?\s*#?|#)\s*([A-Z0-9][A-Z0-9-]*)$') AS unit
        FROM n
    ),
    street AS (
        SELECT number, suffix, unit,
               btrim(regexp_replace(
                   regexp_replace(l, '^\d{1,12}([A-Z]|-\d+|\s1/2)?\s', ''),
                   '\s(?:(?:APT|APARTMENT|UNIT|STE|SUITE|LOT|RM|ROOM|FL|FLOOR|BLDG|SPC|TRLR)\.?\s*#?|#)\s*([A-Z0-9][A-Z0-9-]*)$',
                   '')) AS name
        FROM parts
    )
    SELECT name
           || chr(1) || coalesce(lpad(number, 12, '0'), '~')
           || chr(1) || coalesce(btrim(suffix), '')
           || chr(1) || coalesce(lpad(substring(unit FROM '^\d+'), 12, '0'), '')
           || chr(1) || coalesce(unit, '')
    FROM street
$$;

-- A household's address key: the address line, upper case with its blanks folded (direct mail sends one
-- piece per address line and ZIP).
CREATE FUNCTION outreach_address_key(line text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT upper(regexp_replace(btrim(line), '\s+', ' ', 'g'))
$$;

-- The frozen audience: who the plan reaches, in the plan's order (`position`, 1..n: the walk list for door
-- knocking, households for direct mail, the contacts order otherwise) and household (1..h, in order).
-- A voter who later leaves the voter file stays here: the names and address as they were when frozen are
-- what the audience shows for them (never party). No foreign key to voters, for that reason.
CREATE TABLE outreach_audience (
    plan_id uuid NOT NULL REFERENCES outreach_plans (id) ON DELETE CASCADE,
    position integer NOT NULL CONSTRAINT outreach_audience_position_positive CHECK (position > 0),
    voter_id uuid NOT NULL,
    state text NOT NULL,
    lal_voter_id text NOT NULL,
    first_name text NULL,
    last_name text NULL,
    address_line1 text NULL,
    address_city text NULL,
    address_zip text NULL,
    household integer NOT NULL CONSTRAINT outreach_audience_household_positive CHECK (household > 0),
    CONSTRAINT outreach_audience_pkey PRIMARY KEY (plan_id, voter_id),
    CONSTRAINT outreach_audience_position_key UNIQUE (plan_id, position)
);
-- Households of a direct-mail plan, by page.
CREATE INDEX outreach_audience_households ON outreach_audience (plan_id, household);

-- The outcome of each contact of a frozen audience; recording again replaces it.
CREATE TABLE outreach_results (
    plan_id uuid NOT NULL,
    voter_id uuid NOT NULL,
    outcome text NOT NULL CONSTRAINT outreach_results_outcome_known
        CHECK (outcome IN ('contacted', 'no_answer', 'refused', 'wrong_number', 'moved')),
    recorded_at timestamptz NOT NULL,
    recorded_by uuid NOT NULL,
    CONSTRAINT outreach_results_pkey PRIMARY KEY (plan_id, voter_id),
    CONSTRAINT outreach_results_audience_fkey FOREIGN KEY (plan_id, voter_id)
        REFERENCES outreach_audience (plan_id, voter_id) ON DELETE CASCADE
);
