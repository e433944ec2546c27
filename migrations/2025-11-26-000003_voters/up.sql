-- The voter file (shown as contacts), district membership, and the per-district facet counts that make
-- exact totals cheap (product.md §6, docs/adr/0010).
--
-- Both voter tables are partitioned by state (LIST), one partition per state code: a district lies in
-- one state, so every contacts query prunes to one partition, and distributing by state on Citus later is
-- `create_distributed_table(..., 'state')` on tables whose keys already include the state.
--
-- Attribute columns hold the domain's criteria values (VoterStatus::as_str, …), mapped from L2 values at
-- import, so filters compare plain text and nothing re-interprets L2 spellings at query time.

CREATE TABLE voters (
    id uuid NOT NULL,
    -- The partition key (see the header): every key below includes it.
    state text NOT NULL CONSTRAINT voters_state_shape CHECK (state ~ '^[A-Z]{2}$'),
    -- L2's voter id is the natural key: re-importing a file updates voters in place. L2 ids embed the
    -- state, so unique per state is unique.
    lal_voter_id text NOT NULL CONSTRAINT voters_lal_voter_id_not_blank CHECK (lal_voter_id <> ''),
    first_name text NULL,
    middle_name text NULL,
    last_name text NULL,
    name_suffix text NULL,
    age smallint NULL CONSTRAINT voters_age_range CHECK (age >= 0 AND age < 150),
    gender text NOT NULL CONSTRAINT voters_gender_known CHECK (gender IN ('male', 'female', 'unknown')),
    -- The party as the file spells it (Parties_Description), and its group. Neither ever leaves the
    -- server in Serve mode (product.md §5) — the query layer enforces that, not the schema.
    party_description text NULL,
    party text NOT NULL CONSTRAINT voters_party_known
        CHECK (party IN ('democratic', 'republican', 'independent', 'other', 'unknown')),
    voter_status text NOT NULL CONSTRAINT voters_voter_status_known
        CHECK (voter_status IN ('super', 'likely', 'unreliable', 'unlikely', 'first_time', 'unknown')),
    address_line1 text NULL,
    address_city text NULL,
    address_state text NULL,
    address_zip text NULL,
    cell_phone text NULL,
    landline text NULL,
    marital_status text NOT NULL CONSTRAINT voters_marital_status_known
        CHECK (marital_status IN ('married', 'likely_married', 'single', 'likely_single', 'unknown')),
    has_children text NOT NULL CONSTRAINT voters_has_children_known CHECK (has_children IN ('yes', 'no', 'unknown')),
    veteran text NOT NULL CONSTRAINT voters_veteran_known CHECK (veteran IN ('yes', 'unknown')),
    homeowner text NOT NULL CONSTRAINT voters_homeowner_known CHECK (homeowner IN ('yes', 'likely', 'no', 'unknown')),
    business_owner text NOT NULL CONSTRAINT voters_business_owner_known CHECK (business_owner IN ('yes', 'unknown')),
    education text NOT NULL CONSTRAINT voters_education_known CHECK (education IN (
        'none', 'high_school', 'technical_school', 'some_college', 'college', 'graduate', 'unknown')),
    ethnicity text NOT NULL CONSTRAINT voters_ethnicity_known CHECK (ethnicity IN (
        'asian', 'european', 'hispanic', 'african_american', 'other', 'unknown')),
    language text NOT NULL CONSTRAINT voters_language_known CHECK (language IN ('en', 'es', 'other', 'unknown')),
    estimated_income integer NULL CONSTRAINT voters_estimated_income_positive CHECK (estimated_income >= 0),
    -- Folded (lower case, no accents) names, phone digits and address: what free-text search looks in.
    -- Never the party, so a search cannot reveal it.
    search_text text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT voters_pkey PRIMARY KEY (state, id),
    CONSTRAINT voters_lal_voter_id_key UNIQUE (state, lal_voter_id)
) PARTITION BY LIST (state);

