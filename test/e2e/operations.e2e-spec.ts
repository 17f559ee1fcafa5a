import { DATABASES, TestApp, startApp } from '../support/start-app';
import { basic, postForm } from '../support/http';
import { clientFactory } from '../factories/client.factory';
import { Db } from '../../src/database/db';
import { MetricsService } from '../../src/metrics/metrics.service';
import { MetricsServer } from '../../src/metrics-http/metrics-server';
import { ShutdownState } from '../../src/health/shutdown-state';

/** Prometheus text format → { 'name{labels}': value }, checking every sample line's syntax. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    // Values as Prometheus parses them (Go's ParseFloat: NaN and Inf in any case; prom-client writes "Nan").
    if (!match || !/^(-?[0-9.]+(e[+-]?[0-9]+)?|nan|[+-]inf)$/i.test(match[2])) throw new Error(`not a Prometheus sample line: ${JSON.stringify(line)}`);
    samples.set(match[1], Number(match[2]));
  }
  return samples;
}

describe.each(DATABASES)('metrics and health (%s)', (name, databaseUrl) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp(databaseUrl);
  });
  afterAll(() => t.close());

  describe('GET /metrics', () => {
    it('answers Prometheus text: requests by route pattern and status, latency, tokens by grant, token errors, batches, pool, process', async () => {
      const { client, secret } = await clientFactory.create(t, { grant_types: ['client_credentials'], redirect_uris: [] });
      const auth = { authorization: basic(client.client_id, secret!) };
      for (let i = 0; i < 3; i++) expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, auth)).status).toBe(200);
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'password', username: 'a', password: 'b' }, auth)).status).toBe(400);
      expect((await postForm(`${t.url}/oauth/token`, { grant_type: 'client_credentials' }, { authorization: basic(client.client_id, 'wrong') })).status).toBe(401);
      t.app.get(MetricsService).lockouts.inc({ kind: 'password', counter: 'ip' });

      const res = await fetch(`${t.url}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-store');
      const m = parseMetrics(await res.text());
      expect(m.get('gatehouse_http_requests_total{method="POST",route="/oauth/token",status="200"}')).toBe(3);
      expect(m.get('gatehouse_http_requests_total{method="POST",route="/oauth/token",status="401"}')).toBe(1);
      expect(m.get('gatehouse_http_request_duration_seconds_count{method="POST",route="/oauth/token",status="200"}')).toBe(3);
      expect(m.get('gatehouse_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/oauth/token",status="200"}')).toBe(3);
      expect(m.get('gatehouse_tokens_issued_total{grant_type="client_credentials"}')).toBe(3);
      expect(m.get('gatehouse_token_endpoint_errors_total{error="invalid_client"}')).toBe(1);
      expect([...m.keys()].filter((k) => k.startsWith('gatehouse_token_endpoint_errors_total'))).toHaveLength(2);
      expect(m.get('gatehouse_lockouts_total{kind="password",counter="ip"}')).toBe(1);
      expect(m.get('gatehouse_token_group_commit_batch_size_count')).toBe(3);
      expect(m.get('gatehouse_db_pool_connections{state="in_use"}')).toBeGreaterThanOrEqual(0);
      expect(m.get('gatehouse_db_pool_connections{state="max"}')).toBe(name === 'mysql' ? 10 : 1);
      expect(m.get('process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true);
      // Never a URL with its query string, never an unbounded label.
      expect([...m.keys()].some((k) => k.includes('?'))).toBe(false);
    });

    it('moves to its own port with METRICS_PORT: 404 on the main port', async () => {
      const other = await startApp(databaseUrl, { METRICS_PORT: '0' });
      try {
        expect((await fetch(`${other.url}/metrics`)).status).toBe(404);
        const port = await other.app.get(MetricsServer).listen(0, '127.0.0.1');
        const res = await fetch(`http://127.0.0.1:${port}/metrics`);
        expect(res.status).toBe(200);
        expect(parseMetrics(await res.text()).has('process_cpu_user_seconds_total')).toBe(true);
        expect((await fetch(`http://127.0.0.1:${port}/admin/users`)).status).toBe(404);
      } finally {
        await other.close();
      }
    });
  });

  describe('health', () => {
    it('/health/live answers 200 without touching the database; /health stays as it was', async () => {
      const live = await fetch(`${t.url}/health/live`);
      expect(live.status).toBe(200);
      expect(live.headers.get('cache-control')).toBe('no-store');
      expect(await live.json()).toEqual({ status: 'ok' });
      const health = await fetch(`${t.url}/health`);
      expect(await health.json()).toEqual({ status: 'ok', database: { type: name, status: 'up' } });
    });

    it('/health/ready: 200 when the database answers and every migration is applied, 503 with a pending one', async () => {
      const ready = await fetch(`${t.url}/health/ready`);
      expect(ready.status).toBe(200);
      expect(ready.headers.get('cache-control')).toBe('no-store');
      expect(await ready.json()).toEqual({ status: 'ok', database: 'up', migrations: 'applied', writes: 'ok', signing_keys: 'ok', shutting_down: false });

      const dataSource = t.app.get(Db).dataSource;
      await dataSource.undoLastMigration();
      const pending = await fetch(`${t.url}/health/ready`);
      expect(pending.status).toBe(503);
      expect(await pending.json()).toEqual({ status: 'unavailable', database: 'up', migrations: 'pending', writes: 'ok', signing_keys: 'ok', shutting_down: false });
      await dataSource.runMigrations();
      expect((await fetch(`${t.url}/health/ready`)).status).toBe(200);
    });

    it('/health/ready: 503 once shutdown has begun, while liveness stays 200', async () => {
      const other = await startApp(databaseUrl);
      try {
        other.app.get(ShutdownState).begin();
        const ready = await fetch(`${other.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'unavailable', database: 'up', migrations: 'applied', writes: 'ok', signing_keys: 'ok', shutting_down: true });
        expect((await fetch(`${other.url}/health/live`)).status).toBe(200);
      } finally {
        await other.close();
      }
    });

    it('/health/ready: 503 when the database does not answer', async () => {
      const other = await startApp(databaseUrl);
      const dataSource = other.app.get(Db).dataSource;
      try {
        await dataSource.destroy();
        const ready = await fetch(`${other.url}/health/ready`);
        expect(ready.status).toBe(503);
        expect(await ready.json()).toEqual({ status: 'unavailable', database: 'down', migrations: 'unknown', writes: 'unknown', signing_keys: 'ok', shutting_down: false });
        expect((await fetch(`${other.url}/health/live`)).status).toBe(200);
      } finally {
        await dataSource.initialize();
        await other.close();
      }
    });
  });
});
