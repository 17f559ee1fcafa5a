import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { RedisService } from '../redis/redis.service';
import { Client } from './client.entity';

/** Entries kept at most; the least recently used go first. */
const MAX_ENTRIES = 10_000;
/** Invalidation message meaning "every client" (a deleted user takes its clients with it). */
const ALL = '*';

/**
 * Clients by client_id, in memory: every authenticated request needs its client, and the row
 * rarely changes. The cache stays exact:
 * - a change made by this instance (update, secret rotation, deletion) evicts the entry before the
 *   change is reported done, and a lookup that raced with it is not stored;
 * - with Redis, every instance publishes its changes on one channel and evicts what the others
 *   publish; while the subscription is down (or not yet up) the cache is bypassed, and it starts
 *   empty again once the subscription is back;
 * - without Redis, a change made by another instance is seen after CLIENT_CACHE_TTL seconds at
 *   the latest (0 turns the cache off).
 * Unknown client_ids are not cached: a new client is found at once, and guessing ids fills nothing.
 */
@Injectable()
export class ClientCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ClientCache.name);
  /** Insertion order is recency order: a hit moves its entry to the end. */
  private readonly entries = new Map<string, { client: Client; expiresAt: number }>();
  /** Bumped by every eviction: a lookup that started before one must not store what it read. */
  private generation = 0;
  private readonly ttl: number;
  private readonly channel: string;
  private subscriber: Redis | null = null;
  /** Without Redis, always; with Redis, only while the subscription is known to be live. */
  private live: boolean;
  private outageLogged = false;

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
    subscriber.on('message', (channel: string, clientId: string) => {
      if (channel === this.channel) this.evict(clientId);
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
    await this.resume();
  }

  onApplicationShutdown(): void {
    this.suspend();
    this.subscriber = null;
  }

  /** The cached client, or undefined when the caller must read the database. */
  get(clientId: string): Client | undefined {
    if (!this.live) return undefined;
    const entry = this.entries.get(clientId);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(clientId);
      return undefined;
    }
    this.entries.delete(clientId);
    this.entries.set(clientId, entry);
    return entry.client;
  }

  /** Reads through the cache: `load` runs on a miss and its client is kept unless an eviction happened meanwhile. */
  async getOrLoad(clientId: string, load: () => Promise<Client | null>): Promise<Client | null> {
    const cached = this.get(clientId);
    if (cached) return cached;
    const generation = this.generation;
    const client = await load();
    if (client && this.live && generation === this.generation) {
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
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

  private async publish(message: string): Promise<void> {
    if (this.ttl === 0 || !this.redis.client) return;
    try {
      await this.redis.client.publish(this.channel, message);
    } catch (err) {
      // The other instances' subscriptions are then most likely down too, and they bypass their caches.
      this.logger.error(`could not publish a client change: ${err instanceof Error ? err.message : String(err)}`);
    }
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
