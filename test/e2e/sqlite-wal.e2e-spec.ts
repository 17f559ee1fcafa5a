/**
 * SQLite on a file runs in WAL mode with its checkpoints on a worker thread: no COMMIT on the
 * request path copies the log back into the database, and the log still does not grow without end.
 */
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Db } from '../../src/database/db';
import { SqliteCheckpointer } from '../../src/database/sqlite-checkpointer';
import { startApp, TestApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { clientFactory } from '../factories/client.factory';

const until = async (what: () => boolean, ms: number) => {
  for (const deadline = Date.now() + ms; !what() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 50));
  return what();
};

describe('SQLite write-ahead log checkpoints', () => {
  let dir: string;
  let t: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-wal-'));
    t = await startApp(`sqlite:${join(dir, 'db.sqlite')}`);
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns SQLite\'s checkpoint-on-commit off and checkpoints on its own thread instead', async () => {
    const db = t.app.get(Db);
    expect(await db.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    expect(await db.query('PRAGMA wal_autocheckpoint')).toEqual([{ wal_autocheckpoint: 0 }]);

    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const issued = await Promise.all(
      Array.from({ length: 50 }, () => postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, secret!) })),
    );
    expect(issued.map((r) => r.status)).toEqual(Array(50).fill(200));
    const checkpointer = t.app.get(SqliteCheckpointer);
    const before = checkpointer.checkpoints;
    expect(await until(() => checkpointer.checkpoints > before, 10_000)).toBe(true);
  });

  it('starts the log over while writes never pause', async () => {
    const db = t.app.get(Db);
    const wal = join(dir, 'db.sqlite-wal');
    // WAL header bytes 12–15: the checkpoint sequence number, which grows by one on every restart.
    const restarts = () => {
      const fd = openSync(wal, 'r');
      try {
        const header = Buffer.alloc(16);
        readSync(fd, header, 0, 16, 0);
        return header.readUInt32BE(12);
      } finally {
        closeSync(fd);
      }
    };
    await db.execute('CREATE TABLE wal_filler (id INTEGER PRIMARY KEY, data BLOB)', []);
    const blob = Buffer.alloc(16 * 1024, 1);
    const checkpointer = t.app.get(SqliteCheckpointer);
    const first = restarts();
    const checkpoints = checkpointer.checkpoints;
    // 16 KiB commits without a pause (yielding only so the checkpoint thread's reports arrive),
    // until the log has started over twice, or for ten checkpoints of the thread.
    while (restarts() < first + 2 && checkpointer.checkpoints < checkpoints + 10) {
      await db.execute('INSERT INTO wal_filler (data) VALUES (?)', [blob]);
      await new Promise((r) => setImmediate(r));
    }
    expect(restarts()).toBeGreaterThanOrEqual(first + 2);
    await db.execute('DROP TABLE wal_filler', []);
  }, 120_000);

  it('stops the thread on shutdown and leaves a database with every row', async () => {
    const file = join(dir, 'db.sqlite');
    await t.close();
    // The last connection to close checkpoints and removes the log.
    expect(existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0).toBe(0);
    t = await startApp(`sqlite:${file}`);
    const [{ n }] = await t.app.get(Db).query<{ n: number }>('SELECT COUNT(*) AS n FROM oauth2_token');
    expect(Number(n)).toBe(50);
  });
});
