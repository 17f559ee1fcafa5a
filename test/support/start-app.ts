import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CreateAppOptions, createApp } from '../../src/app.factory';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/env.validation';
import { FixedClock } from '../../src/common/clock';

export const ADMIN_KEY = 'test-admin-key-0123456789abcdef';
/** The cookie secret of every test server (signing keys are encrypted under it): a CLI run on the same database needs it too. */
export const TEST_COOKIE_SECRET = 'test-cookie-secret-0123456789abcdef0123456789';

// In CI the MySQL suite is mandatory: without TEST_MYSQL_URL the run fails instead of skipping it.
if (process.env.CI === 'true' && !process.env.TEST_MYSQL_URL) {
  throw new Error('CI=true but TEST_MYSQL_URL is not set: the MySQL suites must run in CI');
}

/** The databases the e2e suite runs on: SQLite always, MySQL when TEST_MYSQL_URL is set. */
export const DATABASES: Array<[string, string]> = [
  ['sqlite', 'sqlite::memory:'],
  ...(process.env.TEST_MYSQL_URL ? [['mysql', process.env.TEST_MYSQL_URL] as [string, string]] : []),
];

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  clock: FixedClock;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

let mysqlDbCounter = 0;

/**
 * Starts the real application on a loopback port with a fresh database: an in-memory SQLite,
 * or a new database on the test MySQL server (collation utf8mb4_unicode_ci unless `mysqlCollation`),
 * dropped on close.
 */
export async function startApp(databaseUrl = 'sqlite::memory:', env: Record<string, string> = {}, options: CreateAppOptions & { shareDatabase?: boolean; mysqlCollation?: string } = {}): Promise<TestApp> {
  let dropDatabase: (() => Promise<void>) | undefined;
  // shareDatabase: a second instance on another app's MySQL database (which that app drops).
  if (databaseUrl.startsWith('mysql') && !options.shareDatabase) {
    const { createConnection } = await import('mysql2/promise');
    const url = new URL(databaseUrl);
    const name = `gatehouse_t${process.pid}_${Date.now() % 1e6}_${mysqlDbCounter++}`;
    const admin = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE ${options.mysqlCollation ?? 'utf8mb4_unicode_ci'}`);
    await admin.end();
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const c = await createConnection({ host: url.hostname, port: Number(url.port || 3306), user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    };
  }
  const instance = await listen(databaseUrl, env, options);
  return {
    ...instance,
    close: async () => {
      await instance.close();
      await dropDatabase?.();
    },
  };
}

/**
 * Another instance on `first`'s database (as behind a load balancer), with its own process state.
 * Closing it leaves the database to `first`.
 */
export function startAnotherInstance(first: TestApp, env: Record<string, string> = {}, options: CreateAppOptions = {}): Promise<TestApp> {
  const db = first.config.database;
  return listen(db.type === 'mysql' ? db.url : `sqlite:${db.path}`, env, options);
}

async function listen(databaseUrl: string, env: Record<string, string>, options: CreateAppOptions): Promise<TestApp> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl,
    ADMIN_API_KEY: ADMIN_KEY,
    COOKIE_SECRET: TEST_COOKIE_SECRET,
    LOG_LEVEL: 'error',
    // Cheap argon2 parameters keep the suite fast; production defaults are OWASP's.
    ARGON2_MEMORY_KIB: '1024',
    ARGON2_TIME_COST: '1',
    // Suites about other rules fail credentials on purpose, all from 127.0.0.1; the brute-force
    // suites turn the throttle on with THROTTLE_ENABLED=true.
    THROTTLE_ENABLED: 'false',
    // Replay detection is asserted as strict rotation; the grace window's own suite turns it on.
    REFRESH_REUSE_GRACE: '0',
    ...env,
  });
  const clock = new FixedClock(Math.floor(Date.now() / 1000));
  const app = await createApp(config, clock, options);
  try {
    await app.listen(0, '127.0.0.1');
  } catch (err) {
    // A start refused by a start-up check: release the database so the suite can exit.
    await app.close().catch(() => undefined);
    throw err;
  }
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  // The issuer is the listening origin unless the test set one.
  if (!env.ISSUER) config.issuer = url;
  return { app, config, clock, url, close: () => app.close() };
}
