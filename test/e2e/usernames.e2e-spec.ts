/**
 * Usernames in one canonical form (RFC 8265 UsernameCaseMapped): sign-up, the admin API, sign-in,
 * the password grant, the brute-force counters, the audit log and the database lookup all compare
 * `alice` the same way, on SQLite and on MySQL whatever the database's collation. Before, MySQL's
 * `utf8mb4_unicode_ci` took `álice`, `alice` + U+200B, `ａｌｉｃｅ` and `ALİCE` for `alice` while the
 * counters did not: each spelling signed in as alice around her lock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AuditEvent, AuditService } from '../../src/audit/audit.service';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { migrations } from '../../src/database/migrations';
import { UsernameCanonical1796180000000 } from '../../src/database/migrations/1796180000000-username-canonical';
import { ClientsService } from '../../src/clients/clients.service';
import { TestApp, startApp } from '../support/start-app';
import { UserAgent, basic, parseForm, postForm } from '../support/http';
import { adminRequest } from '../factories/admin-request';

const SETUPS: Array<[string, string, string | undefined]> = [
  ['sqlite', 'sqlite::memory:', undefined],
  ...(process.env.TEST_MYSQL_URL
    ? ([
        ['mysql utf8mb4_unicode_ci', process.env.TEST_MYSQL_URL, 'utf8mb4_unicode_ci'],
        ['mysql utf8mb4_general_ci', process.env.TEST_MYSQL_URL, 'utf8mb4_general_ci'],
      ] as Array<[string, string, string]>)
    : []),
];

const PASSWORD = 'correct horse battery staple';
/** Other names than alice's: each must stay a stranger to her account. */
const OTHER_NAMES = ['álice', 'alice\u200b', '\u200balice', 'ali\u00adce', 'ALİCE', 'alice '];
/** The same name as alice's, in other spellings: they share her account and her counters. */
const SAME_NAMES = ['Alice', 'ALICE', 'ａｌｉｃｅ', 'ＡＬＩＣＥ'];

describe.each(SETUPS)('usernames in one canonical form (%s)', (_name, db, collation) => {
  let t: TestApp;
  let events: AuditEvent[];
  let alice: { id: number };
  let client: { clientId: string; secret: string };

  beforeAll(async () => {
    t = await startApp(db, { THROTTLE_ENABLED: 'true', THROTTLE_ACCOUNT_FAILURES: '10', PASSWORD_GRANT_ENABLED: 'true' }, { mysqlCollation: collation });
    events = [];
    jest.spyOn(t.app.get(AuditService), 'record').mockImplementation((e) => void events.push(e));
    const created = await adminRequest(t, 'POST', '/admin/users', { username: 'alice', password: PASSWORD });
    expect(created.status).toBe(201);
    alice = created.body;
    const c = await t.app.get(ClientsService).create({ client_name: 'Password app', grant_types: ['password'], redirect_uris: [], token_endpoint_auth_method: 'client_secret_basic', scope: 'profile' });
    client = { clientId: c.client.clientId, secret: c.secret! };
  });
  afterAll(() => t.close());
  beforeEach(() => {
    t.clock.advance(43_201); // past every window and lock
    events.length = 0;
  });

  async function login(username: string, password: string, from = '127.0.0.1') {
    const agent = new UserAgent(t.url, from);
    const form = parseForm(await (await agent.get('/login')).text());
    const res = await agent.postForm('/login', { ...form.fields, username, password });
    const profile = res.status === 302 ? await (await agent.get('/')).text() : '';
    return { status: res.status, signedInAs: /Signed in as ([^<]*)</.exec(profile)?.[1] ?? null };
  }

  async function passwordGrant(username: string, password: string) {
    const res = await postForm(`${t.url}/oauth/token`, { grant_type: 'password', username, password }, { authorization: basic(client.clientId, client.secret) });
    return { status: res.status, body: (await res.json()) as any };
  }

  it('refuses names outside the IdentifierClass at creation with a 400 naming the rule', async () => {
    const cases: Array<[string, RegExp]> = [
      ['alice\u200b', /zero-width/],
      ['ali\u202ece', /bidi/],
      ['alice\u0007', /control/],
      ['a b', /spaces/],
      ['\ufb01le', /compatibility/],
    ];
    for (const [username, rule] of cases) {
      const res = await adminRequest(t, 'POST', '/admin/users', { username, password: PASSWORD });
      expect(res.status).toBe(400);
      expect(res.body.fields.username).toMatch(rule);
      expect(res.body.fields.username).toMatch(/RFC 8265/);
    }
  });

  it('takes every spelling of an existing name as that name: 409', async () => {
    for (const username of SAME_NAMES) {
      const res = await adminRequest(t, 'POST', '/admin/users', { username, password: PASSWORD });
      expect(res.status).toBe(409);
    }
  });

  it('signs in with any spelling of the same name, and with no other name', async () => {
    for (const username of SAME_NAMES) expect(await login(username, PASSWORD)).toEqual({ status: 302, signedInAs: 'alice' });
    for (const username of OTHER_NAMES) expect((await login(username, PASSWORD)).status).toBe(401);
  });

  it('after five wrong passwords lock alice, no spelling signs in as her, on the page or through the password grant', async () => {
    for (let i = 0; i < 4; i++) expect((await login('alice', 'wrong password')).status).toBe(401);
    expect((await login('alice', 'wrong password')).status).toBe(429);
    for (const username of SAME_NAMES) expect(await login(username, PASSWORD)).toEqual({ status: 429, signedInAs: null });
    for (const username of OTHER_NAMES) expect(await login(username, PASSWORD)).toEqual({ status: 401, signedInAs: null });
    for (const username of SAME_NAMES) expect((await passwordGrant(username, PASSWORD)).status).toBe(429);
    for (const username of OTHER_NAMES) {
      // invalid_grant, or 429 once the impossible names (which share one counter) have failed five times.
      const res = await passwordGrant(username, PASSWORD);
      expect(res.body.access_token).toBeUndefined();
      expect([400, 429]).toContain(res.status);
    }
    // The locks were alice's, under her canonical name, or the impossible names'; the strangers were marked unknown.
    const locked = events.filter((e) => e.type === 'sign_in.locked_out').map((e) => e.detail?.username);
    expect(new Set(locked)).toEqual(new Set(['alice', '(invalid)']));
    expect(locked.filter((u) => u === 'alice')).toHaveLength(1 + SAME_NAMES.length * 2);
    const failed = events.filter((e) => e.type === 'sign_in.failed' && e.detail?.unknown_username).map((e) => e.detail?.username);
    expect(new Set(failed)).toEqual(new Set(['álice', '(invalid)', 'ali\u0307ce']));
    t.clock.advance(60);
    expect(await login('ＡＬＩＣＥ', PASSWORD)).toEqual({ status: 302, signedInAs: 'alice' });
  });

  it('many addresses guessing different spellings all count on alice: the account limit holds', async () => {
    // Twelve failures over six addresses (two each, under each address's own limit of five),
    // spelled six ways: the account's limit across addresses (THROTTLE_ACCOUNT_FAILURES, 10 here) is reached.
    const spellings = ['alice', 'Alice', 'ALICE', 'ａｌｉｃｅ', 'ＡＬＩＣＥ', 'aLiCe'];
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(spellings[i % 6], 'guess' + i, `127.0.0.${40 + (i % 6)}`)).status);
    expect(statuses.slice(0, 9).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(9)).not.toContain(401);
    expect(statuses.filter((s) => s === 302)).toEqual([]);
  });

  it('a different name that a loose collation would fold into alice is an account of its own', async () => {
    const res = await adminRequest(t, 'POST', '/admin/users', { username: 'Álice', password: 'another password 1' });
    expect(res.status).toBe(201);
    expect(res.body.id).not.toBe(alice.id);
    expect(await login('álice', 'another password 1')).toEqual({ status: 302, signedInAs: 'Álice' });
    expect((await login('álice', PASSWORD)).status).toBe(401);
    expect(await login('alice', PASSWORD)).toEqual({ status: 302, signedInAs: 'alice' });
    // Renaming to a spelling of a name that is taken is refused too.
    expect((await adminRequest(t, 'PATCH', `/admin/users/${res.body.id}`, { username: 'ＡＬＩＣＥ' })).status).toBe(409);
    expect((await adminRequest(t, 'PATCH', `/admin/users/${res.body.id}`, { username: 'ÁLICE' })).status).toBe(200);
  });
});

