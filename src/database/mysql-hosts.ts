import { Logger } from '@nestjs/common';
import { Connection, createConnection } from 'mysql2';
import { DataSource } from 'typeorm';
import { MysqlHost, mysqlHosts, mysqlUrlFor } from '../config/mysql-url';
import { DatabaseUnavailableError } from './database-unavailable.error';

/**
 * Several database hosts (the nodes of a Galera cluster, `mysql://u:p@h1,h2,h3/db`): the pool
 * talks to one node, the first usable in the order given, and moves when that node goes away.
 *
 * Each node is probed a few times a second on a connection of its own: it is usable when it
 * answers and, on Galera, is ready and Synced (`wsrep_ready` ON, `wsrep_local_state` 4). A node
 * killed outright closes that connection and is dropped at once; one that hangs, after the probe
 * timeout. Moving the pool means pointing its new connections at the other node and closing the
 * idle ones to the old: requests in flight on the lost node fail, the next ones do not. A node
 * that comes back and stays Synced for a few probes is preferred again, with no restart.
 */
const PROBE_MS = 250;
const PROBE_TIMEOUT_MS = 700;
/** Probes a returning preferred node must pass before the pool goes back to it. */
const STABLE_PROBES = 4;
/** How long a statement that found its node gone waits for the pool to move before a 503. */
const RECOVER_MS = 2000;

interface NodeState {
  host: MysqlHost;
  usable: boolean;
  reason: string;
  streak: number;
  conn?: Connection;
  /** wsrep_on, read once per probe connection. */
  galera?: boolean;
  probing: boolean;
}

interface PoolConnectionLike {
  config: { host: string; port: number };
  destroy(): void;
}
interface QueueLike<T> {
  length: number;
  get(i: number): T;
}
export interface SwitchablePool {
  config: { connectionConfig: { host: string; port: number } };
  _freeConnections: QueueLike<PoolConnectionLike>;
  on(event: 'release', listener: (conn: PoolConnectionLike) => void): void;
}

/** Errors that prove the statement never ran on any node: safe to run again elsewhere. */
const NOT_RUN_CODES = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** ER_UNKNOWN_COM_ERROR: what a Galera node out of the primary component answers ("WSREP has not yet prepared node"). */
const ER_WSREP_NOT_READY = 1047;
/** The connection broke while the statement ran: a read may run again, a write may have committed. */
const LOST_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE']);

export function unreachableKind(err: unknown): 'not-run' | 'lost' | null {
  const e = err as { code?: string; errno?: number; message?: string; fatal?: boolean } | null;
  if (!e) return null;
  if (e.errno === ER_WSREP_NOT_READY) return 'not-run';
  if (e.code && NOT_RUN_CODES.has(e.code)) return 'not-run';
  if (typeof e.message === 'string' && e.message.includes('connection is in closed state')) return 'not-run';
  if (e.code && LOST_CODES.has(e.code)) return 'lost';
  return null;
}

const registry = new WeakMap<DataSource, MysqlHosts>();

/** The monitor of this DataSource's nodes, if it has one (several hosts, or a Galera node). */
export function mysqlHostsOf(dataSource: DataSource): MysqlHosts | undefined {
  return registry.get(dataSource);
}

export class MysqlHosts {
  private readonly logger = new Logger('Database');
  private readonly nodes: NodeState[];
  private current = 0;
  private timer?: NodeJS.Timeout;
  private readonly credentials: { user: string; password: string };
  /** When the pool last moved (ms), and how many moves since start (for tests and figures). */
  lastSwitchAt = 0;
  switches = 0;
  private outage = false;

  private constructor(
    private readonly dataSource: DataSource,
    private readonly pool: SwitchablePool,
    url: string,
  ) {
    const hosts = mysqlHosts(url);
    const first = new URL(mysqlUrlFor(url, hosts[0]));
    this.credentials = { user: decodeURIComponent(first.username), password: decodeURIComponent(first.password) };
    this.nodes = hosts.map((host) => ({ host, usable: true, reason: '', streak: 0, probing: false }));
  }

