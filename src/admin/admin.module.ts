import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';
import { KeysModule } from '../keys/keys.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminClientsController } from './admin-clients.controller';
import { AdminEventsController } from './admin-events.controller';
import { AdminTokensController } from './admin-tokens.controller';
import { AdminUsersController } from './admin-users.controller';

/** The operator's REST API under /admin (users, clients, tokens, audit events, signing keys), behind ADMIN_API_KEY. */
@Module({
  imports: [UsersModule, ClientsModule, TokensModule, KeysModule],
  controllers: [AdminUsersController, AdminClientsController, AdminTokensController, AdminEventsController, AdminKeysController],
  providers: [AdminApiKeyGuard],
})
export class AdminModule {}
