import type { TestApp } from './app'
import { eventually } from './eventually'
import { type CallOptions, call } from './http'
import { sendsRecorded } from './queue'

const resetMails = (app: TestApp, email: string) =>
  app.mailjet.accepted.filter(
    (r) => r.body.Messages[0]?.To[0]?.Email === email && /reset code/.test(r.body.Messages[0]?.TextPart ?? ''),
  ).length

/**
 * POST /password-reset/ for `email`, then, when `delivered` (a user's email whose cap allows it),
 * the code from the email it sent, once the service recorded the send: the 202 does not wait for it.
 */
export async function requestReset(app: TestApp, key: string, email: string, options: CallOptions = {}) {
  const before = resetMails(app, email)
  const reply = await call(app.url, 'POST', '/password-reset/', { key, json: { email }, ...options })
  return {
    reply,
    async code(): Promise<string> {
      await eventually(() => resetMails(app, email) > before)
      await eventually(() => sendsRecorded(app.sql, [email]))
      const mail = app.mailjet.lastResetMailTo(email)
      if (!mail) throw new Error(`no reset email to ${email}`)
      return mail.code
    },
  }
}

export const confirmReset = (app: TestApp, key: string, json: { email: string; code: string; password: string }) =>
  call(app.url, 'POST', '/password-reset/confirm', { key, json })
