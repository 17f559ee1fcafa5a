import { safeEqual, sha256Base64url } from '../common/crypto';

export type CodeChallengeMethod = 'S256' | 'plain';

/** RFC 7636 §4.1 / §4.2: 43–128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~". */
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

export function isValidCodeVerifier(value: string): boolean {
  return PKCE_VALUE.test(value);
}

export function isValidCodeChallenge(value: string): boolean {
  return PKCE_VALUE.test(value);
}

/** RFC 7636 §4.6: recompute the challenge from the verifier and compare in constant time. */
export function verifyCodeVerifier(verifier: string, challenge: string, method: CodeChallengeMethod): boolean {
  if (!isValidCodeVerifier(verifier)) return false;
  const computed = method === 'S256' ? sha256Base64url(verifier) : verifier;
  return safeEqual(computed, challenge);
}
