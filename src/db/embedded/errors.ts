/** Why the embedded PostgreSQL cannot start, as one line that says what to do. */
export class EmbeddedDatabaseError extends Error {}
