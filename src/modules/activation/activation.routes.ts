import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import { parseJsonBody } from '../../http/json-body'
import { Problem } from '../../http/problem.model'
import { apiKeyPlugin } from '../servers/api-key.plugin'
import { ActivationResult, CodeBody, ResendResult, TokenParam } from './activation.model'
import { errorPage, successPage, wantsHtml } from './activation.pages'
import type { ActivationService } from './activation.service'
import { basicAuthPlugin, parseBasic } from './basic-auth'

const SECURITY_BOTH = [{ apiKey: [], basicAuth: [] }]

export function activationRoutes(deps: Deps, service: ActivationService) {
  return new Elysia({ name: 'activation', prefix: '/validation' })
    .use(apiKeyPlugin(deps))
    .use(basicAuthPlugin)
    .get(
      '/:token',
      async ({ params, request }) => {
        const html = wantsHtml(request.headers.get('accept'))
        try {
          // Parsed here, not by the macro: the contract checks the token before the credentials' worth.
          const credentials = parseBasic(request.headers.get('authorization'))
          if (!credentials) throw invalidCredentials()
          const status = await service.activateByLink(params.token, credentials)
          return html ? successPage(status) : Response.json({ status })
        } catch (error) {
          if (html && error instanceof AppError) return errorPage(error)
          throw error
        }
      },
      {
        params: TokenParam,
        response: { 200: ActivationResult, 401: Problem, 404: Problem, 410: Problem },
        detail: {
          tags: ['Activation'],
          summary: 'Activate by the emailed link',
          description:
            'The link from the activation email, with the user’s email and password as HTTP Basic credentials. A browser (Accept: text/html) gets small HTML pages with the same status codes.',
          security: [{ basicAuth: [] }],
        },
      },
    )
    .post('/', async ({ caller, credentials, body }) => ({ status: await service.activateByCode(caller, credentials, body.code) }), {
      apiKey: true,
      credentials: true,
      parse: parseJsonBody,
      body: CodeBody,
      response: { 200: ActivationResult, 401: Problem, 410: Problem, 422: Problem },
      detail: {
        tags: ['Activation'],
        summary: 'Activate by the emailed code',
        description: `A wrong code answers 422 with attempts_left; after ${deps.config.activationMaxAttempts} wrong codes the code is burned and answers 410.`,
        security: SECURITY_BOTH,
      },
    })
    .post(
      '/resend',
      async ({ caller, credentials, set }) => {
        const delivery = await service.resend(caller, credentials)
        set.status = 202
        return { expires_at: delivery.expiresAt.toISOString(), activation_email: delivery.status }
      },
      {
        apiKey: true,
        credentials: true,
        response: { 202: ResendResult, 401: Problem, 409: Problem, 429: Problem },
        detail: {
          tags: ['Activation'],
          summary: 'Send a new code and link',
          description: `The previous code and link answer 410 from then on. At most one email per ${deps.config.resendIntervalSeconds} s: sooner answers 429 with Retry-After.`,
          security: SECURITY_BOTH,
        },
      },
    )
}
