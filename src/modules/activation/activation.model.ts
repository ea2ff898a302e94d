import { t } from 'elysia'

export const CodeBody = t.Object(
  { code: t.String({ pattern: '^[0-9]{4}$', error: 'must be the 4-digit code from the email', examples: ['4821'] }) },
  { additionalProperties: false },
)

export const TokenParam = t.Object({
  token: t.String({ description: 'The token from the activation link' }),
})

export const ActivationResult = t.Object({
  status: t.Union([t.Literal('activated'), t.Literal('already_activated')]),
})

export const ResendResult = t.Object({
  expires_at: t.String({ format: 'date-time', description: 'When the new code and link stop working' }),
  activation_email: t.Union([t.Literal('sent'), t.Literal('pending')], {
    description: 'pending: Mailjet has not accepted the email yet; ask again for a resend',
  }),
})
