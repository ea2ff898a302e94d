import type { AppError } from '../../errors'
import { escapeHtml } from '../../mail/email-layout'
import type { ActivationStatus } from './activation.service'

/** True when the client prefers HTML to JSON, as a browser opening the emailed link does. */
export function wantsHtml(accept: string | null): boolean {
  let html = 0
  let json = 0
  for (const part of (accept ?? '').split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';')
    const q = Number(params.find((p) => p.trim().startsWith('q='))?.split('=')[1] ?? 1)
    if (type === 'text/html') html = Math.max(html, q)
    if (type === 'application/json' || type === 'application/problem+json') json = Math.max(json, q)
  }
  return html > 0 && html >= json
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

const SUCCESS: Record<ActivationStatus, { title: string; message: string }> = {
  activated: { title: 'Account activated', message: 'Your email address is confirmed. You can close this page.' },
  already_activated: {
    title: 'Already activated',
    message: 'This account was activated before. There is nothing more to do.',
  },
}

const FAILURE: Partial<Record<number, { title: string; message: string }>> = {
  401: {
    title: 'Sign in to activate',
    message: 'Open the link again and enter the email and password you registered with.',
  },
  404: { title: 'Unknown link', message: 'This activation link is not one we sent. Check that you copied all of it.' },
  410: {
    title: 'Link expired',
    message: 'This link has expired or was replaced by a newer email. Ask for a new activation code.',
  },
}

function page(status: number, title: string, message: string, headers: Record<string, string> = {}): Response {
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;background:#f5f7fa;color:#1f2933;display:flex;justify-content:center;padding:48px 16px}
main{background:#fff;border-radius:8px;padding:32px;max-width:420px;box-shadow:0 1px 3px rgba(0,0,0,.1)}h1{font-size:1.4rem}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`
  return new Response(body, { status, headers: { ...PAGE_HEADERS, ...headers } })
}

export function successPage(status: ActivationStatus, headers: Record<string, string> = {}): Response {
  const { title, message } = SUCCESS[status]
  return page(200, title, message, headers)
}

/** The page for a domain error, with its status and headers (the Basic challenge on 401). */
export function errorPage(error: AppError): Response {
  const text = FAILURE[error.status] ?? { title: error.title, message: error.detail }
  return page(error.status, text.title, text.message, error.headers)
}
