-- Zero or one row: one only for the instance that paused sending (the others find it paused).
-- $1 now, $2 Mailjet's HTTP status, $3 its ErrorCode, $4 first probe.
INSERT INTO mail_pause (paused_at, status, error_code, next_probe_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (singleton) DO NOTHING
RETURNING paused_at
