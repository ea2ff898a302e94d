/**
 * The filters the list's row loads: none, each state, email prefixes from one
 * user in 65,536 to all of them (seeded emails are list-{8 hex digits}.{n}), and both at once.
 */
const FILTERS = [
  '',
  'activated=true',
  'activated=false',
  'email_prefix=list-abcd',
  'email_prefix=LIST-AB',
  'email_prefix=list-a',
  'email_prefix=list-',
  'email_prefix=nobody',
  'email_prefix=list-a&activated=true',
  'email_prefix=list-ab&activated=false',
]

/**
 * Query strings for pages of 50 all through the list: for each filter, the first
 * page and one starting at every cursor met while walking it 200 at a time through
 * the running service (cursors are opaque, so they are collected, not made).
 */
export async function collectPages(url: string, apiKey: string): Promise<string[]> {
  const pages: string[] = []
  for (const filter of FILTERS) {
    const params = new URLSearchParams(filter)
    pages.push(new URLSearchParams({ ...Object.fromEntries(params), limit: '50' }).toString())
    let after: string | null = null
    do {
      const query: URLSearchParams = new URLSearchParams({
        ...Object.fromEntries(params),
        limit: '200',
        ...(after ? { after } : {}),
      })
      const response: Response = await fetch(`${url}/users/?${query}`, { headers: { 'x-api-key': apiKey } })
      if (!response.ok) throw new Error(`GET /users/?${query} answered ${response.status}`)
      after = ((await response.json()) as { next: string | null }).next
      if (after) pages.push(new URLSearchParams({ ...Object.fromEntries(params), limit: '50', after }).toString())
    } while (after)
  }
  return pages
}
