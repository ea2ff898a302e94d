-- One row. Wakes the delivery workers of every instance at commit.
SELECT pg_notify('registration_api_emails', '') IS NULL AS notified
