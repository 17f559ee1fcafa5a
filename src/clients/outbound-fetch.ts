import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Why an outbound fetch was refused or failed (the caller decides what the client is told). */
export class OutboundFetchError extends Error {}

export interface OutboundFetchOptions {
  /** Allow http and loopback addresses (development and tests only). */
  allowLoopback: boolean;
  maxBytes: number;
  timeoutMs: number;
}

/** Addresses a server-side fetch must never reach (SSRF): private, shared, link-local, multicast, reserved. */
const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24],
  ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) PRIVATE.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96]] as const) PRIVATE.addSubnet(net, prefix, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether `address` may be connected to: never a private one, a loopback one only when allowed. */
export function addressAllowed(address: string, allowLoopback: boolean): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it maps.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return addressAllowed(mapped[1], allowLoopback);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(address, type)) return allowLoopback;
  return !PRIVATE.check(address, type);
}

/**
 * GET a JSON document from a URL a client registered, as SSRF-safe as a server fetch can be:
 * https only (http only on loopback when allowed), every resolved address checked at connect time
 * (so DNS rebinding between the check and the connection does not help), no redirects, a size and
 * a time limit.
 */
export function fetchJson(url: string, options: OutboundFetchOptions): Promise<unknown> {
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    return Promise.reject(new OutboundFetchError('not a URL'));
  }
  const http = target.protocol === 'http:';
  if (target.protocol !== 'https:' && !(http && options.allowLoopback)) return Promise.reject(new OutboundFetchError('only https URLs are fetched'));
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) && !addressAllowed(host, options.allowLoopback)) return Promise.reject(new OutboundFetchError('the address is private or loopback'));
  if (http && !(isIP(host) ? addressAllowed(host, true) && LOOPBACK.check(host, isIP(host) === 4 ? 'ipv4' : 'ipv6') : host === 'localhost')) {
    return Promise.reject(new OutboundFetchError('http is allowed on loopback only'));
  }

  const lookup = (hostname: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    dnsLookup(hostname, { all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return callback(err);
      const refused = addresses.find((a) => !addressAllowed(a.address, options.allowLoopback));
      if (refused || addresses.length === 0) return callback(new OutboundFetchError('the host resolves to a private or loopback address'));
      if (opts.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };

  return new Promise((resolve, reject) => {
    // Settled once: the first outcome wins, later events (a destroyed socket's errors) are ignored.
    let settled = false;
    const settle = (err: Error | null, value?: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      if (err) reject(err instanceof OutboundFetchError ? err : new OutboundFetchError(err.message));
      else resolve(value);
    };
    const req = (http ? httpRequest : httpsRequest)(
      target,
      { method: 'GET', headers: { accept: 'application/json, application/jwk-set+json' }, lookup: lookup as never },
      (res) => {
        res.on('error', (err) => settle(err));
        if (res.statusCode !== 200) {
          res.resume();
          const redirect = res.statusCode !== undefined && res.statusCode >= 300 && res.statusCode < 400;
          return settle(new OutboundFetchError(`answered ${res.statusCode}${redirect ? ' (redirects are not followed)' : ''}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > options.maxBytes) {
            settle(new OutboundFetchError(`larger than ${options.maxBytes} bytes`));
            req.destroy();
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            settle(null, JSON.parse(Buffer.concat(chunks).toString('utf8')));
          } catch {
            settle(new OutboundFetchError('not JSON'));
          }
        });
      },
    );
    const deadline = setTimeout(() => {
      settle(new OutboundFetchError(`no answer within ${options.timeoutMs} ms`));
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (err) => settle(err));
    req.end();
  });
}
