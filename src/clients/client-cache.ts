import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { Lru } from '../common/lru';
import { RedisService } from '../redis/redis.service';
import { Client } from './client.entity';

/** Entries kept at most; the least recently used go first. */
const MAX_ENTRIES = 10_000;
/** Invalidation message meaning "every client" (a deleted user takes its clients with it). */
const ALL = '*';
/** Each instance publishes a heartbeat on the invalidation channel this often (milliseconds). */
export const HEARTBEAT_MS = 250;
/**
 * The channel counts as healthy while this instance's own last heartbeat came back through Redis
 * less than this long ago (milliseconds). Past it, the cache is bypassed: a hung Redis (sockets open,
 * no answers) is noticed within this time, where the subscription alone would never notice it.
 */
export const SILENT_MS = 1000;

/**
 * Clients by client_id, in memory: every authenticated request needs its client, and the row
 * rarely changes. The cache stays exact:
 * - a change made by this instance (update, secret rotation, deletion) evicts the entry before the
 *   change is reported done, and a lookup that raced with it is not stored;
 * - with Redis, every instance publishes its changes on one channel and evicts what the others
 *   publish. Each also publishes a heartbeat there every HEARTBEAT_MS; while its own heartbeat has
 *   not come back for SILENT_MS (Redis stopped, hung, or the subscription lost), the cache is
 *   bypassed and the database read, and it starts empty again once heartbeats come back;
 * - a change is reported done once its message has come back through Redis to this instance
 *   (so every subscriber has been sent it), or, when it does not, once SILENT_MS have passed (by
 *   then every instance that cannot hear the channel has stopped serving from its cache);
 * - without Redis, a change made by another instance is seen after CLIENT_CACHE_TTL seconds at
 *   the latest (0 turns the cache off).
 * Unknown client_ids are not cached: a new client is found at once, and guessing ids fills nothing.
 */
