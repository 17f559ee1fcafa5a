import { Module } from '@nestjs/common';
import { SigningKeysRepository } from './signing-keys.repository';
import { SigningKeysService } from './signing-keys.service';
import { IdTokenService } from './id-token.service';
import { JwtAccessTokenService } from './jwt-access-token.service';
import { AuditModule } from '../audit/audit.module';

/** The signing keys (generation, encryption at rest, rotation) and the JWTs signed with them. */
@Module({
  imports: [AuditModule],
  providers: [SigningKeysRepository, SigningKeysService, IdTokenService, JwtAccessTokenService],
  exports: [SigningKeysService, IdTokenService, JwtAccessTokenService],
})
export class KeysModule {}
