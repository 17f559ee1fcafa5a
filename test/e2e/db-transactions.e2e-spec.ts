/**
 * Db.transaction: statements made anywhere below `work` join its transaction, overlapping
 * transactions keep their own, and once none is open statements run on their own again (the
 * transaction store is switched off between transactions, which must not lose an open one).
 * On MySQL a transaction that loses a deadlock is run again, whole, instead of failing.
 */
import { Db } from '../../src/database/db';
import { DATABASES, startApp, TestApp } from '../support/start-app';

describe.each(DATABASES)('Db transactions (%s)', (_name, url) => {
  let t: TestApp;
  let db: Db;
  beforeAll(async () => {
    t = await startApp(url);
    db = t.app.get(Db);
    await db.execute('CREATE TABLE tx_probe (label VARCHAR(40) NOT NULL)', []);
  });
  afterAll(async () => {
    await db?.execute('DROP TABLE tx_probe', []);
    await t?.close();
  });

  const labels = async () => (await db.query<{ label: string }>('SELECT label FROM tx_probe ORDER BY label')).map((r) => r.label);
  const insert = (label: string) => db.execute('INSERT INTO tx_probe (label) VALUES (?)', [label]);
  const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

  beforeEach(() => db.execute('DELETE FROM tx_probe', []));

  it('commits what work wrote, and rolls all of it back when work throws', async () => {
    await db.transaction(async () => {
      await insert('kept-1');
      await tick();
      await insert('kept-2');
    });
    await expect(
      db.transaction(async () => {
        await insert('lost-1');
        await tick();
        await insert('lost-2');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await labels()).toEqual(['kept-1', 'kept-2']);
    expect(db.inTransaction).toBe(false);
  });

  it('runs afterCommit work once the transaction commits, never for one that rolled back', async () => {
    const seen: string[] = [];
    await db.transaction(async () => {
      await insert('x');
      db.afterCommit(() => seen.push('committed'));
      expect(seen).toEqual([]);
    });
    await expect(
      db.transaction(async () => {
        db.afterCommit(() => seen.push('rolled back'));
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    db.afterCommit(() => seen.push('no transaction'));
    expect(seen).toEqual(['committed', 'no transaction']);
  });

  it('keeps a transaction that is still open when another one ends first', async () => {
    let releaseLong!: () => void;
    const longMayEnd = new Promise<void>((resolve) => (releaseLong = resolve));
    const long = db.transaction(async () => {
      await insert('long-before');
      await longMayEnd;
      // The short transaction has committed by now (on MySQL) or not started yet (SQLite runs one at a time).
      expect(db.inTransaction).toBe(true);
      await insert('long-after');
      throw new Error('roll the long one back');
    });
    const short = db.transaction(async () => insert('short'));
    await (url.startsWith('sqlite') ? tick() : short);
    releaseLong();
    await expect(long).rejects.toThrow('roll the long one back');
    await short;
    expect(await labels()).toEqual(['short']);
    await insert('after-all');
    expect(await labels()).toEqual(['after-all', 'short']);
    expect(db.inTransaction).toBe(false);
  });

  it('runs a transaction that lost a deadlock again, so both contenders commit (MySQL)', async () => {
    if (url.startsWith('sqlite')) return; // one writer at a time: SQLite cannot deadlock
    await db.execute('CREATE TABLE tx_pair (id INT NOT NULL PRIMARY KEY, n INT NOT NULL)', []);
    try {
      await db.execute('INSERT INTO tx_pair (id, n) VALUES (1, 0), (2, 0)', []);
      const conflictsBefore = db.conflicts.total;
      let runs = 0;
      let afterCommits = 0;
      let lockedCount = 0;
      let bothLocked!: () => void;
      const locked = new Promise<void>((resolve) => (bothLocked = resolve));
      const bump = (id: number) => db.execute('UPDATE tx_pair SET n = n + 1 WHERE id = ?', [id]);
      // Opposite order: each holds one row and waits for the other's; InnoDB rolls one back (1213).
      const contender = (firstId: number, secondId: number) =>
        db.transaction(async () => {
          runs++;
          await bump(firstId);
          if (++lockedCount === 2) bothLocked();
          await locked;
          await bump(secondId);
          db.afterCommit(() => afterCommits++);
        });
      await Promise.all([contender(1, 2), contender(2, 1)]);
      expect(runs).toBe(3);
      expect(afterCommits).toBe(2);
      expect(db.conflicts.total).toBe(conflictsBefore + 1);
      expect(await db.query('SELECT id, n FROM tx_pair ORDER BY id')).toEqual([
        { id: 1, n: 2 },
        { id: 2, n: 2 },
      ]);
    } finally {
      await db.execute('DROP TABLE tx_pair', []);
    }
  });
});
