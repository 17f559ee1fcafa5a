import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'node:http';
import { SERVER_ENV, ServerProcess, createMysqlDatabase, ensureBuilt, safeJson, startServer } from '../support/server-process';
import { basic } from '../support/http';

const BURST = 600;
/** SIGTERM goes out once this many token responses have come back. */
const SIGNAL_AFTER = 150;

const DATABASES: Array<[string, () => Promise<{ url: string; drop(): Promise<void> }>]> = [
  ['sqlite', async () => ({ url: `sqlite:${join(mkdtempSync(join(tmpdir(), 'gh-shutdown-')), 'gatehouse.sqlite')}`, drop: async () => undefined })],
  ...(process.env.TEST_MYSQL_URL ? [['mysql', () => createMysqlDatabase(process.env.TEST_MYSQL_URL!, 'shutdown')] as [string, () => Promise<{ url: string; drop(): Promise<void> }>]] : []),
];

interface Answer {
  /** 0: no answer (refused or reset; `error` says which). */
  status: number;
  text: string;
  connection?: string;
  error?: string;
}

/** POST a form through a keep-alive agent (or none: `false`); resolves status, body text and the Connection header. */
function post(url: string, body: string, headers: Record<string, string>, agent: Agent | false): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }));
      res.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, text: '', error: err.code ?? err.message }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, text: '', error: err.code ?? err.message }));
    req.end(body);
  });
}

/** GET on a connection of its own. */
function get(url: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, connection: res.headers.connection }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ status: 0, text: '', error: err.code ?? err.message }));
    req.end();
  });
}

async function admin(server: ServerProcess, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${SERVER_ENV.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res.json();
}

describe.each(DATABASES)('graceful shutdown under load (%s)', (name, createDatabase) => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('SIGTERM in the middle of a burst: readiness 503 at once, every token answered with 200 is active on a fresh instance', async () => {
    const database = await createDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'gh-shutdown-cwd-'));
    // The burst ends well within the drain: every request of it is served.
    const env = { DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: '20', SHUTDOWN_DRAIN_SECONDS: '5' };
    try {
      const first = await startServer(env, cwd);
      const client = await admin(first, 'POST', '/admin/clients', { client_name: 'Burst', grant_types: ['client_credentials'], redirect_uris: [] });
      const authorization = basic(client.client_id, client.client_secret);
      // Many connections at once, as a fleet of clients would open them.
      const agent = new Agent({ keepAlive: true, maxSockets: 64 });

      let answered = 0;
      let inFlightAtSignal = -1;
      let readyAfterSignal = -1;
      let signalled: () => void;
      const signalSent = new Promise<void>((resolve) => (signalled = resolve));
      const outcomes = await Promise.all(
        Array.from({ length: BURST }, async () => {
          try {
            // Status 0: refused or reset once the server stopped accepting.
            const res = await post(`${first.url}/oauth/token`, 'grant_type=client_credentials', { authorization }, agent);
            return { status: res.status, token: res.status === 200 ? (JSON.parse(res.text) as { access_token: string }).access_token : undefined };
          } finally {
            if (++answered === SIGNAL_AFTER) {
              inFlightAtSignal = BURST - answered;
              first.proc.kill('SIGTERM');
              // Once the server has logged that it is shutting down, readiness answers 503 (it drains).
              (async () => {
                for (let i = 0; i < 400 && !first.stdout.some((l) => l.includes('SIGTERM: shutting down')); i++) await new Promise((r) => setTimeout(r, 25));
              })()
                .then(() => fetch(`${first.url}/health/ready`))
                .then((r) => (readyAfterSignal = r.status))
                .catch(() => (readyAfterSignal = 0))
                .finally(() => signalled());
            }
          }
        }),
      );
      await signalSent;
      const code = await first.exited;
      agent.destroy();

      const tokens = outcomes.filter((o) => o.status === 200).map((o) => o.token!);
      const statuses = outcomes.reduce<Record<number, number>>((acc, o) => ((acc[o.status] = (acc[o.status] ?? 0) + 1), acc), {});
      const lines = first.stdout.map(safeJson);
      expect(lines.some((l) => l?.msg === 'SIGTERM: shutting down')).toBe(true);
      expect({ code, stopped: lines.some((l) => l?.msg === 'stopped') }).toEqual({ code: 0, stopped: true, ...(code !== 0 ? { log: first.stdout.slice(-5).concat(first.stderr) } : {}) });
      expect(readyAfterSignal).toBe(503);
      expect(statuses).toEqual({ 200: BURST });

      // A fresh instance on the same database: each of those tokens is there and active.
      const second = await startServer(env, cwd);
      try {
        let active = 0;
        for (const token of tokens) {
          const res = await fetch(`${second.url}/oauth/introspect`, {
            method: 'POST',
            headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ token }).toString(),
          });
          if (((await res.json()) as { active: boolean }).active) active++;
        }
        console.log(
          `graceful shutdown (${name}): ${BURST} requests, ${inFlightAtSignal} in flight at SIGTERM, ` +
            `${tokens.length} answered 200, ${active} active afterwards; statuses ${JSON.stringify(statuses)}; readiness after signal ${readyAfterSignal}`,
        );
        expect(active).toBe(tokens.length);
      } finally {
        second.proc.kill('SIGTERM');
        await second.exited;
      }
    } finally {
      await database.drop();
    }
  }, 120_000);
});

