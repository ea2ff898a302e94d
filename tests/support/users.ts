import type { TestApp } from './app'
import { call } from './http'

export const PASSWORD = 'correct horse battery'

let userCount = 0

/** A unique email, so concurrent and repeated tests never collide. */
export function uniqueEmail(prefix = 'user'): string {
  userCount += 1
  return `${prefix}.${userCount}.${crypto.randomUUID().slice(0, 8)}@example.com`
}

/** Registers a user over HTTP and returns its credentials and the email it was sent. */
export async function registerUser(app: TestApp, key: string, fields: Record<string, unknown> = {}) {
  const email = (fields.email as string | undefined) ?? uniqueEmail()
  const password = (fields.password as string | undefined) ?? PASSWORD
  const reply = await call(app.url, 'POST', '/users/', { key, json: { email, password, ...fields } })
  if (reply.status !== 201) throw new Error(`registration failed: ${reply.status} ${reply.text}`)
  return { email, password, credentials: { email, password }, reply, mail: () => app.mailjet.lastMailTo(email) }
}

/** Registers a user and activates it with the emailed code. */
export async function registerActivatedUser(app: TestApp, key: string, fields: Record<string, unknown> = {}) {
  const user = await registerUser(app, key, fields)
  const reply = await call(app.url, 'POST', '/validation/', {
    key,
    basic: user.credentials,
    json: { code: user.mail().code },
  })
  if (reply.status !== 200) throw new Error(`activation failed: ${reply.status} ${reply.text}`)
  return user
}
