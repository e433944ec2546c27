DROP TABLE outreach_plans;
ALTER TABLE segments DROP CONSTRAINT segments_id_organization_key;
ALTER TABLE campaigns DROP CONSTRAINT campaigns_id_organization_key;