@Injectable()
export class ClientCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClientCache.name);
  private readonly entries = new Lru<string, { client: Client; expiresAt: number }>(MAX_ENTRIES);
  /** Bumped by every eviction: a lookup that started before one must not store what it read. */
  private generation = 0;
  private readonly ttl: number;
  private readonly channel: string;
  private subscriber: Redis | null = null;
  /** Without Redis, always; with Redis, only while the subscription is known to be live. */
  private live: boolean;
  private outageLogged = false;
  /** This instance's heartbeat message, and when (performance.now()) it last came back. */
  private readonly heartbeat = `heartbeat:${randomUUID()}`;
  private lastHeartbeat = -Infinity;
  private silent = true;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  /** Changes published by this instance, waiting to come back through Redis. */
  private readonly echoes = new Map<string, Array<() => void>>();

  constructor(
    config: AppConfig,
    private readonly clock: Clock,
    private readonly redis: RedisService,
  ) {
    this.ttl = config.clientCacheTtl;
    this.channel = redis.key('clients');
    this.live = this.ttl > 0 && !redis.client;
  }

  async onModuleInit(): Promise<void> {
    if (this.ttl === 0 || !this.redis.client) return;
    const subscriber = this.redis.duplicate()!;
    this.subscriber = subscriber;
    subscriber.on('message', (channel: string, message: string) => {
      if (channel !== this.channel) return;
      if (message === this.heartbeat) return this.heard();
      // Other instances' heartbeats are not changes.
      if (message.startsWith('heartbeat:')) return;
      this.evict(message);
      const waiting = this.echoes.get(message);
      if (waiting) {
        this.echoes.delete(message);
        for (const done of waiting) done();
      }
    });
    // Messages published while the connection was down are lost: forget everything and stay off
    // until the subscription is confirmed again.
    subscriber.on('close', () => this.suspend());
    subscriber.on('error', (err: Error) => {
      // Once per outage: ioredis retries (and fails) every few seconds until Redis is back.
      if (!this.outageLogged) this.logger.warn(`client cache off while Redis is unreachable: ${err.message}`);
      this.outageLogged = true;
    });
    subscriber.on('ready', () => void this.resume());
    const beat = () => void this.redis.client?.publish(this.channel, this.heartbeat).catch(() => undefined);
    this.heartbeatTimer = setInterval(beat, HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    await this.resume();
    beat();
  }

  onApplicationShutdown(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
    this.suspend();
    this.subscriber = null;
  }

  /** Whether cached clients may be served now: with Redis, only while the channel is heard. */
  private serving(): boolean {
    if (!this.live) return false;
    if (!this.redis.client) return true;
    if (performance.now() - this.lastHeartbeat < SILENT_MS) return true;
    if (!this.silent) {
      this.silent = true;
      this.evict(ALL);
      this.logger.warn(`client cache bypassed: no heartbeat back through Redis for ${SILENT_MS} ms`);
    }
    return false;
  }

  /** This instance's heartbeat came back: the channel works. After a silence, start empty. */
  private heard(): void {
    this.lastHeartbeat = performance.now();
    if (!this.silent) return;
    this.silent = false;
    // Changes published while it was silent may never have arrived.
    this.evict(ALL);
  }

  /** The cached client, or undefined when the caller must read the database. */
  get(clientId: string): Client | undefined {
    if (!this.serving()) return undefined;
    const entry = this.entries.get(clientId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(clientId);
      return undefined;
    }
    return entry.client;
  }

  /** Reads through the cache: `load` runs on a miss and its client is kept unless an eviction happened meanwhile. */
  async getOrLoad(clientId: string, load: () => Promise<Client | null>): Promise<Client | null> {
    const cached = this.get(clientId);
    if (cached) return cached;
    const generation = this.generation;
    const client = await load();
    if (client && this.serving() && generation === this.generation) {
      this.entries.set(clientId, { client: freeze(client), expiresAt: this.clock.now() + this.ttl });
    }
    return client;
  }

  /**
   * After a change to this client has been written: evicts it here and, with Redis, on every other
   * instance. Resolves once the message is published, so a change reported done is done everywhere.
   */
  async changed(clientId: string): Promise<void> {
    this.evict(clientId);
    await this.publish(clientId);
  }

  /** After a change that may touch any number of clients (a deleted user takes its clients with it). */
  async changedAll(): Promise<void> {
    this.evict(ALL);
    await this.publish(ALL);
  }

  /**
   * Publishes a change and resolves once it has come back through Redis to this instance; if it
   * does not within SILENT_MS (Redis down or hung), once SILENT_MS have passed since the change:
   * every instance whose channel is as broken as this one's has stopped serving from its cache by then.
   */
  private async publish(message: string): Promise<void> {
    if (this.ttl === 0 || !this.redis.client) return;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let done!: () => void;
    const echoed = new Promise<void>((resolve) => (done = resolve));
    const waiting = this.echoes.get(message) ?? [];
    waiting.push(done);
    this.echoes.set(message, waiting);
    try {
      await this.redis.client.publish(this.channel, message);
    } catch (err) {
      this.logger.error(`could not publish a client change: ${err instanceof Error ? err.message : String(err)}`);
    }
    // A few milliseconds past SILENT_MS, so that a silent instance has certainly stopped serving.
    const left = SILENT_MS + 20 - (performance.now() - started);
    await Promise.race([echoed, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, left))))]);
    clearTimeout(timer);
    const still = this.echoes.get(message)?.filter((d) => d !== done);
    if (still?.length) this.echoes.set(message, still);
    else this.echoes.delete(message);
  }

  private evict(clientId: string): void {
    this.generation++;
    if (clientId === ALL) this.entries.clear();
    else this.entries.delete(clientId);
  }

  private suspend(): void {
    this.live = false;
    this.evict(ALL);
  }

  private async resume(): Promise<void> {
    const subscriber = this.subscriber;
    if (!subscriber) return;
    try {
      await subscriber.subscribe(this.channel);
    } catch {
      return; // 'error' has said why; the next 'ready' tries again
    }
    if (this.subscriber !== subscriber || subscriber.status !== 'ready') return;
    this.evict(ALL);
    this.live = true;
    this.outageLogged = false;
  }
}

/** Cached clients are shared by every request: nobody may change one in place. */
function freeze(client: Client): Client {
  for (const value of Object.values(client.metadata)) if (value && typeof value === 'object') Object.freeze(value);
  Object.freeze(client.metadata);
  return Object.freeze(client);
}
