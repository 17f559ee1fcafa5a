import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Db } from '../database/db';
import { AppConfig } from '../config/app-config';
import { ShutdownState } from './shutdown-state';
import { RedisService } from '../redis/redis.service';
import { SigningKeysService } from '../keys/signing-keys.service';

/**
 * Probes for load balancers and orchestrators: `/health/live` (the process answers: restart it if
 * not), `/health/ready` (send it traffic), and `/health` (liveness plus database reachability).
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly db: Db,
    private readonly shutdown: ShutdownState,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly signingKeys: SigningKeysService,
  ) {}

  @Get()
  async health(@Res() reply: FastifyReply): Promise<void> {
    const type = this.db.isSqlite ? 'sqlite' : 'mysql';
    try {
      await this.db.query('SELECT 1');
      reply.header('Cache-Control', 'no-store').send({ status: 'ok', database: { type, status: 'up' } });
    } catch {
      reply.status(HttpStatus.SERVICE_UNAVAILABLE).header('Cache-Control', 'no-store').send({ status: 'error', database: { type, status: 'down' } });
    }
  }

  /** Never touches the database: a database outage must not get every instance restarted. */
  @Get('live')
  live(@Res() reply: FastifyReply): void {
    reply.header('Cache-Control', 'no-store').send({ status: 'ok' });
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    // A signing key that did not decrypt (made elsewhere under another KEY_ENCRYPTION_SECRET) fails every ID token here.
    const undecryptable = this.signingKeys.undecryptableKeys();
    const checks = { database: 'down', migrations: 'unknown', writes: 'unknown', signing_keys: undecryptable.length ? 'undecryptable' : 'ok', shutting_down: this.shutdown.shuttingDown };
    try {
      await this.db.query('SELECT 1');
      checks.database = 'up';
      checks.migrations = (await this.db.dataSource.showMigrations()) ? 'pending' : 'applied';
      // A database that answers reads but cannot store (full disk, read-only file) is not ready:
      // a write probe runs until a write has succeeded, and again once one has failed.
      checks.writes = (await this.db.canWrite()) ? 'ok' : 'failing';
    } catch {
      // The check that failed stays "down"/"unknown".
    }
    // With REDIS_URL, the counters every credential check reads live there: an instance that cannot
    // reach Redis (within REDIS_COMMAND_TIMEOUT) would refuse those checks, so it is not ready.
    const redis = await this.redis.reachable();
    const ready = checks.database === 'up' && checks.migrations === 'applied' && checks.writes === 'ok' && checks.signing_keys === 'ok' && redis !== false && !checks.shutting_down;
    reply
      .status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
      .header('Cache-Control', 'no-store')
      // In production the public answer is ready or not, nothing more; the checks are for development.
      .send({ status: ready ? 'ok' : 'unavailable', ...(this.config.nodeEnv === 'production' ? {} : { ...checks, ...(redis === null ? {} : { redis: redis ? 'up' : 'down' }) }) });
  }
}
