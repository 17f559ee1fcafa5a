import { canonicalUserCode, displayUserCode, USER_CODE_ALPHABET } from './device-codes.service';

describe('user codes (RFC 8628 §6.1)', () => {
  it('reads a code case-insensitively, with or without the dash or spaces', () => {
    for (const typed of ['WDJB-MJHT', 'wdjbmjht', 'wdjb-mjht', ' WdJb MjHt ']) expect(canonicalUserCode(typed)).toBe('WDJBMJHT');
  });

  it('refuses vowels, digits, wrong lengths and long input', () => {
    for (const typed of ['WDJB-MJHA', 'WDJB-MJH1', 'WDJB-MJH', 'WDJB-MJHTT', '', undefined, 'B'.repeat(40)]) expect(canonicalUserCode(typed)).toBeNull();
  });

  it('shows XXXX-XXXX from 20 consonants', () => {
    expect(displayUserCode('WDJBMJHT')).toBe('WDJB-MJHT');
    expect(USER_CODE_ALPHABET).toHaveLength(20);
    expect(USER_CODE_ALPHABET).not.toMatch(/[AEIOUY0-9]/);
  });
});
