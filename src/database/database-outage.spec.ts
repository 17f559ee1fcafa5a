import { DatabaseOutage, outageKind } from './database-outage';
import { DatabaseUnavailableError } from './database-unavailable.error';

describe(DatabaseOutage.name, () => {
  const err = (props: Record<string, unknown>, message = 'boom') => Object.assign(new Error(message), props);

  it('classifies a lost or refused MySQL connection as a connection outage', () => {
    expect(outageKind(err({ code: 'ECONNREFUSED' }))).toBe('connection');
    expect(outageKind(err({ code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe('connection');
    expect(outageKind(err({}, "Can't add new command when connection is in closed state"))).toBe('connection');
  });

  it('classifies a full, read-only, failing or locked SQLite file as a write outage', () => {
    for (const code of ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_IOERR_WRITE', 'SQLITE_BUSY']) expect(outageKind(err({ code }))).toBe('write');
  });

  it('leaves ordinary statement errors alone', () => {
    expect(outageKind(err({ code: 'SQLITE_CONSTRAINT_UNIQUE' }))).toBeNull();
    expect(outageKind(err({ code: 'ER_DUP_ENTRY' }))).toBeNull();
    expect(outageKind(new Error('syntax error'))).toBeNull();
  });

  it('turns an outage into DatabaseUnavailableError and keeps other errors as they are', () => {
    const outage = new DatabaseOutage(7);
    const other = err({ code: 'ER_DUP_ENTRY' });
    expect(outage.classify(other)).toBe(other);
    expect(outage.down).toBe(false);
    const unavailable = outage.classify(err({ code: 'SQLITE_FULL' }, 'database or disk is full'));
    expect(unavailable).toBeInstanceOf(DatabaseUnavailableError);
    expect(unavailable).toMatchObject({ retryAfter: 7 });
    expect(outage.down).toBe(true);
  });

  it('ends a write outage only with a write, a connection outage with any statement, once failures have stopped', () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const outage = new DatabaseOutage();
    outage.classify(err({ code: 'SQLITE_FULL' }));
    jest.advanceTimersByTime(1500);
    outage.succeeded(false);
    expect(outage.down).toBe(true);
    outage.succeeded(true);
    expect(outage.down).toBe(false);
    outage.classify(err({ code: 'ECONNREFUSED' }));
    outage.succeeded(false);
    expect(outage.down).toBe(true);
    jest.advanceTimersByTime(1500);
    outage.succeeded(false);
    expect(outage.down).toBe(false);
    jest.useRealTimers();
  });
});
