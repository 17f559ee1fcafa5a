import { Controller, Get, Header, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Token } from '../tokens/token.entity';
import { UsersService } from '../users/users.service';
import { OAuthError } from '../oauth/oauth-error';
import { BearerExceptionFilter } from '../oauth/oauth-exception.filter';
import { parseScope } from '../common/oauth-types';
import { BearerTokenGuard, CurrentToken } from './bearer-token.guard';
import { Scopes } from './require-scopes.decorator';

/** The protected resource: the token's user, with email when the token has the `email` scope. */
@ApiExcludeController()
@UseFilters(BearerExceptionFilter)
@Controller('api')
export class ProfileController {
  constructor(private readonly users: UsersService) {}

  @Get('profile')
  @UseGuards(BearerTokenGuard)
  @Scopes('profile')
  @Header('Cache-Control', 'no-store')
  async profile(@CurrentToken() token: Token): Promise<{ id: number; username: string; email?: string | null }> {
    // A client_credentials token has no resource owner: there is no profile it could read.
    if (token.userId === null) throw OAuthError.insufficientScope('profile');
    const user = await this.users.findById(token.userId);
    if (!user) throw OAuthError.invalidToken();
    return { id: user.id, username: user.username, ...(parseScope(token.scope).includes('email') ? { email: user.email } : {}) };
  }
}
