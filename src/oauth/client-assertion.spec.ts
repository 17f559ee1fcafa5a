import { randomUUID } from 'node:crypto';
import { CryptoKey, JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { Client } from '../clients/client.entity';
import { ClientKeysService } from '../clients/client-keys.service';
import { ClientsService } from '../clients/clients.service';
import { FixedClock } from '../common/clock';
import { Lru } from '../common/lru';
import { JWT_BEARER_ASSERTION_TYPE } from '../common/oauth-types';
import { AppConfig } from '../config/app-config';
import { OAuthError } from '../grants/oauth-error';
import { ReplayService } from '../replay/replay.service';
import { ClientAssertionVerifier } from './client-assertion';

describe('private_key_jwt key sets kept per client', () => {
  const issuer = 'https://as.example';
  const tokenUrl = `${issuer}/oauth/token`;
  const clock = new FixedClock();
  /** The clients as the database holds them now; a lookup answers a new object each time, as a reload does. */
  let jwksOf: Map<string, { keys: JWK[] }>;
  let verifier: ClientAssertionVerifier;

  beforeEach(() => {
    jwksOf = new Map();
    const clients = {
      findByClientId: async (clientId: string) => {
        const jwks = jwksOf.get(clientId);
        if (!jwks) return null;
        return { clientId, metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks: structuredClone(jwks) } } as unknown as Client;
      },
    };
    const config = { issuer } as AppConfig;
    const replay = { useOnce: async () => true };
    verifier = new ClientAssertionVerifier(clients as unknown as ClientsService, new ClientKeysService(config), replay as unknown as ReplayService, config, clock);
  });

  const keySets = () => (verifier as unknown as { keySets: Lru<string, { getKey: unknown }> }).keySets;
  const newKey = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
  };
  const assertion = (clientId: string, key: CryptoKey, kid: string) =>
    new SignJWT({ jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(issuer)
      .setIssuedAt(clock.now())
      .setExpirationTime(clock.now() + 60)
      .sign(key);
  const authenticate = async (clientId: string, key: CryptoKey, kid: string) =>
    verifier.authenticate({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: await assertion(clientId, key, kid) }, tokenUrl).then(
      (client) => client.clientId,
      (err: OAuthError) => `${err.code}: ${err.detail}`,
    );

  it('builds the set once and uses it for the next assertions of an unchanged client', async () => {
    const a = await newKey('a');
    jwksOf.set('c1', { keys: [a.jwk] });
    await expect(authenticate('c1', a.privateKey, 'a')).resolves.toBe('c1');
    const kept = keySets().get('c1')!.getKey;
    await expect(authenticate('c1', a.privateKey, 'a')).resolves.toBe('c1');
    expect(keySets().get('c1')!.getKey).toBe(kept);
    // A miss for another client: its own entry.
    const b = await newKey('b');
    jwksOf.set('c2', { keys: [b.jwk] });
    await expect(authenticate('c2', b.privateKey, 'b')).resolves.toBe('c2');
    expect(keySets().size).toBe(2);
    // Each client's keys only.
    await expect(authenticate('c2', a.privateKey, 'a')).resolves.toMatch(/^invalid_client: /);
  });

  it('uses a replaced key set on the very next assertion: the old key refused, the new one accepted', async () => {
    const old = await newKey('k1');
    jwksOf.set('c1', { keys: [old.jwk] });
    await expect(authenticate('c1', old.privateKey, 'k1')).resolves.toBe('c1');
    // The same kid, other key material: only the content tells the sets apart.
    const replacement = await newKey('k1');
    jwksOf.set('c1', { keys: [replacement.jwk] });
    await expect(authenticate('c1', old.privateKey, 'k1')).resolves.toBe('invalid_client: assertion: signature verification failed');
    await expect(authenticate('c1', replacement.privateKey, 'k1')).resolves.toBe('c1');
    expect(keySets().size).toBe(1);
  });

  it('follows a jwks_uri set: a kid the kept set lacks fetches again, and the new set is used and kept', async () => {
    const old = await newKey('old');
    const rotated = await newKey('new');
    const fetched: boolean[] = [];
    let published = { keys: [old.jwk] };
    const uriClient = { clientId: 'c1', metadata: { token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example/jwks' } } as unknown as Client;
    let cached = published;
    const keys = {
      // The fetch cache: the cached set, or the published one when a key was missing (fresh).
      keySet: async (_client: Client, fresh = false) => {
        fetched.push(fresh);
        if (fresh) cached = structuredClone(published);
        return cached;
      },
    };
    const config = { issuer } as AppConfig;
    const v = new ClientAssertionVerifier({ findByClientId: async () => uriClient } as unknown as ClientsService, keys as unknown as ClientKeysService, { useOnce: async () => true } as unknown as ReplayService, config, clock);
    const run = async (key: CryptoKey, kid: string) =>
      v.authenticate({ client_assertion_type: JWT_BEARER_ASSERTION_TYPE, client_assertion: await assertion('c1', key, kid) }, tokenUrl).then(
        (client) => client.clientId,
        (err: OAuthError) => `${err.code}: ${err.detail}`,
      );
    await expect(run(old.privateKey, 'old')).resolves.toBe('c1');
    published = { keys: [rotated.jwk] };
    // The kept set lacks "new": one fetch again, and the rotated set verifies at once.
    await expect(run(rotated.privateKey, 'new')).resolves.toBe('c1');
    expect(fetched).toEqual([false, false, true]);
    const kept = (v as unknown as { keySets: Lru<string, { getKey: unknown }> }).keySets.get('c1')!.getKey;
    await expect(run(rotated.privateKey, 'new')).resolves.toBe('c1');
    expect(fetched).toEqual([false, false, true, false]);
    expect((v as unknown as { keySets: Lru<string, { getKey: unknown }> }).keySets.get('c1')!.getKey).toBe(kept);
    // The old key is gone from what the fetch cache now holds.
    await expect(run(old.privateKey, 'old')).resolves.toMatch(/^invalid_client: assertion: /);
  });

  it('refuses a set holding a private key every time, and does not keep a malformed one', async () => {
    const k = await newKey('k');
    jwksOf.set('c1', { keys: [{ ...(await exportJWK(k.privateKey)), kid: 'k' }] });
    for (let i = 0; i < 2; i++) await expect(authenticate('c1', k.privateKey, 'k')).resolves.toBe('invalid_client: assertion: JSON Web Key Set members must be public keys');
    jwksOf.set('c2', { keys: 'none' } as never);
    for (let i = 0; i < 2; i++) await expect(authenticate('c2', k.privateKey, 'k')).resolves.toBe('invalid_client: assertion: JSON Web Key Set malformed');
    expect(keySets().get('c2')).toBeUndefined();
  });

  it('keeps at most its bound of clients, the least recently used dropped first', async () => {
    const sets = keySets();
    expect(sets.maxEntries).toBe(1000);
    for (let i = 0; i < sets.maxEntries; i++) sets.set(`filler ${i}`, { getKey: null });
    const a = await newKey('a');
    jwksOf.set('c1', { keys: [a.jwk] });
    await expect(authenticate('c1', a.privateKey, 'a')).resolves.toBe('c1');
    expect(sets.size).toBe(sets.maxEntries);
    expect(sets.get('filler 0')).toBeUndefined();
    expect(sets.get('c1')).toBeDefined();
  });
});
