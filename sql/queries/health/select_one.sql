-- One row: the database answers.
SELECT 1 AS ok
