/**
 * RFC 6749 §4.4 Client Credentials Grant: a confidential client trades its own credentials for an
 * access token — no user, and no refresh token (§4.4.3).
 */
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { basic } from '../support/http';
import { ServerMetadata, discover, getWithBearer, postFormJson, expectNoStoreJson, TOKEN } from '../support/discovery';
import { ClientInput, clientFactory } from '../factories/client.factory';
import { adminRequest } from '../factories/admin-request';

describe.each(DATABASES)('RFC 6749 §4.4 client credentials grant (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db);
    meta = await discover(t);
  });
  afterAll(() => t.close());

  async function setup(overrides: Partial<ClientInput> = {}) {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [], ...overrides });
    return { clientId: client.client_id, secret: secret!, auth: { authorization: basic(client.client_id, secret!) } };
  }

  it('issues an access token with the registered scope and no refresh token', async () => {
    const { auth } = await setup();
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, scope: 'profile email' });
    expectNoStoreJson(res.headers);
  });

  it('issues no refresh token even to a client also registered for refresh_token (§4.4.3)', async () => {
    const { auth } = await setup({ grant_types: ['client_credentials', 'refresh_token'] });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, scope: 'profile email' });
  });

  it('narrows the token to the requested scope', async () => {
    const { auth } = await setup();
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', scope: 'email' }, auth);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, scope: 'email' });
  });

  it('answers invalid_scope for an unknown or unregistered scope, never dropping it', async () => {
    const { auth } = await setup({ scope: 'profile' });
    for (const scope of ['admin', 'email', 'profile email', 'profile admin']) {
      const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', scope }, auth);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'invalid_scope', error_description: 'the requested scope is unknown or exceeds what was granted to this client' });
      expectNoStoreJson(res.headers);
    }
  });

  it('answers unauthorized_client to a client not registered for client_credentials', async () => {
    const { auth } = await setup({ grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://client.example.com/cb'] });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, auth);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use the client_credentials grant' });
    expectNoStoreJson(res.headers);
  });

  it('keeps public clients out: they cannot register for it, and one that tries is unauthorized_client', async () => {
    // §4.4: "MUST only be used by confidential clients" — so a public client cannot even register for it.
    const refused = await adminRequest(t, 'POST', '/admin/clients', clientFactory.build({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'none', redirect_uris: [] }));
    expect(refused.status).toBe(400);
    expect(JSON.stringify(refused.body)).toContain('a public client (token_endpoint_auth_method \\"none\\") may not use client_credentials');

    // A public client (authenticated by client_id alone, §2.3) asking anyway is authenticated, but not allowed the grant.
    const { client } = await clientFactory.create(t, { grant_types: ['authorization_code'], token_endpoint_auth_method: 'none' });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', client_id: client.client_id });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use the client_credentials grant' });
    expectNoStoreJson(res.headers);
  });

  it('accepts client_secret_post from a client registered for it, and Basic from that client as well (§2.3.1)', async () => {
    const { clientId, secret } = await setup({ token_endpoint_auth_method: 'client_secret_post' });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', client_id: clientId, client_secret: secret });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...TOKEN, scope: 'profile email' });

    // §2.3.1: the server supports Basic for every client with a secret; the registered method is metadata.
    const basicRes = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });
    expect(basicRes.status).toBe(200);
  });

  it('answers invalid_client (401, no Basic challenge since Basic was not tried) for a wrong client_secret_post secret', async () => {
    const { clientId } = await setup({ token_endpoint_auth_method: 'client_secret_post' });
    const res = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', client_id: clientId, client_secret: 'wrong' });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(res.headers.get('www-authenticate')).toBeNull();
    expectNoStoreJson(res.headers);
  });

  it('gives a token that /api/profile refuses with 403 insufficient_scope: it has no user whose profile it could read', async () => {
    const { auth } = await setup();
    const { body } = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials', scope: 'profile' }, auth);
    const res = await getWithBearer(`${t.url}/api/profile`, body.access_token);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'insufficient_scope', error_description: 'this resource needs the scope "profile"' });
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="gatehouse", error="insufficient_scope", error_description="this resource needs the scope profile", scope="profile", resource_metadata="${t.url}/.well-known/oauth-protected-resource/api/profile"`);
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('makes the old secret invalid_client once the secret is rotated through the admin API', async () => {
    const { clientId, auth } = await setup();
    const rotated = await adminRequest(t, 'POST', `/admin/clients/${clientId}/secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.client_secret as string;
    expect(typeof newSecret).toBe('string');

    const old = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, auth);
    expect(old.status).toBe(401);
    expect(old.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(old.headers.get('www-authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');

    const fresh = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, { authorization: basic(clientId, newSecret) });
    expect(fresh.status).toBe(200);
    expect(fresh.body).toEqual({ ...TOKEN, scope: 'profile email' });
  });

  it('answers invalid_client for an unknown client and for no authentication at all', async () => {
    const unknown = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' }, { authorization: basic('no-such-client', 'secret') });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual({ error: 'invalid_client', error_description: 'unknown client: no client has this client_id' });
    expect(unknown.headers.get('www-authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');

    const none = await postFormJson(meta.token_endpoint, { grant_type: 'client_credentials' });
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: 'invalid_client', error_description: 'client authentication is required' });
    expectNoStoreJson(none.headers);
  });
});
