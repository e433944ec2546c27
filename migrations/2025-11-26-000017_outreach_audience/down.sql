DROP TABLE outreach_results;
DROP TABLE outreach_audience;
DROP FUNCTION outreach_address_key(text);
DROP FUNCTION outreach_walk_key(text);
ALTER TABLE outreach_plans DROP COLUMN audience_frozen_at;
