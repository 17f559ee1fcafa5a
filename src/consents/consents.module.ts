import { Module } from '@nestjs/common';
import { TokensModule } from '../tokens/tokens.module';
import { AuditModule } from '../audit/audit.module';
import { AuthorizationCodesModule } from '../authorization-codes/authorization-codes.module';
import { ConsentsRepository } from './consents.repository';
import { ConsentsService } from './consents.service';

/** Remembered consent (table `oauth2_consent`). */
@Module({
  imports: [TokensModule, AuthorizationCodesModule, AuditModule],
  providers: [ConsentsRepository, ConsentsService],
  exports: [ConsentsService],
})
export class ConsentsModule {}
