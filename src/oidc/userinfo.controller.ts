import { Controller, Get, Header, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { BearerExceptionFilter } from '../api/bearer-exception.filter';
import { BearerTokenGuard, CurrentToken } from '../api/bearer-token.guard';
import { Scopes } from '../api/require-scopes.decorator';
import { OAuthError } from '../grants/oauth-error';
import { Token } from '../tokens/token.entity';
import { userClaims } from '../users/user-claims';

/**
 * UserInfo endpoint (OpenID Connect Core §5.3): GET or POST with a bearer access token that
 * carries `openid` (RFC 6750 errors otherwise); answers the claims its scope grants (§5.4).
 */
@ApiExcludeController()
@UseFilters(BearerExceptionFilter)
@UseGuards(BearerTokenGuard)
@Controller('oauth')
export class UserinfoController {
  @Get('userinfo')
  @Scopes('openid')
  @Header('Cache-Control', 'no-store')
  get(@CurrentToken() token: Token): Record<string, unknown> {
    return this.claims(token);
  }

  @Post('userinfo')
  @HttpCode(200)
  @Scopes('openid')
  @Header('Cache-Control', 'no-store')
  post(@CurrentToken() token: Token): Record<string, unknown> {
    return this.claims(token);
  }

  private claims(token: Token): Record<string, unknown> {
    // A client_credentials token names no end-user: nothing to describe.
    if (!token.owner) throw OAuthError.invalidToken('this token was not issued for a user');
    return userClaims(token.owner, token.scope);
  }
}