  /** Starts watching the nodes of `url` for this DataSource's pool; resolves after the first probe of each. */
  static async start(dataSource: DataSource, url: string): Promise<MysqlHosts> {
    const pool = (dataSource.driver as unknown as { pool: SwitchablePool }).pool;
    const hosts = new MysqlHosts(dataSource, pool, url);
    registry.set(dataSource, hosts);
    const { host, port } = pool.config.connectionConfig;
    hosts.current = Math.max(0, hosts.nodes.findIndex((n) => n.host.host === host && n.host.port === Number(port)));
    // The probes stop with the DataSource (their connections would keep the process alive).
    const destroy = dataSource.destroy.bind(dataSource);
    dataSource.destroy = () => {
      hosts.stop();
      return destroy();
    };
    // A connection handed back that points at a node the pool left is closed, not reused.
    pool.on('release', (conn) => {
      if (hosts.stale(conn)) conn.destroy();
    });
    await Promise.all(hosts.nodes.map((n) => hosts.probe(n)));
    hosts.select();
    hosts.timer = setInterval(() => hosts.tick(), PROBE_MS);
    hosts.timer.unref();
    return hosts;
  }

  /** The URL of the first node that answers and is usable (the first named if none does). */
  static async firstUsableUrl(url: string): Promise<string> {
    const probe = new MysqlHosts({ isInitialized: true } as DataSource, undefined as unknown as SwitchablePool, url);
    try {
      for (const n of probe.nodes) {
        await probe.probe(n);
        if (n.usable) return mysqlUrlFor(url, n.host);
      }
      return mysqlUrlFor(url, probe.nodes[0].host);
    } finally {
      probe.stop();
    }
  }

  stop(): void {
    clearInterval(this.timer);
    for (const n of this.nodes) {
      const conn = n.conn;
      n.conn = undefined;
      conn?.destroy();
    }
  }

  /** The node the pool uses can take statements. False: no node can ("no usable node"). */
  get usable(): boolean {
    return this.nodes[this.current].usable;
  }

  get currentHost(): string {
    const { host, port } = this.nodes[this.current].host;
    return `${host}:${port}`;
  }

  /** Each node as the last probe found it. */
  states(): Array<{ host: string; usable: boolean; reason: string }> {
    return this.nodes.map((n) => ({ host: `${n.host.host}:${n.host.port}`, usable: n.usable, reason: n.reason }));
  }

  /**
   * Runs `work` on the pool; when it finds its node gone before running (or, for a read, while
   * running), waits for the pool to move and runs it once more. Otherwise a 503.
   */
  async run<T>(work: () => Promise<T>, rerunnable: boolean): Promise<T> {
    if (!this.usable && !(await this.recover())) throw new DatabaseUnavailableError('no usable database node', 1);
    try {
      return await work();
    } catch (err) {
      const kind = unreachableKind(err);
      if (!kind) throw err;
      if (kind === 'lost' && !rerunnable) throw new DatabaseUnavailableError('the database node went away during a write', 1, err);
      if (!(await this.recover())) throw new DatabaseUnavailableError('no usable database node', 1, err);
      try {
        return await work();
      } catch (again) {
        if (unreachableKind(again)) throw new DatabaseUnavailableError('no usable database node', 1, again);
        throw again;
      }
    }
  }

