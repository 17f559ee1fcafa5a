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

/** The grants, listed by hand. Adding one touches this folder only. */
const GRANTS = [AuthorizationCodeGrant, ImplicitGrant, IdTokenGrant, IdTokenTokenGrant, PasswordGrant, ClientCredentialsGrant, RefreshTokenGrant];

@Module({
  imports: [UsersModule, TokensModule, AuthorizationCodesModule, KeysModule, ResourcesModule],
  providers: [
    ...GRANTS,
    { provide: GrantRegistry, inject: GRANTS, useFactory: (...grants: ConstructorParameters<typeof GrantRegistry>[0]) => new GrantRegistry(grants) },
  ],
  exports: [GrantRegistry],
})
export class GrantsModule {}
