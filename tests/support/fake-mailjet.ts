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
    }[]
  }
}

export type MailjetBehaviour = 'accept' | 'fail-500' | 'fail-429' | 'hang'

export interface ActivationMail {
  code: string
  link: string
  token: string
  request: MailjetRequest
}

export async function startFakeMailjet() {
  const requests: MailjetRequest[] = []
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
        await new Promise<void>((resolve) => held.push(resolve))
        return Response.json({ Messages: [{ Status: 'success' }] })
      }
      if (behaviour === 'fail-500') return Response.json({ ErrorMessage: 'boom' }, { status: 500 })
      if (behaviour === 'fail-429') return Response.json({ ErrorMessage: 'slow down' }, { status: 429 })
      return Response.json({ Messages: [{ Status: 'success' }] })
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
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
    stop: () => server.stop(true),
  }
}

export type FakeMailjet = Awaited<ReturnType<typeof startFakeMailjet>>
