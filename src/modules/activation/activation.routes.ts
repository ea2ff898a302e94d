import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import { jsonBody } from '../../http/json-body'
import { problems, success, withHtmlPages } from '../../http/openapi'
import type { ApiKeyPlugin } from '../servers/api-key.plugin'
import { ActivationResult, CodeBody, ResendResult, TokenParam } from './activation.model'
import { errorPage, successPage, wantsHtml } from './activation.pages'
import type { ActivationService } from './activation.service'
import { basicAuthPlugin, parseBasic } from './basic-auth'

const SECURITY_BOTH = [{ apiKey: [], basicAuth: [] }]

export function activationRoutes(deps: Deps, service: ActivationService, apiKey: ApiKeyPlugin) {
  return new Elysia({ name: 'activation', prefix: '/validation' })
    .use(apiKey)
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
          return html ? successPage(status) : { status }
        } catch (error) {
          if (html && error instanceof AppError) return errorPage(error)
          throw error
        }
      },
      {
        params: TokenParam,
        detail: {
          tags: ['Activation'],
          summary: 'Activate by the emailed link',
          description:
            'The link from the activation email, with the user’s email and password as HTTP Basic credentials. Checked in this order: credentials present, token known, credentials right, already active, not expired. A browser (Accept: text/html) gets small HTML pages with the same status codes.',
          security: [{ basicAuth: [] }],
          responses: withHtmlPages({
            ...success(200, 'Activated now, or already before', ActivationResult),
            ...problems('auth.invalid_credentials', 'activation.unknown_link', 'activation.gone'),
          }),
        },
      },
    )
    .post(
      '/',
      async ({ caller, credentials, body }) => ({
        status: await service.activateByCode(caller, credentials, body.code),
      }),
      {
        apiKey: true,
        credentials: true,
        parse: jsonBody,
        body: CodeBody,
        detail: {
          tags: ['Activation'],
          summary: 'Activate by the emailed code',
          description: `A wrong code answers 422 with attempts_left; after ${deps.config.activationMaxAttempts} wrong codes the code is burned and answers 410.`,
          security: SECURITY_BOTH,
          responses: {
            ...success(200, 'Activated now, or already before', ActivationResult),
            ...problems(
              'request.invalid_json',
              'auth.invalid_api_key',
              'auth.invalid_credentials',
              'activation.gone',
              'request.too_large',
              'request.unsupported_media_type',
              'activation.wrong_code',
              'request.invalid_fields',
            ),
          },
        },
      },
    )
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
        detail: {
          tags: ['Activation'],
          summary: 'Send a new code and link',
          description: `The previous code and link answer 410 from then on. At most one email per ${deps.config.resendIntervalSeconds} s: sooner answers 429 with Retry-After.`,
          security: SECURITY_BOTH,
          responses: {
            ...success(202, 'A new code and link were issued', ResendResult),
            ...problems(
              'auth.invalid_api_key',
              'auth.invalid_credentials',
              'activation.already_activated',
              'activation.resend_too_soon',
            ),
          },
        },
      },
    )
}
