import { Controller, Get, NotFoundException, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint on the main port (unless METRICS_PORT moves it to a port of its own). */
@ApiExcludeController()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  @Get()
  async scrape(@Res() reply: FastifyReply): Promise<void> {
    if (this.config.metricsPort !== null) throw new NotFoundException();
    const body = await this.metrics.text();
    reply.header('Content-Type', this.metrics.contentType).header('Cache-Control', 'no-store').send(body);
  }
}
