import type { Metric, Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: number };
  /** Observations per bucket (not cumulative); the last slot is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

interface MetricValue {
  metricName?: string;
  labels: Record<string, string | number>;
  value: number;
}

/**
 * `gatehouse_http_requests_total` (counter) and `gatehouse_http_request_duration_seconds`
 * (histogram), by method, route pattern and status, counted in plain numbers per series.
 * prom-client's labelled metrics hash and validate their labels on every observation, a cost
 * that showed on every request; these two are read only when /metrics is scraped, in the same
 * exposition format as prom-client's Counter and Histogram.
 */
export class HttpMetrics {
  private readonly series = new Map<string, Series>();

  constructor(
    registry: Registry,
    private readonly bounds: readonly number[],
  ) {
    this.register(registry, 'gatehouse_http_requests_total', 'HTTP requests answered, by method, route pattern and status', 'counter', (s) => [
      { labels: s.labels, value: s.count },
    ]);
    const name = 'gatehouse_http_request_duration_seconds';
    this.register(registry, name, 'Time from request to response, by method, route pattern and status', 'histogram', (s) => {
      let cumulative = 0;
      const buckets = s.buckets.map((n, i) => {
        cumulative += n;
        return { metricName: `${name}_bucket`, labels: { le: i < this.bounds.length ? this.bounds[i] : '+Inf', ...s.labels }, value: cumulative };
      });
      return [...buckets, { metricName: `${name}_sum`, labels: s.labels, value: s.sum }, { metricName: `${name}_count`, labels: s.labels, value: s.count }];
    });
  }

  /** One answered request. `route` is the route pattern (a bounded set), never the URL. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let series = this.series.get(key);
    if (!series) {
      series = { labels: { method, route, status }, buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, series);
    }
    let i = 0;
    while (i < this.bounds.length && seconds > this.bounds[i]) i++;
    series.buckets[i]++;
    series.sum += seconds;
    series.count++;
  }

  private register(registry: Registry, name: string, help: string, type: 'counter' | 'histogram', values: (s: Series) => MetricValue[]): void {
    const metric = {
      name,
      help,
      type,
      aggregator: 'sum',
      get: async () => ({ name, help, type, aggregator: 'sum', values: [...this.series.values()].flatMap(values) }),
      reset: () => this.series.clear(),
    };
    registry.registerMetric(metric as unknown as Metric);
  }
}
