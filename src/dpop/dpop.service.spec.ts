import { randomUUID } from 'node:crypto';
import { CryptoKey, JWK, SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { FixedClock } from '../common/clock';
import { Lru } from '../common/lru';
import { AppConfig } from '../config/app-config';
import { ReplayService } from '../replay/replay.service';
import { DpopService, normalizeHtu } from './dpop.service';

describe('DPoP htu normalisation (RFC 9449 §4.3)', () => {
  it('drops query and fragment, lower-cases scheme and host, drops default ports', () => {
    expect(normalizeHtu('HTTPS://Auth.Example.COM:443/oauth/token?x=1#f')).toBe('https://auth.example.com/oauth/token');
    expect(normalizeHtu('http://127.0.0.1:8080/api/profile')).toBe('http://127.0.0.1:8080/api/profile');
  });

  it('keeps the path as sent (case-sensitive) and refuses non-http URLs', () => {
    expect(normalizeHtu('https://a.example/API')).not.toBe(normalizeHtu('https://a.example/api'));
    expect(normalizeHtu('urn:x:y')).toBeNull();
    expect(normalizeHtu('not a url')).toBeNull();
  });
});

describe('DPoP proof keys kept by thumbprint', () => {
  const clock = new FixedClock();
  const url = 'https://as.example/oauth/token';
  const service = () => {
    const seen = new Set<string>();
    const replay = { useOnce: async (_kind: string, scope: string, jti: string) => !seen.has(`${scope} ${jti}`) && !!seen.add(`${scope} ${jti}`) };
    const config = { dpopEnabled: true, dpopNonce: false, cookieSecret: 'x'.repeat(32) } as AppConfig;
    return new DpopService(replay as unknown as ReplayService, config, clock);
  };
  const keysOf = (s: DpopService) => (s as unknown as { keys: Lru<string, unknown> }).keys;
  const newKey = async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    return { privateKey, jwk: await exportJWK(publicKey) };
  };
  const proof = (signWith: CryptoKey, jwk: JWK) =>
    new SignJWT({ htm: 'POST', htu: url, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk })
      .setIssuedAt(clock.now())
      .sign(signWith);
  const verify = (s: DpopService, p: string) => s.verify(p, { method: 'POST', url });

  it('imports a key once: the next proof with it uses the kept key and answers the same jkt', async () => {
    const s = service();
    const { privateKey, jwk } = await newKey();
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    expect(keysOf(s).size).toBe(0);
    await expect(verify(s, await proof(privateKey, jwk))).resolves.toBe(jkt);
    expect(keysOf(s).size).toBe(1);
    await expect(verify(s, await proof(privateKey, jwk))).resolves.toBe(jkt);
    expect(keysOf(s).size).toBe(1);
    const other = await newKey();
    await expect(verify(s, await proof(other.privateKey, other.jwk))).resolves.toBe(await calculateJwkThumbprint(other.jwk, 'sha256'));
    expect(keysOf(s).size).toBe(2);
  });

  it('still refuses a proof signed by another key than the (kept) header key', async () => {
    const s = service();
    const { privateKey, jwk } = await newKey();
    await verify(s, await proof(privateKey, jwk));
    const intruder = await newKey();
    await expect(verify(s, await proof(intruder.privateKey, jwk))).rejects.toThrow('the DPoP proof signature does not verify');
  });

  it('still refuses private members beside a kept key', async () => {
    const s = service();
    const { privateKey, jwk } = await newKey();
    await verify(s, await proof(privateKey, jwk));
    await expect(verify(s, await proof(privateKey, await exportJWK(privateKey)))).rejects.toThrow('the jwk of a DPoP proof must be a public key');
  });

  it('answers a jwk with other use, alg, key_ops or ext exactly as without a kept key', async () => {
    const { privateKey, jwk } = await newKey();
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    const outcome = (p: Promise<string>) => p.then((v) => v, (e: Error) => e.message);
    const variants = [{ use: 'enc' }, { use: null }, { alg: 'ES384' }, { key_ops: ['sign'] }, { key_ops: [] }, { key_ops: ['verify', 'verify'] }, { ext: 'yes' }, { ext: false }, { use: 'sig' }, { alg: 'ES256' }, { key_ops: ['verify'] }, { ext: true }, { kid: 'k1' }];
    const refused = ['enc', null, 'ES384', ['sign'], [], ['verify', 'verify'], 'yes'];
    const kept = service();
    await verify(kept, await proof(privateKey, jwk));
    for (const extra of variants) {
      const header = { ...jwk, ...extra } as JWK;
      const fresh = await outcome(verify(service(), await proof(privateKey, header)));
      // Twice with the kept key: once as the first of its kind, once found in the cache.
      expect([await outcome(verify(kept, await proof(privateKey, header))), await outcome(verify(kept, await proof(privateKey, header)))]).toEqual([fresh, fresh]);
      const isRefused = refused.some((r) => JSON.stringify(r) === JSON.stringify(Object.values(extra)[0]));
      expect(fresh).toBe(isRefused ? 'the DPoP proof signature does not verify' : jkt);
    }
  });

  it('keeps at most its bound of keys', async () => {
    const s = service();
    const keys = keysOf(s);
    expect(keys.maxEntries).toBe(4096);
    const { privateKey, jwk } = await newKey();
    for (let i = 0; i < keys.maxEntries; i++) keys.set(`filler ${i}`, {});
    await verify(s, await proof(privateKey, jwk));
    expect(keys.size).toBe(keys.maxEntries);
    expect(keys.get('filler 0')).toBeUndefined();
  });
});
