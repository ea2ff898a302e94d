export interface CallOptions {
  key?: string
  basic?: { email: string; password: string }
  json?: unknown
  body?: string
  headers?: Record<string, string>
}

export interface Reply {
  status: number
  headers: Headers
  text: string
  body: Record<string, unknown>
}

export function basicHeader(email: string, password: string): string {
  return `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`
}

/** One real HTTP request to the app; the body is parsed when it is JSON. */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers }
  if (options.key) headers['x-api-key'] = options.key
  if (options.basic) headers.authorization = basicHeader(options.basic.email, options.basic.password)
  let body = options.body
  if (options.json !== undefined) {
    headers['content-type'] ??= 'application/json'
    body = JSON.stringify(options.json)
  }
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body })
  const text = await response.text()
  const isJson = /json/.test(response.headers.get('content-type') ?? '')
  return { status: response.status, headers: response.headers, text, body: isJson && text ? JSON.parse(text) : {} }
}
