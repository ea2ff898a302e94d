/** What every email of the service shares: escaping, the greeting, the lifetime wording, the HTML card. */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c)
}

export function greeting(firstName: string | null): string {
  return firstName ? `Hello ${firstName},` : 'Hello,'
}

export function lifetime(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} seconds`
}

/** The code as the HTML part shows it: large and spaced, after the same words as in the text part. */
export function codeParagraph(label: string, code: string): string {
  return `<p>${escapeHtml(label)}: <strong style="font-size:28px;letter-spacing:6px">${escapeHtml(code)}</strong></p>`
}

/** A footnote paragraph (the expiry, a warning). */
export function noteParagraph(text: string): string {
  return `<p style="font-size:13px;color:#52606d">${escapeHtml(text)}</p>`
}

/** The page around an email's HTML paragraphs: a white card on a grey background. */
export function htmlCard(paragraphs: string[]): string {
  return `<!DOCTYPE html>
<html lang="en"><body style="font-family:Arial,Helvetica,sans-serif;color:#1f2933;background:#f5f7fa;margin:0;padding:24px">
<div style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:8px;padding:24px">
${paragraphs.join('\n')}
</div></body></html>`
}
