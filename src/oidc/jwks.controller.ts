import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { JWK } from 'jose';
import { JWKS_MAX_AGE, SigningKeysService } from '../keys/signing-keys.service';

/**
 * `jwks_uri` (OpenID Connect Discovery §3, RFC 7517 §5): the public signing keys, pending and
 * retired ones included, so a relying party can verify a token the moment it sees a new kid.
 * Cached for a minute only: a rotation's overlap must outlast it.
 */
@ApiExcludeController()
@Controller('oauth')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks')
  @Header('Cache-Control', `public, max-age=${JWKS_MAX_AGE}`)
  @Header('Content-Type', 'application/jwk-set+json; charset=utf-8')
  jwks(): Promise<{ keys: JWK[] }> {
    return this.keys.jwks();
  }
}
