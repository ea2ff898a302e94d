-- Zero or one row. Its users, codes and links go with it (ON DELETE CASCADE).
DELETE FROM servers
WHERE name = $1
RETURNING id, name
