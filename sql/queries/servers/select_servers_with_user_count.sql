-- Many rows, oldest server first.
SELECT s.id, s.name, s.created_at, s.mail_per_day, s.webhook_url, count(u.id)::int AS user_count
FROM servers s
LEFT JOIN users u ON u.server_id = s.id
GROUP BY s.id
ORDER BY s.created_at, s.name
