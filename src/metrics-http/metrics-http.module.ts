import { Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller';
import { MetricsServer } from './metrics-server';

/** The edge of the metrics: GET /metrics on the main port, or alone on METRICS_PORT. */
@Module({ controllers: [MetricsController], providers: [MetricsServer], exports: [MetricsServer] })
export class MetricsHttpModule {}
