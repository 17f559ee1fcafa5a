import { createHash } from 'node:crypto';
import { isValidCodeChallenge, verifyCodeVerifier } from './pkce';

// The challenge computed independently: printf %s VERIFIER | openssl dgst -sha256 -binary | base64url.
const VERIFIER = 'dBjftJeZ4CVP-mJ92K27uhbUJU1p1r_wW1gFWFOEjXk';
const CHALLENGE = 'ngF5GsXcbwljx6u133FFr3Xht9xooA_DuaX_3QwODtc';

describe('PKCE (RFC 7636)', () => {
  it('accepts a verifier for its S256 challenge (BASE64URL(SHA256(verifier)))', () => {
    expect(verifyCodeVerifier(VERIFIER, CHALLENGE, 'S256')).toBe(true);
  });

  it('refuses another verifier for that challenge', () => {
    expect(verifyCodeVerifier(VERIFIER.replace('d', 'e'), CHALLENGE, 'S256')).toBe(false);
  });

  it('compares plain challenges as they are', () => {
    expect(verifyCodeVerifier(VERIFIER, VERIFIER, 'plain')).toBe(true);
    expect(verifyCodeVerifier(VERIFIER, CHALLENGE, 'plain')).toBe(false);
  });

  it('refuses a verifier shorter than 43 or longer than 128 characters, or with other characters', () => {
    const short = 'a'.repeat(42);
    const long = 'a'.repeat(129);
    const s256 = (v: string) => createHash('sha256').update(v).digest('base64url');
    expect(verifyCodeVerifier(short, s256(short), 'S256')).toBe(false);
    expect(verifyCodeVerifier(long, s256(long), 'S256')).toBe(false);
    const spaced = `${'a'.repeat(43)} `;
    expect(verifyCodeVerifier(spaced, spaced, 'plain')).toBe(false);
  });

  it('checks challenge syntax', () => {
    expect(isValidCodeChallenge(CHALLENGE)).toBe(true);
    expect(isValidCodeChallenge('short')).toBe(false);
    expect(isValidCodeChallenge(`${CHALLENGE}=`)).toBe(false);
  });
});
