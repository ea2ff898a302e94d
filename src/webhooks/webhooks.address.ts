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
 */
export async function assertPublicHost(url: URL): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  const addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
  const refused = addresses.find((address) => !isPublicAddress(address))
  if (addresses.length === 0 || refused !== undefined)
    throw new RefusedAddressError(`${url.hostname} resolves to ${refused ?? 'nothing'}, which is not a public address`)
}
