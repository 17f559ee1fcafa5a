/**
 * The refresh reuse grace window (REFRESH_REUSE_GRACE): a rotated refresh token presented again by
 * its client within the window gets a sibling pair in the same family, never a family revocation,
 * on one instance or several sharing the database; outside it, reuse detection revokes the family
 * (RFC 9700 §4.14.2).
 */
import { DATABASES, TestApp, startAnotherInstance, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { AdminProvisioned, getProfile, obtainTokens, provisionThroughAdmin, tokenRequest } from '../support/oauth-flow';

const GRACE = 5;

describe.each(DATABASES)('refresh reuse grace window (%s)', (name, db) => {
  let t: TestApp;
  let p: AdminProvisioned;
  beforeAll(async () => {
    t = await startApp(db, { REFRESH_REUSE_GRACE: String(GRACE) });
    p = await provisionThroughAdmin(t);
  });
  afterAll(() => t.close());

  const refresh = (refreshToken: string, on: TestApp = t, who: AdminProvisioned = p) => tokenRequest(on, who, { grant_type: 'refresh_token', refresh_token: refreshToken });

  it('within the window, a rotated refresh token gets a sibling pair; both successors and the family stay alive', async () => {
    const first = await obtainTokens(t, p);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    t.clock.advance(GRACE);
    const sibling = await refresh(first.refresh_token);
    expect(sibling.status).toBe(200);
    expect(sibling.body.refresh_token).not.toBe(second.body.refresh_token);
    expect((await getProfile(t, second.body.access_token)).status).toBe(200);
    expect((await getProfile(t, sibling.body.access_token)).status).toBe(200);
    expect((await refresh(second.body.refresh_token)).status).toBe(200);
    expect((await refresh(sibling.body.refresh_token)).status).toBe(200);
  });

  it('outside the window, the same reuse is a replay: invalid_grant and the whole family revoked', async () => {
    const first = await obtainTokens(t, p);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    t.clock.advance(GRACE + 1);
    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body).toEqual({ error: 'invalid_grant', error_description: 'refresh token is invalid' });
    expect((await getProfile(t, second.body.access_token)).status).toBe(401);
    expect((await refresh(second.body.refresh_token)).status).toBe(400);
  });

  it('no sibling in a family revoked meanwhile (RFC 7009), even within the window', async () => {
    const first = await obtainTokens(t, p);
    const second = await refresh(first.refresh_token);
    const revoked = await postForm(`${t.url}/oauth/revoke`, { token: second.body.refresh_token }, { authorization: basic(p.clientId, p.secret!) });
    expect(revoked.status).toBe(200);
    const again = await refresh(first.refresh_token);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });

  it('another client presenting the token gets invalid_grant and no sibling', async () => {
    const first = await obtainTokens(t, p);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    const other = await provisionThroughAdmin(t);
    const stolen = await refresh(first.refresh_token, t, other);
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
  });

  const parallel = name === 'mysql' ? 'on two instances sharing the database' : 'on one instance';
  it(`8 parallel refreshes of one token ${parallel}: all 200, 8 distinct pairs, the family alive`, async () => {
    const b = name === 'mysql' ? await startAnotherInstance(t, { REFRESH_REUSE_GRACE: String(GRACE) }) : t;
    try {
      const first = await obtainTokens(t, p);
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => refresh(first.refresh_token, i % 2 ? b : t)));
      expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(new Set(results.map((r) => r.body.refresh_token)).size).toBe(8);
      for (const r of results) expect((await getProfile(t, r.body.access_token)).status).toBe(200);
      expect((await refresh(results[7].body.refresh_token, b)).status).toBe(200);
    } finally {
      if (b !== t) await b.close();
    }
  });

  it('REFRESH_REUSE_GRACE=0 keeps strict rotation: the second use revokes the family', async () => {
    const strict = await startApp(db, { REFRESH_REUSE_GRACE: '0' });
    try {
      const q = await provisionThroughAdmin(strict);
      const first = await obtainTokens(strict, q);
      const second = await refresh(first.refresh_token, strict, q);
      expect(second.status).toBe(200);
      expect((await refresh(first.refresh_token, strict, q)).status).toBe(400);
      expect((await getProfile(strict, second.body.access_token)).status).toBe(401);
    } finally {
      await strict.close();
    }
  });
});
