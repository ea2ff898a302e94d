export interface Credentials {
  email: string
  password: string
}

/** Reads `Authorization: Basic base64(email:password)`; undefined when absent or malformed. */
export function parseBasic(header: string | null | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header ?? '')
  if (!match?.[1]) return undefined
  let decoded: string
  try {
    decoded = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(match[1], 'base64'))
  } catch {
    return undefined
  }
  const colon = decoded.indexOf(':')
  if (colon <= 0) return undefined
  return { email: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
