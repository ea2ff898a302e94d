import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import type { Access } from '../../http/access'
import { problems, success } from '../../http/openapi'
import { type Answer, createIdempotency } from '../../idempotency/idempotency'
import { IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_PROBLEMS, REPLAYED_HEADER } from '../../idempotency/idempotency.openapi'
import { RESET_CODE_DIGITS } from '../../secrets'
import { SIGNED_IN_USER_EXAMPLE, User } from '../users/users.model'
import { ResetAccepted, ResetConfirmBody, ResetRequestBody } from './password-reset.model'
import type { PasswordResetService } from './password-reset.service'

const SECURITY_KEY = [{ apiKey: [] }]
const ACCEPTED: Answer = { status: 202, body: { status: 'accepted' } }

export function passwordResetRoutes(deps: Deps, service: PasswordResetService, access: Access) {
  const idempotency = createIdempotency(deps)
  const { resetTtlSeconds, activationMaxAttempts } = deps.config
  const { maxPerUserPerDay } = deps.config.delivery

  return new Elysia({ name: 'password-reset', prefix: '/password-reset' })
    .use(access.apiKey)
    .post(
      '/',
      ({ caller, body, headers }) =>
        idempotency.run(
          { serverId: caller.id, header: headers['idempotency-key'], operation: 'POST /password-reset/', body },
          async (stage) => {
            await service.request(caller, body.email, (tx) => stage(tx, ACCEPTED))
            return ACCEPTED
          },
        ),
      {
        apiKey: true,
        parse: 'json',
        body: ResetRequestBody,
        detail: {
          tags: ['Accounts'],
          summary: 'Email a password-reset code',
          description: `Answers 202 whether or not this server has a user with the email, with the same body and in about the same time. A user gets an email with a ${RESET_CODE_DIGITS}-digit code living ${resetTtlSeconds} s from its sending; a new request replaces the previous code. Emails count towards the per-address caps (${maxPerUserPerDay} a day from one server): over a cap the email waits in the queue until the cap allows it, and the answer is still 202.`,
          security: SECURITY_KEY,
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          responses: {
            ...success(202, 'Accepted: an email goes out if the server has this user', ResetAccepted, REPLAYED_HEADER),
            ...problems(
              'request.invalid_json',
              'auth.invalid_api_key',
              'request.too_large',
              'request.unsupported_media_type',
              'request.invalid_fields',
              ...IDEMPOTENCY_PROBLEMS,
            ),
          },
        },
      },
    )
    .post('/confirm', ({ caller, body }) => service.confirm(caller, body), {
      apiKey: true,
      parse: 'json',
      body: ResetConfirmBody,
      detail: {
        tags: ['Accounts'],
        summary: 'Set a new password with the emailed code',
        description: `Answers the user, whose password is now the new one (the old one stops working) and who is activated if it was not yet: the code proves the address. A wrong code answers 422 with attempts_left, and so does an email the server has no user for; after ${activationMaxAttempts} wrong codes the code is burned and answers 410, the right code included. 410 too for an expired, used or replaced code.`,
        security: SECURITY_KEY,
        responses: {
          ...success(200, 'The password is changed', User, undefined, SIGNED_IN_USER_EXAMPLE),
          ...problems(
            'request.invalid_json',
            'auth.invalid_api_key',
            'password_reset.gone',
            'request.too_large',
            'request.unsupported_media_type',
            'password_reset.wrong_code',
            'request.invalid_fields',
          ),
        },
      },
    })
}
