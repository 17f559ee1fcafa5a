import { addressAllowed, outboundFetch, OutboundFetchError } from './outbound-fetch';

describe(addressAllowed.name, () => {
  it.each(['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111'])('allows the public address %s', (ip) => {
    expect(addressAllowed(ip, { allowLoopback: false })).toBe(true);
  });

  it.each(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1'])(
    'refuses %s',
    (ip) => {
      expect(addressAllowed(ip, { allowLoopback: false })).toBe(false);
    },
  );

  it('allows loopback only when told, and never private ranges', () => {
    expect(addressAllowed('127.0.0.1', { allowLoopback: true })).toBe(true);
    expect(addressAllowed('::1', { allowLoopback: true })).toBe(true);
    expect(addressAllowed('10.0.0.1', { allowLoopback: true })).toBe(false);
  });
});

describe(outboundFetch.name, () => {
  const policy = { allowLoopback: false, maxBytes: 100, timeoutMs: 1000 };
  it.each([
    ['http://example.com/x', 'https'],
    ['https://user:pw@example.com/x', 'credentials'],
    ['https://127.0.0.1/x', 'private, loopback or reserved'],
    ['not a url', 'absolute'],
  ])('refuses %s before connecting', async (url, message) => {
    await expect(outboundFetch(url, policy)).rejects.toThrow(OutboundFetchError);
    await expect(outboundFetch(url, policy)).rejects.toThrow(message);
  });
});
