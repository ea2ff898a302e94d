import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { AppError, invalidCredentials } from '../../errors'
import type { Access } from '../../http/access'
import { parseBasic } from '../../http/basic-auth'
import { clientAddress } from '../../http/client-address'
import { problems, success, withHtmlPages } from '../../http/openapi'
import { type Answer, createIdempotency } from '../../idempotency/idempotency'
import { IDEMPOTENCY_KEY_PARAMETER, IDEMPOTENCY_PROBLEMS, REPLAYED_HEADER } from '../../idempotency/idempotency.openapi'
import { ActivationResult, CodeBody, ResendResult, TokenParam } from './activation.model'
import { errorPage, successPage, wantsHtml } from './activation.pages'
import type { ActivationService, Delivery } from './activation.service'

const SECURITY_BOTH = [{ apiKey: [], basicAuth: [] }]

const accepted = (delivery: Delivery): Answer => ({
  status: 202,
  body: { expires_at: delivery.expiresAt.toISOString(), activation_email: delivery.status },
})

export function activationRoutes(deps: Deps, service: ActivationService, access: Access) {
  const idempotency = createIdempotency(deps)
  const { maxFailures, failureWindowSeconds } = deps.config.auth
  const lockNote = `After ${maxFailures} wrong passwords for one email within ${failureWindowSeconds} s (on any route that checks it), the email is locked: 429 with Retry-After, whether it exists or not.`
  return new Elysia({ name: 'activation', prefix: '/validation' })
    .use(access.user)
    .get(
      '/:token',
      async ({ params, request, server, set }) => {
        const html = wantsHtml(request.headers.get('accept'))
        try {
          // Parsed here, not by the `user` option: the contract checks the token before the credentials' worth.
          const credentials = parseBasic(request.headers.get('authorization'))
          if (!credentials) throw invalidCredentials()
          const client = clientAddress(request, server, deps.config.trustProxy)
          const { status, headers } = await service.activateByLink(params.token, credentials, client)
          Object.assign(set.headers, headers)
          return html ? successPage(status, headers) : { status }
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
          description: `The link from the activation email, with the user’s email and password as HTTP Basic credentials. Checked in this order: credentials present, token known, credentials right, already active, not expired. A browser (Accept: text/html) gets small HTML pages with the same status codes. ${lockNote} At most ${deps.config.linkMissesPerMinute} unknown links a minute per client address: more answer 429.`,
          security: [{ basicAuth: [] }],
          responses: withHtmlPages({
            ...success(200, 'Activated now, or already before', ActivationResult),
            ...problems(
              'auth.invalid_credentials',
              'activation.unknown_link',
              'activation.gone',
              'auth.locked',
              'limit.unknown_links',
            ),
          }),
        },
      },
    )
    .post('/', async ({ caller, user, body }) => ({ status: await service.activateByCode(caller, user, body.code) }), {
      user: true,
      parse: 'json',
      body: CodeBody,
      detail: {
        tags: ['Activation'],
        summary: 'Activate by the emailed code',
        description: `A wrong code answers 422 with attempts_left; after ${deps.config.activationMaxAttempts} wrong codes the code is burned and answers 410. ${lockNote}`,
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
            'auth.locked',
          ),
        },
      },
    })
    .post(
      '/resend',
      ({ caller, user, headers }) =>
        idempotency.run(
          {
            serverId: caller.id,
            header: headers['idempotency-key'],
            operation: 'POST /validation/resend',
            principal: user.id,
          },
          async (stage) =>
            accepted(await service.resend(caller, user, (tx, delivery) => stage(tx, accepted(delivery)))),
        ),
      {
        user: true,
        detail: {
          tags: ['Activation'],
          summary: 'Send a new code and link',
          description: `The previous code and link answer 410 from then on. At most one email per ${deps.config.resendIntervalSeconds} s: sooner answers 429 with Retry-After. ${lockNote}`,
          security: SECURITY_BOTH,
          parameters: [IDEMPOTENCY_KEY_PARAMETER],
          responses: {
            ...success(202, 'A new code and link were issued', ResendResult, REPLAYED_HEADER),
            ...problems(
              'auth.invalid_api_key',
              'auth.invalid_credentials',
              'activation.already_activated',
              'activation.resend_too_soon',
              'auth.locked',
              'mail.cap_reached',
              ...IDEMPOTENCY_PROBLEMS,
            ),
          },
        },
      },
    )
}
