-- Zero or one row. Retires user $1's live activation at $2 so only the newest email works.
UPDATE activations
SET superseded_at = $2
WHERE user_id = $1 AND superseded_at IS NULL
RETURNING id
