/**
 * Gatehouse on a three-node MariaDB Galera cluster (scripts/galera-cluster.sh): three instances,
 * each preferring its own node and naming all three in DATABASE_URL, behind HAProxy with health
 * checks on /health/ready. Contenders that commit on different nodes keep single-winner rules
 * (the loser of a certification conflict gets invalid_grant, never a 500), a write on one node is
 * read at once on the others, and a node killed under load costs at most the requests in flight.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SERVER_ENV, ServerProcess, ensureBuilt, safeJson, startServer } from '../support/server-process';
import { HAPROXY, Haproxy, startHaproxy } from '../support/haproxy';
import { UserAgent, basic, freePort, parseForm, postForm } from '../support/http';
import { pkcePair } from '../support/oauth-flow';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'galera-cluster.sh');
const GALERA = '/usr/lib/galera/libgalera_smm.so';
// Skipped only off CI without Galera or HAProxy; under CI=true it must run (and fails if it cannot).
const runs = process.env.CI === 'true' || (existsSync(GALERA) && existsSync(HAPROXY));
const describeGalera = runs ? describe : describe.skip;
if (!runs) console.log(`galera suite skipped: needs ${GALERA} (apt-get install galera-4 rsync) and ${HAPROXY}`);

const PORT_BASE = Number(process.env.GALERA_PORT_BASE ?? 23306);
const NODES = [0, 1, 2].map((i) => `127.0.0.1:${PORT_BASE + i}`);
const run = promisify(execFile);
const sql = (statement: string) => execFileSync('mariadb', ['--protocol=tcp', '-h', '127.0.0.1', '-P', String(PORT_BASE), '-u', 'root', '-e', statement]);

describeGalera('three instances on a three-node Galera cluster, behind HAProxy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-galera-'));
  chmodSync(dir, 0o755); // the nodes run as the mysql user, which must reach their data under it
  // CI starts one cluster (GALERA_DIR) before the tests; otherwise the suite starts, and removes, its own.
  const shared = process.env.GALERA_DIR;
  const database = `gatehouse_${process.pid}`;
  const clusterEnv = { ...process.env, GALERA_DIR: shared ?? join(dir, 'cluster'), GALERA_PORT_BASE: String(PORT_BASE) };
  const cluster = (...args: string[]) => run(SCRIPT, args, { env: clusterEnv });
  let instances: ServerProcess[] = [];
  let lb: Haproxy;
  const served: string[] = [];

  beforeAll(async () => {
    if (!existsSync(GALERA)) throw new Error(`${GALERA} is missing: apt-get install -y galera-4 rsync`);
    if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: apt-get install -y haproxy`);
    ensureBuilt();
    const started = Date.now();
    await cluster('start'); // on a running cluster: waits until all three nodes are Synced
    console.log(`galera: three-node cluster up in ${((Date.now() - started) / 1000).toFixed(1)} s${shared ? ' (already running)' : ''}`);
    sql(`CREATE DATABASE ${database} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    // Instance i prefers node i and names the other two after it. All three start at once: the
    // migration lease lets one of them migrate.
    const lbPort = await freePort();
    const env = (i: number) => ({
      DATABASE_URL: `mysql://root@${[...NODES.slice(i), ...NODES.slice(0, i)].join(',')}/${database}`,
      TRUST_PROXY: '127.0.0.1',
      ISSUER: `http://127.0.0.1:${lbPort}`,
      // The races below are single-winner only under strict rotation (the grace window has its own suite).
      REFRESH_REUSE_GRACE: '0',
    });
    instances = await Promise.all([0, 1, 2].map((i) => startServer(env(i), dir, 60_000)));
    lb = await startHaproxy(dir, instances.map((s) => new URL(s.url).host), { healthCheck: '/health/ready', port: lbPort });
    const migrated = instances.map((s) => s.stdout.map(safeJson).find((l) => Array.isArray(l?.migrations_ran))?.migrations_ran as string[]);
    expect(migrated.filter((m) => m.length > 0)).toHaveLength(1);
  }, 150_000);

  afterAll(async () => {
    lb?.stop();
    for (const s of instances) s.proc.kill('SIGTERM');
    await Promise.all(instances.map((s) => s.exited));
    if (shared) {
      await cluster('start').catch(() => undefined); // the kill test's node is back for whoever comes next
      sql(`DROP DATABASE IF EXISTS ${database}`);
    } else {
      await cluster('destroy').catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const via = (res: Response) => {
    const instance = res.headers.get('x-instance')!;
    served.push(instance);
    return instance;
  };

  async function admin(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${lb.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${SERVER_ENV.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    via(res);
    expect(res.status).toBeLessThan(300);
    return res.status === 204 ? null : res.json();
  }

  let client: { client_id: string; client_secret: string };
  let machine: { client_id: string; client_secret: string };
  const password = 'galera password 123';
  const redirectUri = 'http://127.0.0.1:9/cb';
  let users = 0;

  beforeAll(async () => {
    client = await admin('POST', '/admin/clients', { client_name: 'Galera app', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'] });
    machine = await admin('POST', '/admin/clients', { client_name: 'Galera machine', redirect_uris: [], grant_types: ['client_credentials'] });
  });

  const auth = (c = client) => ({ authorization: basic(c.client_id, c.client_secret) });

  /** Sign-in, consent and code, each step through the balancer (so on another instance and node). */
  async function codeFlow(): Promise<{ code: string; verifier: string; steps: string[] }> {
    const username = `galera-${process.pid}-${++users}`;
    await admin('POST', '/admin/users', { username, password });
    const agent = new UserAgent(lb.url);
    const pkce = pkcePair();
    const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    const steps: string[] = [];
    let res = await agent.get(`/oauth/authorize?${query}`);
    steps.push(via(res));
    expect(res.status).toBe(302);
    const page = await agent.get(res.headers.get('location')!);
    steps.push(via(page));
    const form = parseForm(await page.text());
    res = await agent.postForm(form.action, { ...form.fields, username, password });
    steps.push(via(res));
    expect(res.status).toBe(302);
    // The session row was written on one node; this read happens on another.
    res = await agent.get(res.headers.get('location')!);
    steps.push(via(res));
    expect(res.status).toBe(200);
    const consentForm = parseForm(await res.text());
    res = await agent.postForm(consentForm.action, { ...consentForm.fields, decision: 'approve' });
    steps.push(via(res));
    expect(res.status).toBe(302);
    const callback = new URL(res.headers.get('location')!);
    return { code: callback.searchParams.get('code')!, verifier: pkce.verifier, steps };
  }

  const redeem = (code: string, verifier: string) =>
    postForm(`${lb.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, auth());

  it('runs the code flow with each step on another instance and node', async () => {
    const { code, verifier, steps } = await codeFlow();
    const res = await redeem(code, verifier);
    steps.push(via(res));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    // Round-robin: consecutive steps never share an instance.
    for (let i = 1; i < steps.length; i++) expect(steps[i]).not.toBe(steps[i - 1]);
  });

  /** Nine contenders, three per instance, released together. */
  async function race(request: () => Promise<Response>): Promise<Array<{ status: number; instance: string; body: Record<string, string> }>> {
    return Promise.all(
      Array.from({ length: 9 }, async () => {
        const res = await request();
        return { status: res.status, instance: via(res), body: (await res.json()) as Record<string, string> };
      }),
    );
  }

  it('nine concurrent redemptions of one code across the three nodes: one 200, eight invalid_grant, no 5xx', async () => {
    const { code, verifier } = await codeFlow();
    const answers = await race(() => redeem(code, verifier));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.error)).toEqual(Array(8).fill('invalid_grant'));
    expect(new Set(answers.map((a) => a.instance)).size).toBe(3);
  });

  it('nine concurrent rotations of one refresh token across the three nodes: one 200, eight invalid_grant, no 5xx', async () => {
    const { code, verifier } = await codeFlow();
    const { refresh_token } = (await (await redeem(code, verifier)).json()) as { refresh_token: string };
    const answers = await race(() => postForm(`${lb.url}/oauth/token`, { grant_type: 'refresh_token', refresh_token }, auth()));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.error)).toEqual(Array(8).fill('invalid_grant'));
    expect(new Set(answers.map((a) => a.instance)).size).toBe(3);
  });

  it('a client registered on one node authenticates at once on the others', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const fresh = await admin('POST', '/admin/clients', { client_name: `Galera fresh ${i}`, redirect_uris: [], grant_types: ['client_credentials'] });
      const res = await postForm(`${lb.url}/oauth/token`, { grant_type: 'client_credentials' }, auth(fresh));
      seen.push(via(res));
      expect(res.status).toBe(200);
    }
    expect(new Set(seen).size).toBe(3);
  });

  it('a revocation on one node is seen at once on the others', async () => {
    const { code, verifier } = await codeFlow();
    const { access_token } = (await (await redeem(code, verifier)).json()) as { access_token: string };
    const revoke = await postForm(`${lb.url}/oauth/revoke`, { token: access_token }, auth());
    const revokedOn = via(revoke);
    expect(revoke.status).toBe(200);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const profile = await fetch(`${lb.url}/api/profile`, { headers: { authorization: `Bearer ${access_token}` } });
      seen.push(via(profile));
      expect(profile.status).toBe(401);
    }
    expect(new Set(seen).size).toBe(3);
    expect(seen).toContain(revokedOn);
  });

  it('a node killed under token load and restarted: every token answered 200 stays active, ≤ 1% failed (or ≤ 16, the requests in flight), each a clean 503', async () => {
    const answers: Array<{ status: number; body: Record<string, unknown>; retryAfter: string | null; at: number }> = [];
    const tokens: string[] = [];
    const started = Date.now();
    // The load runs for at least 20 s and until the killed node is back and Synced (how many answers
    // that is depends on the machine's speed, so the checks below are about when, not how many).
    // The kill starts at killingAt and the script returns at killedAt: a request can fail in between.
    let killingAt = Infinity;
    let killedAt = Infinity;
    let backAt = Infinity;
    const worker = async () => {
      while (Date.now() < started + 20_000 || Date.now() < backAt + 2000) {
        const res = await postForm(`${lb.url}/oauth/token`, { grant_type: 'client_credentials' }, auth(machine));
        const text = await res.text();
        const body = (safeJson(text) ?? { text: text.slice(0, 200) }) as Record<string, unknown>;
        answers.push({ status: res.status, body, retryAfter: res.headers.get('retry-after'), at: Date.now() });
        if (res.status === 200) tokens.push(body.access_token as string);
      }
    };
    const fault = (async () => {
      await new Promise((r) => setTimeout(r, 5000));
      try {
        killingAt = Date.now();
        await cluster('kill-node', '3');
        killedAt = Date.now();
        await new Promise((r) => setTimeout(r, 3000));
        await cluster('start-node', '3');
      } finally {
        backAt = Date.now(); // also when the node failed to come back: the load stops, the test fails
      }
      console.log(`galera: node 3 killed at ${((killedAt - started) / 1000).toFixed(1)} s, back and Synced after ${((backAt - killedAt) / 1000).toFixed(1)} s`);
    })();
    await Promise.all([...Array.from({ length: 8 }, worker), fault]);

    const failed = answers.filter((a) => a.status !== 200);
    const moved = instances[2].stdout.map(safeJson).filter((l): l is Record<string, unknown> => typeof l?.msg === 'string' && (l.msg as string).startsWith('database pool moved'));
    console.log(`galera: kill test ${answers.length} answers, ${failed.length} failed (${((100 * failed.length) / answers.length).toFixed(2)}%); instance 3: ${moved.map((l) => l.msg).join(' | ')}`);
    if (failed.length) {
      const kinds = failed.reduce<Record<string, number>>((acc, f) => ((acc[`${f.status} ${JSON.stringify(f.body)}`] = (acc[`${f.status} ${JSON.stringify(f.body)}`] ?? 0) + 1), acc), {});
      const errors = instances.flatMap((s, i) => s.stdout.map(safeJson).filter((l) => l?.level === 'error').map((l) => `gh${i + 1}: ${String(l!.msg).split('\n')[0]}`));
      console.log(`galera: failed answers ${JSON.stringify(kinds)}\n${[...new Set(errors)].slice(0, 20).join('\n')}`);
    }
    // The load covered the fault: answers before the kill, while the node was down, and after it was back.
    expect(answers.filter((a) => a.at < killedAt).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.at > killedAt && a.at < backAt).length).toBeGreaterThan(0);
    expect(answers.filter((a) => a.at > backAt).length).toBeGreaterThan(0);
    // Nothing failed before the fault.
    expect(failed.filter((f) => f.at < killingAt)).toEqual([]);
    // On a starved machine the two surviving nodes can lose the primary component for a moment
    // (wsrep_ready OFF on both, seen once in CI): no node is usable, every instance rightly says it
    // is not ready, and the balancer answers its own 503 until they are back. That is the cluster's
    // outage, not one node's; it shows in the instances' logs, and only then may failures exceed
    // the bound and come from the balancer.
    const quorumLost = instances.some((s) => s.stdout.map(safeJson).some((l) => typeof l?.msg === 'string' && (l.msg as string).startsWith('no usable database node')));
    if (quorumLost) console.log('galera: the surviving nodes lost the primary component for a while (see the log lines above)');
    else expect(failed.length).toBeLessThanOrEqual(Math.max(16, answers.length / 100));
    for (const f of failed) {
      expect(f).toMatchObject({ status: 503 });
      if (quorumLost && typeof f.body.text === 'string') {
        expect(f.body.text).toContain('No server is available'); // HAProxy's own answer
        continue;
      }
      expect(f.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(f.retryAfter).toMatch(/^\d+$/);
    }
    // Instance 3 left its node when it died (and came back to it once it was Synced again).
    expect(moved.length).toBeGreaterThanOrEqual(1);

    // Every token the load was given is active on every node.
    const inactive: string[] = [];
    for (let i = 0; i < tokens.length; i += 32) {
      await Promise.all(
        tokens.slice(i, i + 32).map(async (token) => {
          const res = await postForm(`${lb.url}/oauth/introspect`, { token }, auth(machine));
          if (!((await res.json()) as { active: boolean }).active) inactive.push(token);
        }),
      );
    }
    expect(inactive).toEqual([]);
  }, 120_000);

  it('counts the write conflicts the instances resolved (one log line per burst)', () => {
    const lines = instances.flatMap((s) => s.stdout.map(safeJson)).filter((l) => typeof l?.msg === 'string' && (l.msg as string).startsWith('write conflicts'));
    const total = lines.reduce((sum, l) => sum + Number(/: (\d+) in/.exec(l!.msg as string)?.[1] ?? 0), 0);
    console.log(`galera: ${total} write conflicts in ${lines.length} log lines: ${lines.map((l) => l!.msg).join(' | ')}`);
    // The races above commit on three nodes at once: some certification conflicts are expected,
    // and a burst is one line, not one per conflict.
    expect(lines.length).toBeLessThanOrEqual(total);
    const counts = served.reduce<Record<string, number>>((acc, s) => ((acc[s] = (acc[s] ?? 0) + 1), acc), {});
    expect(Object.keys(counts).sort()).toEqual(['gh1', 'gh2', 'gh3']);
  });
});
