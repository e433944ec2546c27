DROP TABLE voter_districts;
DROP TABLE voters;
