DROP TABLE positions;
DROP TABLE districts;
