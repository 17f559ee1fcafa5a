import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ClientsRepository } from './clients.repository';
import { ClientsService } from './clients.service';
import { ClientCache } from './client-cache';
import { ClientKeysService } from './client-keys.service';
import { RedisModule } from '../redis/redis.module';

@Module({
  // Changes are announced to the other instances through Redis (when REDIS_URL is set).
  imports: [AuditModule, RedisModule],
  providers: [ClientsRepository, ClientCache, ClientsService, ClientKeysService],
  exports: [ClientsService, ClientKeysService],
})
export class ClientsModule {}
