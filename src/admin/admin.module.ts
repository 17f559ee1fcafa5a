import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ClientsModule } from '../clients/clients.module';
import { TokensModule } from '../tokens/tokens.module';
import { SessionsModule } from '../sessions/sessions.module';
import { KeysModule } from '../keys/keys.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { AdminKeysController } from './admin-keys.controller';
import { AdminApiKeyGuard } from './admin-api-key.guard';
import { AdminClientsController } from './admin-clients.controller';
import { AdminEventsController } from './admin-events.controller';
import { AdminTokensController } from './admin-tokens.controller';
import { AdminUsersController } from './admin-users.controller';
import { AdminSessionsController } from './admin-sessions.controller';
import { RegistrationModule } from '../registration/registration.module';
import { AdminRegistrationTokensController } from './admin-registration-tokens.controller';
import { ResourcesModule } from '../resources/resources.module';
import { AdminResourcesController } from './admin-resources.controller';

/** The operator's REST API under /admin (users, clients, tokens, audit events, signing keys), behind ADMIN_API_KEY. */
@Module({
  imports: [UsersModule, ClientsModule, TokensModule, SessionsModule, KeysModule, RegistrationModule, ResourcesModule, ThrottleModule],
  controllers: [AdminUsersController, AdminSessionsController, AdminClientsController, AdminTokensController, AdminEventsController, AdminKeysController, AdminRegistrationTokensController, AdminResourcesController],
  providers: [AdminApiKeyGuard],
})
export class AdminModule {}
