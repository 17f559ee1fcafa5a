import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The optional Redis connection (REDIS_URL). `client` is null when Redis is not configured, and
 * callers then keep their state in the database. Keys and channels start with REDIS_PREFIX.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly extra: Redis[] = [];

  constructor(private readonly config: AppConfig) {
    this.client = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 }) : null;
  }

  /** A key or channel name under this deployment's prefix. */
  key(name: string): string {
    return `${this.config.redisPrefix}${name}`;
  }

  /** A second connection (a subscriber cannot send commands); closed with the application. */
  duplicate(): Redis | null {
    if (!this.client) return null;
    const connection = this.client.duplicate();
    this.extra.push(connection);
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for a connection; one that never came up (Redis down) is just dropped.
    await Promise.all([this.client, ...this.extra].map((c) => (c?.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c?.disconnect())));
  }
}