-- A voter's membership in a district. Contacts of an organization are the voters of its effective
-- district, listed by (last name, first name, id); the folded sort keys and the hot filter columns
-- (built-in segments, voter status, party, age) are copied here so that a page, and the count of any
-- filter over these columns, never touches the wide voters table.
-- No foreign key to voters: a per-row check would halve bulk-load speed. Membership rows are written only
-- by the voter loader, in the same transaction as their voters, and deleted with them.
CREATE TABLE voter_districts (
    state text NOT NULL,
    district_id uuid NOT NULL,
    voter_id uuid NOT NULL,
    last_name_key text NOT NULL,
    first_name_key text NOT NULL,
    has_cell_phone boolean NOT NULL,
    has_landline boolean NOT NULL,
    has_address boolean NOT NULL,
    voter_status text NOT NULL,
    party text NOT NULL,
    age_range text NOT NULL
        CONSTRAINT voter_districts_age_range_known CHECK (age_range IN ('18_24', '25_34', '35_49', '50_plus', 'unknown')),
    -- Every other criterion (gender, language, marital status, children, veteran, homeowner, business
    -- owner, education, ethnicity, income bracket) as one bit per value (winserve_domain::attributes):
    -- a segment over them is a bit test on the index entry, never a read of the wide voters row.
    attributes bigint NOT NULL CONSTRAINT voter_districts_attributes_not_negative CHECK (attributes >= 0),
    -- A voter is in a district once.
    CONSTRAINT voter_districts_pkey PRIMARY KEY (state, district_id, voter_id)
) PARTITION BY LIST (state);

-- One partition per state code the domain accepts (StateCode), created up front.
DO $$
DECLARE
    code text;
BEGIN
    FOREACH code IN ARRAY ARRAY['AL','AK','AZ','AR','CA','CO','CT','DE','FL','GA','HI','ID','IL','IN','IA',
        'KS','KY','LA','ME','MD','MA','MI','MN','MS','MO','MT','NE','NV','NH','NJ','NM','NY','NC','ND','OH',
        'OK','OR','PA','RI','SC','SD','TN','TX','UT','VT','VA','WA','WV','WI','WY','DC','PR','GU','VI','AS','MP']
    LOOP
        EXECUTE format('CREATE TABLE %I PARTITION OF voters FOR VALUES IN (%L)', 'voters_' || lower(code), code);
        EXECUTE format('CREATE TABLE %I PARTITION OF voter_districts FOR VALUES IN (%L)',
            'voter_districts_' || lower(code), code);
    END LOOP;
END $$;

-- The contacts order within a district — also the keyset cursor — covering every filter column, so a
-- filtered page or a live count is an index-only range scan of one district.
CREATE INDEX voter_districts_contacts_order
    ON voter_districts (district_id, last_name_key, first_name_key, voter_id)
    INCLUDE (state, has_cell_phone, has_landline, has_address, voter_status, party, age_range, attributes);
-- Replacing a voter's memberships on re-import finds them by voter, within the state's partition.
CREATE INDEX voter_districts_voter ON voter_districts (state, voter_id);

-- Exact per-district counts over the hot filter dimensions: the count of any filter over these columns
-- is a sum over at most 2·2·2·6·5·5 = 1200 rows, whatever the district's size. Maintained by the
-- statement-level triggers below, in the same transaction as every change to voter_districts, so a
-- total is never stale — also during and after imports.
CREATE TABLE district_facets (
    district_id uuid NOT NULL,
    has_cell_phone boolean NOT NULL,
    has_landline boolean NOT NULL,
    has_address boolean NOT NULL,
    voter_status text NOT NULL,
    party text NOT NULL,
    age_range text NOT NULL,
    voters bigint NOT NULL CONSTRAINT district_facets_voters_not_negative CHECK (voters >= 0),
    CONSTRAINT district_facets_pkey PRIMARY KEY
        (district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range)
);

-- Adds (sign = 1) or removes (sign = -1) the rows of a transition table. Rows are applied in key order so
-- that concurrent imports lock facet rows in the same order and cannot deadlock on them.
CREATE FUNCTION district_facets_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE district_facets AS f
        SET voters = f.voters - gone.n
        FROM (
            SELECT district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
                   count(*) AS n
            FROM old_rows
            GROUP BY 1, 2, 3, 4, 5, 6, 7
        ) AS gone
        WHERE (f.district_id, f.has_cell_phone, f.has_landline, f.has_address, f.voter_status, f.party,
               f.age_range)
            = (gone.district_id, gone.has_cell_phone, gone.has_landline, gone.has_address,
               gone.voter_status, gone.party, gone.age_range);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO district_facets AS f
        SELECT district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
               count(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT ON CONSTRAINT district_facets_pkey DO UPDATE SET voters = f.voters + excluded.voters;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER district_facets_insert AFTER INSERT ON voter_districts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION district_facets_apply();
CREATE TRIGGER district_facets_update AFTER UPDATE ON voter_districts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION district_facets_apply();
CREATE TRIGGER district_facets_delete AFTER DELETE ON voter_districts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION district_facets_apply();
