DROP TRIGGER lifecycle_events_check_organization ON lifecycle_events;
DROP FUNCTION lifecycle_events_check_organization();
ALTER TABLE lifecycle_events DISABLE TRIGGER lifecycle_events_append_only;
DELETE FROM lifecycle_events WHERE kind IN ('member_joined', 'member_left');
ALTER TABLE lifecycle_events ENABLE TRIGGER lifecycle_events_append_only;
ALTER TABLE lifecycle_events DROP CONSTRAINT lifecycle_events_team_matches_kind,
    DROP CONSTRAINT lifecycle_events_role_matches_kind, DROP COLUMN team, DROP COLUMN role;
ALTER TABLE lifecycle_events DROP CONSTRAINT lifecycle_events_kind_known;
ALTER TABLE lifecycle_events ADD CONSTRAINT lifecycle_events_kind_known CHECK (kind IN (
    'campaign_created', 'campaign_launched', 'campaign_won', 'campaign_lost', 'campaign_withdrawn',
    'office_started', 'office_ended'));
ALTER TABLE lifecycle_events DROP CONSTRAINT lifecycle_events_organization_id_fkey;
ALTER TABLE lifecycle_events ADD CONSTRAINT lifecycle_events_organization_fkey
    FOREIGN KEY (organization_id, user_id) REFERENCES organizations (id, owner_id);

DROP TRIGGER organization_members_forget_active ON organization_members;
DROP FUNCTION organization_members_forget_active();
DROP TRIGGER organization_members_guard ON organization_members;
DROP FUNCTION organization_members_guard();

ALTER TABLE elected_offices DROP CONSTRAINT elected_offices_organization_fkey;
ALTER TABLE elected_offices ADD CONSTRAINT elected_offices_organization_fkey
    FOREIGN KEY (organization_id, organization_mode, owner_id) REFERENCES organizations (id, mode, owner_id);
ALTER TABLE campaigns DROP CONSTRAINT campaigns_organization_fkey;
ALTER TABLE campaigns ADD CONSTRAINT campaigns_organization_fkey
    FOREIGN KEY (organization_id, organization_mode, owner_id) REFERENCES organizations (id, mode, owner_id);

CREATE OR REPLACE FUNCTION organizations_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

ALTER TABLE organizations DROP CONSTRAINT organizations_owner_membership_fkey;
ALTER TABLE organizations DROP COLUMN owner_role;
DROP TABLE organization_members;
