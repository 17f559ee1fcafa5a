import { Module } from '@nestjs/common';
import { AuthorizationRequestsModule } from '../authorization-requests/authorization-requests.module';
import { ClientsModule } from '../clients/clients.module';
import { ConsentsModule } from '../consents/consents.module';
import { GrantsModule } from '../grants/grants.module';
import { TokensModule } from '../tokens/tokens.module';
import { UsersModule } from '../users/users.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { WebModule } from '../web/web.module';
import { KeysModule } from '../keys/keys.module';
import { ResourcesModule } from '../resources/resources.module';
import { RegistrationModule } from '../registration/registration.module';
import { AuthorizeController } from './authorize.controller';
import { AuthorizeService } from './authorize.service';
import { ClientAuthGuard } from './client-auth.guard';
import { CorsPolicy } from './cors.policy';
import { IntrospectController } from './introspect.controller';
import { MetadataController } from './metadata.controller';
import { PendingRequestService } from './pending-request.service';
import { RevokeController } from './revoke.controller';
import { TokenController } from './token.controller';
import { DeviceAuthorizationController } from './device-authorization.controller';
import { ParController } from './par.controller';
import { ClientAssertionVerifier } from './client-assertion';
import { ReplayModule } from '../replay/replay.module';
import { DpopModule } from '../dpop/dpop.module';
import { PushedRequestResolver } from './pushed-request.resolver';

@Module({
  imports: [WebModule, GrantsModule, ClientsModule, UsersModule, TokensModule, ConsentsModule, AuthorizationRequestsModule, ThrottleModule, KeysModule, ResourcesModule, RegistrationModule, ReplayModule, DpopModule],
  controllers: [AuthorizeController, TokenController, RevokeController, IntrospectController, MetadataController, DeviceAuthorizationController, ParController],
  providers: [AuthorizeService, ClientAuthGuard, ClientAssertionVerifier, PendingRequestService, PushedRequestResolver, CorsPolicy],
})
export class OAuthModule {}
