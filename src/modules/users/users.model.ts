import { FormatRegistry } from '@sinclair/typebox'
import { t } from 'elysia'
import { Text } from '../../http/text.model'
import { NOT_A_CURSOR } from './users.cursor'

// Elysia's own "date" format accepts anything Date() parses (2020-02-30 included);
// a birth date must be a real calendar day written YYYY-MM-DD.
FormatRegistry.Set('date', (value) => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  if (!match) return false
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])))
  return date.toISOString().startsWith(value)
})

// WHATWG's definition of a valid email address (what <input type=email> accepts).
const EMAIL_PATTERN =
  "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$"

const EMAIL_REGEXP = new RegExp(EMAIL_PATTERN)

/** Only a well-formed email can belong to a user: anything else is looked up as nobody. */
export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL_REGEXP.test(value)
}

export const Email = t.String({
  maxLength: 254,
  pattern: EMAIL_PATTERN,
  error: 'must be an email address of at most 254 characters',
  example: 'ann@example.com',
})

// PostgreSQL text cannot hold NUL characters.
const Name = t.Union([Text({ maxLength: 100, excluding: '\\u0000' }), t.Null()], {
  error: 'must be a string of at most 100 characters without NUL, or null',
})

export const Password = Text({
  minLength: 8,
  maxLength: 128,
  error: 'must be 8 to 128 characters',
  example: 'correct horse battery',
})

export const RegisterBody = t.Object(
  {
    email: Email,
    password: Password,
    first_name: t.Optional({ ...Name, example: 'Ann' }),
    last_name: t.Optional({ ...Name, example: 'Lee' }),
    birth_date: t.Optional(
      t.Union([t.String({ format: 'date' }), t.Null()], {
        error: 'must be a real date written YYYY-MM-DD, not in the future, or null',
        description: 'A real day, written YYYY-MM-DD, not in the future',
        example: '1990-05-17',
      }),
    ),
  },
  { additionalProperties: false },
)

export type RegisterInput = typeof RegisterBody.static

export const EmailParam = t.Object({
  email: t.String({ description: 'The user’s email, URL-encoded; any case', example: 'ann@example.com' }),
})

export const User = t.Object({
  id: t.String({ format: 'uuid', example: '0b9f3c52-7f0e-4a57-9d1e-3c7cfb1f2a10' }),
  server: t.String({ description: 'Name of the server the user belongs to', example: 'local' }),
  email: t.String({ example: 'ann@example.com' }),
  first_name: t.Union([t.String(), t.Null()], { example: 'Ann' }),
  last_name: t.Union([t.String(), t.Null()], { example: 'Lee' }),
  birth_date: t.Union([t.String({ format: 'date' }), t.Null()], { example: '1990-05-17' }),
  is_activated: t.Boolean({ example: false }),
  activated_at: t.Union([t.String({ format: 'date-time' }), t.Null()], { example: null }),
  last_sign_in_at: t.Union([t.String({ format: 'date-time' }), t.Null()], {
    description: 'When the user last signed in through POST /sign-in; null until then',
    example: null,
  }),
  time_created: t.String({ format: 'date-time', example: '2026-11-25T09:00:00.000Z' }),
  time_updated: t.String({ format: 'date-time', example: '2026-11-25T09:00:00.000Z' }),
})

export type PublicUser = typeof User.static

/** An activated user who has signed in, as the documentation's examples show one. */
export const SIGNED_IN_USER_EXAMPLE: PublicUser = {
  id: '0b9f3c52-7f0e-4a57-9d1e-3c7cfb1f2a10',
  server: 'local',
  email: 'ann@example.com',
  first_name: 'Ann',
  last_name: 'Lee',
  birth_date: '1990-05-17',
  is_activated: true,
  activated_at: '2026-11-25T09:00:41.000Z',
  last_sign_in_at: '2026-11-25T10:12:05.000Z',
  time_created: '2026-11-25T09:00:00.000Z',
  time_updated: '2026-11-25T09:00:41.000Z',
}

export const ActivationEmailStatus = t.Union([t.Literal('sent'), t.Literal('pending')], {
  example: 'sent',
  description: 'pending: Mailjet has not accepted the email yet; the user can ask for a resend',
})

export const RegisteredUser = t.Composite([User, t.Object({ activation_email: ActivationEmailStatus })])

export type RegisteredUser = typeof RegisteredUser.static

export const LIST_LIMIT_DEFAULT = 50

// Query values arrive as text: each is checked as written, so every mistake names its parameter.
export const ListQuery = t.Object(
  {
    limit: t.Optional(
      t.String({
        pattern: '^(?:[1-9]|[1-9][0-9]|1[0-9]{2}|200)$',
        error: 'must be a whole number from 1 to 200',
        description: `Users per page, 1 to 200 (default ${LIST_LIMIT_DEFAULT})`,
        example: '50',
      }),
    ),
    after: t.Optional(
      t.String({
        pattern: '^[A-Za-z0-9_-]{1,200}$',
        error: NOT_A_CURSOR,
        description: 'The `next` cursor of the previous page; omit it for the first page',
      }),
    ),
    activated: t.Optional(
      t.Boolean({
        error: 'must be true or false',
        description: 'Only activated (true) or only inactive (false) users',
      }),
    ),
    email_prefix: t.Optional(
      Text({
        maxLength: 254,
        excluding: '\\u0000',
        error: 'must be at most 254 characters without NUL',
        description:
          'Only users whose email starts with this, compared case-insensitively; % and _ are plain characters',
        example: 'ann',
      }),
    ),
  },
  // Other parameters are ignored, as HTTP APIs do (a cache-buster, a tracking tag).
  { additionalProperties: true },
)

export type ListQuery = typeof ListQuery.static

const NEXT_EXAMPLE =
  'eyJ0IjoiMjAyNi0xMS0yNVQwOTowMDowMC4wMDAwMDBaIiwiaWQiOiIwYjlmM2M1Mi03ZjBlLTRhNTctOWQxZS0zYzdjZmIxZjJhMTAifQ'

export const UserPage = t.Object({
  users: t.Array(User, { description: 'Newest first' }),
  next: t.Union([t.String(), t.Null()], {
    description: 'Pass as `after` for the next page; null on the last page',
    example: NEXT_EXAMPLE,
  }),
})

export type UserPage = typeof UserPage.static

export const USER_PAGE_EXAMPLE: UserPage = { users: [SIGNED_IN_USER_EXAMPLE], next: NEXT_EXAMPLE }
