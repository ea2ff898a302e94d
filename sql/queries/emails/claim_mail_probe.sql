-- Zero or one row: one when this instance may probe Mailjet now. $1 now, $2 base delay (s),
-- $3 longest delay (s): the next probe waits twice as long as the last, up to $3.
UPDATE mail_pause
SET probes = probes + 1,
    next_probe_at = $1::timestamptz + make_interval(secs => least($3, $2 * power(2, probes)))
WHERE next_probe_at <= $1
RETURNING probes
