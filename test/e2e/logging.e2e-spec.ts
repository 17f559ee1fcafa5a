import { randomBytes } from 'node:crypto';
import { DATABASES, ADMIN_KEY, TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, postForm } from '../support/http';
import { authorize, pkcePair } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

/** Every line the app logged, as written (JSON text). */
function capture(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
}

describe.each(DATABASES)('structured logs (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  const log = capture();

  beforeAll(async () => {
    // debug: the most the server ever writes, framework lines included.
    t = await startApp(databaseUrl, { LOG_LEVEL: 'debug' }, { logDestination: log });
  });
  afterAll(() => t.close());

  it('writes one JSON access line per request with the route pattern, status, duration and client_id', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    log.lines.splice(0);
    const res = await postForm(`${t.url}/oauth/token?code=in-the-query`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, secret!) });
    expect(res.status).toBe(200);
    const lines = log.lines.map((l) => JSON.parse(l));
    const access = lines.filter((l) => l.log === 'access');
    expect(access).toEqual([
      expect.objectContaining({ level: 'info', msg: 'request', method: 'POST', route: '/oauth/token', status: 200, ms: expect.any(Number), client_id: client.client_id }),
    ]);
    expect(JSON.stringify(access)).not.toContain('in-the-query');
    expect(lines.find((l) => l.log === 'audit')).toEqual(
      expect.objectContaining({ audit: 'token.issued', client_id: client.client_id, detail: { grant_type: 'client_credentials', scope: 'profile email', with_refresh_token: false } }),
    );
  });

  it('reports the error code of a refused token request and no credentials', async () => {
    log.lines.splice(0);
    const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic('nobody', 'not-a-secret-value') });
    expect(res.status).toBe(401);
    const access = log.lines.map((l) => JSON.parse(l)).filter((l) => l.log === 'access');
    expect(access).toEqual([expect.objectContaining({ route: '/oauth/token', status: 401, error: 'invalid_client' })]);
    expect(log.lines.join('\n')).not.toContain('not-a-secret-value');
  });

  it('never writes a secret the run handled: passwords, client secrets, codes, verifiers, tokens, cookies, the admin key', async () => {
    const secrets: string[] = [ADMIN_KEY];
    const password = `pw-${randomBytes(12).toString('hex')}`;
    secrets.push(password);
    const { user } = await userFactory.create(t, { password });
    const { client, secret } = await clientFactory.create(t, {
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
      redirect_uris: ['http://127.0.0.1:9/cb'],
    });
    secrets.push(secret!);

    // Code + PKCE through the pages, then refresh.
    const agent = new UserAgent(t.url);
    const pkce = pkcePair();
    secrets.push(pkce.verifier);
    const callback = await authorize(
      agent,
      { response_type: 'code', client_id: client.client_id, redirect_uri: 'http://127.0.0.1:9/cb', state: 'st', code_challenge: pkce.challenge, code_challenge_method: 'S256' },
      { username: user.username, password },
    );
    const code = callback.searchParams.get('code')!;
    secrets.push(code, ...agent.cookies.values());
    const auth = { authorization: basic(client.client_id, secret!) };
    const tokens = await (await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb', code_verifier: pkce.verifier }, auth)).json() as any;
    secrets.push(tokens.access_token, tokens.refresh_token);
    const refreshed = await (await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, auth)).json() as any;
    secrets.push(refreshed.access_token, refreshed.refresh_token);
    // The old refresh token again, then the code again: replays, refused and logged as such.
    expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token }, auth)).status).toBe(400);
    expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/cb', code_verifier: pkce.verifier }, auth)).status).toBe(400);

    const t2 = await (await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, auth)).json() as any;
    secrets.push(t2.access_token);
    // A token in the query string of a page and of the token endpoint.
    await fetch(`${t.url}/oauth/authorize?client_id=${client.client_id}&access_token=${t2.access_token}`, { redirect: 'manual' });
    // Revocation, a bearer call, introspection.
    expect((await postForm(`${t.url}/oauth/revoke`, { token: t2.access_token }, auth)).status).toBe(200);
    await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    await postForm(`${t.url}/oauth/introspect`, { token: tokens.access_token }, auth);
    // A wrong secret, a wrong admin key, a wrong password on the login page.
    const wrongSecret = `wrong-${randomBytes(8).toString('hex')}`;
    secrets.push(wrongSecret);
    expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, wrongSecret) })).status).toBe(401);
    const wrongKey = `wrong-admin-${randomBytes(8).toString('hex')}`;
    secrets.push(wrongKey);
    expect((await fetch(`${t.url}/admin/users`, { headers: { authorization: `Bearer ${wrongKey}` } })).status).toBe(401);
    const wrongPassword = `bad-${randomBytes(8).toString('hex')}`;
    secrets.push(wrongPassword);
    await postForm(`${t.url}/login`, { username: user.username, password: wrongPassword });
    // Rotation of the client secret, and an admin revocation.
    const rotated = await adminRequest(t, 'POST', `/admin/clients/${client.client_id}/secret`);
    secrets.push(rotated.body.client_secret);
    const listed = await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`);
    expect((await adminRequest(t, 'DELETE', `/admin/tokens/${listed.body.data[0].id}`)).status).toBe(204);

    const all = log.lines.join('\n');
    const audited = log.lines.map((l) => JSON.parse(l)).filter((l) => l.log === 'audit').map((l) => l.audit);
    expect(audited).toEqual(
      expect.arrayContaining(['user.created', 'client.created', 'consent.given', 'token.issued', 'refresh_token.replayed', 'code.replayed', 'token.revoked', 'admin.authentication_failed', 'client.secret_rotated']),
    );
    expect(all.length).toBeGreaterThan(1000);
    for (const s of secrets) {
      expect(s.length).toBeGreaterThanOrEqual(16);
      expect({ secret: s, found: all.includes(s) }).toEqual({ secret: s, found: false });
    }
    // Every line is one JSON object.
    for (const line of log.lines) expect(() => JSON.parse(line)).not.toThrow();
    // Nest's route-mapping chatter is debug, never info.
    expect(log.lines.map((l) => JSON.parse(l)).filter((l) => l.context === 'RouterExplorer' && l.level !== 'debug')).toEqual([]);
  });
});
