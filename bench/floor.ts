/**
 * The floors: a plain Fastify server answering the bench's request shapes with constant bodies
 * and, given a MySQL URL, the same server doing exactly one mysql2 statement per request
 * (INSERT of a token-sized row for token shapes, SELECT by indexed key for profile and introspection).
 * Run as a child process (`startFloor`), pinned to the server's CPU, on the Fastify found in
 * BENCH_FLOOR_FASTIFY_DIR (the newest Fastify 5, see floor-fastify.ts) or else the project's.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';
import { createInterface } from 'node:readline';
import type { FastifyInstance } from 'fastify';
import * as mysql from 'mysql2/promise';
import { loadFastify } from './floor-fastify';
import { benchEntry, spawnPinned, stopChild } from './proc';

/** Each floor has a database of its own (two benches may share a MySQL server), dropped when it stops. */
const floorDatabase = (pid: number) => `gatehouse_bench_floor_${pid}`;
const TOKEN = {
  access_token: 'floor-access-token-0000000000000000000000000',
  token_type: 'Bearer',
  expires_in: 3600,
  refresh_token: 'floor-refresh-token-000000000000000000000000',
  scope: 'profile',
};
const TOKEN_JSON = JSON.stringify(TOKEN);
const PROFILE_JSON = JSON.stringify({ id: 1, username: 'bench' });
const INTROSPECTION_JSON = JSON.stringify({
  active: true, scope: 'profile', client_id: 'floor-client', username: 'bench', token_type: 'Bearer',
  exp: 4102444800, iat: 1700000000, sub: '1', iss: 'http://127.0.0.1',
});
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>Floor</title></head><body>${body}</body></html>`;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const serverUrl = (url: string) => {
  const base = new URL(url.replace(/^mariadb:/, 'mysql:'));
  base.pathname = '/';
  return base;
};

async function openFloorDb(url: string): Promise<mysql.Pool> {
  const FLOOR_DATABASE = floorDatabase(process.pid);
  const base = serverUrl(url);
  const conn = await mysql.createConnection(base.href);
  await conn.query(`CREATE DATABASE IF NOT EXISTS \`${FLOOR_DATABASE}\``);
  await conn.query(`USE \`${FLOOR_DATABASE}\``);
  await conn.query('DROP TABLE IF EXISTS floor_token');
  await conn.query(`CREATE TABLE floor_token (
    id INT AUTO_INCREMENT PRIMARY KEY, client_id VARCHAR(64) NOT NULL, user_id INT NULL, token_type VARCHAR(40) NOT NULL,
    access_token_hash VARCHAR(64) NOT NULL UNIQUE, refresh_token_hash VARCHAR(64) NULL UNIQUE, scope TEXT NOT NULL,
    issued_at BIGINT NOT NULL, expires_in INT NOT NULL, family_id VARCHAR(64) NOT NULL
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`);
  await conn.end();
  base.pathname = `/${FLOOR_DATABASE}`;
  const poolSize = Number(process.env.DATABASE_POOL_SIZE) || 10;
  return mysql.createPool({ uri: base.href, connectionLimit: poolSize, charset: 'utf8mb4_unicode_ci' });
}

const insertToken = (db: mysql.Pool) =>
  db.query(
    'INSERT INTO floor_token (client_id, user_id, token_type, access_token_hash, refresh_token_hash, scope, issued_at, expires_in, family_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ['floor-client', 1, 'Bearer', randomBytes(32).toString('hex'), randomBytes(32).toString('hex'), 'profile', Math.floor(Date.now() / 1000), 3600, randomBytes(16).toString('hex')],
  );
const selectToken = (db: mysql.Pool, token: string) =>
  db.query('SELECT * FROM floor_token WHERE access_token_hash = ?', [sha256(token)]);

function bearer(auth: string | undefined): string {
  return auth?.startsWith('Bearer ') ? auth.slice(7) : '';
}

