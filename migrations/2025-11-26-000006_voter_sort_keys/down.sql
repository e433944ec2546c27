ALTER TABLE voters DROP COLUMN last_name_key, DROP COLUMN first_name_key;
