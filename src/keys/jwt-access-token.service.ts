import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { SigningKeysService } from './signing-keys.service';
import { ownKeys } from './jwt-verifier';

export interface JwtAccessTokenInput {
  clientId: string;
  /** The resource owner; null for client_credentials (then `sub` is the client, RFC 9068 §2.2). */
  userId: number | null;
  scope: string;
  expiresIn: number;
  /** RFC 8707: the resources the token is for; null: the default audience. */
  audience?: string[] | null;
  /** RFC 9449 §6.1: a DPoP-bound token carries `cnf.jkt`. */
  jkt?: string | null;
}

/**
 * A JWT-shaped access token has three base64url parts; opaque tokens have none of the dots, so the
 * dot test answers every bearer call with an opaque token before the pattern would scan it.
 */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;
export const looksLikeJwt = (token: string) => token.includes('.') && JWT_SHAPE.test(token);

/**
 * JWT access tokens (RFC 9068): `typ: at+jwt`, signed with the current RS256 key, carrying iss,
 * sub, aud, client_id, scope, exp, iat and jti. Resource servers elsewhere verify them from the
 * JWKS; this server still records each one, so revocation and introspection keep working.
 */
@Injectable()
export class JwtAccessTokenService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** RFC 9068 §3: the audience is the resource server (RESOURCE_AUDIENCE), by default this issuer. */
  get audience(): string {
    return this.config.resourceAudience || this.config.issuer;
  }

  async sign(input: JwtAccessTokenInput): Promise<string> {
    // RFC 9068 §2.1: RS256 is the algorithm every resource server must support.
    const key = await this.keys.signingKey('RS256');
    const now = this.clock.now();
    return new SignJWT({
      iss: this.config.issuer,
      sub: input.userId === null ? input.clientId : String(input.userId),
      // RFC 9068 §3: one resource as a string, several as an array.
      aud: input.audience?.length ? (input.audience.length === 1 ? input.audience[0] : input.audience) : this.audience,
      client_id: input.clientId,
      scope: input.scope,
      exp: now + input.expiresIn,
      iat: now,
      jti: randomUUID(),
      ...(input.jkt ? { cnf: { jkt: input.jkt } } : {}),
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
      .sign(key.privateKey);
  }

  /**
   * RFC 9068 §4: typ, signature by a published key, iss, aud and exp. False on any failure. `audience`:
   * the resources this server serves the token at (the default audience is always one of them).
   */
  async verify(token: string, audience: readonly string[] = []): Promise<boolean> {
    try {
      await jwtVerify(token, ownKeys(this.keys), {
        typ: 'at+jwt',
        issuer: this.config.issuer,
        audience: [this.audience, ...audience],
        currentDate: new Date(this.clock.now() * 1000),
        algorithms: ['RS256', 'ES256'],
      });
      return true;
    } catch {
      return false;
    }
  }
}