  /** Probes at once and waits (briefly) until the pool's node is usable again, here or on another node. */
  private async recover(): Promise<boolean> {
    const deadline = Date.now() + RECOVER_MS;
    void this.probe(this.nodes[this.current]).then(() => this.select());
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      if (this.usable) return true;
    }
    return this.usable;
  }

  private stale(conn: PoolConnectionLike): boolean {
    const { host, port } = this.pool.config.connectionConfig;
    return conn.config.host !== host || Number(conn.config.port) !== Number(port);
  }

  private tick(): void {
    if (!this.dataSource.isInitialized) return this.stop();
    for (const n of this.nodes) void this.probe(n).then(() => this.select());
  }

  private async probe(n: NodeState): Promise<void> {
    if (n.probing) return;
    n.probing = true;
    try {
      const status = await this.status(n);
      if (status.wsrep_ready === undefined) this.mark(n, true, '');
      else if (status.wsrep_ready !== 'ON') this.mark(n, false, 'wsrep_ready OFF');
      else if (status.wsrep_local_state !== '4') this.mark(n, false, `wsrep_local_state ${status.wsrep_local_state} (not Synced)`);
      else this.mark(n, true, '');
    } catch (err) {
      n.conn?.destroy();
      n.conn = undefined;
      this.mark(n, false, (err as { code?: string; message?: string }).code ?? (err as Error).message ?? 'unreachable');
    } finally {
      n.probing = false;
    }
  }

  private mark(n: NodeState, usable: boolean, reason: string): void {
    n.streak = usable === n.usable ? n.streak + 1 : 1;
    n.usable = usable;
    n.reason = reason;
  }

  /** The node's wsrep status (empty for a server that is not a Galera node), within the probe timeout. */
  private async status(n: NodeState): Promise<Record<string, string>> {
    let timeout: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timeout = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })), PROBE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.readStatus(n), expired]);
    } finally {
      clearTimeout(timeout);
    }
  }

  private async readStatus(n: NodeState): Promise<Record<string, string>> {
    if (!n.conn) {
      const conn = createConnection({ host: n.host.host, port: n.host.port, ...this.credentials, connectTimeout: PROBE_TIMEOUT_MS });
      // A node killed outright closes this connection: it is dropped now, not at the next probe.
      const lost = (err?: Error) => {
        if (n.conn !== conn) return;
        n.conn = undefined;
        conn.destroy();
        this.mark(n, false, (err as { code?: string } | undefined)?.code ?? 'connection closed');
        this.select();
      };
      conn.on('error', lost);
      conn.on('end', () => lost());
      n.conn = conn;
      n.galera = undefined;
    }
    const conn = n.conn;
    const query = (sql: string) =>
      new Promise<Array<{ Variable_name: string; Value: string }>>((resolve, reject) =>
        conn.query(sql, (err, rows) => (err ? reject(err) : resolve(rows as Array<{ Variable_name: string; Value: string }>))),
      );
    // A plain server (even one built with Galera support, wsrep_on OFF) has no wsrep state to check.
    n.galera ??= (await query("SHOW GLOBAL VARIABLES LIKE 'wsrep_on'"))[0]?.Value?.toUpperCase() === 'ON';
    if (!n.galera) {
      await query('DO 1');
      return {};
    }
    const status: Record<string, string> = {};
    for (const row of await query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_ready', 'wsrep_local_state')")) {
      status[row.Variable_name.toLowerCase()] = row.Value;
    }
    return status;
  }

  /** Points the pool at the first usable node, moving back to a preferred one only once it is stable. */
  private select(): void {
    if (!this.pool) return; // firstUsableUrl's probe: there is no pool yet
    const now = this.nodes[this.current];
    let target = -1;
    for (let i = 0; i < this.nodes.length && target === -1; i++) {
      const n = this.nodes[i];
      if (!n.usable) continue;
      // Leave a usable node only for a preferred one that has stayed usable for a while.
      if (i === this.current || !now.usable || n.streak >= STABLE_PROBES) target = i;
    }
    if (target === -1) {
      if (!this.outage) this.logger.error(`no usable database node: ${this.states().map((s) => `${s.host} ${s.reason}`).join(', ')}`);
      this.outage = true;
      return;
    }
    this.outage = false;
    if (target === this.current) return;
    const from = `${this.currentHost} (${now.usable ? 'a preferred node is back' : now.reason})`;
    this.current = target;
    const { host, port } = this.nodes[target].host;
    this.pool.config.connectionConfig.host = host;
    this.pool.config.connectionConfig.port = port;
    const idle: PoolConnectionLike[] = [];
    for (let i = 0; i < this.pool._freeConnections.length; i++) idle.push(this.pool._freeConnections.get(i));
    for (const conn of idle) if (this.stale(conn)) conn.destroy();
    this.switches++;
    this.lastSwitchAt = Date.now();
    this.logger.warn(`database pool moved to ${this.currentHost}, from ${from}`);
  }
}
