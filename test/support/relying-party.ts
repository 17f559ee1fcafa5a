import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify, JWTPayload } from 'jose';
import { UserAgent, basic, postForm } from './http';
import { authorize, pkcePair } from './oauth-flow';

/**
 * A relying party against a server running as its own process (no TestApp): registered through
 * the admin API with the key that server uses, and its ID tokens verified from the server's JWKS.
 */
export interface RelyingParty {
  clientId: string;
  secret: string;
  username: string;
  password: string;
}

const REDIRECT_URI = 'http://127.0.0.1:9/callback';

/** A user and an OpenID Connect client, registered through the admin API with the key the server uses. */
export async function registerRelyingParty(url: string, adminKey: string): Promise<RelyingParty> {
  const admin = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const username = `restart${Date.now()}`;
  const password = 'correct horse battery';
  const user = await admin('/admin/users', { username, password, email: `${username}@example.com` });
  if (user.status !== 201) throw new Error(`POST /admin/users: ${user.status} ${await user.text()}`);
  const res = await admin('/admin/clients', {
    client_name: 'Restart test',
    redirect_uris: [REDIRECT_URI],
    scope: 'openid profile',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    skip_consent: true,
  });
  if (res.status !== 201) throw new Error(`POST /admin/clients: ${res.status} ${await res.text()}`);
  const client = (await res.json()) as { client_id: string; client_secret: string };
  return { clientId: client.client_id, secret: client.client_secret, username, password };
}

/** The code flow with scope openid (nonce "n"): an ID token, verified against the server's JWKS as a relying party does. */
export async function obtainIdToken(url: string, rp: RelyingParty): Promise<{ idToken: string; kid: string }> {
  const pkce = pkcePair();
  const callback = await authorize(
    new UserAgent(url),
    { response_type: 'code', client_id: rp.clientId, redirect_uri: REDIRECT_URI, scope: 'openid profile', state: 's', nonce: 'n', code_challenge: pkce.challenge, code_challenge_method: 'S256' },
    rp,
  );
  const res = await postForm(
    `${url}/oauth/token`,
    { grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier },
    { authorization: basic(rp.clientId, rp.secret) },
  );
  if (res.status !== 200) throw new Error(`token endpoint: ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { id_token: string };
  await verifyIdToken(url, body.id_token, rp.clientId);
  return { idToken: body.id_token, kid: decodeProtectedHeader(body.id_token).kid! };
}

/** Verifies an ID token from obtainIdToken against the JWKS `url` serves now: signature, issuer, audience and nonce. */
export async function verifyIdToken(url: string, jwt: string, audience: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(jwt, createRemoteJWKSet(new URL(`${url}/oauth/jwks`)), { issuer: url, audience });
  if (payload.nonce !== 'n') throw new Error(`nonce ${String(payload.nonce)}, expected "n"`);
  return payload;
}
