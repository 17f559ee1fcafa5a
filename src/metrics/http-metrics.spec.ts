import { Counter, Histogram, Registry } from 'prom-client';
import { HttpMetrics } from './http-metrics';

const BOUNDS = [0.001, 0.01, 0.1, 1];
const OBSERVED: Array<[string, string, number, number]> = [
  ['POST', '/oauth/token', 200, 0.0004],
  ['POST', '/oauth/token', 200, 0.001],
  ['POST', '/oauth/token', 200, 0.02],
  ['POST', '/oauth/token', 401, 7],
  ['GET', '/api/profile', 200, 0.5],
];

describe(HttpMetrics.name, () => {
  it("exposes exactly what prom-client's labelled Counter and Histogram would", async () => {
    const ours = new Registry();
    const http = new HttpMetrics(ours, BOUNDS);
    const reference = new Registry();
    const labelNames = ['method', 'route', 'status'] as const;
    const counter = new Counter({ name: 'gatehouse_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status', labelNames, registers: [reference] });
    const histogram = new Histogram({ name: 'gatehouse_http_request_duration_seconds', help: 'Time from request to response, by method, route pattern and status', labelNames, buckets: BOUNDS, registers: [reference] });
    for (const [method, route, status, seconds] of OBSERVED) {
      http.observe(method, route, status, seconds);
      counter.inc({ method, route, status });
      histogram.observe({ method, route, status }, seconds);
    }
    const text = await ours.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('gatehouse_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/oauth/token",status="200"} 2');
    expect(text).toContain('gatehouse_http_request_duration_seconds_bucket{le="+Inf",method="POST",route="/oauth/token",status="401"} 1');
    expect(text).toContain('gatehouse_http_requests_total{method="POST",route="/oauth/token",status="200"} 3');
  });

  it('starts over when the registry is reset', async () => {
    const registry = new Registry();
    const http = new HttpMetrics(registry, BOUNDS);
    http.observe('GET', '/health', 200, 0.001);
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('route="/health"');
  });
});
