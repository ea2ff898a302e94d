/**
 * The one source of "now". Times are passed into SQL from here rather than taken
 * from PostgreSQL's now(), so tests can move time without sleeping.
 */
export type Clock = () => Date

export const systemClock: Clock = () => new Date()
