import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/** Why a webhook URL was not called. */
export class RefusedAddressError extends Error {}

/**
 * Only public unicast addresses: loopback, private, link-local, unique-local,
 * carrier-grade NAT, multicast, reserved and the IPv6 forms that embed an IPv4
 * address (mapped, NAT64, 6to4, Teredo) are refused; a mapped IPv4 is judged as IPv4.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  let parsed = ipaddr.parse(address)
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress())
    parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  return parsed.range() === 'unicast'
}

/**
 * Resolves the URL's host and refuses it when any of its addresses is not public
 * (one private answer is enough for a request to land inside the network).
 * Resolves the first address, the one to connect to.
 */
export async function assertPublicHost(url: URL): Promise<string> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
  const refused = addresses.find((address) => !isPublicAddress(address))
  const [first] = addresses
  if (first === undefined || refused !== undefined)
    throw new RefusedAddressError(`${url.hostname} resolves to ${refused ?? 'nothing'}, which is not a public address`)
  return first
}

/**
 * The URL with its host replaced by the checked address: a plain-http call then goes where
 * the check looked, even if the name resolves elsewhere a moment later (DNS rebinding).
 * The request keeps the name in its Host header.
 */
export function pinnedUrl(url: URL, address: string): URL {
  const pinned = new URL(url)
  pinned.hostname = isIP(address) === 6 ? `[${address}]` : address
  return pinned
}
