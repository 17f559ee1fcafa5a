import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { TokensModule } from '../tokens/tokens.module';
import { AuthorizationCodesModule } from '../authorization-codes/authorization-codes.module';
import { GrantRegistry } from './grant-registry';
import { AuthorizationCodeGrant } from './authorization-code.grant';
import { ImplicitGrant } from './implicit.grant';
import { PasswordGrant } from './password.grant';
import { ClientCredentialsGrant } from './client-credentials.grant';
import { RefreshTokenGrant } from './refresh-token.grant';
import { IdTokenGrant, IdTokenTokenGrant } from './id-token.grant';
import { KeysModule } from '../keys/keys.module';
import { ResourcesModule } from '../resources/resources.module';
import { DeviceCodesModule } from '../device-codes/device-codes.module';
import { ThrottleModule } from '../throttle/throttle.module';
import { DeviceCodeGrant } from './device-code.grant';

/** The grants, listed by hand. Adding one touches this folder only. */
const GRANTS = [AuthorizationCodeGrant, ImplicitGrant, IdTokenGrant, IdTokenTokenGrant, PasswordGrant, ClientCredentialsGrant, RefreshTokenGrant, DeviceCodeGrant];

@Module({
  imports: [UsersModule, TokensModule, AuthorizationCodesModule, KeysModule, ResourcesModule, DeviceCodesModule, ThrottleModule],
  providers: [
    ...GRANTS,
    { provide: GrantRegistry, inject: GRANTS, useFactory: (...grants: ConstructorParameters<typeof GrantRegistry>[0]) => new GrantRegistry(grants) },
  ],
  // The device grant also answers its own endpoint (RFC 8628 §3.1) and is told the /device page's decisions.
  exports: [GrantRegistry, DeviceCodeGrant, DeviceCodesModule],
})
export class GrantsModule {}
