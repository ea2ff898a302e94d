/** A stand-in for Mailjet's Send API v3.1: a real HTTP server on 127.0.0.1 that records what it is sent. */
export interface MailjetRequest {
  path: string
  authorization: string | null
  contentType: string | null
  body: {
    Messages: {
      From: { Email: string; Name: string }
      To: { Email: string; Name: string }[]
      Subject: string
      TextPart: string
      HTMLPart: string
      CustomID?: string
    }[]
  }
}

/**
 * How it answers, after Mailjet's documented v3.1 answers: per-message errors
 * (400 send-0003 invalid recipient, 403 send-0008 sender not allowed), a request
 * refused for its key (401 mj-0001), throttling (429 with Retry-After), a 500,
 * a 200 whose message Status is "error", or no answer until released.
 */
export type MailjetBehaviour =
  | 'accept'
  | 'fail-500'
  | 'fail-429'
  | 'fail-400'
  | 'fail-401'
  | 'fail-403'
  | 'message-error'
  | 'hang'

const messageError = (status: number, code: string, message: string) =>
  Response.json(
    {
      Messages: [
        {
          Status: 'error',
          Errors: [
            { ErrorIdentifier: crypto.randomUUID(), ErrorCode: code, StatusCode: status, ErrorMessage: message },
          ],
        },
      ],
    },
    { status },
  )

const ANSWERS: Record<Exclude<MailjetBehaviour, 'accept' | 'hang'>, () => Response> = {
  'fail-500': () => Response.json({ ErrorMessage: 'boom' }, { status: 500 }),
  'fail-429': () =>
    Response.json(
      { ErrorIdentifier: crypto.randomUUID(), StatusCode: 429, ErrorMessage: 'Too many requests' },
      { status: 429, headers: { 'retry-after': '120' } },
    ),
  'fail-400': () => messageError(400, 'send-0003', 'At least "HTMLPart", "TextPart" or "TemplateID" must be provided.'),
  'fail-401': () =>
    Response.json(
      {
        ErrorIdentifier: crypto.randomUUID(),
        ErrorCode: 'mj-0001',
        StatusCode: 401,
        ErrorMessage: 'API key authentication/authorization failure.',
      },
      { status: 401 },
    ),
  'fail-403': () =>
    messageError(403, 'send-0008', '"x@y.z" is not an authorized sender email address for your account.'),
  'message-error': () => Response.json({ Messages: [{ Status: 'error', Errors: [] }] }, { status: 200 }),
}

export interface ActivationMail {
  code: string
  link: string
  token: string
  request: MailjetRequest
}

export interface ResetMail {
  code: string
  request: MailjetRequest
}

export async function startFakeMailjet() {
  const requests: MailjetRequest[] = []
  /** The requests answered with success to a client still listening: what Mailjet would send. */
  const accepted: MailjetRequest[] = []
  let behaviour: MailjetBehaviour = 'accept'
  let beforeAnswer: (request: MailjetRequest) => Promise<void> = async () => {}
  const held: (() => void)[] = []

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const recorded: MailjetRequest = {
        path: new URL(request.url).pathname,
        authorization: request.headers.get('authorization'),
        contentType: request.headers.get('content-type'),
        body: (await request.json()) as MailjetRequest['body'],
      }
      requests.push(recorded)
      await beforeAnswer(recorded)
      if (behaviour === 'hang') {
        await new Promise<void>((resolve) => {
          held.push(resolve)
          request.signal.addEventListener('abort', () => resolve())
        })
        // The client gave up (a timeout, or a killed process): nothing was accepted.
        if (request.signal.aborted) return new Response(null, { status: 499 })
      } else if (behaviour !== 'accept') return ANSWERS[behaviour]()
      accepted.push(recorded)
      const message = recorded.body.Messages[0]
      return Response.json({
        Messages: [
          {
            Status: 'success',
            CustomID: message?.CustomID ?? '',
            To: [
              { Email: message?.To[0]?.Email, MessageUUID: crypto.randomUUID(), MessageID: 1_000 + accepted.length },
            ],
          },
        ],
      })
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    accepted,
    /** How many emails to `email` were accepted. */
    acceptedTo: (email: string) => accepted.filter((r) => r.body.Messages[0]?.To[0]?.Email === email).length,
    behave(next: MailjetBehaviour) {
      behaviour = next
    },
    /** Answers the requests held by 'hang' (with success) and accepts from now on. */
    release() {
      behaviour = 'accept'
      for (const resolve of held.splice(0)) resolve()
    },
    /** Runs while the service waits for Mailjet's answer, e.g. to look at what is committed by then. */
    onRequest(hook: (request: MailjetRequest) => Promise<void>) {
      beforeAnswer = hook
    },
    /** The newest activation email sent to `email`, with its code and link parsed from TextPart. */
    lastMailTo(email: string): ActivationMail {
      const request = requests.findLast((r) => r.body.Messages[0]?.To[0]?.Email === email)
      const text = request?.body.Messages[0]?.TextPart ?? ''
      const code = /code:\s*(\d{4})\b/.exec(text)?.[1]
      const link = /(\S+\/validation\/([A-Za-z0-9_-]+))/.exec(text)
      if (!request || !code || !link?.[1] || !link[2]) throw new Error(`no activation email to ${email}`)
      return { code, link: link[1], token: link[2], request }
    },
    /** The newest password-reset email to `email`, with its code parsed from TextPart, or undefined. */
    lastResetMailTo(email: string): ResetMail | undefined {
      const request = requests.findLast(
        (r) => r.body.Messages[0]?.To[0]?.Email === email && /reset code/.test(r.body.Messages[0]?.TextPart ?? ''),
      )
      const code = /code:\s*(\d{6})\b/.exec(request?.body.Messages[0]?.TextPart ?? '')?.[1]
      return request && code ? { code, request } : undefined
    },
    stop: () => server.stop(true),
  }
}

export type FakeMailjet = Awaited<ReturnType<typeof startFakeMailjet>>
