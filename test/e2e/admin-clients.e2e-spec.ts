import { Db } from '../../src/database/db';
import { TokensService } from '../../src/tokens/tokens.service';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { adminRequest } from '../factories/admin-request';
import { clientFactory, DEFAULT_REDIRECT_URI } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

describe.each(DATABASES)('admin clients API (%s)', (_name, databaseUrl) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp(databaseUrl);
  });
  afterAll(() => t.close());

  const post = (body: unknown) => adminRequest(t, 'POST', '/admin/clients', body);

  describe('POST /admin/clients', () => {
    it('registers a confidential client and answers its metadata with the secret', async () => {
      const metadata = clientFactory.build({ client_name: 'Confidential', skip_consent: true, contacts: ['ops@example.com'] });
      const res = await post(metadata);
      expect(res.status).toBe(201);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body).toEqual({
        client_id: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        client_id_issued_at: t.clock.now(),
        client_secret_expires_at: 0,
        client_name: 'Confidential',
        client_uri: 'https://client.example.com',
        contacts: ['ops@example.com'],
        scope: 'profile email',
        redirect_uris: [DEFAULT_REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        skip_consent: true,
        introspection: false,
        allowed_cors_origins: [],
        post_logout_redirect_uris: [],
        access_token_format: 'opaque',
        id_token_signed_response_alg: 'RS256',
        user_id: null,
        vetted: true,
      });
    });

    it('registers a public client without a secret', async () => {
      const res = await post(clientFactory.build({ token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/callback', 'com.example.app:/oauth'] }));
      expect(res.status).toBe(201);
      expect(res.body).not.toHaveProperty('client_secret');
      expect(res.body.token_endpoint_auth_method).toBe('none');
      expect(res.body.redirect_uris).toEqual(['http://127.0.0.1/callback', 'com.example.app:/oauth']);
    });

    it('applies the RFC 7591 defaults to a minimal document', async () => {
      const res = await post({ client_name: 'Minimal', redirect_uris: ['https://app.example.com/cb'] });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        scope: 'profile',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        skip_consent: false,
        introspection: false,
      });
      expect(res.body.client_uri).toBeUndefined();
    });

    it('registers a client_credentials client without redirect URIs, and a resource server with introspection', async () => {
      const res = await post({ client_name: 'Service', grant_types: ['client_credentials'], introspection: true });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], introspection: true });
      expect(typeof res.body.client_secret).toBe('string');
    });

    it('accepts loopback http redirect URIs (RFC 8252 §7.3)', async () => {
      const uris = ['http://127.0.0.1:8080/cb', 'http://[::1]/cb', 'http://localhost:3000/cb'];
      const res = await post(clientFactory.build({ redirect_uris: uris }));
      expect(res.status).toBe(201);
      expect(res.body.redirect_uris).toEqual(uris);
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await post('{"client_name": "x",');
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request', fields: { body: expect.stringMatching(/not valid JSON/) } });
    });

    it('answers 400 naming each field of the wrong type', async () => {
      const res = await post({
        client_name: 7,
        redirect_uris: 'https://app.example.com/cb',
        grant_types: 'authorization_code',
        skip_consent: 'yes',
        introspection: 1,
        contacts: [5],
        scope: ['profile'],
        token_endpoint_auth_method: 'tls_client_auth',
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: expect.any(Array),
        fields: {
          client_name: 'must be a string',
          redirect_uris: 'must be an array',
          grant_types: 'must be an array',
          skip_consent: 'must be a boolean value',
          introspection: 'must be a boolean value',
          contacts: 'each value in contacts must be a string',
          scope: 'must be a string',
          token_endpoint_auth_method: 'must be one of the following values: client_secret_basic, client_secret_post, none, private_key_jwt',
        },
      });
      expect(res.body.message).toHaveLength(8);
      expect(res.body.message).toContain('client_name: must be a string');
    });

    it('answers 400 for a missing client_name', async () => {
      const { client_name: _, ...rest } = clientFactory.build();
      const res = await post(rest);
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ client_name: 'must be a string' });
    });

    it('answers 400 for an unknown field, and for client_secret or client_id in the body', async () => {
      const res = await post({ ...clientFactory.build(), client_secret: 'mine', client_id: 'mine', sector_identifier_uri: 'https://x' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ client_secret: 'is not a known field', client_id: 'is not a known field', sector_identifier_uri: 'is not a known field' });
    });

    it.each([
      ['an unknown grant type', { grant_types: ['urn:ietf:params:oauth:grant-type:saml2-bearer'] }, 'grant_types', 'each value in grant_types must be one of the following values: authorization_code, implicit, password, client_credentials, refresh_token, urn:ietf:params:oauth:grant-type:device_code'],
      ['an unknown response type', { response_types: ['code id_token'] }, 'response_types', 'each value in response_types must be one of the following values: code, token, id_token, id_token token'],
      ['a client_name over 200 characters', { client_name: 'n'.repeat(201) }, 'client_name', 'must be shorter than or equal to 200 characters'],
      ['a client_uri over 2000 characters', { client_uri: `https://app.example.com/${'a'.repeat(2000)}` }, 'client_uri', 'must be shorter than or equal to 2000 characters'],
      ['a redirect URI over 2000 characters', { redirect_uris: [`https://app.example.com/${'a'.repeat(2000)}`] }, 'redirect_uris', 'each value in redirect_uris must be shorter than or equal to 2000 characters'],
      ['21 redirect URIs', { redirect_uris: Array.from({ length: 21 }, (_, i) => `https://app.example.com/cb${i}`) }, 'redirect_uris', 'must contain no more than 20 elements'],
      ['a redirect URI that is not a string', { redirect_uris: [42] }, 'redirect_uris', 'each value in redirect_uris must be a string'],
      ['an empty client_name', { client_name: '   ' }, 'client_name', 'must not be empty'],
      ['a relative redirect URI', { redirect_uris: ['/callback'] }, 'redirect_uris', '"/callback" must be an absolute URI'],
      ['a redirect URI with a fragment', { redirect_uris: ['https://app.example.com/cb#frag'] }, 'redirect_uris', '"https://app.example.com/cb#frag" must not contain a fragment'],
      ['an http redirect URI on a public host', { redirect_uris: ['http://app.example.com/cb'] }, 'redirect_uris', '"http://app.example.com/cb" must use https (http only on a loopback host)'],
      ['a javascript: redirect URI', { redirect_uris: ['javascript:alert(1)'] }, 'redirect_uris', '"javascript:alert(1)" scheme javascript: is not allowed'],
      ['a data: redirect URI', { redirect_uris: ['data:text/html,hi'] }, 'redirect_uris', '"data:text/html,hi" scheme data: is not allowed'],
      ['a redirect URI with user information', { redirect_uris: ['https://user:pass@app.example.com/cb'] }, 'redirect_uris', '"https://user:pass@app.example.com/cb" must not contain user information'],
      ['a private-use scheme that is not a reverse domain', { redirect_uris: ['myapp:/cb'] }, 'redirect_uris', '"myapp:/cb" a private-use scheme must be a reverse domain name (e.g. com.example.app:/cb)'],
      ['no redirect URI with authorization_code', { redirect_uris: [] }, 'redirect_uris', 'at least one redirect URI is required for the authorization_code and implicit grants'],
      ['code without authorization_code', { grant_types: ['implicit'], response_types: ['code', 'token'] }, 'response_types', 'response type "code" and grant type "authorization_code" go together'],
      ['token without implicit', { grant_types: ['authorization_code'], response_types: ['code', 'token'] }, 'response_types', 'response type "token" and grant type "implicit" go together'],
      ['authorization_code without code', { grant_types: ['authorization_code'], response_types: ['token'] }, 'response_types', 'response type "code" and grant type "authorization_code" go together'],
      ['no grant type', { grant_types: [], response_types: [] }, 'grant_types', 'at least one grant type is required'],
      ['a public client with client_credentials', { token_endpoint_auth_method: 'none', grant_types: ['client_credentials'], response_types: [] }, 'grant_types', 'a public client (token_endpoint_auth_method "none") may not use client_credentials'],
      ['an unknown scope', { scope: 'profile admin' }, 'scope', 'unknown scope "admin" (supported: openid profile email)'],
      ['an ftp client_uri', { client_uri: 'ftp://example.com' }, 'client_uri', 'must be an http(s) URL'],
      ['a relative logo_uri', { logo_uri: '/logo.png' }, 'logo_uri', 'must be an absolute URL'],
    ])('answers 400 for %s', async (_case, override, field, reason) => {
      const res = await post({ ...clientFactory.build(), ...override });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, error: 'Bad Request', message: [`${field}: ${reason}`], fields: { [field]: reason } });
    });

    it('names every bad field of a document at once', async () => {
      const res = await post({ client_name: '', redirect_uris: ['http://evil.example/cb'], scope: 'nope', tos_uri: 'mailto:x@example.com' });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.fields).sort()).toEqual(['client_name', 'redirect_uris', 'scope', 'tos_uri']);
    });

    it('stores nothing when refused', async () => {
      const before = (await adminRequest(t, 'GET', '/admin/clients')).body.total;
      await post({ ...clientFactory.build(), redirect_uris: ['https://app.example.com/cb#x'] });
      expect((await adminRequest(t, 'GET', '/admin/clients')).body.total).toBe(before);
    });
  });

  describe('the client secret', () => {
    it('is shown once: GET and the listing never show it', async () => {
      const { client, secret } = await clientFactory.create(t);
      expect(secret).toEqual(expect.any(String));
      const one = await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`);
      expect(one.status).toBe(200);
      const { client_secret: _, ...withoutSecret } = client;
      expect(one.body).toEqual(withoutSecret);
      const list = await adminRequest(t, 'GET', '/admin/clients?limit=200');
      expect(JSON.stringify(list.body)).not.toContain(secret);
      expect(JSON.stringify(list.body)).not.toContain('client_secret"');
      expect(JSON.stringify(list.body)).not.toMatch(/_hash/);
    });

    it('rotates: POST /admin/clients/:client_id/secret answers a new secret, once', async () => {
      const { client, secret } = await clientFactory.create(t);
      const res = await adminRequest(t, 'POST', `/admin/clients/${client.client_id}/secret`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const { client_secret: _, ...withoutSecret } = client;
      expect(res.body).toEqual({ ...withoutSecret, client_secret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
      expect(res.body.client_secret).not.toBe(secret);
      expect((await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`)).body).toEqual(withoutSecret);
    });

    it('makes the old secret stop working and the new one work', async () => {
      const { ClientsService } = await import('../../src/clients/clients.service');
      const clients = t.app.get(ClientsService);
      const { client, secret } = await clientFactory.create(t);
      expect(await clients.authenticate(client.client_id, secret!)).not.toBeNull();
      const rotated = (await adminRequest(t, 'POST', `/admin/clients/${client.client_id}/secret`)).body.client_secret;
      expect(await clients.authenticate(client.client_id, secret!)).toBeNull();
      expect((await clients.authenticate(client.client_id, rotated))?.clientId).toBe(client.client_id);
    });

    it('cannot be rotated for a public client: 409', async () => {
      const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none' });
      const res = await adminRequest(t, 'POST', `/admin/clients/${client.client_id}/secret`);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'a public client (token_endpoint_auth_method "none") has no secret to rotate' });
    });

    it('cannot be rotated for an unknown client: 404', async () => {
      const res = await adminRequest(t, 'POST', '/admin/clients/no-such-client/secret');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'client not found' });
    });
  });

  describe('GET /admin/clients/:client_id', () => {
    it('answers 404 for an unknown client_id', async () => {
      const res = await adminRequest(t, 'GET', '/admin/clients/unknown');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ statusCode: 404, error: 'Not Found', message: 'client not found' });
    });
  });

  describe('PATCH /admin/clients/:client_id', () => {
    it('replaces the given fields and keeps the others', async () => {
      const { client } = await clientFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { client_name: 'Renamed', skip_consent: true });
      expect(res.status).toBe(200);
      const { client_secret: _, ...withoutSecret } = client;
      expect(res.body).toEqual({ ...withoutSecret, client_name: 'Renamed', skip_consent: true });
      expect((await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`)).body).toEqual(res.body);
    });

    it('re-derives response_types when only grant_types change', async () => {
      const { client } = await clientFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { grant_types: ['client_credentials'] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ grant_types: ['client_credentials'], response_types: [] });
    });

    it('answers 400 and changes nothing when the result is invalid', async () => {
      const { client } = await clientFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { redirect_uris: ['http://evil.example/cb'] });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ redirect_uris: '"http://evil.example/cb" must use https (http only on a loopback host)' });
      expect((await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`)).body.redirect_uris).toEqual(client.redirect_uris);
    });

    it('answers 400 for a public client with client_credentials', async () => {
      const { client } = await clientFactory.create(t, { grant_types: ['client_credentials'] });
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { token_endpoint_auth_method: 'none' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ grant_types: 'a public client (token_endpoint_auth_method "none") may not use client_credentials' });
    });

    it('answers 400 for an unknown field, null or a wrong type', async () => {
      const { client } = await clientFactory.create(t);
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { client_name: null, redirect_uris: [1], owner: 'me' });
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ owner: 'is not a known field', client_name: 'must be a string', redirect_uris: 'each value in redirect_uris must be a string' });
    });

    it('issues a secret, once, when a public client becomes confidential', async () => {
      const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none' });
      const res = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { token_endpoint_auth_method: 'client_secret_post' });
      expect(res.status).toBe(200);
      expect(res.body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const again = await adminRequest(t, 'PATCH', `/admin/clients/${client.client_id}`, { client_name: 'Again' });
      expect(again.body).not.toHaveProperty('client_secret');
    });

    it('answers 404 for an unknown client_id', async () => {
      const res = await adminRequest(t, 'PATCH', '/admin/clients/unknown', { client_name: 'x' });
      expect(res.status).toBe(404);
      expect(res.body.message).toBe('client not found');
    });
  });

  describe('DELETE /admin/clients/:client_id', () => {
    it('answers 204 and deletes the client with its codes and tokens', async () => {
      const { user } = await userFactory.create(t);
      const { client } = await clientFactory.create(t);
      const { client: other } = await clientFactory.create(t);
      const tokens = t.app.get(TokensService);
      const db = t.app.get(Db);
      await tokens.issue({ clientId: client.client_id, userId: user.id, scope: 'profile', withRefreshToken: true });
      await tokens.issue({ clientId: client.client_id, userId: null, scope: 'profile', withRefreshToken: false });
      await tokens.issue({ clientId: other.client_id, userId: user.id, scope: 'profile', withRefreshToken: false });
      await insertCode(db, client.client_id, user.id);

      const res = await adminRequest(t, 'DELETE', `/admin/clients/${client.client_id}`);
      expect(res.status).toBe(204);
      expect(res.body).toBeNull();
      expect((await adminRequest(t, 'GET', `/admin/clients/${client.client_id}`)).status).toBe(404);
      expect(await count(db, 'oauth2_token', client.client_id)).toBe(0);
      expect(await count(db, 'oauth2_code', client.client_id)).toBe(0);
      expect(await count(db, 'oauth2_token', other.client_id)).toBe(1);
      expect((await adminRequest(t, 'GET', `/admin/tokens?client_id=${client.client_id}`)).body).toEqual({ data: [], total: 0 });
    });

    it('answers 404 for an unknown client_id', async () => {
      expect((await adminRequest(t, 'DELETE', '/admin/clients/unknown')).status).toBe(404);
    });
  });

  describe('GET /admin/clients', () => {
    it('pages with limit and offset and reports the total', async () => {
      const created = [];
      for (let i = 0; i < 3; i++) {
        const { client } = await clientFactory.create(t);
        const { client_secret: _, ...withoutSecret } = client;
        created.push(withoutSecret);
      }
      const { total } = (await adminRequest(t, 'GET', '/admin/clients?limit=1')).body;
      const page = await adminRequest(t, 'GET', `/admin/clients?limit=2&offset=${total - 3}`);
      expect(page.status).toBe(200);
      expect(page.body).toEqual({ data: created.slice(0, 2), total });
      expect((await adminRequest(t, 'GET', `/admin/clients?offset=${total - 1}`)).body).toEqual({ data: [created[2]], total });
    });

    it('answers 400 for a limit over 200', async () => {
      const res = await adminRequest(t, 'GET', '/admin/clients?limit=1000');
      expect(res.status).toBe(400);
      expect(res.body.fields).toEqual({ limit: 'must not be greater than 200' });
    });
  });
});

async function insertCode(db: Db, clientId: string, userId: number): Promise<void> {
  await db.execute(
    'INSERT INTO oauth2_code (code_hash, client_id, user_id, redirect_uri, redirect_uri_sent, scope, auth_time, expires_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [`hash-${clientId}`.slice(0, 64), clientId, userId, DEFAULT_REDIRECT_URI, true, 'profile', 1, 2],
  );
}

async function count(db: Db, table: 'oauth2_token' | 'oauth2_code', clientId: string): Promise<number> {
  const [row] = await db.query<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${table} WHERE client_id = ?`, [clientId]);
  return Number(row.n);
}
