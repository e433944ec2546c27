-- Scratch space of a running voter import (issue 14, ADR 0030). A refresh compares the changed voters'
-- stored memberships with their new ones on a second connection while its own connection writes the
-- voters; the second connection commits the comparison here, and the import reads it back and empties
-- the table in its transaction. Imports are serialized (an advisory lock), so one import at a time uses
-- it. Unlogged: nothing in it outlives the import that wrote it, a crash may empty it, and a standby
-- never needs it.
--
-- One row per membership to delete (`voter_id` null), update (both sides) or insert (`tid` null): the
-- stored row's address and key and facet values, and the new row.
CREATE UNLOGGED TABLE voter_import_members (
    tid tid,
    state text,
    district_id uuid,
    voter_id uuid,
    last_name_key text,
    first_name_key text,
    has_cell_phone boolean,
    has_landline boolean,
    has_address boolean,
    voter_status text,
    party text,
    age_range text,
    attributes bigint,
    stored_voter_id uuid,
    stored_district_id uuid,
    stored_has_cell_phone boolean,
    stored_has_landline boolean,
    stored_has_address boolean,
    stored_voter_status text,
    stored_party text,
    stored_age_range text
);
