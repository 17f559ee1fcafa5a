/**
 * The benchmark's loops that build each request on the spot (bench/signed.ts), against the real
 * application: provisioned as `npm run bench` does it, a short run of each gets only the wanted
 * answers — 200 for private_key_jwt client_credentials and for /api/profile with a DPoP proof,
 * authorization_pending for device polling — and a run with a wrong key or code gets refusals
 * counted as errors, so a bench row cannot look valid while measuring refusals.
 */
import { generateKeyPairSync } from 'node:crypto';
import { provision, Provisioned } from '../../bench/scenarios';
import { assertionGrants, devicePolls, dpopProfiles } from '../../bench/signed';
import { ADMIN_KEY, DATABASES, TestApp, startApp } from '../support/start-app';

describe.each(DATABASES)('bench: per-request signed and paced loops (%s)', (_name, db) => {
  let t: TestApp;
  let p: Provisioned;
  const run = { duration: 0.5, connections: 2 };
  const otherKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

  beforeAll(async () => {
    t = await startApp(db, { PASSWORD_GRANT_ENABLED: 'true', DEVICE_CODE_INTERVAL: '1' });
    // The loops sign with the real time: the server's clock follows it.
    t.clock.advance(Math.floor(Date.now() / 1000) - t.clock.now());
    p = await provision(t.url, ADMIN_KEY, 1, { chains: false, jwtClient: true, dpop: true, deviceCodes: 20 });
  });
  afterAll(() => t.close());

  it('provisions a private_key_jwt client, a DPoP-bound token and pending device codes', () => {
    expect(p.problems).toEqual([]);
    expect(p.device.codes).toHaveLength(20);
    expect(p.device.interval).toBe(1);
  });

  it('client_credentials with a new assertion per request: only 200s; another key: only refusals', async () => {
    const job = { ...run, origin: t.url, clientId: p.jwtClient.id, audience: p.tokenEndpoint, privateJwk: p.jwtClient.privateJwk, kid: p.jwtClient.kid, scope: 'profile' };
    const ok = await assertionGrants(job);
    expect(ok.completed).toBeGreaterThan(2);
    expect(ok).toMatchObject({ non2xx: 0, errors: 0, statusCounts: { 200: ok.completed } });
    const refused = await assertionGrants({ ...job, privateJwk: otherKey() });
    expect(refused.completed).toBeGreaterThan(0);
    expect(refused.non2xx).toBe(refused.completed);
    expect(refused.statusCounts).toEqual({ 401: refused.completed });
  });

  it('/api/profile with a new DPoP proof per request: only 200s; a proof by another key: only refusals', async () => {
    const job = { ...run, origin: t.url, accessToken: p.dpop.accessToken, privateJwk: p.dpop.privateJwk, publicJwk: p.dpop.publicJwk, htu: p.profileUrl };
    const ok = await dpopProfiles(job);
    expect(ok.completed).toBeGreaterThan(2);
    expect(ok).toMatchObject({ non2xx: 0, errors: 0, statusCounts: { 200: ok.completed } });
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const refused = await dpopProfiles({ ...job, privateJwk: key.privateKey.export({ format: 'jwk' }), publicJwk: key.publicKey.export({ format: 'jwk' }) });
    expect(refused.completed).toBeGreaterThan(0);
    expect(refused.statusCounts).toEqual({ 401: refused.completed });
  });

  it('device polling: authorization_pending is the wanted answer, each code polled once per interval; an unknown code is an error', async () => {
    const job = { ...run, origin: t.url, clientId: p.device.clientId, deviceCodes: p.device.codes, interval: p.device.interval };
    const ok = await devicePolls(job);
    // Half a second, codes due once a second: no code is polled twice (the server's clock stands
    // still here, so a second poll would be slow_down).
    expect(ok.completed).toBeGreaterThan(0);
    expect(ok.completed).toBeLessThanOrEqual(20);
    expect(ok).toMatchObject({ non2xx: 0, errors: 0, statusCounts: { '400 authorization_pending': ok.completed } });
    const refused = await devicePolls({ ...job, deviceCodes: ['no-such-device-code'] });
    expect(refused).toMatchObject({ completed: 1, non2xx: 1, statusCounts: { 400: 1 } });
  });
});
