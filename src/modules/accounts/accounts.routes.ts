import { Elysia } from 'elysia'
import type { Access } from '../../http/access'
import { problems, success } from '../../http/openapi'
import { EmailParam, SIGNED_IN_USER_EXAMPLE, User } from '../users/users.model'
import { PasswordBody } from './accounts.model'
import type { AccountsService } from './accounts.service'

const SECURITY_BOTH = [{ apiKey: [], basicAuth: [] }]

/** `user: true` checks the API key, the Basic credentials and the password lock before any body is read. */
export function accountsRoutes(service: AccountsService, access: Access) {
  return new Elysia({ name: 'accounts' })
    .use(access.user)
    .post('/sign-in', ({ caller, user }) => service.signIn(caller, user), {
      user: true,
      detail: {
        tags: ['Accounts'],
        summary: 'Check a user’s password at sign-in',
        description:
          'The user’s email and password as HTTP Basic credentials, no body. Answers the user and records `last_sign_in_at` when the password is right and the user activated. An unknown email and a wrong password get the same 401 in about the same time; 403 comes only after the password was verified. Wrong passwords lock the email for a while (429), on this route and the /validation routes alike.',
        security: SECURITY_BOTH,
        responses: {
          ...success(200, 'The signed-in user, `last_sign_in_at` set to now', User, undefined, SIGNED_IN_USER_EXAMPLE),
          ...problems('auth.invalid_api_key', 'auth.invalid_credentials', 'user.not_activated', 'auth.locked'),
        },
      },
    })
    .put(
      '/users/:email/password',
      async ({ caller, user, params, body, set }) => {
        await service.changePassword(caller, user, params.email, body.password)
        set.status = 204
      },
      {
        user: true,
        params: EmailParam,
        parse: 'json',
        body: PasswordBody,
        detail: {
          tags: ['Accounts'],
          summary: 'Change a user’s password',
          description:
            'With that user’s own email and current password as HTTP Basic credentials: another user’s answer 401, and 404 when the path names no user of this server. The old password stops working at once. Wrong passwords count towards the same lock (429) as on /sign-in and the /validation routes.',
          security: SECURITY_BOTH,
          responses: {
            204: { description: 'Changed' },
            ...problems(
              'request.invalid_json',
              'auth.invalid_api_key',
              'auth.invalid_credentials',
              'user.not_found',
              'request.too_large',
              'request.unsupported_media_type',
              'request.invalid_fields',
              'auth.locked',
            ),
          },
        },
      },
    )
}
