interface Route {
  method: string
  path: string
}

const withoutTrailingSlash = (path: string) => path.replace(/(.)\/+$/, '$1')

/** A route's path as a regular expression: `:name` is one segment, `*` anything; the trailing slash is optional. */
function pattern(path: string): RegExp {
  const source = withoutTrailingSlash(path)
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return '[^/]+'
      if (segment === '*') return '.*'
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return new RegExp(`^${source}$`)
}

/**
 * The methods some route answers on this path: a request whose method is not among
 * them answers 405 with them in `Allow` (RFC 9110), rather than 404 as if the path
 * did not exist.
 */
export function allowedMethods(routes: readonly Route[], path: string): string[] {
  const target = withoutTrailingSlash(path)
  const matching = routes.filter((route) => pattern(route.path).test(target))
  // As in the router, a path written out (/validation/resend) is that resource, not a value of a parameter.
  const exact = matching.filter((route) => !/[:*]/.test(route.path))
  const methods = (exact.length ? exact : matching).map((route) => route.method)
  return [...new Set(methods)].filter((method) => method !== 'ALL').sort()
}
