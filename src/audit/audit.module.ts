import { Global, Module } from '@nestjs/common';
import { AuditEventsRepository } from './audit-events.repository';
import { AuditService } from './audit.service';
import { MetricsModule } from '../metrics/metrics.module';

@Global()
/** Global, and imported by the feature modules that record events so each stands alone in unit specs. */
@Module({ imports: [MetricsModule], providers: [AuditService, AuditEventsRepository], exports: [AuditService] })
export class AuditModule {}
