/**
 * RFC 7523 §2.2 / §3 private_key_jwt client authentication (OpenID Connect Core §9), black-box: a
 * client registers its public keys (jwks, or jwks_uri fetched under SSRF rules) and signs a
 * short-lived JWT; iss = sub = client_id, aud the issuer or the endpoint, exp within 5 minutes, a
 * jti used once on every instance. Accepted wherever a client authenticates; any failure 401
 * invalid_client.
 */
import { createServer, Server } from 'node:http';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CryptoKey, JWK, SignJWT, UnsecuredJWT, exportJWK, generateKeyPair } from 'jose';
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { basic, postForm, readJson } from '../support/http';
import { discover } from '../support/oauth-flow';
import { adminRequest } from '../factories/admin-request';
import { clientFactory } from '../factories/client.factory';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface KeyPair {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function keyPair(alg: 'ES256' | 'RS256' | 'EdDSA' = 'ES256', kid = randomUUID()): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

interface AssertionOptions {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  jti?: string | null;
  alg?: string;
  key?: KeyPair;
}

describe.each(DATABASES)('RFC 7523 private_key_jwt client authentication (%s)', (_name, db) => {
  let t: TestApp;
  let tokenEndpoint: string;
  let keys: KeyPair;
  let jwksServer: Server;
  let jwksUrl: string;

  beforeAll(async () => {
    t = await startApp(db, { JWKS_URI_ALLOW_LOOPBACK: 'true', DEVICE_GRANT_ENABLED: 'true' });
    tokenEndpoint = (await discover(t)).token_endpoint;
    keys = await keyPair();
    jwksServer = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [keys.jwk] }));
    });
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(jwksServer.address() as { port: number }).port}/jwks.json`;
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => jwksServer.close(resolve));
  });

  async function assertion(clientId: string, o: AssertionOptions = {}): Promise<string> {
    const now = t.clock.now();
    const key = o.key ?? keys;
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: o.alg ?? (key.jwk.alg as string), kid: key.jwk.kid })
      .setIssuer(o.iss ?? clientId)
      .setSubject(o.sub ?? clientId)
      .setAudience(o.aud ?? tokenEndpoint)
      .setIssuedAt(now)
      .setExpirationTime(o.exp ?? now + 60);
    if (o.jti !== null) jwt.setJti(o.jti ?? randomUUID());
    return jwt.sign(key.privateKey);
  }

  async function keyClient(overrides: Record<string, unknown> = {}) {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.jwk] }, ...overrides } as never);
    return { clientId: client.client_id, client, secret };
  }

  const token = (fields: Record<string, string>, headers: Record<string, string> = {}) => postForm(tokenEndpoint, { grant_type: 'client_credentials', ...fields }, headers).then(readJson);
  const withAssertion = (jwt: string, extra: Record<string, string> = {}) => ({ client_assertion_type: ASSERTION_TYPE, client_assertion: jwt, ...extra });

  function expectInvalidClient(res: { status: number; body: any }) {
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
  }

  it('advertises private_key_jwt and its signing algorithms for every endpoint that authenticates clients', async () => {
    const metadata = await discover(t);
    for (const endpoint of ['token', 'revocation', 'introspection']) {
      expect(metadata[`${endpoint}_endpoint_auth_methods_supported`]).toContain('private_key_jwt');
      expect(metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).toEqual(expect.arrayContaining(['RS256', 'ES256', 'PS256', 'EdDSA']));
      expect(metadata[`${endpoint}_endpoint_auth_signing_alg_values_supported`]).not.toContain('HS256');
    }
  });

  it('registers a key client through the admin API with no secret; its assertion (aud the token endpoint, or the issuer) gets a token', async () => {
    const { clientId, client, secret } = await keyClient();
    expect(secret).toBeNull();
    expect(client).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.jwk] } });
    const res = await token(withAssertion(await assertion(clientId)));
    expect(res.status).toBe(200);
    expect(res.body.token_type).toBe('Bearer');
    expect((await token(withAssertion(await assertion(clientId, { aud: t.url })))).status).toBe(200);
    // client_id may accompany the assertion when it names the same client.
    expect((await token(withAssertion(await assertion(clientId), { client_id: clientId }))).status).toBe(200);
  });

  it('refuses a replayed assertion (jti used once)', async () => {
    const { clientId } = await keyClient();
    const jwt = await assertion(clientId);
    expect((await token(withAssertion(jwt))).status).toBe(200);
    expectInvalidClient(await token(withAssertion(jwt)));
  });

  it('refuses a wrong key, a wrong audience, iss ≠ sub, no jti, an expired assertion, and one valid for more than 5 minutes', async () => {
    const { clientId } = await keyClient();
    const other = await keyPair('ES256', keys.jwk.kid as ReturnType<typeof randomUUID>);
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { key: other }))));
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { aud: 'https://elsewhere.example.com/token' }))));
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { sub: 'someone-else' }))));
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { jti: null }))));
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { exp: t.clock.now() - 60 }))));
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { exp: t.clock.now() + 3600 }))));
  });

  it('refuses unsigned and HMAC assertions', async () => {
    const { clientId } = await keyClient();
    const now = t.clock.now();
    const unsigned = new UnsecuredJWT({}).setIssuer(clientId).setSubject(clientId).setAudience(tokenEndpoint).setJti(randomUUID()).setExpirationTime(now + 60).encode();
    expectInvalidClient(await token(withAssertion(unsigned)));
    const hmac = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuer(clientId).setSubject(clientId).setAudience(tokenEndpoint).setJti(randomUUID()).setExpirationTime(now + 60).sign(new TextEncoder().encode('x'.repeat(32)));
    expectInvalidClient(await token(withAssertion(hmac)));
  });

  it('refuses a wrong assertion type, a client_id naming another client, a secret client, and two methods at once', async () => {
    const { clientId } = await keyClient();
    expectInvalidClient(await token({ client_assertion_type: 'urn:example:other', client_assertion: await assertion(clientId) }));
    expectInvalidClient(await token(withAssertion(await assertion(clientId), { client_id: 'another-client' })));
    const { client: secretClient, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    expectInvalidClient(await token(withAssertion(await assertion(secretClient.client_id))));
    const both = await token(withAssertion(await assertion(clientId)), { authorization: basic(secretClient.client_id, secret!) });
    expect(both.status).toBe(400);
    expect(both.body.error).toBe('invalid_request');
  });

  it('is accepted at introspection, revocation, PAR and device authorization', async () => {
    const { clientId } = await keyClient({ grant_types: ['client_credentials', 'authorization_code', 'urn:ietf:params:oauth:grant-type:device_code'], redirect_uris: ['https://client.example.com/cb'] });
    const issued = await token(withAssertion(await assertion(clientId)));
    const metadata = await discover(t);
    const at = async (endpoint: string, fields: Record<string, string>) => readJson(await postForm(endpoint, { ...fields, ...withAssertion(await assertion(clientId, { aud: endpoint })) }));
    const introspected = await at(metadata.introspection_endpoint, { token: issued.body.access_token });
    expect(introspected.body).toMatchObject({ active: true, client_id: clientId });
    expect((await at(metadata.revocation_endpoint, { token: issued.body.access_token })).status).toBe(200);
    const pushed = await at(metadata.pushed_authorization_request_endpoint as string, { response_type: 'code', redirect_uri: 'https://client.example.com/cb', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' });
    expect(pushed.status).toBe(201);
    const device = await at(metadata.device_authorization_endpoint as string, {});
    expect(device.status).toBe(200);
    // The wrong key is refused there too.
    const other = await keyPair();
    expectInvalidClient(await readJson(await postForm(metadata.introspection_endpoint, { token: 'x', ...withAssertion(await assertion(clientId, { key: other, aud: metadata.introspection_endpoint })) })));
  });

  it('uses keys replaced through the admin API on the very next request: the old key refused, the new one accepted', async () => {
    const old = await keyPair();
    const { clientId } = await keyClient({ jwks: { keys: [old.jwk] } });
    // Twice, so the old set is the one the server keeps.
    for (let i = 0; i < 2; i++) expect((await token(withAssertion(await assertion(clientId, { key: old })))).status).toBe(200);
    // Same kid, other key material: only the content of the set tells them apart.
    const replacement = await keyPair('ES256', old.jwk.kid as ReturnType<typeof randomUUID>);
    const patched = await adminRequest(t, 'PATCH', `/admin/clients/${clientId}`, { jwks: { keys: [replacement.jwk] } });
    expect(patched.status).toBe(200);
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { key: old }))));
    expect((await token(withAssertion(await assertion(clientId, { key: replacement })))).status).toBe(200);
    // And back: the first key again, accepted at once, the replacement refused.
    expect((await adminRequest(t, 'PATCH', `/admin/clients/${clientId}`, { jwks: { keys: [old.jwk] } })).status).toBe(200);
    expectInvalidClient(await token(withAssertion(await assertion(clientId, { key: replacement }))));
    expect((await token(withAssertion(await assertion(clientId, { key: old })))).status).toBe(200);
  });

  it('fetches a jwks_uri (loopback allowed here by JWKS_URI_ALLOW_LOOPBACK)', async () => {
    const { clientId, client } = await keyClient({ jwks: undefined, jwks_uri: jwksUrl });
    expect(client.jwks_uri).toBe(jwksUrl);
    expect((await token(withAssertion(await assertion(clientId)))).status).toBe(200);
  });

  it('never fetches a private address', async () => {
    const { clientId } = await keyClient({ jwks: undefined, jwks_uri: 'https://10.1.2.3/jwks.json' });
    expectInvalidClient(await token(withAssertion(await assertion(clientId))));
  });

  it('refuses to register a private key, both jwks and jwks_uri, or private_key_jwt without keys (400 naming the field)', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    for (const [body, field] of [
      [{ jwks: { keys: [privateJwk] } }, 'jwks'],
      [{ jwks: { keys: [keys.jwk] }, jwks_uri: jwksUrl }, 'jwks'],
      [{}, 'jwks'],
    ] as const) {
      const res = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'K', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', ...body });
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(field);
    }
  });

  it('refuses a key that does not import as a public key (a point off the curve) or an RSA key under 2048 bits: 400 naming jwks and the key', async () => {
    const offCurve = { ...keys.jwk, y: keys.jwk.x };
    const shortRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
    for (const [bad, problem] of [
      [offCurve, 'keys[1] is not a valid EC public key (check its curve and coordinates, or n and e)'],
      [shortRsa, 'keys[1] is an RSA key of 1024 bits; at least 2048 are needed'],
    ] as const) {
      const res = await adminRequest(t, 'POST', '/admin/clients', {
        client_name: 'K', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.jwk, bad] },
      });
      expect(res.status).toBe(400);
      expect(res.body.fields.jwks).toBe(problem);
    }
    // The same set without the bad key registers.
    const ok = await adminRequest(t, 'POST', '/admin/clients', { client_name: 'K', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.jwk] } });
    expect(ok.status).toBe(201);
  });

  it('a jti used on one instance is refused on another', async () => {
    let dir: string | undefined;
    let first = t;
    if (db.startsWith('sqlite')) {
      dir = mkdtempSync(join(tmpdir(), 'gh-pkjwt-'));
      first = await startApp(`sqlite:${join(dir, 'db.sqlite')}`);
    }
    const second = await startAnotherInstance(first);
    try {
      const { client } = await clientFactory.create(first, { grant_types: ['client_credentials'], redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [keys.jwk] } } as never);
      const firstToken = `${first.url}/oauth/token`;
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: keys.jwk.kid }).setIssuer(client.client_id).setSubject(client.client_id).setAudience(first.config.issuer).setJti(randomUUID()).setExpirationTime(first.clock.now() + 60).sign(keys.privateKey);
      expect((await postForm(firstToken, { grant_type: 'client_credentials', ...withAssertion(jwt) })).status).toBe(200);
      expectInvalidClient(await readJson(await postForm(`${second.url}/oauth/token`, { grant_type: 'client_credentials', ...withAssertion(jwt) })));
    } finally {
      await second.close();
      if (dir) {
        await first.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});
