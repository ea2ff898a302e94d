import { AppError } from '../errors'

export const MAX_BODY_BYTES = 16 * 1024

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

const tooLarge = () => new AppError('request.too_large', { detail: `The body may be at most ${MAX_BODY_BYTES} bytes.` })

/** The body, read no further than the limit: a chunked body without Content-Length cannot fill memory. */
async function readCapped(request: Request): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  let size = 0
  for await (const chunk of request.body ?? []) {
    size += chunk.byteLength
    if (size > MAX_BODY_BYTES) throw tooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks)
}

/**
 * Route-level body parser: JSON only (415), at most 16 KiB (413), well-formed
 * UTF-8 JSON (400). Elysia's own parser would accept other types and any size.
 */
async function parseJsonBody({ request }: { request: Request }): Promise<unknown> {
  if (!JSON_TYPE.test(request.headers.get('content-type') ?? '')) throw new AppError('request.unsupported_media_type')
  if (Number(request.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) throw tooLarge()
  const bytes = await readCapped(request)
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
