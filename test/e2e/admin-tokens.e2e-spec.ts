import { TokensService } from '../../src/tokens/tokens.service';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('admin tokens API (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  let tokens: TokensService;
  beforeAll(async () => {
    t = await startApp(databaseUrl, { ACCESS_TOKEN_TTL: '600', REFRESH_TOKEN_TTL_FACTOR: '3' });
    tokens = t.app.get(TokensService);
  });
  afterAll(() => t.close());

  /** Issues a token and reads its row id back (issuance does not return one: inserts are grouped). */
  async function issue(input: Parameters<TokensService['issue']>[0]) {
    const issued = await tokens.issue(input);
    return { ...issued, id: (await tokens.findByAccessToken(issued.accessToken))!.id };
  }

  it('lists token metadata with state, never token values or hashes', async () => {
    const { user } = await userFactory.create(t);
    const { client } = await clientFactory.create(t);
    const issuedAt = t.clock.now();
    const issued = await issue({ clientId: client.client_id, userId: user.id, scope: 'profile email', withRefreshToken: true });

    const res = await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toEqual({
      data: [
        {
          id: issued.id,
          client_id: client.client_id,
          user_id: user.id,
          token_type: 'Bearer',
          scope: 'profile email',
          issued_at: issuedAt,
          expires_at: issuedAt + 600,
          active: true,
          revoked: false,
          access_token_state: 'active',
          access_token_revoked_at: null,
          has_refresh_token: true,
          refresh_token_expires_at: issuedAt + 1800,
          refresh_token_state: 'active',
          refresh_token_revoked_at: null,
          parent_id: null,
        },
      ],
      total: 1,
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(issued.accessToken);
    expect(text).not.toContain(issued.refreshToken!);
    expect(text).not.toMatch(/hash/);
  });

  it('shows a client_credentials token without user or refresh token', async () => {
    const { client } = await clientFactory.create(t, { grant_types: ['client_credentials'] });
    await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
    const res = await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`);
    expect(res.body.data[0]).toMatchObject({ user_id: null, has_refresh_token: false, refresh_token_expires_at: null, refresh_token_state: null });
  });

  it('reports expiry from the clock', async () => {
    const { client } = await clientFactory.create(t);
    await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
    t.clock.advance(601);
    try {
      const [row] = (await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`)).body.data;
      expect(row).toMatchObject({ active: false, revoked: false, access_token_state: 'expired', refresh_token_state: 'active' });
    } finally {
      t.clock.advance(-601);
    }
  });

  it('filters by client_id and user_id, and pages', async () => {
    const { user: alice } = await userFactory.create(t);
    const { user: bob } = await userFactory.create(t);
    const { client: a } = await clientFactory.create(t);
    const { client: b } = await clientFactory.create(t);
    const ids = [];
    for (const [client, user] of [[a, alice], [a, bob], [b, alice], [a, alice]] as const) {
      ids.push((await issue({ clientId: client.client_id, userId: user.id, scope: 'profile', withRefreshToken: false })).id);
    }
    const byUser = await adminRequest(t, 'GET', `/admin/tokens?user_id=${alice.id}`);
    expect(byUser.body.total).toBe(3);
    expect(byUser.body.data.map((r: { id: number }) => r.id)).toEqual([ids[0], ids[2], ids[3]]);

    const both = await adminRequest(t, 'GET', `/admin/tokens?client_id=${a.client_id}&user_id=${alice.id}`);
    expect(both.body.data.map((r: { id: number }) => r.id)).toEqual([ids[0], ids[3]]);
    expect(both.body.total).toBe(2);

    const page = await adminRequest(t, 'GET', `/admin/tokens?client_id=${a.client_id}&limit=1&offset=1`);
    expect(page.body.data.map((r: { id: number }) => r.id)).toEqual([ids[1]]);
    expect(page.body.total).toBe(3);

    const unknown = await adminRequest(t, 'GET', '/admin/tokens?client_id=nobody');
    expect(unknown.body).toEqual({ data: [], total: 0 });
  });

  it.each([
    ['user_id=abc', 'user_id', 'must be an integer number'],
    ['limit=201', 'limit', 'must not be greater than 200'],
    ['token=x', 'token', 'is not a known field'],
  ])('answers 400 for ?%s', async (query, field, reason) => {
    const res = await adminRequest(t, 'GET', `/admin/tokens?${query}`);
    expect(res.status).toBe(400);
    expect(res.body.fields).toEqual({ [field]: reason });
  });

  describe('DELETE /admin/tokens/:id', () => {
    it('revokes the access token and the refresh token, and stays idempotent', async () => {
      const { client } = await clientFactory.create(t);
      const issued = await issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: true });
      const res = await adminRequest(t, 'DELETE', `/admin/tokens/${issued.id}`);
      expect(res.status).toBe(204);
      expect(res.body).toBeNull();

      const [row] = (await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`)).body.data;
      expect(row).toMatchObject({
        active: false,
        revoked: true,
        access_token_state: 'revoked',
        access_token_revoked_at: t.clock.now(),
        refresh_token_state: 'revoked',
        refresh_token_revoked_at: t.clock.now(),
      });
      const stored = await tokens.findByAccessToken(issued.accessToken);
      expect(tokens.accessTokenState(stored!)).toBe('revoked');
      expect(tokens.refreshTokenState((await tokens.findByRefreshToken(issued.refreshToken!))!)).toBe('revoked');

      expect((await adminRequest(t, 'DELETE', `/admin/tokens/${issued.id}`)).status).toBe(204);
    });

    it('answers 404 for an unknown id and 400 for a non-numeric one', async () => {
      const missing = await adminRequest(t, 'DELETE', '/admin/tokens/999999');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'token 999999 not found' });
      const bad = await adminRequest(t, 'DELETE', '/admin/tokens/abc');
      expect(bad.status).toBe(400);
      expect(bad.body.fields).toEqual({ id: 'must be an integer number' });
    });
  });

  it('deleting a user deletes their tokens', async () => {
    const { user } = await userFactory.create(t);
    const { client } = await clientFactory.create(t);
    await tokens.issue({ clientId: client.client_id, userId: user.id, scope: 'profile', withRefreshToken: true });
    await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
    expect((await adminRequest(t, 'GET', `/admin/tokens?user_id=${user.id}`)).body.total).toBe(1);

    expect((await adminRequest(t, 'DELETE', `/admin/users/${user.id}`)).status).toBe(204);
    expect((await adminRequest(t, 'GET', `/admin/tokens?user_id=${user.id}`)).body).toEqual({ data: [], total: 0 });
    // The client's token without a user stays, and so does the client.
    expect((await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`)).body.total).toBe(1);
    expect((await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`)).status).toBe(200);
  });
});
