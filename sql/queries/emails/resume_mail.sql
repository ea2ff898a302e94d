-- Zero or one row: one when sending was paused until now.
DELETE FROM mail_pause RETURNING paused_at
