/**
 * RFC 8414 Authorization Server Metadata: the document lists every field clients rely on,
 * built from the configured issuer, and every endpoint, grant type, auth method and PKCE method it
 * advertises works as advertised — and nothing unadvertised does.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent, basic } from '../support/http';
import { ServerMetadata, authorizeAt, discover, fragmentParams, postFormJson, queryParams } from '../support/discovery';
import { pkcePair } from '../support/oauth-flow';
import { DEFAULT_REDIRECT_URI, clientFactory } from '../factories/client.factory';
import { userFactory } from '../factories/user.factory';

const WELL_KNOWN = '/.well-known/oauth-authorization-server';

function documentFor(issuer: string, overrides: Partial<ServerMetadata> = {}) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
    require_pushed_authorization_requests: false,
    device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
    scopes_supported: ['openid', 'profile', 'email'],
    response_types_supported: ['code'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    revocation_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    introspection_endpoint_auth_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    dpop_signing_alg_values_supported: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
    code_challenge_methods_supported: ['S256'],
    service_documentation: `${issuer}/docs`,
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: true,
    // OpenID Connect Discovery fields: the same document serves /.well-known/openid-configuration.
    userinfo_endpoint: `${issuer}/oauth/userinfo`,
    jwks_uri: `${issuer}/oauth/jwks`,
    end_session_endpoint: `${issuer}/oauth/logout`,
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'c_hash', 'azp', 'preferred_username', 'name', 'email', 'email_verified'],
    claim_types_supported: ['normal'],
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
    prompt_values_supported: ['none', 'login', 'consent'],
    ...overrides,
  };
}

describe.each(DATABASES)('RFC 8414 metadata with ISSUER set (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { ISSUER: 'https://auth.example.com' })));
  afterAll(() => t.close());

  it('answers every field with the configured issuer and endpoints built from it, cacheable', async () => {
    const res = await fetch(`${t.url}${WELL_KNOWN}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await res.json()).toEqual(documentFor('https://auth.example.com'));
  });

  it('uses the same issuer as the introspection iss', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const auth = { authorization: basic(client.client_id, secret!) };
    // The advertised endpoints are on auth.example.com; this instance listens on loopback under the same paths.
    const local = (endpoint: string) => t.url + new URL(endpoint).pathname;
    const meta = await discover(t);
    const issued = await postFormJson(local(meta.token_endpoint), { grant_type: 'client_credentials' }, auth);
    const res = await postFormJson(local(meta.introspection_endpoint), { token: issued.body.access_token }, auth);
    expect(res.status).toBe(200);
    expect(res.body.iss).toBe('https://auth.example.com');
  });
});

describe.each(DATABASES)('RFC 8414 metadata with the default configuration (RFC 9700: S256 only, no implicit, no password grant) (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  it('advertises S256 only, and /oauth/authorize refuses plain', async () => {
    const meta = await discover(t);
    expect(meta).toEqual(documentFor(t.url));
    const { client } = await clientFactory.create(t);
    const res = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams({ response_type: 'code', client_id: client.client_id, state: 's', code_challenge: pkcePair('plain').challenge, code_challenge_method: 'plain' })}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(DEFAULT_REDIRECT_URI);
    expect(queryParams(location)).toEqual({ error: 'invalid_request', error_description: 'code_challenge_method plain is not allowed; use S256', state: 's', iss: t.url });
  });
});

describe.each(DATABASES)('RFC 8414 metadata, walked with every grant and PKCE method on (%s)', (_name, db) => {
  let t: TestApp;
  let meta: ServerMetadata;
  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true', IMPLICIT_ENABLED: 'true', PKCE_ALLOW_PLAIN: 'true' });
    meta = await discover(t);
  });
  afterAll(() => t.close());

  it('defaults the issuer to the listening origin', () => {
    expect(meta).toEqual(
      documentFor(t.url, {
        response_types_supported: ['code', 'token', 'id_token', 'id_token token'],
        response_modes_supported: ['query', 'fragment', 'form_post'],
        grant_types_supported: ['authorization_code', 'password', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'implicit'],
        code_challenge_methods_supported: ['S256', 'plain'],
      }),
    );
  });

  it('serves the authorization endpoint: an error page without a client, the sign-in with one', async () => {
    const bare = await fetch(meta.authorization_endpoint, { redirect: 'manual' });
    expect(bare.status).toBe(400);
    expect(bare.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(bare.headers.get('location')).toBeNull();

    const { client } = await clientFactory.create(t);
    const res = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams({ response_type: 'code', client_id: client.client_id })}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(/^\/login\?return_to=/);
  });

  it('accepts every advertised grant type at the token endpoint, and implicit at the authorization endpoint', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'] });
    const auth = { authorization: basic(client.client_id, secret!) };
    // A bare request of each grant passes the grant_type check and fails (or succeeds) on the grant's own rules.
    const expected: Record<string, { status: number; body: unknown }> = {
      authorization_code: { status: 400, body: { error: 'invalid_request', error_description: 'code is required' } },
      password: { status: 400, body: { error: 'invalid_request', error_description: 'username is required' } },
      client_credentials: { status: 200, body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'profile email' } },
      refresh_token: { status: 400, body: { error: 'invalid_request', error_description: 'refresh_token is required' } },
      'urn:ietf:params:oauth:grant-type:device_code': { status: 400, body: { error: 'invalid_request', error_description: 'device_code is required' } },
    };
    for (const grantType of meta.grant_types_supported) {
      if (grantType === 'implicit') continue; // RFC 8414 §2: implicit is served by the authorization endpoint
      expect(Object.keys(expected)).toContain(grantType);
      const res = await postFormJson(meta.token_endpoint, { grant_type: grantType }, auth);
      expect(res.body.error).not.toBe('unsupported_grant_type');
      expect({ grantType, status: res.status, body: res.body }).toEqual({ grantType, ...expected[grantType] });
    }

    expect(meta.grant_types_supported).toContain('implicit');
    const { user, password } = await userFactory.create(t);
    const cb = await authorizeAt(new UserAgent(t.url), meta.authorization_endpoint, { response_type: 'token', client_id: client.client_id, state: 'i' }, { username: user.username, password });
    expect(fragmentParams(cb)).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope: 'profile email', state: 'i', iss: t.url });
  });

  it('answers unsupported_grant_type for grant types it does not advertise', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['authorization_code', 'implicit', 'password', 'client_credentials', 'refresh_token'] });
    for (const grantType of ['urn:ietf:params:oauth:grant-type:saml2-bearer', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'implicit', 'token']) {
      const res = await postFormJson(meta.token_endpoint, { grant_type: grantType }, { authorization: basic(client.client_id, secret!) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: 'unsupported_grant_type', error_description: 'grant_type is not supported' });
      expect(res.headers.get('cache-control')).toBe('no-store');
    }
  });

  /** A client registered with `method`, and how it authenticates a form request. */
  async function clientUsing(method: string) {
    // private_key_jwt (RFC 7523): the client's public key is registered, each request carries a fresh assertion.
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwks = method === 'private_key_jwt' ? { jwks: { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1' }] } } : {};
    const { client, secret } = await clientFactory.create(t, { grant_types: ['password', 'refresh_token'], token_endpoint_auth_method: method, ...jwks } as never);
    const send = async (url: string, fields: Record<string, string>) => {
      if (method === 'private_key_jwt') {
        const assertion = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(url).setJti(randomUUID()).setExpirationTime(t.clock.now() + 60).sign(privateKey);
        return postFormJson(url, { ...fields, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
      }
      if (method === 'client_secret_basic') return postFormJson(url, fields, { authorization: basic(client.client_id, secret!) });
      if (method === 'client_secret_post') return postFormJson(url, { ...fields, client_id: client.client_id, client_secret: secret! });
      return postFormJson(url, { ...fields, client_id: client.client_id });
    };
    return { clientId: client.client_id, send };
  }

  it('accepts every advertised auth method at the token endpoint', async () => {
    const { user, password } = await userFactory.create(t);
    for (const method of meta.token_endpoint_auth_methods_supported) {
      const c = await clientUsing(method);
      const res = await c.send(meta.token_endpoint, { grant_type: 'password', username: user.username, password });
      expect({ method, status: res.status }).toEqual({ method, status: 200 });
      expect(res.body).toEqual({ access_token: expect.any(String), refresh_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'profile email' });
    }
  });

  it('accepts every advertised auth method at the revocation endpoint', async () => {
    const { user, password } = await userFactory.create(t);
    for (const method of meta.revocation_endpoint_auth_methods_supported) {
      const c = await clientUsing(method);
      const issued = await c.send(meta.token_endpoint, { grant_type: 'password', username: user.username, password });
      const res = await c.send(meta.revocation_endpoint, { token: issued.body.access_token });
      expect({ method, status: res.status, body: res.body }).toEqual({ method, status: 200, body: {} });
      const profile = await fetch(`${t.url}/api/profile`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
      expect({ method, status: profile.status }).toEqual({ method, status: 401 });
    }
  });

  it('accepts every advertised auth method at the introspection endpoint, and refuses the unadvertised none', async () => {
    const { user, password } = await userFactory.create(t);
    for (const method of meta.introspection_endpoint_auth_methods_supported) {
      const c = await clientUsing(method);
      const issued = await c.send(meta.token_endpoint, { grant_type: 'password', username: user.username, password });
      const res = await c.send(meta.introspection_endpoint, { token: issued.body.access_token });
      expect({ method, status: res.status, active: res.body.active, client_id: res.body.client_id }).toEqual({ method, status: 200, active: true, client_id: c.clientId });
    }
    expect(meta.introspection_endpoint_auth_methods_supported).not.toContain('none');
    const pub = await clientUsing('none');
    const issued = await pub.send(meta.token_endpoint, { grant_type: 'password', username: user.username, password });
    const res = await pub.send(meta.introspection_endpoint, { token: issued.body.access_token });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'this endpoint needs an authenticated client' });
  });

  it('accepts every advertised code_challenge_method at the authorization endpoint and refuses others', async () => {
    const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none' });
    for (const method of meta.code_challenge_methods_supported) {
      const { challenge } = pkcePair(method as 'S256' | 'plain');
      const res = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams({ response_type: 'code', client_id: client.client_id, state: 's', code_challenge: challenge, code_challenge_method: method })}`, { redirect: 'manual' });
      expect({ method, status: res.status }).toEqual({ method, status: 302 });
      expect(res.headers.get('location')).toMatch(/^\/login\?return_to=/);
    }
    const res = await fetch(`${meta.authorization_endpoint}?${new URLSearchParams({ response_type: 'code', client_id: client.client_id, state: 's', code_challenge: pkcePair().challenge, code_challenge_method: 'S512' })}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(queryParams(location)).toEqual({ error: 'invalid_request', error_description: 'code_challenge_method must be S256 or plain', state: 's', iss: t.url });
  });

  it('completes a code flow with each advertised code_challenge_method', async () => {
    const { client } = await clientFactory.create(t, { token_endpoint_auth_method: 'none' });
    const { user, password } = await userFactory.create(t);
    const agent = new UserAgent(t.url);
    for (const method of meta.code_challenge_methods_supported) {
      const pkce = pkcePair(method as 'S256' | 'plain');
      const cb = await authorizeAt(agent, meta.authorization_endpoint, { response_type: 'code', client_id: client.client_id, redirect_uri: DEFAULT_REDIRECT_URI, code_challenge: pkce.challenge, code_challenge_method: method }, { username: user.username, password });
      const res = await postFormJson(meta.token_endpoint, { grant_type: 'authorization_code', code: cb.searchParams.get('code')!, redirect_uri: DEFAULT_REDIRECT_URI, code_verifier: pkce.verifier, client_id: client.client_id });
      expect({ method, status: res.status }).toEqual({ method, status: 200 });
    }
  });
});
