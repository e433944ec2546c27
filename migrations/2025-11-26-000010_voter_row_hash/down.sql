DROP INDEX voters_row_hash_missing;
ALTER TABLE voters DROP COLUMN row_hash;
