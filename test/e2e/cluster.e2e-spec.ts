import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_ENV, ServerProcess, createMysqlDatabase, ensureBuilt, startServer } from '../support/server-process';
import { UserAgent, basic, freePort, parseForm, postForm } from '../support/http';
import { pkcePair } from '../support/oauth-flow';
import { HAPROXY, Haproxy, startHaproxy } from '../support/haproxy';

const MYSQL = process.env.TEST_MYSQL_URL;
// Skipped only off CI without HAProxy or MySQL; under CI=true it must run (and fails if it cannot).
const runs = process.env.CI === 'true' || (existsSync(HAPROXY) && !!MYSQL);
const describeCluster = runs ? describe : describe.skip;

/**
 * Three instances of the built server on one MariaDB database (and Redis when TEST_REDIS_URL is
 * set), behind Debian's HAProxy, round-robin: each request may land on any instance, so every
 * piece of state a flow needs must live in the database, Redis or a signed cookie.
 */
describeCluster('three instances behind HAProxy (round-robin, one MariaDB)', () => {
  let haproxy: Haproxy;
  let instances: ServerProcess[] = [];
  let lb: string;
  let drop: () => Promise<void>;
  const served: string[] = [];

  beforeAll(async () => {
    if (!MYSQL) throw new Error('the several-instances test needs TEST_MYSQL_URL');
    if (!existsSync(HAPROXY)) throw new Error(`${HAPROXY} is missing: apt-get install -y haproxy`);
    ensureBuilt();
    const database = await createMysqlDatabase(MYSQL, 'cluster');
    drop = database.drop;
    const lbPort = await freePort();
    lb = `http://127.0.0.1:${lbPort}`;
    const dir = mkdtempSync(join(tmpdir(), 'gh-cluster-'));
    const env: Record<string, string> = {
      DATABASE_URL: database.url,
      ISSUER: lb,
      TRUST_PROXY: '127.0.0.1',
      // The replay below comes at once: strict rotation (the grace window has its own suite).
      REFRESH_REUSE_GRACE: '0',
      ...(process.env.TEST_REDIS_URL ? { REDIS_URL: process.env.TEST_REDIS_URL, REDIS_PREFIX: `gh-cluster-${process.pid}:` } : {}),
    };
    // The first runs the migrations; the other two find the schema up to date.
    instances.push(await startServer(env, dir));
    instances.push(...(await Promise.all([startServer(env, dir), startServer(env, dir)])));

    // One request per server connection (the helper's default): each request is balanced on its own.
    haproxy = await startHaproxy(dir, instances.map((s) => new URL(s.url).host), { port: lbPort });
  }, 240_000);

  afterAll(async () => {
    haproxy?.stop();
    for (const s of instances) s.proc.kill('SIGTERM');
    await Promise.all(instances.map((s) => s.exited));
    await drop?.();
  }, 60_000);

  /** Which instance answered (HAProxy's X-Instance), remembered for the spread assertions. */
  const via = (res: Response) => {
    const instance = res.headers.get('x-instance')!;
    served.push(instance);
    return instance;
  };

  async function admin(method: string, path: string, body?: unknown): Promise<any> {
    const res = await fetch(`${lb}${path}`, {
      method,
      headers: { authorization: `Bearer ${SERVER_ENV.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    via(res);
    return res.status === 204 ? null : res.json();
  }

  let client: { client_id: string; client_secret: string };
  const password = 'cluster password 123';
  const redirectUri = 'http://127.0.0.1:9/cb';
  let users = 0;

  beforeAll(async () => {
    client = await admin('POST', '/admin/clients', {
      client_name: 'Cluster app',
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
    });
  });

  const auth = () => ({ authorization: basic(client.client_id, client.client_secret) });

  /** Sign-in, consent and code, each step through the balancer; answers the code and which instance did what. */
  async function codeFlow(): Promise<{ code: string; verifier: string; signIn: string; consent: string }> {
    // A new user each time: every flow signs in and is asked for consent.
    const username = `cluster-${process.pid}-${++users}`;
    await admin('POST', '/admin/users', { username, password });
    const agent = new UserAgent(lb);
    const pkce = pkcePair();
    const query = new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, state: 's', code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    let res = await agent.get(`/oauth/authorize?${query}`);
    via(res);
    let signIn = '';
    if (res.status === 302 && res.headers.get('location')!.startsWith('/login')) {
      const page = await agent.get(res.headers.get('location')!);
      via(page);
      const form = parseForm(await page.text());
      res = await agent.postForm(form.action, { ...form.fields, username, password });
      signIn = via(res);
      expect(res.status).toBe(302);
      res = await agent.get(res.headers.get('location')!);
      via(res);
    }
    expect(res.status).toBe(200);
    const consentForm = parseForm(await res.text());
    res = await agent.postForm(consentForm.action, { ...consentForm.fields, decision: 'approve' });
    const consent = via(res);
    expect(res.status).toBe(302);
    const callback = new URL(res.headers.get('location')!);
    return { code: callback.searchParams.get('code')!, verifier: pkce.verifier, signIn, consent };
  }

  const redeem = (code: string, verifier: string) =>
    postForm(`${lb}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, auth());

  it('code + PKCE with sign-in, consent and token request on three different instances', async () => {
    const { code, verifier, signIn, consent } = await codeFlow();
    // Strict round-robin puts the 4th request after sign-in back on the sign-in instance: one
    // probe in between sends the token request to the third one.
    via(await fetch(`${lb}/health/live`));
    const res = await redeem(code, verifier);
    const token = via(res);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ token_type: 'Bearer', access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(new Set([signIn, consent, token]).size).toBe(3);
  });

  it('refresh rotation across instances: the new token works anywhere, the old one is a replay everywhere', async () => {
    const { code, verifier } = await codeFlow();
    const first = (await (await redeem(code, verifier)).json()) as { refresh_token: string };
    const rotated = await postForm(`${lb}/oauth/token`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, auth());
    const rotatedOn = via(rotated);
    expect(rotated.status).toBe(200);
    const second = (await rotated.json()) as { refresh_token: string; access_token: string };
    const replay = await postForm(`${lb}/oauth/token`, { grant_type: 'refresh_token', refresh_token: first.refresh_token }, auth());
    expect(via(replay)).not.toBe(rotatedOn);
    expect([replay.status, await replay.json()]).toEqual([400, { error: 'invalid_grant', error_description: 'refresh token is invalid' }]);
    // The replay revoked the family, on every instance.
    for (let i = 0; i < 3; i++) {
      const res = await postForm(`${lb}/oauth/introspect`, { token: second.access_token }, auth());
      via(res);
      expect(await res.json()).toEqual({ active: false });
    }
  });

  it('concurrent redemptions of one code spread over the instances: exactly one winner', async () => {
    const { code, verifier } = await codeFlow();
    const answers = await Promise.all(Array.from({ length: 9 }, async () => {
      const res = await redeem(code, verifier);
      return { status: res.status, instance: via(res), body: (await res.json()) as Record<string, string> };
    }));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.error)).toEqual(Array(8).fill('invalid_grant'));
    expect(new Set(answers.map((a) => a.instance)).size).toBe(3);
  });

  it('concurrent rotations of one refresh token spread over the instances: exactly one winner', async () => {
    const { code, verifier } = await codeFlow();
    const { refresh_token } = (await (await redeem(code, verifier)).json()) as { refresh_token: string };
    const answers = await Promise.all(Array.from({ length: 9 }, async () => {
      const res = await postForm(`${lb}/oauth/token`, { grant_type: 'refresh_token', refresh_token }, auth());
      return { status: res.status, instance: via(res), body: (await res.json()) as Record<string, string> };
    }));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.error)).toEqual(Array(8).fill('invalid_grant'));
    expect(new Set(answers.map((a) => a.instance)).size).toBe(3);
  });

  it('a revocation on one instance is seen at once on the others', async () => {
    const { code, verifier } = await codeFlow();
    const { access_token } = (await (await redeem(code, verifier)).json()) as { access_token: string };
    const revoke = await postForm(`${lb}/oauth/revoke`, { token: access_token }, auth());
    const revokedOn = via(revoke);
    expect(revoke.status).toBe(200);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const profile = await fetch(`${lb}/api/profile`, { headers: { authorization: `Bearer ${access_token}` } });
      seen.push(via(profile));
      expect(profile.status).toBe(401);
    }
    expect(new Set(seen).size).toBe(3);
    expect(seen).toContain(revokedOn);
  });

  it('every instance took its share of the requests', () => {
    const counts = served.reduce<Record<string, number>>((acc, s) => ((acc[s] = (acc[s] ?? 0) + 1), acc), {});
    console.log(`three instances behind HAProxy: requests per instance ${JSON.stringify(counts)}`);
    expect(Object.keys(counts).sort()).toEqual(['gh1', 'gh2', 'gh3']);
  });
});
