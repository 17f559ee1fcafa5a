import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '../authorization-codes/authorization-codes.module';
import { AuditModule } from '../audit/audit.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';

@Module({
  imports: [AuthorizationCodesModule, AuditModule, MetricsModule],
  providers: [TokensRepository, TokensService],
  exports: [TokensService],
})
export class TokensModule {}
