DROP TABLE data_upgrades;
ALTER TABLE positions DROP COLUMN search_text;
