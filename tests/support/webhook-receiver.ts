import { createHmac, timingSafeEqual } from 'node:crypto'

export interface ReceivedWebhook {
  id: string
  timestamp: string
  signature: string
  body: string
  event: { type: string; timestamp: string; data: { user: Record<string, unknown> } }
}

/**
 * Standard Webhooks verification written from the specification with node:crypto
 * alone, independent of the library the service signs with.
 */
export function verifySignature(
  secret: string,
  hook: Pick<ReceivedWebhook, 'id' | 'timestamp' | 'signature' | 'body'>,
) {
  if (!secret.startsWith('whsec_')) return false
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64')
  const expected = createHmac('sha256', key).update(`${hook.id}.${hook.timestamp}.${hook.body}`).digest()
  return hook.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',')
    const given = Buffer.from(value ?? '', 'base64')
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected)
  })
}

/** A webhook receiver on 127.0.0.1: keeps what it gets, answers what the test says (200 unless told). */
export function startWebhookReceiver() {
  const received: ReceivedWebhook[] = []
  let answer: (hook: ReceivedWebhook) => Response | Promise<Response> = () => new Response(null, { status: 200 })
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const body = await request.text()
      const hook: ReceivedWebhook = {
        id: request.headers.get('webhook-id') ?? '',
        timestamp: request.headers.get('webhook-timestamp') ?? '',
        signature: request.headers.get('webhook-signature') ?? '',
        body,
        event: JSON.parse(body),
      }
      received.push(hook)
      return answer(hook)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}/hooks`,
    received,
    /** Every later request gets this answer. */
    answerWith(next: (hook: ReceivedWebhook) => Response | Promise<Response>) {
      answer = next
    },
    answerStatus(status: number) {
      answer = () => new Response(null, { status })
    },
    of: (type: string) => received.filter((hook) => hook.event.type === type),
    stop: () => server.stop(true),
  }
}

export type WebhookReceiver = ReturnType<typeof startWebhookReceiver>
