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

/** POST a form through a keep-alive agent; resolves status and body text (status 0: refused or reset). */
function post(url: string, body: string, headers: Record<string, string>, agent: Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', () => resolve({ status: 0, text: '' }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    req.end(body);
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
    const env = { DATABASE_URL: database.url, SHUTDOWN_TIMEOUT: '20' };
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
              // Once the server has logged that it is shutting down, readiness answers 503 (or the
              // listener is already closed and the connection is refused).
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
      expect([0, 503]).toContain(readyAfterSignal);
      expect(tokens.length).toBeGreaterThanOrEqual(SIGNAL_AFTER - 1);

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
