import { Elysia, t } from 'elysia'
import type { Deps } from '../deps'
import { AppError } from '../errors'
import { problems, success } from './openapi'

const HEALTH_TIMEOUT_MS = 2_000

const Healthy = t.Object({
  status: t.Literal('ok'),
  mail: t.Union([t.Literal('ok'), t.Literal('paused'), t.Literal('quota')], {
    description:
      '"paused": Mailjet refuses the account (401/403); "quota": MAIL_DAILY_LIMIT or MAIL_MONTHLY_LIMIT is reached',
  }),
})

export function healthRoutes(deps: Pick<Deps, 'sql' | 'statements' | 'delivery'>) {
  const selectOne = deps.statements.get('health/select_one')

  async function databaseAnswers(): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(resolve, HEALTH_TIMEOUT_MS, false).unref())
    const query = selectOne.one(deps.sql).then(
      () => true,
      () => false,
    )
    return Promise.race([query, timeout])
  }

  return new Elysia({ name: 'health' }).get(
    '/health',
    async () => {
      if (!(await databaseAnswers())) throw new AppError('service.unavailable')
      const mail = await deps.delivery.mailState().catch(() => undefined)
      if (!mail) throw new AppError('service.unavailable')
      return { status: 'ok' as const, mail }
    },
    {
      detail: {
        tags: ['Health'],
        summary: 'Is the service up?',
        description: '200 when the database answers, else 503; `mail` tells whether emails can go out now.',
        security: [],
        responses: {
          ...success(200, 'The service and its database answer', Healthy),
          ...problems('service.unavailable'),
        },
      },
    },
  )
}
