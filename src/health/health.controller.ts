import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Db } from '../database/db';

/** Liveness and database reachability, for load balancers and operators. */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(private readonly db: Db) {}

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
}
