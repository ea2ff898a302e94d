-- Zero or one row: the pause, when Mailjet refused the account.
SELECT paused_at, status, error_code, probes, next_probe_at FROM mail_pause