describe('migration UsernameCanonical', () => {
  const before = migrations.slice(0, migrations.indexOf(UsernameCanonical1796180000000));
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gatehouse-usernames-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function open(list: typeof migrations) {
    const ds = new DataSource({ ...dataSourceOptions({ type: 'sqlite', path: join(dir, 'db.sqlite') }), migrations: list });
    await ds.initialize();
    await ds.runMigrations();
    return ds;
  }
  const insert = "INSERT INTO `user` (username, password_hash, created_at) VALUES (?, 'x', 0)";

  it('fills the canonical form of every existing username', async () => {
    const old = await open(before);
    for (const name of ['alice', 'Bob', 'carol.smith@example.com']) await old.query(insert, [name]);
    await old.destroy();
    const after = await open(migrations);
    expect(await after.query('SELECT username, username_canonical AS c FROM `user` ORDER BY id')).toEqual([
      { username: 'alice', c: 'alice' },
      { username: 'Bob', c: 'bob' },
      { username: 'carol.smith@example.com', c: 'carol.smith@example.com' },
    ]);
    await expect(after.query(insert.replace('username,', 'username, username_canonical,').replace('?,', "?, 'bob',"), ['BOB'])).rejects.toThrow();
    await after.destroy();
  });

  it('stops with a list of the accounts whose names collide, changing nothing', async () => {
    const old = await open(before);
    for (const name of ['Alice', 'dave', 'alice', 'ALICE', 'Erin', 'erin']) await old.query(insert, [name]);
    await old.destroy();
    await expect(open(migrations)).rejects.toThrow(/rename all but one of each group:\n {2}"alice": id 1 "Alice", id 3 "alice", id 4 "ALICE"\n {2}"erin": id 5 "Erin", id 6 "erin"/);
    const still = await open(before);
    const columns = (await still.query("SELECT name FROM pragma_table_info('user')")) as Array<{ name: string }>;
    expect(columns.map((c) => c.name)).not.toContain('username_canonical');
    await still.destroy();
  });
});
