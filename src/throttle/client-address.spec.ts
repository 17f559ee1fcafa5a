import { throttleAddress } from './client-address';

describe(throttleAddress.name, () => {
  it('keeps an IPv4 address as it is', () => {
    expect(throttleAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(throttleAddress('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one', () => {
    const prefixes = ['2001:db8:1:2::1', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:0DB8:0001:0002:0:0:0:9', '[2001:db8:1:2::abcd]', 'fe80::1%eth0'].map(throttleAddress);
    expect(prefixes.slice(0, 4)).toEqual(Array(4).fill('2001:db8:1:2::/64'));
    expect(prefixes[4]).toBe('fe80:0:0:0::/64');
  });

  it('keeps different /64s apart', () => {
    expect(throttleAddress('2001:db8:1:2::1')).not.toBe(throttleAddress('2001:db8:1:3::1'));
    expect(throttleAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(throttleAddress('::1')).toBe('0:0:0:0::/64');
  });
});
