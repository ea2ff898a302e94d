-- One row. Locks user $1 so two resends at once cannot both pass the interval check.
SELECT u.is_activated
FROM users u
WHERE u.id = $1
FOR UPDATE OF u
