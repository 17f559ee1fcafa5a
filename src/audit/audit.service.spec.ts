import { Test, TestingModule } from '@nestjs/testing';
import { Writable } from 'node:stream';
import pino from 'pino';
import { FixedClock } from '../common/clock';
import { ConfigModule } from '../config/config.module';
import { loadConfig } from '../config/env.validation';
import { DatabaseModule } from '../database/database.module';
import { Db } from '../database/db';
import { LoggingModule } from '../logging/logging.module';
import { AuditModule } from './audit.module';
import { AuditService, MAX_QUEUED } from './audit.service';
import { MetricsService } from '../metrics/metrics.service';

describe(AuditService.name, () => {
  let moduleRef: TestingModule;
  let audit: AuditService;
  let db: Db;
  const lines: Array<Record<string, unknown>> = [];

  beforeEach(async () => {
    lines.splice(0);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:' });
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config, new FixedClock(1_700_000_000)), LoggingModule.forRoot(pino({ level: 'info' }, sink)), DatabaseModule, AuditModule],
    }).compile();
    await moduleRef.init();
    audit = moduleRef.get(AuditService);
    db = moduleRef.get(Db);
  });
  afterEach(() => moduleRef.close());

  const rows = () => db.query('SELECT type, occurred_at, user_id, client_id, ip, detail FROM audit_event ORDER BY id');

  it('writes the log line at once and the row later, off the caller’s path', async () => {
    audit.record({ type: 'token.issued', userId: 7, clientId: 'c1', ip: '192.0.2.1', detail: { grant_type: 'password' } });
    expect(lines).toEqual([
      expect.objectContaining({ log: 'audit', audit: 'token.issued', user_id: 7, client_id: 'c1', ip: '192.0.2.1', detail: { grant_type: 'password' }, msg: 'audit token.issued' }),
    ]);
    expect(await rows()).toEqual([]);
    await audit.flush();
    expect(await rows()).toEqual([
      { type: 'token.issued', occurred_at: 1_700_000_000, user_id: 7, client_id: 'c1', ip: '192.0.2.1', detail: '{"grant_type":"password"}' },
    ]);
  });

  it('groups events recorded together into few INSERTs and keeps them all', async () => {
    const execute = jest.spyOn(db, 'execute');
    for (let i = 0; i < 1200; i++) audit.record({ type: 'sign_in.failed', detail: { n: i } });
    await audit.flush();
    expect(execute.mock.calls.length).toBe(3); // 500 + 500 + 200
    const [{ n }] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM audit_event');
    expect(Number(n)).toBe(1200);
  });

  it('stores an event recorded without an IP with ip null', async () => {
    audit.record({ type: 'user.deleted', userId: 3 });
    expect(lines).toEqual([expect.objectContaining({ audit: 'user.deleted', ip: null })]);
    await audit.flush();
    expect(await rows()).toEqual([{ type: 'user.deleted', occurred_at: 1_700_000_000, user_id: 3, client_id: null, ip: null, detail: null }]);
  });

  it('keeps a batch the database refuses, says so once, and stores it on retry', async () => {
    jest.spyOn(db, 'execute').mockRejectedValueOnce(new Error('database went away')).mockRejectedValueOnce(new Error('database went away'));
    audit.record({ type: 'client.deleted', clientId: 'gone' });
    audit.record({ type: 'client.created', clientId: 'next' });
    await audit.flush();
    const failures = lines.filter((l) => l.msg === 'could not store audit events: keeping them and retrying');
    expect(failures).toEqual([expect.objectContaining({ level: 50, queued: 2, error: 'database went away' })]);
    expect(lines.at(-1)).toEqual(expect.objectContaining({ level: 30, msg: 'audit events stored again', failed_attempts: 2 }));
    expect((await rows()).map((r) => r.type)).toEqual(['client.deleted', 'client.created']);
  });

  it('stores an event recorded inside a transaction that then rolls back', async () => {
    await expect(
      db.transaction(async () => {
        await db.execute("INSERT INTO audit_event (type, occurred_at) VALUES ('keys.rotated', 1)", []);
        audit.record({ type: 'token.issued', clientId: 'c1' });
        // The transaction is still open when the writer runs, then it fails.
        await new Promise((resolve) => setTimeout(resolve, 20));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await audit.flush();
    expect((await rows()).map((r) => r.type)).toEqual(['token.issued']);
  });

  it('drops the oldest past the bound, counts them and logs once', async () => {
    jest.spyOn(db, 'execute').mockRejectedValue(new Error('disk full'));
    for (let i = 0; i < MAX_QUEUED + 30; i++) audit.record({ type: 'sign_in.failed', detail: { n: i } });
    const metrics = moduleRef.get(MetricsService);
    expect((await metrics.auditDropped.get()).values[0].value).toBe(30);
    expect(lines.filter((l) => String(l.msg).startsWith('audit queue full'))).toHaveLength(1);
    jest.restoreAllMocks();
    await audit.flush();
    const [{ n }] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM audit_event');
    expect(Number(n)).toBe(MAX_QUEUED);
    const [first] = await db.query<{ detail: string }>('SELECT detail FROM audit_event ORDER BY id LIMIT 1');
    expect(first.detail).toBe('{"n":30}');
  });
});
