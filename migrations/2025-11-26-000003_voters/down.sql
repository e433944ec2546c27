DROP TABLE district_facets;
DROP FUNCTION district_facets_apply();
DROP TABLE voter_districts;
DROP TABLE voters;
