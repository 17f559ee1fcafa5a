/**
 * A MySQL server that goes away under load and comes back: while it is gone every answer is a 503
 * with Retry-After in the shape of its endpoint (RFC 6749 §5.2 JSON, the error page, the admin
 * API's JSON), never a 500; the outage is logged once when it starts and once when it ends, with no
 * stack; afterwards the server answers 200 again without a restart. The database is reached
 * through a TCP forwarder the test cuts (connections dropped, then refused).
 */
import { TestApp, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { TcpProxy } from '../support/tcp-proxy';
import { clientFactory } from '../factories/client.factory';
import { adminRequest } from '../factories/admin-request';

const PROXY_PORT = 13301;
const mysqlUrl = process.env.TEST_MYSQL_URL;
const suite = mysqlUrl ? describe : describe.skip;
if (!mysqlUrl) console.log('database outage e2e skipped: it needs a MySQL server (TEST_MYSQL_URL)');

function capture(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return { lines, write: (chunk: string) => void lines.push(...chunk.split('\n').filter(Boolean)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

suite('database outage under load (mysql)', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  const log = capture();
  beforeAll(async () => {
    const target = new URL(mysqlUrl!);
    proxy = new TcpProxy(PROXY_PORT, { host: target.hostname, port: Number(target.port || 3306) });
    await proxy.start();
    const viaProxy = new URL(mysqlUrl!);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(PROXY_PORT);
    t = await startApp(viaProxy.toString(), { LOG_LEVEL: 'info' }, { logDestination: log });
  });
  afterAll(async () => {
    await proxy.start().catch(() => undefined);
    await t?.close();
    await proxy.stop();
  });

  it('answers 503 + Retry-After while the database is gone, logs the outage once, and recovers', async () => {
    const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
    const authorization = basic(client.client_id, secret!);
    const outcomes: Array<{ status: number; retryAfter: string | null; body: string; phase: string }> = [];
    let phase = 'before';
    let stop = false;
    const worker = async () => {
      while (!stop) {
        const started = phase;
        const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization });
        outcomes.push({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text(), phase: started });
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, worker));
    await sleep(1000);

    log.lines.splice(0);
    phase = 'down';
    await proxy.stop();
    await sleep(2500);
    // The other shapes of the same answer while it lasts.
    const admin = await adminRequest(t, 'GET', '/admin/clients');
    const page = await fetch(`${t.url}/oauth/authorize?response_type=code&client_id=not-cached-${Date.now()}&redirect_uri=https://x.example/cb`);
    const pageText = await page.text();
    const ready = await fetch(`${t.url}/health/ready`);

    phase = 'up';
    await proxy.start();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && !outcomes.some((o) => o.phase === 'up' && o.status === 200)) await sleep(100);
    // The outage is declared over once statements have stopped failing for a second: keep the load on until then.
    const recovered = () => log.lines.some((l) => l.includes('database available again'));
    while (Date.now() < deadline && !recovered()) await sleep(100);
    stop = true;
    await load;

    const statuses = outcomes.reduce<Record<string, number>>((acc, o) => ((acc[`${o.phase} ${o.status}`] = (acc[`${o.phase} ${o.status}`] ?? 0) + 1), acc), {});
    console.log(`database outage (mysql): ${JSON.stringify(statuses)}`);
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
    const refused = outcomes.filter((o) => o.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(JSON.parse(o.body)).toEqual({ error: 'temporarily_unavailable', error_description: expect.stringMatching(/retry after \d+ seconds/) });
      expect(Number(o.retryAfter)).toBeGreaterThan(0);
    }
    expect(outcomes.some((o) => o.phase === 'up' && o.status === 200)).toBe(true);

    expect(admin.status).toBe(503);
    expect(admin.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.any(String) });
    // The admin API document lists that answer.
    const doc = (await (await fetch(`${t.url}/docs-json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, any> }>> };
    expect(doc.paths['/admin/clients'].get.responses['503'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ErrorDto' });
    expect(Number(admin.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(page.status).toBe(503);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(pageText).toContain('temporarily_unavailable');
    expect(Number(page.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(ready.status).toBe(503);

    const lines = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.log !== 'access');
    expect(lines.filter((l) => String(l.msg).startsWith('database unavailable'))).toHaveLength(1);
    expect(lines.filter((l) => String(l.msg).startsWith('database available again'))).toHaveLength(1);
    expect(lines.filter((l) => l.stack !== undefined || /\n\s+at /.test(String(l.msg)))).toEqual([]);
    // Each refusal is still in the access log.
    const access = log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.log === 'access' && l.status === 503 && l.route === '/oauth/token');
    expect(access.length).toBeGreaterThan(0);
  }, 60_000);
});
