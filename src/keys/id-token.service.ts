import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { compactVerify, decodeProtectedHeader, SignJWT } from 'jose';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { IdTokenSigningAlg } from '../common/oauth-types';
import { SigningKeysService } from './signing-keys.service';
import { ownKeys } from './jwt-verifier';

export interface IdTokenInput {
  clientId: string;
  alg: IdTokenSigningAlg;
  userId: number;
  /** When the user signed in (Core §2 auth_time). */
  authTime?: number | null;
  nonce?: string | null;
  /** The access token issued with it: at_hash (Core §3.1.3.6, §3.2.2.10). */
  accessToken?: string;
  /** The code issued with it: c_hash (hybrid flow, Core §3.3.2.11). */
  code?: string;
  /** Claims about the user to carry in the token itself (Core §5.4: when no access token is issued). */
  claims?: Record<string, unknown>;
}

/**
 * Core §3.1.3.6: the base64url of the left half of the hash of the ASCII value, the hash being the
 * one of the JWS algorithm (SHA-256 for RS256 and ES256).
 */
export function halfHash(value: string): string {
  return createHash('sha256').update(value, 'ascii').digest().subarray(0, 16).toString('base64url');
}

/** OpenID Connect ID tokens (Core §2), signed with the current key of the client's algorithm. */
@Injectable()
export class IdTokenService {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  async issue(input: IdTokenInput): Promise<string> {
    const key = await this.keys.signingKey(input.alg);
    const now = this.clock.now();
    const payload: Record<string, unknown> = {
      ...input.claims,
      iss: this.config.issuer,
      sub: String(input.userId),
      aud: input.clientId,
      exp: now + this.config.idTokenTtl,
      iat: now,
    };
    if (input.authTime !== undefined && input.authTime !== null) payload.auth_time = input.authTime;
    if (input.nonce) payload.nonce = input.nonce;
    if (input.accessToken) payload.at_hash = halfHash(input.accessToken);
    if (input.code) payload.c_hash = halfHash(input.code);
    return new SignJWT(payload).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' }).sign(key.privateKey);
  }

  /**
   * An ID token this server issued, as a hint (Core §3.1.2.1 id_token_hint, RP-Initiated Logout
   * §2): signed by one of our published keys and issued by us. An expired one is accepted, as the
   * spec allows. Null when it is not ours or malformed.
   */
  async verifyHint(idToken: string): Promise<{ sub: string; aud: string[] } | null> {
    try {
      if (decodeProtectedHeader(idToken).typ === 'at+jwt') return null;
      const { payload } = await compactVerify(idToken, ownKeys(this.keys));
      const claims = JSON.parse(Buffer.from(payload).toString('utf8')) as Record<string, unknown>;
      if (claims.iss !== this.config.issuer || typeof claims.sub !== 'string') return null;
      const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud.filter((a): a is string => typeof a === 'string') : [];
      return { sub: claims.sub, aud };
    } catch {
      return null;
    }
  }
}
