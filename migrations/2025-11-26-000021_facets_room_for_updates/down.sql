ALTER TABLE district_facets RESET (fillfactor);
CLUSTER district_facets USING district_facets_pkey;
ALTER TABLE district_facets SET WITHOUT CLUSTER;
