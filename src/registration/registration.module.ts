import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { ClientsModule } from '../clients/clients.module';
import { InitialAccessTokensRepository } from './initial-access-tokens.repository';
import { RegistrationController } from './registration.controller';
import { RegistrationService } from './registration.service';
import { RegistrationsRepository } from './registrations.repository';
import { ClientMetadataDocuments } from './client-metadata-documents';

/** Clients that register themselves: RFC 7591 registration, RFC 7592 management, initial access tokens. */
@Module({
  imports: [ClientsModule, AuditModule, ThrottleModule],
  controllers: [RegistrationController],
  providers: [RegistrationService, RegistrationsRepository, InitialAccessTokensRepository, ClientMetadataDocuments],
  exports: [RegistrationService, ClientMetadataDocuments],
})
export class RegistrationModule {}
