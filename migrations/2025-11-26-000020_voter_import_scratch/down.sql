DROP TABLE voter_import_members;
