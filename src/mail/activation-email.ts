import { codeParagraph, escapeHtml as e, greeting, htmlCard, lifetime, noteParagraph } from './email-layout'

export interface ActivationEmailInput {
  serverName: string
  firstName: string | null
  code: string
  link: string
  ttlSeconds: number
}

export function renderActivationEmail(input: ActivationEmailInput): { subject: string; text: string; html: string } {
  const hello = greeting(input.firstName)
  const intro = `To activate your ${input.serverName} account, use this code or open the link below.`
  const expiry = `The code and the link expire in ${lifetime(input.ttlSeconds)}; after that, ask ${input.serverName} for a new code.`
  const text = [
    hello,
    '',
    intro,
    '',
    `Your activation code: ${input.code}`,
    '',
    `Activation link: ${input.link}`,
    '',
    expiry,
  ].join('\n')

  const html = htmlCard([
    `<p>${e(hello)}</p>`,
    `<p>${e(intro)}</p>`,
    codeParagraph('Your activation code', input.code),
    `<p><a href="${e(input.link)}" style="display:inline-block;background:#2563eb;color:#ffffff;padding:10px 18px;border-radius:6px;text-decoration:none">Activate my account</a></p>`,
    `<p style="font-size:13px;word-break:break-all">Or copy this link: <a href="${e(input.link)}">${e(input.link)}</a></p>`,
    noteParagraph(expiry),
  ])

  return { subject: `Activate your ${input.serverName} account`, text, html }
}
