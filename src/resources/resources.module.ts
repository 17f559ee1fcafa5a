import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ResourceServersRepository } from './resource-servers.repository';
import { ResourceServersService } from './resource-servers.service';
import { ProtectedResourceMetadataController } from './protected-resource-metadata.controller';

/** Resource servers (RFC 8707) and the rules of the `resource` parameter. */
@Module({
  imports: [AuditModule],
  controllers: [ProtectedResourceMetadataController],
  providers: [ResourceServersRepository, ResourceServersService],
  exports: [ResourceServersService],
})
export class ResourcesModule {}
