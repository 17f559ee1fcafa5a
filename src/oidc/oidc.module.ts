import { Module } from '@nestjs/common';
import { DpopModule } from '../dpop/dpop.module';
import { KeysModule } from '../keys/keys.module';
import { JwksController } from './jwks.controller';
import { UserinfoController } from './userinfo.controller';
import { ApiModule } from '../api/api.module';
import { TokensModule } from '../tokens/tokens.module';
import { ClientsModule } from '../clients/clients.module';
import { UsersModule } from '../users/users.module';
import { WebModule } from '../web/web.module';
import { LogoutController } from './logout.controller';
import { EndSessionService } from './end-session.service';

/** OpenID Connect endpoints on top of the OAuth server: JWKS, userinfo, RP-initiated logout. */
@Module({
  imports: [KeysModule, TokensModule, ApiModule, ClientsModule, UsersModule, WebModule, DpopModule],
  controllers: [JwksController, UserinfoController, LogoutController],
  providers: [EndSessionService],
})
export class OidcModule {}
