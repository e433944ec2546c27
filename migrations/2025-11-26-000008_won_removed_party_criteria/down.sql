ALTER TABLE lifecycle_events DROP COLUMN removed_party_criteria;
