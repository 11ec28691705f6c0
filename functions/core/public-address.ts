import ipaddr from 'ipaddr.js';

/**
 * The public-address rule of every request Imager makes to an address a user chose (upload by
 * URL, and webhooks after it): only globally routed unicast addresses. ipaddr.js keeps the IANA
 * special-purpose registries (loopback, private, carrier-grade NAT, link-local with the
 * 169.254.169.254 metadata service, unique-local, multicast, documentation, benchmarking,
 * reserved, ...); everything it does not call `unicast` is refused, and so is every IPv6 address
 * that embeds an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo: each would reach the IPv4 address
 * it carries). docs/security-and-reliability.md describes the rule.
 */

/** IPv6 global unicast (2000::/3): the only IPv6 space assigned for the public internet. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');

/**
 * True when `address` (a literal IPv4 or IPv6 address, without brackets) is a public unicast
 * address; false for anything else, a string that is not an address included.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  // Only the canonical dotted quad: ipaddr.js also reads forms like "0x7f.1" that a URL parser
  // would normalise first; refusing them keeps the rule and the connection on one reading.
  if (address.includes('.') && !address.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.range() !== 'unicast') return false;
  return parsed.kind() === 'ipv4' || (parsed as ipaddr.IPv6).match(GLOBAL_UNICAST_V6);
}

/** Whether a resolved address may be connected to: the public rule, or a test's own. */
export type AddressPolicy = (address: string) => boolean;
