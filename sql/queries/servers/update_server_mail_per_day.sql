-- Zero or one row. Gives server $1 a share of $2 emails a day (NULL: no share of its own).
UPDATE servers
SET mail_per_day = $2
WHERE name = $1
RETURNING id, name, created_at, mail_per_day, webhook_url
