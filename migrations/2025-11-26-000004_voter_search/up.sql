-- Free-text search inside one district without reading the district (ADR 0013).
--
-- A search is "every word occurs in the voter's folded names, phone digits and address" (product.md §6).
-- A trigram index answers `search_text LIKE '%word%'`, but alone it finds the matches of the whole
-- state, most of them outside the district. `district_ids` (the districts of the voter, exactly the
-- voter's rows in `voter_districts`, written by the same import statements) puts the district into the
-- same GIN index: one index scan intersects the words' trigram posting lists with the district's, so a
-- search reads only the district's matching voters.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE voters ADD COLUMN district_ids uuid[] NOT NULL DEFAULT '{}';

UPDATE voters v
SET district_ids = m.ids
FROM (
    SELECT state, voter_id, array_agg(district_id ORDER BY district_id) AS ids
    FROM voter_districts
    GROUP BY state, voter_id
) AS m
WHERE m.state = v.state AND m.voter_id = v.id;

CREATE INDEX voters_search ON voters USING gin (search_text gin_trgm_ops, district_ids);
