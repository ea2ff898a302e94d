-- Zero or one row. Server $1's secret sealed anew as $2, unless it changed since it was
-- read as $3 (a rotation in between wins).
UPDATE servers
SET webhook_secret = $2
WHERE id = $1 AND webhook_secret = $3
RETURNING id
