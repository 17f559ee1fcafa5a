import { ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const HAPROXY = '/usr/sbin/haproxy';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

/**
 * Debian's HAProxy in front of `servers` (host:port), round-robin, one request per server
 * connection, and each answer says which server gave it (X-Instance: gh1, gh2, …). With
 * `healthCheck`, a server is taken out while that path does not answer 200.
 */
export async function startHaproxy(dir: string, servers: string[], options: { healthCheck?: string; port?: number } = {}): Promise<Haproxy> {
  const port = options.port ?? (await freePort());
  const config = join(dir, 'haproxy.cfg');
  const check = options.healthCheck ? ' check' : '';
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
      '  option http-server-close',
      'frontend gatehouse',
      `  bind 127.0.0.1:${port}`,
      '  default_backend instances',
      'backend instances',
      '  balance roundrobin',
      // A check may take a few seconds while a database cluster reconfigures: slow is not down.
      ...(options.healthCheck ? [`  option httpchk GET ${options.healthCheck}`, '  timeout check 10s', '  default-server inter 1s fall 2 rise 2'] : []),
      '  http-response set-header X-Instance %[srv_name]',
      ...servers.map((s, i) => `  server gh${i + 1} ${s}${check}`),
      '',
    ].join('\n'),
  );
  const proc = spawn(HAPROXY, ['-f', config, '-db'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(`${url}/health/live`)).status === 200, `HAProxy on ${url}`);
  return { url, proc, stop: () => proc.kill('SIGTERM') };
}
