import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { MetricsModule } from '../metrics/metrics.module';
import { DatabaseThrottleStore } from './database-throttle.store';
import { ThrottleService } from './throttle.service';

/** Brute-force counters for sign-in, the password grant, client authentication and sign-up. */
@Module({
  imports: [AuditModule, MetricsModule],
  providers: [DatabaseThrottleStore, ThrottleService],
  exports: [ThrottleService],
})
export class ThrottleModule {}
