DROP TRIGGER voter_data_version_insert ON voter_districts;
DROP TRIGGER voter_data_version_update ON voter_districts;
DROP TRIGGER voter_data_version_delete ON voter_districts;
DROP FUNCTION voter_data_version_bump();
DROP FUNCTION voter_data_changed(text[]);
DROP TABLE filter_counts;
DROP TABLE voter_data_versions;
