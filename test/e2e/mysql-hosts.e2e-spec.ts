/**
 * Several database hosts in DATABASE_URL: when the node the pool uses goes away, the pool moves to
 * the next within a second and requests keep working; with no node left, /health/ready says so
 * and statements answer DatabaseUnavailableError (a 503), and a node that comes back is used
 * again without a restart. The "nodes" here are two TCP proxies in front of the test MySQL.
 */
import { createServer, Server, Socket, connect } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { Db } from '../../src/database/db';
import { DatabaseUnavailableError } from '../../src/database/database-unavailable.error';
import { mysqlHostsOf } from '../../src/database/mysql-hosts';
import { startApp, TestApp } from '../support/start-app';

const MYSQL = process.env.TEST_MYSQL_URL;
const describeMysql = MYSQL ? describe : describe.skip;

/** A node that can be taken away (listener closed, every connection cut) and brought back on its port. */
class Node {
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  port = 0;
  constructor(private readonly target: { host: string; port: number }) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function eventually(check: () => Promise<boolean> | boolean, ms = 3000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < ms) {
    if (await check()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

describeMysql('several database hosts (MySQL behind two proxies)', () => {
  const base = new URL(MYSQL ?? 'mysql://localhost/');
  const server = { host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
  const name = `gatehouse_hosts_${process.pid}_${Date.now() % 1e6}`;
  const nodes = [new Node(server), new Node(server)];
  let t: TestApp;
  let db: Db;

  const ready = async () => (await fetch(`${t.url}/health/ready`)).status;

  beforeAll(async () => {
    const admin = await createConnection(server);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await admin.end();
    for (const n of nodes) await n.up();
    const auth = base.username ? `${base.username}${base.password ? `:${base.password}` : ''}@` : '';
    const url = `mysql://${auth}${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}/${name}`;
    t = await startApp(url, {}, { shareDatabase: true });
    db = t.app.get(Db);
  });
  afterAll(async () => {
    await t?.close();
    for (const n of nodes) await n.down();
    const admin = await createConnection(server);
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });

  it('uses the first host while it is there', async () => {
    expect(mysqlHostsOf(db.dataSource)?.currentHost).toBe(`127.0.0.1:${nodes[0].port}`);
    expect(await ready()).toBe(200);
  });

  it('moves the pool to the next host within a second of losing the first, and keeps answering', async () => {
    await db.query('SELECT 1'); // the pool holds connections to the first node
    await nodes[0].down();
    const moved = await eventually(() => mysqlHostsOf(db.dataSource)?.currentHost === `127.0.0.1:${nodes[1].port}`);
    expect(moved).toBeLessThan(1000);
    expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await ready()).toBe(200);
  });

  it('with no host left, is not ready and answers DatabaseUnavailableError; a host that returns is used without a restart', async () => {
    await nodes[1].down();
    await eventually(async () => (await ready()) === 503);
    await expect(db.query('SELECT 1')).rejects.toBeInstanceOf(DatabaseUnavailableError);
    await nodes[0].up();
    await eventually(async () => (await ready()) === 200);
    expect(mysqlHostsOf(db.dataSource)?.currentHost).toBe(`127.0.0.1:${nodes[0].port}`);
    expect(await db.query<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });
});
