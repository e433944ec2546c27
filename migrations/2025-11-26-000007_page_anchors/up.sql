-- Where deep pages start, remembered per district, filter and version of the state's voter data
-- (docs/adr/0018-page-anchors.md).
--
-- A page by number past the first thousand contacts would walk every index entry before it (page 100 of
-- 50: 4,950 entries). An anchor is the contacts-order key of the row at `position` (1-based) of a
-- filter's contacts, read in the same snapshot as the data version it is stored with; a deep page starts
-- after the nearest anchor at or before it, and leaves one where it starts. Like remembered totals
-- (filter_counts), an anchor is used only while its version is current, and the page that uses it
-- checks the version in its own snapshot.
CREATE TABLE page_anchors (
    district_id uuid NOT NULL,
    -- The filter in canonical form, as in filter_counts.
    filter_key text NOT NULL,
    position bigint NOT NULL CONSTRAINT page_anchors_position_positive CHECK (position > 0),
    data_version bigint NOT NULL,
    last_name_key text NOT NULL,
    first_name_key text NOT NULL,
    voter_id uuid NOT NULL,
    CONSTRAINT page_anchors_pkey PRIMARY KEY (district_id, filter_key, position)
);
