/**
 * JWT access tokens (RFC 9068) for clients registered with access_token_format "jwt": the claims and
 * header, verification from the JWKS, and that this server still records them, so revocation,
 * introspection and key expiry keep working.
 */
import { SignJWT, generateKeyPair } from 'jose';
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { getProfile, obtainTokens, provision, tokenRequest } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';
import { decodeJwt, decodeProtectedHeader, fetchJwks, verifyWithJwks } from '../support/oidc';

const OVERLAP = 30;
const TTL = 600;

describe.each(DATABASES)('RFC 9068 JWT access tokens (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { KEY_ROTATION_OVERLAP: String(OVERLAP), ACCESS_TOKEN_TTL: String(TTL), ID_TOKEN_TTL: String(TTL) })));
  afterAll(() => t.close());

  const jwtClient = { scope: 'openid profile email', access_token_format: 'jwt' as const, grant_types: ['authorization_code' as const, 'refresh_token' as const] };
  const introspect = async (p: { clientId: string; secret: string | null }, token: string) =>
    (await postForm(`${t.url}/oauth/introspect`, { token }, { authorization: basic(p.clientId, p.secret!) })).json() as Promise<Record<string, unknown>>;

  it('issues an at+jwt with iss, sub, aud, client_id, scope, exp, iat and jti, signed RS256 with the active key', async () => {
    const p = await provision(t, jwtClient);
    const tokens = await obtainTokens(t, p, { scope: 'profile email' });
    const rs256 = (await fetchJwks(t)).keys.find((k) => k.alg === 'RS256')!;
    expect(decodeProtectedHeader(tokens.access_token)).toEqual({ alg: 'RS256', kid: rs256.kid, typ: 'at+jwt' });
    const claims = await verifyWithJwks(t, tokens.access_token, t.url, 'at+jwt');
    const now = t.clock.now();
    expect(claims).toEqual({ iss: t.url, sub: String(p.userId), aud: t.url, client_id: p.clientId, scope: 'profile email', exp: now + TTL, iat: now, jti: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    expect(tokens.expires_in).toBe(TTL);
  });

  it('is accepted by /api/profile and userinfo, introspected as active, and refused by both once revoked', async () => {
    const p = await provision(t, jwtClient);
    const tokens = await obtainTokens(t, p, { scope: 'openid profile' });
    expect(await getProfile(t, tokens.access_token)).toMatchObject({ status: 200, body: { id: p.userId, username: p.username } });
    const info = await fetch(`${t.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(await info.json()).toEqual({ sub: String(p.userId), preferred_username: p.username, name: p.username });
    expect(await introspect(p, tokens.access_token)).toMatchObject({ active: true, client_id: p.clientId, sub: String(p.userId), scope: 'openid profile' });

    const revoked = await postForm(`${t.url}/oauth/revoke`, { token: tokens.access_token }, { authorization: basic(p.clientId, p.secret!) });
    expect(revoked.status).toBe(200);
    const after = await getProfile(t, tokens.access_token);
    expect(after.status).toBe(401);
    expect(after.body).toEqual({ error: 'invalid_token', error_description: 'the access token is invalid, expired or revoked' });
    expect((await fetch(`${t.url}/oauth/userinfo`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(401);
    expect(await introspect(p, tokens.access_token)).toEqual({ active: false });
    // The signature still verifies: only the server's record knows it was revoked.
    await expect(verifyWithJwks(t, tokens.access_token, t.url, 'at+jwt')).resolves.toBeDefined();
  });

  it('refuses a tampered JWT and one signed by a foreign key with our kid', async () => {
    const p = await provision(t, jwtClient);
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const [h, payload, sig] = tokens.access_token.split('.');
    const widened = Buffer.from(JSON.stringify({ ...decodeJwt(tokens.access_token), scope: 'profile email' })).toString('base64url');
    expect((await getProfile(t, `${h}.${widened}.${sig}`)).status).toBe(401);
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await new SignJWT(decodeJwt(tokens.access_token)).setProtectedHeader(decodeProtectedHeader(tokens.access_token) as never).sign(privateKey);
    expect((await getProfile(t, forged)).status).toBe(401);
    expect(payload).toBeTruthy();
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
  });

  it('rotates a JWT on refresh, and gives client_credentials tokens the client as sub', async () => {
    const p = await provision(t, jwtClient);
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(decodeJwt(refreshed.body.access_token)).toMatchObject({ sub: String(p.userId), scope: 'profile', client_id: p.clientId });
    expect((await getProfile(t, refreshed.body.access_token)).status).toBe(200);

    const service = await provision(t, { access_token_format: 'jwt', grant_types: ['client_credentials'], redirect_uris: [], scope: 'profile' });
    const issued = await tokenRequest(t, service, { grant_type: 'client_credentials' });
    expect(decodeJwt(issued.body.access_token)).toMatchObject({ sub: service.clientId, client_id: service.clientId, aud: t.url });
  });

  it('keeps opaque tokens for other clients, and answers the new fields through the admin API', async () => {
    const p = await provision(t, { scope: 'profile' });
    expect((await obtainTokens(t, p)).access_token).toMatch(/^[\w-]{43}$/);
    const patched = await adminRequest(t, 'PATCH', `/admin/clients/${p.clientId}`, { access_token_format: 'jwt' });
    expect(patched.status).toBe(200);
    expect(patched.body.access_token_format).toBe('jwt');
    expect(decodeProtectedHeader((await obtainTokens(t, p)).access_token).typ).toBe('at+jwt');
    const bad = await adminRequest(t, 'PATCH', `/admin/clients/${p.clientId}`, { access_token_format: 'macaroon' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual({ access_token_format: expect.stringContaining('opaque') });
  });

  it('a token signed by a retired key works while the key is published and is refused after the key expired', async () => {
    const p = await provision(t, jwtClient);
    const tokens = await obtainTokens(t, p, { scope: 'profile' });
    const oldKid = decodeProtectedHeader(tokens.access_token).kid;
    await adminRequest(t, 'POST', '/admin/keys/rotate');
    t.clock.advance(OVERLAP);
    const fresh = await obtainTokens(t, p, { scope: 'profile' });
    expect(decodeProtectedHeader(fresh.access_token).kid).not.toBe(oldKid);
    // Retired, still published: the old token verifies until it expires.
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
    t.clock.advance(TTL);
    expect((await fetchJwks(t)).keys.map((k) => k.kid)).not.toContain(oldKid);
    expect((await getProfile(t, tokens.access_token)).status).toBe(401);
    expect(await introspect(p, tokens.access_token)).toEqual({ active: false });
  });
});

describe('RFC 9068 audience from RESOURCE_AUDIENCE', () => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp('sqlite::memory:', { RESOURCE_AUDIENCE: 'https://api.example.com' })));
  afterAll(() => t.close());

  it('uses the configured audience, and the protected resource accepts it', async () => {
    const p = await provision(t, { access_token_format: 'jwt', scope: 'profile' });
    const tokens = await obtainTokens(t, p);
    expect(decodeJwt(tokens.access_token).aud).toBe('https://api.example.com');
    expect((await getProfile(t, tokens.access_token)).status).toBe(200);
  });
});