describe('drain a load balancer can see: SIGTERM through `npm start` (sqlite)', () => {
  beforeAll(() => ensureBuilt(), 180_000);

  it('readiness 503 at once while requests are still served with Connection: close; after the drain the listener closes; no reset, no 503, exit 0', async () => {
    const DRAIN_S = 2;
    const cwd = mkdtempSync(join(tmpdir(), 'gh-drain-'));
    const server = await startServer({ DATABASE_URL: `sqlite:${join(cwd, 'gatehouse.sqlite')}`, SHUTDOWN_DRAIN_SECONDS: String(DRAIN_S), SHUTDOWN_TIMEOUT: '20' }, cwd, 60_000, 'npm');
    const client = await admin(server, 'POST', '/admin/clients', { client_name: 'Drain', grant_types: ['client_credentials'], redirect_uris: [] });
    const authorization = basic(client.client_id, client.client_secret);
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });
    let signalAt = 0;
    const answers: Array<Answer & { startedAt: number; at: number }> = [];
    const readiness: Array<Answer & { at: number }> = [];
    // The balancer: checks readiness every 200 ms and takes the server out after 2 failed checks
    // in a row (HAProxy `inter 200ms fall 2`); clients send through it until then.
    let removedAt = 0;
    const worker = async () => {
      while (!removedAt) {
        const startedAt = Date.now();
        const res = await post(`${server.url}/oauth/token`, 'grant_type=client_credentials', { authorization }, agent);
        answers.push({ ...res, startedAt, at: Date.now() });
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const poll = async () => {
      for (let failedChecks = 0; ; ) {
        const res = await get(`${server.url}/health/ready`);
        readiness.push({ ...res, at: Date.now() });
        if (res.error) return;
        failedChecks = res.status === 200 ? 0 : failedChecks + 1;
        if (failedChecks === 2 && !removedAt) removedAt = Date.now();
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    const load = Promise.all([...Array.from({ length: 4 }, worker), poll()]);
    await new Promise((r) => setTimeout(r, 700));
    signalAt = Date.now();
    // To npm, as a service manager would send it: npm must pass it on to the server.
    server.proc.kill('SIGTERM');
    await load;
    const code = await server.exited;
    agent.destroy();

    const after = answers.filter((a) => a.startedAt >= signalAt + 300 && a.status !== 0);
    const failed = answers.filter((a) => a.status !== 200);
    const firstRefusal = Math.min(...readiness.filter((r) => r.error === 'ECONNREFUSED').map((r) => r.at));
    const readyDuring = readiness.filter((r) => r.at > signalAt + 300 && !r.error);
    const lines = server.stdout.map(safeJson);
    console.log(
      `drain via npm start: ${answers.length} requests, ${answers.filter((a) => a.status === 200).length} answered 200 (${after.length} after SIGTERM), failed ${failed.length}; ` +
        `out of the balancer at +${removedAt - signalAt} ms, listener closed at +${firstRefusal - signalAt} ms; readiness during the drain ${JSON.stringify(readyDuring.map((r) => r.status))}`,
    );
    expect(failed.map((a) => `${a.status} ${a.error ?? a.text}`)).toEqual([]);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((a) => a.connection !== 'close')).toEqual([]);
    expect(readyDuring.length).toBeGreaterThan(0);
    for (const r of readyDuring) expect({ status: r.status, body: JSON.parse(r.text) }).toEqual({ status: 503, body: expect.objectContaining({ status: 'unavailable', shutting_down: true }) });
    expect(readiness.filter((r) => r.at < signalAt).every((r) => r.status === 200)).toBe(true);
    expect(firstRefusal - signalAt).toBeGreaterThanOrEqual(DRAIN_S * 1000 - 50);
    expect(lines.map((l) => l?.msg)).toEqual(expect.arrayContaining(['SIGTERM: shutting down', 'drained: closing the listener', 'stopped']));
    expect(code).toBe(0);
  }, 120_000);
});
