-- Users, organizations, campaigns, elected offices, the lifecycle log and segments (product.md §2, §4).
-- The constraints below hold the product's invariants even against a buggy caller; the application
-- checks the same rules first so users get a precise error, and the adapter translates the named
-- constraints back into business errors when a race slips past those checks.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    -- The auth token's subject. UNIQUE makes "create on first request" safe under concurrent first
    -- requests: INSERT ... ON CONFLICT (sub) can only ever produce one user per subject.
    sub text NOT NULL CONSTRAINT users_sub_key UNIQUE,
    email text NULL,
    first_name text NULL,
    last_name text NULL,
    -- The user's saved default organization; the foreign key is added below, once organizations exists.
    active_organization_id uuid NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    -- URL handle: unique and immutable (see the trigger below); the shape mirrors the domain's Slug.
    slug text NOT NULL CONSTRAINT organizations_slug_key UNIQUE
        CONSTRAINT organizations_slug_shape
            CHECK (slug ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$' AND position('--' IN slug) = 0),
    -- An explicit mode column, never guessed from the slug (product.md §1).
    mode text NOT NULL CONSTRAINT organizations_mode_known CHECK (mode IN ('win', 'serve')),
    owner_id uuid NOT NULL CONSTRAINT organizations_owner_id_fkey REFERENCES users (id),
    -- Unknown positions and districts are rejected, never stored (product.md §3).
    position_id text NULL
        CONSTRAINT organizations_position_id_fkey REFERENCES positions (ballotready_position_id),
    override_district_id uuid NULL
        CONSTRAINT organizations_override_district_id_fkey REFERENCES districts (id),
    custom_position_name text NULL
        CONSTRAINT organizations_custom_position_name_not_blank CHECK (btrim(custom_position_name) <> ''),
    -- An organization is linked 1:1 to a Clerk organization: a Clerk id selects at most one org.
    clerk_organization_id text NULL CONSTRAINT organizations_clerk_organization_id_key UNIQUE,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- Set when its campaign closes or its office ends; archived organizations are read-only.
    archived_at timestamptz NULL,
    -- Children reference (id, mode, owner) so that a campaign can only hang off a Win organization of the
    -- same owner, and an office only off a Serve organization of the same owner.
    CONSTRAINT organizations_id_mode_owner_key UNIQUE (id, mode, owner_id),
    -- Lifecycle events reference (id, owner) so an event can never name another user's organization.
    CONSTRAINT organizations_id_owner_key UNIQUE (id, owner_id)
);

-- At most one ACTIVE office per (user, position) (product.md §4). An office's organization is archived
-- exactly when the office ends, so "active office" is "open Serve organization" here. A re-election ends
-- (archives) the previous term before inserting the new one, in the same transaction.
CREATE UNIQUE INDEX organizations_one_active_office_per_position
    ON organizations (owner_id, position_id)
    WHERE mode = 'serve' AND archived_at IS NULL AND position_id IS NOT NULL;

-- GET /v1/organizations: the owner's orgs, open ones first, newest first.
CREATE INDEX organizations_owner_listing
    ON organizations (owner_id, (archived_at IS NULL) DESC, created_at DESC, id DESC);

-- Slugs, modes and owners never change, and archived organizations are read-only. The application never
-- does either; the trigger makes sure no caller can.
CREATE FUNCTION organizations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.slug <> OLD.slug OR NEW.mode <> OLD.mode OR NEW.owner_id <> OLD.owner_id
       OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'organization % : id, slug, mode, owner and created_at are immutable', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.archived_at IS NOT NULL THEN
        RAISE EXCEPTION 'organization % is archived and read-only', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER organizations_guard BEFORE UPDATE ON organizations
    FOR EACH ROW EXECUTE FUNCTION organizations_guard();

-- The saved default organization. Organizations are never deleted in practice; SET NULL keeps the user
-- valid if one ever is.
ALTER TABLE users ADD CONSTRAINT users_active_organization_id_fkey
    FOREIGN KEY (active_organization_id) REFERENCES organizations (id) ON DELETE SET NULL;

