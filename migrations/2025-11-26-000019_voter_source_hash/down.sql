ALTER TABLE voters DROP COLUMN source_hash;
