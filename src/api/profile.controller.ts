import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Token } from '../tokens/token.entity';
import { OAuthError } from '../grants/oauth-error';
import { BearerExceptionFilter } from './bearer-exception.filter';
import { parseScope } from '../common/oauth-types';
import { BearerTokenGuard, CurrentToken } from './bearer-token.guard';
import { Scopes } from './require-scopes.decorator';
import { ProtectedResource } from './protected-resource.decorator';
import { PROFILE_RESOURCE_PATH } from '../resources/resource-servers.service';

/** The protected resource: the token's user, with email when the token has the `email` scope. */
@ApiExcludeController()
@UseFilters(BearerExceptionFilter)
@Controller('api')
export class ProfileController {
  @Get('profile')
  @ProtectedResource(PROFILE_RESOURCE_PATH)
  @UseGuards(BearerTokenGuard)
  @Scopes('profile')
  @Header('Cache-Control', 'no-store')
  async profile(@CurrentToken() token: Token): Promise<{ id: number; username: string; email?: string | null }> {
    // A client_credentials token has no resource owner: there is no profile it could read.
    const owner = token.owner;
    if (!owner) throw OAuthError.insufficientScope('profile');
    return { id: owner.id, username: owner.username, ...(parseScope(token.scope).includes('email') ? { email: owner.email } : {}) };
  }
}
