-- Room on every page of `district_facets` for the new versions of its rows (issue 14). A refresh changes
-- the count of most facets of its state once (`voter_import::facets::apply`); with full pages every such
-- update put the new version on another page and a new entry into the primary key. With half of each page
-- free, the new version stays on its page and the key is not touched (a HOT update); readers and later
-- updates prune the old versions. The table is small (a row per district and hot-filter combination).
ALTER TABLE district_facets SET (fillfactor = 50);
-- The rows stored so far are rewritten with the room left (and in key order, the order of the updates).
CLUSTER district_facets USING district_facets_pkey;
