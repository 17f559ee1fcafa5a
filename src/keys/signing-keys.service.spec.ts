import { Test, TestingModule } from '@nestjs/testing';
import { decodeProtectedHeader, jwtVerify, createLocalJWKSet, SignJWT, generateKeyPair } from 'jose';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { IdTokenService, halfHash } from './id-token.service';
import { JwtAccessTokenService } from './jwt-access-token.service';
import { KeysModule } from './keys.module';
import { SigningKeysService, thumbprint } from './signing-keys.service';

const ISSUER = 'https://auth.example.com';

describe(SigningKeysService.name, () => {
  let moduleRef: TestingModule;
  let keys: SigningKeysService;
  let idTokens: IdTokenService;
  let jwts: JwtAccessTokenService;
  let clock: FixedClock;

  beforeEach(async () => {
    clock = new FixedClock(1_700_000_000);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', ISSUER, KEY_ROTATION_OVERLAP: '100', ID_TOKEN_TTL: '300', ACCESS_TOKEN_TTL: '600' });
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config, clock), DatabaseModule, KeysModule] }).compile();
    await moduleRef.init();
    keys = moduleRef.get(SigningKeysService);
    idTokens = moduleRef.get(IdTokenService);
    jwts = moduleRef.get(JwtAccessTokenService);
  });
  afterEach(() => moduleRef.close());

  const jwks = async () => createLocalJWKSet(await keys.jwks());

  it('starts with one active key per algorithm, kid = RFC 7638 thumbprint, and ensureKeys adds none', async () => {
    const list = await keys.list();
    expect(list.map((k) => [k.alg, k.state])).toEqual([
      ['RS256', 'active'],
      ['ES256', 'active'],
    ]);
    for (const jwk of (await keys.jwks()).keys) expect(jwk.kid).toBe(thumbprint(jwk));
    await keys.ensureKeys();
    expect(await keys.list()).toHaveLength(2);
  });

  it('computes states from the clock: pending → active, active → retired → expired', async () => {
    const [oldRs] = await keys.list();
    await keys.rotate();
    const byKid = async () => Object.fromEntries((await keys.list()).map((k) => [k.kid, k.state]));
    const newRs = (await keys.list()).find((k) => k.alg === 'RS256' && k.kid !== oldRs.kid)!;
    expect(await byKid()).toMatchObject({ [oldRs.kid]: 'active', [newRs.kid]: 'pending' });
    expect((await keys.signingKey('RS256')).kid).toBe(oldRs.kid);
    clock.advance(99);
    expect((await keys.signingKey('RS256')).kid).toBe(oldRs.kid);
    clock.advance(1);
    expect(await byKid()).toMatchObject({ [oldRs.kid]: 'retired', [newRs.kid]: 'active' });
    expect((await keys.signingKey('RS256')).kid).toBe(newRs.kid);
    clock.advance(600);
    expect(await byKid()).toMatchObject({ [oldRs.kid]: 'expired' });
    expect(await keys.publicKey(oldRs.kid, 'RS256')).toBeNull();
    expect(await keys.publicKey(newRs.kid, 'ES256')).toBeNull();
  });

  it('signs ID tokens with the algorithm asked for, with at_hash, c_hash and extra claims', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const token = await idTokens.issue({ clientId: 'c1', alg, userId: 7, authTime: 1_699_999_000, nonce: 'n', accessToken: 'at', code: 'cd', claims: { name: 'Al' } });
      expect(decodeProtectedHeader(token)).toMatchObject({ alg, typ: 'JWT' });
      const { payload } = await jwtVerify(token, await jwks(), { issuer: ISSUER, audience: 'c1', currentDate: new Date(clock.now() * 1000) });
      expect(payload).toEqual({ iss: ISSUER, sub: '7', aud: 'c1', iat: clock.now(), exp: clock.now() + 300, auth_time: 1_699_999_000, nonce: 'n', at_hash: halfHash('at'), c_hash: halfHash('cd'), name: 'Al' });
    }
  });

  it('accepts its own ID token as a hint even expired, and refuses a foreign one, an access token and garbage', async () => {
    const token = await idTokens.issue({ clientId: 'c1', alg: 'RS256', userId: 7 });
    clock.advance(301);
    expect(await idTokens.verifyHint(token)).toEqual({ sub: '7', aud: ['c1'] });
    const { privateKey } = await generateKeyPair('RS256');
    const foreign = await new SignJWT({ iss: ISSUER, sub: '7', aud: 'c1' }).setProtectedHeader({ alg: 'RS256', kid: decodeProtectedHeader(token).kid }).sign(privateKey);
    expect(await idTokens.verifyHint(foreign)).toBeNull();
    expect(await idTokens.verifyHint(await jwts.sign({ clientId: 'c1', userId: 7, scope: 'profile', expiresIn: 60 }))).toBeNull();
    expect(await idTokens.verifyHint('a.b.c')).toBeNull();
  });

  it('verifies its JWT access tokens (typ, iss, aud, exp) and refuses them when expired or altered', async () => {
    const token = await jwts.sign({ clientId: 'c1', userId: null, scope: 'profile', expiresIn: 60 });
    expect(await jwts.verify(token)).toBe(true);
    const [h, , s] = token.split('.');
    expect(await jwts.verify(`${h}.${Buffer.from('{"iss":"x"}').toString('base64url')}.${s}`)).toBe(false);
    expect(await jwts.verify(await idTokens.issue({ clientId: 'c1', alg: 'RS256', userId: 7 }))).toBe(false);
    clock.advance(61);
    expect(await jwts.verify(token)).toBe(false);
  });
});