CREATE TABLE campaigns (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    -- Always 'win': together with the composite foreign key below, a campaign can only belong to a Win
    -- organization (Win-only data references campaigns; product.md §8).
    organization_mode text NOT NULL DEFAULT 'win' CONSTRAINT campaigns_win_only CHECK (organization_mode = 'win'),
    owner_id uuid NOT NULL,
    status text NOT NULL
        CONSTRAINT campaigns_status_known CHECK (status IN ('draft', 'active', 'won', 'lost', 'withdrawn')),
    election_date date NULL,
    primary_election_date date NULL,
    ballotready_race_id text NULL,
    ballotready_election_id text NULL,
    party text NULL,
    launched_at timestamptz NULL,
    closed_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- The campaign's owner is its organization's owner, and the organization is a Win one.
    CONSTRAINT campaigns_organization_fkey FOREIGN KEY (organization_id, organization_mode, owner_id)
        REFERENCES organizations (id, mode, owner_id),
    -- Exactly one campaign per Win organization.
    CONSTRAINT campaigns_one_per_organization UNIQUE (organization_id),
    -- A result is recorded exactly when the campaign is closed.
    CONSTRAINT campaigns_closed_at_matches_status
        CHECK ((status IN ('won', 'lost', 'withdrawn')) = (closed_at IS NOT NULL)),
    -- A draft was never launched; an active, won or lost campaign was (a draft may be withdrawn).
    CONSTRAINT campaigns_launched_at_matches_status
        CHECK ((status <> 'draft' OR launched_at IS NULL)
               AND (status NOT IN ('active', 'won', 'lost') OR launched_at IS NOT NULL)),
    CONSTRAINT campaigns_primary_before_general
        CHECK (primary_election_date IS NULL OR election_date IS NULL OR primary_election_date <= election_date)
);

-- A user has at most one open (draft or active) campaign at a time, but any number over the years
-- (product.md §1, §4). The adapter translates a violation into OpenCampaignExists.
CREATE UNIQUE INDEX campaigns_one_open_per_user ON campaigns (owner_id) WHERE status IN ('draft', 'active');

-- GET /v1/campaigns: newest first.
CREATE INDEX campaigns_owner_listing ON campaigns (owner_id, created_at DESC, id DESC);

-- NOTE: there is deliberately no column or foreign key linking an office to the campaign it came from
-- (product.md §1): provenance lives in the lifecycle log.
CREATE TABLE elected_offices (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    -- Always 'serve': an office can only belong to a Serve organization (Serve-only data references
    -- elected_offices; product.md §8).
    organization_mode text NOT NULL DEFAULT 'serve'
        CONSTRAINT elected_offices_serve_only CHECK (organization_mode = 'serve'),
    owner_id uuid NOT NULL,
    status text NOT NULL CONSTRAINT elected_offices_status_known CHECK (status IN ('active', 'ended')),
    sworn_in_date date NULL,
    term_end_date date NULL,
    ended_at timestamptz NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT elected_offices_organization_fkey FOREIGN KEY (organization_id, organization_mode, owner_id)
        REFERENCES organizations (id, mode, owner_id),
    -- Exactly one office per Serve organization.
    CONSTRAINT elected_offices_one_per_organization UNIQUE (organization_id),
    -- An office has an end time exactly when it has ended.
    CONSTRAINT elected_offices_ended_at_matches_status CHECK ((status = 'ended') = (ended_at IS NOT NULL)),
    CONSTRAINT elected_offices_term_after_start
        CHECK (sworn_in_date IS NULL OR term_end_date IS NULL OR term_end_date >= sworn_in_date)
);

-- GET /v1/elected-offices: newest first.
CREATE INDEX elected_offices_owner_listing ON elected_offices (owner_id, created_at DESC, id DESC);

