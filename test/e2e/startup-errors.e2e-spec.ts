import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runServer } from '../support/server-process';

const MYSQL = process.env.TEST_MYSQL_URL;
/**
 * "Fast" means the process gives up by itself instead of hanging on a driver's default timeouts
 * (a minute or more). A loaded 2-core machine takes several seconds just to load the built server,
 * so the bound is generous: what it catches is a hang, not a slow start.
 */
const FAST = 30_000;
const mysqlIt = MYSQL ? it : it.skip;

/** The server started with a broken DATABASE_URL: exit 1 with one line on stderr, fast, no stack. */
async function failedStart(databaseUrl: string): Promise<{ code: number | null; stdout: string[]; stderr: string[]; ms: number }> {
  const started = Date.now();
  const server = runServer({ DATABASE_URL: databaseUrl }, mkdtempSync(join(tmpdir(), 'gh-start-')));
  const code = await server.exited;
  // Let the pipes drain.
  await new Promise((r) => setTimeout(r, 50));
  return { code, stdout: server.stdout.filter(Boolean), stderr: server.stderr.filter(Boolean), ms: Date.now() - started };
}

describe('database errors at start', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  mysqlIt('an unknown database: says to create it, with the exact CREATE DATABASE', async () => {
    const url = new URL(MYSQL!);
    url.pathname = '/gatehouse_missing_db';
    const result = await failedStart(url.toString());
    expect(result).toEqual({
      code: 1,
      stdout: [],
      stderr: [
        `gatehouse: failed to start: database "gatehouse_missing_db" does not exist on ${url.hostname}:${url.port || 3306}: create it first, e.g. ` +
          'CREATE DATABASE `gatehouse_missing_db` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;',
      ],
      ms: expect.any(Number),
    });
    expect(result.ms).toBeLessThan(FAST);
  });

  mysqlIt('access denied: names the user, never the password', async () => {
    const url = new URL(MYSQL!);
    url.username = 'gatehouse_no_such_user';
    url.password = 'wrong-password-value';
    const result = await failedStart(url.toString());
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([
      `gatehouse: failed to start: access denied for user "gatehouse_no_such_user" on ${url.hostname}:${url.port || 3306}: check the user and password in DATABASE_URL`,
    ]);
    expect(result.ms).toBeLessThan(FAST);
  });

  it('nothing listening on the port: connection refused', async () => {
    const result = await failedStart('mysql://gatehouse:secret-pw@127.0.0.1:1/gatehouse');
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual(['gatehouse: failed to start: cannot reach MySQL at 127.0.0.1:1: connection refused (is it running, and is this the right port?)']);
    expect(result.ms).toBeLessThan(FAST);
  });

  it('an unknown host', async () => {
    const result = await failedStart('mysql://gatehouse:secret-pw@no-such-host.invalid:3306/gatehouse');
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual(['gatehouse: failed to start: cannot reach MySQL at no-such-host.invalid:3306: unknown host "no-such-host.invalid"']);
    expect(result.ms).toBeLessThan(FAST);
  });
});
