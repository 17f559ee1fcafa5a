import { IssuedToken } from '../tokens/tokens.service';
import { TokenResponse } from './grant';

/** RFC 6749 §5.1: the JSON the token endpoint answers for an issued token. */
export function toTokenResponse(issued: IssuedToken): TokenResponse {
  const response: TokenResponse = {
    access_token: issued.accessToken,
    token_type: issued.tokenType,
    expires_in: issued.expiresIn,
    scope: issued.scope,
  };
  if (issued.refreshToken) response.refresh_token = issued.refreshToken;
  return response;
}
