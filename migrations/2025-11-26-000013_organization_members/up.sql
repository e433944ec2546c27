-- Organizations are shared (issue 15, ADR 0027): each has members with a role. The owner keeps
-- `organizations.owner_id` — the lifecycle (one user's lock, one open campaign per user, one active office
-- per position) stays the owner's — and is also a member row with the role 'owner'.

CREATE TABLE organization_members (
    organization_id uuid NOT NULL
        CONSTRAINT organization_members_organization_id_fkey REFERENCES organizations (id) ON DELETE CASCADE,
    user_id uuid NOT NULL CONSTRAINT organization_members_user_id_fkey REFERENCES users (id),
    role text NOT NULL CONSTRAINT organization_members_role_known CHECK (role IN ('owner', 'admin', 'member')),
    joined_at timestamptz NOT NULL,
    -- When Clerk last spoke about this membership (a token's `iat` or a webhook's event time): an older
    -- claim never overrides a newer one.
    clerk_synced_at timestamptz NULL,
    CONSTRAINT organization_members_pkey PRIMARY KEY (organization_id, user_id),
    -- The target of organizations_owner_membership_fkey below.
    CONSTRAINT organization_members_role_key UNIQUE (organization_id, user_id, role)
);

-- At most one owner per organization...
CREATE UNIQUE INDEX organization_members_one_owner ON organization_members (organization_id)
    WHERE role = 'owner';
-- GET /v1/organizations: a user's organizations.
CREATE INDEX organization_members_by_user ON organization_members (user_id, organization_id);

INSERT INTO organization_members (organization_id, user_id, role, joined_at)
SELECT id, owner_id, 'owner', created_at FROM organizations;

-- ...and at least one: the owner named by the organization is a member with the role 'owner'. Deferred,
-- so an organization and its owner's row are inserted in one transaction in either order, and a transfer
-- demotes the old owner before it promotes the new one.
ALTER TABLE organizations
    ADD COLUMN owner_role text NOT NULL DEFAULT 'owner'
        CONSTRAINT organizations_owner_role_is_owner CHECK (owner_role = 'owner');
ALTER TABLE organizations ADD CONSTRAINT organizations_owner_membership_fkey
    FOREIGN KEY (id, owner_id, owner_role) REFERENCES organization_members (organization_id, user_id, role)
    DEFERRABLE INITIALLY DEFERRED;

-- Ownership can be transferred now; slugs, modes and creation times still never change, and archived
-- organizations stay read-only.
CREATE OR REPLACE FUNCTION organizations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.slug <> OLD.slug OR NEW.mode <> OLD.mode
       OR NEW.created_at <> OLD.created_at THEN
        RAISE EXCEPTION 'organization % : id, slug, mode and created_at are immutable', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.archived_at IS NOT NULL THEN
        RAISE EXCEPTION 'organization % is archived and read-only', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;

-- A campaign's and an office's owner follow their organization's owner on a transfer.
ALTER TABLE campaigns DROP CONSTRAINT campaigns_organization_fkey;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_organization_fkey
    FOREIGN KEY (organization_id, organization_mode, owner_id)
    REFERENCES organizations (id, mode, owner_id) ON UPDATE CASCADE;
ALTER TABLE elected_offices DROP CONSTRAINT elected_offices_organization_fkey;
ALTER TABLE elected_offices ADD CONSTRAINT elected_offices_organization_fkey
    FOREIGN KEY (organization_id, organization_mode, owner_id)
    REFERENCES organizations (id, mode, owner_id) ON UPDATE CASCADE;

-- The members of an archived organization are read-only, like the organization. (A cascade from a deleted
-- organization finds no row and passes.)
CREATE FUNCTION organization_members_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    org uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.organization_id ELSE NEW.organization_id END;
BEGIN
    IF EXISTS (SELECT 1 FROM organizations WHERE id = org AND archived_at IS NOT NULL) THEN
        RAISE EXCEPTION 'organization % is archived: its members are read-only', org
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER organization_members_guard BEFORE INSERT OR UPDATE OR DELETE ON organization_members
    FOR EACH ROW EXECUTE FUNCTION organization_members_guard();

-- Whoever leaves an organization no longer has it as their saved default, whichever path removed them
-- (the API, a Clerk webhook).
CREATE FUNCTION organization_members_forget_active() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET active_organization_id = NULL, updated_at = now()
    WHERE id = OLD.user_id AND active_organization_id = OLD.organization_id;
    RETURN NULL;
END;
$$;

CREATE TRIGGER organization_members_forget_active AFTER DELETE ON organization_members
    FOR EACH ROW EXECUTE FUNCTION organization_members_forget_active();

-- The lifecycle log records each member's joins and departures (with the role) as well as the owner's
-- lifecycle. The composite key to organizations (id, owner_id) could not stay: a member's event names an
-- organization they do not own, and a transfer changes owner_id while history must not change. The
-- trigger below keeps its guarantee, under its name.
ALTER TABLE lifecycle_events DROP CONSTRAINT lifecycle_events_organization_fkey;
ALTER TABLE lifecycle_events ADD CONSTRAINT lifecycle_events_organization_id_fkey
    FOREIGN KEY (organization_id) REFERENCES organizations (id);
ALTER TABLE lifecycle_events DROP CONSTRAINT lifecycle_events_kind_known;
ALTER TABLE lifecycle_events ADD CONSTRAINT lifecycle_events_kind_known CHECK (kind IN (
    'campaign_created', 'campaign_launched', 'campaign_won', 'campaign_lost', 'campaign_withdrawn',
    'office_started', 'office_ended', 'member_joined', 'member_left'));
ALTER TABLE lifecycle_events
    ADD COLUMN role text NULL CONSTRAINT lifecycle_events_role_known CHECK (role IN ('owner', 'admin', 'member')),
    -- The team of a win or of a campaign started from an office ({carried_members: [{user_id, role}],
    -- left_behind: [user_id]}), so a replayed command answers exactly what the first one did (ADR 0004).
    ADD COLUMN team jsonb NULL,
    ADD CONSTRAINT lifecycle_events_role_matches_kind
        CHECK ((role IS NOT NULL) = (kind IN ('member_joined', 'member_left'))),
    ADD CONSTRAINT lifecycle_events_team_matches_kind
        CHECK (team IS NULL OR (kind IN ('campaign_won', 'campaign_created') AND jsonb_typeof(team) = 'object'));

CREATE FUNCTION lifecycle_events_check_organization() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'member_joined' THEN
        IF NOT EXISTS (SELECT 1 FROM organization_members
                       WHERE organization_id = NEW.organization_id AND user_id = NEW.user_id) THEN
            RAISE EXCEPTION 'lifecycle_events_organization_fkey: member_joined names user % who is not a member of organization %',
                NEW.user_id, NEW.organization_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'lifecycle_events_organization_fkey';
        END IF;
    ELSIF NEW.kind <> 'member_left' THEN
        IF NOT EXISTS (SELECT 1 FROM organizations WHERE id = NEW.organization_id AND owner_id = NEW.user_id) THEN
            RAISE EXCEPTION 'lifecycle_events_organization_fkey: a % event of user % names organization % that they do not own',
                NEW.kind, NEW.user_id, NEW.organization_id
                USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'lifecycle_events_organization_fkey';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER lifecycle_events_check_organization BEFORE INSERT ON lifecycle_events
    FOR EACH ROW EXECUTE FUNCTION lifecycle_events_check_organization();
