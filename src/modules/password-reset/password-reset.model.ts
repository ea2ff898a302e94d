import { t } from 'elysia'
import { RESET_CODE_DIGITS } from '../../secrets'
import { Email, Password } from '../users/users.model'

export const ResetRequestBody = t.Object({ email: Email }, { additionalProperties: false })

export const ResetConfirmBody = t.Object(
  {
    email: Email,
    code: t.String({
      pattern: `^[0-9]{${RESET_CODE_DIGITS}}$`,
      error: `must be the ${RESET_CODE_DIGITS}-digit code from the email`,
      example: '482193',
    }),
    password: { ...Password, description: 'The new password', example: 'a new correct horse' },
  },
  { additionalProperties: false },
)

export type ResetConfirmInput = typeof ResetConfirmBody.static

export const ResetAccepted = t.Object({
  status: t.Literal('accepted', {
    description: 'The same answer whether or not the server has a user with this email',
    example: 'accepted',
  }),
})
