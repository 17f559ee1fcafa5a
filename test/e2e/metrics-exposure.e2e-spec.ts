/**
 * /metrics and /health/ready are public endpoints of the main port: in production /metrics answers
 * there only with `Authorization: Bearer $METRICS_TOKEN` (or moves to METRICS_PORT), and
 * /health/ready says ready or not and nothing else. Before, anyone read per-route 401/429 counts,
 * admin activity and the Node.js version in production.
 */
import { DATABASES, startApp } from '../support/start-app';

const PRODUCTION = { NODE_ENV: 'production', KEY_ENCRYPTION_SECRET: 'test-key-encryption-secret-0123456789abcdef' };
const TOKEN = 'metrics-token-0123456789abcdef';

describe.each(DATABASES)('metrics and readiness in production (%s)', (_name, db) => {
  it('without METRICS_TOKEN: /metrics is not served on the main port', async () => {
    const t = await startApp(db, PRODUCTION);
    try {
      const res = await fetch(`${t.url}/metrics`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('nodejs_version_info');
    } finally {
      await t.close();
    }
  });

  it('with METRICS_TOKEN: 401 without it or with a wrong one, the metrics with it', async () => {
    const t = await startApp(db, { ...PRODUCTION, METRICS_TOKEN: TOKEN });
    try {
      const none = await fetch(`${t.url}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
      expect(await none.text()).not.toContain('gatehouse_');
      expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
      expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Basic ${TOKEN}` } })).status).toBe(401);
      const ok = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('gatehouse_lockouts_total');
    } finally {
      await t.close();
    }
  });

  it('/health/ready says ready or not, and nothing about versions or checks', async () => {
    const t = await startApp(db, PRODUCTION);
    try {
      const res = await fetch(`${t.url}/health/ready`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok' });
    } finally {
      await t.close();
    }
  });
});

describe('metrics outside production', () => {
  it('serves /metrics openly without METRICS_TOKEN, and needs the token once it is set', async () => {
    const open = await startApp('sqlite::memory:');
    const guarded = await startApp('sqlite::memory:', { METRICS_TOKEN: TOKEN });
    try {
      expect((await fetch(`${open.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${guarded.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    } finally {
      await open.close();
      await guarded.close();
    }
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters at start', async () => {
    await expect(startApp('sqlite::memory:', { METRICS_TOKEN: 'short' })).rejects.toThrow('METRICS_TOKEN must be at least 16 characters');
  });
});
