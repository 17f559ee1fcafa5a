import { Module } from '@nestjs/common';
import { ClientsModule } from '../clients/clients.module';
import { ConsentsModule } from '../consents/consents.module';
import { GrantsModule } from '../grants/grants.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { AssetsController } from './assets.controller';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { ClientAuthGuard } from './client-auth.guard';
import { IntrospectController } from './introspect.controller';
import { LoginController } from './login.controller';
import { MetadataController } from './metadata.controller';
import { PendingRequestService } from './pending-request.service';
import { RevokeController } from './revoke.controller';
import { SessionService } from './session.service';
import { TokenController } from './token.controller';

@Module({
  imports: [GrantsModule, ClientsModule, UsersModule, TokensModule, ConsentsModule],
  controllers: [AuthorizeController, LoginController, TokenController, RevokeController, IntrospectController, MetadataController, AssetsController],
  providers: [AuthorizeService, ClientAuthGuard, SessionService, PendingRequestService],
  exports: [SessionService],
})
export class OAuthModule {}
