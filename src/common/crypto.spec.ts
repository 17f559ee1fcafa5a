import { randomToken, safeEqual, sha256, sha256Base64url, uuidv7 } from './crypto';

describe('crypto', () => {
  describe(randomToken.name, () => {
    it('gives 256 bits as 43 base64url characters by default', () => {
      expect(randomToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(randomToken(), 'base64url')).toHaveLength(32);
    });

    it('gives the number of bytes asked for, from the pool or beyond it', () => {
      expect(Buffer.from(randomToken(16), 'base64url')).toHaveLength(16);
      expect(Buffer.from(randomToken(24), 'base64url')).toHaveLength(24);
      expect(Buffer.from(randomToken(4096), 'base64url')).toHaveLength(4096);
    });

    it('never repeats a token across many pool refills', () => {
      const tokens = new Set(Array.from({ length: 10_000 }, () => randomToken()));
      expect(tokens.size).toBe(10_000);
    });

    it('hands out no all-zero token when a refill straddles the pool end', () => {
      // 4096 is not a multiple of 24: some requests land where fewer bytes remain than asked for.
      for (let i = 0; i < 1000; i++) expect(Buffer.from(randomToken(24), 'base64url').equals(Buffer.alloc(24))).toBe(false);
    });
  });

  describe(uuidv7.name, () => {
    it('is an RFC 9562 version 7 UUID carrying the time in milliseconds', () => {
      const id = uuidv7(0x0123456789ab);
      expect(id).toMatch(/^01234567-89ab-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(uuidv7()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    });

    it('sorts ids of later milliseconds after earlier ones, and never repeats within one', () => {
      const earlier = Array.from({ length: 100 }, () => uuidv7(1_700_000_000_000));
      const later = uuidv7(1_700_000_000_001);
      expect(earlier.every((id) => id < later)).toBe(true);
      expect(new Set(earlier).size).toBe(100);
    });
  });

  describe(sha256.name, () => {
    it('is hex SHA-256 (FIPS 180-2 test vector "abc")', () => {
      expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });
  });

  it('computes S256 as base64url of the SHA-256 (RFC 7636 §4.2)', () => {
    // printf %s VERIFIER | openssl dgst -sha256 -binary | base64url
    expect(sha256Base64url('dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc');
  });

  describe(safeEqual.name, () => {
    it('accepts equal digests and refuses digests differing in one character', () => {
      const d = sha256('secret');
      expect(safeEqual(d, sha256('secret'))).toBe(true);
      expect(safeEqual(d, `${d.slice(0, 63)}${d[63] === '0' ? '1' : '0'}`)).toBe(false);
    });

    it('refuses values of different lengths, either way round', () => {
      expect(safeEqual('abc', 'abcd')).toBe(false);
      expect(safeEqual('abcd', 'abc')).toBe(false);
      expect(safeEqual('', 'a')).toBe(false);
    });

    it('compares bytes, not characters: equal character counts with different UTF-8 lengths are unequal', () => {
      expect(safeEqual('é', 'e')).toBe(false);
      expect(safeEqual('éa', 'é\u0000')).toBe(false);
      expect(safeEqual('é', 'é')).toBe(true);
      expect(safeEqual('', '')).toBe(true);
    });
  });
});
