import type { OpenAPIV3 } from 'openapi-types'
import type { ProblemCode } from '../errors'
import { KEEP_SECONDS } from './idempotency'

/** The request header, for an operation's `parameters`. */
export const IDEMPOTENCY_KEY_PARAMETER: OpenAPIV3.ParameterObject = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: `Makes a retry safe (IETF httpapi idempotency-key draft): 1 to 255 visible ASCII characters, bare or as a quoted string, unique per request of this server and kept ${KEEP_SECONDS / 3600} h. A retry with the same key and the same request gets the first answer again, with \`Idempotency-Replayed: true\`; the same key with another request answers 422; a retry while the first still runs answers 409 with Retry-After.`,
  schema: { type: 'string', minLength: 1, maxLength: 255 },
  example: '5f1c9a8e-2b7d-4f3e-9c61-0d2a4b8e7f10',
}

/** The success response's header on a replay. */
export const REPLAYED_HEADER: Record<string, OpenAPIV3.HeaderObject> = {
  'Idempotency-Replayed': {
    description: 'Present, `true`, when this is the stored answer to an earlier request with the same Idempotency-Key',
    schema: { type: 'string', enum: ['true'] },
  },
}

/** The problems an operation taking the header may answer with. */
export const IDEMPOTENCY_PROBLEMS = [
  'idempotency.invalid_key',
  'idempotency.in_flight',
  'idempotency.key_reused',
] as const satisfies readonly ProblemCode[]
