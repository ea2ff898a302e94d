/**
 * Domain errors are typed values with a stable dotted code; `toProblem` is the one
 * place that turns them into RFC 9457 problem+json responses.
 */
const PROBLEMS = {
  'request.invalid_json': { status: 400, title: 'Malformed JSON' },
  'request.invalid_fields': { status: 422, title: 'Invalid input' },
  'request.too_large': { status: 413, title: 'Request body too large' },
  'request.unsupported_media_type': { status: 415, title: 'Unsupported media type' },
  'route.not_found': { status: 404, title: 'Not found' },
  'auth.invalid_api_key': { status: 401, title: 'Missing or unknown API key' },
  'auth.invalid_credentials': { status: 401, title: 'Missing or wrong credentials' },
  'user.already_exists': { status: 409, title: 'User already exists' },
  'user.not_found': { status: 404, title: 'User not found' },
  'activation.unknown_link': { status: 404, title: 'Unknown activation link' },
  'activation.gone': { status: 410, title: 'Activation expired' },
  'activation.wrong_code': { status: 422, title: 'Wrong activation code' },
  'activation.already_activated': { status: 409, title: 'Already activated' },
  'activation.resend_too_soon': { status: 429, title: 'Too soon to resend' },
  'service.unavailable': { status: 503, title: 'Service unavailable' },
  'service.internal': { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>

export type ProblemCode = keyof typeof PROBLEMS

export interface FieldError {
  field: string
  message: string
}

export class AppError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    /** Members added to the problem body, e.g. `errors` or `attempts_left`. */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail)
  }

  get status(): number {
    return PROBLEMS[this.code].status
  }

  get title(): string {
    return PROBLEMS[this.code].title
  }
}

export const BASIC_REALM = 'registration-api'

export const invalidFields = (errors: FieldError[]) =>
  new AppError('request.invalid_fields', 'The request body has invalid fields.', { errors })

export const invalidCredentials = () =>
  new AppError(
    'auth.invalid_credentials',
    'Send the user’s email and password as HTTP Basic credentials.',
    {},
    { 'www-authenticate': `Basic realm="${BASIC_REALM}", charset="UTF-8"` },
  )

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  [member: string]: unknown
}

export function toProblem(error: AppError): Problem {
  return {
    type: `urn:registration-api:problem:${error.code}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    ...error.extra,
  }
}

export function problemResponse(error: AppError): Response {
  return new Response(JSON.stringify(toProblem(error)), {
    status: error.status,
    headers: { 'content-type': 'application/problem+json', ...error.headers },
  })
}
