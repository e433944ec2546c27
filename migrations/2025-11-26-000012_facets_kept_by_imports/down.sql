CREATE OR REPLACE FUNCTION district_facets_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE district_facets AS f
        SET voters = f.voters - gone.n
        FROM (
            SELECT district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
                   count(*) AS n
            FROM old_rows
            GROUP BY 1, 2, 3, 4, 5, 6, 7
        ) AS gone
        WHERE (f.district_id, f.has_cell_phone, f.has_landline, f.has_address, f.voter_status, f.party,
               f.age_range)
            = (gone.district_id, gone.has_cell_phone, gone.has_landline, gone.has_address,
               gone.voter_status, gone.party, gone.age_range);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO district_facets AS f
        SELECT district_id, has_cell_phone, has_landline, has_address, voter_status, party, age_range,
               count(*)
        FROM new_rows
        GROUP BY 1, 2, 3, 4, 5, 6, 7
        ORDER BY 1, 2, 3, 4, 5, 6, 7
        ON CONFLICT ON CONSTRAINT district_facets_pkey DO UPDATE SET voters = f.voters + excluded.voters;
    END IF;
    RETURN NULL;
END $$;
