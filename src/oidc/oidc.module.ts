import { Module } from '@nestjs/common';
import { KeysModule } from '../keys/keys.module';
import { JwksController } from './jwks.controller';

/** OpenID Connect endpoints on top of the OAuth server: JWKS, userinfo, RP-initiated logout. */
@Module({
  imports: [KeysModule],
  controllers: [JwksController],
})
export class OidcModule {}
