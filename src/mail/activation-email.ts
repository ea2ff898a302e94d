export interface ActivationEmailInput {
  serverName: string
  firstName: string | null
  code: string
  link: string
  ttlSeconds: number
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

function lifetime(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`
}

export function renderActivationEmail(input: ActivationEmailInput): { subject: string; text: string; html: string } {
  const greeting = input.firstName ? `Hello ${input.firstName},` : 'Hello,'
  const expiry = `The code and the link expire in ${lifetime(input.ttlSeconds)}; after that, ask ${input.serverName} for a new code.`
  const text = [
    greeting,
    '',
    `To activate your ${input.serverName} account, use this code or open the link below.`,
    '',
    `Your activation code: ${input.code}`,
    '',
    `Activation link: ${input.link}`,
    '',
    expiry,
  ].join('\n')

  const e = escapeHtml
  const html = `<!DOCTYPE html>
<html lang="en"><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;background:#f5f7fa;margin:0;padding:24px">
<div style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
<p>${e(greeting)}</p>
<p>To activate your ${e(input.serverName)} account, use this code or open the link below.</p>
<p>Your activation code: <strong style="font-size:28px;letter-spacing:6px">${e(input.code)}</strong></p>
<p><a href="${e(input.link)}" style="display:inline-block;background:#2563eb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none">Activate my account</a></p>
<p style="font-size:13px;word-break:break-all">Or copy this link: <a href="${e(input.link)}">${e(input.link)}</a></p>
<p style="font-size:13px;color:#52606d">${e(expiry)}</p>
</div></body></html>`

  return { subject: `Activate your ${input.serverName} account`, text, html }
}
