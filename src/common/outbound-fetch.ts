import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/** Why an outbound fetch was refused or failed; the message is safe to show. */
export class OutboundFetchError extends Error {}

export interface OutboundFetchPolicy {
  /** Allow http, and loopback addresses (development and tests); private ranges stay refused. */
  allowLoopback: boolean;
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Whole request, connection included, in milliseconds. */
  timeoutMs: number;
}

export interface OutboundResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** Addresses no fetch of ours may reach: private, loopback, link-local, shared, reserved, multicast. */
const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24],
  ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) FORBIDDEN.addSubnet(net, prefix, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** Whether the server may connect to `address` under `policy`. */
export function addressAllowed(address: string, policy: Pick<OutboundFetchPolicy, 'allowLoopback'>): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (policy.allowLoopback && LOOPBACK.check(address, family)) return true;
  // An IPv4-mapped IPv6 address is judged as the IPv4 address it is.
  const mapped = family === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped) return addressAllowed(mapped, policy);
  return !FORBIDDEN.check(address, family);
}

/**
 * The one way the server fetches a URL it was given by someone else (client metadata documents):
 * https only (http on loopback when allowed), every address the name resolves to must be public
 * and the connection goes to the address checked (no DNS rebinding), no redirects followed, the
 * body and the time bounded. GET, no cookies, no credentials.
 */
export async function outboundFetch(rawUrl: string, policy: OutboundFetchPolicy, accept = 'application/json'): Promise<OutboundResponse> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new OutboundFetchError('not an absolute URL');
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const plainHttp = url.protocol === 'http:';
  if (url.protocol !== 'https:' && !(plainHttp && policy.allowLoopback)) throw new OutboundFetchError('must be an https URL');
  if (url.username || url.password) throw new OutboundFetchError('must not carry credentials');

  const deadline = AbortSignal.timeout(policy.timeoutMs);
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = isIP(hostname) ? [{ address: hostname, family: isIP(hostname) }] : await dnsLookup(hostname, { all: true, verbatim: true });
  } catch {
    throw new OutboundFetchError('the host name does not resolve');
  }
  if (addresses.length === 0 || addresses.some((a) => !addressAllowed(a.address, policy))) {
    throw new OutboundFetchError('the host resolves to an address this server does not fetch from (private, loopback or reserved)');
  }
  if (plainHttp && !addresses.every((a) => LOOPBACK.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4'))) {
    throw new OutboundFetchError('must be an https URL (http only on a loopback address)');
  }
  const target = addresses[0];

  return new Promise<OutboundResponse>((resolve, reject) => {
    const request = (plainHttp ? httpRequest : httpsRequest)(
      url,
      {
        method: 'GET',
        headers: { accept, 'user-agent': 'Gatehouse' },
        signal: deadline,
        // Connect to the address that was checked, whatever the name resolves to by now.
        lookup: (_host, options, callback) => {
          if ((options as { all?: boolean }).all) (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [target]);
          else callback(null, target.address, target.family);
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400) {
          response.destroy();
          return reject(new OutboundFetchError(`answered a redirect (${status}), which is not followed`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > policy.maxBytes) {
            response.destroy();
            reject(new OutboundFetchError(`is larger than ${policy.maxBytes} bytes`));
          } else chunks.push(chunk);
        });
        response.on('end', () => resolve({ status, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', () => reject(new OutboundFetchError('the connection failed')));
      },
    );
    request.on('error', (err: Error) => reject(new OutboundFetchError(err.name === 'AbortError' || deadline.aborted ? `did not answer within ${policy.timeoutMs} ms` : 'the connection failed')));
    request.end();
  });
}

/** `outboundFetch` of a JSON document (a client's JWK Set): a 200 with a JSON body, or OutboundFetchError. */
export async function fetchJson(rawUrl: string, policy: OutboundFetchPolicy, accept = 'application/json'): Promise<unknown> {
  const response = await outboundFetch(rawUrl, policy, accept);
  if (response.status !== 200) throw new OutboundFetchError(`answered ${response.status}`);
  try {
    return JSON.parse(response.body) as unknown;
  } catch {
    throw new OutboundFetchError('is not JSON');
  }
}
