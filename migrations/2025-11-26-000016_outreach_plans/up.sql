-- Voter Outreach (issue 16), a Win-only feature: plans hang off the campaign (ADR 0005), so they can
-- never appear in a Serve organization. organization_id is the campaign's (the composite keys below hold
-- it), so that every query scopes by the organization a request acts in.

-- Targets of the composite keys below (each already unique by its id).
ALTER TABLE campaigns ADD CONSTRAINT campaigns_id_organization_key UNIQUE (id, organization_id);
ALTER TABLE segments ADD CONSTRAINT segments_id_organization_key UNIQUE (id, organization_id);

CREATE TABLE outreach_plans (
    id uuid PRIMARY KEY,
    campaign_id uuid NOT NULL,
    organization_id uuid NOT NULL,
    name text NOT NULL
        CONSTRAINT outreach_plans_name_shape CHECK (btrim(name) <> '' AND char_length(name) <= 100),
    channel text NOT NULL CONSTRAINT outreach_plans_channel_known
        CHECK (channel IN ('text', 'phone_banking', 'door_knocking', 'direct_mail', 'digital_ads')),
    -- A segment of the same organization, or none (the whole district). A segment used by a plan cannot
    -- be deleted (the plan would silently widen to the whole district).
    segment_id uuid NULL,
    script text NOT NULL DEFAULT ''
        CONSTRAINT outreach_plans_script_size CHECK (octet_length(script) <= 10240),
    scheduled_for date NULL,
    status text NOT NULL CONSTRAINT outreach_plans_status_known
        CHECK (status IN ('draft', 'scheduled', 'in_progress', 'done', 'cancelled')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CONSTRAINT outreach_plans_campaign_fkey FOREIGN KEY (campaign_id, organization_id)
        REFERENCES campaigns (id, organization_id),
    CONSTRAINT outreach_plans_segment_fkey FOREIGN KEY (segment_id, organization_id)
        REFERENCES segments (id, organization_id)
);

-- GET /v1/outreach: a campaign's plans, newest first.
CREATE INDEX outreach_plans_listing ON outreach_plans (organization_id, created_at DESC, id DESC);
-- Deleting a segment checks its plans.
CREATE INDEX outreach_plans_segment ON outreach_plans (segment_id) WHERE segment_id IS NOT NULL;
