import { AppError } from '../errors'

export const MAX_BODY_BYTES = 16 * 1024

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

const tooLarge = () => new AppError('request.too_large', { detail: `The body may be at most ${MAX_BODY_BYTES} bytes.` })

/**
 * A body refused as it was read (413, 415, 400). Elysia parses before the
 * authentication gates run (they sit in the transform step), so the refusal is
 * kept as the body's value instead of thrown: it fails the route's body schema,
 * after authentication and limits, and the problem handler answers with it.
 */
export class RejectedBody {
  constructor(readonly error: AppError) {}
}

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

async function parse(request: Request): Promise<unknown> {
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
 * The one body parser of every route: JSON only (415), at most 16 KiB (413),
 * well-formed UTF-8 JSON (400), each refusal deferred as a RejectedBody. Elysia's
 * own parser would accept other types and any size, and throw before authentication.
 */
export async function readJsonBody({ request }: { request: Request }): Promise<unknown> {
  try {
    return await parse(request)
  } catch (error) {
    if (error instanceof AppError) return new RejectedBody(error)
    throw error
  }
}
