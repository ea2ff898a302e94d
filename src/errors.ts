/**
 * Domain errors are typed values with a stable dotted code. This table is the one
 * place that gives each code its HTTP status, title and usual detail; `toProblem`
 * turns an error into an RFC 9457 problem+json body, and the OpenAPI document
 * takes its error examples from here too.
 */
export const PROBLEMS = {
  'request.invalid_json': { status: 400, title: 'Malformed JSON', detail: 'The body is not valid JSON.' },
  'request.invalid_fields': { status: 422, title: 'Invalid input', detail: 'The request body has invalid fields.' },
  'request.too_large': { status: 413, title: 'Request body too large', detail: 'The body is too large.' },
  'request.unsupported_media_type': {
    status: 415,
    title: 'Unsupported media type',
    detail: 'Send the body as application/json.',
  },
  'request.invalid_query': {
    status: 422,
    title: 'Invalid query parameters',
    detail: 'The query has invalid parameters.',
  },
  'route.not_found': { status: 404, title: 'Not found', detail: 'No route answers this method and path.' },
  'route.method_not_allowed': {
    status: 405,
    title: 'Method not allowed',
    detail: 'This path does not answer this method; the Allow header lists those it answers.',
  },
  'auth.invalid_api_key': {
    status: 401,
    title: 'Missing or unknown API key',
    detail: 'Send a valid server API key in the X-API-Key header.',
  },
  'auth.invalid_credentials': {
    status: 401,
    title: 'Missing or wrong credentials',
    detail: 'Send the user’s email and password as HTTP Basic credentials.',
  },
  'auth.locked': {
    status: 429,
    title: 'Too many wrong passwords',
    detail: 'Too many wrong passwords for this email; try again after Retry-After seconds.',
  },
  'limit.registrations': {
    status: 429,
    title: 'Too many registrations',
    detail: 'This server has registered too many users in the last minute; try again after Retry-After seconds.',
  },
  'limit.unknown_links': {
    status: 429,
    title: 'Too many unknown links',
    detail: 'Too many unknown activation links were tried from this address; try again after Retry-After seconds.',
  },
  'user.already_exists': {
    status: 409,
    title: 'User already exists',
    detail: 'This server already has a user with that email.',
  },
  'user.not_found': { status: 404, title: 'User not found', detail: 'This server has no user with that email.' },
  'user.unknown_cursor': {
    status: 422,
    title: 'Unknown cursor',
    detail: 'The after parameter is not a cursor this service made; start again from the first page.',
  },
  'user.not_activated': {
    status: 403,
    title: 'User not activated',
    detail: 'The password is right, but the user has not activated its account yet.',
  },
  'activation.unknown_link': {
    status: 404,
    title: 'Unknown activation link',
    detail: 'This activation link is not one we sent.',
  },
  'activation.gone': {
    status: 410,
    title: 'Activation expired',
    detail:
      'This code or link has expired, was used up by wrong codes, or was replaced by a newer email. Ask for a new one.',
  },
  'activation.wrong_code': { status: 422, title: 'Wrong activation code', detail: 'That is not the code we sent.' },
  'activation.already_activated': {
    status: 409,
    title: 'Already activated',
    detail: 'This user is already activated.',
  },
  'activation.resend_too_soon': {
    status: 429,
    title: 'Too soon to resend',
    detail: 'An activation email was sent moments ago; try again after Retry-After seconds.',
  },
  'password_reset.wrong_code': {
    status: 422,
    title: 'Wrong password reset code',
    detail: 'That is not the code we sent.',
  },
  'password_reset.gone': {
    status: 410,
    title: 'Password reset code expired',
    detail:
      'This code has expired, was used, was used up by wrong codes, or was replaced by a newer email. Ask for a new one.',
  },
  'mail.cap_reached': {
    status: 429,
    title: 'Too many emails to this address',
    detail: 'This address got as many emails as it may in 24 hours; try again after Retry-After seconds.',
  },
  'idempotency.invalid_key': {
    status: 400,
    title: 'Invalid Idempotency-Key',
    detail: 'An Idempotency-Key is 1 to 255 visible ASCII characters (optionally a quoted string).',
  },
  'idempotency.key_reused': {
    status: 422,
    title: 'Idempotency-Key reused',
    detail: 'This Idempotency-Key was already used for another request.',
  },
  'idempotency.in_flight': {
    status: 409,
    title: 'Request in progress',
    detail: 'A request with this Idempotency-Key is still running; retry after Retry-After seconds.',
  },
  'service.unavailable': { status: 503, title: 'Service unavailable', detail: 'The database does not answer.' },
  'service.internal': {
    status: 500,
    title: 'Internal error',
    detail: 'Something went wrong on our side; it has been logged.',
  },
} as const satisfies Record<string, { status: number; title: string; detail: string }>

export type ProblemCode = keyof typeof PROBLEMS

/** The database returns within seconds (or the answer is another 503 just as fast). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 1

const DEFAULT_HEADERS: Partial<Record<ProblemCode, Record<string, string>>> = {
  'service.unavailable': { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
  'idempotency.in_flight': { 'retry-after': '1' },
}

export interface FieldError {
  field: string
  message: string
}

export interface AppErrorOptions {
  /** Replaces the code's usual detail. */
  detail?: string
  /** Members added to the problem body, e.g. `errors` or `attempts_left`. */
  extra?: Record<string, unknown>
  headers?: Record<string, string>
}

export class AppError extends Error {
  readonly detail: string
  readonly extra: Record<string, unknown>
  readonly headers: Record<string, string>

  constructor(
    readonly code: ProblemCode,
    options: AppErrorOptions = {},
  ) {
    const detail = options.detail ?? PROBLEMS[code].detail
    super(detail)
    this.detail = detail
    this.extra = options.extra ?? {}
    this.headers = options.headers ?? DEFAULT_HEADERS[code] ?? {}
  }

  get status(): number {
    return PROBLEMS[this.code].status
  }

  get title(): string {
    return PROBLEMS[this.code].title
  }
}

export const BASIC_REALM = 'registration-api'

export const invalidFields = (errors: FieldError[]) => new AppError('request.invalid_fields', { extra: { errors } })

export const invalidQuery = (errors: FieldError[]) => new AppError('request.invalid_query', { extra: { errors } })

export const invalidCredentials = (headers: Record<string, string> = {}) =>
  new AppError('auth.invalid_credentials', {
    headers: { ...headers, 'www-authenticate': `Basic realm="${BASIC_REALM}", charset="UTF-8"` },
  })

export const problemType = (code: ProblemCode) => `urn:registration-api:problem:${code}`

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  [member: string]: unknown
}

export function toProblem(error: AppError): Problem {
  return {
    type: problemType(error.code),
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
