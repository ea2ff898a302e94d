import { createHash, randomBytes, randomInt } from 'node:crypto'

/** 256 random bits, URL-safe: API keys and link tokens. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Keys and tokens are random, so SHA-256 is enough to store them; only the hash is kept. */
export function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}

/** Four digits from a cryptographic source, leading zeros kept. */
export function randomCode(): string {
  return randomInt(0, 10_000).toString().padStart(4, '0')
}
