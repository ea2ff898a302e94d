import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { parseJsonBody } from '../../http/json-body'
import { Problem } from '../../http/problem.model'
import type { ActivationService } from '../activation/activation.service'
import { apiKeyPlugin } from '../servers/api-key.plugin'
import { EmailParam, RegisterBody, RegisteredUser, User } from './users.model'
import { createUsersService } from './users.service'

const SECURITY_KEY = [{ apiKey: [] }]

/** `@` is legal in a path segment, so the Location reads as the email itself. */
function userLocation(email: string): string {
  return `/users/${encodeURIComponent(email).replaceAll('%40', '@')}`
}

export function usersRoutes(deps: Deps, activation: ActivationService) {
  const service = createUsersService(deps, activation)

  return new Elysia({ name: 'users', prefix: '/users' })
    .use(apiKeyPlugin(deps))
    .post(
      '/',
      async ({ caller, body, set }) => {
        const user = await service.register(caller, body)
        set.status = 201
        set.headers.location = userLocation(user.email)
        return user
      },
      {
        apiKey: true,
        parse: parseJsonBody,
        body: RegisterBody,
        response: { 201: RegisteredUser, 400: Problem, 401: Problem, 409: Problem, 413: Problem, 415: Problem, 422: Problem },
        detail: {
          tags: ['Users'],
          summary: 'Register a user',
          description:
            'Creates an inactive user and emails it a 4-digit code and an activation link. The same email may exist with other servers.',
          security: SECURITY_KEY,
        },
      },
    )
    .get('/:email', ({ caller, params }) => service.get(caller, params.email), {
      apiKey: true,
      params: EmailParam,
      response: { 200: User, 401: Problem, 404: Problem },
      detail: { tags: ['Users'], summary: 'Read a user', security: SECURITY_KEY },
    })
    .delete('/:email', ({ caller, params }) => service.delete(caller, params.email), {
      apiKey: true,
      params: EmailParam,
      response: { 200: User, 401: Problem, 404: Problem },
      detail: {
        tags: ['Users'],
        summary: 'Delete a user',
        description: 'Answers with the deleted user; its codes and links go with it.',
        security: SECURITY_KEY,
      },
    })
}