/** One floor server; with `db`, every API request runs exactly one statement first. */
export async function buildFloor(Fastify: ReturnType<typeof loadFastify>['factory'], db?: mysql.Pool): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  // Form bodies parsed by Node's querystring: the floor needs no plugin (and so no plugin version to match).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, parseQuery(body as string)));
  app.get('/health', async () => ({ status: 'ok' }));

  app.post('/oauth/token', async (req, reply) => {
    if (db) await insertToken(db);
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(TOKEN_JSON);
  });
  app.get('/api/profile', async (req, reply) => {
    if (db) await selectToken(db, bearer(req.headers.authorization));
    reply.type('application/json; charset=utf-8').send(PROFILE_JSON);
  });
  app.post('/oauth/introspect', async (req, reply) => {
    if (db) await selectToken(db, String((req.body as Record<string, string>)?.token ?? ''));
    reply.header('cache-control', 'no-store').type('application/json; charset=utf-8').send(INTROSPECTION_JSON);
  });

  // The authorization-code flow, same hops as a browser: authorize → login form → consent form → redirect.
  app.get('/oauth/authorize', async (req, reply) => {
    const query = req.url.slice(req.url.indexOf('?') + 1);
    const signedIn = (req.headers.cookie ?? '').includes('floor_session=');
    reply.header('x-frame-options', 'DENY').type('text/html; charset=utf-8');
    if (!signedIn) {
      return page(`<form method="post" action="/login"><input type="hidden" name="csrf" value="floor-csrf">` +
        `<input type="hidden" name="return_to" value="${esc(`/oauth/authorize?${query}`)}">` +
        `<input name="username"><input type="password" name="password"><button type="submit">Sign in</button></form>`);
    }
    const q = req.query as Record<string, string>;
    return page(`<form method="post" action="/oauth/authorize"><p>Floor client wants profile</p>` +
      `<input type="hidden" name="csrf" value="floor-csrf"><input type="hidden" name="redirect_uri" value="${esc(q.redirect_uri ?? '')}">` +
      `<input type="hidden" name="state" value="${esc(q.state ?? '')}">` +
      `<button name="decision" value="approve">Allow</button><button name="decision" value="deny">Deny</button></form>`);
  });
  app.post('/login', async (req, reply) => {
    const body = req.body as Record<string, string>;
    reply.header('set-cookie', 'floor_session=1; Path=/; HttpOnly; SameSite=Lax').redirect(body.return_to || '/', 302);
  });
  app.post('/oauth/authorize', async (req, reply) => {
    const body = req.body as Record<string, string>;
    const target = new URL(body.redirect_uri || 'http://127.0.0.1/cb');
    target.searchParams.set('code', 'floor-code');
    target.searchParams.set('state', body.state ?? '');
    reply.redirect(target.href, 302);
  });
  return app;
}

async function main(): Promise<void> {
  const mysqlUrl = process.env.BENCH_FLOOR_MYSQL_URL;
  const { factory, version } = loadFastify(process.env.BENCH_FLOOR_FASTIFY_DIR || null);
  const plain = await buildFloor(factory);
  await plain.listen({ port: 0, host: '127.0.0.1' });
  let dbPort: number | null = null;
  if (mysqlUrl) {
    const pool = await openFloorDb(mysqlUrl);
    const withDb = await buildFloor(factory, pool);
    withDb.addHook('onClose', async () => pool.end());
    await withDb.listen({ port: 0, host: '127.0.0.1' });
    dbPort = (withDb.server.address() as { port: number }).port;
  }
  const plainPort = (plain.server.address() as { port: number }).port;
  process.stdout.write(`FLOOR ${JSON.stringify({ plain: plainPort, db: dbPort, fastify: version })}\n`);
  process.on('SIGTERM', () => process.exit(0));
}

export interface RunningFloor {
  plain: string;
  /** Origin of the database floor, when a MySQL URL was given. */
  db: string | null;
  pid: number;
  /** The Fastify version the floors run on. */
  fastify: string;
  stop(): Promise<void>;
}

async function dropFloorDb(url: string, name: string): Promise<void> {
  const conn = await mysql.createConnection(serverUrl(url).href);
  try {
    await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await conn.end();
  }
}

/** Spawns the floors (pinned to `cpu`) and waits for their ports. */
export function startFloor(cpu: number | null, mysqlUrl: string | undefined, fastifyDir: string | null = null): Promise<RunningFloor> {
  const child = spawnPinned(cpu, process.execPath, benchEntry('floor'), {
    env: { ...process.env, BENCH_FLOOR_MYSQL_URL: mysqlUrl ?? '', BENCH_FLOOR_FASTIFY_DIR: fastifyDir ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errors = '';
  child.stderr!.on('data', (c: Buffer) => (errors = (errors + c.toString()).slice(-3000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`floor did not start within 30 s\n${errors}`));
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`floor exited with code ${code}\n${errors.trim()}`));
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('FLOOR ')) return;
      clearTimeout(timer);
      const ports = JSON.parse(line.slice(6)) as { plain: number; db: number | null; fastify: string };
      resolve({
        plain: `http://127.0.0.1:${ports.plain}`,
        db: ports.db ? `http://127.0.0.1:${ports.db}` : null,
        pid: child.pid!,
        fastify: ports.fastify,
        stop: async () => {
          await stopChild(child);
          if (ports.db && mysqlUrl) await dropFloorDb(mysqlUrl, floorDatabase(child.pid!));
        },
      });
    });
  });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`floor: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
