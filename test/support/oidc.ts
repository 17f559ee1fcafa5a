import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, JWTPayload } from 'jose';
import { createHash } from 'node:crypto';
import { TestApp } from './start-app';

/** GET the JWK Set the discovery document names. */
export async function fetchJwks(t: TestApp): Promise<{ keys: Array<Record<string, string>> }> {
  const meta = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as { jwks_uri: string };
  return (await (await fetch(meta.jwks_uri)).json()) as { keys: Array<Record<string, string>> };
}

/** Verifies a JWT against the server's JWKS as a relying party would (signature, iss, aud, exp at the app's clock). */
export async function verifyWithJwks(t: TestApp, jwt: string, audience: string, typ?: string): Promise<JWTPayload> {
  const jwks = createLocalJWKSet(await fetchJwks(t));
  const { payload } = await jwtVerify(jwt, jwks, { issuer: t.config.issuer, audience, currentDate: new Date(t.clock.now() * 1000), typ });
  return payload;
}

/** Core §3.1.3.6 at_hash / c_hash for RS256 and ES256. */
export const halfHash = (value: string) => createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');

export { decodeJwt, decodeProtectedHeader };
