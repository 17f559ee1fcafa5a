/**
 * The janitor on MySQL with a million expired token rows while token traffic continues: how long
 * `db:purge` takes, and the token endpoint's p99 before and during it.
 *
 *   npm run build && TEST_MYSQL_URL=mysql://root@127.0.0.1:3306/test npx ts-node --transpile-only bench/purge-under-load.ts [rows]
 */
import { spawn, execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: object, cb: (err: Error | null, result: any) => void) => { stop(): void };

const ROOT = join(__dirname, '..');
const ROWS = Number(process.argv[2] ?? 1_000_000);
const ADMIN_KEY = 'bench-admin-key-0123456789abcdef';

async function main(): Promise<void> {
  const base = new URL(process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test');
  const name = `gatehouse_purge_${process.pid}`;
  const admin = await createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  base.pathname = `/${name}`;
  const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', DATABASE_URL: base.toString(), ADMIN_API_KEY: ADMIN_KEY, COOKIE_SECRET: 'x'.repeat(40), PORT: '0', LOG_LEVEL: 'warn', LOG_FORMAT: 'json' };
  const server = spawn(process.execPath, [join(ROOT, 'dist/src/main.js')], { env: { ...env, LOG_LEVEL: 'info' }, cwd: mkdtempSync(join(tmpdir(), 'gh-purge-')), stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve) => {
      let buffered = '';
      server.stdout!.on('data', (c: Buffer) => {
        buffered += c.toString();
        const m = /"url":"([^"]+)"/.exec(buffered);
        if (m) resolve(m[1]);
      });
    });
    const client = (await (
      await fetch(`${url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'bench', grant_types: ['client_credentials'], redirect_uris: [] }),
      })
    ).json()) as { client_id: string; client_secret: string };

    const db = await createConnection({ uri: base.toString() });
    let started = Date.now();
    // A million rows long past their lifetime, in one INSERT ... SELECT over a generated sequence.
    const digits = 'SELECT 0 d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9';
    await db.query(
      `INSERT INTO oauth2_token (client_id, user_id, token_type, access_token_hash, refresh_token_hash, scope, issued_at, expires_in, code_id, family_id, parent_id)
       SELECT ?, NULL, 'Bearer', SHA2(CONCAT('expired-', n), 256), NULL, 'profile', 1000, 3600, NULL, CONCAT('f', n), NULL
       FROM (SELECT a.d + b.d * 10 + c.d * 100 + e.d * 1000 + f.d * 10000 + g.d * 100000 AS n
             FROM (${digits}) a, (${digits}) b, (${digits}) c, (${digits}) e, (${digits}) f, (${digits}) g) seq
       WHERE n < ?`,
      [client.client_id, ROWS],
    );
    console.log(`inserted ${ROWS} expired rows in ${Date.now() - started} ms`);
    await db.end();

    const load = (stopWhen?: Promise<unknown>, duration = 15) =>
      new Promise<any>((resolve, reject) => {
        const instance = autocannon(
          {
            url: `${url}/oauth/token`,
            method: 'POST',
            connections: 16,
            duration: stopWhen ? 3600 : duration,
            headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
            body: 'grant_type=client_credentials',
          },
          (err, result) => (err ? reject(err) : resolve(result)),
        );
        void stopWhen?.then(() => instance.stop());
      });

    const before = await load(undefined, 15);
    console.log(`before: ${before.requests.average} req/s, p50 ${before.latency.p50} ms, p99 ${before.latency.p99} ms, non-2xx ${before.non2xx}`);

    started = Date.now();
    const purge = new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(ROOT, 'dist/src/cli.js'), 'db:purge'], { env, maxBuffer: 1 << 20 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
    );
    const during = await load(purge);
    const report = JSON.parse(await purge) as { deleted: Record<string, number>; ms: number };
    console.log(`purge: ${JSON.stringify(report.deleted)} in ${report.ms} ms (CLI process ${Date.now() - started} ms)`);
    console.log(`during: ${during.requests.average} req/s, p50 ${during.latency.p50} ms, p99 ${during.latency.p99} ms, non-2xx ${during.non2xx}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
