-- Two changes that make a monthly refresh cheaper (issue 14, ADR 0026).
--
-- 1. One index fewer on the memberships. The primary key led with the district and a second index with
--    the voter; every membership row an import inserts or changes paid for an entry in both, at random
--    places. Led by the voter, the primary key serves both: the replace-by-voter lookups of imports and
--    the one-voter-in-one-district lookups of contacts (a district's rows in order come from
--    voter_districts_contacts_order, which leads with the district).
ALTER TABLE voter_districts DROP CONSTRAINT voter_districts_pkey;
ALTER TABLE voter_districts ADD CONSTRAINT voter_districts_pkey PRIMARY KEY (state, voter_id, district_id);
DROP INDEX voter_districts_voter;

-- 2. Fingerprints now cover a voter's own columns, not its derived ones (they are functions of them), so
--    an import knows a voter is unchanged before deriving anything. Fingerprints of the earlier definition
--    match nothing: cleared, the next re-import of each state compares its voters column by column once
--    and stores the new ones (migration 000010).
UPDATE voters SET row_hash = NULL WHERE row_hash IS NOT NULL;
