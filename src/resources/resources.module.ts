import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ResourceServersRepository } from './resource-servers.repository';
import { ResourceServersService } from './resource-servers.service';

/** Resource servers (RFC 8707) and the rules of the `resource` parameter. */
@Module({
  imports: [AuditModule],
  providers: [ResourceServersRepository, ResourceServersService],
  exports: [ResourceServersService],
})
export class ResourcesModule {}
