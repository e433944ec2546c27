DROP INDEX voters_search;
ALTER TABLE voters DROP COLUMN district_ids;
