import { Logger } from '@nestjs/common';
import { DatabaseUnavailableError } from './database-unavailable.error';
import { WriteConflicts, isWriteConflict } from './write-conflict';

const deadlock = () => Object.assign(new Error('Deadlock found when trying to get lock; try restarting transaction'), { errno: 1213, code: 'ER_LOCK_DEADLOCK' });

describe(WriteConflicts.name, () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it('classifies a deadlock (1213) and a lock wait timeout (1205) as conflicts, nothing else', () => {
    expect(isWriteConflict(deadlock())).toBe(true);
    expect(isWriteConflict(Object.assign(new Error('Lock wait timeout exceeded'), { errno: 1205 }))).toBe(true);
    expect(isWriteConflict(Object.assign(new Error('Duplicate entry'), { errno: 1062 }))).toBe(false);
    expect(isWriteConflict(new Error('plain'))).toBe(false);
    expect(isWriteConflict(null)).toBe(false);
  });

  it('runs the work again after a conflict and answers its result', async () => {
    const conflicts = new WriteConflicts({ baseDelayMs: 1 });
    let runs = 0;
    const result = await conflicts.retry(async () => {
      if (++runs < 3) throw deadlock();
      return 'committed';
    });
    expect(result).toBe('committed');
    expect(runs).toBe(3);
    expect(conflicts.total).toBe(2);
  });

  it('gives up after the bounded attempts with DatabaseUnavailableError (a 503), not the driver error', async () => {
    const conflicts = new WriteConflicts({ attempts: 4, baseDelayMs: 1 });
    let runs = 0;
    const failed = conflicts.retry(async () => {
      runs++;
      throw deadlock();
    });
    await expect(failed).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await expect(failed).rejects.toMatchObject({ retryAfter: 1 });
    expect(runs).toBe(4);
  });

  it('passes any other error through at once', async () => {
    const conflicts = new WriteConflicts({ baseDelayMs: 1 });
    let runs = 0;
    await expect(
      conflicts.retry(async () => {
        runs++;
        throw Object.assign(new Error('Duplicate entry'), { errno: 1062 });
      }),
    ).rejects.toThrow('Duplicate entry');
    expect(runs).toBe(1);
  });

  it('logs one line per burst of conflicts, however many there were', async () => {
    const conflicts = new WriteConflicts({ baseDelayMs: 1, burstMs: 50 });
    await Promise.all(
      Array.from({ length: 10 }, () => {
        let runs = 0;
        return conflicts.retry(async () => {
          if (++runs < 2) throw deadlock();
        });
      }),
    );
    expect(warn).not.toHaveBeenCalled();
    await new Promise((r) => setTimeout(r, 120));
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatch(/write conflicts .*: 10 in \d+ ms, 10 retried, 0 gave up/);
  });
});
