import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './http';

export const HAPROXY = '/usr/sbin/haproxy';

export async function waitFor(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface Haproxy {
  url: string;
  proc: ChildProcess;
  stop(): void;
}

export interface HaproxyOptions {
  /** The port HAProxy listens on (default: a free one). */
  port?: number;
  /** Take a server out while GET on this path fails its check. */
  healthCheck?: string;
  /** With `healthCheck`: the check interval (default 1s). */
  checkInterval?: string;
  /** With `healthCheck`: `timeout check` (default 10s; null: none, HAProxy then uses the interval). */
  checkTimeout?: string | null;
  /** With `healthCheck`: `http-check expect status` (default: none, any 2xx or 3xx passes). */
  expectStatus?: number;
  /** `option http-server-close`, one request per server connection (default true; false: keep-alive, HAProxy's default). */
  serverClose?: boolean;
  /** `retries N`, `option redispatch 1`, `retry-on conn-failure`: only a request that never reached a server is tried again elsewhere (default: none). */
  retries?: number;
  /** HAProxy's stdout (default inherit); its stderr is always inherited. */
  stdout?: 'inherit' | 'ignore';
}

/**
 * Debian's HAProxy in front of `servers` (host:port), round-robin, and each answer says which
 * server gave it (X-Instance: gh1, gh2, …). By default one request per server connection and no
 * checks; with `healthCheck`, a server is taken out while that path fails its check.
 */
export async function startHaproxy(dir: string, servers: string[], options: HaproxyOptions = {}): Promise<Haproxy> {
  const port = options.port ?? (await freePort());
  const config = join(dir, 'haproxy.cfg');
  const check = options.healthCheck ? ' check' : '';
  // A check may take a few seconds while a database cluster reconfigures: slow is not down.
  const checkTimeout = options.checkTimeout === undefined ? '10s' : options.checkTimeout;
  writeFileSync(
    config,
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      '  option forwardfor',
      ...(options.serverClose === false ? [] : ['  option http-server-close']),
      ...(options.retries !== undefined ? [`  retries ${options.retries}`, '  option redispatch 1', '  retry-on conn-failure'] : []),
      'frontend gatehouse',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      ...(options.healthCheck
        ? [
            `  option httpchk GET ${options.healthCheck}`,
            ...(options.expectStatus !== undefined ? [`  http-check expect status ${options.expectStatus}`] : []),
            ...(checkTimeout ? [`  timeout check ${checkTimeout}`] : []),
            `  default-server inter ${options.checkInterval ?? '1s'} fall 2 rise 2`,
          ]
        : []),
      '  http-response set-header X-Instance %[srv_name]',
      ...servers.map((s, i) => `  server gh${i + 1} ${s}${check}`),
      '',
    ].join('\n'),
  );
  const proc = spawn(HAPROXY, ['-f', config, '-db'], { stdio: ['ignore', options.stdout ?? 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/live`)).status === 200, `HAProxy on ${url}`);
  return { url, proc, stop: () => proc.kill('SIGTERM') };
}
