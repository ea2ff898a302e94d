import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { CodeKeys } from '../secrets'

/** Standard Webhooks: `whsec_` and the base64 of the secret's bytes (24 to 64 of them; we make 32). */
const PREFIX = 'whsec_'
const SECRET_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
/** Keeps this key apart from any other use of SECRET_KEY (the code HMACs). */
const HKDF_INFO = 'registration-api webhook signing secret v1'

/** A new signing secret: what the operator is shown once. */
export function newWebhookSecret(): string {
  return PREFIX + randomBytes(SECRET_BYTES).toString('base64')
}

const encryptionKey = (secretKey: string) => Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), HKDF_INFO, 32))

/**
 * A signing secret must be usable to sign, so it cannot be hashed: it is stored
 * AES-256-GCM-encrypted (iv, tag, ciphertext) under a key derived from SECRET_KEY
 * with HKDF, so the database alone (a dump, a backup) cannot sign as us.
 */
export function encryptWebhookSecret(keys: CodeKeys, secret: string): Buffer {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', encryptionKey(keys.current), iv)
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext])
}

/** Decrypts under SECRET_KEY, else SECRET_KEY_PREVIOUS (during a rotation); undefined when neither opens it. */
export function decryptWebhookSecret(keys: CodeKeys, stored: Buffer): string | undefined {
  for (const key of [keys.current, keys.previous]) {
    if (!key) continue
    try {
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey(key), stored.subarray(0, IV_BYTES))
      decipher.setAuthTag(stored.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
      return Buffer.concat([decipher.update(stored.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8')
    } catch {
      // The GCM tag does not match: another key sealed it.
    }
  }
  return undefined
}

/** Webhook URLs are absolute http(s) URLs; undefined when `raw` is not one. */
export function parseWebhookUrl(raw: string): string | undefined {
  const url = URL.parse(raw)
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) return undefined
  if (url.username || url.password) return undefined
  return url.href
}
