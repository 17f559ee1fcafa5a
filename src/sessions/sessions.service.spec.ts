import { Test, TestingModule } from '@nestjs/testing';
import { AuditModule } from '../audit/audit.module';
import { AuditEvent, AuditService } from '../audit/audit.service';
import { FixedClock } from '../common/clock';
import { sha256 } from '../common/crypto';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { Db } from '../database/db';
import { UsersModule } from '../users/users.module';
import { UsersService } from '../users/users.service';
import { SessionsModule } from './sessions.module';
import { SessionsService } from './sessions.service';

describe(SessionsService.name, () => {
  let moduleRef: TestingModule;
  let sessions: SessionsService;
  let clock: FixedClock;
  let userId: number;
  let events: AuditEvent[];

  beforeEach(async () => {
    clock = new FixedClock(1_700_000_000);
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', ARGON2_MEMORY_KIB: '1024', ARGON2_TIME_COST: '1' });
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(config, clock), DatabaseModule, AuditModule, UsersModule, SessionsModule] }).compile();
    await moduleRef.init();
    sessions = moduleRef.get(SessionsService);
    userId = (await moduleRef.get(UsersService).create({ username: 'alice', password: 'password1' })).id;
    events = [];
    jest.spyOn(moduleRef.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
  });
  afterEach(() => moduleRef.close());

  it('starts a session with a 256-bit id and stores only its digest', async () => {
    const { id, session } = await sessions.start(userId, 3600, { ip: '203.0.113.1', userAgent: 'test' });
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(session).toEqual({ id: 1, userId, authTime: 1_700_000_000, expiresAt: 1_700_003_600, endedAt: null, idHash: sha256(id), ip: '203.0.113.1', userAgent: 'test' });
    const rows = await moduleRef.get(Db).query<{ id_hash: string }>('SELECT id_hash FROM user_session');
    expect(rows).toEqual([{ id_hash: sha256(id) }]);
  });

  it('finds an open session until it expires', async () => {
    const { id } = await sessions.start(userId, 3600);
    expect(await sessions.findActive(id)).toMatchObject({ userId });
    clock.advance(3600);
    expect(await sessions.findActive(id)).toBeNull();
  });

  it('answers null for an unknown id', async () => {
    expect(await sessions.findActive('x'.repeat(43))).toBeNull();
  });

  it('ends one session, once, and records session.ended', async () => {
    const { id } = await sessions.start(userId, 3600);
    const other = await sessions.start(userId, 3600);
    await sessions.end(id, '203.0.113.1');
    await sessions.end(id, '203.0.113.1');
    expect(await sessions.findActive(id)).toBeNull();
    expect(await sessions.findActive(other.id)).not.toBeNull();
    expect(events).toEqual([{ type: 'session.ended', userId, ip: '203.0.113.1', detail: { reason: 'sign_out', session_id: expect.any(Number) } }]);
  });

  it("ends all of a user's open sessions and says how many", async () => {
    const a = await sessions.start(userId, 3600);
    const b = await sessions.start(userId, 3600);
    await sessions.end(a.id);
    expect(await sessions.endAllForUser(userId, 'password_changed')).toBe(1);
    expect(await sessions.findActive(b.id)).toBeNull();
    expect(await sessions.endAllForUser(userId, 'admin')).toBe(0);
    const [list, total] = await sessions.listForUser(userId, 10, 0);
    expect(total).toBe(2);
    expect(list.every((s) => s.endedAt === 1_700_000_000)).toBe(true);
  });
});
