import { FormatRegistry } from '@sinclair/typebox'
import { t } from 'elysia'
import { Text } from '../../http/text.model'

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

const Email = t.String({
  maxLength: 254,
  pattern: EMAIL_PATTERN,
  error: 'must be an email address of at most 254 characters',
  example: 'ann@example.com',
})

// PostgreSQL text cannot hold NUL characters.
const Name = t.Union([Text({ maxLength: 100, excluding: '\\u0000' }), t.Null()], {
  error: 'must be a string of at most 100 characters without NUL, or null',
})

export const RegisterBody = t.Object(
  {
    email: Email,
    password: Text({
      minLength: 8,
      maxLength: 128,
      error: 'must be 8 to 128 characters',
      example: 'correct horse battery',
    }),
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
  time_created: t.String({ format: 'date-time', example: '2026-11-25T09:00:00.000Z' }),
  time_updated: t.String({ format: 'date-time', example: '2026-11-25T09:00:00.000Z' }),
})

export type PublicUser = typeof User.static

export const ActivationEmailStatus = t.Union([t.Literal('sent'), t.Literal('pending')], {
  example: 'sent',
  description: 'pending: Mailjet has not accepted the email yet; the user can ask for a resend',
})

export const RegisteredUser = t.Composite([User, t.Object({ activation_email: ActivationEmailStatus })])

export type RegisteredUser = typeof RegisteredUser.static