-- The append-only lifecycle log of each user (product.md §2). seq is the order of append, which is the
-- order GET /v1/me/history reports.
CREATE TABLE lifecycle_events (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id uuid NOT NULL CONSTRAINT lifecycle_events_user_id_fkey REFERENCES users (id),
    kind text NOT NULL CONSTRAINT lifecycle_events_kind_known CHECK (kind IN (
        'campaign_created', 'campaign_launched', 'campaign_won', 'campaign_lost', 'campaign_withdrawn',
        'office_started', 'office_ended')),
    at timestamptz NOT NULL,
    organization_id uuid NOT NULL,
    campaign_id uuid NULL CONSTRAINT lifecycle_events_campaign_id_fkey REFERENCES campaigns (id),
    elected_office_id uuid NULL
        CONSTRAINT lifecycle_events_elected_office_id_fkey REFERENCES elected_offices (id),
    -- An event happens in one of its user's organizations.
    CONSTRAINT lifecycle_events_organization_fkey FOREIGN KEY (organization_id, user_id)
        REFERENCES organizations (id, owner_id),
    -- Campaign events name their campaign, office events their office; a win and the start of an office
    -- name both (that pair of events is the office's provenance).
    CONSTRAINT lifecycle_events_ids_match_kind CHECK (
        (kind NOT IN ('campaign_created', 'campaign_launched', 'campaign_won', 'campaign_lost',
                      'campaign_withdrawn') OR campaign_id IS NOT NULL)
        AND (kind NOT IN ('office_started', 'office_ended') OR elected_office_id IS NOT NULL)
        AND (kind NOT IN ('campaign_won', 'office_started')
             OR (campaign_id IS NOT NULL AND elected_office_id IS NOT NULL)))
);

-- Exactly one office ever comes from one won campaign (product.md §4), even under concurrent calls.
CREATE UNIQUE INDEX lifecycle_events_one_office_per_won_campaign
    ON lifecycle_events (campaign_id) WHERE kind = 'campaign_won';
-- A campaign's result is recorded once: won, lost and withdrawn exclude each other.
CREATE UNIQUE INDEX lifecycle_events_one_result_per_campaign
    ON lifecycle_events (campaign_id) WHERE kind IN ('campaign_won', 'campaign_lost', 'campaign_withdrawn');
-- A campaign is created once.
CREATE UNIQUE INDEX lifecycle_events_one_creation_per_campaign
    ON lifecycle_events (campaign_id) WHERE kind = 'campaign_created';
-- An office starts once and ends once.
CREATE UNIQUE INDEX lifecycle_events_one_start_per_office
    ON lifecycle_events (elected_office_id) WHERE kind = 'office_started';
CREATE UNIQUE INDEX lifecycle_events_one_end_per_office
    ON lifecycle_events (elected_office_id) WHERE kind = 'office_ended';

-- GET /v1/me/history and the lifecycle snapshot read a user's log in append order.
CREATE INDEX lifecycle_events_user_seq ON lifecycle_events (user_id, seq);

-- The log is append-only: history is never rewritten.
CREATE FUNCTION lifecycle_events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'lifecycle_events is append-only (% refused)', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$;

CREATE TRIGGER lifecycle_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON lifecycle_events
    FOR EACH STATEMENT EXECUTE FUNCTION lifecycle_events_refuse_change();

-- Custom segments belong to exactly one organization (data spanning both modes references
-- organizations; product.md §8). A campaign org and an office org never share one: on a win they are
-- copied, with new ids.
CREATE TABLE segments (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL
        CONSTRAINT segments_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    name text NOT NULL
        CONSTRAINT segments_name_shape CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    -- The validated SegmentCriteria as JSON; always an object.
    criteria jsonb NOT NULL CONSTRAINT segments_criteria_object CHECK (jsonb_typeof(criteria) = 'object'),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- GET /v1/segments lists an organization's segments by name.
CREATE INDEX segments_organization_name ON segments (organization_id, name);
