import { createServer } from 'node:http';
import { addressAllowed, fetchJson, OutboundFetchError } from './outbound-fetch';

describe('outbound fetch (SSRF rules)', () => {
  it.each([
    ['10.0.0.1'], ['172.16.5.4'], ['192.168.1.1'], ['169.254.169.254'], ['100.64.0.1'], ['0.0.0.0'], ['224.0.0.1'],
    ['fc00::1'], ['fe80::1'], ['::'], ['::ffff:10.0.0.1'], ['::ffff:169.254.169.254'],
  ])('refuses the private or reserved address %s', (address) => {
    expect(addressAllowed(address, true)).toBe(false);
  });

  it('refuses loopback unless allowed, and allows public addresses', () => {
    for (const address of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1']) {
      expect(addressAllowed(address, false)).toBe(false);
      expect(addressAllowed(address, true)).toBe(true);
    }
    for (const address of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946']) expect(addressAllowed(address, false)).toBe(true);
    expect(addressAllowed('not-an-ip', true)).toBe(false);
  });

  it('refuses http, private literals and loopback without the allowance, before any connection', async () => {
    const opts = { allowLoopback: false, maxBytes: 1000, timeoutMs: 1000 };
    await expect(fetchJson('http://example.com/jwks', opts)).rejects.toBeInstanceOf(OutboundFetchError);
    await expect(fetchJson('https://10.0.0.1/jwks', opts)).rejects.toThrow('private or loopback');
    await expect(fetchJson('https://[::1]/jwks', opts)).rejects.toThrow('private or loopback');
    await expect(fetchJson('https://localhost/jwks', opts)).rejects.toThrow('resolves to a private or loopback address');
  });

  it('with the loopback allowance: fetches JSON, but no redirect, nothing too large, nothing slow', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/ok') return res.end('{"keys":[]}');
      if (req.url === '/redirect') return res.writeHead(302, { location: '/ok' }).end();
      if (req.url === '/large') return res.end(JSON.stringify({ pad: 'x'.repeat(5000) }));
      // /slow never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const opts = { allowLoopback: true, maxBytes: 1000, timeoutMs: 300 };
    try {
      await expect(fetchJson(`${base}/ok`, opts)).resolves.toEqual({ keys: [] });
      await expect(fetchJson(`${base}/redirect`, opts)).rejects.toThrow('redirects are not followed');
      await expect(fetchJson(`${base}/large`, opts)).rejects.toThrow('larger than 1000 bytes');
      await expect(fetchJson(`${base}/slow`, opts)).rejects.toThrow('no answer within 300 ms');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
