import { Test, TestingModule } from '@nestjs/testing';
import { ClientsModule } from '../clients/clients.module';
import { ClientsService } from '../clients/clients.service';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { TokensModule } from '../tokens/tokens.module';
import { TokensService } from '../tokens/tokens.service';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { ConsentsModule } from './consents.module';
import { ConsentsService } from './consents.service';

describe(ConsentsService.name, () => {
  let moduleRef: TestingModule;
  let consents: ConsentsService;
  let clock: FixedClock;
  let userId: number;
  let clientId: string;

  beforeEach(async () => {
    clock = new FixedClock(1_700_000_000);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config, clock), DatabaseModule, ConsentsModule, UsersModule, ClientsModule, TokensModule],
    }).compile();
    await moduleRef.init();
    consents = moduleRef.get(ConsentsService);
    userId = (await moduleRef.get(UsersService).create({ username: 'alice', password: 'password1' })).id;
    const { client } = await moduleRef.get(ClientsService).create({ client_name: 'App', scope: 'profile email', redirect_uris: ['https://app.example/cb'] });
    clientId = client.clientId;
  });
  afterEach(() => moduleRef.close());

  it('covers nothing before any approval', async () => {
    expect(await consents.covers(userId, clientId, 'profile')).toBe(false);
    expect(await consents.listForUser(userId)).toEqual([]);
  });

  it('remembers an approval and covers the same or fewer scopes, not more', async () => {
    await consents.remember(userId, clientId, 'profile email');
    expect(await consents.covers(userId, clientId, 'profile email')).toBe(true);
    expect(await consents.covers(userId, clientId, 'email')).toBe(true);
    expect(await consents.covers(userId, clientId, '')).toBe(true);
    await consents.remember(userId, clientId, 'profile');
    expect((await consents.listForUser(userId))[0].scope).toBe('profile email');
  });

  it('widens the grant to the union of scopes and moves updated_at', async () => {
    await consents.remember(userId, clientId, 'profile');
    expect(await consents.covers(userId, clientId, 'profile email')).toBe(false);
    clock.advance(30);
    await consents.remember(userId, clientId, 'email');
    expect(await consents.listForUser(userId)).toEqual([
      expect.objectContaining({ userId, clientId, scope: 'profile email', createdAt: 1_700_000_000, updatedAt: 1_700_000_030 }),
    ]);
    expect(await consents.covers(userId, clientId, 'profile email')).toBe(true);
  });

  it('keeps one row when two approvals race', async () => {
    await Promise.all([consents.remember(userId, clientId, 'profile'), consents.remember(userId, clientId, 'email')]);
    const grants = await consents.listForUser(userId);
    expect(grants).toHaveLength(1);
    expect(grants[0].scope.split(' ').sort()).toEqual(['email', 'profile']);
  });

  it("revoke forgets the grant and revokes this user's tokens for this client only", async () => {
    const tokens = moduleRef.get(TokensService);
    await consents.remember(userId, clientId, 'profile');
    const mine = await tokens.issue({ clientId, userId, scope: 'profile', withRefreshToken: true });
    const otherUser = (await moduleRef.get(UsersService).create({ username: 'bob', password: 'password1' })).id;
    const theirs = await tokens.issue({ clientId, userId: otherUser, scope: 'profile', withRefreshToken: false });
    expect(await consents.revoke(userId, clientId)).toBe(true);
    expect(await consents.covers(userId, clientId, 'profile')).toBe(false);
    const row = (await tokens.findByAccessToken(mine.accessToken))!;
    expect(tokens.accessTokenState(row)).toBe('revoked');
    expect(tokens.refreshTokenState(row)).toBe('revoked');
    expect(tokens.accessTokenState((await tokens.findByAccessToken(theirs.accessToken))!)).toBe('active');
  });

  it('revoke answers false when there was nothing to revoke', async () => {
    expect(await consents.revoke(userId, clientId)).toBe(false);
  });
});
