import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import type { Access } from '../../http/access'
import { problems, RATE_LIMIT_FIELDS, success } from '../../http/openapi'
import { type Answer, createIdempotency } from '../../idempotency/idempotency'
import { IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_PROBLEMS, REPLAYED_HEADER } from '../../idempotency/idempotency.openapi'
import type { ActivationService } from '../activation/activation.service'
import {
  EmailParam,
  LIST_LIMIT_DEFAULT,
  ListQuery,
  RegisterBody,
  RegisteredUser,
  USER_PAGE_EXAMPLE,
  User,
  UserPage,
} from './users.model'
import { createUsersService } from './users.service'

const SECURITY_KEY = [{ apiKey: [] }]

/** `@` is legal in a path segment, so the Location reads as the email itself. */
function userLocation(email: string): string {
  return `/users/${encodeURIComponent(email).replaceAll('%40', '@')}`
}

const created = (user: RegisteredUser): Answer => ({
  status: 201,
  headers: { location: userLocation(user.email) },
  body: user,
})

export function usersRoutes(deps: Deps, activation: ActivationService, access: Access) {
  const service = createUsersService(deps, activation)
  const idempotency = createIdempotency(deps)

  return new Elysia({ name: 'users', prefix: '/users' })
    .use(access.apiKey)
    .use(access.serverLimits)
    .post(
      '/',
      ({ caller, body, headers }) =>
        idempotency.run(
          { serverId: caller.id, header: headers['idempotency-key'], operation: 'POST /users/', body },
          async (stage) => created(await service.register(caller, body, (tx, user) => stage(tx, created(user)))),
        ),
      {
        apiKey: true,
        serverLimit: 'registrations',
        parse: 'json',
        body: RegisterBody,
        detail: {
          tags: ['Users'],
          summary: 'Register a user',
          description: `Creates an inactive user and emails it a 4-digit code and an activation link. The same email may exist with other servers, as a separate user; a user of this email never activated within ${deps.config.unactivatedTtlSeconds} s of its last email is replaced. At most ${deps.config.registrationsPerMinute} registrations a minute per server: more answer 429 with Retry-After.`,
          security: SECURITY_KEY,
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          responses: {
            ...success(
              201,
              'The new, inactive user; `activation_email` says whether Mailjet accepted the email',
              RegisteredUser,
              {
                Location: { description: '/users/{email}', required: true, schema: { type: 'string' } },
                ...RATE_LIMIT_FIELDS,
                ...REPLAYED_HEADER,
              },
            ),
            ...problems(
              'request.invalid_json',
              'auth.invalid_api_key',
              'user.already_exists',
              'request.too_large',
              'request.unsupported_media_type',
              'request.invalid_fields',
              'limit.registrations',
              ...IDEMPOTENCY_PROBLEMS,
            ),
          },
        },
      },
    )
    .get(
      '/',
      ({ caller, query }) =>
        service.list(caller, {
          limit: query.limit === undefined ? LIST_LIMIT_DEFAULT : Number(query.limit),
          after: query.after,
          activated: query.activated,
          emailPrefix: query.email_prefix || undefined,
        }),
      {
        apiKey: true,
        query: ListQuery,
        detail: {
          tags: ['Users'],
          summary: 'List users',
          description:
            'The server’s users, newest first, a page at a time: pass the `next` cursor of a page as `after` to get the one after it. Filters apply to every page; keep them the same while paging.',
          security: SECURITY_KEY,
          responses: {
            ...success(200, 'A page of users and the cursor of the next one', UserPage, undefined, USER_PAGE_EXAMPLE),
            ...problems('auth.invalid_api_key', 'request.invalid_query', 'user.unknown_cursor'),
          },
        },
      },
    )
    .get('/:email', ({ caller, params }) => service.get(caller, params.email), {
      apiKey: true,
      params: EmailParam,
      detail: {
        tags: ['Users'],
        summary: 'Read a user',
        description:
          'The user with this email among the server’s users, compared case-insensitively; other servers’ users are never seen (404).',
        security: SECURITY_KEY,
        responses: { ...success(200, 'The user', User), ...problems('auth.invalid_api_key', 'user.not_found') },
      },
    })
    .delete('/:email', ({ caller, params }) => service.delete(caller, params.email), {
      apiKey: true,
      params: EmailParam,
      detail: {
        tags: ['Users'],
        summary: 'Delete a user',
        description: 'Answers with the deleted user; its codes and links go with it.',
        security: SECURITY_KEY,
        responses: { ...success(200, 'The deleted user', User), ...problems('auth.invalid_api_key', 'user.not_found') },
      },
    })
}
