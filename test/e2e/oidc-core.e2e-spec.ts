/**
 * OpenID Connect Core 1.0 and Discovery 1.0: the provider metadata, the JWKS, ID tokens from the
 * code flow, the refresh grant and the implicit id_token types, and key rotation as a relying
 * party sees it.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { UserAgent } from '../support/http';
import { authorize, provision, tokenRequest, obtainCode, pkcePair } from '../support/oauth-flow';
import { expectNoStoreJson, fragmentParams, queryParams, TOKEN } from '../support/discovery';
import { adminRequest } from '../factories/admin-request';
import { decodeJwt, decodeProtectedHeader, fetchJwks, halfHash, verifyWithJwks } from '../support/oidc';

const OVERLAP = 30;

describe.each(DATABASES)('OpenID Connect discovery and JWKS (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db)));
  afterAll(() => t.close());

  it('serves the provider metadata at /.well-known/openid-configuration, the same document as RFC 8414', async () => {
    const res = await fetch(`${t.url}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const doc = await res.json();
    const issuer = t.url;
    expect(doc).toEqual({
      issuer,
      authorization_endpoint: `${issuer}/oauth/authorize`,
      token_endpoint: `${issuer}/oauth/token`,
      revocation_endpoint: `${issuer}/oauth/revoke`,
      introspection_endpoint: `${issuer}/oauth/introspect`,
      pushed_authorization_request_endpoint: `${issuer}/oauth/par`,
      require_pushed_authorization_requests: false,
      device_authorization_endpoint: `${issuer}/oauth/device_authorization`,
      userinfo_endpoint: `${issuer}/oauth/userinfo`,
      jwks_uri: `${issuer}/oauth/jwks`,
      end_session_endpoint: `${issuer}/oauth/logout`,
      scopes_supported: ['openid', 'profile', 'email'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256'],
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'at_hash', 'c_hash', 'azp', 'preferred_username', 'name', 'email', 'email_verified'],
      claim_types_supported: ['normal'],
      claims_parameter_supported: false,
      request_parameter_supported: false,
      request_uri_parameter_supported: false,
      prompt_values_supported: ['none', 'login', 'consent'],
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
    });
    const rfc8414 = await (await fetch(`${t.url}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(doc);
  });

  it('publishes public keys only at jwks_uri, as a JWK Set', async () => {
    const res = await fetch(`${t.url}/oauth/jwks`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/jwk-set+json; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const { keys } = (await res.json()) as { keys: Array<Record<string, string>> };
    expect(keys.map((k) => [k.kty, k.alg, k.use])).toEqual([
      ['RSA', 'RS256', 'sig'],
      ['EC', 'ES256', 'sig'],
    ]);
    expect(Object.keys(keys[0]).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    expect(Object.keys(keys[1]).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
  });

  it('lets a client register the openid scope, and refuses an unknown ID token algorithm', async () => {
    const ok = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'RP', redirect_uris: ['https://rp.example.com/cb'], scope: 'openid profile', id_token_signed_response_alg: 'ES256' });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ scope: 'openid profile', id_token_signed_response_alg: 'ES256', access_token_format: 'opaque', post_logout_redirect_uris: [] });
    const bad = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'RP', redirect_uris: ['https://rp.example.com/cb'], id_token_signed_response_alg: 'HS256' });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual({ id_token_signed_response_alg: expect.stringContaining('RS256') });
  });
});

describe.each(DATABASES)('OpenID Connect ID tokens (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { KEY_ROTATION_OVERLAP: String(OVERLAP), ID_TOKEN_TTL: '600', IMPLICIT_ENABLED: 'true' })));
  afterAll(() => t.close());

  it('advertises the OpenID Connect implicit response types when IMPLICIT_ENABLED is on', async () => {
    const doc = (await (await fetch(`${t.url}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(doc).toMatchObject({ response_types_supported: ['code', 'token', 'id_token', 'id_token token'], response_modes_supported: ['query', 'fragment', 'form_post'] });
  });

  const openid = { scope: 'openid profile email', grant_types: ['authorization_code', 'refresh_token'] as const };

  it('answers an ID token from the code flow with iss, sub, aud, exp, iat, auth_time, nonce and at_hash, signed RS256 with the active key', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types] });
    const signedInAt = t.clock.now();
    const { code, verifier } = await obtainCode(t, p, { scope: 'openid profile', nonce: 'n-0S6_WzA2Mj' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    expect(res.status).toBe(200);
    expectNoStoreJson(res.headers);
    expect(res.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'openid profile', id_token: expect.any(String) });

    const header = decodeProtectedHeader(res.body.id_token);
    const rs256 = (await fetchJwks(t)).keys.find((k) => k.alg === 'RS256')!;
    expect(header).toEqual({ alg: 'RS256', kid: rs256.kid, typ: 'JWT' });
    const claims = await verifyWithJwks(t, res.body.id_token, p.clientId);
    const now = t.clock.now();
    expect(claims).toEqual({
      iss: t.url,
      sub: String(p.userId),
      aud: p.clientId,
      exp: now + 600,
      iat: now,
      auth_time: signedInAt,
      nonce: 'n-0S6_WzA2Mj',
      at_hash: halfHash(res.body.access_token),
    });
  });

  it('puts the granted profile claims in the ID token (code and refresh) for a client with id_token_claims, and only the granted ones', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types], id_token_claims: true });
    const { code, verifier } = await obtainCode(t, p, { scope: 'openid profile' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    const claims = await verifyWithJwks(t, res.body.id_token, p.clientId);
    expect(claims).toMatchObject({ sub: String(p.userId), preferred_username: p.username, name: p.username });
    expect(claims).not.toHaveProperty('email');
    const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: res.body.refresh_token });
    expect(await verifyWithJwks(t, refreshed.body.id_token, p.clientId)).toMatchObject({ preferred_username: p.username, name: p.username });
  });

  it('omits the nonce when none was sent, and answers no ID token without the openid scope (as before)', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types] });
    const first = await obtainCode(t, p, { scope: 'openid' });
    const withOpenid = await tokenRequest(t, p, { grant_type: 'authorization_code', code: first.code, redirect_uri: p.redirectUri, code_verifier: first.verifier });
    expect(decodeJwt(withOpenid.body.id_token)).not.toHaveProperty('nonce');

    const second = await obtainCode(t, p, { scope: 'profile', nonce: 'ignored' }, first.agent);
    const plain = await tokenRequest(t, p, { grant_type: 'authorization_code', code: second.code, redirect_uri: p.redirectUri, code_verifier: second.verifier });
    expect(plain.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'profile' });
  });

  it('signs with ES256 for a client registered with id_token_signed_response_alg ES256', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types], id_token_signed_response_alg: 'ES256' });
    const { code, verifier } = await obtainCode(t, p, { scope: 'openid' });
    const res = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    expect(decodeProtectedHeader(res.body.id_token).alg).toBe('ES256');
    expect((await verifyWithJwks(t, res.body.id_token, p.clientId)).sub).toBe(String(p.userId));
  });

  it('refuses openid for a client that did not register it (invalid_scope, as any scope)', async () => {
    const p = await provision(t, { scope: 'profile' });
    const callback = await authorize(new UserAgent(t.url), { response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid', state: 's', ...pkceParams() }, p);
    expect(queryParams(callback)).toMatchObject({ error: 'invalid_scope', state: 's' });
  });

  it('answers a fresh ID token on refresh: same sub and auth_time, new iat, no nonce', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types] });
    const signedInAt = t.clock.now();
    const { code, verifier } = await obtainCode(t, p, { scope: 'openid email', nonce: 'abc' });
    const first = await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier });
    t.clock.advance(100);
    const refreshed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'openid email', id_token: expect.any(String) });
    const claims = await verifyWithJwks(t, refreshed.body.id_token, p.clientId);
    expect(claims).toEqual({ iss: t.url, sub: String(p.userId), aud: p.clientId, iat: t.clock.now(), exp: t.clock.now() + 600, auth_time: signedInAt, at_hash: halfHash(refreshed.body.access_token) });

    // Narrowing the refresh to a scope without openid answers no ID token.
    const narrowed = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token, scope: 'email' });
    expect(narrowed.body).toEqual({ ...TOKEN, refresh_token: expect.any(String), scope: 'email' });
  });

  it('implicit id_token: requires a nonce (invalid_request in the fragment), then answers an ID token with the user claims', async () => {
    const p = await provision(t, { scope: 'openid profile email', grant_types: ['implicit'], response_types: ['id_token', 'id_token token'] });
    const agent = new UserAgent(t.url);
    const refused = await authorize(agent, { response_type: 'id_token', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid profile', state: 'st' }, p);
    expect(fragmentParams(refused)).toEqual({ error: 'invalid_request', error_description: 'nonce is required for this response_type', state: 'st', iss: t.url });

    const cb = await authorize(agent, { response_type: 'id_token', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid profile email', state: 'st', nonce: 'n1' }, p);
    const params = fragmentParams(cb);
    expect(params).toEqual({ id_token: expect.any(String), state: 'st', iss: t.url });
    const claims = await verifyWithJwks(t, params.id_token, p.clientId);
    expect(claims).toMatchObject({ sub: String(p.userId), nonce: 'n1', preferred_username: p.username, name: p.username, email: `${p.username}@example.com`, email_verified: false });
    expect(claims).not.toHaveProperty('at_hash');
  });

  it('implicit "token id_token" (either order): an access token and an ID token bound to it by at_hash', async () => {
    const p = await provision(t, { scope: 'openid profile', grant_types: ['implicit'], response_types: ['id_token token'] });
    const cb = await authorize(new UserAgent(t.url), { response_type: 'token id_token', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'openid profile', state: 'x', nonce: 'n2' }, p);
    const params = fragmentParams(cb);
    expect(params).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: '3600', scope: 'openid profile', id_token: expect.any(String), state: 'x', iss: t.url });
    const claims = await verifyWithJwks(t, params.id_token, p.clientId);
    expect(claims.at_hash).toBe(halfHash(params.access_token));
    expect(claims).not.toHaveProperty('preferred_username');
  });

  it('refuses response_type id_token without the openid scope, and for a client not registered for it', async () => {
    const p = await provision(t, { scope: 'openid profile', grant_types: ['implicit'], response_types: ['id_token'] });
    const agent = new UserAgent(t.url);
    const noOpenid = await authorize(agent, { response_type: 'id_token', client_id: p.clientId, redirect_uri: p.redirectUri, scope: 'profile', nonce: 'n', state: 's' }, p);
    expect(fragmentParams(noOpenid)).toEqual({ error: 'invalid_request', error_description: 'this response_type needs the openid scope', state: 's', iss: t.url });
    const codeOnly = await provision(t, { ...openid, grant_types: [...openid.grant_types] });
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams({ response_type: 'id_token', client_id: codeOnly.clientId, redirect_uri: codeOnly.redirectUri, scope: 'openid', nonce: 'n', state: 's' })}`);
    expect(res.status).toBe(302);
    expect(fragmentParams(new URL(res.headers.get('location')!))).toEqual({ error: 'unauthorized_client', error_description: 'this client may not use response_type id_token', state: 's', iss: t.url });
  });

  it('after a rotation: new ID tokens carry the new kid once the overlap ends; old ones verify until the old key expires, then not', async () => {
    const p = await provision(t, { ...openid, grant_types: [...openid.grant_types] });
    const issue = async () => {
      const { code, verifier } = await obtainCode(t, p, { scope: 'openid' });
      return (await tokenRequest(t, p, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri, code_verifier: verifier })).body.id_token as string;
    };
    const before = await issue();
    const oldKid = decodeProtectedHeader(before).kid;
    await adminRequest(t, 'POST', '/admin/keys/rotate');
    expect(decodeProtectedHeader(await issue()).kid).toBe(oldKid);
    t.clock.advance(OVERLAP);
    const after = await issue();
    expect(decodeProtectedHeader(after).kid).not.toBe(oldKid);
    await expect(verifyWithJwks(t, after, p.clientId)).resolves.toMatchObject({ sub: String(p.userId) });
    expect((await fetchJwks(t)).keys.map((k) => k.kid)).toContain(oldKid);
    // The old key is published until max(ID_TOKEN_TTL, ACCESS_TOKEN_TTL) after it stopped signing.
    t.clock.advance(3600);
    expect((await fetchJwks(t)).keys.map((k) => k.kid)).not.toContain(oldKid);
    await expect(verifyWithJwks(t, before, p.clientId)).rejects.toThrow();
  });
});

function pkceParams() {
  const { challenge } = pkcePair();
  return { code_challenge: challenge, code_challenge_method: 'S256' };
}
