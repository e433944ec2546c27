-- The source fingerprint of each voter (issue 14, ADR 0029): a fingerprint of the voter-file row (its
-- header and cells, as read) the voter was last written from, mixed with the keys of `row_hash`. The
-- next import of a file of the same layout recognises the rows whose source fingerprint is stored
-- without parsing them: a monthly refresh parses only the few rows that changed. Written by every
-- import from a file; NULL for voters written otherwise (the seed) or before this migration, which are
-- recognised by `row_hash` as before. Nullable without a default: adding it rewrites nothing.
ALTER TABLE voters ADD COLUMN source_hash bigint;
