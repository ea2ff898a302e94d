import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto'

/** 256 random bits, URL-safe: API keys and link tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Keys and tokens are random, so SHA-256 is enough to store them; only the hash is kept. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** `digits` digits from a cryptographic source, leading zeros kept. */
export function randomCode(digits = 4): string {
  return randomInt(0, 10 ** digits)
    .toString()
    .padStart(digits, '0')
}

/** SECRET_KEY and, during a rotation, the key it replaced. */
export interface CodeKeys {
  current: string
  previous: string | undefined
}

/**
 * A short code has too few values for a plain hash to hide it, so it is stored as
 * HMAC-SHA256 under a key the database never sees. `purpose` keeps the codes of
 * different flows apart (an activation code never matches a reset code's HMAC).
 */
export function codeHmac(key: string, purpose: string, code: string): Buffer {
  return createHmac('sha256', key).update(`${purpose}:${code}`).digest()
}

/** The HMACs a tried code may be stored as: under the current key, and the previous one while it lasts. */
export function codeCandidates(keys: CodeKeys, purpose: string, code: string): [Buffer, Buffer | null] {
  return [codeHmac(keys.current, purpose, code), keys.previous ? codeHmac(keys.previous, purpose, code) : null]
}

export interface ActivationSecrets {
  /** What the email shows: the 4-digit code and the link's token. */
  code: string
  token: string
  /** What the database keeps instead. */
  codeHmac: Buffer
  tokenHash: Buffer
}

export const ACTIVATION_CODE_PURPOSE = 'activation'

/** The one place that makes an activation's code and link token together with their stored forms. */
export function newActivationSecrets(keys: CodeKeys): ActivationSecrets {
  const code = randomCode()
  const token = randomToken()
  return { code, token, codeHmac: codeHmac(keys.current, ACTIVATION_CODE_PURPOSE, code), tokenHash: sha256(token) }
}

export interface ResetSecret {
  /** What the email shows: the 6-digit code. */
  code: string
  /** What the database keeps instead. */
  codeHmac: Buffer
}

export const RESET_CODE_PURPOSE = 'password_reset'
export const RESET_CODE_DIGITS = 6

/** The one place that makes a password-reset code together with its stored form. */
export function newResetSecret(keys: CodeKeys): ResetSecret {
  const code = randomCode(RESET_CODE_DIGITS)
  return { code, codeHmac: codeHmac(keys.current, RESET_CODE_PURPOSE, code) }
}

/** What an email carries, by its kind. */
export type EmailSecret = ({ kind: 'activation' } & ActivationSecrets) | ({ kind: 'password_reset' } & ResetSecret)

/** The code keys from the configuration; the service cannot store a code without SECRET_KEY. */
export function codeKeys(config: { secretKey: string | undefined; secretKeyPrevious: string | undefined }): CodeKeys {
  if (!config.secretKey) throw new Error('SECRET_KEY is not set')
  return { current: config.secretKey, previous: config.secretKeyPrevious }
}
