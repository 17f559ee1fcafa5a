import { Module } from '@nestjs/common';
import { AuthorizationCodesModule } from '../authorization-codes/authorization-codes.module';
import { AuditModule } from '../audit/audit.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TokensRepository } from './tokens.repository';
import { TokensService } from './tokens.service';
import { KeysModule } from '../keys/keys.module';

@Module({
  imports: [AuthorizationCodesModule, AuditModule, MetricsModule, KeysModule],
  providers: [TokensRepository, TokensService],
  exports: [TokensService],
})
export class TokensModule {}
