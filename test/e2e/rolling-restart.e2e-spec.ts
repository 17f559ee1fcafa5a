/**
 * A rolling restart of three instances behind HAProxy, configured as docs/load-balancer.md says
 * (readiness checks, `retry-on conn-failure` only), under load: every request the clients send is
 * answered 200, and every token answered is active afterwards.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { SERVER_ENV, ServerProcess, createMysqlDatabase, ensureBuilt, startServer } from '../support/server-process';
import { basic } from '../support/http';
import { HAPROXY, Haproxy, startHaproxy } from '../support/haproxy';

const MYSQL = process.env.TEST_MYSQL_URL;
const runs = process.env.CI === 'true' || (existsSync(HAPROXY) && !!MYSQL);
const describeRolling = runs ? describe : describe.skip;
if (!runs) console.log('rolling restart e2e skipped: it needs HAProxy and a MySQL server (TEST_MYSQL_URL)');

const PORTS = [13320, 13321, 13322];
const LB_PORT = 13323;
const DRAIN_S = 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: any;
  error?: string;
}

function post(url: string, form: Record<string, string>, headers: Record<string, string>, agent: Agent): Promise<Answer> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // kept as text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: null, error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, body: null, error: err.code ?? err.message }));
    req.end(body);
  });
}

describeRolling('rolling restart of three instances behind HAProxy (docs/load-balancer.md settings)', () => {
  let haproxy: Haproxy;
  const instances: ServerProcess[] = [];
  let drop: () => Promise<void>;
  let env: Record<string, string>;
  let dir: string;
  const lb = `http://127.0.0.1:${LB_PORT}`;

  beforeAll(async () => {
    if (!MYSQL) throw new Error('the rolling restart test needs TEST_MYSQL_URL');
    if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: apt-get install -y haproxy`);
    ensureBuilt();
    const database = await createMysqlDatabase(MYSQL, 'rolling');
    drop = database.drop;
    dir = mkdtempSync(join(tmpdir(), 'gh-rolling-'));
    env = { DATABASE_URL: database.url, ISSUER: lb, TRUST_PROXY: '127.0.0.1', PASSWORD_GRANT_ENABLED: 'true', SHUTDOWN_DRAIN_SECONDS: String(DRAIN_S), SHUTDOWN_TIMEOUT: '20' };
    instances.push(await startServer({ ...env, PORT: String(PORTS[0]) }, dir));
    instances.push(...(await Promise.all(PORTS.slice(1).map((port) => startServer({ ...env, PORT: String(port) }, dir)))));
    // docs/load-balancer.md's settings: keep-alive to the servers, readiness checks, and only a
    // request that never reached a server tried again elsewhere.
    haproxy = await startHaproxy(
      dir,
      PORTS.map((port) => `127.0.0.1:${port}`),
      // Checks faster than the documented 1 s: the test's drain is 3 s.
      { port: LB_PORT, healthCheck: '/health/ready', expectStatus: 200, checkInterval: '500ms', checkTimeout: null, serverClose: false, retries: 3, stdout: 'ignore' },
    );
  }, 240_000);

  afterAll(async () => {
    haproxy?.stop();
    for (const s of instances) if (s.proc.exitCode === null) s.proc.kill('SIGTERM');
    await Promise.all(instances.map((s) => s.exited));
    await drop?.();
  }, 60_000);

  it('restarts each instance in turn under load: 0 failed requests, every token answered active afterwards', async () => {
    const adminHeaders = { authorization: `Bearer ${SERVER_ENV.ADMIN_API_KEY}`, 'content-type': 'application/json' };
    const client = (await (
      await fetch(`${lb}/admin/clients`, {
        method: 'POST',
        headers: adminHeaders,
        body: JSON.stringify({ client_name: 'Rolling', grant_types: ['client_credentials', 'password', 'refresh_token'], redirect_uris: [] }),
      })
    ).json()) as { client_id: string; client_secret: string };
    const password = 'rolling password 123';
    const user = await fetch(`${lb}/admin/users`, { method: 'POST', headers: adminHeaders, body: JSON.stringify({ username: `rolling-${Date.now()}`, password }) });
    const { username } = (await user.json()) as { username: string };
    const authorization = basic(client.client_id, client.client_secret);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });

    const failures: string[] = [];
    const tokens: string[] = [];
    let requests = 0;
    let stop = false;
    const issue = async () => {
      while (!stop) {
        requests++;
        const res = await post(`${lb}/oauth/token`, { grant_type: 'client_credentials' }, { authorization }, agent);
        if (res.status === 200) tokens.push(res.body.access_token);
        else failures.push(`client_credentials ${res.status} ${res.error ?? JSON.stringify(res.body)}`);
      }
    };
    const refresh = async () => {
      requests++;
      const first = await post(`${lb}/oauth/token`, { grant_type: 'password', username, password }, { authorization }, agent);
      if (first.status !== 200) return void failures.push(`password ${first.status} ${first.error ?? JSON.stringify(first.body)}`);
      tokens.push(first.body.access_token);
      let refreshToken = first.body.refresh_token as string;
      while (!stop) {
        requests++;
        const res = await post(`${lb}/oauth/token`, { grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization }, agent);
        if (res.status !== 200) return void failures.push(`refresh ${res.status} ${res.error ?? JSON.stringify(res.body)}`);
        tokens.push(res.body.access_token);
        refreshToken = res.body.refresh_token;
      }
    };
    const load = Promise.all([...Array.from({ length: 4 }, issue), ...Array.from({ length: 4 }, refresh)]);

    const restarts: string[] = [];
    await sleep(1000);
    for (let i = 0; i < instances.length; i++) {
      const started = Date.now();
      instances[i].proc.kill('SIGTERM');
      const code = await instances[i].exited;
      instances[i] = await startServer({ ...env, PORT: String(PORTS[i]) }, dir);
      // Back in HAProxy's rotation once it has answered through it.
      for (let seen = false; !seen; await sleep(100)) {
        const res = await fetch(`${lb}/health/live`);
        seen = res.headers.get('x-instance') === `gh${i + 1}`;
      }
      restarts.push(`gh${i + 1}: exit ${code}, back after ${Date.now() - started} ms`);
    }
    await sleep(1000);
    stop = true;
    await load;
    agent.destroy();

    // Every token answered is active, asked through the balancer.
    let inactive = 0;
    for (const token of tokens) {
      const res = await fetch(`${lb}/oauth/introspect`, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token }).toString() });
      const body = (await res.json()) as { active: boolean };
      if (!body.active) inactive++;
    }
    console.log(`rolling restart behind HAProxy: ${requests} requests, ${failures.length} failed, ${tokens.length} tokens, ${inactive} inactive afterwards; ${restarts.join('; ')}`);
    expect(failures).toEqual([]);
    expect(inactive).toBe(0);
    expect(tokens.length).toBeGreaterThan(100);
  }, 180_000);
});
