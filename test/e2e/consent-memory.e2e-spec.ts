import { ConsentsService } from '../../src/consents/consents.service';
import { Db } from '../../src/database/db';
import { DATABASES, startApp, TestApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';
import { authorize, pkcePair, provision, Provisioned } from '../support/oauth-flow';

/** Column name → nullable, the unique keys and the foreign keys of oauth2_consent, as either database reports them. */
async function consentTable(db: Db): Promise<{ columns: Record<string, boolean>; unique: string[]; foreignKeys: string[] }> {
  if (db.isSqlite) {
    const cols = await db.query<{ name: string; notnull: number; pk: number }>('PRAGMA table_info("oauth2_consent")');
    const unique: string[] = [];
    for (const index of (await db.query<{ name: string; unique: number }>('PRAGMA index_list("oauth2_consent")')).filter((i) => Number(i.unique) === 1)) {
      unique.push((await db.query<{ name: string }>(`PRAGMA index_info("${index.name}")`)).map((c) => c.name).join(','));
    }
    const fks = await db.query<{ from: string; table: string; to: string; on_delete: string }>('PRAGMA foreign_key_list("oauth2_consent")');
    return {
      columns: Object.fromEntries(cols.map((c) => [c.name, Number(c.notnull) === 0 && Number(c.pk) === 0])),
      unique: unique.sort(),
      foreignKeys: fks.map((f) => `${f.from} -> ${f.table}.${f.to} ON DELETE ${f.on_delete}`).sort(),
    };
  }
  const cols = await db.query<{ name: string; nullable: string }>(
    "SELECT COLUMN_NAME AS name, IS_NULLABLE AS nullable FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'oauth2_consent'",
  );
  const unique = await db.query<{ cols: string }>(
    'SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX) AS cols FROM information_schema.STATISTICS ' +
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'oauth2_consent' AND NON_UNIQUE = 0 AND INDEX_NAME <> 'PRIMARY' GROUP BY INDEX_NAME",
  );
  const fks = await db.query<{ col: string; ref_table: string; ref_col: string; on_delete: string }>(
    'SELECT k.COLUMN_NAME AS col, k.REFERENCED_TABLE_NAME AS ref_table, k.REFERENCED_COLUMN_NAME AS ref_col, r.DELETE_RULE AS on_delete ' +
      'FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r ' +
      'ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME ' +
      "WHERE k.TABLE_SCHEMA = DATABASE() AND k.TABLE_NAME = 'oauth2_consent' AND k.REFERENCED_TABLE_NAME IS NOT NULL",
  );
  return {
    columns: Object.fromEntries(cols.map((c) => [c.name, c.nullable === 'YES'])),
    unique: unique.map((u) => u.cols).sort(),
    foreignKeys: fks.map((f) => `${f.col} -> ${f.ref_table}.${f.ref_col} ON DELETE ${f.on_delete}`).sort(),
  };
}

describe.each(DATABASES)('remembered consent (%s)', (_name, db) => {
  let t: TestApp;
  beforeAll(async () => (t = await startApp(db, { IMPLICIT_ENABLED: 'true' })));
  afterAll(() => t.close());

  const params = (p: Provisioned, scope: string, state = 's1') => ({ response_type: 'code', client_id: p.clientId, redirect_uri: p.redirectUri, scope, state });

  /** A browser signed in as p's user that has approved `scope` once. */
  async function approvedOnce(p: Provisioned, scope: string): Promise<UserAgent> {
    const agent = new UserAgent(t.url);
    const cb = await authorize(agent, params(p, scope), p, 'approve');
    expect(cb.searchParams.get('code')).toBeTruthy();
    return agent;
  }

  it('the migration builds oauth2_consent with its columns, unique (user_id, client_id) and cascading foreign keys', async () => {
    expect(await consentTable(t.app.get(Db))).toEqual({
      columns: { id: false, user_id: false, client_id: false, scope: false, created_at: false, updated_at: false },
      unique: ['user_id,client_id'],
      foreignKeys: ['client_id -> oauth2_client.client_id ON DELETE CASCADE', 'user_id -> user.id ON DELETE CASCADE'],
    });
  });

  it('approving stores the grant, and the next request for the same scope skips the consent page', async () => {
    const p = await provision(t);
    const agent = await approvedOnce(p, 'profile email');
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile email', 'again'))}`);
    expect(res.status).toBe(302);
    const cb = new URL(res.headers.get('location')!);
    expect(cb.origin + cb.pathname).toBe(p.redirectUri);
    expect(cb.searchParams.get('state')).toBe('again');
    expect(cb.searchParams.get('code')).toBeTruthy();
    const [grant] = await t.app.get(ConsentsService).listForUser(p.userId);
    expect(grant).toMatchObject({ userId: p.userId, clientId: p.clientId, scope: 'profile email', createdAt: t.clock.now(), updatedAt: t.clock.now() });
    const events = await adminRequest(t, 'GET', `/admin/events?type=consent.given&client_id=${p.clientId}`);
    expect(events.body.data).toEqual([expect.objectContaining({ user_id: p.userId, ip: '127.0.0.1', detail: { scope: 'profile email' } })]);
  });

  it('a request for fewer scopes skips the consent page too', async () => {
    const p = await provision(t);
    const agent = await approvedOnce(p, 'profile email');
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'email'))}`);
    expect(res.status).toBe(302);
    expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
  });

  it('a wider request asks again, and approving it widens the grant to the union', async () => {
    const p = await provision(t);
    const agent = await approvedOnce(p, 'profile');
    const res = await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'email'))}`);
    expect(res.status).toBe(200);
    const form = parseForm(await res.text());
    expect(form.buttons.decision).toEqual(['deny', 'approve']);
    t.clock.advance(5);
    const approved = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
    expect(approved.status).toBe(302);
    const [grant] = await t.app.get(ConsentsService).listForUser(p.userId);
    expect(grant.scope).toBe('profile email');
    expect(grant.updatedAt).toBe(grant.createdAt + 5);
    const third = await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile email'))}`);
    expect(third.status).toBe(302);
  });

  it('denying stores nothing, so the next request asks again', async () => {
    const p = await provision(t);
    const agent = new UserAgent(t.url);
    const cb = await authorize(agent, params(p, 'profile'), p, 'deny');
    expect(cb.searchParams.get('error')).toBe('access_denied');
    expect(await t.app.get(ConsentsService).listForUser(p.userId)).toEqual([]);
    expect((await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile'))}`)).status).toBe(200);
  });

  it("one user's consent does not cover another user", async () => {
    const p = await provision(t);
    await approvedOnce(p, 'profile');
    const other = await provision(t);
    const agent = new UserAgent(t.url);
    // Sign the other user in, then ask for p's client.
    const login = parseForm(await (await agent.get('/login')).text());
    expect((await agent.postForm('/login', { ...login.fields, username: other.username, password: other.password })).status).toBe(302);
    expect((await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile'))}`)).status).toBe(200);
  });

  it('deleting the client deletes its consent grants (ON DELETE CASCADE)', async () => {
    const p = await provision(t);
    await approvedOnce(p, 'profile');
    expect(await t.app.get(ConsentsService).listForUser(p.userId)).toHaveLength(1);
    expect((await adminRequest(t, 'DELETE', `/admin/clients/${p.clientId}`)).status).toBe(204);
    expect(await t.app.get(ConsentsService).listForUser(p.userId)).toEqual([]);
  });

  it('revoking forgets the grant and revokes the tokens the user granted that client', async () => {
    const p = await provision(t);
    const agent = await approvedOnce(p, 'profile');
    const consents = t.app.get(ConsentsService);
    expect(await consents.revoke(p.userId, p.clientId)).toBe(true);
    expect(await consents.listForUser(p.userId)).toEqual([]);
    expect((await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile'))}`)).status).toBe(200);
    expect(await consents.revoke(p.userId, p.clientId)).toBe(false);
  });

  it('revoking burns a code issued before it and not yet redeemed: redeeming it is invalid_grant', async () => {
    const p = await provision(t);
    const agent = new UserAgent(t.url);
    const cb = await authorize(agent, params(p, 'profile'), p, 'approve');
    const code = cb.searchParams.get('code')!;
    expect(await t.app.get(ConsentsService).revoke(p.userId, p.clientId)).toBe(true);
    const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'authorization_code', code, redirect_uri: p.redirectUri }, { authorization: basic(p.clientId, p.secret!) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'authorization code was already used' });
  });
  describe('public clients (token_endpoint_auth_method none)', () => {
    const publicClient = (extra: Record<string, unknown> = {}) =>
      provision(t, { token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1/callback'], grant_types: ['authorization_code'], ...extra });
    const codeParams = (p: Provisioned, port: number, state: string) => ({
      response_type: 'code',
      client_id: p.clientId,
      redirect_uri: `http://127.0.0.1:${port}/callback`,
      scope: 'profile',
      state,
      code_challenge: pkcePair().challenge,
      code_challenge_method: 'S256',
    });

    it('asks again after an approval: another port with its own PKCE pair gets the consent page, not a code', async () => {
      const p = await publicClient();
      const agent = new UserAgent(t.url);
      const first = await authorize(agent, codeParams(p, 50001, 'one'), p, 'approve');
      expect(first.searchParams.get('code')).toBeTruthy();
      // The approval is stored (the console lists it, to withdraw), but it does not speak for the next request.
      expect(await t.app.get(ConsentsService).listForUser(p.userId)).toHaveLength(1);
      const second = await agent.get(`/oauth/authorize?${new URLSearchParams(codeParams(p, 50002, 'two'))}`);
      expect(second.status).toBe(200);
      const form = parseForm(await second.text());
      expect(form.buttons.decision).toEqual(['deny', 'approve']);
      const approved = await agent.postForm(form.action, { ...form.fields, decision: 'approve' });
      expect(approved.status).toBe(302);
      const cb = new URL(approved.headers.get('location')!);
      expect(cb.origin).toBe('http://127.0.0.1:50002');
      expect(cb.searchParams.get('state')).toBe('two');
    });

    it('asks every time for an implicit request too', async () => {
      const p = await publicClient({ grant_types: ['implicit'], response_types: ['token'] });
      const agent = new UserAgent(t.url);
      const params = { response_type: 'token', client_id: p.clientId, redirect_uri: 'http://127.0.0.1:50003/callback', scope: 'profile', state: 'i1' };
      const first = await authorize(agent, params, p, 'approve');
      expect(new URLSearchParams(first.hash.slice(1)).get('access_token')).toBeTruthy();
      const issued = await adminRequest(t, 'GET', `/admin/events?type=token.issued&client_id=${p.clientId}`);
      expect(issued.body.data).toEqual([expect.objectContaining({ user_id: p.userId, ip: '127.0.0.1', detail: expect.objectContaining({ grant_type: 'implicit' }) })]);
      const again = await agent.get(`/oauth/authorize?${new URLSearchParams({ ...params, state: 'i2' })}`);
      expect(again.status).toBe(200);
      expect(parseForm(await again.text()).buttons.decision).toEqual(['deny', 'approve']);
    });

    it('never asks when the operator set skip_consent', async () => {
      const p = await publicClient({ skip_consent: true });
      const agent = new UserAgent(t.url);
      const first = await authorize(agent, codeParams(p, 50004, 'a'), p);
      expect(first.searchParams.get('code')).toBeTruthy();
      const res = await agent.get(`/oauth/authorize?${new URLSearchParams(codeParams(p, 50005, 'b'))}`);
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
    });

    it('a confidential client is still remembered', async () => {
      const p = await provision(t);
      const agent = await approvedOnce(p, 'profile');
      expect((await agent.get(`/oauth/authorize?${new URLSearchParams(params(p, 'profile', 'x'))}`)).status).toBe(302);
    });
  });
});
