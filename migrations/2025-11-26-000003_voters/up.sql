-- The voter file (shown as contacts) and district membership (product.md §6, interfaces.md).
-- Attribute columns hold the domain's criteria values (VoterStatus::as_str, …), mapped from L2 values at
-- import, so filters compare plain text and nothing re-interprets L2 spellings at query time.

CREATE TABLE voters (
    id uuid PRIMARY KEY,
    -- L2's voter id is the natural key: re-importing a file updates voters in place.
    lal_voter_id text NOT NULL CONSTRAINT voters_lal_voter_id_key UNIQUE
        CONSTRAINT voters_lal_voter_id_not_blank CHECK (lal_voter_id <> ''),
    state text NOT NULL CONSTRAINT voters_state_shape CHECK (state ~ '^[A-Z]{2}$'),
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
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- A voter's membership in a district. Contacts of an organization are the voters of its effective
-- district, listed by (last name, first name, id); the sort keys and the hottest filters (built-in
-- segments, voter status, party, age) are copied here so a page is one index range scan of one district.
CREATE TABLE voter_districts (
    district_id uuid NOT NULL CONSTRAINT voter_districts_district_id_fkey REFERENCES districts (id),
    voter_id uuid NOT NULL
        CONSTRAINT voter_districts_voter_id_fkey REFERENCES voters (id) ON DELETE CASCADE,
    -- lower(coalesce(last_name, '')) / lower(coalesce(first_name, '')) of the voter.
    last_name_key text NOT NULL,
    first_name_key text NOT NULL,
    has_cell_phone boolean NOT NULL,
    has_landline boolean NOT NULL,
    has_address boolean NOT NULL,
    voter_status text NOT NULL,
    party text NOT NULL,
    age_range text NOT NULL
        CONSTRAINT voter_districts_age_range_known CHECK (age_range IN ('18_24', '25_34', '35_49', '50_plus', 'unknown')),
    -- A voter is in a district once.
    CONSTRAINT voter_districts_pkey PRIMARY KEY (district_id, voter_id)
);

-- The contacts order within a district: (last name, first name, id) — also the keyset cursor.
CREATE INDEX voter_districts_contacts_order
    ON voter_districts (district_id, last_name_key, first_name_key, voter_id);
-- Replacing a voter's memberships on re-import finds them by voter.
CREATE INDEX voter_districts_voter ON voter_districts (voter_id);
