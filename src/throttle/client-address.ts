import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a counter is kept for. IPv4 as it is; IPv6 by its /64 prefix, since one subscriber
 * (a home, a VM) usually gets a whole /64 and could otherwise take a fresh counter for every guess
 * (OWASP, RFC 6177). An IPv4-mapped IPv6 address (::ffff:192.0.2.1) counts as its IPv4 address.
 */
export function throttleAddress(ip: string): string {
  const bare = ip.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(bare)) return bare;
  const [head, tail = ''] = bare.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = bare.includes('::') && tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) is two groups; only the first four groups matter here.
  const groups = bare.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}
