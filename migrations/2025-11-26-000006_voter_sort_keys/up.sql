-- The contacts sort keys on voters as well (docs/adr/0014-district-scoped-search-index.md, "Sort keys"):
-- a search without segment criteria then reads voters alone — its matches from the voters_search index,
-- their order from these columns — instead of joining the district's memberships for the keys.
-- Written by the voter import with the same folded values as voter_districts.
ALTER TABLE voters
    ADD COLUMN last_name_key text NOT NULL DEFAULT '',
    ADD COLUMN first_name_key text NOT NULL DEFAULT '';

-- Voters loaded before this migration: every voter is a member of its statewide district at least, and
-- all of a voter's memberships carry the same keys.
UPDATE voters v
SET last_name_key = k.last_name_key, first_name_key = k.first_name_key
FROM (
    SELECT DISTINCT ON (state, voter_id) state, voter_id, last_name_key, first_name_key
    FROM voter_districts
    ORDER BY state, voter_id
) AS k
WHERE k.state = v.state AND k.voter_id = v.id;
