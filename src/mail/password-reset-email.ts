import { codeParagraph, escapeHtml as e, greeting, htmlCard, lifetime, noteParagraph } from './email-layout'

export interface PasswordResetEmailInput {
  serverName: string
  firstName: string | null
  code: string
  ttlSeconds: number
}

export function renderPasswordResetEmail(input: PasswordResetEmailInput): {
  subject: string
  text: string
  html: string
} {
  const hello = greeting(input.firstName)
  // Nothing with digits between the word "code" and the code itself: readers take the digits after it.
  const intro = `Someone asked to reset the password of your ${input.serverName} account. To choose a new password, enter in ${input.serverName} the code below.`
  const expiry = `The code expires in ${lifetime(input.ttlSeconds)} and works once.`
  const ignore = 'If you did not ask for this, ignore this email: your password stays as it is.'
  const text = [hello, '', intro, '', `Your password reset code: ${input.code}`, '', expiry, ignore].join('\n')
  const html = htmlCard([
    `<p>${e(hello)}</p>`,
    `<p>${e(intro)}</p>`,
    codeParagraph('Your password reset code', input.code),
    noteParagraph(`${expiry} ${ignore}`),
  ])
  return { subject: `Reset your ${input.serverName} password`, text, html }
}
