/**
 * Every token answered is an audit event stored: under concurrent refresh rotation (each one a
 * transaction that records `token.issued`), the `audit_event` rows of the client equal the
 * tokens the client was answered, and equal its `oauth2_token` rows.
 */
import { DATABASES, TestApp, startApp } from '../support/start-app';
import { AdminProvisioned, obtainTokens, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';
import { AuditService } from '../../src/audit/audit.service';
import { Db } from '../../src/database/db';

/** Parallel refresh chains, and how long (or how many refreshes) they run. */
const CHAINS = 24;
const MAX_REFRESHES = 4000;
const MAX_MS = 12_000;

describe.each(DATABASES)('audit events under refresh load (%s)', (_name, database) => {
  let t: TestApp;
  let p: AdminProvisioned;
  beforeAll(async () => {
    t = await startApp(database);
    p = await provisionThroughAdmin(t);
  });
  afterAll(() => t.close());

  it('stores one token.issued event for every token answered, none lost', async () => {
    const starts = await Promise.all(Array.from({ length: CHAINS }, () => obtainTokens(t, p)));
    let answered = starts.length;
    let refreshes = 0;
    const failures: string[] = [];
    const deadline = Date.now() + MAX_MS;
    await Promise.all(
      starts.map(async (start: { refresh_token: string }) => {
        let refreshToken = start.refresh_token;
        while (Date.now() < deadline && refreshes < MAX_REFRESHES) {
          refreshes++;
          const res = await tokenRequest(t, p, { grant_type: 'refresh_token', refresh_token: refreshToken });
          if (res.status !== 200) {
            failures.push(`${res.status} ${JSON.stringify(res.body)}`);
            break;
          }
          answered++;
          refreshToken = res.body.refresh_token;
        }
      }),
    );
    expect(failures).toEqual([]);
    await t.app.get(AuditService).flush();
    const db = t.app.get(Db);
    const count = async (sql: string) => Number((await db.query<{ n: number }>(sql, [p.clientId]))[0].n);
    const events = await count("SELECT COUNT(*) AS n FROM audit_event WHERE type = 'token.issued' AND client_id = ?");
    const rows = await count('SELECT COUNT(*) AS n FROM oauth2_token WHERE client_id = ?');
    console.log(`audit under load (${_name}): ${refreshes} refreshes, ${answered} tokens answered, ${rows} token rows, ${events} token.issued events`);
    expect(answered).toBeGreaterThan(CHAINS * 10);
    expect({ events, rows }).toEqual({ events: answered, rows: answered });
  }, 60_000);
});
