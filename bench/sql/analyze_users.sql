-- Fresh planner statistics after the bulk inserts, as autovacuum would give them in time.
ANALYZE users
