-- A fingerprint of each voter's stored content (issue 14, ADR 0024): a 64-bit SipHash-1-3 of the voter's
-- columns as an import stages them (data, search document, sort keys, filter values) and of its
-- districts' names, written by every import. A re-import compares fingerprints instead of every column,
-- so finding the few voters a monthly file changed reads two narrow columns per voter. Rows stored before
-- this migration have none (NULL): the first re-import of their state compares them column by column and stores
-- the fingerprint of each unchanged one (and writes the changed ones as usual). Nullable without a
-- default: adding it rewrites nothing.
ALTER TABLE voters ADD COLUMN row_hash bigint;

-- Finds the voters still without a fingerprint at once (empty once every state was re-imported).
CREATE INDEX voters_row_hash_missing ON voters (state) WHERE row_hash IS NULL;
