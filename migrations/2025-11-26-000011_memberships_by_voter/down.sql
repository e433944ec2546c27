CREATE INDEX voter_districts_voter ON voter_districts (state, voter_id);
ALTER TABLE voter_districts DROP CONSTRAINT voter_districts_pkey;
ALTER TABLE voter_districts ADD CONSTRAINT voter_districts_pkey PRIMARY KEY (state, district_id, voter_id);
UPDATE voters SET row_hash = NULL WHERE row_hash IS NOT NULL;
