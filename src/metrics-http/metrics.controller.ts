import { Controller, Get, Headers, NotFoundException, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { safeEqual } from '../common/crypto';

const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Prometheus scrape endpoint on the main port, unless METRICS_PORT moves it to a port of its own.
 * Its numbers (per-route error counts, admin activity, the runtime's version) are for the operator:
 * with METRICS_TOKEN set it needs `Authorization: Bearer <METRICS_TOKEN>`, and in production it is
 * not served on the main port without one.
 */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (this.config.metricsPort !== null) throw new NotFoundException();
    const token = this.config.metricsToken;
    if (token === null && this.config.nodeEnv === 'production') throw new NotFoundException();
    if (token !== null) {
      const match = typeof authorization === 'string' ? BEARER.exec(authorization) : null;
      if (!match || !safeEqual(match[1], token)) {
        reply.header('WWW-Authenticate', 'Bearer realm="metrics"');
        throw new UnauthorizedException('send Authorization: Bearer <METRICS_TOKEN>');
      }
    }
    const body = await this.metrics.text();
    reply.header('Content-Type', this.metrics.contentType).header('Cache-Control', 'no-store').send(body);
  }
}
