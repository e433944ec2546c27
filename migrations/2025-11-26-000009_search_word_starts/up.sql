-- Search matches the start of words (issue 13, ADR 0022): `voters.search_text` becomes the voter's search
-- document, " word word … #p<digits> #l<local> #x<last 4> " (winserve_domain::search), written by every
-- import; positions get the same document of their name, searched by `GET /v1/positions?q=`. Rows stored
-- before this migration still hold the old text (or none); `winserve migrate` (and `serve` at start)
-- rewrites them once, in Rust, with the same function the imports use, and then marks the upgrade done
-- here. A database without voters or positions has nothing to rewrite.
ALTER TABLE positions ADD COLUMN search_text text NOT NULL DEFAULT '';

CREATE TABLE data_upgrades (
    name text PRIMARY KEY,
    done_at timestamptz NULL
);

INSERT INTO data_upgrades (name, done_at)
VALUES ('search_documents_word_starts', CASE WHEN EXISTS (SELECT 1 FROM voters) OR EXISTS (SELECT 1 FROM positions) THEN NULL ELSE now() END);
