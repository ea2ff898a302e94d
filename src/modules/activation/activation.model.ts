import { t } from 'elysia'
import { ActivationEmailStatus } from '../users/users.model'

export const CodeBody = t.Object(
  { code: t.String({ pattern: '^[0-9]{4}$', error: 'must be the 4-digit code from the email', example: '4821' }) },
  { additionalProperties: false },
)

export const TokenParam = t.Object({
  token: t.String({ description: 'The token from the activation link' }),
})

export const ActivationResult = t.Object({
  status: t.Union([t.Literal('activated'), t.Literal('already_activated')], { example: 'activated' }),
})

export const ResendResult = t.Object({
  expires_at: t.String({
    format: 'date-time',
    description: 'When the new code and link stop working',
    example: '2026-11-25T09:01:00.000Z',
  }),
  activation_email: ActivationEmailStatus,
})
