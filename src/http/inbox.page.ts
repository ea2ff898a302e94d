import { escapeHtml as e } from '../mail/email-layout'
import type { InboxEmail } from '../mail/inbox'

function emailCard(email: InboxEmail): string {
  const { message } = email
  // The HTML part as a mail client shows it: in a sandboxed frame (no scripts, no
  // same-origin access), its links opening in a new tab.
  const frame = `<base target="_blank">${message.html}`
  return `<article>
<h2>${e(message.subject)}</h2>
<p class="meta">To ${e(message.to.email)} · from ${e(message.from.name)} &lt;${e(message.from.email)}&gt; · <time>${email.receivedAt.toISOString()}</time></p>
${email.code ? `<p>Code: <strong class="code">${e(email.code)}</strong></p>` : ''}
${email.link ? `<p>Link: <a href="${e(email.link)}" target="_blank" rel="noreferrer">${e(email.link)}</a></p>` : ''}
<iframe title="${e(message.subject)}" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${e(frame)}"></iframe>
<details><summary>Text part</summary><pre>${e(message.text)}</pre></details>
</article>`
}

/** The dev inbox: every kept email, newest first. */
export function inboxPage(emails: InboxEmail[]): string {
  const body =
    emails.length === 0
      ? '<p>No email yet. Register a user (POST /users/) and refresh this page.</p>'
      : emails.map(emailCard).join('\n')
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Dev inbox (${emails.length})</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:760px;padding:16px;color:#1f2933}
article{border:1px solid #cbd2d9;border-radius:8px;padding:12px 16px;margin:16px 0}
h2{font-size:18px;margin:0 0 4px}.meta{color:#52606d;font-size:13px;margin:0 0 8px}
.code{font-size:24px;letter-spacing:4px}iframe{width:100%;height:360px;border:1px solid #e4e7eb;border-radius:6px}
</style></head><body>
<h1>Dev inbox</h1>
<p>Emails <code>bun run dev</code> would have sent (no Mailjet keys are set), newest first; kept in memory until it stops. <a href="">Refresh</a> · <a href="/dev/inbox.json">JSON</a></p>
${body}
</body></html>`
}
