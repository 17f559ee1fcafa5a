import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

/**
 * The optional Redis connection (REDIS_URL). `client` is null when Redis is not configured, and
 * callers then keep their state in the database. Keys and channels start with REDIS_PREFIX.
 *
 * Every command has a deadline (REDIS_COMMAND_TIMEOUT): a Redis that is stopped, or hung with its
 * sockets open, fails the command within it, and callers answer 503 instead of hanging. Connection
 * errors go through the JSON logger, one line when a connection is lost and one when it is back.
 */
@Injectable()
export class RedisService implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');
  private readonly extra: Redis[] = [];

  constructor(private readonly config: AppConfig) {
    this.client = config.redisUrl
      ? this.watch(
          new Redis(config.redisUrl, {
            lazyConnect: false,
            maxRetriesPerRequest: 1,
            commandTimeout: config.redisCommandTimeout,
            connectTimeout: Math.max(1000, config.redisCommandTimeout * 4),
          }),
          'commands',
        )
      : null;
  }

  /** A key or channel name under this deployment's prefix. */
  key(name: string): string {
    return `${this.config.redisPrefix}${name}`;
  }

  /** A second connection (a subscriber cannot send commands); closed with the application. */
  duplicate(role = 'subscriber'): Redis | null {
    if (!this.client) return null;
    const connection = this.watch(this.client.duplicate(), role);
    this.extra.push(connection);
    return connection;
  }

  /** Readiness: null without Redis, else whether it answers PING within the command deadline. */
  async reachable(): Promise<boolean | null> {
    if (!this.client) return null;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  /** Without an 'error' listener ioredis prints each failed reconnect with its stack to stderr. */
  private watch(connection: Redis, role: string): Redis {
    let down = false;
    connection.on('error', (err: Error) => {
      if (down) return;
      down = true;
      this.logger.warn(`Redis unreachable (${role} connection): ${err.message}; retrying`);
    });
    connection.on('ready', () => {
      if (!down) return;
      down = false;
      this.logger.log(`Redis reachable again (${role} connection)`);
    });
    return connection;
  }

  async onApplicationShutdown(): Promise<void> {
    // QUIT waits for a connection; one that never came up (Redis down) is just dropped.
    await Promise.all([this.client, ...this.extra].map((c) => (c?.status === 'ready' ? c.quit().catch(() => c.disconnect()) : c?.disconnect())));
  }
}
