import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { JwksController } from './jwks.controller';
import { UserinfoController } from './userinfo.controller';
import { ApiModule } from '../api/api.module';
import { TokensModule } from '../tokens/tokens.module';

/** OpenID Connect endpoints on top of the OAuth server: JWKS, userinfo, RP-initiated logout. */
@Module({
  imports: [KeysModule, TokensModule, ApiModule],
  controllers: [JwksController, UserinfoController],
})
export class OidcModule {}
