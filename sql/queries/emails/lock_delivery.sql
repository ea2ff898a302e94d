-- One row. $1 the lock's key. Serializes claims across instances until the transaction
-- ends, so the quota and cap counts of claim_due_emails.sql are exact.
SELECT pg_advisory_xact_lock(hashtext($1::text)) IS NULL AS locked
