import { AppError } from '../errors'

export const MAX_BODY_BYTES = 16 * 1024

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * Route-level body parser: JSON only (415), at most 16 KiB (413), well-formed
 * UTF-8 JSON (400). Elysia's own parser would accept other types and any size.
 */
async function parseJsonBody({ request }: { request: Request }): Promise<unknown> {
  if (!JSON_TYPE.test(request.headers.get('content-type') ?? '')) throw new AppError('request.unsupported_media_type')
  const tooLarge = new AppError('request.too_large', { detail: `The body may be at most ${MAX_BODY_BYTES} bytes.` })
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge
  const bytes = await request.arrayBuffer()
  if (bytes.byteLength > MAX_BODY_BYTES) throw tooLarge
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch {
    throw new AppError('request.invalid_json')
  }
}

/**
 * The `parse` option of routes with a JSON body. parseJsonBody always answers, so
 * Elysia's 'json' is never reached: it is there because the OpenAPI generator
 * reads the request's content type from it (a function alone documents three).
 */
export const jsonBody = [parseJsonBody, 'json' as const]
