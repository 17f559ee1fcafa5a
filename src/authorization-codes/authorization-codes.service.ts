import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Clock } from '../common/clock';
import { randomToken, sha256 } from '../common/crypto';
import { AuthorizationCode } from './authorization-code.entity';
import { AuthorizationCodesRepository } from './authorization-codes.repository';

export interface NewAuthorizationCode {
  clientId: string;
  userId: number;
  redirectUri: string;
  redirectUriSent: boolean;
  scope: string;
  nonce?: string | null;
  authTime: number;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  /** RFC 8707: the resources the request named; null or absent: not restricted. */
  resources?: string[] | null;
  /** RFC 9449 §10: the DPoP key thumbprint that must redeem the code; null or absent: not bound. */
  dpopJkt?: string | null;
}

@Injectable()
export class AuthorizationCodesService {
  constructor(
    private readonly codes: AuthorizationCodesRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Stores a new code's digest and returns the code (256 bits), which exists only in the redirect. */
  async create(input: NewAuthorizationCode): Promise<string> {
    const code = randomToken();
    await this.codes.insert({
      ...input,
      nonce: input.nonce ?? null,
      resources: input.resources ?? null,
      dpopJkt: input.dpopJkt ?? null,
      codeHash: sha256(code),
      expiresAt: this.clock.now() + this.config.authorizationCodeTtl,
      usedAt: null,
    });
    return code;
  }

  findByCode(code: string): Promise<AuthorizationCode | null> {
    return this.codes.findByHash(sha256(code));
  }

  /** The code a token was redeemed from (its auth_time outlives the code's use). */
  findById(id: number): Promise<AuthorizationCode | null> {
    return this.codes.findById(id);
  }

  isExpired(code: AuthorizationCode): boolean {
    return this.clock.now() >= code.expiresAt;
  }

  /** Single use (RFC 6749 §4.1.2): true for exactly one caller. */
  markUsed(code: AuthorizationCode): Promise<boolean> {
    return this.codes.markUsed(code.id, this.clock.now());
  }

  /** Codes issued but not yet redeemed stop working (the user withdrew consent). */
  invalidateForUserAndClient(userId: number, clientId: string): Promise<number> {
    return this.codes.markUnusedAsUsed(userId, clientId, this.clock.now());
  }
}
