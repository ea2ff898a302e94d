import type { SendResult } from './mailer'

interface MailjetError {
  ErrorCode?: string
  StatusCode?: number
  ErrorMessage?: string
}

interface MailjetAnswer extends MailjetError {
  Messages?: { Status?: string; Errors?: MailjetError[]; To?: { MessageID?: number | string }[] }[]
}

const RETRYABLE = (status: number) => status === 429 || status >= 500

/** Retry-After in seconds (a number or an HTTP date), or null. */
export function retryAfterSeconds(header: string | null, now: Date): number | null {
  if (!header) return null
  if (/^\d+$/.test(header.trim())) return Number(header.trim())
  const at = Date.parse(header)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now.getTime()) / 1000))
}

/**
 * Reads a Send API v3.1 answer: per-message Status "success" or "error" with Errors
 * (ErrorCode, StatusCode), or a request-level error such as mj-0001 on a bad key.
 */
export function readMailjetAnswer(status: number, body: string, retryAfter: number | null): SendResult {
  let answer: MailjetAnswer = {}
  try {
    answer = JSON.parse(body) as MailjetAnswer
  } catch {}
  const message = answer.Messages?.[0]
  const error = message?.Errors?.[0] ?? (answer.ErrorCode || answer.StatusCode ? answer : undefined)
  const effective = error?.StatusCode ?? status
  const code = error?.ErrorCode ?? null
  if (status >= 200 && status < 300 && message?.Status === 'success') {
    const id = message.To?.[0]?.MessageID
    return { outcome: 'sent', status, messageId: id === undefined ? null : String(id) }
  }
  if (RETRYABLE(status) || RETRYABLE(effective))
    return { outcome: 'retry', status, code, retryAfterSeconds: retryAfter }
  if (effective === 401 || effective === 403)
    return { outcome: 'paused', status: effective, code, message: error?.ErrorMessage ?? null }
  if (status >= 200 && status < 300) return { outcome: 'retry', status, code, retryAfterSeconds: null }
  return { outcome: 'failed', status: effective, code }
}
