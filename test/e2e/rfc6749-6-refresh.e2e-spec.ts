/**
 * RFC 6749 §6 Refreshing an Access Token, with rotation and replay detection (RFC 9700 §4.14.2):
 * every use returns a new refresh token, a rotated one is refused and revokes its family.
 * Lifetimes: a refresh token works until issued_at + REFRESH_TOKEN_TTL_FACTOR × ACCESS_TOKEN_TTL.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { AdminProvisioned, getProfile, obtainTokens, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';

const ERROR_BODY = (error: string) => ({ error, error_description: expect.any(String) });
const TOKEN_BODY = (scope: string) => ({
  access_token: expect.any(String),
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: expect.any(String),
  scope,
});

describe.each(DATABASES)('RFC 6749 §6 refresh (%s)', (_name, db) => {
  let t: TestApp;
  let p: AdminProvisioned;
  beforeAll(async () => {
    t = await startApp(db);
    p = await provisionThroughAdmin(t);
  });
  afterAll(() => t.close());

  const refresh = (refreshToken: string, extra: Record<string, string> = {}, who: AdminProvisioned = p) =>
    tokenRequest(t, who, { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra });

  async function expectInvalidGrant(res: { status: number; body: unknown; headers: Headers }) {
    expect(res.status).toBe(400);
    expect(res.body).toEqual(ERROR_BODY('invalid_grant'));
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
  }

  it('rotates: each refresh answers a new access and refresh token, with no-store', async () => {
    const first = await obtainTokens(t, p);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(TOKEN_BODY('profile email'));
    expect(second.headers.get('cache-control')).toBe('no-store');
    expect(second.headers.get('pragma')).toBe('no-cache');
    expect(second.body.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.access_token).not.toBe(first.access_token);
    const third = await refresh(second.body.refresh_token);
    expect(third.status).toBe(200);
    expect(third.body.refresh_token).not.toBe(second.body.refresh_token);
    expect((await getProfile(t, third.body.access_token)).status).toBe(200);
    const issued = await adminRequest(t, 'GET', `/admin/events?type=token.issued&client_id=${p.clientId}&limit=1`);
    expect(issued.body.data[0]).toMatchObject({ user_id: p.userId, ip: '127.0.0.1', detail: { grant_type: 'refresh_token' } });
  });

  it('refuses a rotated refresh token with invalid_grant', async () => {
    const first = await obtainTokens(t, p);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    await expectInvalidGrant(await refresh(first.refresh_token));
  });

  it('revokes the whole family when a rotated refresh token is replayed: the newest access and refresh tokens stop working', async () => {
    const first = await obtainTokens(t, p);
    const second = (await refresh(first.refresh_token)).body;
    const third = (await refresh(second.refresh_token)).body;
    expect((await getProfile(t, third.access_token)).status).toBe(200);

    await expectInvalidGrant(await refresh(first.refresh_token));
    const replayed = await adminRequest(t, 'GET', `/admin/events?type=refresh_token.replayed&client_id=${p.clientId}&limit=1`);
    expect(replayed.body.data[0]).toMatchObject({ user_id: p.userId, ip: '127.0.0.1', detail: { token_id: expect.any(Number) } });

    const profile = await getProfile(t, third.access_token);
    expect(profile.status).toBe(401);
    expect(profile.body).toEqual(ERROR_BODY('invalid_token'));
    expect(profile.headers.get('www-authenticate')).toBe(`Bearer realm="gatehouse", error="invalid_token", error_description="the access token is invalid, expired or revoked", resource_metadata="${t.url}/.well-known/oauth-protected-resource/api/profile"`);
    await expectInvalidGrant(await refresh(third.refresh_token));
  });

  it('leaves other families of the same user and client alone on a replay', async () => {
    const mine = await obtainTokens(t, p);
    const other = await obtainTokens(t, p);
    expect((await refresh(mine.refresh_token)).status).toBe(200);
    await expectInvalidGrant(await refresh(mine.refresh_token));
    expect((await getProfile(t, other.access_token)).status).toBe(200);
    expect((await refresh(other.refresh_token)).status).toBe(200);
  });

  it('answers exactly one of 10 concurrent rotations of one refresh token with 200; the replays revoke the winner too', async () => {
    const first = await obtainTokens(t, p);
    const results = await Promise.all(Array.from({ length: 10 }, () => refresh(first.refresh_token)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) await expectInvalidGrant(r);
    await expectInvalidGrant(await refresh(ok[0].body.refresh_token));
  });

  it('narrows the scope on request: the new access token has only the asked scope', async () => {
    const first = await obtainTokens(t, p);
    const narrowed = await refresh(first.refresh_token, { scope: 'profile' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toEqual(TOKEN_BODY('profile'));
    const profile = await getProfile(t, narrowed.body.access_token);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ id: p.userId, username: p.username });
  });

  it('keeps the original scope on the rotated refresh token after a narrower request (§6: the refresh token scope MUST be identical)', async () => {
    const first = await obtainTokens(t, p);
    const narrowed = await refresh(first.refresh_token, { scope: 'profile' });
    expect(narrowed.status).toBe(200);
    const omitted = await refresh(narrowed.body.refresh_token);
    expect(omitted.status).toBe(200);
    expect(omitted.body).toEqual(TOKEN_BODY('profile email'));
    const asked = await refresh(omitted.body.refresh_token, { scope: 'email profile' });
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual(TOKEN_BODY('email profile'));
  });

  it('refuses a scope wider than the original grant with invalid_scope, and the refresh token stays usable', async () => {
    const first = await obtainTokens(t, p, { scope: 'profile' });
    const wider = await refresh(first.refresh_token, { scope: 'profile email' });
    expect(wider.status).toBe(400);
    expect(wider.body).toEqual(ERROR_BODY('invalid_scope'));
    expect((await refresh(first.refresh_token)).body).toEqual(TOKEN_BODY('profile'));
  });

  describe('after the operator narrows the client\'s registered scope', () => {
    const narrow = (who: AdminProvisioned, scope: string) => adminRequest(t, 'PATCH', `/admin/clients/${who.clientId}`, { scope });

    it('returns only the scopes the client still has, on this and every later refresh', async () => {
      const who = await provisionThroughAdmin(t);
      const first = await obtainTokens(t, who);
      expect(first.scope).toBe('profile email');
      expect((await narrow(who, 'profile')).status).toBe(200);
      const second = await refresh(first.refresh_token, {}, who);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(TOKEN_BODY('profile'));
      const third = await refresh(second.body.refresh_token, {}, who);
      expect(third.body).toEqual(TOKEN_BODY('profile'));
      expect((await getProfile(t, third.body.access_token)).body).toEqual({ id: who.userId, username: who.username });
    });

    it('refuses an explicit request for a scope the client lost with invalid_scope, and the refresh token stays usable', async () => {
      const who = await provisionThroughAdmin(t);
      const first = await obtainTokens(t, who);
      await narrow(who, 'profile');
      for (const scope of ['email', 'profile email']) {
        const res = await refresh(first.refresh_token, { scope }, who);
        expect({ scope, status: res.status, body: res.body }).toEqual({ scope, status: 400, body: ERROR_BODY('invalid_scope') });
        expect(res.headers.get('cache-control')).toBe('no-store');
      }
      expect((await refresh(first.refresh_token, { scope: 'profile' }, who)).body).toEqual(TOKEN_BODY('profile'));
    });

    it('refuses the refresh with invalid_scope when none of the granted scopes is left', async () => {
      const who = await provisionThroughAdmin(t);
      const first = await obtainTokens(t, who, { scope: 'email' });
      await narrow(who, 'profile');
      const res = await refresh(first.refresh_token, {}, who);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: 'none of the granted scopes is still allowed for this client' });
    });

    it('gives the original scope back once the operator widens the client again', async () => {
      const who = await provisionThroughAdmin(t);
      const first = await obtainTokens(t, who);
      await narrow(who, 'profile');
      const second = await refresh(first.refresh_token, {}, who);
      await narrow(who, 'profile email');
      expect((await refresh(second.body.refresh_token, {}, who)).body).toEqual(TOKEN_BODY('profile email'));
    });
  });

  it('refuses an unknown scope with invalid_scope', async () => {
    const first = await obtainTokens(t, p);
    const res = await refresh(first.refresh_token, { scope: 'profile admin' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(ERROR_BODY('invalid_scope'));
  });

  it("refuses another client's refresh token with invalid_grant, and it stays usable by its client", async () => {
    const other = await provisionThroughAdmin(t);
    const first = await obtainTokens(t, p);
    await expectInvalidGrant(await refresh(first.refresh_token, {}, other));
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it('refuses an unknown refresh token with invalid_grant', async () => {
    await expectInvalidGrant(await refresh('not-a-refresh-token'));
  });

  it('refuses an access token presented as a refresh token with invalid_grant', async () => {
    const first = await obtainTokens(t, p);
    await expectInvalidGrant(await refresh(first.access_token));
  });

  it('refuses a missing refresh_token with invalid_request', async () => {
    const res = await tokenRequest(t, p, { grant_type: 'refresh_token' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(ERROR_BODY('invalid_request'));
  });

  it('refuses a refresh token revoked at the revocation endpoint with invalid_grant', async () => {
    const first = await obtainTokens(t, p);
    const revoked = await postForm(`${t.url}/oauth/revoke`, { token: first.refresh_token }, { authorization: basic(p.clientId, p.secret!) });
    expect(revoked.status).toBe(200);
    await expectInvalidGrant(await refresh(first.refresh_token));
  });

  it('refuses the refresh_token grant to a client not registered for it with unauthorized_client', async () => {
    const noRefresh = await provisionThroughAdmin(t, { grant_types: ['authorization_code'] });
    const first = await obtainTokens(t, p);
    const res = await refresh(first.refresh_token, {}, noRefresh);
    expect(res.status).toBe(400);
    expect(res.body).toEqual(ERROR_BODY('unauthorized_client'));
  });

  it('rotates for a public client authenticating with client_id alone', async () => {
    const pub = await provisionThroughAdmin(t, { token_endpoint_auth_method: 'none' });
    const first = await obtainTokens(t, pub);
    const res = await refresh(first.refresh_token, {}, pub);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(TOKEN_BODY('profile email'));
  });

  it('accepts a refresh token one second before issued_at + REFRESH_TOKEN_TTL_FACTOR × ACCESS_TOKEN_TTL', async () => {
    const first = await obtainTokens(t, p);
    t.clock.advance(t.config.refreshTokenTtlFactor * t.config.accessTokenTtl - 1);
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it('refuses a refresh token at issued_at + REFRESH_TOKEN_TTL_FACTOR × ACCESS_TOKEN_TTL with invalid_grant', async () => {
    const first = await obtainTokens(t, p);
    t.clock.advance(t.config.refreshTokenTtlFactor * t.config.accessTokenTtl);
    await expectInvalidGrant(await refresh(first.refresh_token));
  });

  it('leaves the previous access token valid until its own expiry after a rotation (current behaviour: rotation does not revoke it)', async () => {
    const first = await obtainTokens(t, p);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    expect((await getProfile(t, first.access_token)).status).toBe(200);
    t.clock.advance(t.config.accessTokenTtl);
    const expired = await getProfile(t, first.access_token);
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual(ERROR_BODY('invalid_token'));
  });

});
